"""What the two indexes hold: the exact fold and the character grams (matching), the word tokens (ranking).

``exact_fold`` is the context-free fold that matching compares in (width, t2s per character, lower
case); ``char_grams`` the character-index row of a text; ``fold`` the phrase-aware word-analysis
form and ``tokens_of`` / ``tokens_from_words`` / ``index_text`` the word-index tokens. A change here
changes what an archive holds (``gram_fingerprint`` rebuilds the character index on open).
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import chain

from pipeline.normalise import fold_width, to_simplified

_SPLIT = re.compile(r"[^\w]+|_+")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_RUNS = re.compile(r"[^\W_]+")  # runs of letters and digits: what the character index holds

GRAM_VERSION = "1"  # bump when char_grams changes: the character index is rebuilt on open


@lru_cache(maxsize=1)
def _tokenizer():  # noqa: ANN202 - jieba.Tokenizer
    from pipeline.profile import load_profile
    from pipeline.segment import dictionary_tokenizer

    # the dictionary's frequencies (FREQ, total) rank and rebuild search-mode tokens
    return dictionary_tokenizer(str(load_profile().userdict))


def fold(text: str) -> str:
    """The word-analysis form: width-folded, simplified (phrase-aware), lower-cased; same length as ``text``."""
    s = to_simplified(fold_width(text))
    low = s.lower()
    return low if len(low) == len(s) else s.translate(_ASCII_LOWER)


_CJK_BLOCKS = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2A6DF), (0x2A700, 0x2EBEF),
               (0x2F800, 0x2FA1F), (0x30000, 0x3134F))


@lru_cache(maxsize=1)
def _exact_table() -> dict[int, str]:
    """The exact fold as a character map: width folding, OpenCC t2s per character (CJK blocks), lower case (BMP)."""
    import opencc

    from pipeline.normalise import _FOLD

    conv = opencc.OpenCC("t2s")
    chars = [chr(i) for a, b in _CJK_BLOCKS for i in range(a, b + 1)]
    out = conv.convert("\n".join(chars)).split("\n")
    table: dict[int, str] = {}
    for c, f in _FOLD.items():
        if len(f) == 1:
            table[c] = f.lower() if len(f.lower()) == 1 else f
    if len(out) == len(chars):
        table.update({ord(a): b for a, b in zip(chars, out, strict=True) if a != b and len(b) == 1})
    for i in range(0x10000):
        c = chr(i)
        if 0xD800 <= i < 0xE000 or i in table:
            continue
        low = c.lower()
        if low != c and len(low) == 1:
            table[i] = low
    table[ord("ς")] = "σ"  # Python lower-cases a final sigma by context; the fold must not depend on context
    return table


@lru_cache(maxsize=1)
def _exact_array():  # noqa: ANN202 - numpy array
    """``_exact_table`` as a code-point lookup array (uint32, one entry per code point)."""
    import numpy as np

    arr = np.arange(0x110000, dtype=np.uint32)
    for k, v in _exact_table().items():
        arr[k] = ord(v)
    return arr


def exact_fold(text: str) -> str:
    """The matching form: width-folded, t2s and lower case character by character; same length as ``text``.

    Context-free: ``exact_fold(t)[i:j] == exact_fold(t[i:j])`` for every slice. One table lookup
    per code point (numpy), so folding a document costs microseconds.
    """
    import numpy as np

    if not text:
        return text
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return _exact_array()[codes].tobytes().decode("utf-32-le", "surrogatepass")


@lru_cache(maxsize=1)
def gram_fingerprint() -> str:
    """What the character index of an archive was built with (gram code and fold table); a change means rebuild."""
    import hashlib

    h = hashlib.sha256(GRAM_VERSION.encode())
    h.update(repr(sorted(_exact_table().items())).encode())
    return h.hexdigest()[:16]


@lru_cache(maxsize=1)
def _unfold() -> tuple[dict[str, str], str]:
    """The exact fold read backwards: for a folded character, the regex (a character or a class) of every
    character that folds to it; and the regex of every character that folds to whitespace."""
    table = _exact_table()
    inv: dict[str, list[str]] = {}
    for k, v in table.items():
        inv.setdefault(v, []).append(chr(k))
    for v, ks in inv.items():
        if table.get(ord(v), v) == v:  # the character itself folds to itself
            ks.append(v)
    spaces = {c for c in map(chr, range(0x3400)) if table.get(ord(c), c).isspace()}
    spaces |= {chr(k) for k, v in table.items() if v.isspace()}
    plain = {c for c in map(chr, range(0x3400)) if c.isspace()}  # what \s matches (no whitespace above U+3400)
    ws = r"\s" if spaces == plain else "[" + "".join(map(re.escape, sorted(spaces))) + "]"
    return {v: "[" + "".join(map(re.escape, ks)) + "]" for v, ks in inv.items()}, ws


@lru_cache(maxsize=4096)
def needle_pattern(needle: str) -> re.Pattern[str]:
    """A regex over a document's own text that matches exactly where ``needle`` occurs in its squeezed exact fold.

    ``needle in squeeze(exact_fold(text))`` is ``needle_pattern(needle).search(text) is not None``:
    each character of the needle becomes the class of characters that fold to it, with any run of
    characters that fold to whitespace allowed between them. Checking a candidate so needs no fold.
    """
    inv, ws = _unfold()
    table = _exact_table()
    parts = [inv.get(c) or (re.escape(c) if table.get(ord(c), c) == c else r"[^\s\S]") for c in needle]
    return re.compile((ws + "*").join(parts))


def squeeze(folded: str) -> str:
    """The exact fold without whitespace: the stream that terms are looked for in."""
    return "".join(folded.split())


@lru_cache(maxsize=1)
def _class_tables():  # noqa: ANN202 - two numpy bool arrays
    """Per code point: letter or digit (``str.isalnum``, what ``_RUNS`` matches), and whitespace (``str.isspace``).

    No code point from U+40000 up is either (checked by the tests), so only the first planes are computed.
    """
    import numpy as np

    top = 0x40000
    alnum = np.zeros(0x110000, dtype=bool)
    space = np.zeros(0x110000, dtype=bool)
    alnum[:top] = np.fromiter((chr(i).isalnum() for i in range(top)), dtype=bool, count=top)
    space[:top] = np.fromiter((chr(i).isspace() for i in range(top)), dtype=bool, count=top)
    return alnum, space


def char_grams(text: str) -> str:
    """The character-index row of a document: its distinct letters/digits and adjacent pairs, space-joined.

    The grams of ``squeeze(exact_fold(text))``: every letter or digit, and every pair of adjacent
    ones (a pair never spans punctuation; whitespace is squeezed out first). Computed on code
    point arrays (numpy), sorted: unigrams, then pairs.
    """
    import numpy as np

    if not text:
        return ""
    alnum, space = _class_tables()
    codes = _exact_array()[np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)]
    codes = codes[~space[codes]]
    ok = alnum[codes]
    uni = np.unique(codes[ok])
    if not uni.size:
        return ""
    pair = ok[:-1] & ok[1:]
    bi = np.unique((codes[:-1][pair].astype(np.uint64) << np.uint64(21)) | codes[1:][pair])
    out = np.full(2 * uni.size + 3 * bi.size, 32, dtype=np.uint32)
    out[: 2 * uni.size : 2] = uni
    tail = out[2 * uni.size :].reshape(bi.size, 3)
    tail[:, 0] = bi >> np.uint64(21)
    tail[:, 1] = bi & np.uint64(0x1FFFFF)
    return out[:-1].tobytes().decode("utf-32-le", "surrogatepass")


def _clean(token: str) -> list[str]:
    return [p for p in _SPLIT.split(token.lower()) if p]


@lru_cache(maxsize=1)
def _segmenter():  # noqa: ANN202 - RustTokenizer or jieba.Tokenizer
    """The screening's tokenizer (jieba-rs; the same accurate-mode words as Python jieba)."""
    from pipeline.profile import load_profile
    from pipeline.segment import get_tokenizer

    return get_tokenizer(str(load_profile().userdict))


