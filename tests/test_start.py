"""Start-up: the models screening loads (arrays, memory-mapped, scikit-learn's numbers to the bit), what a
screening run imports, and the fork server that loads them once for its workers."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifiers.linear import (
    DictLinearModel,
    Linear,
    LinearTextModel,
    Vocabulary,
    hashed_counts,
    linear_proba,
    murmurhash3_32,
)
from classifiers.models import Models, featurise_text, read_tsv
from classifiers.store import looks_complete, read_bundle, write_bundle

ROOT = Path(__file__).resolve().parents[1]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=40), max_size=40))
def test_murmurhash_is_scikit_learns(keys: list[str]) -> None:
    from sklearn.utils.murmurhash import murmurhash3_32 as reference

    assert murmurhash3_32(keys).tolist() == [int(reference(k, seed=0)) for k in keys]


def test_murmurhash_of_long_keys_is_scikit_learns() -> None:
    from sklearn.utils.murmurhash import murmurhash3_32 as reference

    keys = ["a" * n for n in (63, 64, 65, 66, 67, 1000)] + ["科" * 22, "w:" + "x1" * 5000, "短"]
    assert murmurhash3_32(keys).tolist() == [int(reference(k, seed=0)) for k in keys]


@pytest.fixture(scope="module")
def sentences(profile) -> list[list[str]]:  # noqa: ANN001 - a Profile
    rows = [t for f in sorted(profile.training.glob("*.tsv")) for _, t in read_tsv(f)][:600]
    X = [featurise_text(t, profile) for t in rows]
    return [*X[:3], [], *X[3:], ["w:重复", "w:重复", "b:重复"], []]  # empty rows and repeated features too


def test_hashed_counts_are_the_feature_hashers_matrix(sentences: list[list[str]]) -> None:
    from sklearn.feature_extraction import FeatureHasher

    ref = FeatureHasher(n_features=2**18, input_type="string", alternate_sign=False).transform(sentences).tocoo()
    rows, cols, counts = hashed_counts(sentences)
    assert rows.tolist() == ref.row.tolist() and cols.tolist() == ref.col.tolist()
    assert counts.tolist() == ref.data.tolist()


def _scipy_proba(X: list[list[str]], idf: np.ndarray, coef_T: np.ndarray, intercept: np.ndarray) -> np.ndarray:
    """The probabilities as scipy.sparse computed them before (FeatureHasher, csr products)."""
    from sklearn.feature_extraction import FeatureHasher

    H = FeatureHasher(n_features=2**18, input_type="string", alternate_sign=False).transform(X).tocsr()
    np.log(H.data, out=H.data)
    H.data += 1.0
    H = H.multiply(idf).tocsr()
    norms = np.sqrt(np.asarray(H.multiply(H).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    scores = (H @ coef_T) / norms[:, None] + intercept
    if scores.shape[1] == 1:
        p = 1.0 / (1.0 + np.exp(-scores[:, 0]))
        return np.column_stack([1 - p, p])
    scores -= scores.max(axis=1, keepdims=True)
    np.exp(scores, out=scores)
    return scores / scores.sum(axis=1, keepdims=True)


def test_numpy_arithmetic_gives_the_scipy_numbers_to_the_bit(screener, sentences: list[list[str]]) -> None:  # noqa: ANN001
    for model in (screener.models.kinds, screener.models.areas):
        for X in (sentences, sentences[:1], sentences[3:4], [[]]):
            got = linear_proba(X, model.idf_, model.coef_T_, model.intercept_)
            assert np.array_equal(got, _scipy_proba(X, model.idf_, model.coef_T_, model.intercept_))


def test_the_estimator_and_its_arrays_give_the_same_probabilities(sentences: list[list[str]]) -> None:
    from classifiers.models import TextClassifier

    labels = ["a", "b", "c"]
    est = TextClassifier().fit(sentences[:120], [labels[i % 3] for i in range(120)])
    arrays = est.compact()
    assert isinstance(arrays, LinearTextModel) and list(arrays.classes_) == labels
    assert np.array_equal(arrays.predict_proba(sentences), est.predict_proba(sentences))
    assert np.allclose(arrays.predict_proba(sentences), est.pipeline_.predict_proba(sentences))
    binary = TextClassifier().fit(sentences[:40], ["x" if i % 2 else "y" for i in range(40)]).compact()
    assert binary.predict_proba(sentences[:5]).shape == (5, 2)


def _bundle() -> Models:
    rng = np.random.default_rng(0)
    kinds = LinearTextModel(np.array(["p", "q"]), rng.random(64) + 1, rng.standard_normal((64, 1)), np.zeros(1), 64)
    areas = LinearTextModel(np.array(["x", "y", "z"]), rng.random(64) + 1, rng.standard_normal((64, 3)), rng.random(3), 64)
    doc_type = DictLinearModel(np.array(["r", "s", "t"]), {"dict": Vocabulary({"f:a": 0, "f:b": 1}),
                                                           "lr": Linear(rng.standard_normal((3, 2)), rng.random(3))})
    return Models(kinds=kinds, areas=areas, doc_type=doc_type, key="k1", counts={"roles": 2})


def test_a_model_file_is_read_back_memory_mapped(tmp_path: Path) -> None:
    import mmap

    models, path = _bundle(), tmp_path / "models-x-k1.pkl"
    write_bundle(models, path)
    back = read_bundle(path)
    assert back.key == "k1" and back.counts == {"roles": 2}
    for a, b in ((back.kinds.coef_T_, models.kinds.coef_T_), (back.areas.idf_, models.areas.idf_),
                 (back.doc_type.named_steps["lr"].coef_, models.doc_type.named_steps["lr"].coef_)):
        assert np.array_equal(a, b) and not a.flags.writeable
        base = a
        while isinstance(base, np.ndarray):
            base = base.base
        assert isinstance(base, memoryview) and isinstance(base.obj, mmap.mmap)  # a view of the file, not a copy
    X = [["f1", "f2", "f2"], []]
    assert np.array_equal(back.areas.predict_proba(X), models.areas.predict_proba(X))
    assert back.doc_type.predict_proba([{"f:a": 1.0, "f:c": 2.0}]).shape == (1, 3)
    assert looks_complete(path)


def test_a_damaged_or_foreign_model_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.pkl"
    write_bundle(_bundle(), path)
    raw = path.read_bytes()
    (tmp_path / "cut.pkl").write_bytes(raw[: len(raw) - 100])
    (tmp_path / "old.pkl").write_bytes(pickle.dumps({"a pickle": "of an older cache"}))
    (tmp_path / "empty.pkl").write_bytes(b"")
    for name in ("cut.pkl", "old.pkl", "empty.pkl"):
        assert not looks_complete(tmp_path / name)
        with pytest.raises(ValueError):
            read_bundle(tmp_path / name)


def test_the_model_cache_key_names_the_libraries_the_models_depend_on() -> None:
    from shencha.cache import _library_versions

    libs = dict(part.split("=", 1) for part in _library_versions().split(";"))
    assert {"scikit-learn", "numpy", "scipy", "jieba", "rjieba", "opencc"} <= set(libs)
    assert libs["numpy"] == np.__version__


def _run(code: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=300, check=False)


def test_screening_imports_neither_scikit_learn_nor_scipy_nor_spacy(screener, samples_dir: Path) -> None:  # noqa: ANN001
    files = [str(samples_dir / n) for n in ("speech.txt", "analysis-weak.docx", "plan-table.pdf")]
    proc = _run("import json, sys\n"
                "from shencha.screener import Screener\n"
                f"recs = [Screener().screen(f) for f in {files!r}]\n"
                "assert all(r['doc_type'] and not r['errors'] for r in recs), recs\n"
                "print(json.dumps(sorted(m for m in ('sklearn', 'scipy', 'spacy', 'jieba') if m in sys.modules)))")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == []


def test_the_spacy_doc_is_built_when_asked_for(screener, samples_dir: Path) -> None:  # noqa: ANN001
    doc = screener.screen_document(samples_dir / "speech.txt")
    sd = doc.spacy_doc
    assert sd._doc is None  # screening never built it
    assert len(sd.spans["problems"]) == len(doc.problems) and sd.text == doc.analysis
    assert [t.text for t in sd][:3] == doc.sentences[0].words[:3]


def test_the_fork_server_loads_the_models_and_tokenizer_before_forking(screener) -> None:  # noqa: ANN001
    proc = _run("import gc, json\n"
                "import shencha.warm\n"
                "from shencha.train import get_models\n"
                "from pipeline.segment import get_tokenizer\n"
                "print(json.dumps([get_models.cache_info().currsize, get_tokenizer.cache_info().currsize,"
                " gc.get_freeze_count() > 0]))",
                SHENCHA_WARM=json.dumps({"profile": "campaign-2009"}))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == [1, 1, True]


def test_a_fork_server_asked_for_an_unknown_profile_still_starts() -> None:
    proc = _run("import shencha.warm\nprint('up')", SHENCHA_WARM=json.dumps({"profile": "no-such-profile"}))
    assert proc.returncode == 0 and proc.stdout.strip() == "up", proc.stderr


def test_one_document_in_worker_processes_gives_the_in_process_record(screener, samples_dir: Path) -> None:  # noqa: ANN001
    from shencha.batch import screen_paths

    path = str(samples_dir / "plan-prose-big5.txt")
    (pooled,) = list(screen_paths([path], workers=2, timeout=60))
    (local,) = list(screen_paths([path], workers=1))
    assert {k: v for k, v in pooled.items() if k != "stats"} == {k: v for k, v in local.items() if k != "stats"}
