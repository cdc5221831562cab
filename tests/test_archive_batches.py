"""Documents stored a batch per transaction (``Store.add_many``, ``shencha.archiving._Batches``): the same
archive as one transaction per document, all or nothing per batch, outcomes in input order."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import shencha.archiving as archiving
from corpus import open_store, prepare
from corpus.base import Store
from tests.archive_helpers import (
    commitment,
    gen_text,
    new_schema,
    pg_url_for_schema,
    require_postgres,
    synthetic_record,
)

QUERIES = ["整改落实", '"领导班子方面"', "村务公开 OR 医疗服务", "第3号材料", "限时", "整改 -医疗服务", "改落"]


def _records() -> list[dict[str, Any]]:
    """Eight documents, then one of them again with new text (a refresh), then another one again unchanged."""
    recs = [synthetic_record(gen_text(i), unit=f"第{i % 3}镇", date=f"2009-0{1 + i % 9}-01", commitments=[
        commitment(f"第{i}项承诺年底前完成", owner="镇建设办", deadline="2009-12-31")] if i % 2 else None,
        gaps=[{"code": "no_cause_analysis", "message": "m", "evidence": "", "term": ""}] if i % 3 == 0 else None)
        for i in range(8)]
    recs.append(dict(recs[2], text=gen_text(2) + "追加的独有字串", commitments=[]))  # same hash, new text
    recs.append(dict(recs[5]))  # same hash, same text
    return recs


def _state(store: Store) -> dict[str, Any]:
    """What a reader sees: records, search results per query, facets."""
    recs = {}
    for i in store.ids():
        rec = store.get(i)
        assert rec is not None
        recs[i] = {k: rec[k] for k in ("sha256", "text", "unit", "commitments", "gaps", "doc_type")}
    hits = {q: [(h.id, round(h.score, 6)) for h in store.search(q, limit=20).hits] for q in QUERIES}
    return {"records": recs, "hits": hits, "facets": store.search("整改", limit=1).facets}


def _add_one_by_one(store: Store, recs: list[dict[str, Any]]) -> list[tuple[int, bool]]:
    return [store.add(prepare(r), str(i).encode() * 10) for i, r in enumerate(recs)]


def _add_in_batches(store: Store, recs: list[dict[str, Any]], size: int) -> list[tuple[int, bool]]:
    out: list[tuple[int, bool]] = []
    for a in range(0, len(recs), size):
        out += store.add_many([(prepare(r), str(a + k).encode() * 10) for k, r in enumerate(recs[a : a + size])])
    return out


@pytest.mark.parametrize("size", [3, 10])
def test_a_batch_stores_what_one_by_one_stores(tmp_path: Path, size: int) -> None:
    recs = _records()
    one = open_store(str(tmp_path / "one.sqlite"))
    many = open_store(str(tmp_path / f"many{size}.sqlite"))
    try:
        assert _add_in_batches(many, recs, size) == _add_one_by_one(one, recs)
        assert many.add_many([]) == []
        assert _state(many) == _state(one)
        assert many.integrity() == [] and one.integrity() == []
        assert many.count() == 8
        assert many.search("追加的独有字串").total == 1 and many.search("第2号材料追加").total == 0
        for i in many.ids():  # every original kept
            assert many.original(i) == one.original(i)
    finally:
        one.close()
        many.close()


def test_a_failed_batch_stores_nothing(tmp_path: Path) -> None:
    """A write fails in the middle of a batch: none of the batch's documents is stored, the archive stays whole."""
    store = open_store(str(tmp_path / "a.sqlite"))
    try:
        store.add(prepare(synthetic_record(gen_text(0))))
        docs = [prepare(synthetic_record(gen_text(i))) for i in range(1, 5)]
        docs[2].gaps = [{"seq": 0, "code": "x"}, {"seq": 0, "code": "dup"}]  # primary key clash
        with pytest.raises(sqlite3.IntegrityError):
            store.add_many([(d, b"original") for d in docs])
        assert store.count() == 1 and all(store.lookup(d.sha256) is None for d in docs)
        assert store.integrity() == []
        assert store.add_many([(d, None) for d in docs[:2]]) == [(2, True), (3, True)]
        assert store.search("第1号材料").total == 1 and store.integrity() == []
    finally:
        store.close()


