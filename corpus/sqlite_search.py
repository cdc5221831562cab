"""Search in the SQLite archive: candidates from the character index, checked against their text where
they must be, ranked by BM25 over the word index (``corpus.sqlite_rank``), with facets (see ``SqliteSearch.search``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .errors import ArchiveError, QueryError, db_error
from .query import Node, matches_text, parse_query, positive_terms
from .query_compile import to_char_fts, to_rank_fts
from .results import SearchFilters, SearchResult, check_filters, check_page, make_hits, relative_score
from .sqlite_rank import SqliteRank, bm25
from .sqlite_schema import unpack_text
from .textindex import exact_fold, needle_pattern, squeeze

_ROW = "d.id, d.name, d.title, d.unit, d.date, d.doc_type, d.script, d.wr_flag, b.text"


@dataclass
class _Source:
    """A query that gives candidates (``SELECT {rid} FROM {sql}``, more conditions may follow with AND)."""

    sql: str
    rid: str
    params: list[Any]


class SqliteSearch(SqliteRank):
    """``search`` and ``match_ids`` (part of ``SqliteStore``; uses its facet part)."""

    db: sqlite3.Connection
    url: str

    FACET_CAP = 5000  # candidates fetched whole (exact totals and facets); beyond, a sample
    FACET_SAMPLE = 2000  # about this many candidates in that sample
    SCAN_CAP = 40000  # up to about this many candidates, one pass counts them all (and keeps a sample)
    WINDOWS = 16  # beyond, the sample comes from this many id windows spread over the archive
    VERIFY_ALL = 40  # candidates that must be checked: all of them up to this many (exact total)
    VERIFY_SAMPLE = 16  # beyond, the share holding the query is read from a systematic sample of this many

    def _query_error(self, exc: sqlite3.Error) -> QueryError | ArchiveError:
        """A query the index refused (E305), or the archive's own trouble (locked, damaged: E302, E303…)."""
        err = db_error(exc, self.url)
        return QueryError(f"query not understood: {exc}") if err.code == "E399" else err

    def search(self, query: str, filters: SearchFilters | None = None, *, limit: int = 10, offset: int = 0,
               facets: bool = True) -> SearchResult:
        """Exact search (character index, checked where it must be), ranked by words, with filters and facets.

        1. Candidates: the character index (with the filters joined on ``doc_facets``); exact for
           terms of one or two characters, a superset otherwise. Up to ``FACET_CAP`` they are read
           whole; beyond, counted from a sample of ``WINDOWS`` id ranges (``approximate``).
        2. Matches: candidates that must be checked are checked against their own text
           (``matches_text``, no fold needed): all of them up to ``VERIFY_ALL``, else only those a
           page needs, in rank order, the total then estimated from a systematic sample
           (``approximate``).
        3. Ranking: BM25 over the word index, never more than ``RANK_CAP`` documents scored (the
           newest word matches; a small checked set is scored from its texts); matches without the
           words follow, newest first.
        4. Facets over the whole match set, or over the sample, scaled (``approximate``).
        """
        limit, offset = check_page(limit, offset)
        filters = check_filters(filters)
        node = parse_query(query)
        where, params = self._filter_sql(filters)
        db = self.db
        db.execute("BEGIN")
        try:
            if node is None:
                res = self._listing(query, where, params, limit, offset, facets)
            else:
                res = self._search(query, node, where, params, limit, offset, facets, filters)
            db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            db.execute("ROLLBACK")
            raise self._query_error(exc) from exc
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return res

    def _listing(self, query: str, where: list[str], params: list[Any], limit: int, offset: int,
                 facets: bool) -> SearchResult:
        """Filters only: newest first, exact facets."""
        import numpy as np

        db = self.db
        cond = "".join(" AND " + w for w in where)
        page = db.execute(f"SELECT f.id FROM doc_facets f WHERE 1{cond} ORDER BY f.date IS NULL, f.date DESC, f.id"
                          " LIMIT ? OFFSET ?", [*params, limit, offset]).fetchall()
        fac: dict[str, dict[str, int]] = {}
        if facets:
            ids = np.fromstring(db.execute(f"SELECT group_concat(f.id) FROM doc_facets f WHERE 1{cond}",
                                           params).fetchone()[0] or "", dtype=np.int64, sep=",")
            total = int(ids.size)
            fac = self._facet_counts(ids)
        elif offset == 0 and len(page) < limit:
            total = len(page)
        else:
            total = int(db.execute(f"SELECT count(*) FROM doc_facets f WHERE 1{cond}", params).fetchone()[0])
        got = self._fetch([int(r[0]) for r in page])
        rows = [(*got[i][:8], 0.0, got[i][8]) for i in (int(r[0]) for r in page) if i in got]
        return SearchResult(query=query, total=total, hits=make_hits(rows, [], first_rank=offset + 1),
                            facets=fac if total else {})

    def _fetch(self, ids: list[int]) -> dict[int, tuple[Any, ...]]:
        """Page rows ``(id, name, title, unit, date, doc_type, script, wr_flag, text)`` by id (texts unpacked)."""
        out: dict[int, tuple[Any, ...]] = {}
        for k in range(0, len(ids), 500):
            chunk = ids[k : k + 500]
            for r in self.db.execute(f"SELECT {_ROW} FROM documents d JOIN bodies b ON b.doc_id = d.id"
                                     f" WHERE d.id IN ({','.join('?' * len(chunk))})", chunk):
                out[int(r[0])] = (*r[:8], unpack_text(r[8]))
        return out

    def _candidates(self, cexpr: str, where: list[str], params: list[Any],
                    filters: SearchFilters | None) -> tuple[Any, int, Any, _Source]:
        """``(every candidate id or None, their number, a sample of them or None, the query to read them newest first)``.

        Up to ``FACET_CAP`` candidates are read whole: without the filters, which are then a mask
        on the ids (cached arrays), or with them in SQL (a join on ``doc_facets``) when there are
        more or a filter needs SQL. A count over the newest ids first tells when there are far more
        than that; then ``WINDOWS`` evenly spread id ranges are read (about ``FACET_SAMPLE``
        candidates) and the number is estimated from them.
        """
        import numpy as np

        db = self.db
        plain = _Source("doc_chars WHERE doc_chars MATCH ?", "rowid", [cexpr])
        joined = _Source("doc_chars CROSS JOIN doc_facets f ON f.id = doc_chars.rowid WHERE doc_chars MATCH ?"
                         + "".join(" AND " + w for w in where), "doc_chars.rowid", [cexpr, *params]
                         ) if where else plain
        mask = self._filter_mask(filters) if where else None

        def fetch(src: _Source) -> Any:
            got = db.execute(f"SELECT group_concat(r) FROM (SELECT {src.rid} AS r FROM {src.sql} LIMIT ?)",
                             [*src.params, self.FACET_CAP + 1]).fetchone()[0] or ""
            return np.fromstring(got, dtype=np.int64, sep=",")

        top = int(db.execute("SELECT coalesce(max(id), 0) FROM doc_facets").fetchone()[0])
        width = max(1000, top // 20)
        newest = int(db.execute("SELECT count(*) FROM (SELECT 1 FROM doc_chars WHERE doc_chars MATCH ? AND rowid > ?"
                                " LIMIT ?)", (cexpr, top - width, self.FACET_CAP + 1)).fetchone()[0])
        est = newest * top / width if top > width else newest
        more = False  # known to be more than FACET_CAP
        if est <= 1.5 * self.FACET_CAP:
            ids = fetch(plain)
            if ids.size <= self.FACET_CAP:
                if where:
                    ids = ids[mask(ids)] if mask is not None else fetch(joined)
                return ids, int(ids.size), None, joined
            if where:
                ids = fetch(joined)
                if ids.size <= self.FACET_CAP:
                    return ids, int(ids.size), None, joined
            more = True
        src = plain if mask is not None else joined
        if est <= self.SCAN_CAP:  # one pass: every candidate counted, a systematic sample kept
            step = max(1, round(max(est, self.FACET_CAP) / self.FACET_SAMPLE))
            n, got = db.execute(f"SELECT count(*), group_concat(CASE WHEN {src.rid} % ? = 0 THEN {src.rid} END)"
                                f" FROM {src.sql}", [step, *src.params]).fetchone()
            sample = np.fromstring(got or "", dtype=np.int64, sep=",")
            if mask is not None and sample.size:
                kept = sample[mask(sample)]
                n, sample = round(int(n) * kept.size / sample.size), kept
            return None, max(int(n), self.FACET_CAP + 1) if more else int(n), sample, joined
        k = self.WINDOWS

        def probe(width: float) -> tuple[Any, float]:
            w = max(1, min(top // k, int(width // k)))
            starts = [1 + (top * j) // k for j in range(k)]
            sql = " UNION ALL ".join(f"SELECT {src.rid} AS r FROM {src.sql} AND {src.rid} BETWEEN ? AND ?" for _ in starts)
            args = [a for s in starts for a in (*src.params, s, s + w - 1)]
            got = np.fromstring(db.execute(f"SELECT group_concat(r) FROM ({sql})", args).fetchone()[0] or "",
                                dtype=np.int64, sep=",")
            return (got[mask(got)] if mask is not None else got), min(1.0, w * k / max(1, top))

        sample, frac = probe(self.FACET_SAMPLE / max(est / max(1, top), 1e-6))  # wide enough for the sample
        n = round(sample.size / frac)
        return None, max(n, self.FACET_CAP + 1) if more else n, sample, joined

    def _search(self, query: str, node: Node, where: list[str], params: list[Any], limit: int, offset: int,
                facets: bool, filters: SearchFilters | None = None) -> SearchResult:
        import numpy as np

        cexpr, exact = to_char_fts(node)
        rexpr = to_rank_fts(node)
        ids, n_cand, sample, source = self._candidates(cexpr, where, params, filters)
        approximate = ids is None
        cand = set(ids.tolist()) if ids is not None else None
        rows: dict[int, tuple[Any, ...]] = {}  # fetched rows, texts included
        verdict: dict[int, bool] = {}

        def check(batch: list[int]) -> None:
            """Fetch and check the documents of ``batch`` not seen yet."""
            todo = [i for i in batch if i not in verdict and (cand is None or i in cand)]
            rows.update(self._fetch(todo))
            for i in todo:
                verdict[i] = i in rows and matches_text(node, rows[i][8])

        known: set[int] | None
        if exact:
            known, total = cand, n_cand
        elif ids is not None and n_cand <= self.VERIFY_ALL:
            check(ids.tolist())
            known = {i for i in cand or () if verdict.get(i)}
            total = len(known)
        else:  # estimate the total from a systematic sample of the candidates
            pool = ids if ids is not None else sample
            pick = pool[:: max(1, pool.size // self.VERIFY_SAMPLE)][: self.VERIFY_SAMPLE].tolist() if pool.size else []
            check(pick)
            ok = sum(1 for i in pick if verdict.get(i))
            total = round(n_cand * ok / len(pick)) if pick else 0
            known, approximate = None, True

        def member(i: int) -> bool:
            if known is not None:
                return i in known
            if exact:  # the pool and the newest candidates come from the index itself
                return True
            if cand is not None and i not in cand:
                return False
            if i not in verdict:
                check([i])
            return verdict.get(i, False)

        want = offset + limit
        page: list[tuple[int, float]] = []
        taken: set[int] = set()
        seen = 0
        some = bool(total if known is not None else n_cand)
        if rexpr is not None and limit and some:
            if known is not None and not exact:  # a small checked set: scored from its texts
                ranked = self._rank_texts(node, {i: rows[i][8] for i in known})
            else:  # the newest candidates, scored from the word index
                if ids is not None:
                    pool = ids[-self.RANK_CAP :]
                else:
                    pool = np.fromiter(self._newest(None, source, only=self.RANK_CAP), dtype=np.int64)
                ranked = self._score(node, pool)
            top = ranked[0][1] if ranked else 0.0
            k = 0
            while k < len(ranked) and seen < want:
                step = ranked[k : k + max(4, want - seen + 2)]
                if known is None and not exact:
                    check([i for i, _ in step])
                for doc_id, score in step:
                    k += 1
                    if not member(doc_id):
                        continue
                    taken.add(doc_id)
                    if seen >= offset:
                        page.append((doc_id, relative_score(score, top)))
                    seen += 1
                    if seen >= want:
                        break
        if len(page) < limit and some:  # matches without the ranking words (or beyond the window): newest first
            skip = max(0, offset - seen)
            if known is not None:
                for i in sorted(known - taken, reverse=True)[skip : skip + limit - len(page)]:
                    page.append((i, 0.0))
            else:
                newest = self._newest(ids, source)
                found = len(taken)
                while len(page) < limit:
                    batch = [i for i in (next(newest, None) for _ in range(limit + 4)) if i is not None]
                    if not batch:  # every candidate seen: the total is known
                        total = found
                        break
                    if not exact:
                        check([i for i in batch if i not in taken])
                    for i in batch:
                        if i in taken or not member(i):
                            continue
                        found += 1
                        if skip:
                            skip -= 1
                            continue
                        page.append((i, 0.0))
                        if len(page) >= limit:
                            break
        if known is None:  # an estimate is never below what the page shows
            total = max(total, offset + len(page))
        fac: dict[str, dict[str, int]] = {}
        if facets and total:
            if known is not None:
                fac = self._facet_counts(np.fromiter(known, dtype=np.int64, count=len(known)))
            else:  # the candidates (or their sample) without those found not to match, scaled: approximate
                samp = ids if ids is not None else sample
                wrong = [i for i, ok in verdict.items() if not ok]
                if wrong:
                    samp = samp[np.isin(samp, np.array(wrong, dtype=np.int64), invert=True)]
                scale = total / max(1, samp.size)
                fac = {k: {v: max(1, round(n * scale)) for v, n in d.items()}
                       for k, d in self._facet_counts(samp).items()}
                approximate = True
        got = {i: rows[i] for i, _ in page if i in rows}
        got.update(self._fetch([i for i, _ in page if i not in got]))
        hits = [(*got[i][:8], score, got[i][8]) for i, score in page if i in got]
        return SearchResult(query=query, total=total, hits=make_hits(hits, positive_terms(node), first_rank=offset + 1),
                            facets=fac, approximate=approximate)

    def _newest(self, ids: Any, source: _Source, only: int | None = None) -> Iterator[int]:
        """The candidates newest first: from memory, or read from the index 200 at a time (just the newest
        ``only`` of them when given)."""
        if ids is not None:
            yield from (ids[::-1] if only is None else ids[::-1][:only]).tolist()
            return
        last = None
        src, rid = source.sql, source.rid
        size = only or 200
        while True:
            got = [int(r[0]) for r in self.db.execute(
                f"SELECT {rid} FROM {src}" + (f" AND {rid} < ?" if last is not None else "")
                + f" ORDER BY {rid} DESC LIMIT ?", [*source.params, *([last] if last is not None else []), size])]
            yield from got
            if only is not None or len(got) < size:
                return
            last = got[-1]

    def _rank_texts(self, node: Node, texts: dict[int, str]) -> list[tuple[int, float]]:
        """BM25 of the query's words counted in each text (a small checked set); ties newest first."""
        words = list(dict.fromkeys(squeeze(exact_fold(w)) for t in positive_terms(node) for w in t.tokens))
        words = [w for w in words if w]
        arrays = self._facet_arrays()
        lengths, avg = arrays["words"], float(arrays.get("avg_words") or 1.0)
        out = []
        for doc_id, text in texts.items():
            tf = [len(needle_pattern(w).findall(text)) for w in words]
            dl = int(lengths[doc_id]) if doc_id < len(lengths) else 0
            out.append((doc_id, bm25(words, tf, dl, avg)))
        out.sort(key=lambda r: (-r[1], -r[0]))
        return out

    def match_ids(self, query: str, filters: SearchFilters | None = None) -> list[int]:
        """Every matching document id, ascending (no ranking, no snippets): the full result set of ``search``."""
        import numpy as np

        filters = check_filters(filters)
        node = parse_query(query)
        where, params = self._filter_sql(filters)
        cond = "".join(" AND " + w for w in where)
        db = self.db
        db.execute("BEGIN")
        try:
            if node is None:
                return [int(r[0]) for r in db.execute(f"SELECT f.id FROM doc_facets f WHERE 1{cond} ORDER BY f.id",
                                                      params)]
            cexpr, exact = to_char_fts(node)
            src = ("doc_chars CROSS JOIN doc_facets f ON f.id = doc_chars.rowid WHERE doc_chars MATCH ?" + cond
                   if where else "doc_chars WHERE doc_chars MATCH ?")
            rid = "doc_chars.rowid" if where else "rowid"
            try:
                ids = np.fromstring(db.execute(f"SELECT group_concat({rid}) FROM {src}", [cexpr, *params]
                                               ).fetchone()[0] or "", dtype=np.int64, sep=",").tolist()
            except sqlite3.OperationalError as exc:
                raise self._query_error(exc) from exc
            if exact:
                return sorted(ids)
            out: list[int] = []
            for k in range(0, len(ids), 500):
                chunk = ids[k : k + 500]
                for doc_id, text in db.execute(f"SELECT doc_id, text FROM bodies WHERE doc_id IN"
                                               f" ({','.join('?' * len(chunk))})", chunk):
                    if matches_text(node, unpack_text(text)):
                        out.append(int(doc_id))
            return sorted(out)
        finally:
            db.execute("COMMIT")
