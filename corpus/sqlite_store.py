"""The embedded archive: one SQLite file (WAL) with an FTS5 index, originals in a folder beside it.

Two contentless FTS5 tables: ``doc_chars`` (the character index of ``corpus.search``: unigrams and
bigrams, no positions) finds the documents, ``doc_fts`` (the space-joined jieba tokens, unicode61)
ranks them with ``bm25()``. A contentless table deletes a row only with the values it was given:
the character grams are recomputed from the stored text (the fold table's fingerprint is kept in
``meta``; a change rebuilds the index); the word tokens are not kept, so a word row whose text
changed is left as a dead row (``fts_dead``) and the new one gets a fresh rowid (``fts_moved``). Each document is
written in one ``BEGIN IMMEDIATE`` transaction; its original file is copied (atomically, named
by content hash) into ``<db>.files/`` before that transaction commits, so a crash leaves at most
an unreferenced copy that the next run overwrites.
"""

from __future__ import annotations

import datetime as _dt
import os
import sqlite3
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .base import (
    SCHEMA_VERSION,
    ArchiveError,
    LedgerFilters,
    Prepared,
    SearchFilters,
    SearchResult,
    Store,
    check_filters,
    check_page,
    copy_original,
    finding_rows,
    ledger_sql,
    make_hits,
    record_from_row,
    relative_score,
    split_ledger,
    until_bound,
)
from .search import (
    Node,
    QueryError,
    char_grams,
    exact_fold,
    fold,
    gram_fingerprint,
    matches,
    parse_query,
    positive_terms,
    squeeze,
    to_char_fts,
    to_rank_fts,
)

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
CREATE VIRTUAL TABLE IF NOT EXISTS doc_fts USING fts5(tokens, content = '', tokenize = 'unicode61 remove_diacritics 0');
CREATE TABLE IF NOT EXISTS fts_moved (rowid INTEGER PRIMARY KEY, doc_id INTEGER NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS fts_dead (rowid INTEGER PRIMARY KEY);
CREATE VIRTUAL TABLE IF NOT EXISTS doc_chars USING fts5(grams, content = '', detail = 'none', tokenize = 'ascii');
CREATE TABLE IF NOT EXISTS facet_values (
    facet TEXT NOT NULL,
    value TEXT NOT NULL,
    code INTEGER NOT NULL,
    PRIMARY KEY (facet, value)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS doc_facets (
    id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
    dtype INTEGER,
    unit INTEGER,
    year INTEGER,
    date TEXT,
    flag INTEGER NOT NULL DEFAULT 0,
    areas INTEGER NOT NULL DEFAULT 0,
    gaps INTEGER NOT NULL DEFAULT 0,
    rev INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS doc_facets_rev ON doc_facets(rev);
"""

# Area and gap values are bits of doc_facets.areas / .gaps (code = bit number); a value coded past
# MAX_BIT (an archive with more than 62 distinct gap codes) is counted and filtered through ``tags``.
MAX_BIT = 62
FTS_MOVED_BASE = 1 << 40  # word-index rowids of documents whose text changed start above every document id
_BIT_FACETS = {"area": "areas", "gap": "gaps"}
_ARRAYS = ("dtype", "unit", "year", "areas", "gaps")  # doc_facets columns cached as arrays for facet counts


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
            if not self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                # a new archive: UTF-16 text (two bytes for a Chinese character instead of three)
                self.db.execute("PRAGMA encoding = 'UTF-16le'")
        self.db.execute("PRAGMA busy_timeout = 30000")
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.execute("PRAGMA temp_store = MEMORY")
        self.db.execute("PRAGMA cache_size = -65536")
        self.db.execute("PRAGMA mmap_size = 1073741824")
        self._codes: dict[tuple[str, str], int] = {}
        self._names: dict[str, dict[int, str]] = {}
        self._writes = 0
        self._arrays: dict[str, Any] | None = None
        self._arrays_ver: tuple[int, int] = (-1, -1)
        if not readonly:
            mode = self.db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise ArchiveError(f"{self.path}: cannot switch to WAL (journal_mode={mode})")
            self.db.execute("PRAGMA synchronous = NORMAL")
            self._migrate()
        else:
            v = self._check_version()
            if v < SCHEMA_VERSION:
                self._migrate_from_reader(v)

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
                if 1 <= v < 2:  # schema 1 had no doc_facets: derive them from documents and tags
                    self._backfill_facets()
                self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)",
                                (str(SCHEMA_VERSION),))
            sql = self.db.execute("SELECT sql FROM sqlite_master WHERE name = 'doc_fts'").fetchone()[0]
            row = self.db.execute("SELECT value FROM meta WHERE key = 'grams'").fetchone()
            n = int(self.db.execute("SELECT count(*) FROM bodies").fetchone()[0])
            if n and ("content" not in sql or row is None or row[0] != gram_fingerprint()):
                import sys

                print(f"shencha: upgrading the archive {self.path} for exact search ({n} documents, once;"
                      f" about {max(1, n // 8000)} min)", file=sys.stderr, flush=True)
            if "content" not in sql:  # schema 2 kept a copy of the tokens: rebuild without it
                self.db.execute("CREATE VIRTUAL TABLE doc_words USING fts5(tokens, content = '',"
                                " tokenize = 'unicode61 remove_diacritics 0')")
                self.db.execute("INSERT INTO doc_words (rowid, tokens) SELECT rowid, tokens FROM doc_fts")
                self.db.execute("DROP TABLE doc_fts")
                self.db.execute("ALTER TABLE doc_words RENAME TO doc_fts")
            row = self.db.execute("SELECT value FROM meta WHERE key = 'grams'").fetchone()
            if row is None or row[0] != gram_fingerprint():  # new archive, schema 2, or another fold table
                self._rebuild_chars()
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def _rebuild_chars(self) -> None:
        """(Re)build the character index from the stored texts (inside the caller's transaction)."""
        db = self.db
        db.execute("INSERT INTO doc_chars(doc_chars) VALUES ('delete-all')")
        last = -1
        while True:
            batch = db.execute("SELECT doc_id, text FROM bodies WHERE doc_id > ? ORDER BY doc_id LIMIT 500",
                               (last,)).fetchall()
            if not batch:
                break
            db.executemany("INSERT INTO doc_chars (rowid, grams) VALUES (?, ?)",
                           [(doc_id, char_grams(text)) for doc_id, text in batch])
            last = batch[-1][0]
        db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('grams', ?)", (gram_fingerprint(),))

    def _migrate_from_reader(self, v: int) -> None:
        """A read-only open of an archive from an older Shencha: migrate it in place once, then read."""
        try:
            SqliteStore(self.path).close()
        except (sqlite3.Error, OSError) as exc:
            raise ArchiveError(f"{self.path}: archive schema {v} is older than this Shencha ({SCHEMA_VERSION}) and"
                               f" cannot be upgraded here ({exc}); open it once with write access"
                               " (shencha archive add) to upgrade it in place") from None

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    # ------------------------------------------------------------ facet codes

    def _code(self, facet: str, value: str, *, create: bool = True) -> int | None:
        """The integer code of a facet value (assigned on first use inside a write transaction; codes never change)."""
        key = (facet, value)
        code = self._codes.get(key)
        if code is not None:
            return code
        row = self.db.execute("SELECT code FROM facet_values WHERE facet = ? AND value = ?", key).fetchone()
        if row is None:
            if not create:
                return None
            code = int(self.db.execute("SELECT coalesce(max(code) + 1, 0) FROM facet_values WHERE facet = ?",
                                       (facet,)).fetchone()[0])
            self.db.execute("INSERT INTO facet_values (facet, value, code) VALUES (?, ?, ?)", (facet, value, code))
        else:
            code = int(row[0])
        self._codes[key] = code
        return code

    def _name(self, facet: str, code: int) -> str:
        """The value behind a code (cached; reloaded when a code is new to this connection)."""
        names = self._names.get(facet)
        if names is None or code not in names:
            names = {int(c): v for v, c in self.db.execute(
                "SELECT value, code FROM facet_values WHERE facet = ?", (facet,))}
            self._names[facet] = names
        return names[code]

    def _write_facets(self, doc_id: int, doc_type: str | None, unit_folded: str | None, year: int | None,
                      date: str | None, flag: bool, tags: list[tuple[str, str]]) -> None:
        masks = {"area": 0, "gap": 0}
        for facet, value in tags:
            code = self._code(facet, value)
            if facet in masks and code is not None and code <= MAX_BIT:
                masks[facet] |= 1 << code
        self.db.execute(
            "INSERT OR REPLACE INTO doc_facets (id, dtype, unit, year, date, flag, areas, gaps, rev)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, (SELECT coalesce(max(rev), 0) + 1 FROM doc_facets))",
            (doc_id, self._code("type", doc_type) if doc_type is not None else None,
             self._code("unit", unit_folded) if unit_folded is not None else None, year, date, int(flag),
             masks["area"], masks["gap"]))

    def _backfill_facets(self) -> None:
        tags: dict[int, list[tuple[str, str]]] = {}
        for f, v, i in self.db.execute("SELECT facet, value, doc_id FROM tags ORDER BY facet, value, doc_id"):
            tags.setdefault(int(i), []).append((f, v))
        rows = self.db.execute("SELECT id, doc_type, unit_folded, year, date, wr_flag FROM documents").fetchall()
        for i, dtype, unit, year, date, flag in rows:
            self._write_facets(int(i), dtype, unit, year, date, bool(flag), tags.get(int(i), []))

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
        self._writes += 1
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute("SELECT id, original FROM documents WHERE sha256 = ?", (doc.sha256,)).fetchone()
            same_text = False
            cols = (doc.path, doc.format, doc.size, doc.script, doc.title, doc.unit, doc.unit_folded, doc.date,
                    doc.year, doc.doc_type, doc.doc_type_score, int(doc.wr_flag), doc.wr_score, doc.pipeline)
            if row is None:
                cur = db.execute(
                    "INSERT INTO documents (path, format, size, script, title, unit, unit_folded, date, year,"
                    " doc_type, doc_type_score, wr_flag, wr_score, pipeline, sha256, name, original,"
                    " added_at, updated_at) VALUES (" + ",".join("?" * 19) + ")",
                    (*cols, doc.sha256, doc.name, rel, now, now))
                doc_id, created = int(cur.lastrowid or 0), True
                fts_rowid = doc_id
            else:
                doc_id, created = int(row[0]), False
                fts_rowid = doc_id
                db.execute(
                    "UPDATE documents SET path=?, format=?, size=?, script=?, title=?, unit=?, unit_folded=?, date=?,"
                    " year=?, doc_type=?, doc_type_score=?, wr_flag=?, wr_score=?, pipeline=?,"
                    " original=COALESCE(?, original), updated_at=? WHERE id=?", (*cols, rel, now, doc_id))
                old = db.execute("SELECT text FROM bodies WHERE doc_id = ?", (doc_id,)).fetchone()
                same_text = old is not None and old[0] == doc.text
                if old is not None and not same_text:  # contentless indexes: see the module doc
                    db.execute("INSERT INTO doc_chars (doc_chars, rowid, grams) VALUES ('delete', ?, ?)",
                               (doc_id, char_grams(old[0])))
                    moved = db.execute("SELECT rowid FROM fts_moved WHERE doc_id = ?", (doc_id,)).fetchone()
                    db.execute("INSERT OR IGNORE INTO fts_dead (rowid) VALUES (?)", (moved[0] if moved else doc_id,))
                    db.execute("DELETE FROM fts_moved WHERE doc_id = ?", (doc_id,))
                    fts_rowid = max(FTS_MOVED_BASE, *(int(r[0] or 0) for r in db.execute(
                        "SELECT max(rowid) FROM fts_moved UNION ALL SELECT max(rowid) FROM fts_dead"))) + 1
                    db.execute("INSERT INTO fts_moved (rowid, doc_id) VALUES (?, ?)", (fts_rowid, doc_id))
                for t in ("findings", "gaps", "tags", "bodies"):
                    db.execute(f"DELETE FROM {t} WHERE doc_id = ?", (doc_id,))
            db.execute("INSERT INTO bodies (doc_id, text, record) VALUES (?, ?, ?)",
                       (doc_id, doc.text, zlib.compress(doc.record_json.encode("utf-8"), 6)))
            if doc.path:
                db.execute("INSERT OR IGNORE INTO sources (doc_id, path, name, added_at) VALUES (?, ?, ?, ?)",
                           (doc_id, doc.path, os.path.basename(doc.path) or doc.name, now))
            db.executemany(
                "INSERT INTO findings (doc_id, kind, seq, area, score, text, start_at, end_at, item, owner,"
                " owner_folded, deadline, deadline_precision, deadline_text, target, measures, data)"
                " VALUES (" + ",".join("?" * 17) + ")", [(doc_id, *r[:-1], "") for r in finding_rows(doc)])
            db.executemany("INSERT INTO gaps (doc_id, seq, code, message, evidence, term) VALUES (?, ?, ?, ?, ?, ?)",
                           [(doc_id, g["seq"], g.get("code") or "", g.get("message"), g.get("evidence"), g.get("term"))
                            for g in doc.gaps])
            db.executemany("INSERT INTO tags (facet, value, doc_id) VALUES (?, ?, ?)",
                           [(f, v, doc_id) for f, v in doc.tags])
            self._write_facets(doc_id, doc.doc_type, doc.unit_folded, doc.year, doc.date, doc.wr_flag, doc.tags)
            if not same_text:
                db.execute("INSERT INTO doc_fts (rowid, tokens) VALUES (?, ?)", (fts_rowid, doc.tokens))
                db.execute("INSERT INTO doc_chars (rowid, grams) VALUES (?, ?)",
                           (doc_id, doc.grams or char_grams(doc.text)))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            self._codes.clear()
            raise
        return doc_id, created

    # ------------------------------------------------------------ reads

    def get(self, doc_id: int) -> dict[str, Any] | None:
        """The stored record of one document."""
        row = self.db.execute(
            "SELECT d.id, d.name, b.text, b.record, d.sha256, d.pipeline, d.original, d.added_at, d.updated_at"
            " FROM documents d JOIN bodies b ON b.doc_id = d.id WHERE d.id = ?", (doc_id,)).fetchone()
        if row is None:
            return None
        sources = [r[0] for r in self.db.execute("SELECT path FROM sources WHERE doc_id = ? ORDER BY added_at, path",
                                                 (doc_id,))]
        return record_from_row(int(row[0]), row[1], row[2], _unpack(row[3]), {
            "sha256": row[4], "pipeline": row[5], "original": str(self.files / row[6]) if row[6] else None,
            "added_at": row[7], "updated_at": row[8], "sources": sources})

    def original(self, doc_id: int) -> tuple[str, bytes] | None:
        """The kept original file."""
        row = self.db.execute("SELECT name, original FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if row is None or not row[1]:
            return None
        p = self.files / row[1]
        return (row[0], p.read_bytes()) if p.exists() else None

    def _filter_sql(self, f: SearchFilters | None) -> tuple[list[str], list[Any]]:
        """WHERE clauses over ``doc_facets f`` for search filters (the meaning of ``archive.filter_sql``)."""
        clauses: list[str] = []
        params: list[Any] = []
        if f is None:
            return clauses, params
        for facet, value in (("area", f.area), ("gap", f.gap)):
            if value:
                code = self._code(facet, value, create=False)
                if code is None:
                    clauses.append("0")
                elif code <= MAX_BIT:
                    clauses.append(f"(f.{_BIT_FACETS[facet]} & {1 << code}) != 0")
                else:
                    clauses.append("f.id IN (SELECT doc_id FROM tags WHERE facet = ? AND value = ?)")
                    params += [facet, value]
        if f.doc_type:
            code = self._code("type", f.doc_type, create=False)
            clauses.append("f.dtype = ?")
            params.append(-1 if code is None else code)
        if f.unit:
            clauses.append("f.unit IN (SELECT code FROM facet_values WHERE facet = 'unit' AND value LIKE ?)")
            params.append("%" + fold(f.unit).replace("%", "").replace("_", "") + "%")
        if f.since:
            clauses.append("f.date >= ?")
            params.append(f.since)
        if f.until:
            clauses.append("f.date <= ?")
            params.append(until_bound(f.until))
        if f.flagged:
            clauses.append("f.flag = 1")
        return clauses, params

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
            raise QueryError(f"query not understood: {exc}") from exc
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
        import math

        from .search import _tokenizer

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
                raise QueryError(f"query not understood: {exc}") from exc
            return sorted(ids if exact else self._verify(node, ids))
        finally:
            db.execute("COMMIT")

    def _passes(self, doc_id: int, where: list[str], params: list[Any]) -> bool:
        """Whether one document passes the search filters."""
        if not where:
            return True
        return self.db.execute("SELECT 1 FROM doc_facets f WHERE f.id = ?" + "".join(" AND " + w for w in where),
                               [doc_id, *params]).fetchone() is not None

    def _facet_arrays(self) -> dict[str, Any]:
        """``doc_facets`` as numpy arrays indexed by document id, cached per connection.

        Refreshed when another connection has committed since (``PRAGMA data_version``) or this
        one has written: only the rows written since the last load (``rev`` above the last one
        seen), so searches stay cheap while a batch is being added. Call inside the read
        transaction.
        """
        import numpy as np

        ver = (int(self.db.execute("PRAGMA data_version").fetchone()[0]), self._writes)
        arrays = self._arrays
        if arrays is not None and self._arrays_ver == ver:
            return arrays
        if arrays is None:
            arrays = {name: np.full(0, -1 if name in ("dtype", "unit", "year") else 0, dtype=np.int64)
                      for name in _ARRAYS}
            arrays["rev"] = 0
        row = self.db.execute(
            "SELECT max(id), max(rev), group_concat(id), group_concat(coalesce(dtype, -1)),"
            " group_concat(coalesce(unit, -1)), group_concat(coalesce(year, -1)), group_concat(areas),"
            " group_concat(gaps) FROM doc_facets WHERE rev > ?", (arrays["rev"],)).fetchone()
        if row[0] is not None:
            ids = np.fromstring(row[2], dtype=np.int64, sep=",")
            n = int(row[0]) + 1
            for k, name in enumerate(_ARRAYS, 3):
                arr = arrays[name]
                if len(arr) < n:
                    arr = np.concatenate([arr, np.full(n - len(arr), -1 if k < 6 else 0, dtype=np.int64)])
                arr[ids] = np.fromstring(row[k], dtype=np.int64, sep=",")
                arrays[name] = arr
            arrays["rev"] = int(row[1])
        self._arrays, self._arrays_ver = arrays, ver
        return arrays

    def _facet_counts(self, ids: Any) -> dict[str, dict[str, int]]:
        """Facet counts over the documents ``ids`` (a numpy array), from the cached ``doc_facets`` arrays.

        Area/gap values coded past ``MAX_BIT`` are counted through ``tags``.
        """
        import numpy as np

        db = self.db
        arrays = self._facet_arrays()
        if ids.size and int(ids.max()) >= len(arrays["dtype"]):  # cannot happen inside one snapshot; be safe
            self._arrays = None
            arrays = self._facet_arrays()
        ids = ids[ids < len(arrays["dtype"])]
        bits: dict[str, list[tuple[int, str]]] = {"area": [], "gap": []}
        over: dict[str, list[str]] = {"area": [], "gap": []}
        for facet, value, code in db.execute(
                "SELECT facet, value, code FROM facet_values WHERE facet IN ('area', 'gap') ORDER BY facet, code"):
            if code <= MAX_BIT:
                bits[facet].append((int(code), value))
            else:
                over[facet].append(value)
        out: dict[str, dict[str, int]] = {}
        idset: set[int] | None = None
        for facet in ("area", "gap"):
            masks = arrays[_BIT_FACETS[facet]][ids]
            counts = {value: int(((masks >> code) & 1).sum()) for code, value in bits[facet]}
            counts = {v: n for v, n in counts.items() if n}
            if over[facet]:
                idset = idset if idset is not None else set(ids.tolist())
                for v in over[facet]:
                    n = sum(1 for (d,) in db.execute("SELECT doc_id FROM tags WHERE facet = ? AND value = ?",
                                                     (facet, v)) if d in idset)
                    if n:
                        counts[v] = n
            out[facet] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        coded: dict[str, list[tuple[int, int]]] = {}
        for name in ("dtype", "unit", "year"):
            vals = arrays[name][ids]
            vals = vals[vals >= 0]
            uniq, n = np.unique(vals, return_counts=True)
            coded[name] = [(int(c), int(k)) for c, k in zip(uniq, n, strict=True)]
        out["type"] = dict(sorted(((self._name("type", c), n) for c, n in coded["dtype"]),
                                  key=lambda kv: (-kv[1], kv[0])))
        out["unit"] = dict(sorted(((self._name("unit", c), n) for c, n in coded["unit"]),
                                  key=lambda kv: (-kv[1], kv[0]))[:20])
        out["year"] = {str(y): n for y, n in coded["year"]}
        return out

    def commitments(self, filters: LedgerFilters | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The commitment ledger."""
        where, params = ledger_sql(filters, "?")
        cur = self.db.execute(
            "SELECT c.doc_id, d.name, d.title, d.unit, d.date, c.seq, c.area, c.item, c.owner, c.deadline,"
            " c.deadline_precision, c.deadline_text, c.target, c.measures, c.text"
            " FROM findings c JOIN documents d ON d.id = c.doc_id WHERE " + " AND ".join(where), params)
        from .base import LEDGER_COLUMNS

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
        for table in ("doc_fts", "doc_chars"):
            try:
                db.execute(f"INSERT INTO {table}({table}) VALUES ('integrity-check')")
            except sqlite3.DatabaseError as exc:
                out.append(f"{table}: {exc}")
        n_chars = int(db.execute("SELECT count(*) FROM doc_chars_docsize").fetchone()[0])
        if n_chars != int(db.execute("SELECT count(*) FROM bodies").fetchone()[0]):
            out.append(f"{n_chars} character-index rows for {self.count()} documents")
        n_doc = self.count()
        n_dead = int(db.execute("SELECT count(*) FROM fts_dead").fetchone()[0])
        n_fts = int(db.execute("SELECT count(*) FROM doc_fts_docsize").fetchone()[0])
        if n_doc + n_dead != n_fts:
            out.append(f"{n_doc} documents (+{n_dead} dead rows) but {n_fts} word-index rows")
        missing = db.execute("SELECT count(*) FROM documents d WHERE NOT EXISTS (SELECT 1 FROM doc_fts_docsize f"
                             " WHERE f.id = coalesce((SELECT m.rowid FROM fts_moved m WHERE m.doc_id = d.id), d.id))"
                             ).fetchone()[0]
        if missing:
            out.append(f"{missing} documents without an index row")
        n_fac = int(db.execute("SELECT count(*) FROM doc_facets").fetchone()[0])
        if n_fac != n_doc:
            out.append(f"{n_doc} documents but {n_fac} facet rows")
        orphans = db.execute("SELECT count(*) FROM documents d WHERE NOT EXISTS"
                             " (SELECT 1 FROM bodies b WHERE b.doc_id = d.id)").fetchone()[0]
        if orphans:
            out.append(f"{orphans} documents without text")
        for doc_id, rec in db.execute("SELECT doc_id, record FROM bodies"):
            import json

            r = json.loads(_unpack(rec))
            want = len(r.get("problems") or []) + len(r.get("commitments") or [])
            have = db.execute("SELECT count(*) FROM findings WHERE doc_id = ?", (doc_id,)).fetchone()[0]
            gaps = db.execute("SELECT count(*) FROM gaps WHERE doc_id = ?", (doc_id,)).fetchone()[0]
            if want != have or len(r.get("gaps") or []) != gaps:
                out.append(f"document {doc_id}: findings {have}/{want}, gaps {gaps}/{len(r.get('gaps') or [])}")
        return out


def _unpack(value: str | bytes) -> str:
    """A stored record: zlib-compressed UTF-8 (schema 3) or plain text (older archives)."""
    return zlib.decompress(value).decode("utf-8") if isinstance(value, bytes) else value


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
