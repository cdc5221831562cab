"""The per-unit overview: submissions grouped by issuing unit, what each unit has sent and which of
the expected materials (analysis, rectification plan, speech) are still missing.

The expected document types come from the profile (``unit_submissions``), else the ledger's types,
else its analyses and plans (``genres``); types are named by the profile's ``reports.type_labels``.
Units are grouped by their name folded to simplified script without spaces, so 中共楓林鎮委員會 and
中共枫林镇委员会 are one unit; records without a unit are listed apart.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.profile import Profile
from pipeline.record import Record
from reports.scripts import to_simplified
from reports.triage import profile_of

NO_UNIT = "（未识别出单位）"
_SPACE = re.compile(r"[\s\u3000]+")


def fold_unit(unit: str) -> str:
    """The grouping key of a unit name: simplified script, no spaces."""
    return to_simplified(_SPACE.sub("", unit))


def expected_types(profile: Profile) -> tuple[str, ...]:
    """The document types every unit should send."""
    data = profile.data
    genres = profile.genres
    return tuple(data.get("unit_submissions") or data.get("ledger_doc_types")
                 or [*(genres.get("analyses") or []), *(genres.get("plans") or [])])


@dataclass
class UnitRow:
    """One issuing unit: its documents by type, what is missing, and how many need returning."""

    unit: str
    documents: dict[str, list[str]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    flagged: int = 0
    with_gaps: int = 0
    failed: int = 0

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.documents.values())


def unit_overview(records: Sequence[Record], profile: Profile | None = None) -> list[UnitRow]:
    """Units with the most missing materials first, then by name; records without a unit last.

    The expected types are those of the first record's profile (``profile`` when it names that one).
    """
    if not records:
        return []
    expected = expected_types(profile_of(records[0], profile))
    groups: dict[str, UnitRow] = {}
    for r in records:
        unit = (r.get("unit") or "").strip()
        key = fold_unit(unit) if unit else ""
        row = groups.setdefault(key, UnitRow(unit or NO_UNIT))
        name = Path(r["path"]).name
        if r.get("errors"):
            row.failed += 1
            row.documents.setdefault("error", []).append(name)
            continue
        row.documents.setdefault(r.get("doc_type") or "other", []).append(name)
        row.flagged += bool((r.get("work_report") or {}).get("flag"))
        row.with_gaps += bool(r.get("gaps"))
    for key, row in groups.items():
        row.missing = [t for t in expected if t not in row.documents] if key else []
    return sorted(groups.values(), key=lambda u: (u.unit == NO_UNIT, -len(u.missing), u.unit))


def _sent_label(t: str, profile: Profile) -> str:
    """The name of a column of sent documents: a type's, or 未能审查 for the files that failed."""
    return "未能审查" if t == "error" and t not in profile.data["doc_types"] else profile.type_label(t)


def overview_rows(units: Sequence[UnitRow], profile: Profile, expected: Sequence[str] | None = None
                  ) -> tuple[tuple[str, ...], list[list[Any]]]:
    """``(headers, rows)`` of the overview for a table, CSV or workbook (types named by ``profile``;
    ``expected`` types first, by default the profile's)."""
    expected = list(expected_types(profile) if expected is None else expected)
    types = expected + sorted({t for u in units for t in u.documents if t not in expected})
    headers = ("单位", "份数", *[_sent_label(t, profile) for t in types], "缺少", "工作报告化", "有缺项")
    rows = []
    for u in units:
        rows.append([u.unit, u.count, *["、".join(u.documents.get(t, [])) for t in types],
                     "、".join(profile.type_label(t) for t in u.missing), u.flagged, u.with_gaps])
    return headers, rows


def overview_text(units: Sequence[UnitRow], profile: Profile) -> str:
    """The overview for the terminal: one block per unit (types named by ``profile``)."""
    lines = []
    complete = sum(1 for u in units if not u.missing and u.unit != NO_UNIT)
    for u in units:
        sent = "；".join(f"{_sent_label(t, profile)} {len(v)}（{'、'.join(v)}）" for t, v in u.documents.items())
        lines.append(f"{u.unit}（{u.count} 份）")
        lines.append(f"  已报送：{sent or '—'}")
        if u.missing:
            lines.append(f"  缺少：{'、'.join(profile.type_label(t) for t in u.missing)}")
        if u.flagged or u.with_gaps:
            lines.append(f"  工作报告化 {u.flagged} 份，有缺项 {u.with_gaps} 份")
    named = [u for u in units if u.unit != NO_UNIT]
    lines.append("")
    lines.append(f"共 {len(named)} 个单位：材料齐全 {complete} 个，缺材料 {len(named) - complete} 个")
    return "\n".join(lines)
