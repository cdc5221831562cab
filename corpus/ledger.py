"""The commitment ledger (挂牌督办、限时办结): its filters, its SQL and its order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .textindex import fold


@dataclass
class LedgerFilters:
    """Filters for the commitment ledger."""

    owner: str | None = None
    area: str | None = None
    unit: str | None = None
    due_before: str | None = None
    overdue_as_of: str | None = None
    doc_types: tuple[str, ...] | None = None  # default: the profile's ledger_doc_types


def ledger_doc_types(profile: str | None = None) -> tuple[str, ...]:
    """The document types whose commitments the campaign tracks (a work report's plans are not rectification commitments)."""
    from pipeline.profile import DEFAULT_PROFILE, load_profile

    data = load_profile(profile or DEFAULT_PROFILE).data
    return tuple(data.get("ledger_doc_types") or data["doc_types"])



def ledger_sql(f: LedgerFilters | None, ph: str) -> tuple[list[str], list[Any]]:
    """WHERE clauses (over ``findings c JOIN documents d``) for the commitment ledger, before due-date filters."""
    clauses = ["c.kind = 'commitment'"]
    params: list[Any] = []
    types = (f.doc_types if f is not None and f.doc_types is not None else None) or ledger_doc_types()
    clauses.append("d.doc_type IN (" + ", ".join([ph] * len(types)) + ")")
    params.extend(types)
    if f is None:
        return clauses, params
    if f.owner:
        clauses.append(f"c.owner_folded LIKE {ph}")
        params.append("%" + fold(f.owner) + "%")
    if f.area:
        clauses.append(f"c.area = {ph}")
        params.append(f.area)
    if f.unit:
        clauses.append(f"d.unit_folded LIKE {ph}")
        params.append("%" + fold(f.unit) + "%")
    return clauses, params


LEDGER_COLUMNS = ("doc_id", "name", "title", "unit", "doc_date", "seq", "area", "item", "owner", "deadline",
                  "deadline_precision", "deadline_text", "target", "measures", "text")


def split_ledger(rows: list[dict[str, Any]], f: LedgerFilters | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Complete commitments (owner and deadline), soonest first; the rest apart (in document order).

    ``due_before`` and ``overdue_as_of`` keep complete ones due strictly before the date; commitments
    without a deadline cannot be checked and stay in the incomplete list, those with a deadline but
    no owner are kept there only when due in time.
    """
    limit = None
    if f is not None:
        dates = [d for d in (f.due_before, f.overdue_as_of) if d]
        limit = min(dates) if dates else None
    complete: list[dict[str, Any]] = []
    incomplete: list[dict[str, Any]] = []
    for r in rows:
        due_ok = limit is None or (r["deadline"] is not None and r["deadline"] < limit)
        if r["owner"] and r["deadline"]:
            if due_ok:
                complete.append(r)
        elif r["deadline"] is None or due_ok:
            r["missing"] = [k for k in ("owner", "deadline") if not r[k]]
            incomplete.append(r)
    complete.sort(key=lambda r: (r["deadline"], r["doc_id"], r["seq"]))
    incomplete.sort(key=lambda r: (r["doc_id"], r["seq"]))
    return complete, incomplete

