"""The SQLite archive's tables, their upgrades from older archives, and the check that they agree.

See ``corpus.sqlite_store`` for how the two FTS5 indexes are kept. ``SqliteSchema`` is a part of
``SqliteStore`` (it uses the connection and the facet writer of the other parts).
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import zlib
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from .base import ARCHIVE_SCHEMA_VERSION
from .errors import ArchiveError, db_error
from .ledger import backfill_keys
from .textindex import char_grams, gram_fingerprint, index_text

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
    cid TEXT,
    PRIMARY KEY (doc_id, kind, seq)
);
CREATE TABLE IF NOT EXISTS ledger_status (
    doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    cid TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'done')),
    note TEXT,
    set_by TEXT,
    set_at TEXT NOT NULL,
    PRIMARY KEY (doc_id, cid)
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
CREATE VIRTUAL TABLE IF NOT EXISTS doc_fts USING fts5(tokens, content = '', detail = 'none',
    tokenize = 'unicode61 remove_diacritics 0');
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
    rev INTEGER NOT NULL DEFAULT 0,
    words INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS doc_facets_rev ON doc_facets(rev);
"""

# A document whose text changed gets a new word row at ``id + generation << GEN_SHIFT`` (the old row is dead):
# the rows of one generation keep the order and the ranges of the document ids.
GEN_SHIFT = 32

# The word index keeps no positions: a word that occurs at least 2 / 4 times in a document is also
# indexed with one of these appended (private-use characters: the unicode61 tokenizer keeps them
# inside a token, and a word of a folded text never ends in one), so ranking still sees how often.
MARKS = ((2, "\ue002"), (4, "\ue004"))


def word_row(tokens: str) -> tuple[str, int]:
    """The ``doc_fts`` row of a document's word tokens (distinct words, then the marked ones), and their number."""
    counts = Counter(tokens.split())
    out = list(counts)
    for n, mark in MARKS:
        out.extend(w + mark for w, c in counts.items() if c >= n)
    return " ".join(out), sum(counts.values())


SQLITE_MAGIC = b"SQLite format 3\x00"


def check_archive_file(path: Path) -> ArchiveError | None:
    """Why ``path`` cannot be opened as an SQLite archive (None when it is one, or can become one).

    A folder, a file that is not SQLite (E308), an SQLite database of another program (E308: it
    is never written to), a damaged one (E303), a file that cannot be read or a parent that is not
    a folder (E301).
    """
    name = str(path)
    if path.is_dir():
        return ArchiveError("E308", name, "it is a folder, not an archive file")
    if path.is_file():
        try:
            with open(path, "rb") as fh:
                head = fh.read(len(SQLITE_MAGIC))
        except OSError as exc:
            return ArchiveError("E301", name, f"it cannot be read: {exc.strerror or exc}")
        if head and head != SQLITE_MAGIC:
            return ArchiveError("E308", name, "not an SQLite database")
        if head:
            return _foreign_sqlite(path)
    elif path.parent != Path("") and path.parent.exists() and not path.parent.is_dir():
        return ArchiveError("E301", name, f"{path.parent} is not a folder")
    return None


def _foreign_sqlite(path: Path) -> ArchiveError | None:
    """Why an SQLite file is not a Shencha archive (None when it is one, or may become one: no tables yet)."""
    try:
        db = sqlite3.connect(f"file:{quote(os.path.abspath(path))}?mode=ro", uri=True)
        try:
            names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            db.close()
    except sqlite3.Error as exc:
        return db_error(exc, str(path))
    if names and "meta" not in names:
        return ArchiveError("E308", str(path), "an SQLite database of something else")
    return None


