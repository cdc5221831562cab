"""The classifiers' estimator for training: ``TextClassifier`` (scikit-learn contract).

Only training imports this module (and scikit-learn with it); screening uses the fitted arrays
(``classifiers.linear.LinearTextModel``), with the same arithmetic.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from .features import identity
from .linear import N_FEATURES, LinearTextModel, linear_proba


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
            ("hash", HashingVectorizer(analyzer=identity, n_features=N_FEATURES, alternate_sign=False, norm=None,
                                       lowercase=False)),
            ("tfidf", TfidfTransformer(sublinear_tf=True)),
            ("lr", LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=3000, random_state=0)),
        ])
        self.pipeline_.fit(X, y)
        self.classes_ = self.pipeline_.classes_
        # The fitted parts of the fast path (same arithmetic as the pipeline, without its per-call checks).
        lr = self.pipeline_.named_steps["lr"]
        self.n_features_ = N_FEATURES
        self.idf_ = self.pipeline_.named_steps["tfidf"].idf_.astype(np.float64)
        self.coef_T_ = np.ascontiguousarray(lr.coef_.T)
        self.intercept_ = lr.intercept_.copy()
        return self

    def predict_proba(self, X: list[list[str]]) -> np.ndarray:
        """Class probabilities; equal to ``pipeline_.predict_proba`` (a test checks it)."""
        return linear_proba(X, self.idf_, self.coef_T_, self.intercept_, self.n_features_)

    def predict(self, X: list[list[str]]) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def compact(self) -> LinearTextModel:
        """The fitted arrays, for screening (no scikit-learn needed to use them)."""
        return LinearTextModel.from_estimator(self)
