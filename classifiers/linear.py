"""The trained classifiers in the form screening uses: arrays and the arithmetic of ``predict_proba``.

Training fits scikit-learn estimators (``classifiers.estimator``, ``shencha.train``); screening
needs only what they learned — the idf weights, the coefficients, the intercepts, the
doc-type vocabulary — and the arithmetic that turns features into probabilities. Keeping
that here, in numpy alone, means a screening run never imports scikit-learn (about a second)
nor scipy (a tenth), and the arrays can be memory-mapped from the model cache and shared by
every worker process (``classifiers.store``).

``hashed_counts`` is scikit-learn's ``FeatureHasher`` (MurmurHash3, x86 32-bit, seed 0, of
the UTF-8 bytes; bucket ``|h| mod n``; duplicates summed) computed over all features at once,
and ``linear_proba`` does the pipeline's arithmetic in the same order, so the probabilities
are the fitted pipeline's to the last bit (tests check both).
"""

from __future__ import annotations

import itertools
import struct
from dataclasses import dataclass, field
from typing import Any

import numpy as np

N_FEATURES = 2**18

_C1, _C2 = np.uint32(0xCC9E2D51), np.uint32(0x1B873593)


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


_LONG = 64  # keys of more UTF-8 bytes are hashed one by one (rare: a long run of Latin letters or digits)
_M32 = 0xFFFFFFFF


def _murmur_one(data: bytes) -> int:
    """MurmurHash3 (x86, 32-bit, seed 0) of one byte string, unsigned."""
    h, n = 0, len(data)
    for (k,) in struct.iter_unpack("<I", data[: n - n % 4]):
        k = (k * 0xCC9E2D51) & _M32
        k = ((k << 15) | (k >> 17)) & _M32
        h ^= (k * 0x1B873593) & _M32
        h = ((h << 13) | (h >> 19)) & _M32
        h = (h * 5 + 0xE6546B64) & _M32
    tail = int.from_bytes(data[n - n % 4 :], "little")
    if n % 4:
        k = (tail * 0xCC9E2D51) & _M32
        k = ((k << 15) | (k >> 17)) & _M32
        h ^= (k * 0x1B873593) & _M32
    h ^= n
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & _M32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & _M32
    return h ^ (h >> 16)


def murmurhash3_32(keys: list[str]) -> np.ndarray:
    """MurmurHash3 (x86, 32-bit, seed 0) of each key's UTF-8 bytes, as int32 — scikit-learn's
    ``murmurhash3_32(key, seed=0)``: the short keys (all but a rare few) in a few numpy passes over
    them all, zero-padded to the longest of them; longer ones one by one."""
    enc = [k.encode("utf-8") for k in keys]
    n = len(enc)
    lens = np.fromiter(map(len, enc), dtype=np.int64, count=n)
    out = np.zeros(n, dtype=np.uint32)
    long = np.flatnonzero(lens > _LONG)
    for i in long:
        out[i] = _murmur_one(enc[i])
    if long.size:
        short = np.flatnonzero(lens <= _LONG)
        enc = [enc[i] for i in short]
        lens = lens[short]
    else:
        short = slice(None)
    out[short] = _murmur_short(enc, lens)
    return out.view(np.int32)


def _murmur_short(enc: list[bytes], lens: np.ndarray) -> np.ndarray:
    n = len(enc)
    nblocks = lens >> 2
    width = int(nblocks.max(initial=0)) + 1  # 4-byte words per key, one more for the tail (zero-padded)
    flat = np.frombuffer(b"".join(enc), dtype=np.uint8)
    starts = np.cumsum(lens) - lens
    buf = np.zeros(n * width * 4, dtype=np.uint8)
    buf[np.repeat(np.arange(n, dtype=np.int64) * (width * 4) - starts, lens) + np.arange(flat.size)] = flat
    words = buf.view("<u4").reshape(n, width)
    h = np.zeros(n, dtype=np.uint32)
    with np.errstate(over="ignore"):
        for j in range(width - 1):
            k = _rotl(words[:, j] * _C1, 15) * _C2
            h = np.where(j < nblocks, _rotl(h ^ k, 13) * np.uint32(5) + np.uint32(0xE6546B64), h)
        # the 0-3 tail bytes are the (zero-padded) word after the last full block; no tail hashes to 0
        h ^= _rotl(words[np.arange(n), nblocks] * _C1, 15) * _C2
        h ^= lens.astype(np.uint32)
        h ^= h >> np.uint32(16)
        h *= np.uint32(0x85EBCA6B)
        h ^= h >> np.uint32(13)
        h *= np.uint32(0xC2B2AE35)
        h ^= h >> np.uint32(16)
    return h


# Each process remembers the column of every feature it has hashed (features recur from sentence to
# sentence and document to document: a document's are nearly all known after the first few hundred).
_COLUMNS: dict[int, dict[str, int]] = {}
_COLUMNS_MAX = 1_000_000  # features remembered per table before it starts again


def feature_columns(flat: list[str], n_features: int = N_FEATURES) -> np.ndarray:
    """The hashed column of each feature, ``|murmurhash3_32(f)| mod n_features``, through the process's memo."""
    memo = _COLUMNS.setdefault(n_features, {})
    cols = np.fromiter(map(memo.get, flat, itertools.repeat(-1)), dtype=np.int64, count=len(flat))
    missing = np.flatnonzero(cols < 0)
    if missing.size:
        new = list(dict.fromkeys(flat[i] for i in missing))
        hashed = np.abs(murmurhash3_32(new).astype(np.int64)) % n_features
        if len(memo) + len(new) > _COLUMNS_MAX:
            memo.clear()
        memo.update(zip(new, hashed.tolist(), strict=True))
        cols[missing] = [memo[flat[i]] for i in missing]
    return cols


