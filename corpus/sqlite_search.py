"""Search in the SQLite archive: candidates from the character index, verified against their text,
ranked by BM25 over the word index, with facets (see ``SqliteSearch.search``)."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterator
from typing import Any

from .errors import ArchiveError, QueryError, db_error
from .query import Node, matches, parse_query, positive_terms
from .query_compile import to_char_fts, to_rank_fts
from .results import SearchFilters, SearchResult, check_filters, check_page, make_hits, relative_score
from .sqlite_schema import FTS_MOVED_BASE
from .textindex import _tokenizer, exact_fold, squeeze


class SqliteSearch:
    """``search`` and ``match_ids`` (part of ``SqliteStore``; uses its facet part)."""

    db: sqlite3.Connection
    url: str

    def _query_error(self, exc: sqlite3.Error) -> QueryError | ArchiveError:
        """A query the index refused (E305), or the archive's own trouble (locked, damaged: E302, E303…)."""
        err = db_error(exc, self.url)
        return QueryError(f"query not understood: {exc}") if err.code == "E399" else err

    def search(self, query: str, filters: SearchFilters | None = None, *, limit: int = 10, offset: int = 0,
               facets: bool = True) -> SearchResult:
        """Exact search (character index, verified where it must be), ranked by words, with filters and facets.

        1. Candidates: the character index (with the filters joined on ``doc_facets``); exact for
           terms of one or two characters, a superset otherwise.
        2. Matches: candidates verified against their text (``search.matches``) — all of them when
           there are at most ``VERIFY_ALL``, else only those a page needs, the total then estimated
           from a sample (``approximate``).
        3. Ranking: BM25 over the word index, never more than ``RANK_MAX`` documents scored (beyond
           that, the most recent ``RANK_MAX`` word matches); matches without the words follow,
           newest first.
        4. Facets over the whole match set, or over a systematic sample of it above ``FACET_CAP``
           (``approximate``).
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
                res = self._search(query, node, where, params, limit, offset, facets)
            db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            db.execute("ROLLBACK")
            raise self._query_error(exc) from exc
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return res

    VERIFY_ALL = 200  # verify every candidate up to this many (exact total); beyond, estimate from a sample
    VERIFY_SAMPLE = 48
    RANK_MAX = 200  # documents scored with BM25 at most (the newest word matches beyond)
    FACET_CAP = 5000  # candidates fetched whole (exact facets); beyond, counted with a systematic sample
    FACET_SAMPLE = 2000  # about this many documents of the archive in the sample

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
        rows = self._rows([(int(r[0]), 0.0) for r in page])
        return SearchResult(query=query, total=total, hits=make_hits(rows, [], first_rank=offset + 1),
                            facets=fac if total else {})

    def _rows(self, page: list[tuple[int, float]]) -> list[tuple[Any, ...]]:
        if not page:
            return []
        ids = [i for i, _ in page]
        got = {int(r[0]): r for r in self.db.execute(
            "SELECT d.id, d.name, d.title, d.unit, d.date, d.doc_type, d.script, d.wr_flag, b.text"
            " FROM documents d JOIN bodies b ON b.doc_id = d.id"
            f" WHERE d.id IN ({','.join('?' * len(ids))})", ids)}
        return [(*got[i][:8], score, got[i][8]) for i, score in page if i in got]

    def _verify(self, node: Node, ids: list[int], keep: dict[int, str] | None = None) -> set[int]:
        """The ids among ``ids`` whose text satisfies the query (their streams into ``keep`` when given)."""
        ok: set[int] = set()
        for k in range(0, len(ids), 200):
            chunk = ids[k : k + 200]
            for doc_id, text in self.db.execute(
                    f"SELECT doc_id, text FROM bodies WHERE doc_id IN ({','.join('?' * len(chunk))})", chunk):
                stream = squeeze(exact_fold(text))
                if matches(node, stream):
                    ok.add(int(doc_id))
                    if keep is not None:
                        keep[int(doc_id)] = stream
        return ok

    @staticmethod
    def _rank_streams(node: Node, streams: dict[int, str]) -> list[tuple[int, float]]:
        """BM25 (k1 1.2, b 0.75) of the query's words counted in each verified text; ties by id.

        The idf of a word comes from jieba's dictionary frequency, so no index is read; used for
        result sets small enough to have been verified whole (``VERIFY_ALL``).
        """
        tok = _tokenizer()
        words = list(dict.fromkeys(squeeze(exact_fold(w)) for t in positive_terms(node) for w in t.tokens))
        words = [w for w in words if w]
        idf = {w: math.log(1 + tok.total / (tok.FREQ.get(w, 0) + 1)) for w in words}
        avgdl = sum(map(len, streams.values())) / max(1, len(streams))
        out = []
        for doc_id, s in streams.items():
            norm = 1.2 * (0.25 + 0.75 * len(s) / max(1.0, avgdl))
            score = 0.0
            for w in words:
                tf = s.count(w)
                if tf:
                    score += idf[w] * tf * 2.2 / (tf + norm)
            out.append((doc_id, score))
        out.sort(key=lambda r: (-r[1], r[0]))
        return out

    def _search(self, query: str, node: Node, where: list[str], params: list[Any], limit: int, offset: int,
                facets: bool) -> SearchResult:
        import numpy as np

        db = self.db
        cexpr, exact = to_char_fts(node)
        rexpr = to_rank_fts(node)
        cond = "".join(" AND " + w for w in where)
        if where:
            src = "doc_chars CROSS JOIN doc_facets f ON f.id = doc_chars.rowid WHERE doc_chars MATCH ?" + cond
            rid = "doc_chars.rowid"
        else:
            src, rid = "doc_chars WHERE doc_chars MATCH ?", "rowid"
        cparams = [cexpr, *params]
        approximate = False
        # pass 1 stops after FACET_CAP + 1 candidates; only a larger set needs pass 2 (count and a sample at once)
        ids = np.fromstring(db.execute(f"SELECT group_concat(r) FROM (SELECT {rid} AS r FROM {src} LIMIT ?)",
                                       [*cparams, self.FACET_CAP + 1]).fetchone()[0] or "", dtype=np.int64, sep=",")
        sampled: np.ndarray | None = None
        if ids.size > self.FACET_CAP:
            step = max(1, len(self._facet_arrays()["dtype"]) // self.FACET_SAMPLE)
            n, samp = db.execute(f"SELECT count(*), group_concat(CASE WHEN ({rid} % ?) = 0 THEN {rid} END)"
                                 f" FROM {src}", [step, *cparams]).fetchone()
            n_cand, ids = int(n), None
            sampled = np.fromstring(samp or "", dtype=np.int64, sep=",")
        else:
            n_cand = int(ids.size)
        cand = set(ids.tolist()) if ids is not None else None
        verified: dict[int, bool] = {}
        streams: dict[int, str] = {}
        if exact:
            total = n_cand
            known = cand
        elif ids is not None and n_cand <= self.VERIFY_ALL:
            known = self._verify(node, ids.tolist(), keep=streams)
            verified = {i: i in known for i in cand or ()}
            total = len(known)
        else:  # estimate the total from a systematic sample of the candidates
            known = None
            pool = ids if ids is not None else sampled
            sample = pool[:: max(1, pool.size // self.VERIFY_SAMPLE)].tolist() if pool is not None else []
            ok = self._verify(node, sample)
            verified.update({i: i in ok for i in sample})
            total = round(n_cand * len(ok) / len(sample)) if sample else 0
            approximate = True

        def member(i: int) -> bool:
            if known is not None:
                return i in known
            if cand is not None and i not in cand:
                return False
            if i not in verified:
                if cand is None and not self._passes(i, where, params):
                    verified[i] = False
                else:
                    verified[i] = bool(self._verify(node, [i]))
            return verified[i]

        want = offset + limit
        page: list[tuple[int, float]] = []
        taken: set[int] = set()
        top = 0.0
        if streams and known is not None and limit:  # a small verified set: BM25 of the query's words in it
            for doc_id, score in self._rank_streams(node, {i: streams[i] for i in known}):
                if not top:
                    top = score
                taken.add(doc_id)
                if len(taken) > offset:
                    page.append((doc_id, relative_score(score, top)))
                if len(taken) >= want:
                    break
            offset_left = max(0, offset - len(taken))
        elif rexpr is not None and limit:
            window, wparams = "", [rexpr]
            # score only the newest RANK_MAX word matches: top-k without scoring every match
            pivot = db.execute("SELECT rowid FROM doc_fts WHERE doc_fts MATCH ? ORDER BY rowid DESC"
                               " LIMIT 1 OFFSET ?", (rexpr, self.RANK_MAX - 1)).fetchone()
            if pivot is not None:
                window, wparams = " AND rowid >= ?", [rexpr, int(pivot[0])]
            moved = dict(db.execute("SELECT rowid, doc_id FROM fts_moved"))
            dead = {int(r[0]) for r in db.execute("SELECT rowid FROM fts_dead")}
            seen = 0
            for doc_id, score in db.execute(
                    f"SELECT rowid, -bm25(doc_fts) FROM doc_fts WHERE doc_fts MATCH ?{window}"
                    " ORDER BY bm25(doc_fts), rowid", wparams):
                doc_id = int(doc_id)
                if doc_id in dead or (doc_id >= FTS_MOVED_BASE and doc_id not in moved):
                    continue
                doc_id = int(moved.get(doc_id, doc_id))
                if not top:
                    top = float(score)
                if not member(doc_id):
                    continue
                taken.add(doc_id)
                if seen >= offset:
                    page.append((doc_id, relative_score(float(score), top)))
                seen += 1
                if seen >= want:
                    break
            offset_left = max(0, offset - seen)
        else:
            offset_left = offset
        if len(page) < limit:  # matches without the ranking words (or beyond the window): newest first
            skip = offset_left
            if known is not None:
                rest = sorted((i for i in known if i not in taken), reverse=True)
                for i in rest[skip : skip + limit - len(page)]:
                    page.append((i, 0.0))
            else:  # newest first, verified lazily: candidates in memory, or read from the index 200 at a time
                def newest() -> Iterator[int]:
                    if ids is not None:
                        yield from ids[::-1].tolist()
                        return
                    last = None
                    while True:
                        batch = [int(r[0]) for r in db.execute(
                            f"SELECT {rid} FROM {src}" + (f" AND {rid} < ?" if last is not None else "")
                            + f" ORDER BY {rid} DESC LIMIT 200", [*cparams, *([last] if last is not None else [])])]
                        if not batch:
                            return
                        last = batch[-1]
                        yield from batch

                for i in newest():
                    if i in taken or not member(i):
                        continue
                    if skip:
                        skip -= 1
                        continue
                    page.append((i, 0.0))
                    if len(page) >= limit:
                        break
        fac: dict[str, dict[str, int]] = {}
        if facets and total:
            if known is not None:
                fac = self._facet_counts(np.fromiter(known, dtype=np.int64, count=len(known)))
            else:  # a systematic sample of the candidates, scaled: approximate
                samp = ids if ids is not None else sampled if sampled is not None else np.zeros(0, dtype=np.int64)
                keep = np.array([verified.get(int(i), True) for i in samp], dtype=bool) if verified else None
                if keep is not None and samp.size:
                    samp = samp[keep]
                scale = total / max(1, samp.size)
                fac = {k: {v: max(1, round(n * scale)) for v, n in d.items()}
                       for k, d in self._facet_counts(samp).items()}
                approximate = True
        rows = self._rows(page)
        return SearchResult(query=query, total=total, hits=make_hits(rows, positive_terms(node), first_rank=offset + 1),
                            facets=fac, approximate=approximate)

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
            return sorted(ids if exact else self._verify(node, ids))
        finally:
            db.execute("COMMIT")

    def _passes(self, doc_id: int, where: list[str], params: list[Any]) -> bool:
        """Whether one document passes the search filters."""
        if not where:
            return True
        return self.db.execute("SELECT 1 FROM doc_facets f WHERE f.id = ?" + "".join(" AND " + w for w in where),
                               [doc_id, *params]).fetchone() is not None
