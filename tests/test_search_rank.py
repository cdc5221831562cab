"""Ranking and the fast paths of SQLite search, each against its plain definition: the word index
without positions (term frequency from its markers), candidates checked on their own text
(``needle_pattern``), totals estimated over id windows, index rows computed on code point arrays."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus import SearchFilters, open_store, prepare
from corpus.query import matches, matches_text, parse_query
from corpus.sqlite_schema import word_row
from corpus.textindex import (
    _RUNS,
    _clean,
    _tokenizer,
    char_grams,
    exact_fold,
    fold,
    needle_pattern,
    squeeze,
    tokens_from_words,
    tokens_of,
)
from tests.archive_helpers import gen_text, synthetic_record

# characters whose folds differ (scripts, widths, cases, a fold that is not idempotent) and whitespace
ALPHABET = "发發髮展整改落實实到位 \u3000\n\tＡａAb薴苧苎ςσΣ１1，。"


def _grams_by_definition(text: str) -> set[str]:
    grams: set[str] = set()
    for run in _RUNS.findall(squeeze(exact_fold(text))):
        grams.update(run)
        grams.update(map(str.__add__, run, run[1:]))
    return grams


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(ALPHABET) | st.characters(max_codepoint=0x2FFFF, exclude_categories=["Cs"]),
               max_size=80))
def test_char_grams_are_the_runs_and_their_pairs(text: str) -> None:
    row = char_grams(text)
    grams = row.split(" ") if row else []
    assert len(grams) == len(set(grams))
    assert set(grams) == _grams_by_definition(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(ALPHABET), max_size=60), st.integers(0, 59), st.integers(1, 6),
       st.text(alphabet=st.sampled_from(ALPHABET), min_size=1, max_size=6))
def test_a_candidate_is_checked_on_its_own_text_as_on_its_fold(text: str, at: int, k: int, other: str) -> None:
    stream = squeeze(exact_fold(text))
    for needle in (stream[at : at + k], squeeze(exact_fold(other))):
        if needle:
            assert (needle in stream) == (needle_pattern(needle).search(text) is not None), needle
    if squeeze(exact_fold(other)).strip("，。"):  # a term the index can look for
        node = parse_query(f'"{other}" -实')
        assert node is not None and matches_text(node, text) == matches(node, stream)


def test_tokens_are_python_jiebas_search_mode() -> None:
    import opencc

    s2t = opencc.OpenCC("s2t")
    texts = [gen_text(i, 400) for i in range(6)] + [s2t.convert(gen_text(9, 400)), "ＧＤＰ增長8.5%，PM2.5下降；2011-2020年"]
    for text in texts:
        want: list[str] = []
        for tok in _tokenizer().cut_for_search(fold(text), HMM=True):  # what the word index held before
            if tok.isalnum():
                want.append(tok.lower())
            elif tok.strip():
                want.extend(_clean(tok))
        assert tokens_of(text) == want
        assert tokens_from_words(_tokenizer().lcut(fold(text), HMM=True)) == want


def test_word_row_marks_words_that_repeat() -> None:
    row, n = word_row("整改 落实 整改 整改 整改 群众 落实")
    assert n == 7
    assert row.split() == ["整改", "落实", "群众", "整改\ue002", "落实\ue002", "整改\ue004"]


def _store_with(tmp_path: Path, texts: list[str], **kw):  # noqa: ANN202 - (store, ids)
    store = open_store(str(tmp_path / "r.sqlite"))
    ids = [store.add(prepare(synthetic_record(t, date=f"20{10 + i % 3}-0{1 + i % 9}-01", **kw)))[0]
           for i, t in enumerate(texts)]
    return store, ids


def test_more_occurrences_rank_first(tmp_path: Path) -> None:
    filler = "各项工作稳步推进，群众满意度提高。" * 12
    texts = [f"第{k}号，" + filler + "招商引资，税务部门。" * n + filler for k, n in enumerate((1, 6, 2, 1))]
    store, ids = _store_with(tmp_path, [*texts, filler * 2])
    # 税务 (two characters) is ranked from the word index, 招商引资 (a small checked set) from the texts
    for q in ("税务", "招商引资"):
        res = store.search(q, limit=10)
        assert [h.id for h in res.hits] == [ids[1], ids[2], ids[3], ids[0]], q  # 6, 2, then 1 newest first
        scores = [h.score for h in res.hits]
        assert scores[0] == 100.0 and scores[1] > scores[2] == scores[3] > 0, q
        assert res.total == 4 and not res.approximate
    store.close()


def test_large_result_sets_are_estimated_and_every_hit_matches(tmp_path: Path) -> None:
    rng = random.Random(4)
    texts = [gen_text(i, 300) + ("税务征管" if rng.random() < 0.5 else "") for i in range(160)]
    store, ids = _store_with(tmp_path, texts)
    by_id = dict(zip(ids, texts, strict=True))
    full = {q: store.search(q, limit=200) for q in ("方", "务征管", "整改落实")}
    store.FACET_CAP, store.FACET_SAMPLE, store.WINDOWS = 30, 40, 4  # the archive is small: make it look large
    store.VERIFY_ALL, store.VERIFY_SAMPLE = 5, 12
    for q, f in (("方", None), ("务征管", None), ("整改落实", None), ("务征管", SearchFilters(since="2011-01-01"))):
        truth = {i for i, t in by_id.items() if squeeze(exact_fold(q)) in squeeze(exact_fold(t))}
        if f is not None:
            truth = set(store.match_ids(q, f))
        res = store.search(q, f, limit=10)
        assert res.approximate, q
        assert len(res.hits) == 10 and {h.id for h in res.hits} <= truth, q
        assert 0.5 * len(truth) <= res.total <= 1.6 * len(truth), (q, res.total, len(truth))
        assert sum(res.facets["type"].values()) == pytest.approx(res.total, rel=0.2)
        if f is None:  # the first page is the same page as over the whole set
            assert [h.id for h in res.hits] == [h.id for h in full[q].hits[:10]], q
        paged = [h.id for k in range(0, 40, 10) for h in store.search(q, f, limit=10, offset=k).hits]
        assert len(paged) == len(set(paged)) and set(paged) <= truth, q
    store.close()


@pytest.mark.parametrize("workers", [1, 2])
def test_screening_words_give_the_tokens_without_a_second_segmentation(tmp_path: Path, samples_dir: Path,
                                                                      monkeypatch: pytest.MonkeyPatch,
                                                                      workers: int) -> None:
    """In this process or in worker processes, the records bring their words: no second segmentation."""
    import corpus.textindex
    from shencha.archiving import archive_paths
    from shencha.screener import Screener, screening_words

    sc = Screener()
    for name in ("plan-table-traditional.docx", "analysis-good.pdf", "speech.txt"):
        doc = sc.screen_document(samples_dir / name)
        words = screening_words(doc, sc.profile)
        assert words is not None and tokens_from_words(words) == tokens_of(doc.text), name

    def second_segmentation(*a: object, **k: object) -> list[str]:
        raise AssertionError("the text was segmented again")

    monkeypatch.setattr(corpus.textindex, "tokens_of", second_segmentation)
    store = open_store(str(tmp_path / "w.sqlite"))
    outs = archive_paths(store, [samples_dir / "plan-table-traditional.docx", samples_dir / "speech.txt"],
                         workers=workers)
    assert [o.status for o in outs] == ["added", "added"]
    monkeypatch.undo()
    assert store.search("整改").hits
    store.close()
