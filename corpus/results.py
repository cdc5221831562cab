"""What a search takes and gives: filters (checked), paging, hits and results, and the SQL and
scoring helpers both backends share."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from .query import QueryError, check_text
from .snippets import snippet
from .textindex import fold

MAX_PAGE = 2**31 - 1  # largest --limit / --offset


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
            raise QueryError(f"--{name} must be a whole number from 0 to {MAX_PAGE}", "E306")
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

