"""The classifiers' estimator and the trained bundle: ``TextClassifier`` (scikit-learn contract) and ``Models``.

Training, caching and loading live above the stages, in ``shencha.train``.
"""

from __future__ import annotations

from dataclasses import dataclass
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
from pipeline.segment import cut

from .features import identity, sentence_features


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
