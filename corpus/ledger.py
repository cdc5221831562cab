"""The commitment ledger (挂牌督办、限时办结): its filters, its SQL and order, the stable commitment ids
and the reviewers' statuses (open, done: 销号; overdue is computed).

**Commitment ids.** ``DOC-HASH``: the document id and 8 hex digits of the SHA-1 of the commitment's
text, normalised (NFKC, whitespace removed, punctuation at either end stripped); a text repeated in
one document gets ``-2``, ``-3``… in document order. The id does not depend on offsets or order, so a
rescreen that finds the same commitment elsewhere in the text keeps it; a rescreen that cuts the
sentence differently gives a new id (the old status is then kept, unlisted, as an orphan).

**Statuses** live in their own table (``ledger_status``: document id, hash, status, note, who, when),
apart from the findings that a rescreen or a re-add replaces; a commitment without a row is open.
*Overdue* is never stored: an open commitment whose deadline is before the as-of date.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from .errors import ArchiveError, QueryError, mask_secrets
from .query import check_text
from .textindex import fold

STATUSES = ("open", "done")  # what a reviewer sets
LEDGER_STATUSES = ("open", "done", "overdue")  # what the ledger shows and filters by (overdue: open and late)
MAX_NOTE_CHARS = 2000
_ID = re.compile(r"^(\d{1,19})-([0-9a-f]{8}(?:-[1-9]\d{0,5})?)$")
_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")


@dataclass
class LedgerFilters:
    """Filters for the commitment ledger.

    ``status`` keeps ``done`` ones, ``open`` ones (overdue included) or ``overdue`` ones (open, the
    deadline before ``as_of``); ``overdue_as_of`` is ``status="overdue"`` with that date. ``as_of``
    (default today) is the date a commitment's overdue status is computed for.
    """

    owner: str | None = None
    area: str | None = None
    unit: str | None = None
    due_before: str | None = None
    overdue_as_of: str | None = None
    doc_types: tuple[str, ...] | None = None  # default: the profile's ledger_doc_types
    status: str | None = None
    as_of: str | None = None


def ledger_doc_types(profile: str | None = None) -> tuple[str, ...]:
    """The document types whose commitments the campaign tracks (a work report's plans are not rectification commitments)."""
    from pipeline.profile import DEFAULT_PROFILE, load_profile

    data = load_profile(profile or DEFAULT_PROFILE).data
    return tuple(data.get("ledger_doc_types") or data["doc_types"])


def check_ledger_filters(f: LedgerFilters | None) -> LedgerFilters | None:
    """``f`` with its values checked: text valid UTF-8, dates ``YYYY[-MM[-DD]]``, a known status; else E306."""
    if f is None:
        return None
    for name in ("owner", "area", "unit"):
        v = getattr(f, name)
        if v is not None:
            check_text(v, f"--{name} filter")
    for name in ("due_before", "overdue_as_of", "as_of"):
        v = getattr(f, name)
        if v is not None and not (isinstance(v, str) and _DATE.match(v)):
            raise QueryError(f"--{name.replace('_', '-')} {v!r} is not a date (YYYY-MM-DD, YYYY-MM or YYYY)", "E306")
    if f.status is not None and f.status not in LEDGER_STATUSES:
        raise QueryError(f"--status {f.status!r} is not one of {', '.join(LEDGER_STATUSES)}", "E306")
    return f


# ------------------------------------------------------------------ commitment ids


def commitment_key(text: str) -> str:
    """The hash part of a commitment id: 8 hex digits of the SHA-1 of the normalised text."""
    norm = "".join(unicodedata.normalize("NFKC", text or "").split())
    a, b = 0, len(norm)
    while a < b and unicodedata.category(norm[a]).startswith("P"):
        a += 1
    while b > a and unicodedata.category(norm[b - 1]).startswith("P"):
        b -= 1
    return hashlib.sha1(norm[a:b].encode("utf-8", "surrogatepass")).hexdigest()[:8]


def commitment_keys(texts: Sequence[str]) -> list[str]:
    """The keys of one document's commitments, in document order (a repeated one gets ``-2``, ``-3``…)."""
    seen: dict[str, int] = {}
    out = []
    for t in texts:
        k = commitment_key(t)
        n = seen[k] = seen.get(k, 0) + 1
        out.append(k if n == 1 else f"{k}-{n}")
    return out


def commitment_id(doc_id: int, key: str) -> str:
    """The id a reviewer sees and types: ``DOC-HASH``."""
    return f"{doc_id}-{key}"


def parse_commitment_id(s: str) -> tuple[int, str] | None:
    """``(document id, key)`` of a commitment id, or None when ``s`` is not one."""
    m = _ID.match(s.strip().lower()) if isinstance(s, str) else None
    return (int(m.group(1)), m.group(2)) if m else None


# ------------------------------------------------------------------ listing


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
    if f.status == "done":
        clauses.append("s.status = 'done'")
    elif f.status in ("open", "overdue") or f.overdue_as_of:
        clauses.append("(s.status IS NULL OR s.status <> 'done')")
    return clauses, params


LEDGER_COLUMNS = ("doc_id", "name", "title", "unit", "doc_date", "seq", "area", "item", "owner", "deadline",
                  "deadline_precision", "deadline_text", "target", "measures", "text", "cid", "stored_status",
                  "status_note", "status_by", "status_at")
LEDGER_SELECT = (
    "SELECT c.doc_id, d.name, d.title, d.unit, d.date, c.seq, c.area, c.item, c.owner, c.deadline,"
    " c.deadline_precision, c.deadline_text, c.target, c.measures, c.text, c.cid, s.status, s.note, s.set_by, s.set_at"
    " FROM findings c JOIN documents d ON d.id = c.doc_id"
    " LEFT JOIN ledger_status s ON s.doc_id = c.doc_id AND s.cid = c.cid WHERE ")


def split_ledger(rows: list[dict[str, Any]], f: LedgerFilters | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Complete commitments (owner and deadline), soonest first; the rest apart (in document order).

    Each row gets its ``id`` and ``status`` (done, overdue as of ``as_of`` — default today — or open).
    ``due_before`` and ``overdue_as_of`` keep complete ones due strictly before the date; commitments
    without a deadline cannot be checked and stay in the incomplete list, those with a deadline but
    no owner are kept there only when due in time. ``status`` keeps the rows with that status (open:
    not done, overdue included); ``overdue`` limits the dates as ``overdue_as_of`` does.
    """
    want = f.status if f is not None else None
    as_of = (f.overdue_as_of or f.as_of) if f is not None else None
    as_of = as_of or dt.date.today().isoformat()
    if f is not None and f.overdue_as_of:
        want = "overdue"
    dates = [d for d in ((f.due_before if f is not None else None), as_of if want == "overdue" else None) if d]
    limit = min(dates) if dates else None
    complete: list[dict[str, Any]] = []
    incomplete: list[dict[str, Any]] = []
    for r in rows:
        stored = r.pop("stored_status") or "open"
        r["id"] = commitment_id(r["doc_id"], r.pop("cid") or "")
        late = r["deadline"] is not None and r["deadline"] < as_of
        r["status"] = "done" if stored == "done" else "overdue" if late else "open"
        if want is not None and (want == "done") != (r["status"] == "done"):
            continue  # done: only done ones; open and overdue: only those not done (the SQL has kept them so)
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


def utc_now() -> str:
    """The current time, UTC, to the second, ISO 8601 (what both backends store as text)."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


# ------------------------------------------------------------------ the ledger part of a store


class Ledger:
    """The commitment ledger over a store's connection (part of ``Store``; both backends, one SQL).

    Needs the store's ``db`` (DB-API ``execute``), ``placeholder``, ``url`` and ``transaction()``.
    """

    db: Any
    url: str
    placeholder: str

    def transaction(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def commitments(self, filters: LedgerFilters | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The ledger: ``(complete, incomplete)``; complete ones (owner and deadline) soonest deadline first.

        Every row has its ``id`` (``DOC-HASH``), ``status`` (open, done or overdue) and the reviewer's
        ``status_note``, ``status_by`` and ``status_at`` (None until a status is set).
        """
        filters = check_ledger_filters(filters)
        where, params = ledger_sql(filters, self.placeholder)
        rows = [dict(zip(LEDGER_COLUMNS, r, strict=True))
                for r in self.db.execute(LEDGER_SELECT + " AND ".join(where), params)]
        for r in rows:
            r["doc_id"] = int(r["doc_id"])
        return split_ledger(rows, filters)

    def set_commitment_status(self, ids: Sequence[str], status: str, *, note: str | None = None,
                              by: str | None = None) -> list[dict[str, Any]]:
        """Set the status (``open`` or ``done``) of commitments, with a note and who set it; one transaction.

        Raises:
            ArchiveError: E309 for an id that is not a commitment of the archive (nothing is set then).
            QueryError: E306 for another status, or a note or name that is not valid text.
        """
        if status not in STATUSES:
            raise QueryError(f"--status {status!r} is not one of {', '.join(STATUSES)}", "E306")
        note = check_text(note, "--note") if note is not None else None
        by = check_text(by, "--by") if by is not None else None
        if note is not None and len(note) > MAX_NOTE_CHARS:
            raise QueryError(f"the --note is longer than {MAX_NOTE_CHARS} characters", "E306")
        keys: list[tuple[int, str]] = []
        for s in ids:
            key = parse_commitment_id(s) if isinstance(s, str) else None
            if key is None:
                raise ArchiveError("E309", mask_secrets(self.url), f"{str(s)[:40]!r} is not a commitment id (DOC-HASH)")
            if key not in keys:
                keys.append(key)
        ph = self.placeholder
        at = utc_now()
        with self.transaction():
            for doc_id, cid in keys:
                if self.db.execute(f"SELECT 1 FROM findings WHERE doc_id = {ph} AND kind = 'commitment' AND cid = {ph}",
                                   (doc_id, cid)).fetchone() is None:
                    raise ArchiveError("E309", mask_secrets(self.url), commitment_id(doc_id, cid))
            for doc_id, cid in keys:
                self.db.execute(
                    f"INSERT INTO ledger_status (doc_id, cid, status, note, set_by, set_at) VALUES ({ph}, {ph}, {ph},"
                    f" {ph}, {ph}, {ph}) ON CONFLICT (doc_id, cid) DO UPDATE SET status = excluded.status,"
                    " note = excluded.note, set_by = excluded.set_by, set_at = excluded.set_at",
                    (doc_id, cid, status, note, by, at))
        return [{"id": commitment_id(d, c), "status": status, "status_note": note, "status_by": by, "status_at": at}
                for d, c in keys]

    def ledger_orphans(self) -> list[dict[str, Any]]:
        """Statuses kept for commitments that are no longer found (a rescreen cut them differently), by id.

        They are not listed in the ledger; one comes back if a later screening finds its commitment again.
        """
        rows = self.db.execute(
            "SELECT s.doc_id, s.cid, s.status, s.note, s.set_by, s.set_at FROM ledger_status s WHERE NOT EXISTS"
            " (SELECT 1 FROM findings c WHERE c.doc_id = s.doc_id AND c.kind = 'commitment' AND c.cid = s.cid)"
            " ORDER BY s.doc_id, s.cid").fetchall()
        return [{"id": commitment_id(int(d), c), "doc_id": int(d), "status": st, "status_note": n, "status_by": b,
                 "status_at": a} for d, c, st, n, b, a in rows]


def backfill_keys(rows: Iterator[tuple[Any, int, str]]) -> list[tuple[str, Any, int]]:
    """``(key, doc_id, seq)`` for the commitments ``(doc_id, seq, text)`` of an older archive, ordered by doc, seq."""
    out: list[tuple[str, Any, int]] = []
    batch: list[tuple[Any, int, str]] = []

    def flush() -> None:
        keys = commitment_keys([t or "" for _, _, t in batch])
        out.extend((k, d, s) for k, (d, s, _) in zip(keys, batch, strict=True))
        batch.clear()

    for row in rows:
        if batch and batch[-1][0] != row[0]:
            flush()
        batch.append(row)
    if batch:
        flush()
    return out
