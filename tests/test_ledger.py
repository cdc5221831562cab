"""The commitment ledger's statuses (open, done: 销号; overdue computed) and removing documents, on both
backends (PostgreSQL where the test server runs; SHENCHA_REQUIRE_SERVICES=1 makes its absence a failure)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corpus import ArchiveError, LedgerFilters, QueryError, Store, open_store, prepare
from corpus.archive import ARCHIVE_SCHEMA_VERSION
from corpus.ledger import commitment_key, commitment_keys, parse_commitment_id
from shencha.cli import main
from tests.archive_helpers import (
    commitment,
    gen_text,
    new_schema,
    pg_url_for_schema,
    require_postgres,
    synthetic_record,
)

PLAN = [("9月底前由镇招商办完成园区道路硬化", "镇招商办", "2009-09-30"),
        ("年底前完成农村饮水工程", "镇水利所", "2009-12-31"),
        ("立即整改会风会纪", None, "2009-08-01"),
        ("长期坚持调查研究", "镇党委", None)]


def plan_record(seed: int = 1, *, prefix: str = "", texts: list[tuple[str, str | None, str | None]] | None = None,
                sha: str | None = None) -> dict[str, Any]:
    """A rectification plan with the commitments ``texts`` at their offsets in the text (after ``prefix``)."""
    items = texts or PLAN
    body = prefix + gen_text(seed, 200)
    coms = []
    for text, owner, deadline in items:
        c = commitment(text, owner=owner, deadline=deadline)
        c["start"], c["end"] = len(body), len(body) + len(text)
        body += text + "。"
        coms.append(c)
    rec = synthetic_record(body, unit="中共石门镇委员会", commitments=coms)
    if sha:
        rec["sha256"] = sha  # the same document screened again (rescreen refreshes in place by hash)
    return rec


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "postgres":
        require_postgres()
        s = open_store(pg_url_for_schema(new_schema()))
        try:
            yield s
        finally:
            s.drop()  # type: ignore[attr-defined]
            s.close()
    else:
        s = open_store(str(tmp_path / "ledger.sqlite"))
        yield s
        s.close()


def ids_of(store: Store, f: LedgerFilters | None = None) -> dict[str, str]:
    complete, incomplete = store.commitments(f)
    return {r["text"]: r["id"] for r in complete + incomplete}


def statuses(store: Store, f: LedgerFilters | None = None) -> dict[str, str]:
    complete, incomplete = store.commitments(f)
    return {r["text"]: r["status"] for r in complete + incomplete}


# ------------------------------------------------------------------ ids


def test_ledger_commitment_key_ignores_whitespace_width_and_end_punctuation() -> None:
    assert commitment_key("年底前完成 农村饮水工程。") == commitment_key("年底前完成农村饮水工程")
    assert commitment_key("９月底前完成") == commitment_key("9月底前完成")  # full-width digits (NFKC)
    assert commitment_key("年底前完成") != commitment_key("年底前完成饮水")
    k = commitment_keys(["长期坚持", "立即整改", "长期坚持", "长期坚持"])
    assert k[0] != k[1] and k[2] == k[0] + "-2" and k[3] == k[0] + "-3"
    assert parse_commitment_id(f"12-{k[2]}") == (12, k[2])
    for bad in ("12", "x-1234abcd", "12-1234abc", "12-1234abcd-0", "-1234abcd", "12-1234abcd-", ""):
        assert parse_commitment_id(bad) is None, bad


# ------------------------------------------------------------------ statuses on both backends


def test_ledger_lists_ids_and_open_by_default(store: Store) -> None:
    doc_id, _ = store.add(prepare(plan_record()))
    complete, incomplete = store.commitments(LedgerFilters(as_of="2009-07-01"))
    assert [r["status"] for r in complete + incomplete] == ["open"] * 4
    assert all(r["id"].startswith(f"{doc_id}-") and parse_commitment_id(r["id"]) for r in complete + incomplete)
    assert len({r["id"] for r in complete + incomplete}) == 4
    assert all(r["status_note"] is None and r["status_at"] is None for r in complete)


def test_ledger_set_done_then_filters_and_overdue_is_computed(store: Store) -> None:
    store.add(prepare(plan_record()))
    ids = ids_of(store)
    road, water, meeting = (ids[t] for t, _, _ in PLAN[:3])
    out = store.set_commitment_status([road], "done", note="已验收，见镇办〔2009〕12号", by="张三")
    assert out[0]["id"] == road and out[0]["status_by"] == "张三" and out[0]["status_at"]
    as_of = LedgerFilters(as_of="2009-10-15")
    assert statuses(store, as_of) == {PLAN[0][0]: "done", PLAN[1][0]: "open", PLAN[2][0]: "overdue",
                                      PLAN[3][0]: "open"}
    done = store.commitments(LedgerFilters(status="done", as_of="2009-10-15"))
    assert [r["id"] for r in done[0]] == [road] and done[1] == []
    assert done[0][0]["status_note"] == "已验收，见镇办〔2009〕12号" and done[0][0]["status_by"] == "张三"
    # open: everything not done, the overdue one among them; overdue: open and late (undated ones cannot be checked)
    assert set(statuses(store, LedgerFilters(status="open", as_of="2009-10-15"))) == {t for t, _, _ in PLAN[1:]}
    late, undated = store.commitments(LedgerFilters(status="overdue", as_of="2010-01-15"))
    assert [r["id"] for r in late] == [water]  # the road is done, so not overdue though its deadline passed
    assert [r["id"] for r in undated] == [meeting, ids[PLAN[3][0]]]
    assert store.commitments(LedgerFilters(overdue_as_of="2010-01-15")) == (late, undated)
    # open again, with who and why
    store.set_commitment_status([road], "open", note="复查未通过", by="李四")
    assert statuses(store, LedgerFilters(as_of="2009-09-01"))[PLAN[0][0]] == "open"


def test_ledger_status_survives_a_rescreen_at_shifted_offsets_and_a_re_add(store: Store) -> None:
    rec = plan_record()
    doc_id, _ = store.add(prepare(rec))
    road = ids_of(store)[PLAN[0][0]]
    store.set_commitment_status([road], "done", note="ok")
    # the same document screened again: the text (and every offset) moved, the commitments are the same
    again = plan_record(prefix="（此件已重新识别）\n" * 3, sha=rec["sha256"])
    assert again["commitments"][0]["start"] != rec["commitments"][0]["start"]
    assert store.add(prepare(again)) == (doc_id, False)
    assert ids_of(store)[PLAN[0][0]] == road
    assert statuses(store)[PLAN[0][0]] == "done"
    assert store.add(prepare(rec)) == (doc_id, False)  # re-adding the original record
    assert statuses(store)[PLAN[0][0]] == "done"
    assert store.ledger_orphans() == []


def test_ledger_status_of_a_commitment_no_longer_found_is_kept_unlisted(store: Store) -> None:
    rec = plan_record()
    doc_id, _ = store.add(prepare(rec))
    road = ids_of(store)[PLAN[0][0]]
    store.set_commitment_status([road], "done", note="ok", by="张三")
    cut = plan_record(texts=[("9月底前由镇招商办完成园区道路硬化和绿化", "镇招商办", "2009-09-30"), *PLAN[1:]],
                      sha=rec["sha256"])
    store.add(prepare(cut))
    assert road not in ids_of(store).values()
    assert [o["id"] for o in store.ledger_orphans()] == [road]
    assert store.ledger_orphans()[0]["status"] == "done" and store.ledger_orphans()[0]["status_by"] == "张三"
    assert store.commitments(LedgerFilters(status="done"))[0] == []
    with pytest.raises(ArchiveError) as e:  # an orphan cannot be set: it is not in the ledger
        store.set_commitment_status([road], "open")
    assert e.value.code == "E309"
    store.add(prepare(rec))  # a later screening finds it again: its status is back
    assert statuses(store)[PLAN[0][0]] == "done" and store.ledger_orphans() == []


def test_ledger_set_refuses_unknown_ids_and_bad_values_setting_nothing(store: Store) -> None:
    doc_id, _ = store.add(prepare(plan_record()))
    road = ids_of(store)[PLAN[0][0]]
    for bad in (f"{doc_id}-00000000", f"{doc_id + 1}-{road.split('-')[1]}", "not-an-id", "12"):
        with pytest.raises(ArchiveError) as e:
            store.set_commitment_status([road, bad], "done")
        assert e.value.code == "E309" and e.value.exit_status == 2
    assert set(statuses(store).values()) == {"open", "overdue"}  # nothing was set
    for status, kw in (("closed", {}), ("done", {"note": "x" * 5000}), ("done", {"by": "\udcff"}),
                       ("done", {"note": "\ud800"})):
        with pytest.raises(QueryError) as q:
            store.set_commitment_status([road], status, **kw)
        assert q.value.code == "E306"
    with pytest.raises(QueryError) as q:
        store.commitments(LedgerFilters(status="late"))
    assert q.value.code == "E306"
    with pytest.raises(QueryError):
        store.commitments(LedgerFilters(as_of="next week"))


# ------------------------------------------------------------------ remove


def test_archive_remove_takes_the_document_and_everything_it_brought(store: Store) -> None:
    keep, _ = store.add(prepare(synthetic_record(gen_text(5) + "留存文件独有字串")), b"kept original")
    gone, _ = store.add(prepare(plan_record(2, prefix="删除文件独有字串")), b"removed original")
    store.set_commitment_status([next(iter(ids_of(store).values()))], "done")
    assert store.match_ids("删除文件独有字串") == [gone]
    assert store.remove([gone]) == [gone]
    assert store.count() == 1 and store.get(gone) is None and store.original(gone) is None
    assert store.match_ids("删除文件独有字串") == []  # the exact character index
    assert store.search("删除文件独有字串").total == 0 and store.search("", limit=5).total == 1
    assert store.commitments() == ([], []) and store.ledger_orphans() == []
    for table in ("findings", "gaps", "tags", "sources", "ledger_status"):
        assert store.db.execute(f"SELECT count(*) FROM {table} WHERE doc_id = {gone}").fetchone()[0] == 0, table
    assert store.original(keep)[1] == b"kept original"
    assert store.match_ids("留存文件独有字串") == [keep]
    assert store.integrity() == []  # type: ignore[attr-defined]
    # an unknown id: E300, and nothing is removed
    with pytest.raises(ArchiveError) as e:
        store.remove([keep, gone])
    assert e.value.code == "E300" and str(gone) in e.value.message and store.count() == 1
    # ids are never given out again
    new, created = store.add(prepare(plan_record(2, prefix="删除文件独有字串")), b"again")
    assert created and new > gone
    assert store.match_ids("删除文件独有字串") == [new] and store.integrity() == []  # type: ignore[attr-defined]


def test_archive_remove_deletes_the_kept_original_file(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "a.sqlite"))
    doc_id, _ = store.add(prepare(plan_record()), b"original bytes")
    kept = [p for p in store.files.rglob("*") if p.is_file()]  # type: ignore[attr-defined]
    assert len(kept) == 1 and kept[0].read_bytes() == b"original bytes"
    store.remove([doc_id])
    assert not kept[0].exists() and not kept[0].parent.exists()
    store.close()


# ------------------------------------------------------------------ schema 3 archives


def test_a_schema_3_sqlite_archive_gets_commitment_ids(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite"
    store = open_store(str(db))
    store.add(prepare(plan_record()))
    want = store.commitments()
    store.close()
    c = sqlite3.connect(db)
    c.executescript("DROP TABLE ledger_status; ALTER TABLE findings DROP COLUMN cid;"
                    " UPDATE meta SET value = '3' WHERE key = 'schema_version';")
    c.close()
    reader = open_store(str(db), readonly=True)  # `shencha commitments` opens read-only: it migrates once
    assert reader.commitments() == want
    assert reader.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(ARCHIVE_SCHEMA_VERSION)
    reader.close()


def test_a_schema_3_postgres_archive_gets_commitment_ids() -> None:
    require_postgres()
    url = pg_url_for_schema(new_schema())
    store = open_store(url)
    try:
        store.add(prepare(plan_record()))
        want = store.commitments()
        store.db.execute("DROP TABLE ledger_status")
        store.db.execute("ALTER TABLE findings DROP COLUMN cid")
        store.db.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
        again = open_store(url)
        assert again.commitments() == want
        again.close()
    finally:
        store.drop()  # type: ignore[attr-defined]
        store.close()


# ------------------------------------------------------------------ the command line


def test_cli_commitments_set_list_and_remove(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "cli.sqlite")
    with open_store(db) as s:
        doc_id, _ = s.add(prepare(plan_record()))
    assert main(["commitments", "--db", db, "--as-of", "2009-10-15"]) == 0
    out = capsys.readouterr().out
    ids = {t: i for t, i in ids_of(open_store(db)).items()}
    assert all(i in out for i in ids.values()) and "overdue" in out
    road, water = ids[PLAN[0][0]], ids[PLAN[1][0]]
    assert main(["commitments", "set", road, water, "--status", "done", "--note", "已完成", "--by", "王五",
                 "--db", db]) == 0
    assert f"{road}: done" in capsys.readouterr().out
    assert main(["commitments", "--status", "done", "--json", "--db", db]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {r["id"] for r in data["commitments"]} == {road, water}
    assert all(r["status_note"] == "已完成" and r["status_by"] == "王五" for r in data["commitments"])
    assert main(["commitments", "--status", "done", "--db", db]) == 0
    assert "已销号" in (out := capsys.readouterr().out) and "by 王五: 已完成" in out
    assert main(["commitments", "--overdue", "--as-of", "2010-01-01", "--json", "--db", db]) == 0
    assert [r["status"] for r in json.loads(capsys.readouterr().out)["commitments"]] == []
    # unknown ids: one coded line, exit 2, nothing changed
    for argv, code in ((["commitments", "set", f"{doc_id}-00000000", "--status", "done"], "E309"),
                       (["archive", "remove", str(doc_id), "99"], "E300")):
        argv = [*argv, "--db", db] if argv[0] == "commitments" else ["archive", "--db", db, *argv[1:]]
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and err.startswith(f"shencha: [{code}] {db}: ") and "Traceback" not in err
    assert open_store(db).count() == 1
    assert main(["archive", "--db", db, "remove", str(doc_id)]) == 0
    assert f"removed #{doc_id}; 0 documents" in capsys.readouterr().out
    assert main(["show", str(doc_id), "--db", db]) == 2
    assert "[E300]" in capsys.readouterr().err


def test_rescreen_of_a_real_document_keeps_its_statuses(samples_dir: Path, tmp_path: Path) -> None:
    from shencha.archiving import archive_paths, rescreen

    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(samples_dir / "plan-table-traditional.docx", src)
    store = open_store(str(tmp_path / "r.sqlite"))
    (out,) = archive_paths(store, [src])
    complete, incomplete = store.commitments()
    picked = [r["id"] for r in (complete + incomplete)[:3]]
    store.set_commitment_status(picked, "done", note="销号")
    assert [o.status for o in rescreen(store, all_docs=True)] == ["refreshed"]
    complete, incomplete = store.commitments()
    assert {r["id"] for r in complete + incomplete if r["status"] == "done"} == set(picked)
    assert store.ledger_orphans() == [] and out.id is not None
    store.close()