def hashed_counts(X: list[list[str]], n_features: int = N_FEATURES) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Token counts in hashed columns, as ``(rows, columns, counts)`` row by row, columns ascending in a row:
    the entries of ``FeatureHasher(n_features, input_type="string", alternate_sign=False).transform(X)``."""
    flat = [f for x in X for f in x]
    cols = feature_columns(flat, n_features)
    rows = np.repeat(np.arange(len(X), dtype=np.int64), [len(x) for x in X])
    keys, counts = np.unique(rows * n_features + cols, return_counts=True)
    return keys // n_features, keys % n_features, counts.astype(np.float64)


def linear_proba(X: list[list[str]], idf: np.ndarray, coef_T: np.ndarray, intercept: np.ndarray,
                 n_features: int = N_FEATURES) -> np.ndarray:
    """Class probabilities of hashed features → sublinear TF-IDF, L2-normalised → logistic regression:
    ``Pipeline(HashingVectorizer, TfidfTransformer(sublinear_tf=True), LogisticRegression).predict_proba``.

    Computed directly in numpy, operation for operation as scipy.sparse computes the pipeline's
    matrix products (so the numbers are the same to the last bit; a test checks it): each row's
    squared norm summed by ``np.add.reduceat``, the dot products accumulated entry by entry in
    column order (``np.add.at``), as ``csr_matvecs`` does.
    """
    if not X:
        raise ValueError("Cannot vectorize empty sequence.")
    rows, cols, tf = hashed_counts(X, n_features)
    np.log(tf, out=tf)
    tf += 1.0
    w = tf * idf[cols]
    sumsq = np.zeros(len(X))
    if w.size:
        starts = np.flatnonzero(np.concatenate(([True], rows[1:] != rows[:-1])))
        sumsq[rows[starts]] = np.add.reduceat(w * w, starts)
    norms = np.sqrt(sumsq)
    norms[norms == 0] = 1.0
    dots = np.zeros((len(X), coef_T.shape[1]))
    np.add.at(dots, rows, w[:, None] * coef_T[cols])
    scores = dots / norms[:, None] + intercept
    if scores.shape[1] == 1:  # binary: sklearn's sigmoid
        p = 1.0 / (1.0 + np.exp(-scores[:, 0]))
        return np.column_stack([1 - p, p])
    scores -= scores.max(axis=1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=1, keepdims=True)
    return scores


@dataclass
class LinearTextModel:
    """A fitted ``TextClassifier`` as arrays: ``classes_``, ``idf_`` (n_features), ``coef_T_``
    (n_features × classes, or × 1 for two classes), ``intercept_``."""

    classes_: np.ndarray
    idf_: np.ndarray
    coef_T_: np.ndarray
    intercept_: np.ndarray
    n_features: int = N_FEATURES

    @classmethod
    def from_estimator(cls, est: Any) -> LinearTextModel:  # noqa: ANN401 - a fitted TextClassifier
        return cls(np.asarray(est.classes_), np.ascontiguousarray(est.idf_, dtype=np.float64),
                   np.ascontiguousarray(est.coef_T_), np.asarray(est.intercept_, dtype=np.float64),
                   int(est.n_features_))

    def predict_proba(self, X: list[list[str]]) -> np.ndarray:
        return linear_proba(X, self.idf_, self.coef_T_, self.intercept_, self.n_features)

    def predict(self, X: list[list[str]]) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


@dataclass
class Vocabulary:
    """The fitted ``DictVectorizer``'s ``vocabulary_`` (feature name → column)."""

    vocabulary_: dict[str, int]


@dataclass
class Linear:
    """The fitted ``LogisticRegression``'s ``coef_`` (classes × features) and ``intercept_``."""

    coef_: np.ndarray
    intercept_: np.ndarray


@dataclass
class DictLinearModel:
    """A fitted ``Pipeline([("dict", DictVectorizer), ("lr", LogisticRegression)])`` as arrays.

    It keeps the attributes of the pipeline that ``classifiers.doc_type.classify_doc_type`` reads
    (``named_steps["dict"].vocabulary_``, ``named_steps["lr"].coef_`` and ``.intercept_``,
    ``classes_``), so the same code scores with either.
    """

    classes_: np.ndarray
    named_steps: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_pipeline(cls, model: Any) -> DictLinearModel:  # noqa: ANN401 - a fitted sklearn Pipeline
        lr = model.named_steps["lr"]
        return cls(np.asarray(model.classes_), {
            "dict": Vocabulary(dict(model.named_steps["dict"].vocabulary_)),
            "lr": Linear(np.ascontiguousarray(lr.coef_, dtype=np.float64), np.asarray(lr.intercept_, dtype=np.float64)),
        })

    def predict_proba(self, X: list[dict[str, float]]) -> np.ndarray:
        """The logistic regression's probabilities for feature dicts (unknown features ignored)."""
        vocab, lr = self.named_steps["dict"].vocabulary_, self.named_steps["lr"]
        out = []
        for feats in X:
            x = np.zeros(lr.coef_.shape[1])
            for k, v in feats.items():
                if k in vocab:
                    x[vocab[k]] += v
            scores = lr.coef_ @ x + lr.intercept_
            if scores.shape[0] == 1:
                p = 1.0 / (1.0 + np.exp(-scores[0]))
                out.append([1 - p, p])
                continue
            e = np.exp(scores - scores.max())
            out.append(e / e.sum())
        return np.asarray(out)
