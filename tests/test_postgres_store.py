"""The PostgreSQL backend against a real server: same features and same results as the SQLite store.

Needs the server from .ci/steps/20-postgres.sh (URL: $SHENCHA_TEST_PG or the default in
tests/archive_helpers.py). Skipped without it, failing instead under SHENCHA_REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from corpus import LedgerFilters, SearchFilters, open_store, prepare
from corpus.postgres_store import PostgresStore
from shencha.archiving import archive_paths, rescreen
from shencha.cli import main
from tests.archive_helpers import commitment, gen_text, new_schema, pg_url_for_schema, require_postgres

# the sample documents (tests/samples.py) of every type, format and script
PICK = ["analysis-good.pdf", "analysis-weak.docx", "news.txt", "plan-prose-big5.txt", "plan-table-traditional.docx",
        "plan-table.pdf", "speech.txt"]
QUERIES = ["整改", "整改落實", '"整改落实"', '"淘汰落后产能"', "群众 OR 淘汰", "整改 NOT 医院", "(医院 OR 社区) 整改",
           "科学发展观", "班子 -群众", '"限期整改"', ""]


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory, samples_dir: Path):  # noqa: ANN201 - (sqlite, postgres, ids, src)
    require_postgres()
    src = tmp_path_factory.mktemp("pgin")
    for n in PICK:
        shutil.copy(samples_dir / n, src / n)
    lite = open_store(str(tmp_path_factory.mktemp("pgdb") / "a.sqlite"))
    pg = open_store(pg_url_for_schema(new_schema()))
    assert isinstance(pg, PostgresStore)
    outs = archive_paths(lite, [src])
    # the PostgreSQL archive gets the same records (screened once) in the same order
    for o in outs:
        rec = lite.get(o.id)
        pg.add(prepare(rec, name=rec["name"]), Path(o.path))
    ids = {Path(o.path).name: o.id for o in outs}
    yield lite, pg, ids, src
    pg.drop()
    pg.close()
    lite.close()


@pytest.mark.parametrize("q", QUERIES)
def test_same_results_as_sqlite(pair, q: str) -> None:
    lite, pg, _, _ = pair
    a, b = lite.search(q, limit=50), pg.search(q, limit=50)
    assert a.total == b.total
    assert {h.id for h in a.hits} == {h.id for h in b.hits}
    assert a.facets == b.facets
    if q == "" or not a.hits:
        assert [h.id for h in a.hits] == [h.id for h in b.hits]
    sa = {h.id: h.snippet for h in a.hits}
    assert all(sa[h.id] == h.snippet for h in b.hits)


def test_phrase_ranks_the_same_top(pair) -> None:
    lite, pg, _, _ = pair
    for q in ('"淘汰落后产能"', '"整改落实"'):
        assert lite.search(q).hits[0].id == pg.search(q).hits[0].id


@pytest.mark.parametrize("f", [SearchFilters(area="livelihood"), SearchFilters(doc_type="rectification_plan"),
                               SearchFilters(unit="枫林镇"), SearchFilters(since="2009-06-15"),
                               SearchFilters(until="2009-06"), SearchFilters(flagged=True),
                               SearchFilters(gap="commitment_missing_deadline")])
def test_same_filters(pair, f: SearchFilters) -> None:
    lite, pg, _, _ = pair
    for q in ("整改", ""):
        a, b = lite.search(q, f, limit=50), pg.search(q, f, limit=50)
        assert a.total == b.total and {h.id for h in a.hits} == {h.id for h in b.hits}


def test_same_ledger(pair) -> None:
    lite, pg, _, _ = pair
    for f in (None, LedgerFilters(owner="鎮教育辦"), LedgerFilters(area="livelihood"),
              LedgerFilters(overdue_as_of="2009-10-01"), LedgerFilters(unit="枫林镇")):
        assert lite.commitments(f) == pg.commitments(f)


def test_records_originals_and_dedupe(pair) -> None:
    lite, pg, ids, src = pair
    i = ids["plan-table-traditional.docx"]
    a, b = lite.get(i), pg.get(i)
    for k in ("sha256", "name", "text", "unit", "date", "doc_type", "problems", "commitments", "gaps", "work_report"):
        assert a[k] == b[k], k
    assert pg.original(i) == ("plan-table-traditional.docx", (src / "plan-table-traditional.docx").read_bytes())
    outs = archive_paths(pg, [src / "plan-table-traditional.docx"])
    assert [o.status for o in outs] == ["skipped"] and pg.count() == len(PICK)
    assert pg.index_size() > 0 and pg.integrity() == []


def test_rescreen_and_ledger_on_postgres(samples_dir: Path) -> None:
    require_postgres()
    pg = open_store(pg_url_for_schema(new_schema()))
    try:
        rec = {"path": "x.txt"}
        from tests.archive_helpers import synthetic_record

        rec = synthetic_record(gen_text(3), unit="石門鎮黨委", commitments=[
            commitment("年底前完成", owner="鎮建設辦", deadline="2009-12-31"),
            commitment("立即整改", owner=None, deadline=None)])
        doc_id, created = pg.add(prepare(rec), (samples_dir / "speech.txt"))
        assert created
        again, created2 = pg.add(prepare(rec), None)
        assert again == doc_id and not created2 and pg.count() == 1
        complete, incomplete = pg.commitments(LedgerFilters(unit="石门镇"))
        assert len(complete) == 1 and incomplete[0]["missing"] == ["owner", "deadline"]
        pg.db.execute("UPDATE documents SET pipeline = 'old'")
        outs = rescreen(pg)
        assert [o.status for o in outs] == ["refreshed"]
        assert pg.get(doc_id)["doc_type"] == "meeting_speech"  # screened from the kept original
    finally:
        pg.drop()
        pg.close()


def test_concurrent_reader_and_atomic_add() -> None:
    require_postgres()
    url = pg_url_for_schema(new_schema())
    w = open_store(url)
    r = open_store(url)
    try:
        from tests.archive_helpers import synthetic_record

        w.add(prepare(synthetic_record(gen_text(0))))
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
        for i in range(1, 20):
            w.add(prepare(synthetic_record(gen_text(i))))
        stop.set()
        t.join()
        assert not errors and r.count() == 20
        bad = prepare(synthetic_record(gen_text(99)))
        bad.gaps = [{"seq": 0, "code": "x"}, {"seq": 0, "code": "dup"}]  # primary key clash mid-transaction
        with pytest.raises(Exception):  # noqa: B017
            w.add(bad)
        assert w.lookup(bad.sha256) is None and w.count() == 20
    finally:
        r.close()
        w.drop()
        w.close()


def test_cli_with_postgres_url(pair, capsys: pytest.CaptureFixture[str]) -> None:
    _, pg, ids, _ = pair
    assert main(["search", "整改落實", "--db", pg.url, "--limit", "2"]) == 0
    assert "«整改落實»" in capsys.readouterr().out
    assert main(["show", str(ids["plan-table.pdf"]), "--db", pg.url]) == 0
    assert "commitments (5)" in capsys.readouterr().out
    assert main(["commitments", "--db", pg.url, "--json"]) == 0
