"""Exact search on both backends: every document that contains a string is found, in either script.

The archive is built from generated documents (tests/archive_helpers.py), half of them converted
to traditional script, so the ground truth is a plain substring test on the stored texts.
"""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from corpus import SearchFilters, open_store, prepare
from corpus.archive import ARCHIVE_SCHEMA_VERSION
from corpus.search import QueryError, exact_fold, squeeze
from tests.archive_helpers import gen_text, new_schema, pg_url_for_schema, require_postgres, synthetic_record

N_DOCS = 40


def _texts() -> list[str]:
    import opencc

    s2t = opencc.OpenCC("s2t")
    out = []
    for i in range(N_DOCS):
        t = gen_text(i, 500) + ("税务部门" if i % 5 == 0 else "") + ("，医院里" if i % 7 == 0 else "")
        out.append(s2t.convert(t) if i % 2 else t)
    return out


def _fill(store) -> dict[int, str]:  # noqa: ANN001 - a Store
    texts = {}
    for i, t in enumerate(_texts()):
        doc_id, _ = store.add(prepare(synthetic_record(t, date=f"20{10 + i % 3}-01-01",
                                                       doc_type=["other", "work_report"][i % 2],
                                                       script="traditional" if i % 2 else "simplified")))
        texts[doc_id] = t
    return texts


