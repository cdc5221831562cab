"""The office-server archive: PostgreSQL, the same segmented text in a ``tsvector`` with a GIN index.

Tables mirror the SQLite store; the index column is ``to_tsvector('simple', tokens)`` over the
same space-joined jieba tokens, queries are compiled to ``to_tsquery('simple', …)`` with ``&``,
``|``, ``!`` and ``<->`` (phrases), ranking is ``ts_rank_cd`` (normalised by log length), ties
broken by id as in SQLite. Originals are kept in a ``bytea`` table in the same transaction.

URLs are libpq URLs; an extra ``schema=NAME`` query parameter puts the archive in its own
schema (created when missing), e.g. ``postgresql://u:p@host/db?schema=archive2009``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .base import (
    LEDGER_COLUMNS,
    SCHEMA_VERSION,
    ArchiveError,
    LedgerFilters,
    Prepared,
    SearchFilters,
    SearchResult,
    Store,
    check_filters,
    check_page,
    filter_sql,
    finding_rows,
    ledger_sql,
    make_hits,
    record_from_row,
    relative_score,
    split_ledger,
)
from .search import (
    QueryError,
    char_grams,
    exact_fold,
    parse_query,
    positive_terms,
    squeeze,
    to_char_tsquery,
    to_pg_check,
    to_rank_tsquery,
)

MAX_TOKENS_CHARS = 400_000  # a tsvector holds at most 1 MB

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id bigserial PRIMARY KEY,
    sha256 text NOT NULL UNIQUE,
    name text NOT NULL,
    path text,
    format text,
    size bigint,
    script text,
    title text,
    unit text,
    unit_folded text,
    date text,
    year integer,
    doc_type text,
    doc_type_score double precision,
    wr_flag boolean NOT NULL DEFAULT false,
    wr_score double precision,
    pipeline text,
    text text NOT NULL,
    record jsonb NOT NULL,
    tsv tsvector NOT NULL,
    added_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS documents_tsv ON documents USING gin (tsv);
CREATE INDEX IF NOT EXISTS documents_date ON documents (date);
CREATE INDEX IF NOT EXISTS documents_type ON documents (doc_type);
CREATE INDEX IF NOT EXISTS documents_unit ON documents (unit_folded);
CREATE TABLE IF NOT EXISTS originals (
    sha256 text PRIMARY KEY,
    name text NOT NULL,
    data bytea NOT NULL
);
CREATE TABLE IF NOT EXISTS sources (
    doc_id bigint NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    path text NOT NULL,
    name text NOT NULL,
    added_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (doc_id, path)
);
CREATE TABLE IF NOT EXISTS findings (
    doc_id bigint NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    kind text NOT NULL,
    seq integer NOT NULL,
    area text,
    score double precision,
    text text,
    start_at integer,
    end_at integer,
    item text,
    owner text,
    owner_folded text,
    deadline text,
    deadline_precision text,
    deadline_text text,
    target text,
    measures text,
    data jsonb NOT NULL,
    PRIMARY KEY (doc_id, kind, seq)
);
CREATE INDEX IF NOT EXISTS findings_deadline ON findings (kind, deadline);
CREATE TABLE IF NOT EXISTS gaps (
    doc_id bigint NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    seq integer NOT NULL,
    code text NOT NULL,
    message text,
    evidence text,
    term text,
    PRIMARY KEY (doc_id, seq)
);
CREATE TABLE IF NOT EXISTS tags (
    facet text NOT NULL,
    value text NOT NULL,
    doc_id bigint NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    PRIMARY KEY (facet, value, doc_id)
);
CREATE INDEX IF NOT EXISTS tags_doc ON tags (doc_id);
ALTER TABLE documents ADD COLUMN IF NOT EXISTS folded text;
ALTER TABLE documents ADD COLUMN IF NOT EXISTS chars tsvector;
CREATE INDEX IF NOT EXISTS documents_chars ON documents USING gin (chars)
"""


def _exact_cols(text: str) -> tuple[str, list[str]]:
    """``folded`` (the squeezed exact fold) and the character-index lexemes of a text."""
    return squeeze(exact_fold(text)).replace("\x00", ""), char_grams(text).split()


def split_url(url: str) -> tuple[str, str | None]:
    """The libpq URL without Shencha's ``schema`` parameter, and that schema name."""
    parts = urlsplit(url)
    q = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((v for k, v in q if k == "schema"), None)
    rest = urlencode([(k, v) for k, v in q if k != "schema"])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, rest, parts.fragment)), schema


