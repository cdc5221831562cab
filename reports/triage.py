"""Triage: rank a batch worst first and print the summary table the office reads."""

from __future__ import annotations

import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

TYPE_ZH = {
    "analysis_report": "分析检查报告", "work_report": "工作报告/总结", "rectification_plan": "整改落实方案",
    "meeting_speech": "民主生活会发言", "implementation_plan": "实施方案", "other": "其他",
}
SCORED_GAPS = ("work_report_style", "no_problems", "no_cause_analysis", "narrow_consultation", "unclear_direction",
               "vague_measures", "commitment_missing_deadline", "commitment_missing_owner", "no_public_pledge")


def severity(rec: dict[str, Any]) -> tuple:
    """Sort key, worst first: flagged, then more campaign gaps, then more gaps of any kind, then fewer problems."""
    gaps = [g.get("code") for g in rec.get("gaps") or []]
    core = sum(1 for g in gaps if g in SCORED_GAPS)
    flagged = bool((rec.get("work_report") or {}).get("flag"))
    return (not flagged, -core, -len(gaps), len(rec.get("problems") or []), Path(rec.get("path", "")).name)


def rank(records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(screened worst first, failed)``."""
    ok = [r for r in records if not r.get("errors")]
    bad = [r for r in records if r.get("errors")]
    return sorted(ok, key=severity), sorted(bad, key=lambda r: Path(r.get("path", "")).name)


def _w(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _pad(s: str, width: int) -> str:
    if _w(s) > width:
        while s and _w(s + "…") > width:
            s = s[:-1]
        s += "…"
    return s + " " * (width - _w(s))


def summary_table(records: list[dict[str, Any]]) -> str:
    """A fixed-width table (aligned for Chinese), worst first, then the files that could not be screened."""
    ok, bad = rank(records)
    cols = [("#", 4), ("文件 file", 28), ("类型 type", 16), ("工作报告化", 12), ("问题", 5), ("承诺", 5), ("缺项 gaps", 60)]
    lines = ["  ".join(_pad(h, w) for h, w in cols), "  ".join("-" * w for _, w in cols)]
    for i, r in enumerate(ok, 1):
        wr = r.get("work_report") or {}
        flag = ("⚑ " if wr.get("flag") else "") + f"{wr.get('score', 0):.2f}"
        gaps = Counter(g.get("code") for g in r.get("gaps") or [])
        gap_text = ", ".join(f"{c}×{n}" if n > 1 else c for c, n in gaps.items()) or "—"
        row = [str(i), Path(r.get("path", "")).name, TYPE_ZH.get(r.get("doc_type") or "", r.get("doc_type") or "?"), flag,
               str(len(r.get("problems") or [])), str(len(r.get("commitments") or [])), gap_text]
        lines.append("  ".join(_pad(v, w) for v, (_, w) in zip(row, cols, strict=True)))
    if bad:
        lines.append("")
        lines.append(f"未能审查 could not screen ({len(bad)}):")
        for r in bad:
            e = r["errors"][0]
            lines.append(f"  {Path(r.get('path', '')).name}: {e.get('reason', '')} — {e.get('message', '')}")
    flagged = sum(1 for r in ok if (r.get("work_report") or {}).get("flag"))
    types = Counter(r.get("doc_type") for r in ok)
    lines.append("")
    lines.append(f"共 {len(records)} 份：审查 {len(ok)} 份，失败 {len(bad)} 份；工作报告化 {flagged} 份；"
                 + "，".join(f"{TYPE_ZH.get(t or '', t)} {n}" for t, n in types.most_common()))
    return "\n".join(lines)
