"""Train, cache and load the bundled models.

Models are trained from ``classifiers/data`` (written for Shencha; never the gold set) with
``random_state=0``, so the same data gives the same model. The trained bundle is cached in
Shencha's cache folder under a key that hashes the training data, the profile and the code
that featurises, so a change to any of them retrains on next use. ``shencha train`` (or
``python -m classifiers.models``) builds the cache ahead of time.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import pickle
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction import FeatureHasher
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from pipeline.normalise import fold_width, to_simplified
from pipeline.profile import Profile
from pipeline.segment import cache_dir, cut

from .features import identity, sentence_features

DATA = Path(__file__).parent / "data"
_LOCK = threading.Lock()
log = logging.getLogger("shencha.models")


class TextClassifier(ClassifierMixin, BaseEstimator):
    """TF-IDF over pre-computed features + logistic regression (scikit-learn estimator contract).

    Args:
        C: Inverse regularisation strength.
        class_weight: Passed to ``LogisticRegression``.
    """

    def __init__(self, C: float = 4.0, class_weight: str | None = "balanced") -> None:
        self.C = C
        self.class_weight = class_weight

    def fit(self, X: list[list[str]], y: list[str]) -> TextClassifier:
        # Hashing (in C) is faster than a vocabulary lookup in Python for the per-document predict.
        self.pipeline_ = Pipeline([
            ("hash", HashingVectorizer(analyzer=identity, n_features=2**18, alternate_sign=False, norm=None,
                                       lowercase=False)),
            ("tfidf", TfidfTransformer(sublinear_tf=True)),
            ("lr", LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=3000, random_state=0)),
        ])
        self.pipeline_.fit(X, y)
        self.classes_ = self.pipeline_.classes_
        # The fitted parts of the fast path (same arithmetic as the pipeline, without its per-call checks).
        lr = self.pipeline_.named_steps["lr"]
        self.hasher_ = FeatureHasher(n_features=2**18, input_type="string", alternate_sign=False)
        self.idf_ = self.pipeline_.named_steps["tfidf"].idf_.astype(np.float64)
        self.coef_T_ = np.ascontiguousarray(lr.coef_.T)
        self.intercept_ = lr.intercept_.copy()
        return self

    def predict_proba(self, X: list[list[str]]) -> np.ndarray:
        """Class probabilities; equal to ``pipeline_.predict_proba`` (a test checks it), computed
        directly because per-call input validation cost more than the arithmetic on short documents."""
        H = self.hasher_.transform(X).tocsr()
        np.log(H.data, out=H.data)
        H.data += 1.0
        H = H.multiply(self.idf_).tocsr()
        norms = np.sqrt(np.asarray(H.multiply(H).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        scores = (H @ self.coef_T_) / norms[:, None] + self.intercept_
        if scores.shape[1] == 1:  # binary: sklearn's sigmoid
            p = 1.0 / (1.0 + np.exp(-scores[:, 0]))
            return np.column_stack([1 - p, p])
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return scores

    def predict(self, X: list[list[str]]) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


@dataclass
class Models:
    """The trained bundle."""

    kinds: TextClassifier
    areas: TextClassifier
    doc_type: Any
    key: str
    counts: dict[str, int]


def read_tsv(path: Path) -> list[tuple[str, str]]:
    """``label<TAB>text`` lines; blank lines and ``#`` comments skipped."""
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        label, sep, text = line.partition("\t")
        if not sep or not text.strip():
            raise ValueError(f"{path.name}:{n}: expected 'label<TAB>text'")
        rows.append((label.strip(), text.strip()))
    return rows


def featurise_text(text: str, profile: Profile) -> list[str]:
    """Features of a free-standing sentence (training data, or text outside a Doc)."""
    a = to_simplified(fold_width(text))
    return sentence_features(a, cut(a, profile))


