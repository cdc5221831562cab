"""Gap checks: the campaign's rules (四不通過, 四明確一承諾, 避免寫成工作報告) as parameterised rule kinds.

A profile's ``gaps`` maps each code to a rule: its ``kind`` (one of ``RULE_KINDS``, declared in
``pipeline.profile.GAP_KINDS`` so that the loader rejects an unknown one), the kind's parameters,
the document types it applies to, its campaign term, and the reviewer's message and evidence
texts. Another campaign writes other codes with the same kinds; no code names a gap.

Each rule returns hits: the values its message is filled with (``reason``, ``count``,
``evidence``, ``area``, ``label``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pipeline.document import Document, Finding, Gap
from pipeline.profile import GAP_KINDS, Profile

Hit = dict[str, Any]
Rule = Callable[[Document, Profile, dict[str, Any]], list[Hit]]


def _short(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _number(profile: Profile, value: Any) -> float:
    """A rule parameter: a number, or the name of one of the profile's thresholds."""
    return float(profile.thresholds[value]) if isinstance(value, str) else float(value)


def _findings(doc: Document, name: str) -> list[Finding]:
    return list(doc.problems) if name == "problems" else list(doc.commitments)


def _work_report_flag(doc: Document, profile: Profile, rule: dict[str, Any]) -> list[Hit]:
    """The document reads like a work report (the work-report detector's flag)."""
    wr = doc.work_report
    if not wr.get("flag"):
        return []
    ev = "；".join(_short(e, 40) for e in wr.get("evidence", [])[:2])
    return [{"reason": wr["reason"], "evidence": ev or wr["reason"]}]


def _too_few(doc: Document, profile: Profile, rule: dict[str, Any]) -> list[Hit]:
    """Fewer than ``min`` findings of kind ``findings`` with the field ``with`` set."""
    found = _findings(doc, rule["findings"])
    good = [f for f in found if f.fields.get(rule["with"])] if rule.get("with") else found
    if len(good) >= _number(profile, rule["min"]):
        return []
    if found:
        reason = rule["reason_few"].format(n=len(found), k=len(good))
        ev = "；".join(_short(f.text, 30) for f in found[:3])
    else:
        reason, ev = rule["reason_none"], rule["evidence_none"]
    return [{"reason": reason, "evidence": ev}]


def _none_with(doc: Document, profile: Profile, rule: dict[str, Any]) -> list[Hit]:
    """No finding of kind ``findings`` has the field ``with`` (no problem analyses a cause)."""
    if any(f.fields.get(rule["with"]) for f in _findings(doc, rule["findings"])):
        return []
    return [{"evidence": rule["evidence"]}]


def _no_sentence(doc: Document, profile: Profile, rule: dict[str, Any]) -> list[Hit]:
    """No sentence matches all the profile patterns ``all_of`` (or any of ``any_of``), and no
    sentence stands in a section of role ``role``."""
    all_of = [profile.pattern(p) for p in rule.get("all_of", [])]
    any_of = [profile.pattern(p) for p in rule.get("any_of", [])]
    role = rule.get("role")
    for s in doc.sentences:
        t = doc.sent_analysis(s)
        if all_of and all(rx.search(t) for rx in all_of):
            return []
        if any_of and any(rx.search(t) for rx in any_of):
            return []
        if role and s.role == role and (s.heading or not rule.get("role_heading_only")):
            return []
    return [{"evidence": rule["evidence"]}]


def _share_without(doc: Document, profile: Profile, rule: dict[str, Any]) -> list[Hit]:
    """At least ``max_share`` of the findings lack the field ``with`` (measures that are slogans),
    or there are none."""
    found = _findings(doc, rule["findings"])
    if not found:
        return [{"reason": rule["reason_none"], "evidence": rule["evidence_none"]}]
    lacking = [f for f in found if not f.fields.get(rule["with"])]
    if len(lacking) / len(found) < _number(profile, rule["max_share"]):
        return []
    return [{"reason": rule["reason_many"].format(n=len(found), k=len(lacking)), "evidence": _short(lacking[0].text)}]


def _missing_field(doc: Document, profile: Profile, rule: dict[str, Any]) -> list[Hit]:
    """Some finding lacks the field ``field`` (a stated open timing counts where ``open_ok``)."""
    field = rule["field"]
    bad = [c for c in _findings(doc, rule["findings"]) if not c.fields.get(field)
           and not (rule.get("open_ok") and c.fields.get(f"{field}_precision") == "open")]
    if not bad:
        return []
    return [{"count": len(bad), "evidence": _short(bad[0].text), "all": [c.text for c in bad]}]


def _each_missing(doc: Document, profile: Profile, rule: dict[str, Any]) -> list[Hit]:
    """One hit per finding that lacks the field ``field``."""
    return [{"evidence": _short(c.text)} for c in _findings(doc, rule["findings"]) if not c.fields.get(rule["field"])]


def _uncovered_areas(doc: Document, profile: Profile, rule: dict[str, Any]) -> list[Hit]:
    """A priority area that no finding touches (only when the document has findings)."""
    covered = {f.area for f in doc.problems + doc.commitments}
    if not doc.problems and not doc.commitments:
        return []
    out = []
    for area in profile.data["priority_areas"]:
        if area not in covered:
            spec = profile.areas[area]
            short = spec.get("short", area)
            out.append({"area": short, "label": spec.get("label", area), "evidence": rule["evidence"].format(area=short)})
    return out


RULE_KINDS: dict[str, Rule] = {
    "work_report_flag": _work_report_flag,
    "too_few": _too_few,
    "none_with": _none_with,
    "no_sentence": _no_sentence,
    "share_without": _share_without,
    "missing_field": _missing_field,
    "each_missing": _each_missing,
    "uncovered_areas": _uncovered_areas,
}
assert set(RULE_KINDS) == set(GAP_KINDS), "pipeline.profile.GAP_KINDS and the rules implemented here must agree"


def check_gaps(doc: Document, profile: Profile) -> list[Gap]:
    """Every gap that applies to ``doc``'s type, with a message and its evidence."""
    gaps: list[Gap] = []
    for code, rule in profile.gaps.items():
        if doc.doc_type not in rule["applies_to"]:
            continue
        for hit in RULE_KINDS[rule["kind"]](doc, profile, rule):
            values = {"reason": "", "count": "", "evidence": "", "area": "", "label": ""} | {
                k: v for k, v in hit.items() if isinstance(v, str | int)}
            message = rule["message"].format(**values)
            message = re.sub(r"：。", "。", message)
            gaps.append(Gap(code=code, message=message, evidence=str(hit.get("evidence", "")), term=rule.get("term", "")))
    return gaps
