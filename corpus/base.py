"""The archive's common ground: the stored record, filters, results, the ``Store`` interface and the
helpers both backends share (``corpus.archive`` opens one).

Library first: ``corpus.archive.open_store(url)`` returns a ``Store`` (SQLite file by default, PostgreSQL for
``postgresql://…``); ``shencha.archiving`` screens files and stores them one transaction per
document, and rescreens the kept originals after a pipeline upgrade.
"""

from __future__ import annotations

import abc
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import __version__ as SHENCHA_VERSION

from .search import QueryError, char_grams, check_text, fold, index_text, snippet

SCHEMA_VERSION = 3  # 2: SQLite doc_facets / facet_values (search facets in one pass); 3: character index (exact search)
MAX_PAGE = 2**31 - 1  # largest --limit / --offset
AREAS = ("economy", "work_style", "livelihood", "stability", "other")
DOC_TYPES = ("analysis_report", "work_report", "rectification_plan", "meeting_speech", "implementation_plan", "other")

# Commitment fields kept as columns for the ledger (the rest stay in the JSON ``data``).
COMMITMENT_FIELDS = ("item", "owner", "deadline", "deadline_precision", "deadline_text", "target", "measures")


class ArchiveError(RuntimeError):
    """The archive cannot be opened or used (bad URL, newer schema, missing server)."""


def pipeline_version(record: dict[str, Any]) -> str:
    """What produced a record's findings: Shencha's version and the profile's name and version."""
    prof = record.get("profile") or {}
    return (f"shencha {SHENCHA_VERSION}; {prof.get('name')}@{prof.get('version')}; models {prof.get('models') or '?'}; "
            f"schema {record.get('schema')}")


# ------------------------------------------------------------------ prepared documents


@dataclass
class Prepared:
    """A record turned into rows: everything a store writes for one document, computed outside the transaction."""

    sha256: str
    name: str
    path: str
    format: str
    size: int
    script: str
    title: str
    unit: str | None
    unit_folded: str | None
    date: str | None
    year: int | None
    doc_type: str
    doc_type_score: float
    wr_flag: bool
    wr_score: float
    pipeline: str
    text: str
    tokens: str
    record_json: str
    grams: str = ""
    problems: list[dict[str, Any]] = field(default_factory=list)
    commitments: list[dict[str, Any]] = field(default_factory=list)
    gaps: list[dict[str, Any]] = field(default_factory=list)
    tags: list[tuple[str, str]] = field(default_factory=list)


def prepare(record: dict[str, Any], *, name: str | None = None) -> Prepared:
    """Turn a screening record (``include_text=True``) into the rows a store writes.

    Args:
        record: A record from ``Screener.screen(path, include_text=True)`` (or one built the same way).
        name: The source file name to keep (default: the record path's base name).

    Raises:
        ValueError: when the record has errors, no hash or no text field.
    """
    if record.get("errors"):
        raise ValueError(f"record has errors: {record['errors'][0].get('code')}")
    if not record.get("sha256"):
        raise ValueError("record has no sha256")
    if "text" not in record:
        raise ValueError("record has no text (screen with include_text=True)")
    text = record.get("text") or ""
    date = record.get("date")
    year = int(date[:4]) if date and date[:4].isdigit() else None
    wr = record.get("work_report") or {}
    slim = {k: v for k, v in record.items() if k not in ("text", "words")}
    words = record.get("words")  # the screening's jieba words of its analysis text, when the record carries them
    if not (isinstance(words, list) and all(isinstance(w, str) for w in words)
            and "".join(words).lower() == fold(text).lower()):
        words = None
    unit = record.get("unit")
    problems = [dict(p, seq=i) for i, p in enumerate(record.get("problems") or [])]
    commitments = [dict(c, seq=i) for i, c in enumerate(record.get("commitments") or [])]
    gaps = [dict(g, seq=i) for i, g in enumerate(record.get("gaps") or [])]
    tags: set[tuple[str, str]] = set()
    for f in problems + commitments:
        tags.add(("area", f.get("area") or "other"))
    for g in gaps:
        if g.get("code"):
            tags.add(("gap", g["code"]))
    return Prepared(
        sha256=record["sha256"], name=name or os.path.basename(str(record.get("path") or "")),
        path=str(record.get("path") or ""), format=record.get("format") or "", size=int(record.get("size") or 0),
        script=record.get("script") or "simplified", title=record.get("title") or "",
        unit=unit, unit_folded=fold(unit) if unit else None, date=date, year=year,
        doc_type=record.get("doc_type") or "other", doc_type_score=float(record.get("doc_type_score") or 0.0),
        wr_flag=bool(wr.get("flag")), wr_score=float(wr.get("score") or 0.0), pipeline=pipeline_version(record),
        text=text, tokens=index_text(text, words), record_json=json.dumps(slim, ensure_ascii=False),
        grams=char_grams(text),
        problems=problems, commitments=commitments, gaps=gaps, tags=sorted(tags),
    )


