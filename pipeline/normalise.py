"""Normalise: ``str -> str`` steps that keep the length, so offsets map one to one.

Analysis runs on ``analysis = to_simplified(fold_width(text))``; because every step maps one
character to one character, a span found at ``[a, b)`` of the analysis text is
``text[a:b]`` in the document's own script. One step moves characters within a clause: pinyin
readings left in the text by converting sites (「學(xué)習(xí)」) are taken out and the clause closes up,
so inside such a clause offsets drift, while every punctuation mark, and so every sentence and
clause boundary, keeps its offset.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from operator import ne

from . import lang_zh as zh
from .document import Document


def _build_fold_table() -> dict[int, str]:
    """One character to one character: full-width ASCII and the ideographic space (circled digits stay: they mark lists)."""
    table: dict[int, str] = {}
    for cp in list(range(0xFF01, 0xFF5F)) + [0x3000, 0xFF0E, 0x2025]:
        ch = chr(cp)
        n = unicodedata.normalize("NFKC", ch)
        if len(n) == 1 and n != ch:
            table[cp] = n
    # Chinese sentence punctuation stays as it is (the patterns are written with it); brackets fold.
    for ch in "，；：！？":
        table.pop(ord(ch), None)
    table[ord("．")] = "."
    return table


_FOLD = _build_fold_table()
_CJK = re.compile(r"[\u4e00-\u9fff]")


_FOLD_RX = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_FOLD)) + "]")


# Half-width sentence punctuation written between Chinese characters (「問題,一是…;」, as many web pages
# and exports have it) becomes the Chinese mark the patterns are written with; 「3,000」 and 「http://」 stay.
_HALF_PUNCT = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？"}
_HALF_RX = re.compile(r"(?<=[\u4e00-\u9fff”’」』)）])[,;:!?]|[,;:!?](?=\s*[\u4e00-\u9fff“‘「『])")


def fold_width(text: str) -> str:
    """Full-width digits, letters and brackets to half-width, and half-width sentence punctuation
    among Chinese characters to the Chinese marks, one character for one."""
    text = _FOLD_RX.sub(lambda m: _FOLD[ord(m.group())], text)
    return _HALF_RX.sub(lambda m: _HALF_PUNCT[m.group()], text)


@lru_cache(maxsize=1)
def _converter():  # noqa: ANN202 - opencc object
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """OpenCC t2s, length-preserving: falls back to per-character conversion when a phrase rule changes length."""
    conv = _converter().convert(text)
    if len(conv) == len(text):
        return conv
    out = []
    for ch in text:
        c = _converter().convert(ch)
        out.append(c if len(c) == 1 else ch)
    return "".join(out)


def script_of(text: str) -> str:
    """``traditional`` when converting to simplified changes a noticeable share of the characters."""
    sample = text[:5000]
    cjk = sum(1 for ch in sample if "\u4e00" <= ch <= "\u9fff")
    if not cjk:
        return "simplified"
    changed = sum(1 for a, b in zip(sample, to_simplified(sample), strict=True) if a != b)
    return "traditional" if changed / cjk > 0.05 else "simplified"


def drop_annotations(text: str) -> str:
    """Pinyin readings in brackets (「學(xué)習(xí)」) taken out of each clause, one character for one:
    the clause's characters close up and spaces fill its end, so every punctuation mark, and with it
    every sentence boundary, keeps its offset while the words read whole (「學習      ,」)."""
    if not zh.PINYIN_ANNOTATION.search(text):
        return text

    def close_up(m: re.Match[str]) -> str:
        run = m.group()
        bare = zh.PINYIN_ANNOTATION.sub("", run)
        return bare + " " * (len(run) - len(bare)) if len(bare) != len(run) else run

    return zh.CLAUSE_RUN.sub(close_up, text)


def normalise(doc: Document) -> Document:
    """Stage: set ``doc.analysis`` and ``doc.script``."""
    folded = fold_width(drop_annotations(doc.text))
    doc.analysis = to_simplified(folded)
    assert len(doc.analysis) == len(doc.text)
    changed = sum(map(ne, folded[:2000], doc.analysis[:2000]))
    cjk = len(_CJK.findall(doc.text[:2000])) or 1
    doc.script = "traditional" if changed / cjk > 0.05 else "simplified"
    return doc
