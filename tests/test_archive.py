"""The embedded archive (SQLite + FTS5) with real screening of the sample documents (tests/samples.py)."""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest

from corpus import LedgerFilters, SearchFilters, open_store, prepare
from corpus.archive import ARCHIVE_SCHEMA_VERSION
from corpus.sqlite_store import SqliteStore
from shencha.archiving import archive_paths, rescreen
from shencha.cli import main
from tests.archive_helpers import commitment, gen_text, synthetic_record

# Traditional and simplified documents of every type, format and encoding; two of them from one unit
# (中共枫林镇委员会 in simplified, 中共楓林鎮委員會 in traditional).
PICK = ["analysis-good.pdf", "analysis-weak.docx", "implementation-plan.docx", "news.txt", "plan-prose-big5.txt",
        "plan-table-traditional.docx", "plan-table.pdf", "speech.txt", "work-report-gb18030.txt"]


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory, samples_dir: Path) -> tuple[SqliteStore, dict[str, int], Path]:
    src = tmp_path_factory.mktemp("in")
    for n in PICK:
        shutil.copy(samples_dir / n, src / n)
    (src / "broken.docx").write_bytes(b"PK\x03\x04 not really a docx")
    db = tmp_path_factory.mktemp("db") / "archive.sqlite"
    store = open_store(str(db))
    assert isinstance(store, SqliteStore)
    outs = archive_paths(store, [src])
    ids = {Path(o.path).name: o.id for o in outs if o.id is not None}
    failed = [o for o in outs if o.status == "failed"]
    assert [Path(o.path).name for o in failed] == ["broken.docx"]
    return store, ids, src


def test_stored_with_findings_and_original(archive) -> None:
    store, ids, src = archive
    assert store.count() == len(PICK)
    rec = store.get(ids["plan-table-traditional.docx"])
    assert rec["name"] == "plan-table-traditional.docx" and rec["format"] == "docx" and rec["script"] == "traditional"
    assert rec["unit"] == "中共楓林鎮委員會" and rec["doc_type"] == "rectification_plan"
    assert "整改落實" in rec["text"]  # own script
    # one commitment per row of its table (8), the first row's owner in its own script
    assert len(rec["commitments"]) == 8 and rec["commitments"][0]["owner"] == "鎮經濟發展辦"
    assert "flag" in rec["work_report"]
    name, data = store.original(ids["plan-table-traditional.docx"])
    assert name == "plan-table-traditional.docx" and data == (src / "plan-table-traditional.docx").read_bytes()
    assert store.integrity() == []
    dated = store.get(ids["analysis-good.pdf"])
    assert dated["date"] == "2009-06-18" and dated["unit"] == "中共枫林镇委员会"


def test_script_folding(archive) -> None:
    store, ids, _ = archive
    trad = store.search("整改落實").hits
    simp = store.search("整改落实").hits
    assert [h.id for h in trad] == [h.id for h in simp]
    scripts = {h.script for h in simp}
    assert scripts == {"simplified", "traditional"}
    by_id = {h.id: h for h in simp}
    t = by_id[ids["plan-table-traditional.docx"]]
    assert "«整改落實»" in t.snippet  # highlighted in the document's own script
    s = by_id[ids["plan-table.pdf"]]
    assert "«整改落实»" in s.snippet
    assert store.search("整改").total >= store.search("整改落實").total


def test_phrase_vs_words(archive) -> None:
    from corpus.search import fold

    store, ids, _ = archive
    phrase = {h.id for h in store.search('"淘汰落后产能"', limit=50).hits}
    words = {h.id for h in store.search("淘汰 产能", limit=50).hits}
    assert phrase and phrase <= words
    # in both scripts: 淘汰落后产能 (analysis, simplified) and 淘汰落後產能 (the plan's table, traditional)
    assert {ids["analysis-good.pdf"], ids["plan-table-traditional.docx"]} <= phrase
    # phrases match exactly the documents whose (folded) text holds them, in either script
    for p in ("淘汰落后产能", "整改落實", "群众满意", "产能淘汰", "班子成员", "限期整改"):
        want = {i for i in ids.values() if fold(p) in fold(store.get(i)["text"])}
        assert {h.id for h in store.search(f'"{p}"', limit=50).hits} == want, p