def _code_hash() -> str:
    """Hash of the code that featurises and trains, read when this module is imported.

    Reading it at import (not when a model is needed) keeps a long-running process that
    imported older code from caching a model under the key of newer code.
    """
    h = hashlib.sha256()
    here = Path(__file__).parent
    files = sorted(here.glob("*.py")) + sorted((here.parent / "extractors").glob("*.py"))
    files += [here.parent / "pipeline" / n for n in ("segment.py", "normalise.py", "ingest.py", "orchestrate.py")]
    for f in files:
        if f.exists():
            h.update(f.name.encode())
            h.update(f.read_bytes())
    return h.hexdigest()


_CODE_KEY = _code_hash()


def _library_versions() -> str:
    """The versions of the libraries a pickled model depends on (a model pickled by another version is retrained)."""
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for lib in ("scikit-learn", "numpy", "scipy", "jieba", "opencc"):
        try:
            out.append(f"{lib}={version(lib)}")
        except PackageNotFoundError:
            out.append(f"{lib}=?")
    return ";".join(out)


def _key(profile: Profile) -> str:
    h = hashlib.sha256(_CODE_KEY.encode())
    h.update(_library_versions().encode())
    files = sorted(DATA.rglob("*.tsv")) + sorted((DATA / "doctypes").glob("*.txt"))
    files += [profile.folder / "profile.yaml", profile.userdict]
    for f in files:
        if f.exists():
            h.update(f.name.encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


def model_key(profile: Profile) -> str:
    """The key of the models a screening with ``profile`` uses now (data, profile, code and library versions)."""
    return _key(profile)


def train(profile: Profile) -> Models:
    """Train every model from the bundled data (deterministic)."""
    kinds_rows = [row for f in sorted(DATA.glob("roles*.tsv")) for row in read_tsv(f)]
    kinds = TextClassifier(C=4.0).fit([featurise_text(t, profile) for _, t in kinds_rows], [lab for lab, _ in kinds_rows])
    area_rows = [row for f in sorted(DATA.glob("areas*.tsv")) for row in read_tsv(f)]
    for area, spec in profile.areas.items():
        area_rows.extend((area, cue) for cue in spec.get("cues", []))
    areas = TextClassifier(C=4.0).fit([featurise_text(t, profile) for _, t in area_rows], [lab for lab, _ in area_rows])
    models = Models(kinds=kinds, areas=areas, doc_type=None, key=_key(profile),
                    counts={"roles": len(kinds_rows), "areas": len(area_rows)})
    from .doc_type import train_doc_type  # needs the sentence models to featurise documents

    models.doc_type, n_docs = train_doc_type(models, profile)
    models.counts["doctypes"] = n_docs
    return models


@lru_cache(maxsize=4)
def get_models(profile: Profile) -> Models:
    """The trained bundle for ``profile``: from the cache, or trained now and cached."""
    key = _key(profile)
    path = cache_dir() / f"models-{profile.name}-{key}.pkl"
    with _LOCK:
        if path.exists():
            try:
                with path.open("rb") as fh:
                    models = pickle.load(fh)
                if isinstance(models, Models) and models.key == key:
                    return models
            except Exception:  # noqa: BLE001 - a stale or partial cache file is retrained
                pass
        log.info("training the models for profile %s (first run with this profile, data or code; about 20 s); "
                 "they are kept in %s", profile.name, path.parent)
        t0 = time.perf_counter()
        models = train(profile)
        tmp = path.with_suffix(f".{os.getpid()}.{id(models)}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump(models, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
        for stale in path.parent.glob(f"models-{profile.name}-*.pkl"):
            if stale != path:
                with contextlib.suppress(OSError):
                    stale.unlink()
        log.info("models %s trained in %.1f s: %s", key, time.perf_counter() - t0, models.counts)
        return models


if __name__ == "__main__":
    from pipeline.profile import load_profile

    m = get_models(load_profile())
    print(f"models {m.key}: {m.counts}")
