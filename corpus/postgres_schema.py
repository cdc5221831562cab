"""The PostgreSQL archive's tables, their upgrades, the per-archive schema of a URL and the consistency check."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .base import ARCHIVE_SCHEMA_VERSION
from .errors import ArchiveError, mask_secrets
from .ledger import backfill_keys
from .textindex import char_grams, exact_fold, gram_fingerprint, squeeze

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
CREATE INDEX IF NOT EXISTS documents_chars ON documents USING gin (chars);
ALTER TABLE findings ADD COLUMN IF NOT EXISTS cid text;
CREATE TABLE IF NOT EXISTS ledger_status (
    doc_id bigint NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    cid text NOT NULL,
    status text NOT NULL CHECK (status IN ('open', 'done')),
    note text,
    set_by text,
    set_at text NOT NULL,
    PRIMARY KEY (doc_id, cid)
)
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


class PostgresSchema:
    """Schema versions and migrations, dropping a dedicated schema, the integrity check (part of ``PostgresStore``)."""

    db: Any
    url: str
    schema: str | None

    def _migrate(self) -> None:
        with self.db.transaction():
            self.db.execute("SELECT pg_advisory_xact_lock(7340301)")
            exists = self.db.execute("SELECT to_regclass('meta') IS NOT NULL").fetchone()[0]
            v = 0
            if exists:
                row = self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
                v = int(row[0]) if row else 0
            if v > ARCHIVE_SCHEMA_VERSION:
                raise ArchiveError("E304", mask_secrets(self.url),
                                   f"archive schema {v}; this Shencha reads up to {ARCHIVE_SCHEMA_VERSION}")
            if v < ARCHIVE_SCHEMA_VERSION:
                for stmt in (s.strip() for s in SCHEMA.split(";")):
                    if stmt:
                        self.db.execute(stmt)
                rows = self.db.execute("SELECT doc_id, seq, text FROM findings WHERE kind = 'commitment'"
                                       " AND cid IS NULL ORDER BY doc_id, seq").fetchall()
                if rows:  # schema 3: the key of every stored commitment
                    with self.db.cursor() as cur:
                        cur.executemany("UPDATE findings SET cid = %s WHERE doc_id = %s AND kind = 'commitment'"
                                        " AND seq = %s", backfill_keys(iter(rows)))
                self.db.execute("INSERT INTO meta (key, value) VALUES ('schema_version', %s)"
                                " ON CONFLICT (key) DO UPDATE SET value = excluded.value", (str(ARCHIVE_SCHEMA_VERSION),))
            row = self.db.execute("SELECT value FROM meta WHERE key = 'grams'").fetchone()
            if row is None or row[0] != gram_fingerprint():  # schema 2 or another fold table: fill the columns
                rows = self.db.execute("SELECT id, text FROM documents").fetchall()
                with self.db.cursor() as cur:
                    cur.executemany("UPDATE documents SET folded = %s, chars = array_to_tsvector(%s::text[])"
                                    " WHERE id = %s", [(*_exact_cols(t), i) for i, t in rows])
                self.db.execute("INSERT INTO meta (key, value) VALUES ('grams', %s) ON CONFLICT (key)"
                                " DO UPDATE SET value = excluded.value", (gram_fingerprint(),))

    def drop(self) -> None:
        """Drop the archive's schema (tests and benchmarks; only when a schema was given)."""
        if not self.schema:
            raise ArchiveError("E399", mask_secrets(self.url), "drop() needs a dedicated schema")
        from psycopg import sql

        self.db.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(self.schema)))

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
