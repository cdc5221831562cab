"""Owners: the responsible unit or post a commitment names (责任单位/责任人/由…负责/…牵头).

Works on the analysis text (simplified) and returns offsets, so the caller reports the owner
in the document's own script. The first one named wins.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline import lang_zh as zh
from pipeline.profile import Profile


@lru_cache(maxsize=4)
def _compiled(suffixes: tuple[str, ...], labels: tuple[str, ...], by: str,
              takes_charge: tuple[str, ...]) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    suf = "(?:" + "|".join(map(re.escape, sorted(suffixes, key=len, reverse=True))) + ")"
    label = re.compile("(?:" + "|".join(map(re.escape, labels)) + r")\s*[:：]\s*([^，。；;,\s]{2,24})")
    by_re = re.compile(re.escape(by))
    charge = "|".join(map(re.escape, takes_charge))
    bare = re.compile(r"(?:^|[，,；;。:：])\s*((?:[^，。；;,：:" + re.escape(by) + r"\s]{0,16}?)" + suf + r")\s*(?:"
                      + charge + r")(?!" + zh.PERSON + ")")
    return label, by_re, bare


def find_owner(text: str, profile: Profile) -> tuple[int, int] | None:
    """Offsets of the first responsible unit or post named in ``text``, or None.

    Args:
        text: A commitment in analysis form (simplified).
        profile: Supplies the unit-name endings and the label words.
    """
    spec = profile.data["owner"]
    label, by, bare = _compiled(tuple(spec["suffixes"]), tuple(spec["labels"]), spec["by"], tuple(spec["takes_charge"]))
    hits: list[tuple[int, int]] = []
    m = label.search(text)
    if m:
        hits.append(m.span(1))
    for m in by.finditer(text):
        span = _owner_after_you(text, m.end(), profile)
        if span:
            hits.append(span)
            break
    m = bare.search(text)
    if m:
        hits.append(m.span(1))
    return min(hits) if hits else None


def _owner_after_you(text: str, start: int, profile: Profile) -> tuple[int, int] | None:
    """After the profile's ``owner.by`` (由): the shortest run ending in a unit suffix that a verb (or punctuation) follows."""
    window = zh.PHRASE_RUN.match(text[start:])
    if not window:
        return None
    w = window.group(0)
    assert profile.owner_re is not None
    for m in profile.owner_re.finditer(w):
        end = m.end()
        rest = w[end:]
        if end >= 2 and any(rest.startswith(v) for v in profile.data["owner"]["followers"] if v) or (end >= 2 and not rest):
            return start, start + end
    return None
