"""An archive of schema 4 (word index with positions, texts stored plain) is upgraded to schema 5 the
first time it is opened, on both backends, and searches as an archive written new."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from corpus import SearchFilters, open_store, prepare
from corpus.archive import ARCHIVE_SCHEMA_VERSION
from corpus.search import index_text
from tests.archive_helpers import (
    commitment,
    gen_text,
    new_schema,
    pg_url_for_schema,
    require_postgres,
    synthetic_record,
)

QUERIES = [("整改落实", None), ("税", None), ('"方面要"', None), ("领导班子 OR 村务公开", None), ("医疗服务 -税务", None),
           ("调查研究", SearchFilters(since="2011-01-01")), ("", SearchFilters(area="economy"))]


def _fill(store) -> None:  # noqa: ANN001 - a Store
    import opencc

    s2t = opencc.OpenCC("s2t")
    for i in range(30):
        t = gen_text(i, 400) + ("税务部门" if i % 4 == 0 else "")
        rec = synthetic_record(s2t.convert(t) if i % 2 else t, date=f"20{10 + i % 3}-05-01", unit="中共横岭镇委员会",
                               commitments=[commitment(t[10:40], owner="镇党政办", deadline="2011-06-30")] if i % 3 else [])
        store.add(prepare(rec))


def _results(store) -> list[tuple]:  # noqa: ANN001 - a Store
    out = []
    for q, f in QUERIES:
        r = store.search(q, f, limit=50)
        out.append((q, r.total, sorted(h.id for h in r.hits), r.facets))
    return out


def _as_schema_4(db: Path) -> None:
    """Turn a schema 5 archive file into what schema 4 wrote: word index with positions, plain texts, no lengths."""
    from corpus.sqlite_schema import unpack_text

    c = sqlite3.connect(db, isolation_level=None)
    texts = {int(i): unpack_text(t) for i, t in c.execute("SELECT doc_id, text FROM bodies")}
    c.execute("BEGIN")
    c.execute("DROP TABLE doc_fts")
    c.execute("CREATE VIRTUAL TABLE doc_fts USING fts5(tokens, content = '', tokenize = 'unicode61 remove_diacritics 0')")
    c.executemany("INSERT INTO doc_fts (rowid, tokens) VALUES (?, ?)", [(i, index_text(t)) for i, t in texts.items()])
    c.executemany("UPDATE bodies SET text = ? WHERE doc_id = ?", [(t, i) for i, t in texts.items()])
    c.execute("ALTER TABLE doc_facets DROP COLUMN words")
    c.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    c.execute("COMMIT")
    c.close()


def test_a_schema_4_sqlite_archive_is_upgraded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "old.sqlite"
    store = open_store(str(db))
    _fill(store)
    want = _results(store)
    store.close()
    _as_schema_4(db)
    c = sqlite3.connect(db)
    assert c.execute("SELECT count(*) FROM bodies WHERE typeof(text) = 'text'").fetchone()[0] == 30
    c.close()
    capsys.readouterr()
    reader = open_store(str(db), readonly=True)  # `shencha search` opens read-only: it upgrades once
    assert "upgrading the archive" in capsys.readouterr().err
    assert _results(reader) == want
    reader.close()
    store = open_store(str(db))
    assert "upgrading" not in capsys.readouterr().err
    db_ = store.db
    assert db_.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(ARCHIVE_SCHEMA_VERSION)
    assert "detail = 'none'" in db_.execute("SELECT sql FROM sqlite_master WHERE name = 'doc_fts'").fetchone()[0]
    assert db_.execute("SELECT count(*) FROM bodies WHERE typeof(text) != 'blob'").fetchone()[0] == 0
    assert db_.execute("SELECT min(words) FROM doc_facets").fetchone()[0] > 0
    assert store.integrity() == []
    assert _results(store) == want
    doc = store.get(1)
    assert doc is not None and doc["text"].startswith("第0号材料")
    store.close()


def test_a_schema_4_postgres_archive_is_upgraded() -> None:
    require_postgres()
    url = pg_url_for_schema(new_schema())
    store = open_store(url)
    try:
        _fill(store)
        want = _results(store)
        store.db.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
        store.close()
        store = open_store(url)
        assert store.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(
            ARCHIVE_SCHEMA_VERSION)
        assert _results(store) == want
        assert store.integrity() == []
    finally:
        store.drop()
        store.close()
