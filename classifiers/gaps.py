"""Gap checks: the campaign's rules (四不通過, 四明確一承諾, 避免寫成工作報告) as data-driven checks.

Each check returns evidence (the sentence at fault, or what is missing); the profile supplies
which document types it applies to, its campaign term and the reviewer's message.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pipeline.document import Document, Gap
from pipeline.profile import Profile

Check = Callable[[Document, Profile], list[dict[str, Any]]]


def _short(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _work_report_style(doc: Document, profile: Profile) -> list[dict[str, Any]]:
    wr = doc.work_report
    if not wr.get("flag"):
        return []
    ev = "；".join(_short(e, 40) for e in wr.get("evidence", [])[:2])
    return [{"reason": wr["reason"], "evidence": ev or wr["reason"]}]


def _no_problems(doc: Document, profile: Profile) -> list[dict[str, Any]]:
    concrete = [f for f in doc.problems if f.fields.get("concrete")]
    if len(concrete) >= profile.thresholds["concrete_problems_min"]:
        return []
    if doc.problems:
        reason = f"找出的{len(doc.problems)}条问题中只有{len(concrete)}条有具体表现或数据"
        ev = "；".join(_short(f.text, 30) for f in doc.problems[:3])
    else:
        reason, ev = "全文没有查找出问题", "（缺少「存在的突出问题」部分）"
    return [{"reason": reason, "evidence": ev}]


def _no_cause_analysis(doc: Document, profile: Profile) -> list[dict[str, Any]]:
    if any(f.fields.get("cause") for f in doc.problems):
        return []
    return [{"evidence": "（缺少原因分析，特别是主观原因）"}]


def _narrow_consultation(doc: Document, profile: Profile) -> list[dict[str, Any]]:
    cons, num = profile.pattern("consultation"), profile.pattern("consultation_number")
    for s in doc.sentences:
        t = doc.sent_analysis(s)
        if cons.search(t) and num.search(t):
            return []
    return [{"evidence": "（没有写明征求意见的方式、范围和数量）"}]


def _unclear_direction(doc: Document, profile: Profile) -> list[dict[str, Any]]:
    rx = profile.pattern("direction")
    if any(rx.search(doc.sent_analysis(s)) for s in doc.sentences) or any(
        s.heading and s.role == "direction" for s in doc.sentences
    ):
        return []
    return [{"evidence": "（没有「发展思路」或「总体思路」）"}]


def _vague_measures(doc: Document, profile: Profile) -> list[dict[str, Any]]:
    cs = doc.commitments
    if not cs:
        return [{"reason": "没有提出整改措施", "evidence": "（缺少整改措施）"}]
    vague = [c for c in cs if not c.fields.get("concrete")]
    share = len(vague) / len(cs)
    if share < profile.thresholds["vague_measures_share"]:
        return []
    reason = f"{len(cs)}项措施中有{len(vague)}项没有时限、责任单位或量化目标"
    return [{"reason": reason, "evidence": _short(vague[0].text)}]


def _missing(field: str) -> Check:
    def check(doc: Document, profile: Profile) -> list[dict[str, Any]]:
        if field == "deadline":
            bad = [c for c in doc.commitments if not c.fields.get("deadline") and c.fields.get("deadline_precision") != "open"]
        else:
            bad = [c for c in doc.commitments if not c.fields.get(field)]
        if not bad:
            return []
        return [{"count": len(bad), "evidence": _short(bad[0].text), "all": [c.text for c in bad]}]

    return check


def _no_public_pledge(doc: Document, profile: Profile) -> list[dict[str, Any]]:
    rx = profile.pattern("pledge")
    if any(rx.search(doc.sent_analysis(s)) for s in doc.sentences) or any(
        s.role == "pledge" for s in doc.sentences
    ):
        return []
    return [{"evidence": "（方案中没有「公开承诺」内容）"}]


def _area_not_covered(doc: Document, profile: Profile) -> list[dict[str, Any]]:
    covered = {f.area for f in doc.problems + doc.commitments}
    if not doc.problems and not doc.commitments:
        return []
    out = []
    for area in profile.data["priority_areas"]:
        if area not in covered:
            spec = profile.areas[area]
            out.append({"area": spec.get("short", area), "label": spec.get("label", area),
                        "evidence": f"（没有涉及「{spec.get('short', area)}」的问题或措施）"})
    return out


def _commitment_missing_measure(doc: Document, profile: Profile) -> list[dict[str, Any]]:
    return [{"evidence": _short(c.text)} for c in doc.commitments if not c.fields.get("has_measure")]


CHECKS: dict[str, Check] = {
    "work_report_style": _work_report_style,
    "no_problems": _no_problems,
    "no_cause_analysis": _no_cause_analysis,
    "narrow_consultation": _narrow_consultation,
    "unclear_direction": _unclear_direction,
    "vague_measures": _vague_measures,
    "commitment_missing_deadline": _missing("deadline"),
    "commitment_missing_owner": _missing("owner"),
    "no_public_pledge": _no_public_pledge,
    "area_not_covered": _area_not_covered,
    "commitment_missing_measure": _commitment_missing_measure,
}


def check_gaps(doc: Document, profile: Profile) -> list[Gap]:
    """Every gap that applies to ``doc``'s type, with a message and its evidence."""
    gaps: list[Gap] = []
    for code, rule in profile.gaps.items():
        check = CHECKS.get(code)
        if check is None or doc.doc_type not in rule["applies_to"]:
            continue
        for hit in check(doc, profile):
            values = {"reason": "", "count": "", "evidence": "", "area": "", "label": ""} | {
                k: v for k, v in hit.items() if isinstance(v, str | int)}
            message = rule["message"].format(**values)
            message = re.sub(r"：。", "。", message)
            gaps.append(Gap(code=code, message=message, evidence=str(hit.get("evidence", "")), term=rule.get("term", "")))
    return gaps
