"""Search in the PostgreSQL archive: one statement over the character tsvector, ranked by ``ts_rank_cd``."""

from __future__ import annotations

from typing import Any

from .query import QueryError, parse_query, positive_terms
from .query_compile import to_char_tsquery, to_pg_check, to_rank_tsquery
from .results import (
    SearchFilters,
    SearchResult,
    check_filters,
    check_page,
    filter_sql,
    make_hits,
    relative_score,
)


class PostgresSearch:
    """``search`` and ``match_ids`` (part of ``PostgresStore``)."""

    db: Any

    def search(self, query: str, filters: SearchFilters | None = None, *, limit: int = 10, offset: int = 0,
               facets: bool = True) -> SearchResult:
        """Ranked tsvector search with filters, snippets and facets.

        One statement: the match set is computed once (a ``MATERIALIZED`` CTE with the rank and
        the facet columns) and yields the total, the page and every facet count; a second one
        fetches the page's documents.
        """
        import psycopg

        limit, offset = check_page(limit, offset)
        filters = check_filters(filters)
        node = parse_query(query)
        where, params = filter_sql(filters, "%s")
        if node is None:
            match = ("SELECT d.id, 0.0::float8 AS score, d.date, d.doc_type, d.unit_folded, d.year FROM documents d"
                     + (" WHERE " + " AND ".join(where) if where else ""))
            order = "date DESC NULLS LAST, id"
        else:
            cexpr, exact = to_char_tsquery(node)
            rexpr = to_rank_tsquery(node)
            check, cparams = ("TRUE", []) if exact else to_pg_check(node)  # exact: the tsvector decides
            score = "ts_rank_cd(d.tsv, to_tsquery('simple', %s), 1)::float8" if rexpr else "0.0::float8"
            match = (f"SELECT d.id, {score} AS score, d.date, d.doc_type, d.unit_folded, d.year FROM documents d"
                     f" WHERE d.chars @@ %s::tsquery AND {check}" + "".join(" AND " + w for w in where))
            params = [*([rexpr] if rexpr else []), cexpr, *cparams, *params]
            # ranked matches by score then id; matches without the ranking words newest first (as SQLite)
            order = "score DESC, (CASE WHEN score > 0 THEN id ELSE -id END)"
        parts = ["SELECT 'total' AS k, NULL::text AS v, count(*)::bigint AS n, max(score) AS s FROM m",
                 f"SELECT * FROM (SELECT 'page', id::text, row_number() OVER (ORDER BY {order}), score FROM m"
                 f" ORDER BY {order} LIMIT %s OFFSET %s) p"]
        if facets:
            parts += ["SELECT 'type', doc_type, count(*), NULL FROM m GROUP BY doc_type",
                      "SELECT 'unit', unit_folded, count(*), NULL FROM m WHERE unit_folded IS NOT NULL"
                      " GROUP BY unit_folded",
                      "SELECT 'year', year::text, count(*), NULL FROM m WHERE year IS NOT NULL GROUP BY year",
                      "SELECT t.facet, t.value, count(*), NULL FROM tags t JOIN m ON m.id = t.doc_id"
                      " WHERE t.facet IN ('area', 'gap') GROUP BY t.facet, t.value"]
        sql = f"WITH m AS MATERIALIZED ({match}) " + " UNION ALL ".join(parts)
        db = self.db
        try:
            with db.transaction():
                got = db.execute(sql, [*params, limit, offset]).fetchall()
                top = next(float(s or 0.0) for k, _v, _n, s in got if k == "total")
                page = sorted((int(n), int(v), relative_score(float(sc), top)) for k, v, n, sc in got if k == "page")
                rows: list[tuple[Any, ...]] = []
                if page:
                    by_id = {int(r[0]): r for r in db.execute(
                        "SELECT id, name, title, unit, date, doc_type, script, wr_flag, text FROM documents"
                        " WHERE id = ANY(%s)", ([i for _, i, _ in page],))}
                    rows = [(*by_id[i][:8], sc, by_id[i][8]) for _, i, sc in page if i in by_id]
        except (psycopg.errors.SyntaxError, psycopg.errors.DataError) as exc:
            raise QueryError(f"query not understood: {exc}".splitlines()[0]) from exc
        total = next(int(n) for k, _v, n, _s in got if k == "total")
        fac: dict[str, dict[str, int]] = {}
        if facets and total:
            def ranked(kind: str) -> list[tuple[str, int]]:
                return sorted(((v, int(n)) for k, v, n, _s in got if k == kind), key=lambda kv: (-kv[1], kv[0]))

            fac = {"area": dict(ranked("area")), "gap": dict(ranked("gap")), "type": dict(ranked("type")),
                   "unit": dict(ranked("unit")[:20]),
                   "year": {v: int(n) for v, n in sorted(((v, n) for k, v, n, _s in got if k == "year"),
                                                          key=lambda kv: int(kv[0]))}}
        return SearchResult(query=query, total=total, hits=make_hits(rows, positive_terms(node), first_rank=offset + 1),
                            facets=fac)

    def match_ids(self, query: str, filters: SearchFilters | None = None) -> list[int]:
        """Every matching document id, ascending (the full result set of ``search``)."""
        filters = check_filters(filters)
        node = parse_query(query)
        where, params = filter_sql(filters, "%s")
        if node is None:
            sql = "SELECT d.id FROM documents d" + (" WHERE " + " AND ".join(where) if where else "")
        else:
            cexpr, exact = to_char_tsquery(node)
            check, cparams = ("TRUE", []) if exact else to_pg_check(node)
            sql = f"SELECT d.id FROM documents d WHERE d.chars @@ %s::tsquery AND {check}" + "".join(
                " AND " + w for w in where)
            params = [cexpr, *cparams, *params]
        return sorted(int(r[0]) for r in self.db.execute(sql + " ORDER BY 1", params))