class SqliteSchema:
    """Schema versions and migrations, the character-index rebuild and the integrity check (part of ``SqliteStore``)."""

    db: sqlite3.Connection
    path: Path

    def _check_version(self) -> int:
        try:
            row = self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.OperationalError:
            return 0
        v = int(row[0]) if row else 0
        if v > ARCHIVE_SCHEMA_VERSION:
            raise ArchiveError("E304", str(self.path), f"archive schema {v}; this Shencha reads up to {ARCHIVE_SCHEMA_VERSION}")
        return v

    def _migrate(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            v = self._check_version()
            if v < ARCHIVE_SCHEMA_VERSION:
                for stmt in _statements(SCHEMA):
                    self.db.execute(stmt)
                if 1 <= v < 2:  # schema 1 had no doc_facets: derive them from documents and tags
                    self._backfill_facets()
                if "cid" not in {r[1] for r in self.db.execute("PRAGMA table_info(findings)")}:
                    self._backfill_commitment_ids()
                if "words" not in {r[1] for r in self.db.execute("PRAGMA table_info(doc_facets)")}:
                    self.db.execute("ALTER TABLE doc_facets ADD COLUMN words INTEGER NOT NULL DEFAULT 0")
                self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)",
                                (str(ARCHIVE_SCHEMA_VERSION),))
            sql = self.db.execute("SELECT sql FROM sqlite_master WHERE name = 'doc_fts'").fetchone()[0]
            row = self.db.execute("SELECT value FROM meta WHERE key = 'grams'").fetchone()
            # schema 4 and older: a word index with positions; schema 1: facet rows just derived, no lengths
            words = "detail = 'none'" not in sql or 1 <= v < 2
            chars = row is None or row[0] != gram_fingerprint()  # new archive, schema 2, or another fold table
            texts = self.db.execute("SELECT 1 FROM bodies WHERE typeof(text) = 'text' LIMIT 1").fetchone() is not None
            n = int(self.db.execute("SELECT count(*) FROM bodies").fetchone()[0])
            if n and (words or chars):
                print(f"shencha: upgrading the archive {self.path} ({n} documents, once;"
                      f" about {max(1, n // 30000)} min)", file=sys.stderr, flush=True)
            if words or chars or texts:
                self._rebuild(words=words, chars=chars, texts=texts)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def _backfill_commitment_ids(self) -> None:
        """Schema 4: the ``cid`` column, and the key of every stored commitment (inside the caller's transaction)."""
        self.db.execute("ALTER TABLE findings ADD COLUMN cid TEXT")
        rows = self.db.execute("SELECT doc_id, seq, text FROM findings WHERE kind = 'commitment' ORDER BY doc_id, seq")
        self.db.executemany("UPDATE findings SET cid = ? WHERE doc_id = ? AND kind = 'commitment' AND seq = ?",
                            backfill_keys(iter(rows.fetchall())))

    def _rebuild(self, *, words: bool, chars: bool, texts: bool) -> None:
        """One pass over the stored texts (inside the caller's transaction): the word index rebuilt without
        positions (schema 5), the character index (re)built, texts stored as text compressed."""
        db = self.db
        if words:
            db.execute("CREATE VIRTUAL TABLE doc_words USING fts5(tokens, content = '', detail = 'none',"
                       " tokenize = 'unicode61 remove_diacritics 0')")
            rev = int(db.execute("SELECT coalesce(max(rev), 0) + 1 FROM doc_facets").fetchone()[0])
        if chars:
            db.execute("INSERT INTO doc_chars(doc_chars) VALUES ('delete-all')")
        last = -1
        while True:
            batch = db.execute("SELECT doc_id, text FROM bodies WHERE doc_id > ? ORDER BY doc_id LIMIT 500",
                               (last,)).fetchall()
            if not batch:
                break
            last = batch[-1][0]
            batch = [(doc_id, unpack_text(text), isinstance(text, str)) for doc_id, text in batch]
            if words:
                rows = [(doc_id, *word_row(index_text(text))) for doc_id, text, _ in batch]
                db.executemany("INSERT INTO doc_words (rowid, tokens) VALUES (?, ?)", [r[:2] for r in rows])
                db.executemany("UPDATE doc_facets SET words = ?, rev = ? WHERE id = ?", [(r[2], rev, r[0]) for r in rows])
            if chars:
                db.executemany("INSERT INTO doc_chars (rowid, grams) VALUES (?, ?)",
                               [(doc_id, char_grams(text)) for doc_id, text, _ in batch])
            if texts:
                db.executemany("UPDATE bodies SET text = ? WHERE doc_id = ?",
                               [(pack_text(text), doc_id) for doc_id, text, plain in batch if plain])
        if words:
            db.execute("DROP TABLE doc_fts")
            db.execute("ALTER TABLE doc_words RENAME TO doc_fts")
            db.execute("DELETE FROM fts_moved")
            db.execute("DELETE FROM fts_dead")
        if chars:
            db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('grams', ?)", (gram_fingerprint(),))

    def _migrate_from_reader(self, v: int) -> None:
        """A read-only open of an archive from an older Shencha: migrate it in place once, then read."""
        try:
            type(self)(self.path).close()
        except (sqlite3.Error, OSError) as exc:
            raise ArchiveError("E304", str(self.path), f"archive schema {v}, older than {ARCHIVE_SCHEMA_VERSION}, cannot be"
                               f" upgraded here: {exc}; open it once with write access to upgrade it") from None

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


def pack_text(text: str) -> bytes:
    """A document's text as ``bodies.text`` keeps it (schema 5): UTF-16LE, zlib-compressed."""
    return zlib.compress(text.encode("utf-16-le", "surrogatepass"), 6)


def unpack_text(value: str | bytes) -> str:
    """A stored text: compressed (``pack_text``, schema 5) or plain text (older archives)."""
    return zlib.decompress(value).decode("utf-16-le", "surrogatepass") if isinstance(value, bytes) else value


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
