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
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .base import Store
from .errors import ArchiveError, db_error, mask_secrets
from .postgres_schema import PostgresSchema, split_url
from .postgres_search import PostgresSearch
from .records import Prepared, finding_rows, record_from_row
from .textindex import char_grams, exact_fold, squeeze

__all__ = ["MAX_TOKENS_CHARS", "PostgresStore", "split_url"]

MAX_TOKENS_CHARS = 400_000  # a tsvector holds at most 1 MB


class PostgresStore(PostgresSchema, PostgresSearch, Store):
    """The archive in a PostgreSQL database.

    Args:
        url: ``postgresql://user:password@host:port/db`` (optionally ``?schema=NAME``).
        schema: Schema to use (overrides the URL's ``schema`` parameter).
    """

    placeholder = "%s"

    def __init__(self, url: str, *, schema: str | None = None) -> None:
        conn_url, url_schema = split_url(url)
        self.url = url
        self.schema = schema or url_schema
        store = mask_secrets(url)
        try:
            import psycopg
            from psycopg import sql
        except ImportError as exc:  # pragma: no cover - psycopg is in the postgres extra
            raise ArchiveError("E301", store, "PostgreSQL archives need psycopg: pip install 'shencha[postgres]'"
                               ) from exc
        try:
            self.db = psycopg.connect(conn_url, autocommit=True, connect_timeout=10)
        except psycopg.OperationalError as exc:
            raise ArchiveError("E307", store, f"{urlsplit(conn_url).hostname}: {exc}") from exc
        try:
            if self.schema:
                self.db.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self.schema)))
                self.db.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(self.schema)))
            self._migrate()
        except psycopg.Error as exc:
            self.db.close()
            raise db_error(exc, store) from exc
        except BaseException:
            self.db.close()
            raise

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    # ------------------------------------------------------------ writes

    def add_many(self, items: Sequence[tuple[Prepared, bytes | Path | None]]) -> list[tuple[int, bool]]:
        """Store documents, their findings, index rows and originals in one transaction, in order."""
        if not items:
            return []
        data = [None if original is None else bytes(original) if isinstance(original, (bytes, bytearray))
                else Path(original).read_bytes() for _, original in items]
        with self.db.transaction():
            return [self._write(doc, raw) for (doc, _), raw in zip(items, data, strict=True)]

    def _write(self, doc: Prepared, data: bytes | None) -> tuple[int, bool]:
        """One document's rows (inside the caller's transaction)."""
        db = self.db
        tokens = doc.tokens[:MAX_TOKENS_CHARS]
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
                    " owner_folded, deadline, deadline_precision, deadline_text, target, measures, cid, data)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb)",
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

    def transaction(self) -> AbstractContextManager[Any]:
        """One transaction: committed at the end, rolled back on any exception."""
        return self.db.transaction()

    def remove(self, ids: Iterable[int]) -> list[int]:
        """Remove documents in one transaction: rows, findings, index columns, ledger statuses, kept originals.

        Raises:
            ArchiveError: E300 when an id is not in the archive (nothing is removed then).
        """
        want = list(dict.fromkeys(int(i) for i in ids))
        db = self.db
        with db.transaction():
            have = dict(db.execute("SELECT id, sha256 FROM documents WHERE id = ANY(%s) FOR UPDATE", (want,)).fetchall())
            missing = [i for i in want if i not in have]
            if missing:
                raise ArchiveError("E300", mask_secrets(self.url), "id " + ", ".join(map(str, missing)))
            for table in ("ledger_status", "findings", "gaps", "tags", "sources"):
                db.execute(f"DELETE FROM {table} WHERE doc_id = ANY(%s)", (want,))
            db.execute("DELETE FROM documents WHERE id = ANY(%s)", (want,))
            db.execute("DELETE FROM originals o WHERE o.sha256 = ANY(%s) AND NOT EXISTS"
                       " (SELECT 1 FROM documents d WHERE d.sha256 = o.sha256)", (list(have.values()),))
        return want

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

    def index_size(self) -> int:
        """Bytes used by the archive's tables and indexes (originals included)."""
        row = self.db.execute(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind = 'r' AND n.nspname = current_schema()").fetchone()
        return int(row[0])