class PostgresStore(Store):
    """The archive in a PostgreSQL database.

    Args:
        url: ``postgresql://user:password@host:port/db`` (optionally ``?schema=NAME``).
        schema: Schema to use (overrides the URL's ``schema`` parameter).
    """

    placeholder = "%s"

    def __init__(self, url: str, *, schema: str | None = None) -> None:
        try:
            import psycopg
        except ImportError as exc:  # pragma: no cover - psycopg is in the postgres extra
            raise ArchiveError("PostgreSQL archives need psycopg: pip install 'shencha[postgres]'") from exc
        conn_url, url_schema = split_url(url)
        self.url = url
        self.schema = schema or url_schema
        try:
            self.db = psycopg.connect(conn_url, autocommit=True, connect_timeout=10)
        except psycopg.OperationalError as exc:
            raise ArchiveError(f"cannot connect to {urlsplit(conn_url).hostname}: {exc}".strip()) from exc
        if self.schema:
            from psycopg import sql

            self.db.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self.schema)))
            self.db.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(self.schema)))
        self._migrate()

    def _migrate(self) -> None:
        with self.db.transaction():
            self.db.execute("SELECT pg_advisory_xact_lock(7340301)")
            exists = self.db.execute("SELECT to_regclass('meta') IS NOT NULL").fetchone()[0]
            v = 0
            if exists:
                row = self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
                v = int(row[0]) if row else 0
            if v > SCHEMA_VERSION:
                raise ArchiveError(f"archive schema {v} is newer than this Shencha ({SCHEMA_VERSION})")
            if v < SCHEMA_VERSION:
                for stmt in (s.strip() for s in SCHEMA.split(";")):
                    if stmt:
                        self.db.execute(stmt)
                self.db.execute("INSERT INTO meta (key, value) VALUES ('schema_version', %s)"
                                " ON CONFLICT (key) DO UPDATE SET value = excluded.value", (str(SCHEMA_VERSION),))
            from .search import gram_fingerprint

            row = self.db.execute("SELECT value FROM meta WHERE key = 'grams'").fetchone()
            if row is None or row[0] != gram_fingerprint():  # schema 2 or another fold table: fill the columns
                rows = self.db.execute("SELECT id, text FROM documents").fetchall()
                with self.db.cursor() as cur:
                    cur.executemany("UPDATE documents SET folded = %s, chars = array_to_tsvector(%s::text[])"
                                    " WHERE id = %s", [(*_exact_cols(t), i) for i, t in rows])
                self.db.execute("INSERT INTO meta (key, value) VALUES ('grams', %s) ON CONFLICT (key)"
                                " DO UPDATE SET value = excluded.value", (gram_fingerprint(),))

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    def drop(self) -> None:
        """Drop the archive's schema (tests and benchmarks; only when a schema was given)."""
        if not self.schema:
            raise ArchiveError("drop() needs a dedicated schema")
        from psycopg import sql

        self.db.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(self.schema)))

    # ------------------------------------------------------------ writes

    def add(self, doc: Prepared, original: bytes | Path | None = None) -> tuple[int, bool]:
        """Store one document, its findings, index row and original in one transaction."""
        data: bytes | None = None
        if original is not None:
            data = bytes(original) if isinstance(original, (bytes, bytearray)) else Path(original).read_bytes()
        db = self.db
        tokens = doc.tokens[:MAX_TOKENS_CHARS]
        with db.transaction():
            row = db.execute(
                "INSERT INTO documents (sha256, name, path, format, size, script, title, unit, unit_folded, date,"
                " year, doc_type, doc_type_score, wr_flag, wr_score, pipeline, text, record, tsv, folded, chars)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb,"
                " to_tsvector('simple', %s), %s, array_to_tsvector(%s::text[]))"
                " ON CONFLICT (sha256) DO UPDATE SET path = excluded.path, format = excluded.format,"
                " size = excluded.size, script = excluded.script, title = excluded.title, unit = excluded.unit,"
                " unit_folded = excluded.unit_folded, date = excluded.date, year = excluded.year,"
                " doc_type = excluded.doc_type, doc_type_score = excluded.doc_type_score,"
                " wr_flag = excluded.wr_flag, wr_score = excluded.wr_score, pipeline = excluded.pipeline,"
                " text = excluded.text, record = excluded.record, tsv = excluded.tsv, folded = excluded.folded,"
                " chars = excluded.chars, updated_at = now()"
                " RETURNING id, (xmax = 0) AS created",
                (doc.sha256, doc.name, doc.path, doc.format, doc.size, doc.script, doc.title, doc.unit,
                 doc.unit_folded, doc.date, doc.year, doc.doc_type, doc.doc_type_score, doc.wr_flag, doc.wr_score,
                 doc.pipeline, doc.text.replace("\x00", ""), doc.record_json.replace("\\u0000", ""), tokens,
                 squeeze(exact_fold(doc.text)).replace("\x00", ""), (doc.grams or char_grams(doc.text)).split())
            ).fetchone()
            doc_id, created = int(row[0]), bool(row[1])
            if not created:
                for t in ("findings", "gaps", "tags"):
                    db.execute(f"DELETE FROM {t} WHERE doc_id = %s", (doc_id,))
            if data is not None:
                db.execute("INSERT INTO originals (sha256, name, data) VALUES (%s, %s, %s)"
                           " ON CONFLICT (sha256) DO NOTHING", (doc.sha256, doc.name, data))
            if doc.path:
                db.execute("INSERT INTO sources (doc_id, path, name) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                           (doc_id, doc.path, os.path.basename(doc.path) or doc.name))
            with db.cursor() as cur:
                rows = finding_rows(doc)
                if rows:
                    cur.executemany(
                        "INSERT INTO findings (doc_id, kind, seq, area, score, text, start_at, end_at, item, owner,"
                        " owner_folded, deadline, deadline_precision, deadline_text, target, measures, data)"
                        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb)",
                        [(doc_id, *r) for r in rows])
                if doc.gaps:
                    cur.executemany(
                        "INSERT INTO gaps (doc_id, seq, code, message, evidence, term) VALUES (%s, %s, %s, %s, %s, %s)",
                        [(doc_id, g["seq"], g.get("code") or "", g.get("message"), g.get("evidence"), g.get("term"))
                         for g in doc.gaps])
                if doc.tags:
                    cur.executemany("INSERT INTO tags (facet, value, doc_id) VALUES (%s, %s, %s)",
                                    [(f, v, doc_id) for f, v in doc.tags])
        return doc_id, created

    # ------------------------------------------------------------ reads

    def get(self, doc_id: int) -> dict[str, Any] | None:
        """The stored record of one document."""
        row = self.db.execute(
            "SELECT id, name, text, record::text, sha256, pipeline, added_at, updated_at,"
            " EXISTS (SELECT 1 FROM originals o WHERE o.sha256 = d.sha256) FROM documents d WHERE id = %s",
            (doc_id,)).fetchone()
        if row is None:
            return None
        sources = [r[0] for r in self.db.execute(
            "SELECT path FROM sources WHERE doc_id = %s ORDER BY added_at, path", (doc_id,))]
        return record_from_row(int(row[0]), row[1], row[2], row[3], {
            "sha256": row[4], "pipeline": row[5], "original": f"{self.url}#original/{row[4]}" if row[8] else None,
            "added_at": row[6].replace(microsecond=0).isoformat(), "updated_at": row[7].replace(microsecond=0).isoformat(),
            "sources": sources})

    def original(self, doc_id: int) -> tuple[str, bytes] | None:
        """The kept original file."""
        row = self.db.execute("SELECT d.name, o.data FROM documents d JOIN originals o ON o.sha256 = d.sha256"
                              " WHERE d.id = %s", (doc_id,)).fetchone()
        return (row[0], bytes(row[1])) if row else None

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

    def commitments(self, filters: LedgerFilters | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The commitment ledger."""
        where, params = ledger_sql(filters, "%s")
        cur = self.db.execute(
            "SELECT c.doc_id, d.name, d.title, d.unit, d.date, c.seq, c.area, c.item, c.owner, c.deadline,"
            " c.deadline_precision, c.deadline_text, c.target, c.measures, c.text"
            " FROM findings c JOIN documents d ON d.id = c.doc_id WHERE " + " AND ".join(where), params)
        rows = [dict(zip(LEDGER_COLUMNS, r, strict=True)) for r in cur]
        for r in rows:
            r["doc_id"] = int(r["doc_id"])
        return split_ledger(rows, filters)

    def index_size(self) -> int:
        """Bytes used by the archive's tables and indexes (originals included)."""
        row = self.db.execute(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind = 'r' AND n.nspname = current_schema()").fetchone()
        return int(row[0])

    def integrity(self) -> list[str]:
        """Cross-table checks (empty: consistent)."""
        out = []
        bad = self.db.execute(
            "SELECT d.id, jsonb_array_length(d.record->'problems') + jsonb_array_length(d.record->'commitments'),"
            " (SELECT count(*) FROM findings f WHERE f.doc_id = d.id),"
            " jsonb_array_length(d.record->'gaps'), (SELECT count(*) FROM gaps g WHERE g.doc_id = d.id)"
            " FROM documents d").fetchall()
        for doc_id, want, have, gw, gh in bad:
            if want != have or gw != gh:
                out.append(f"document {doc_id}: findings {have}/{want}, gaps {gh}/{gw}")
        return out
