"""Shared featurisation: jieba words plus character uni/bigrams of the simplified text."""

from __future__ import annotations

from pipeline import lang_zh as zh

_DIGIT = zh.DECIMAL
_WORDLIKE = zh.WORDLIKE
_HAS_DIGIT = zh.DIGIT
_ITEM = zh.ORDINAL_ITEM
_PERFECTIVE = zh.PERFECTIVE  # an account of what was done (「修訂完善了」)


def sentence_features(text: str, words: list[str]) -> list[str]:
    """Features of one sentence: its jieba words, character bigrams, and a digit marker.

    Args:
        text: The sentence in analysis form (simplified, width-folded).
        words: Its jieba words (from the spaCy Doc, so segmentation is not repeated).
    """
    t = _DIGIT.sub("0", text) if _HAS_DIGIT.search(text) else text
    feats = ["w:" + (_DIGIT.sub("0", w) if w[0].isdigit() or w[-1].isdigit() else w) for w in words if _WORDLIKE.search(w)]
    feats += [b for b in map("b:".__add__, map("".join, zip(t, t[1:], strict=False))) if not b[2].isspace()]
    if t is not text:
        feats.append("has_number")
    if _ITEM.match(text):
        feats.append("item_marker")
    if _PERFECTIVE.search(text):
        feats.append("perfective")
    return feats


def identity(x: list[str]) -> list[str]:
    """Analyzer for pre-featurised input (module level, so the vectorizer pickles)."""
    return x