def test_postgres_batch_stores_what_sqlite_stores(tmp_path: Path) -> None:
    require_postgres()
    recs = _records()
    lite = open_store(str(tmp_path / "lite.sqlite"))
    pg = open_store(pg_url_for_schema(new_schema()))
    try:
        got = _add_in_batches(pg, recs, 4)
        assert [c for _, c in got] == [c for _, c in _add_in_batches(lite, recs, 4)]
        assert len({i for i, _ in got}) == 8 and pg.count() == 8
        for q in QUERIES:
            assert pg.search(q).total == lite.search(q).total, q
        bad = [prepare(synthetic_record(gen_text(i))) for i in range(20, 23)]
        bad[1].gaps = [{"seq": 0, "code": "x"}, {"seq": 0, "code": "dup"}]
        with pytest.raises(Exception):  # noqa: B017 - the driver's integrity error
            pg.add_many([(d, b"x") for d in bad])
        assert pg.count() == 8 and all(pg.lookup(d.sha256) is None for d in bad)
    finally:
        lite.close()
        pg.drop()  # type: ignore[attr-defined]
        pg.close()


def _inputs(folder: Path, n: int) -> list[Path]:
    folder.mkdir()
    files = []
    for i in range(n):
        p = folder / f"doc-{i:02d}.txt"
        p.write_text(gen_text(i), encoding="utf-8")
        files.append(p)
    return files


def _fake_screening(stop_after: int | None = None):  # noqa: ANN202 - the replacement of archiving._screened
    """Records without the pipeline: every fifth input fails; ``stop_after`` records, then Ctrl-C."""

    def screened(files: list[str], **_: object) -> Iterator[dict[str, Any]]:
        for k, f in enumerate(files):
            if stop_after is not None and k == stop_after:
                raise KeyboardInterrupt
            if k % 5 == 4:
                yield {"path": f, "errors": [{"code": "E104", "message": "unreadable"}]}
                continue
            rec = synthetic_record(Path(f).read_text(encoding="utf-8"), name=f)
            yield rec

    return screened


def test_outcomes_come_in_input_order_once_stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = _inputs(tmp_path / "in", 23)
    store = open_store(str(tmp_path / "a.sqlite"))
    batches: list[int] = []
    real = store.add_many

    def add_many(items):  # noqa: ANN001, ANN202
        batches.append(len(items))
        return real(items)

    monkeypatch.setattr(store, "add_many", add_many)
    monkeypatch.setattr(archiving, "_screened", _fake_screening())
    seen: list[tuple[str, str, bool]] = []
    outs = archiving.archive_paths(store, files, on_outcome=lambda o: seen.append(
        (Path(o.path).name, o.status, o.id is None or store.exists(o.id))))
    try:
        assert [n for n, _, _ in seen] == [f.name for f in files]  # input order
        assert all(stored for _, _, stored in seen)  # reported once stored
        assert [s for _, s, _ in seen] == ["failed" if k % 5 == 4 else "added" for k in range(23)]
        assert [o.status for o in outs] == [s for _, s, _ in seen]
        assert batches == [4, 8, 7]  # 4, 8, 16 … documents per transaction; the rest at the end
        assert store.count() == 19 and store.integrity() == []
    finally:
        store.close()


def test_an_interrupted_batch_keeps_what_was_screened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = _inputs(tmp_path / "in", 12)
    store = open_store(str(tmp_path / "a.sqlite"))
    monkeypatch.setattr(archiving, "_screened", _fake_screening(stop_after=7))
    seen: list[str] = []
    try:
        with pytest.raises(KeyboardInterrupt):
            archiving.archive_paths(store, files, on_outcome=lambda o: seen.append(o.status))
        assert seen == ["added"] * 4 + ["failed"] + ["added"] * 2  # the seven screened, stored and reported
        assert store.count() == 6 and store.integrity() == []
        monkeypatch.setattr(archiving, "_screened", _fake_screening())
        again = [o.status for o in archiving.archive_paths(store, files)]
        assert (again.count("refreshed"), again.count("added"), again.count("failed")) == (6, 4, 2)
        assert store.count() == 10 and store.integrity() == []
    finally:
        store.close()