def test_boolean(archive) -> None:
    store, _, _ = archive
    a = {h.id for h in store.search("医院", limit=50).hits}
    b = {h.id for h in store.search("社区", limit=50).hits}
    assert a - b and b - a and a & b  # the sets overlap without either holding the other
    assert {h.id for h in store.search("医院 OR 社区", limit=50).hits} == a | b
    assert {h.id for h in store.search("医院 社区", limit=50).hits} == a & b
    assert {h.id for h in store.search("医院 AND 社区", limit=50).hits} == a & b
    allx = {h.id for h in store.search("整改", limit=50).hits}
    assert {h.id for h in store.search("整改 NOT 医院", limit=50).hits} == allx - a
    assert {h.id for h in store.search("整改 -醫院", limit=50).hits} == allx - a
    assert {h.id for h in store.search("(医院 OR 社区) 整改", limit=50).hits} == (a | b) & allx


def test_ranking_is_bm25(archive) -> None:
    store, _, _ = archive
    res = store.search("群众 OR 淘汰", limit=50)
    scores = [h.score for h in res.hits]
    assert scores == sorted(scores, reverse=True)
    assert res.total == len(res.hits)


def test_filters_and_facets(archive) -> None:
    store, ids, _ = archive
    res = store.search("整改", limit=50)
    f = res.facets
    assert set(f) == {"area", "gap", "type", "unit", "year"}
    assert sum(f["type"].values()) == res.total
    for t, n in f["type"].items():
        assert store.search("整改", SearchFilters(doc_type=t)).total == n
    for a, n in f["area"].items():
        assert store.search("整改", SearchFilters(area=a)).total == n
    for g, n in f["gap"].items():
        assert store.search("整改", SearchFilters(gap=g)).total == n
    for y, n in f["year"].items():
        assert store.search("整改", SearchFilters(since=y, until=y)).total == n
    # units filter in either script
    fl = store.search("", SearchFilters(unit="枫林镇")).hits
    assert {h.id for h in fl} == {ids["analysis-good.pdf"], ids["plan-table-traditional.docx"]}
    assert store.search("", SearchFilters(unit="楓林鎮")).total == 2
    assert store.search("", SearchFilters(since="2009-07-01")).total == sum(
        1 for i in ids.values() if (store.get(i)["date"] or "") >= "2009-07-01")
    flagged = store.search("", SearchFilters(flagged=True), limit=50)
    assert all(store.get(h.id)["work_report"]["flag"] for h in flagged.hits)


def test_dedupe_and_sources(archive, tmp_path: Path) -> None:
    store, ids, src = archive
    copy = tmp_path / "again-under-another-name.txt"
    shutil.copy(src / "speech.txt", copy)
    outs = archive_paths(store, [copy, src / "speech.txt"])
    assert [o.status for o in outs] == ["skipped", "skipped"]
    assert outs[0].id == ids["speech.txt"]
    assert store.count() == len(PICK)


def test_rescreen_refreshes_outdated(archive) -> None:
    store, ids, src = archive
    i = ids["plan-prose-big5.txt"]
    before = store.get(i)
    store.db.execute("UPDATE documents SET pipeline = 'shencha 0.0.1; old' WHERE id = ?", (i,))
    store.db.execute("DELETE FROM findings WHERE doc_id = ?", (i,))  # as if an old pipeline found nothing
    # re-adding the same content after an upgrade refreshes it
    outs = archive_paths(store, [src / "plan-prose-big5.txt"])
    assert [o.status for o in outs] == ["refreshed"] and outs[0].id == i
    store.db.execute("UPDATE documents SET pipeline = 'shencha 0.0.1; old' WHERE id = ?", (i,))
    res = rescreen(store)
    statuses = {o.id: o.status for o in res}
    assert statuses[i] == "refreshed"
    assert all(s == "skipped" for k, s in statuses.items() if k != i)
    after = store.get(i)
    assert after["pipeline"] != "shencha 0.0.1; old"
    assert len(after["commitments"]) == len(before["commitments"]) == 6  # its six 一是…六是 items
    assert store.count() == len(PICK)
    assert store.integrity() == []


def test_concurrent_reader_while_adding(tmp_path: Path) -> None:
    db = tmp_path / "a.sqlite"
    w = open_store(str(db))
    w.add(prepare(synthetic_record(gen_text(0))))
    r = open_store(str(db), readonly=True)
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        try:
            while not stop.is_set():
                assert r.search("整改落实").total >= 1
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    t = threading.Thread(target=read)
    t.start()
    for i in range(1, 40):
        w.add(prepare(synthetic_record(gen_text(i))))
    stop.set()
    t.join()
    assert not errors
    assert r.search("", limit=100).total == 40
    r.close()
    w.close()