def tokens_of(text: str, *, folded: bool = False) -> list[str]:
    """The word-index tokens of ``text`` (search-mode jieba words of its ``fold``, cleaned), in order.

    Search mode rebuilt from accurate mode (``tokens_from_words``) on the screening's tokenizer:
    the same tokens as Python jieba's ``cut_for_search``, many times faster.
    """
    s = text if folded else fold(text)
    return tokens_from_words(_segmenter().lcut(s, HMM=True)) if s else []


_WORD_TOKENS: dict[str, tuple[str, ...]] = {}


def _tokens_of_word(w: str) -> tuple[str, ...]:
    """The search-mode tokens one accurate-mode word gives: its known sub-words of 2 and 3 characters, then itself."""
    got = _WORD_TOKENS.get(w)
    if got is not None:
        return got
    freq = _tokenizer().FREQ
    out: list[str] = []
    if len(w) > 2:
        out.extend(g for g in map(str.__add__, w, w[1:]) if freq.get(g))
    if len(w) > 3:
        out.extend(g for g in (w[i : i + 3] for i in range(len(w) - 2)) if freq.get(g))
    out.append(w)
    toks: list[str] = []
    for tok in out:
        if tok.isalnum():
            toks.append(tok.lower())
        elif tok.strip():
            toks.extend(_clean(tok))
    got = tuple(toks)
    if len(_WORD_TOKENS) < 400_000:
        _WORD_TOKENS[w] = got
    return got


def tokens_from_words(words: list[str]) -> list[str]:
    """The word-index tokens from accurate-mode jieba words of a ``fold`` (what the screening already cut).

    Search mode is accurate mode plus, before each word longer than two characters, its
    sub-words of two and three characters that the dictionary knows: rebuilt here without
    segmenting again, so that archiving a screened record costs no second segmentation.
    """
    try:
        return list(chain.from_iterable(map(_WORD_TOKENS.__getitem__, words)))
    except KeyError:  # words seen for the first time
        return list(chain.from_iterable(map(_tokens_of_word, words)))


def index_text(text: str, words: list[str] | None = None) -> str:
    """Space-joined word tokens: what both backends index for ranking (from ``words`` when given)."""
    return " ".join(tokens_from_words(words) if words is not None else tokens_of(text))


def _word_terms(word: str, *, phrase: bool = False) -> list[str]:
    """Word tokens of a query term, for ranking.

    Search-mode tokens of the term, minus compounds whose characters the shorter tokens already
    cover (整改落实 → 整改, 落实): a document that segments the compound differently in its own
    context still ranks. With ``phrase=True`` the tokens keep their order and repeats.
    """
    s = fold(word)
    spans = [(a, b, w) for w, a, b in _tokenizer().tokenize(s, mode="search", HMM=True) if w.strip()]
    keep: list[str] = []
    for a, b, w in spans:
        covered = set()
        for a2, b2, _w2 in spans:
            if (a2, b2) != (a, b) and a <= a2 and b2 <= b and (b2 - a2) < (b - a):
                covered.update(range(a2, b2))
        if b - a > 1 and covered >= set(range(a, b)):
            continue
        for t in _clean(w):
            if phrase or t not in keep:
                keep.append(t)
    return keep

