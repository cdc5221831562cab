"""Shared featurisation: jieba words plus character uni/bigrams of the simplified text."""

from __future__ import annotations

from pipeline import lang_zh as zh


def sentence_features(text: str, words: list[str]) -> list[str]:
    """Features of one sentence: its jieba words, character bigrams, and a digit marker.

    Args:
        text: The sentence in analysis form (simplified, width-folded).
        words: Its jieba words (from the spaCy Doc, so segmentation is not repeated).
    """
    t = zh.DECIMAL.sub("0", text) if zh.DIGIT.search(text) else text
    feats = ["w:" + (zh.DECIMAL.sub("0", w) if w[0].isdigit() or w[-1].isdigit() else w) for w in words if zh.WORDLIKE.search(w)]
    feats += [b for b in map("b:".__add__, map("".join, zip(t, t[1:], strict=False))) if not b[2].isspace()]
    if t is not text:
        feats.append("has_number")
    if zh.ORDINAL_ITEM.match(text):
        feats.append("item_marker")
    if zh.PERFECTIVE.search(text):
        feats.append("perfective")
    return feats


def identity(x: list[str]) -> list[str]:
    """Analyzer for pre-featurised input (module level, so the vectorizer pickles)."""
    return x