def test_wal_and_schema_version(tmp_path: Path) -> None:
    db = tmp_path / "a.sqlite"
    open_store(str(db)).close()
    c = sqlite3.connect(db)
    assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert c.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(ARCHIVE_SCHEMA_VERSION)
    c.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    c.commit()
    c.close()
    from corpus import ArchiveError

    with pytest.raises(ArchiveError):
        open_store(str(db))


def test_a_failed_write_leaves_nothing(tmp_path: Path) -> None:
    """The index insert (the last write of a document) fails: the document row and findings are rolled back."""
    store = open_store(str(tmp_path / "a.sqlite"))
    import corpus.sqlite_store as ss

    orig = ss.SqliteStore.add

    def broken(self, d, original=None):  # noqa: ANN001, ANN202
        self.db.execute("CREATE TEMP TRIGGER boom BEFORE INSERT ON doc_fts BEGIN SELECT RAISE(ABORT, 'boom'); END")
        try:
            return orig(self, d, original)
        finally:
            self.db.execute("DROP TRIGGER temp.boom")

    with pytest.raises(sqlite3.DatabaseError):
        broken(store, prepare(synthetic_record(gen_text(2), commitments=[
            commitment("甲", owner="乙", deadline="2009-01-01")])), b"x")
    assert store.count() == 0
    assert store.db.execute("SELECT count(*) FROM findings").fetchone()[0] == 0


def test_ledger_filters(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "l.sqlite"))
    store.add(prepare(synthetic_record(gen_text(1), unit="中共橫嶺鎮委員會", commitments=[
        commitment("9月底前由鎮招商辦完成", owner="鎮招商辦", deadline="2009-09-30", item="招商"),
        commitment("年底前完成道路硬化", owner="鎮建設辦", deadline="2009-12-31", area="livelihood"),
        commitment("立即整改", owner=None, deadline="2009-08-01", area="work_style"),
        commitment("長期堅持", owner="鎮黨委", deadline=None, area="work_style"),
    ])))
    store.add(prepare(synthetic_record(gen_text(2), unit="石门镇党委", commitments=[
        commitment("8月底前由镇招商办牵头", owner="镇招商办", deadline="2009-08-31"),
    ])))
    complete, incomplete = store.commitments()
    assert [c["deadline"] for c in complete] == ["2009-08-31", "2009-09-30", "2009-12-31"]
    assert [c["missing"] for c in incomplete] == [["owner"], ["deadline"]]
    assert len(store.commitments(LedgerFilters(owner="镇招商办"))[0]) == 2  # either script
    assert [c["area"] for c in store.commitments(LedgerFilters(area="livelihood"))[0]] == ["livelihood"]
    assert len(store.commitments(LedgerFilters(unit="石門鎮"))[0]) == 1
    due, apart = store.commitments(LedgerFilters(due_before="2009-10-01"))
    assert [c["deadline"] for c in due] == ["2009-08-31", "2009-09-30"]
    assert [c["text"] for c in apart] == ["立即整改", "長期堅持"]
    over, _ = store.commitments(LedgerFilters(overdue_as_of="2009-09-01"))
    assert [c["deadline"] for c in over] == ["2009-08-31"]


