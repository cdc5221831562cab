"""The archive's coded errors (E3xx): raised by the library, printed by the CLI as one line
``shencha: [E3xx] ARCHIVE: reason. What to do.``, exit status 2 (the command cannot work as given)
or 1 (it may later: locked, internal), never a traceback and never a password."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from corpus import ArchiveError, LedgerFilters, QueryError, open_store, prepare
from corpus.errors import db_error
from corpus.sqlite_store import SqliteStore
from pipeline.errors import CATALOGUE
from shencha.cli import main
from tests.archive_helpers import gen_text, synthetic_record


def coded_line(capsys: pytest.CaptureFixture[str], argv: list[str], code: str, store: str, status: int = 2) -> str:
    rc = main(argv)
    err = capsys.readouterr().err.strip()
    assert rc == status, (argv, err)
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert err.startswith(f"shencha: [{code}] {store}: "), err
    return err


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "a.sqlite"
    with open_store(str(path)) as s:
        s.add(prepare(synthetic_record(gen_text(1))))  # no original kept
    return path


def test_archive_errors_every_e3xx_code_names_the_archive_and_says_what_to_do() -> None:
    codes = [c for c in CATALOGUE if c.startswith("E3")]
    assert len(codes) >= 10
    for code in codes:
        e = ArchiveError(code, "postgresql://u:s3cret@h/db", "some detail")
        assert e.message.startswith(f"[{code}] postgresql://u:***@h/db: ") and "s3cret" not in e.message
        assert "(some detail)" in e.message and e.message.endswith(".") and "\n" not in e.message
        assert str(e) == e.message and e.exit_status == (1 if code in ("E302", "E399") else 2)


def test_archive_errors_unknown_document_and_original(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    coded_line(capsys, ["show", "7", "--db", str(db)], "E300", str(db))
    coded_line(capsys, ["archive", "--db", str(db), "get", "7"], "E300", str(db))
    coded_line(capsys, ["archive", "--db", str(db), "remove", "7"], "E300", str(db))
    coded_line(capsys, ["archive", "--db", str(db), "get", "1"], "E310", str(db))
    with open_store(str(db)) as s, pytest.raises(ArchiveError) as e:
        s.require(7)
    assert e.value.code == "E300"


def test_archive_errors_not_an_archive_or_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("not a database", encoding="utf-8")
    (tmp_path / "folder").mkdir()
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as c:
        c.execute("CREATE TABLE notes (t TEXT)")
    for name in ("notes.txt", "folder", "other.sqlite"):
        coded_line(capsys, ["search", "x", "--db", str(tmp_path / name)], "E308", str(tmp_path / name))
        with pytest.raises(ArchiveError) as e:  # the library refuses them too, and never writes to them
            SqliteStore(tmp_path / name)
        assert e.value.code == "E308"
    coded_line(capsys, ["commitments", "--db", str(tmp_path / "none.sqlite")], "E301", str(tmp_path / "none.sqlite"))
    assert not (tmp_path / "none.sqlite").exists()


def test_archive_errors_damaged_newer_and_locked(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(db.read_bytes()[:100] + b"\x00garbage" * 2000)
    coded_line(capsys, ["search", "x", "--db", str(bad)], "E303", str(bad))
    newer = tmp_path / "newer.sqlite"
    newer.write_bytes(db.read_bytes())
    with sqlite3.connect(newer) as c:
        c.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    coded_line(capsys, ["commitments", "--db", str(newer)], "E304", str(newer))
    coded_line(capsys, ["archive", "--db", str(newer), "add", str(db)], "E304", str(newer))
    # another process holds the write lock: SQLite's own error is classified as E302 (exit status 1)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(sqlite3.OperationalError) as exc:
            sqlite3.connect(db, timeout=0).execute("CREATE TABLE x (y)")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    err = db_error(exc.value, str(db))
    assert err.code == "E302" and err.exit_status == 1


def test_archive_errors_bad_query_and_bad_values(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for q in ("NOT 整改", "AND OR ( )", "-医院"):
        coded_line(capsys, ["search", "--db", str(db), "--", q], "E305", str(db))
    with open_store(str(db)) as s:
        with pytest.raises(QueryError) as e:
            s.search("x", limit=-1)
        assert e.value.code == "E306" and e.value.for_store("a").code == "E306"
        with pytest.raises(QueryError) as e:
            s.commitments(LedgerFilters(due_before="soon"))
        assert e.value.code == "E306"
        cid = "1-" + "0" * 8
    err = coded_line(capsys, ["commitments", "set", cid, "--status", "done", "--by", "\udcff", "--db", str(db)],
                     "E306", str(db))
    assert "--by" in err


def test_archive_errors_unreachable_postgres_masks_the_password(capsys: pytest.CaptureFixture[str]) -> None:
    url = "postgresql://u:s3cret@127.0.0.1:1/x"
    for argv in (["search", "x", "--db", url], ["archive", "--db", url, "export"], ["commitments", "--db", url]):
        err = coded_line(capsys, argv, "E307", "postgresql://u:***@127.0.0.1:1/x")
        assert "s3cret" not in err


def test_archive_errors_an_internal_error_is_logged_with_its_traceback(db: Path, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "errors.log"
    monkeypatch.setenv("SHENCHA_LOG", str(log))

    def broken(self, *a, **k):  # noqa: ANN001, ANN002, ANN003, ANN202 - a bug inside the store
        return {}["missing"]

    monkeypatch.setattr(SqliteStore, "search", broken)
    err = coded_line(capsys, ["search", "x", "--db", str(db)], "E399", str(db), status=1)
    assert "KeyError" in err and "errors.log" in err
    text = log.read_text(encoding="utf-8")
    assert f"E399 {db}" in text and "Traceback" in text and "in broken" in text