# ------------------------------------------------------------------ query objects


@dataclass
class SearchFilters:
    """Filters that narrow a search (all optional; combined with AND)."""

    area: str | None = None
    doc_type: str | None = None
    gap: str | None = None
    unit: str | None = None
    since: str | None = None
    until: str | None = None
    flagged: bool = False


def check_filters(f: SearchFilters | None) -> SearchFilters | None:
    """The filters with every text value checked (valid UTF-8, no surrogates), or ``QueryError``."""
    if f is None:
        return None
    import dataclasses

    f = dataclasses.replace(f)
    for name in ("area", "doc_type", "gap", "unit", "since", "until"):
        v = getattr(f, name)
        if v is not None:
            setattr(f, name, check_text(v, f"--{name.replace('doc_type', 'type')} filter"))
    return f


def check_page(limit: object, offset: object) -> tuple[int, int]:
    """``limit`` and ``offset`` as ints in 0..MAX_PAGE, or ``QueryError``."""
    out = []
    for name, v in (("limit", limit), ("offset", offset)):
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= MAX_PAGE:
            raise QueryError(f"--{name} must be a whole number from 0 to {MAX_PAGE}")
        out.append(v)
    return out[0], out[1]


@dataclass
class Hit:
    """One search result."""

    id: int
    name: str
    title: str
    unit: str | None
    date: str | None
    doc_type: str
    script: str
    wr_flag: bool
    score: float
    snippet: str
    highlights: list[tuple[int, int]]
    rank: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {k: (list(map(list, v)) if k == "highlights" else v) for k, v in self.__dict__.items()}


@dataclass
class SearchResult:
    """Ranked hits (one page), the total number of matching documents, and facet counts over all of them."""

    query: str
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    approximate: bool = False  # total and facet counts estimated (a very large match set)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {"query": self.query, "total": self.total, "approximate": self.approximate,
                "hits": [h.to_dict() for h in self.hits], "facets": self.facets}


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


@dataclass
class AddOutcome:
    """What happened to one input of ``shencha.archiving.archive_paths``."""

    path: str
    status: str  # "added" | "skipped" | "refreshed" | "failed"
    id: int | None = None
    message: str = ""


# ------------------------------------------------------------------ the interface


class Store(abc.ABC):
    """One archive: documents, findings, originals and the search index, in one backend.

    Writes are one transaction per document; ``add`` on a hash already stored replaces that
    document's findings and text (the refresh path) and keeps its id.
    """

    url: str

    # -- lifecycle
    @abc.abstractmethod
    def close(self) -> None:
        """Release the connection."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writes
    @abc.abstractmethod
    def add(self, doc: Prepared, original: bytes | Path | None = None) -> tuple[int, bool]:
        """Store one document (with its original file) in one transaction.

        Returns:
            ``(id, created)``; ``created`` is False when the hash was already stored (refreshed).
        """

    # -- reads
    # Both backends speak DB-API with a ``db.execute`` that returns a cursor; only the
    # parameter placeholder differs ("?" for SQLite, "%s" for PostgreSQL).
    placeholder = "?"
    db: Any

    def lookup(self, sha256: str) -> tuple[int, str] | None:
        """``(id, pipeline_version)`` for a content hash."""
        row = self.db.execute(f"SELECT id, pipeline FROM documents WHERE sha256 = {self.placeholder}", (sha256,)).fetchone()
        return (int(row[0]), row[1]) if row else None

    def count(self) -> int:
        """Number of documents."""
        return int(self.db.execute("SELECT count(*) FROM documents").fetchone()[0])

    @abc.abstractmethod
    def get(self, doc_id: int) -> dict[str, Any] | None:
        """The stored record of one document (with ``id``, ``name``, ``text`` and ``findings`` lists)."""

    @abc.abstractmethod
    def original(self, doc_id: int) -> tuple[str, bytes] | None:
        """``(file name, bytes)`` of the kept original, or None."""

    def ids(self) -> list[int]:
        """Every document id."""
        return [int(r[0]) for r in self.db.execute("SELECT id FROM documents ORDER BY id")]

    @abc.abstractmethod
    def search(self, query: str, filters: SearchFilters | None = None, *, limit: int = 10, offset: int = 0,
               facets: bool = True) -> SearchResult:
        """Ranked search (BM25-style), snippets in the document's own script, facets over the whole result set."""

    @abc.abstractmethod
    def commitments(self, filters: LedgerFilters | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The ledger: ``(complete, incomplete)``; complete ones (owner and deadline) soonest deadline first."""

    @abc.abstractmethod
    def index_size(self) -> int:
        """Bytes used by the archive (database and kept originals)."""

    def export(self) -> Iterator[dict[str, Any]]:
        """Every document as a full record (JSON Lines export)."""
        for i in self.ids():
            rec = self.get(i)
            if rec is not None:
                yield rec


# ------------------------------------------------------------------ opening


# ------------------------------------------------------------------ archiving files


def _sha256_file(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def copy_original(src: bytes | Path, dest: Path) -> None:
    """Write the original file to ``dest`` atomically (temp file, fsync, rename)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + f".tmp{os.getpid()}")
    if isinstance(src, (bytes, bytearray)):
        with open(tmp, "wb") as f:
            f.write(src)
            f.flush()
            os.fsync(f.fileno())
    else:
        with open(src, "rb") as fi, open(tmp, "wb") as fo:
            shutil.copyfileobj(fi, fo)
            fo.flush()
            os.fsync(fo.fileno())
    os.replace(tmp, dest)