def test_cli_session(archive, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    store, ids, src = archive
    monkeypatch.setenv("SHENCHA_DB", store.url)
    assert main(["search", "整改落實", "--limit", "3"]) == 0
    out = capsys.readouterr().out
    assert "«整改落實»" in out and "type :" in out
    assert main(["search", '"整改落实" OR 群众', "--type", "rectification_plan", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total"] >= 1 and all(h["doc_type"] == "rectification_plan" for h in data["hits"])
    assert main(["search", "NOT 整改"]) == 2
    capsys.readouterr()
    assert main(["show", str(ids["plan-table-traditional.docx"])]) == 0
    assert "commitments (8)" in capsys.readouterr().out
    assert main(["commitments", "--overdue", "--as-of", "2009-09-01", "--json"]) == 0
    led = json.loads(capsys.readouterr().out)
    assert all(c["deadline"] < "2009-09-01" for c in led["commitments"])
    # July and August deadlines with an owner: two in the analysis, three rows of the table plan, one row of the PDF plan
    assert len(led["commitments"]) == 6
    assert main(["commitments", "--csv", "--owner", "镇教育办"]) == 0
    rows = capsys.readouterr().out.strip().splitlines()
    assert rows[0].startswith("\ufeff台账,完成时限,责任单位") and len(rows) == 3  # 镇教育办 (analysis) and 鎮教育辦 (plan)
    out_file = tmp_path / "all.jsonl"
    assert main(["archive", "export", "--jsonl", str(out_file)]) == 0
    lines = [json.loads(x) for x in out_file.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == store.count() and all("text" in x and "problems" in x for x in lines)
    got = tmp_path / "got.pdf"
    assert main(["archive", "get", str(ids["analysis-good.pdf"]), "-o", str(got)]) == 0
    assert got.read_bytes() == (src / "analysis-good.pdf").read_bytes()
    capsys.readouterr()
    assert main(["archive", "--db", str(tmp_path / "new.sqlite"), "add", str(src / "speech.txt"), "--silent"]) == 0
    assert "1 added" in capsys.readouterr().out
    assert main(["search", "民主生活会", "--db", str(tmp_path / "new.sqlite"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == 1


def test_default_db_url(monkeypatch, tmp_path: Path) -> None:
    from corpus import default_db_url

    monkeypatch.delenv("SHENCHA_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_db_url() == str(tmp_path / "shencha" / "archive.sqlite")
    monkeypatch.setenv("SHENCHA_DB", "/x/y.sqlite")
    assert default_db_url() == "/x/y.sqlite"


def test_schema_1_archive_is_migrated_with_the_same_search(tmp_path: Path) -> None:
    """An archive written before doc_facets existed gets them on open; results and facets are unchanged."""
    db = tmp_path / "old.sqlite"
    store = open_store(str(db))
    for i in range(12):
        store.add(prepare(synthetic_record(
            gen_text(i), unit=["中共橫嶺鎮委員會", "石门镇党委", None][i % 3], date=[None, "2009-06-01", "2010-01-02"][i % 3],
            doc_type=["rectification_plan", "other"][i % 2], flag=i % 4 == 0,
            commitments=[commitment("限时办结", owner="镇招商办", deadline=None, area=["economy", "livelihood"][i % 2])],
            gaps=[{"code": "no_cause_analysis", "message": "m"}] if i % 3 else [])))
    want = [(r.total, [h.id for h in r.hits], r.facets) for r in (
        store.search("整改落实", limit=5), store.search("", SearchFilters(unit="横岭")),
        store.search("领导班子", SearchFilters(area="livelihood", gap="no_cause_analysis")))]
    store.close()
    c = sqlite3.connect(db)
    c.executescript("DROP TABLE doc_facets; DROP TABLE facet_values;"
                    " UPDATE meta SET value = '1' WHERE key = 'schema_version';")
    c.close()
    store = open_store(str(db))
    got = [(r.total, [h.id for h in r.hits], r.facets) for r in (
        store.search("整改落实", limit=5), store.search("", SearchFilters(unit="横岭")),
        store.search("领导班子", SearchFilters(area="livelihood", gap="no_cause_analysis")))]
    assert got == want and want[0][2]["area"] and want[1][0] == 4
    assert store.db.execute("SELECT count(*) FROM doc_facets").fetchone()[0] == 12
    store.close()


def test_reader_facets_follow_the_writer(tmp_path: Path) -> None:
    """A reader's cached facet arrays pick up documents added and refreshed by another connection."""
    db = tmp_path / "f.sqlite"
    w = open_store(str(db))
    r = open_store(str(db), readonly=True)
    w.add(prepare(synthetic_record(gen_text(0), unit="石门镇党委", date="2009-05-01")))
    assert r.search("整改落实").facets["year"] == {"2009": 1}
    for i in range(1, 6):
        w.add(prepare(synthetic_record(gen_text(i), unit="中共橫嶺鎮委員會", date=f"201{i % 2}-01-01",
                                       doc_type="work_report", gaps=[{"code": "vague_measures", "message": "m"}])))
    # the first document again, refreshed with another type, unit and year
    w.add(prepare(synthetic_record(gen_text(0), unit="横岭镇", date="2011-02-03", doc_type="work_report")))
    fresh = open_store(str(db), readonly=True)
    for q, f in (("整改落实", None), ("", None), ("", SearchFilters(doc_type="work_report")),
                 ("整改落实", SearchFilters(gap="vague_measures"))):
        a, b = r.search(q, f), fresh.search(q, f)
        assert (a.total, a.facets) == (b.total, b.facets)
    assert r.search("").facets["type"] == {"work_report": 6}
    assert r.search("").facets["year"] == {"2010": 2, "2011": 4}
    for s in (r, fresh, w):
        s.close()
