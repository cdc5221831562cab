"""Ranking in the SQLite archive: a word index without positions, scored with BM25 in numpy.

The word index (``doc_fts``) keeps no positions (FTS5 ``detail=none``): one entry per distinct
word of a document, and, for a word that occurs at least twice or four times, one more entry
each for the word with a marker appended (``sqlite_schema.word_row``). FTS5's own ``bm25()``
needs positions, so the score is computed here: BM25 (k1 1.2, b 0.75) with the term frequency
read in steps (1, 2, 4) from the markers, the idf of a word from jieba's dictionary frequency and
the length of a document (its number of words, ``doc_facets.words``) from the cached facet arrays.

Top-k without scoring every match (``SqliteRank._score``): a pool of at most ``RANK_CAP``
candidates (the newest) is scored, over the ``TF_WORDS`` rarest words of the query (a common
word tells little about which document is about the query, and reading its entries costs most).
A pool's documents lie in one range of ids, so each word costs one range read of the index.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable
from typing import Any

from .query import Node, positive_terms
from .sqlite_schema import GEN_SHIFT, MARKS
from .textindex import _tokenizer

K1, B = 1.2, 0.75


def idf(word: str) -> float:
    """The inverse document frequency of a word, from jieba's dictionary (no index is read)."""
    tok = _tokenizer()
    return math.log(1 + tok.total / (tok.FREQ.get(word, 0) + 1))


def bm25(words: list[str], tf: list[int], dl: int, avg: float) -> float:
    """BM25 of one document: ``tf[k]`` occurrences of ``words[k]`` in a document of ``dl`` words (``avg`` on average)."""
    norm = K1 * (1 - B + B * max(dl, 1) / max(avg, 1.0))
    return sum(idf(w) * n * (K1 + 1) / (n + norm) for w, n in zip(words, tf, strict=True) if n > 0)


def _fts_tok(t: str) -> str:
    return '"' + t.replace('"', '""') + '"'


def rarest_words(node: Node, n: int) -> list[str]:
    """The ``n`` words of the query's positive terms with the highest idf (first occurrence breaks ties)."""
    words = list(dict.fromkeys(w for t in positive_terms(node) for w in t.tokens))
    return sorted(words, key=lambda w: -idf(w))[:n]


class SqliteRank:
    """``_score``: a pool of candidates scored by the query's words (part of ``SqliteStore``)."""

    db: sqlite3.Connection
    _facet_arrays: Callable[[], dict[str, Any]]  # SqliteFacets
    RANK_CAP = 300  # candidates scored at most (the newest)
    TF_WORDS = 2  # the query's words that score (the rarest)
    RANGE_CAP = 5000  # index entries read for one word over a pool's range at most

    def _score(self, node: Node, pool: Any) -> list[tuple[int, float]]:
        """``(doc id, BM25 score)`` of the documents of ``pool`` (numpy ids) that hold one of the query's
        scoring words, best first; ties newest first.

        Each scoring word and its markers are read over the pool's id range, once per generation
        of word rows in it (a document whose text changed has its row at ``id + gen << GEN_SHIFT``);
        dead rows are left out. A word with more than ``RANGE_CAP`` entries in that range counts
        as held once by every document of the pool (it is common there, so it ranks nothing).
        """
        import numpy as np

        words = rarest_words(node, self.TF_WORDS)
        if not words or not pool.size:
            return []
        db = self.db
        pool = np.unique(pool)
        lo, hi = int(pool[0]), int(pool[-1])
        gens = {0} | {int(r[0]) >> GEN_SHIFT for r in db.execute(
            "SELECT rowid FROM fts_moved WHERE doc_id BETWEEN ? AND ?", (lo, hi))}
        tf = np.zeros((len(words), pool.size), dtype=np.float64)
        sql = ("SELECT group_concat(r) FROM (SELECT rowid AS r FROM doc_fts WHERE doc_fts MATCH ?"
               " AND rowid BETWEEN ? AND ? LIMIT ?)")
        for g in sorted(gens):
            base = g << GEN_SHIFT
            dead = np.array([int(r[0]) - base for r in db.execute(
                "SELECT rowid FROM fts_dead WHERE rowid BETWEEN ? AND ?", (lo + base, hi + base))], dtype=np.int64)
            for k, w in enumerate(words):
                for n, token in ((1, w), *((n, w + mark) for n, mark in MARKS)):
                    got = db.execute(sql, (_fts_tok(token), lo + base, hi + base, self.RANGE_CAP + 1)).fetchone()[0]
                    ids = np.fromstring(got or "", dtype=np.int64, sep=",") - base
                    if ids.size > self.RANGE_CAP:
                        if n == 1:
                            tf[k][tf[k] == 0] = 1
                        break
                    if dead.size:
                        ids = ids[~np.isin(ids, dead)]
                    hit = np.isin(pool, ids)
                    tf[k][hit] = np.maximum(tf[k][hit], n)
        held = tf.any(axis=0)
        if not held.any():
            return []
        pool, tf = pool[held], tf[:, held]
        arrays = self._facet_arrays()
        lengths = arrays["words"]
        dl = lengths[np.minimum(pool, len(lengths) - 1)].astype(np.float64) if len(lengths) else np.ones(pool.size)
        norm = K1 * (1 - B + B * np.maximum(dl, 1.0) / max(float(arrays.get("avg_words") or 1.0), 1.0))
        weights = np.array([idf(w) for w in words], dtype=np.float64)
        score = (weights[:, None] * np.where(tf > 0, tf * (K1 + 1) / (tf + norm[None, :]), 0.0)).sum(axis=0)
        order = np.lexsort((-pool, -score))
        return [(int(pool[i]), float(score[i])) for i in order]
