"""The embedded archive: one SQLite file (WAL) with an FTS5 index, originals in a folder beside it.

Two contentless FTS5 tables: ``doc_chars`` (the character index of ``corpus.search``: unigrams and
bigrams, no positions) finds the documents, ``doc_fts`` (the space-joined jieba tokens, unicode61)
ranks them with ``bm25()``. A contentless table deletes a row only with the values it was given:
the character grams are recomputed from the stored text (the fold table's fingerprint is kept in
``meta``; a change rebuilds the index); the word tokens are not kept, so a word row whose text
changed is left as a dead row (``fts_dead``) and the new one gets a fresh rowid (``fts_moved``). Each
``add_many`` (a document, or a batch of them) is one ``BEGIN IMMEDIATE`` transaction; the original
files are copied (atomically, synced, named by content hash) into ``<db>.files/`` while it writes,
and it commits only once they are on disk, so a crash leaves at most unreferenced copies.
"""

from __future__ import annotations

import datetime as _dt
import os
import sqlite3
import zlib
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager, suppress
from itertools import groupby
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .base import ARCHIVE_SCHEMA_VERSION, Store
from .errors import ArchiveError, db_error
from .records import Prepared, copy_original, finding_rows, record_from_row
from .sqlite_facets import SqliteFacets
from .sqlite_schema import (
    GEN_SHIFT,
    SqliteSchema,
    _unpack,
    check_archive_file,
    pack_text,
    unpack_text,
    word_row,
)
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
        problem = check_archive_file(self.path)
        if problem is not None:
            raise problem
        if readonly and not self.path.exists():
            raise ArchiveError("E301", self.url, "no archive there yet; shencha archive add creates one")
        self._codes: dict[tuple[str, str], int] = {}
        self._names: dict[str, dict[int, str]] = {}
        self._writes = 0
        self._arrays: dict[str, Any] | None = None
        self._arrays_ver: tuple[int, int] = (-1, -1)
        self._pool: ThreadPoolExecutor | None = None
        try:
            self._connect(readonly)
        except sqlite3.Error as exc:
            self._close_quietly()
            raise db_error(exc, self.url) from exc
        except OSError as exc:
            self._close_quietly()
            raise ArchiveError("E301", self.url, exc.strerror or str(exc)) from exc
        except BaseException:
            self._close_quietly()
            raise

    def _connect(self, readonly: bool) -> None:
        if readonly:
            self.db = sqlite3.connect(f"file:{quote(str(self.path))}?mode=ro", uri=True, isolation_level=None,
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
        if not readonly:
            mode = self.db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise ArchiveError("E301", self.url, f"cannot switch to WAL (journal_mode={mode})")
            self.db.execute("PRAGMA synchronous = NORMAL")
            self._migrate()
        else:
            v = self._check_version()
            if v < ARCHIVE_SCHEMA_VERSION:
                self._migrate_from_reader(v)

    def _close_quietly(self) -> None:
        db = getattr(self, "db", None)
        if db is not None:
            try:
                db.close()
            except sqlite3.Error:
                pass

    def close(self) -> None:
        """Close the connection (after the copies of originals under way)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        self.db.close()

    # ------------------------------------------------------------ writes

    def add_many(self, items: Sequence[tuple[Prepared, bytes | Path | None]]) -> list[tuple[int, bool]]:
        """Store documents in one transaction, in order.

        Their originals are copied in background threads while the rows are written, and the
        transaction commits once every copy is on disk (a row never names a file that is not).
        """
        if not items:
            return []
        rels, copies = self._keep_originals(items)
        now = _now()
        db = self.db
        self._writes += 1
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                fts: list[tuple[str, tuple[Any, ...]]] = []
                out = [self._write(doc, rel, now, fts) for (doc, _), rel in zip(items, rels, strict=True)]
                for sql, group in groupby(fts, key=lambda op: op[0]):  # consecutive runs: the order stays
                    db.executemany(sql, [params for _, params in group])
                for f in copies:
                    f.result()
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                self._codes.clear()
                raise
        finally:
            wait(copies)  # none still writing when this returns
        return out

    def _copier(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(8, thread_name_prefix="shencha-copy")
        return self._pool

    @staticmethod
    def _original_rel(doc: Prepared) -> str:
        ext = Path(doc.name).suffix.lower() or ("." + doc.format if doc.format else "")
        return f"{doc.sha256[:2]}/{doc.sha256}{ext}"

    def _keep_originals(self, items: Sequence[tuple[Prepared, bytes | Path | None]]
                        ) -> tuple[list[str | None], list[Future[None]]]:
        """Start copying the originals not kept yet into ``<db>.files/`` (each synced to disk, in threads: the
        file system commits the syncs together); their paths there, and the copies under way."""
        rels: list[str | None] = []
        todo: dict[Path, bytes | Path] = {}
        for doc, original in items:
            if original is None:
                rels.append(None)
                continue
            rel = self._original_rel(doc)
            rels.append(rel)
            if (dest := self.files / rel) not in todo and not dest.exists():
                todo[dest] = original
        return rels, [self._copier().submit(copy_original, src, dest) for dest, src in todo.items()]

    def _write(self, doc: Prepared, rel: str | None, now: str, fts: list[tuple[str, tuple[Any, ...]]]
               ) -> tuple[int, bool]:
        """One document's rows (inside the caller's transaction); its index rows are appended to ``fts``.

        The index rows are written after every document's other rows: a statement that opens a
        savepoint (most writes here) makes FTS5 flush the rows it holds in memory into a new
        segment, so interleaved writes would cost a segment (and its merging) per document.
        """
        db = self.db
        row = db.execute("SELECT id, original FROM documents WHERE sha256 = ?", (doc.sha256,)).fetchone()
        same_text = False
        cols = (doc.path, doc.format, doc.size, doc.script, doc.title, doc.unit, doc.unit_folded, doc.date,
                doc.year, doc.doc_type, doc.doc_type_score, int(doc.wr_flag), doc.wr_score, doc.pipeline)
        if row is None:
            # ids are never reused: past the largest one in use and the largest one removed
            next_id = int(db.execute(
                "SELECT max(coalesce((SELECT max(id) FROM documents), 0), coalesce((SELECT CAST(value AS INTEGER)"
                " FROM meta WHERE key = 'removed_max'), 0)) + 1").fetchone()[0])
            cur = db.execute(
                "INSERT INTO documents (id, path, format, size, script, title, unit, unit_folded, date, year,"
                " doc_type, doc_type_score, wr_flag, wr_score, pipeline, sha256, name, original,"
                " added_at, updated_at) VALUES (" + ",".join("?" * 20) + ")",
                (next_id, *cols, doc.sha256, doc.name, rel, now, now))
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
            old_text = unpack_text(old[0]) if old is not None else None
            same_text = old_text == doc.text
            if old_text is not None and not same_text:  # contentless indexes: see the module doc
                fts.append(("INSERT INTO doc_chars (doc_chars, rowid, grams) VALUES ('delete', ?, ?)",
                            (doc_id, char_grams(old_text))))
                moved = db.execute("SELECT rowid FROM fts_moved WHERE doc_id = ?", (doc_id,)).fetchone()
                old_row = int(moved[0]) if moved else doc_id
                db.execute("INSERT OR IGNORE INTO fts_dead (rowid) VALUES (?)", (old_row,))
                db.execute("DELETE FROM fts_moved WHERE doc_id = ?", (doc_id,))
                fts_rowid = doc_id + (((old_row >> GEN_SHIFT) + 1) << GEN_SHIFT)  # the next generation
                db.execute("INSERT INTO fts_moved (rowid, doc_id) VALUES (?, ?)", (fts_rowid, doc_id))
            for t in ("findings", "gaps", "tags", "bodies"):
                db.execute(f"DELETE FROM {t} WHERE doc_id = ?", (doc_id,))
        db.execute("INSERT INTO bodies (doc_id, text, record) VALUES (?, ?, ?)",
                   (doc_id, pack_text(doc.text), zlib.compress(doc.record_json.encode("utf-8"), 6)))
        if doc.path:
            db.execute("INSERT OR IGNORE INTO sources (doc_id, path, name, added_at) VALUES (?, ?, ?, ?)",
                       (doc_id, doc.path, os.path.basename(doc.path) or doc.name, now))
        db.executemany(
            "INSERT INTO findings (doc_id, kind, seq, area, score, text, start_at, end_at, item, owner,"
            " owner_folded, deadline, deadline_precision, deadline_text, target, measures, cid, data)"
            " VALUES (" + ",".join("?" * 18) + ")", [(doc_id, *r) for r in finding_rows(doc, data=False)])
        db.executemany("INSERT INTO gaps (doc_id, seq, code, message, evidence, term) VALUES (?, ?, ?, ?, ?, ?)",
                       [(doc_id, g["seq"], g.get("code") or "", g.get("message"), g.get("evidence"), g.get("term"))
                        for g in doc.gaps])
        db.executemany("INSERT INTO tags (facet, value, doc_id) VALUES (?, ?, ?)",
                       [(f, v, doc_id) for f, v in doc.tags])
        words_row, n_words = word_row(doc.tokens)
        self._write_facets(doc_id, doc.doc_type, doc.unit_folded, doc.year, doc.date, doc.wr_flag, doc.tags,
                           n_words)
        if not same_text:
            fts.append(("INSERT INTO doc_fts (rowid, tokens) VALUES (?, ?)", (fts_rowid, words_row)))
            fts.append(("INSERT INTO doc_chars (rowid, grams) VALUES (?, ?)", (doc_id, doc.grams or char_grams(doc.text))))
        return doc_id, created

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``): committed at the end, rolled back on any exception."""
        self._writes += 1
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def remove(self, ids: Iterable[int]) -> list[int]:
        """Remove documents in one transaction: rows, findings, both index entries, ledger statuses, originals.

        The character-index row is deleted with its grams (recomputed from the stored text); the
        word-index row, whose tokens are not kept, becomes a dead row (``fts_dead``) as on a refresh.
        Ids are never given out again. The kept originals are deleted once the transaction commits.

        Raises:
            ArchiveError: E300 when an id is not in the archive (nothing is removed then).
        """
        want = list(dict.fromkeys(int(i) for i in ids))
        db = self.db
        files: list[str] = []
        with self.transaction():
            have = dict(db.execute(f"SELECT id, original FROM documents WHERE id IN ({','.join('?' * len(want))})",
                                   want).fetchall()) if want else {}
            missing = [i for i in want if i not in have]
            if missing:
                raise ArchiveError("E300", self.url, "id " + ", ".join(map(str, missing)))
            for doc_id in want:
                old = db.execute("SELECT text FROM bodies WHERE doc_id = ?", (doc_id,)).fetchone()
                if old is not None:
                    db.execute("INSERT INTO doc_chars (doc_chars, rowid, grams) VALUES ('delete', ?, ?)",
                               (doc_id, char_grams(unpack_text(old[0]))))
                moved = db.execute("SELECT rowid FROM fts_moved WHERE doc_id = ?", (doc_id,)).fetchone()
                db.execute("INSERT OR IGNORE INTO fts_dead (rowid) VALUES (?)", (moved[0] if moved else doc_id,))
                for table in ("fts_moved", "ledger_status", "findings", "gaps", "tags", "sources", "bodies"):
                    db.execute(f"DELETE FROM {table} WHERE doc_id = ?", (doc_id,))
                db.execute("DELETE FROM doc_facets WHERE id = ?", (doc_id,))
                db.execute("DELETE FROM documents WHERE id = ?", (doc_id,))
                if have[doc_id]:
                    files.append(have[doc_id])
            if want:
                db.execute("INSERT INTO meta (key, value) VALUES ('removed_max', ?) ON CONFLICT (key) DO UPDATE"
                           " SET value = max(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))",
                           (str(max(want)),))
        for rel in files:
            kept = self.files / rel
            kept.unlink(missing_ok=True)
            with suppress(OSError):  # its folder (the hash's first two digits), when nothing else is in it
                kept.parent.rmdir()
        return want

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
        return record_from_row(int(row[0]), row[1], unpack_text(row[2]), _unpack(row[3]), {
            "sha256": row[4], "pipeline": row[5], "original": str(self.files / row[6]) if row[6] else None,
            "added_at": row[7], "updated_at": row[8], "sources": sources})

    def original(self, doc_id: int) -> tuple[str, bytes] | None:
        """The kept original file."""
        row = self.db.execute("SELECT name, original FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if row is None or not row[1]:
            return None
        p = self.files / row[1]
        return (row[0], p.read_bytes()) if p.exists() else None

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

