"""Triage: rank a batch worst first and print the summary table the office reads."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from wcwidth import wcwidth

from pipeline.profile import DEFAULT_PROFILE, Profile, load_profile
from pipeline.record import Record


def severity(rec: Record) -> tuple:
    """Sort key, worst first: flagged, then more gaps that send a document back (the profile's
    ``return_gaps``), then more gaps of any kind, then fewer problems."""
    gaps = [g.get("code") for g in rec.get("gaps") or []]
    returning = set(profile_of(rec).report["return_gaps"])
    core = sum(1 for g in gaps if g in returning)
    flagged = bool((rec.get("work_report") or {}).get("flag"))
    return (not flagged, -core, -len(gaps), len(rec.get("problems") or []), Path(rec["path"]).name)


def rank(records: Sequence[Record]) -> tuple[list[Record], list[Record]]:
    """``(screened worst first, failed)``."""
    ok = [r for r in records if not r.get("errors")]
    bad = [r for r in records if r.get("errors")]
    return sorted(ok, key=severity), sorted(bad, key=lambda r: Path(r["path"]).name)


def display_width(s: str) -> int:
    """Columns ``s`` takes in a terminal (wcwidth: 2 for CJK, 0 for combining marks and controls)."""
    return sum(max(0, wcwidth(ch)) for ch in s)


def _pad(s: str, width: int) -> str:
    """``s`` cut (with ``…``) or padded with spaces to ``width`` terminal columns."""
    s = "".join(ch for ch in s if ch.isprintable())
    if display_width(s) > width:
        while s and display_width(s) + 1 > width:
            s = s[:-1]
        s += "…"
    return s + " " * (width - display_width(s))


def profile_of(rec: Record, known: Profile | None = None) -> Profile:
    """The campaign profile a record was screened with (the default one when unknown).

    Args:
        rec: A record; its ``profile.name`` names the profile.
        known: A profile already loaded (e.g. from a folder outside ``pipeline/profiles``): used for
            the records that name it.
    """
    name = (rec.get("profile") or {}).get("name") or DEFAULT_PROFILE
    if known is not None and known.name == name:
        return known
    try:
        return load_profile(name)
    except Exception:  # noqa: BLE001 - an unknown profile: the default labels
        return load_profile()


def gap_label(code: str, profile: Profile) -> str:
    """The Chinese name of a gap code: its campaign term without the bracketed source (``整改措施不实``)."""
    term = (profile.gaps.get(code) or {}).get("term") or code
    return term.split("（")[0] or term


def gap_summary(rec: Record, profile: Profile | None = None, sep: str = "、") -> str:
    """The record's gaps by Chinese name, counted (``避免写成工作报告、整改措施不实×2``)."""
    profile = profile or profile_of(rec)
    counts = Counter(g.get("code") or "" for g in rec.get("gaps") or [])
    return sep.join(gap_label(c, profile) + (f"×{n}" if n > 1 else "") for c, n in counts.items())


NAME_WIDTH = (12, 60)  # the file column fits the longest name within these bounds


def summary_table(records: Sequence[Record]) -> str:
    """A fixed-width table (aligned for Chinese), worst first, then the files that could not be screened."""
    ok, bad = rank(records)
    names = [Path(r["path"]).name for r in ok]
    name_w = max(NAME_WIDTH[0], min(NAME_WIDTH[1], max((display_width(n) for n in names), default=0)))
    cols = [("序号", 4), ("文件", name_w), ("类型", 14), ("工作报告化", 10), ("问题", 4), ("承诺", 4), ("缺项", 60)]
    lines = ["  ".join(_pad(h, w) for h, w in cols).rstrip(), "  ".join("-" * w for _, w in cols)]
    labels: dict[str, str] = {}  # doc type → its short name (in the profile of the first record of that type)
    for i, r in enumerate(ok, 1):
        wr = r.get("work_report") or {}
        flag = ("⚑ " if wr.get("flag") else "") + f"{float(wr.get('score') or 0):.2f}"
        row = [str(i), names[i - 1], labels.setdefault(r.get("doc_type") or "", profile_of(r).type_label(r.get("doc_type"), "?")), flag,
               str(len(r.get("problems") or [])), str(len(r.get("commitments") or [])), gap_summary(r) or "—"]
        lines.append("  ".join(_pad(v, w) for v, (_, w) in zip(row, cols, strict=True)).rstrip())
    if bad:
        lines.append("")
        lines.append(f"未能审查（{len(bad)} 份）：")
        for r in bad:
            e = r["errors"][0]
            lines.append(f"  {Path(r['path']).name}: {e.get('reason', '')} — {e.get('message', '')}")
    flagged = sum(1 for r in ok if (r.get("work_report") or {}).get("flag"))
    types = Counter(r.get("doc_type") for r in ok)
    lines.append("")
    lines.append(f"共 {len(records)} 份：审查 {len(ok)} 份，失败 {len(bad)} 份；工作报告化 {flagged} 份；"
                 + "，".join(f"{labels.get(t or '', t)} {n}" for t, n in types.most_common()))
    return "\n".join(lines)
