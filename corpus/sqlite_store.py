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
from pathlib import Path
from typing import Any

from .base import SCHEMA_VERSION, ArchiveError, Store
from .ledger import LEDGER_COLUMNS, LedgerFilters, ledger_sql, split_ledger
from .records import Prepared, copy_original, finding_rows, record_from_row
from .sqlite_facets import SqliteFacets
from .sqlite_schema import FTS_MOVED_BASE, SqliteSchema, _unpack
from .sqlite_search import SqliteSearch
from .textindex import char_grams


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()



class SqliteStore(SqliteSchema, SqliteFacets, SqliteSearch, Store):
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

    def commitments(self, filters: LedgerFilters | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The commitment ledger."""
        where, params = ledger_sql(filters, "?")
        cur = self.db.execute(
            "SELECT c.doc_id, d.name, d.title, d.unit, d.date, c.seq, c.area, c.item, c.owner, c.deadline,"
            " c.deadline_precision, c.deadline_text, c.target, c.measures, c.text"
            " FROM findings c JOIN documents d ON d.id = c.doc_id WHERE " + " AND ".join(where), params)
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