# ------------------------------------------------------------------ SQL shared by both backends


def until_bound(d: str) -> str:
    """An inclusive upper bound for a partial ISO date (2009 → 2009-12-31, 2009-06 → 2009-06-31)."""
    return d + "-12-31" if len(d) == 4 else d + "-31" if len(d) == 7 else d


def filter_sql(f: SearchFilters | None, ph: str) -> tuple[list[str], list[Any]]:
    """WHERE clauses (over ``documents d``) and parameters for search filters; ``ph`` is the placeholder."""
    clauses: list[str] = []
    params: list[Any] = []
    if f is None:
        return clauses, params
    if f.area:
        clauses.append(f"d.id IN (SELECT doc_id FROM tags WHERE facet = 'area' AND value = {ph})")
        params.append(f.area)
    if f.gap:
        clauses.append(f"d.id IN (SELECT doc_id FROM tags WHERE facet = 'gap' AND value = {ph})")
        params.append(f.gap)
    if f.doc_type:
        clauses.append(f"d.doc_type = {ph}")
        params.append(f.doc_type)
    if f.unit:
        clauses.append(f"d.unit_folded LIKE {ph}")
        params.append("%" + fold(f.unit).replace("%", "").replace("_", "") + "%")
    if f.since:
        clauses.append(f"d.date >= {ph}")
        params.append(f.since)
    if f.until:
        clauses.append(f"d.date <= {ph}")
        params.append(until_bound(f.until))
    if f.flagged:
        clauses.append("d.wr_flag = 1" if ph == "?" else "d.wr_flag")
    return clauses, params


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


def finding_rows(doc: Prepared) -> list[tuple[Any, ...]]:
    """Rows for the ``findings`` table: (kind, seq, area, score, text, start, end, item, owner, owner_folded,
    deadline, deadline_precision, deadline_text, target, measures, data)."""
    rows: list[tuple[Any, ...]] = []
    for kind, items in (("problem", doc.problems), ("commitment", doc.commitments)):
        for f in items:
            owner = f.get("owner")
            rows.append((kind, f["seq"], f.get("area") or "other", float(f.get("score") or 0.0), f.get("text") or "",
                         f.get("start"), f.get("end"), f.get("item"), owner, fold(owner) if owner else None,
                         f.get("deadline"), f.get("deadline_precision"), f.get("deadline_text"), f.get("target"),
                         f.get("measures"), json.dumps(f, ensure_ascii=False)))
    return rows


def relative_score(raw: float, top: float) -> float:
    """A ranking score as a share of the best one of the query (0-100, one decimal): readable, never 6e-06."""
    if top <= 0 or raw <= 0:
        return 0.0
    return round(100.0 * min(raw, top) / top, 1)


def make_hits(rows: list[tuple[Any, ...]], terms: list[Any], *, first_rank: int = 1) -> list[Hit]:
    """Hits from page rows ``(id, name, title, unit, date, doc_type, script, wr_flag, score, text)``.

    ``score`` is already relative (``relative_score``); ``rank`` counts from ``first_rank`` (offset + 1).
    """
    hits = []
    for k, r in enumerate(rows):
        snip, spans = snippet(r[9] or "", terms)
        hits.append(Hit(id=int(r[0]), name=r[1], title=r[2] or "", unit=r[3], date=r[4], doc_type=r[5], script=r[6],
                        wr_flag=bool(r[7]), score=float(r[8] or 0.0), snippet=snip, highlights=spans,
                        rank=first_rank + k))
    return hits


def record_from_row(doc_id: int, name: str, text: str, record_json: str, extra: dict[str, Any]) -> dict[str, Any]:
    """The stored record of one document, as ``Store.get`` returns it."""
    rec = json.loads(record_json)
    rec.update(extra)
    rec["id"] = doc_id
    rec["name"] = name
    rec["text"] = text
    return rec
