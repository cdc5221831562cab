"""The embedded archive: one SQLite file (WAL) with an FTS5 index, originals in a folder beside it.

The FTS5 table indexes the space-joined jieba tokens of the simplified text (unicode61
tokenizer: FTS5 cannot segment Chinese itself); ranking is FTS5's ``bm25()``. Each document is
written in one ``BEGIN IMMEDIATE`` transaction; its original file is copied (atomically, named
by content hash) into ``<db>.files/`` before that transaction commits, so a crash leaves at most
an unreferenced copy that the next run overwrites.
"""

from __future__ import annotations

import datetime as _dt
import os
import sqlite3
from pathlib import Path
from typing import Any

from .archive import (
    SCHEMA_VERSION,
    ArchiveError,
    LedgerFilters,
    Prepared,
    SearchFilters,
    SearchResult,
    Store,
    copy_original,
    filter_sql,
    finding_rows,
    ledger_sql,
    make_hits,
    record_from_row,
    split_ledger,
)
from .search import parse_query, positive_terms, to_fts5

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    path TEXT,
    format TEXT,
    size INTEGER,
    script TEXT,
    title TEXT,
    unit TEXT,
    unit_folded TEXT,
    date TEXT,
    year INTEGER,
    doc_type TEXT,
    doc_type_score REAL,
    wr_flag INTEGER NOT NULL DEFAULT 0,
    wr_score REAL,
    pipeline TEXT,
    original TEXT,
    added_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS bodies (
    doc_id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_date ON documents(date);
CREATE INDEX IF NOT EXISTS documents_type ON documents(doc_type);
CREATE INDEX IF NOT EXISTS documents_unit ON documents(unit_folded);
CREATE TABLE IF NOT EXISTS sources (
    doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    name TEXT NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (doc_id, path)
);
CREATE TABLE IF NOT EXISTS findings (
    doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    seq INTEGER NOT NULL,
    area TEXT,
    score REAL,
    text TEXT,
    start_at INTEGER,
    end_at INTEGER,
    item TEXT,
    owner TEXT,
    owner_folded TEXT,
    deadline TEXT,
    deadline_precision TEXT,
    deadline_text TEXT,
    target TEXT,
    measures TEXT,
    data TEXT NOT NULL,
    PRIMARY KEY (doc_id, kind, seq)
);
CREATE INDEX IF NOT EXISTS findings_deadline ON findings(kind, deadline);
CREATE TABLE IF NOT EXISTS gaps (
    doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    code TEXT NOT NULL,
    message TEXT,
    evidence TEXT,
    term TEXT,
    PRIMARY KEY (doc_id, seq)
);
CREATE TABLE IF NOT EXISTS tags (
    facet TEXT NOT NULL,
    value TEXT NOT NULL,
    doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    PRIMARY KEY (facet, value, doc_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tags_doc ON tags(doc_id);
CREATE VIRTUAL TABLE IF NOT EXISTS doc_fts USING fts5(tokens, tokenize = 'unicode61 remove_diacritics 0');
"""


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


class SqliteStore(Store):
    """The archive in one SQLite file.

    Args:
        path: The database file (created with its folder when missing).
        readonly: Open for reading only (searches while another process adds).
    """

    def __init__(self, path: str | os.PathLike[str], *, readonly: bool = False) -> None:
        self.path = Path(path).expanduser()
        self.url = str(self.path)
        self.files = self.path.with_name(self.path.name + ".files")
        if readonly:
            if not self.path.exists():
                raise ArchiveError(f"no archive at {self.path}")
            self.db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, isolation_level=None,
                                      check_same_thread=False)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA busy_timeout = 30000")
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.execute("PRAGMA temp_store = MEMORY")
        self.db.execute("PRAGMA cache_size = -65536")
        if not readonly:
            mode = self.db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise ArchiveError(f"{self.path}: cannot switch to WAL (journal_mode={mode})")
            self.db.execute("PRAGMA synchronous = NORMAL")
            self._migrate()
        else:
            self._check_version()

    # ------------------------------------------------------------ schema

    def _check_version(self) -> int:
        try:
            row = self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.OperationalError:
            return 0
        v = int(row[0]) if row else 0
        if v > SCHEMA_VERSION:
            raise ArchiveError(f"{self.path}: archive schema {v} is newer than this Shencha ({SCHEMA_VERSION})")
        return v

    def _migrate(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            v = self._check_version()
            if v < SCHEMA_VERSION:
                for stmt in _statements(SCHEMA):
                    self.db.execute(stmt)
                self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)",
                                (str(SCHEMA_VERSION),))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    # ------------------------------------------------------------ writes

    def add(self, doc: Prepared, original: bytes | Path | None = None) -> tuple[int, bool]:
        """Store one document in one transaction (refreshing it when the hash is already stored)."""
        rel = None
        if original is not None:
            ext = Path(doc.name).suffix.lower() or ("." + doc.format if doc.format else "")
            rel = f"{doc.sha256[:2]}/{doc.sha256}{ext}"
            dest = self.files / rel
            if not dest.exists():
                copy_original(original, dest)
        now = _now()
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute("SELECT id, original FROM documents WHERE sha256 = ?", (doc.sha256,)).fetchone()
            cols = (doc.path, doc.format, doc.size, doc.script, doc.title, doc.unit, doc.unit_folded, doc.date,
                    doc.year, doc.doc_type, doc.doc_type_score, int(doc.wr_flag), doc.wr_score, doc.pipeline)
            if row is None:
                cur = db.execute(
                    "INSERT INTO documents (path, format, size, script, title, unit, unit_folded, date, year,"
                    " doc_type, doc_type_score, wr_flag, wr_score, pipeline, sha256, name, original,"
                    " added_at, updated_at) VALUES (" + ",".join("?" * 19) + ")",
                    (*cols, doc.sha256, doc.name, rel, now, now))
                doc_id, created = int(cur.lastrowid or 0), True
            else:
                doc_id, created = int(row[0]), False
                db.execute(
                    "UPDATE documents SET path=?, format=?, size=?, script=?, title=?, unit=?, unit_folded=?, date=?,"
                    " year=?, doc_type=?, doc_type_score=?, wr_flag=?, wr_score=?, pipeline=?,"
                    " original=COALESCE(?, original), updated_at=? WHERE id=?", (*cols, rel, now, doc_id))
                for t in ("findings", "gaps", "tags", "bodies"):
                    db.execute(f"DELETE FROM {t} WHERE doc_id = ?", (doc_id,))
                db.execute("DELETE FROM doc_fts WHERE rowid = ?", (doc_id,))
            db.execute("INSERT INTO bodies (doc_id, text, record) VALUES (?, ?, ?)",
                       (doc_id, doc.text, doc.record_json))
            if doc.path:
                db.execute("INSERT OR IGNORE INTO sources (doc_id, path, name, added_at) VALUES (?, ?, ?, ?)",
                           (doc_id, doc.path, os.path.basename(doc.path) or doc.name, now))
            db.executemany(
                "INSERT INTO findings (doc_id, kind, seq, area, score, text, start_at, end_at, item, owner,"
                " owner_folded, deadline, deadline_precision, deadline_text, target, measures, data)"
                " VALUES (" + ",".join("?" * 17) + ")", [(doc_id, *r) for r in finding_rows(doc)])
            db.executemany("INSERT INTO gaps (doc_id, seq, code, message, evidence, term) VALUES (?, ?, ?, ?, ?, ?)",
                           [(doc_id, g["seq"], g.get("code") or "", g.get("message"), g.get("evidence"), g.get("term"))
                            for g in doc.gaps])
            db.executemany("INSERT INTO tags (facet, value, doc_id) VALUES (?, ?, ?)",
                           [(f, v, doc_id) for f, v in doc.tags])
            db.execute("INSERT INTO doc_fts (rowid, tokens) VALUES (?, ?)", (doc_id, doc.tokens))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return doc_id, created

    # ------------------------------------------------------------ reads

    def lookup(self, sha256: str) -> tuple[int, str] | None:
        """``(id, pipeline_version)`` for a content hash."""
        row = self.db.execute("SELECT id, pipeline FROM documents WHERE sha256 = ?", (sha256,)).fetchone()
        return (int(row[0]), row[1]) if row else None

    def count(self) -> int:
        """Number of documents."""
        return int(self.db.execute("SELECT count(*) FROM documents").fetchone()[0])

    def ids(self) -> list[int]:
        """Every document id."""
        return [int(r[0]) for r in self.db.execute("SELECT id FROM documents ORDER BY id")]

    def get(self, doc_id: int) -> dict[str, Any] | None:
        """The stored record of one document."""
        row = self.db.execute(
            "SELECT d.id, d.name, b.text, b.record, d.sha256, d.pipeline, d.original, d.added_at, d.updated_at"
            " FROM documents d JOIN bodies b ON b.doc_id = d.id WHERE d.id = ?", (doc_id,)).fetchone()
        if row is None:
            return None
        sources = [r[0] for r in self.db.execute("SELECT path FROM sources WHERE doc_id = ? ORDER BY added_at, path",
                                                 (doc_id,))]
        return record_from_row(int(row[0]), row[1], row[2], row[3], {
            "sha256": row[4], "pipeline": row[5], "original": str(self.files / row[6]) if row[6] else None,
            "added_at": row[7], "updated_at": row[8], "sources": sources})

    def original(self, doc_id: int) -> tuple[str, bytes] | None:
        """The kept original file."""
        row = self.db.execute("SELECT name, original FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if row is None or not row[1]:
            return None
        p = self.files / row[1]
        return (row[0], p.read_bytes()) if p.exists() else None

    def search(self, query: str, filters: SearchFilters | None = None, *, limit: int = 10, offset: int = 0,
               facets: bool = True) -> SearchResult:
        """Ranked FTS5 search with filters, snippets and facets."""
        node = parse_query(query)
        where, params = filter_sql(filters, "?")
        db = self.db
        db.execute("BEGIN")
        try:
            db.execute("CREATE TEMP TABLE IF NOT EXISTS _hits (id INTEGER PRIMARY KEY, score REAL, date TEXT)")
            db.execute("DELETE FROM _hits")
            if node is None:
                sql = ("INSERT INTO _hits (id, score, date) SELECT d.id, 0.0, d.date FROM documents d"
                       + (" WHERE " + " AND ".join(where) if where else ""))
                db.execute(sql, params)
            elif not where:  # no join needed to rank
                sql = "INSERT INTO _hits (id, score) SELECT rowid, -bm25(doc_fts) FROM doc_fts WHERE doc_fts MATCH ?"
                try:
                    db.execute(sql, [to_fts5(node)])
                except sqlite3.OperationalError as exc:
                    from .search import QueryError

                    raise QueryError(f"query not understood: {exc}") from exc
            else:
                # CROSS JOIN keeps the FTS scan outermost: the planner must never probe MATCH per document
                sql = ("INSERT INTO _hits (id, score, date) SELECT d.id, -bm25(doc_fts), d.date FROM doc_fts"
                       " CROSS JOIN documents d ON d.id = doc_fts.rowid WHERE doc_fts MATCH ?"
                       + "".join(" AND " + w for w in where))
                try:
                    db.execute(sql, [to_fts5(node), *params])
                except sqlite3.OperationalError as exc:
                    from .search import QueryError

                    raise QueryError(f"query not understood: {exc}") from exc
            total = int(db.execute("SELECT count(*) FROM _hits").fetchone()[0])
            order = "h.score DESC, h.id" if node is not None else "h.date IS NULL, h.date DESC, h.id"
            rows = db.execute(
                "SELECT d.id, d.name, d.title, d.unit, d.date, d.doc_type, d.script, d.wr_flag, h.score"
                f" FROM _hits h JOIN documents d ON d.id = h.id ORDER BY {order} LIMIT ? OFFSET ?",
                (limit, offset)).fetchall()
            texts = {i: t for i, t in db.execute(
                f"SELECT doc_id, text FROM bodies WHERE doc_id IN ({','.join('?' * len(rows))})",
                [r[0] for r in rows])} if rows else {}
            rows = [(*r, texts.get(r[0], "")) for r in rows]
            fac: dict[str, dict[str, int]] = {}
            if facets and total:
                fac = self._facets()
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return SearchResult(query=query, total=total, hits=make_hits(rows, positive_terms(node)), facets=fac)

    def _facets(self) -> dict[str, dict[str, int]]:
        db = self.db
        out: dict[str, dict[str, int]] = {}
        for facet in ("area", "gap"):
            out[facet] = {v: n for v, n in db.execute(
                "SELECT t.value, count(*) AS n FROM tags t JOIN _hits h ON h.id = t.doc_id WHERE t.facet = ?"
                " GROUP BY t.value ORDER BY n DESC, t.value", (facet,))}
        out["type"] = {v: n for v, n in db.execute(
            "SELECT d.doc_type, count(*) AS n FROM _hits h JOIN documents d ON d.id = h.id GROUP BY d.doc_type"
            " ORDER BY n DESC, d.doc_type")}
        out["unit"] = {v or "": n for v, n in db.execute(
            "SELECT d.unit_folded, count(*) AS n FROM _hits h JOIN documents d ON d.id = h.id"
            " WHERE d.unit_folded IS NOT NULL GROUP BY d.unit_folded ORDER BY n DESC, d.unit_folded LIMIT 20")}
        out["year"] = {str(v): n for v, n in db.execute(
            "SELECT d.year, count(*) AS n FROM _hits h JOIN documents d ON d.id = h.id WHERE d.year IS NOT NULL"
            " GROUP BY d.year ORDER BY d.year")}
        return out

    def commitments(self, filters: LedgerFilters | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The commitment ledger."""
        where, params = ledger_sql(filters, "?")
        cur = self.db.execute(
            "SELECT c.doc_id, d.name, d.title, d.unit, d.date, c.seq, c.area, c.item, c.owner, c.deadline,"
            " c.deadline_precision, c.deadline_text, c.target, c.measures, c.text"
            " FROM findings c JOIN documents d ON d.id = c.doc_id WHERE " + " AND ".join(where), params)
        from .archive import LEDGER_COLUMNS

        rows = [dict(zip(LEDGER_COLUMNS, r, strict=True)) for r in cur]
        return split_ledger(rows, filters)

    def index_size(self) -> int:
        """Bytes of the database, its WAL and the kept originals."""
        total = 0
        for p in (self.path, Path(str(self.path) + "-wal")):
            if p.exists():
                total += p.stat().st_size
        if self.files.exists():
            for root, _dirs, files in os.walk(self.files):
                total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
        return total

    def integrity(self) -> list[str]:
        """Problems found by ``PRAGMA integrity_check``, the FTS5 check and cross-table checks (empty: consistent)."""
        db = self.db
        out = [r[0] for r in db.execute("PRAGMA integrity_check") if r[0] != "ok"]
        try:
            db.execute("INSERT INTO doc_fts(doc_fts) VALUES ('integrity-check')")
        except sqlite3.DatabaseError as exc:
            out.append(f"fts: {exc}")
        n_doc = self.count()
        n_fts = int(db.execute("SELECT count(*) FROM doc_fts").fetchone()[0])
        if n_doc != n_fts:
            out.append(f"{n_doc} documents but {n_fts} index rows")
        missing = db.execute("SELECT count(*) FROM documents d WHERE NOT EXISTS"
                             " (SELECT 1 FROM doc_fts f WHERE f.rowid = d.id)").fetchone()[0]
        if missing:
            out.append(f"{missing} documents without an index row")
        orphans = db.execute("SELECT count(*) FROM documents d WHERE NOT EXISTS"
                             " (SELECT 1 FROM bodies b WHERE b.doc_id = d.id)").fetchone()[0]
        if orphans:
            out.append(f"{orphans} documents without text")
        for doc_id, rec in db.execute("SELECT doc_id, record FROM bodies"):
            import json

            r = json.loads(rec)
            want = len(r.get("problems") or []) + len(r.get("commitments") or [])
            have = db.execute("SELECT count(*) FROM findings WHERE doc_id = ?", (doc_id,)).fetchone()[0]
            gaps = db.execute("SELECT count(*) FROM gaps WHERE doc_id = ?", (doc_id,)).fetchone()[0]
            if want != have or len(r.get("gaps") or []) != gaps:
                out.append(f"document {doc_id}: findings {have}/{want}, gaps {gaps}/{len(r.get('gaps') or [])}")
        return out


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
