"""Owners: the responsible unit or post a commitment names (责任单位/责任人/由…负责/…牵头).

Works on the analysis text (simplified) and returns offsets, so the caller reports the owner
in the document's own script. The first one named wins.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.profile import Profile

# What may follow a named owner after 由: a verb of taking charge or of the action itself.
_AFTER = ("负责", "牵头", "组织", "协调", "会同", "联合", "对", "每", "向", "建立", "成立", "完成", "实施", "开展", "统筹", "主抓",
          "具体", "抓", "督促", "落实", "制定", "推进", "为", "在", "于", "将", "与", "按", "根据", "做好", "进行", "全面", "专门",
          "和", "、", "，", ",", "。", "；", ";", "")


@lru_cache(maxsize=4)
def _compiled(suffixes: tuple[str, ...], labels: tuple[str, ...]) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    suf = "(?:" + "|".join(map(re.escape, sorted(suffixes, key=len, reverse=True))) + ")"
    label = re.compile("(?:" + "|".join(map(re.escape, labels)) + r")\s*[:：]\s*([^，。；;,\s]{2,24})")
    by = re.compile(r"由")
    bare = re.compile(r"(?:^|[，,；;。:：])\s*((?:[^，。；;,：:由\s]{0,16}?)" + suf + r")\s*(?:负责|牵头)(?!人)")
    return label, by, bare


def find_owner(text: str, profile: Profile) -> tuple[int, int] | None:
    """Offsets of the first responsible unit or post named in ``text``, or None.

    Args:
        text: A commitment in analysis form (simplified).
        profile: Supplies the unit-name endings and the label words.
    """
    spec = profile.data["owner"]
    label, by, bare = _compiled(tuple(spec["suffixes"]), tuple(spec["labels"]))
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
    """After 由: the shortest run ending in a unit suffix that a verb (or punctuation) follows."""
    window = re.match(r"[^，。；;,:：\s]{1,22}", text[start:])
    if not window:
        return None
    w = window.group(0)
    assert profile.owner_re is not None
    for m in profile.owner_re.finditer(w):
        end = m.end()
        rest = w[end:]
        if end >= 2 and any(rest.startswith(v) for v in _AFTER if v) or (end >= 2 and not rest):
            return start, start + end
    return None