@pytest.fixture(scope="module")
def lite(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - (store, texts)
    store = open_store(str(tmp_path_factory.mktemp("exact") / "a.sqlite"))
    texts = _fill(store)
    yield store, texts
    store.close()


@pytest.fixture(scope="module")
def pg():  # noqa: ANN201 - (store, texts)
    require_postgres()
    store = open_store(pg_url_for_schema(new_schema()))
    texts = _fill(store)
    yield store, texts
    store.drop()
    store.close()


def _truth(texts: dict[int, str], q: str) -> set[int]:
    n = squeeze(exact_fold(q))
    return {i for i, t in texts.items() if n in squeeze(exact_fold(t))}


def _strings(texts: dict[int, str], n: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    out: list[str] = []
    ts = list(texts.values())
    while len(out) < n:
        t = rng.choice(ts)
        k = rng.randint(1, 6)
        a = rng.randrange(len(t) - k)
        q = t[a : a + k]
        if any(c.isalnum() for c in q) and not q.startswith("-"):
            out.append(q)
    return out


@pytest.mark.parametrize("backend", ["lite", "pg"])
def test_random_strings_miss_nothing(backend: str, request: pytest.FixtureRequest) -> None:
    store, texts = request.getfixturevalue(backend)
    for q in _strings(texts, 80):
        want = {i for i, t in texts.items() if q in t}  # as cut, in its own script
        got = set(store.match_ids(q))
        assert want <= got, q
        assert got == _truth(texts, q), q  # and nothing but the documents that contain its fold
        hits = store.search(q, limit=N_DOCS, facets=False)
        assert {h.id for h in hits.hits} == got and hits.total == len(got), q


@pytest.mark.parametrize("backend", ["lite", "pg"])
def test_single_character_and_boundary_strings(backend: str, request: pytest.FixtureRequest) -> None:
    store, texts = request.getfixturevalue(backend)
    tax = {i for i, t in texts.items() if "税" in t or "稅" in t}
    assert len(tax) == N_DOCS // 5
    for q in ("税", "稅"):  # either script
        res = store.search(q, limit=N_DOCS)
        assert {h.id for h in res.hits} == tax and res.total == len(tax)
    # strings that cross jieba's word boundaries (方面要 = 方面 + 要, 要整 = 要 + 整改…)
    for q in ("方面要", "面要整", "实方", "，做到", "务部"):
        assert set(store.match_ids(q)) == _truth(texts, q), q
        assert store.match_ids(q), q


@pytest.mark.parametrize("backend", ["lite", "pg"])
def test_exclusion_and_operators(backend: str, request: pytest.FixtureRequest) -> None:
    store, texts = request.getfixturevalue(backend)
    hosp = _truth(texts, "医院")
    tax = _truth(texts, "税务")
    assert hosp and tax
    assert set(store.match_ids("税务 -医院")) == tax - hosp
    assert set(store.match_ids("税务 -医院里")) == tax - _truth(texts, "医院里")  # verified NOT (3 chars)
    assert set(store.match_ids("税务 OR 医院")) == tax | hosp
    assert {h.id for h in store.search("-醫院 税务", limit=N_DOCS).hits} == tax - hosp
    for q in ("AND", "*", "。", "OR NOT", "-医院"):
        with pytest.raises(QueryError):
            store.search(q)


@pytest.mark.parametrize("backend", ["lite", "pg"])
def test_hostile_arguments_give_the_query_error(backend: str, request: pytest.FixtureRequest) -> None:
    store, _ = request.getfixturevalue(backend)
    for q in ("(" * 3000 + "整改", "NOT " * 401 + "整改", "整改\udcff"):
        with pytest.raises(QueryError):
            store.search(q)
    with pytest.raises(QueryError):
        store.search("整改", SearchFilters(unit="横\udcc3"))
    for kw in ({"limit": 2**64}, {"offset": 2**63}, {"limit": -1}):
        with pytest.raises(QueryError):
            store.search("整改", **kw)


@pytest.mark.parametrize("backend", ["lite", "pg"])
def test_scores_are_readable_and_ranked(backend: str, request: pytest.FixtureRequest) -> None:
    store, _ = request.getfixturevalue(backend)
    res = store.search("整改落实", limit=N_DOCS)  # in every document: idf ~ 0 in FTS5 (scores like 6e-06)
    assert res.hits and res.hits[0].score == 100.0
    assert [h.rank for h in res.hits] == list(range(1, len(res.hits) + 1))
    assert all(0 <= h.score <= 100 and h.score == round(h.score, 1) for h in res.hits)
    scores = [h.score for h in res.hits]
    assert scores == sorted(scores, reverse=True)
    second = store.search("整改落实", limit=5, offset=5)
    assert [h.id for h in second.hits] == [h.id for h in res.hits[5:10]]
    assert [h.rank for h in second.hits] == list(range(6, 11))


def test_same_results_on_both_backends(lite, pg) -> None:
    (a, ta), (b, tb) = lite, pg
    assert list(ta.values()) == list(tb.values())
    for q in ("税", "整改落实 -医院", '"方面要"', "领导班子 OR 村务公开", "调查研究 医疗服务"):
        ra, rb = a.search(q, limit=N_DOCS), b.search(q, limit=N_DOCS)
        assert ra.total == rb.total and ra.facets == rb.facets, q
        assert [h.id for h in ra.hits if h.score == 0] == [h.id for h in rb.hits if h.score == 0], q
        assert {h.id for h in ra.hits} == {h.id for h in rb.hits}, q


def test_a_schema_2_archive_is_migrated_in_place(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An archive written before the character index (schema 2) gets it on open, for writers and readers."""
    db = tmp_path / "old.sqlite"
    store = open_store(str(db))
    texts = _fill(store)
    store.close()
    c = sqlite3.connect(db)
    c.executescript("DROP TABLE doc_chars; DELETE FROM meta WHERE key = 'grams';"
                    " UPDATE meta SET value = '2' WHERE key = 'schema_version';")
    c.close()
    capsys.readouterr()
    reader = open_store(str(db), readonly=True)  # `shencha search` opens read-only: it migrates once
    assert "upgrading the archive" in capsys.readouterr().err
    assert set(reader.match_ids("税")) == _truth(texts, "税")
    assert reader.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(ARCHIVE_SCHEMA_VERSION)
    reader.close()
    store = open_store(str(db))
    assert "upgrading" not in capsys.readouterr().err  # once
    assert store.integrity() == []
    assert set(store.match_ids("方面要")) == _truth(texts, "方面要")
    store.close()


def test_refresh_keeps_the_character_index_consistent(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "r.sqlite"))
    rec = synthetic_record(gen_text(1) + "独有字串甲乙")
    doc_id, _ = store.add(prepare(rec))
    other, _ = store.add(prepare(synthetic_record(gen_text(5))))
    for k in (2, 3):  # same hash, new text (a re-extraction), twice: the word row moves each time
        store.add(prepare(dict(rec, text=gen_text(k) + "独有字串丙丁")))
        assert store.match_ids("甲乙") == [] and doc_id in store.match_ids(gen_text(k)[5:9])
        assert store.integrity() == []
        hits = store.search("丙丁", limit=5).hits
        assert [h.id for h in hits] == [doc_id]
        ranked = {h.id: h.score for h in store.search("整改落实", limit=5).hits}
        assert set(ranked) == {doc_id, other} and min(ranked.values()) > 0  # both ranked by their words
    store.add(prepare(dict(rec, text=gen_text(3) + "独有字串丙丁")))  # same text: the indexes are left alone
    assert store.integrity() == [] and store.db.execute("SELECT count(*) FROM fts_dead").fetchone()[0] == 2
    store.close()
