"""Hostile and mistaken command lines: one line ``shencha: reason``, exit status 2, nothing changed,
never a traceback; and no secret printed."""

from __future__ import annotations

import hashlib
import io
import logging
import sys
from pathlib import Path

import pytest

from shencha.archive_cli import MaskSecrets, mask_secrets
from shencha.cli import main

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "baishui-analysis-gb18030.txt"


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with its content hash (to show that nothing changed)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in sorted(folder.rglob("*"))}


def one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str], *needles: str) -> str:
    rc = main(argv)
    cap = capsys.readouterr()
    err = cap.err.strip()
    assert rc == 2, (argv, cap.out, err)
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1 and err.startswith("shencha: "), err
    for n in needles:
        assert n in err, (n, err)
    return err


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("arch") / "a.db"
    assert main(["archive", "--db", str(db), "add", str(EXAMPLE), "--silent"]) == 0
    return db


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "notdb.txt").write_text("hello, not a database\n", encoding="utf-8")
    (tmp_path / "folder").mkdir()
    (tmp_path / "existing.html").write_text("keep me", encoding="utf-8")
    return tmp_path


def test_report_out_an_existing_file(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = tree(work)
    one_line_error(capsys, ["report", str(EXAMPLE), "--out", str(work / "existing.html")], "existing.html",
                   "not a folder")
    one_line_error(capsys, ["report", str(EXAMPLE), "--out", str(work / "existing.html" / "sub")], "is a file")
    one_line_error(capsys, ["screen", str(EXAMPLE), "--report", str(work / "existing.html"), "--silent"],
                   "--report")
    assert tree(work) == before


def test_screen_jsonl_a_folder(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = tree(work)
    one_line_error(capsys, ["screen", str(EXAMPLE), "--jsonl", str(work / "folder"), "--silent"], "--jsonl",
                   "is a folder")
    one_line_error(capsys, ["screen", str(EXAMPLE), "--jsonl", str(work / "notdb.txt" / "x.jsonl"), "--silent"],
                   "is a file")
    assert tree(work) == before


@pytest.mark.parametrize("argv", [
    ["search", "x\udcff"],
    ["search", "x", "--unit", "\udcfe单位"],
    ["search", "x", "--gap", "no_\udc80"],
    ["commitments", "--owner", "\udcff"],
])
def test_undecodable_bytes_in_a_query_or_filter_never_reach_the_archive(archive: Path, argv: list[str],
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    before = archive.read_bytes()
    err = one_line_error(capsys, [*argv, "--db", str(archive)], "not valid UTF-8")
    assert "\\x" in err  # the byte is shown, escaped
    assert archive.read_bytes() == before


@pytest.mark.parametrize(("argv", "needle"), [
    (["search", "x", "--limit", str(2**64)], "--limit"),
    (["search", "x", "--limit", "99999999999999999999999999"], "--limit"),
    (["search", "x", "--offset", str(2**63)], "--offset"),
    (["search", "x", "--offset", "-1"], "--offset"),
    (["search", "x", "--limit", "ten"], "--limit"),
    (["show", str(2**70)], "id"),
    (["archive", "get", str(2**64)], "id"),
])
def test_counts_and_ids_beyond_64_bits(archive: Path, argv: list[str], needle: str,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    if argv[0] == "archive":
        argv = ["archive", "--db", str(archive), *argv[1:]]
    else:
        argv = [*argv, "--db", str(archive)]
    one_line_error(capsys, argv, needle)
    assert main(["search", "", "--db", str(archive), "--limit", str(2**63 - 1), "--offset", "0"]) == 0


@pytest.mark.parametrize("verb", [["search", "x"], ["show", "1"], ["commitments"], ["archive", "export"],
                                  ["archive", "add", str(EXAMPLE)]])
def test_db_naming_a_file_that_is_not_an_archive_or_a_folder(work: Path, verb: list[str],
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    before = tree(work)
    for db, needle in ((work / "notdb.txt", "not an SQLite database"), (work / "folder", "is a folder")):
        argv = ["archive", "--db", str(db), *verb[1:]] if verb[0] == "archive" else [*verb, "--db", str(db)]
        one_line_error(capsys, argv, str(db), needle)
    assert tree(work) == before


def test_db_file_damaged_after_its_header(work: Path, archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = work / "damaged.db"
    data = archive.read_bytes()
    bad.write_bytes(data[:100] + b"\x00garbage" * 2000)
    one_line_error(capsys, ["search", "x", "--db", str(bad)])


def test_archive_get_into_a_folder_or_a_missing_folder(work: Path, archive: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    before = tree(work)
    one_line_error(capsys, ["archive", "--db", str(archive), "get", "1", "-o", str(work / "folder")], "is a folder")
    one_line_error(capsys, ["archive", "--db", str(archive), "get", "1", "-o", str(work / "no" / "such" / "x.txt")],
                   "does not exist")
    one_line_error(capsys, ["archive", "--db", str(archive), "get", "1", "-o", str(work / "notdb.txt" / "x.txt")],
                   "not a folder")
    assert tree(work) == before
    assert main(["archive", "--db", str(archive), "get", "1", "-o", str(work / "folder" / "copy.txt")]) == 0
    assert (work / "folder" / "copy.txt").read_bytes() == EXAMPLE.read_bytes()


@pytest.mark.parametrize(("argv", "needle"), [
    (["search", "x", "--since", "2009-13-45"], "2009-13-45"),
    (["search", "x", "--until", "2009-02-30"], "2009-02-30"),
    (["search", "x", "--since", "last year"], "last year"),
    (["commitments", "--overdue", "--as-of", "yesterday"], "yesterday"),
    (["commitments", "--overdue", "--as-of", "2009-06"], "full date"),
    (["commitments", "--due-before", "2009-00"], "2009-00"),
])
def test_invalid_dates_are_refused(archive: Path, argv: list[str], needle: str,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    one_line_error(capsys, [*argv, "--db", str(archive)], needle, "not a")


def test_valid_dates_still_filter(archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "", "--since", "2009-1", "--until", "2030", "--db", str(archive)]) == 0
    assert main(["commitments", "--overdue", "--as-of", "2010-02-28", "--db", str(archive)]) == 0
    out = capsys.readouterr().out
    assert "overdue as of 2010-02-28" in out


def test_dask_executor_without_dask_distributed_names_the_extra(monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # as on a machine without the extra
    monkeypatch.setitem(sys.modules, "distributed", None)
    one_line_error(capsys, ["screen", str(EXAMPLE), "--executor", "dask", "--silent"], "shencha[dask]",
                   "dask.distributed")


def test_unknown_profile_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    one_line_error(capsys, ["screen", str(EXAMPLE), "--profile", "nope", "--silent"], "nope")


def test_argparse_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    one_line_error(capsys, ["search"], "search", "--help")
    one_line_error(capsys, ["screen", str(EXAMPLE), "--workers", "many"], "--workers")


# ------------------------------------------------------------------ secrets


@pytest.mark.parametrize(("url", "masked"), [
    ("postgresql://user:s3cret@db.example:5432/arch", "postgresql://user:***@db.example:5432/arch"),
    ("postgres://u:p@ss@h/db?schema=x", "postgres://u:***@h/db?schema=x"),
    ("postgresql://u@h/db", "postgresql://u@h/db"),
    ("host=h password=s3cret dbname=x", "host=h password=*** dbname=x"),
])
def test_mask_secrets(url: str, masked: str) -> None:
    assert mask_secrets(f"archive {url}: 1 added") == f"archive {masked}: 1 added"


def test_log_lines_are_masked() -> None:
    buf = io.StringIO()
    h = logging.StreamHandler(buf)
    h.addFilter(MaskSecrets())
    log = logging.getLogger("shencha.test-mask")
    log.addHandler(h)
    try:
        log.warning("connecting to %s", "postgresql://u:s3cret@h/db")
    finally:
        log.removeHandler(h)
    assert buf.getvalue().strip() == "connecting to postgresql://u:***@h/db"


def test_an_unreachable_postgres_url_is_one_line_without_its_password(capsys: pytest.CaptureFixture[str]) -> None:
    err = one_line_error(capsys, ["archive", "--db", "postgresql://u:s3cret@127.0.0.1:1/x", "add", str(EXAMPLE)])
    assert "s3cret" not in err


def test_archive_add_to_postgres_masks_the_password(capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.archive_helpers import new_schema, pg_url_for_schema, require_postgres

    require_postgres()
    url = pg_url_for_schema(new_schema())
    password = url.split("://", 1)[1].split("@", 1)[0].partition(":")[2]
    assert password, "the test URL carries a password"
    monkeypatch.setenv("SHENCHA_DB", url)
    assert main(["archive", "add", str(EXAMPLE)]) == 0
    assert main(["archive", "add", str(EXAMPLE)]) == 0  # already in
    assert main(["show", "1", "--json"]) == 0
    assert main(["archive", "export", "--no-text"]) == 0
    cap = capsys.readouterr()
    both = cap.out + cap.err
    assert f":{password}@" not in both
    assert ":***@" in both
    assert main(["search", "--help"]) == 0
    assert f":{password}@" not in capsys.readouterr().out


def test_archive_export_into_a_folder_or_a_missing_folder(work: Path, archive: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    before = tree(work)
    one_line_error(capsys, ["archive", "--db", str(archive), "export", "--jsonl", str(work / "folder")], "--jsonl")
    one_line_error(capsys, ["archive", "--db", str(archive), "export", "--jsonl", str(work / "no" / "x.jsonl")],
                   "does not exist")
    assert tree(work) == before


def test_db_naming_another_programs_sqlite_file_is_left_alone(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import sqlite3

    other = work / "other.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE notes (t TEXT)")
    before = other.read_bytes()
    one_line_error(capsys, ["archive", "--db", str(other), "add", str(EXAMPLE)], "not a Shencha archive")
    one_line_error(capsys, ["search", "x", "--db", str(other)], "not a Shencha archive")
    assert other.read_bytes() == before


def test_report_of_a_missing_or_folder_jsonl(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (work / "recs.jsonl").mkdir()
    before = tree(work)
    one_line_error(capsys, ["report", str(work / "gone.jsonl"), "--out", str(work / "out")], "no such file")
    one_line_error(capsys, ["report", str(work / "recs.jsonl"), "--out", str(work / "out")], "is a folder")
    one_line_error(capsys, ["units", str(work / "gone.jsonl")], "no such file")
    assert tree(work) == before
