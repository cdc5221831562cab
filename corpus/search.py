"""Search text and queries: exact strings found through a character index, ranked by words.

**Exact matching.** A query term (a word or a quoted phrase, in either script) matches every
document whose text contains it. Both sides are compared in the *exact fold*: width-folded,
converted to simplified script character by character with OpenCC's t2s character table (no
phrase rules, so the fold of a piece of text is the piece of the text's fold) and lower-cased
character by character; whitespace is ignored (hard-wrapped PDF lines still match). The
character index holds, for each document, every distinct letter or digit and every distinct
pair of adjacent ones (unigrams and bigrams of the exact fold, whitespace removed): a one- or
two-character term is answered by the index alone; a longer one by the AND of its bigrams,
then each candidate is verified against its text (``matches``). NOT terms of three characters
or more are applied during verification.

**Ranking** uses words: the document text is also segmented with jieba's ``cut_for_search`` on
the phrase-aware simplified form (``pipeline.normalise``), and ranking is BM25 over those words
(``to_rank_fts`` / ``to_rank_tsquery``); documents that contain the string but not as words
rank after those that do.

Query language (parsed once, compiled for each backend)::

    整改                 a string (every document containing it)
    "整改落实 到位"        the same, spaces inside ignored
    A B, A AND B         both
    A OR B               either
    NOT A, -A            without (at least one positive term is needed)
    ( … )                grouping

Bad queries (only operators or punctuation, only NOT terms, too deep or too long, text that
is not valid Unicode) raise ``QueryError``; nothing else escapes ``parse_query``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from pipeline.normalise import fold_width, to_simplified

_SPLIT = re.compile(r"[^\w]+|_+")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_RUNS = re.compile(r"[^\W_]+")  # runs of letters and digits: what the character index holds
_SPACE = re.compile(r"\s+")

MAX_QUERY_CHARS = 2000
MAX_TERMS = 64
MAX_DEPTH = 32
GRAM_VERSION = "1"  # bump when char_grams changes: the character index is rebuilt on open


class QueryError(ValueError):
    """A search query that cannot be run: the one coded error of the query language.

    ``code`` is ``"Q1"`` for every kind; the message says why (one line).
    """

    code = "Q1"


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


def squeeze(folded: str) -> str:
    """The exact fold without whitespace: the stream that terms are looked for in."""
    return "".join(folded.split())


def char_grams(text: str) -> str:
    """The character-index row of a document: its distinct letters/digits and adjacent pairs, space-joined."""
    grams: set[str] = set()
    for run in _RUNS.findall(squeeze(exact_fold(text))):
        grams.update(run)
        grams.update(map(str.__add__, run, run[1:]))
    return " ".join(grams)


def _clean(token: str) -> list[str]:
    return [p for p in _SPLIT.split(token.lower()) if p]


def tokens_of(text: str, *, folded: bool = False) -> list[str]:
    """The word-index tokens of ``text`` (search-mode jieba words, cleaned), in order."""
    s = text if folded else fold(text)
    out: list[str] = []
    for tok in _tokenizer().cut_for_search(s, HMM=True):
        if tok.isalnum():
            out.append(tok.lower())
        elif tok.strip():
            out.extend(_clean(tok))
    return out


def tokens_from_words(words: list[str]) -> list[str]:
    """``tokens_of`` from words the screening already cut (jieba accurate mode on the same folded text).

    Search mode is accurate mode plus, before each word longer than two characters, its
    sub-words of two and three characters that the dictionary knows: rebuilt here without
    segmenting again, so that archiving a screened record costs no second segmentation.
    """
    freq = _tokenizer().FREQ
    out: list[str] = []
    for w in words:
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
    return toks


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


# ------------------------------------------------------------------ query AST


@dataclass
class Term:
    """A string to look for: ``needle`` (exact fold, no whitespace) must occur; ``tokens`` rank."""

    raw: str
    tokens: list[str]
    phrase: bool = False
    needle: str = ""

    @property
    def grams(self) -> list[str]:
        """Character-index tokens every matching document has (unigrams for 1-character runs, else bigrams)."""
        out: list[str] = []
        for run in _RUNS.findall(self.needle):
            gs = [run] if len(run) == 1 else [a + b for a, b in zip(run, run[1:], strict=False)]
            out.extend(g for g in gs if g not in out)
        return out

    @property
    def index_exact(self) -> bool:
        """Whether the character index alone decides this term (one run of one or two letters/digits)."""
        return len(self.needle) <= 2 and bool(_RUNS.fullmatch(self.needle))


@dataclass
class Not:
    """Negation (only inside an ``And`` with a positive part)."""

    child: Node


@dataclass
class And:
    """All children."""

    children: list[Node] = field(default_factory=list)


@dataclass
class Or:
    """Any child."""

    children: list[Node] = field(default_factory=list)


Node = Term | Not | And | Or

_LEX = re.compile(r'\s*(?:(?P<phrase>"[^"]*"?)|(?P<lp>\()|(?P<rp>\))|(?P<word>[^\s()"]+))')
_QUOTES = str.maketrans({"“": '"', "”": '"', "＂": '"', "（": "(", "）": ")"})


def _lex(q: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    q = q.translate(_QUOTES)
    while pos < len(q):
        m = _LEX.match(q, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
        if m.group("phrase") is not None:
            out.append(("phrase", m.group("phrase").strip('"')))
        elif m.group("lp"):
            out.append(("(", "("))
        elif m.group("rp"):
            out.append((")", ")"))
        elif m.group("word"):
            w = m.group("word")
            if w in ("AND", "OR", "NOT"):
                out.append((w, w))
            elif w[0] in "-－" and len(w) > 1:
                out.append(("NOT", "NOT"))
                out.append(("word", w[1:]))
            else:
                out.append(("word", w))
    return out


class _Parser:
    """Recursive descent with the nesting depth bounded (``MAX_DEPTH``) and NOT chains read in a loop."""

    def __init__(self, toks: list[tuple[str, str]]) -> None:
        self.toks = toks
        self.i = 0
        self.terms = 0

    def peek(self) -> str | None:
        return self.toks[self.i][0] if self.i < len(self.toks) else None

    def take(self) -> tuple[str, str]:
        t = self.toks[self.i]
        self.i += 1
        return t

    def parse_or(self, depth: int) -> Node | None:
        parts = [self.parse_and(depth)]
        while self.peek() == "OR":
            self.take()
            parts.append(self.parse_and(depth))
        parts2 = [p for p in parts if p is not None]
        if not parts2:
            return None
        return parts2[0] if len(parts2) == 1 else Or(parts2)

    def parse_and(self, depth: int) -> Node | None:
        parts: list[Node] = []
        while self.peek() not in (None, "OR", ")"):
            if self.peek() == "AND":
                self.take()
                continue
            n = self.parse_unary(depth)
            if n is not None:
                parts.append(n)
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else And(parts)

    def parse_unary(self, depth: int) -> Node | None:
        negate = False
        while self.peek() == "NOT":  # a chain of NOTs, read iteratively
            self.take()
            negate = not negate
        if self.peek() in (None, "OR", ")", "AND"):
            return None
        kind, val = self.take()
        if kind == "(":
            if depth >= MAX_DEPTH:
                raise QueryError(f"the query nests parentheses deeper than {MAX_DEPTH} levels")
            node = self.parse_or(depth + 1)
            if self.peek() == ")":
                self.take()
        else:
            node = self._term(val, phrase=kind == "phrase")
        if node is None:
            return None
        if negate:
            return node.child if isinstance(node, Not) else Not(node)
        return node

    def _term(self, raw: str, *, phrase: bool) -> Term | None:
        needle = squeeze(exact_fold(raw))
        if not _RUNS.search(needle):  # punctuation or symbols only: nothing the index can look for
            return None
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise QueryError(f"the query has more than {MAX_TERMS} terms")
        return Term(raw, _word_terms(raw, phrase=phrase), phrase=phrase, needle=needle)


def _normalise(node: Node) -> Node:
    """Flatten nested And/Or, check every And has a positive part and no bare Not remains."""
    if isinstance(node, Term):
        return node
    if isinstance(node, Not):
        return Not(_normalise(node.child))
    kids = [_normalise(c) for c in node.children]
    flat: list[Node] = []
    for k in kids:
        if type(k) is type(node):
            flat.extend(k.children)  # type: ignore[union-attr]
        else:
            flat.append(k)
    if isinstance(node, And):
        if not any(not isinstance(k, Not) for k in flat):
            raise QueryError("a query needs at least one word to look for besides NOT terms")
        return And(flat)
    if any(isinstance(k, Not) for k in flat):
        raise QueryError("NOT cannot stand alone on one side of OR")
    return Or(flat)


def check_text(value: object, what: str = "query") -> str:
    """``value`` as valid text for the database: str (bytes must be UTF-8), no lone surrogates.

    Raises:
        QueryError: for bytes that are not UTF-8, text with surrogates, or a value that is not text.
    """
    if isinstance(value, (bytes, bytearray)):
        try:
            value = bytes(value).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise QueryError(f"the {what} is not valid UTF-8 (byte {exc.start})") from None
    if not isinstance(value, str):
        raise QueryError(f"the {what} must be text, not {type(value).__name__}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise QueryError(f"the {what} is not valid UTF-8 text (undecodable byte at character {exc.start})") from None
    return value.replace("\x00", " ")


def parse_query(q: str | bytes | None) -> Node | None:
    """Parse a query into an AST (None for an empty or blank query: filters only).

    Raises:
        QueryError: the only exception, for any query that cannot be run (see the module doc).
    """
    if q is None:
        return None
    q = check_text(q)
    if len(q) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is longer than {MAX_QUERY_CHARS} characters")
    if not q.strip():
        return None
    toks = _lex(q)
    p = _Parser(toks)
    node = p.parse_or(0)
    while p.i < len(p.toks):  # stray ')' etc.: keep parsing what follows
        p.take()
        more = p.parse_or(0)
        if more is not None:
            node = more if node is None else And([node, more])
    if node is None:
        raise QueryError("nothing to search for: the query has only operators or punctuation")
    if isinstance(node, Not):
        raise QueryError("a query needs at least one word to look for besides NOT terms")
    return _normalise(node)


def positive_terms(node: Node | None) -> list[Term]:
    """Terms that are looked for (not negated), for highlighting."""
    if node is None:
        return []
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Not):
        return []
    out: list[Term] = []
    for c in node.children:
        out.extend(positive_terms(c))
    return out


def matches(node: Node, stream: str) -> bool:
    """Whether a document whose ``squeeze(exact_fold(text))`` is ``stream`` satisfies the query."""
    if isinstance(node, Term):
        return node.needle in stream
    if isinstance(node, Not):
        return not matches(node.child, stream)
    if isinstance(node, And):
        return all(matches(c, stream) for c in node.children)
    return any(matches(c, stream) for c in node.children)


def needs_check(node: Node) -> bool:
    """Whether candidates from the character index must be verified against their text."""
    return _char_expr(node, "fts5")[1] is False


# ------------------------------------------------------------------ backends


def _fts_tok(t: str) -> str:
    return '"' + t.replace('"', '""') + '"'


def _ts_tok(t: str) -> str:
    return "'" + t.replace("'", "''").replace("\\", "\\\\") + "'"


_OPS = {"fts5": (" AND ", " OR ", _fts_tok), "ts": (" & ", " | ", _ts_tok)}


def _char_expr(node: Node, dialect: str) -> tuple[str | None, bool]:
    """Character-index expression (a superset of the matches) and whether it is exact."""
    and_, or_, tok = _OPS[dialect]
    if isinstance(node, Term):
        gs = node.grams
        expr = gs and (tok(gs[0]) if len(gs) == 1 else "(" + and_.join(tok(g) for g in gs) + ")")
        return expr or None, node.index_exact
    if isinstance(node, Or):
        kids = [_char_expr(c, dialect) for c in node.children]
        if any(e is None for e, _ in kids):
            return None, False
        return "(" + or_.join(e for e, _ in kids if e) + ")", all(x for _, x in kids)
    if isinstance(node, Not):  # only reached through And
        e, x = _char_expr(node.child, dialect)
        return e, x
    pos = [_char_expr(c, dialect) for c in node.children if not isinstance(c, Not)]
    exact = all(x for _, x in pos)
    pos_e = [e for e, _ in pos if e]
    if not pos_e:
        return None, False
    expr = "(" + and_.join(pos_e) + ")"
    for c in node.children:
        if isinstance(c, Not):
            e, x = _char_expr(c.child, dialect)
            if e is not None and x:
                expr = f"({expr} NOT {e})" if dialect == "fts5" else f"({expr} & !{e})"
            else:
                exact = False  # applied when verifying
    return expr, exact


def to_char_fts(node: Node) -> tuple[str | None, bool]:
    """FTS5 MATCH expression over the character index, and whether it is exact (no verification needed)."""
    return _char_expr(node, "fts5")


def to_char_tsquery(node: Node) -> tuple[str | None, bool]:
    """``to_tsquery('simple', …)`` text over the character tsvector, and whether it is exact."""
    return _char_expr(node, "ts")


def _rank_expr(node: Node, dialect: str) -> str | None:
    and_, or_, tok = _OPS[dialect]
    if isinstance(node, Term):
        toks = list(dict.fromkeys(node.tokens))
        if not toks:
            return None
        return tok(toks[0]) if len(toks) == 1 else "(" + and_.join(tok(t) for t in toks) + ")"
    if isinstance(node, Not):
        return None
    kids = [e for e in (_rank_expr(c, dialect) for c in node.children) if e]
    if not kids:
        return None
    return kids[0] if len(kids) == 1 else "(" + (and_ if isinstance(node, And) else or_).join(kids) + ")"


def to_rank_fts(node: Node) -> str | None:
    """FTS5 expression over the word index that ranks a query's matches (NOT parts left out)."""
    return _rank_expr(node, "fts5")


def to_rank_tsquery(node: Node) -> str | None:
    """The ranking tsquery text over the word tsvector (NOT parts left out)."""
    return _rank_expr(node, "ts")


def to_pg_check(node: Node) -> tuple[str, list[str]]:
    """A PostgreSQL condition over ``d.folded`` (the squeezed exact fold) that decides the query exactly."""
    if isinstance(node, Term):
        return "strpos(d.folded, %s) > 0", [node.needle]
    if isinstance(node, Not):
        sql, params = to_pg_check(node.child)
        return f"NOT ({sql})", params
    parts = [to_pg_check(c) for c in node.children]
    joiner = " AND " if isinstance(node, And) else " OR "
    return "(" + joiner.join(s for s, _ in parts) + ")", [p for _, ps in parts for p in ps]


# ------------------------------------------------------------------ snippets

HL_OPEN, HL_CLOSE = "«", "»"


def _needle_rx(needle: str) -> re.Pattern[str]:
    return re.compile(r"\s*".join(map(re.escape, needle)))


def term_spans(text: str, terms: list[Term], *, folded: str | None = None) -> list[tuple[int, int, int]]:
    """``(start, end, term index)`` of every occurrence of each term in ``text`` (whitespace inside allowed).

    A term not found as a whole (a document matched through a different fold) falls back to its words.
    """
    a = folded if folded is not None else exact_fold(text)
    out: list[tuple[int, int, int]] = []
    for k, t in enumerate(terms):
        needles = [t.needle] if t.needle else []
        found = False
        for n in needles + [squeeze(exact_fold(w)) for w in t.tokens]:
            if not n:
                continue
            for m in _needle_rx(n).finditer(a):
                if m.end() > m.start():
                    out.append((m.start(), m.end(), k))
                    found = True
            if found:
                break
    out.sort()
    return out


def match_spans(text: str, terms: list[Term], *, folded: str | None = None) -> list[tuple[int, int]]:
    """Where the query terms occur in ``text`` (offsets valid in the original script), merged and sorted."""
    merged: list[tuple[int, int]] = []
    for s, e, _k in term_spans(text, terms, folded=folded):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def _best_window(spans: list[tuple[int, int, int]], width: int) -> tuple[int, set[int]]:
    """Start offset of the ``width`` window holding the most distinct terms, then the most matches."""
    best, best_key, j = spans[0][0], (-1, -1), 0
    for i, (s, _e, _k) in enumerate(spans):
        j = max(j, i)
        while j + 1 < len(spans) and spans[j + 1][1] <= s + width:
            j += 1
        inside = spans[i : j + 1]
        key = (len({k for _, _, k in inside}), len(inside))
        if key > best_key:
            best, best_key = s, key
    covered = {k for s, e, k in spans if s >= best and e <= best + width}
    return best, covered


def _fragment(text: str, spans: list[tuple[int, int]], start: int, end: int, open_: str, close: str) -> str:
    out: list[str] = []
    pos = start
    for s, e in spans:
        out.append(text[pos:s])
        out.append(open_ + text[s:e] + close)
        pos = e
    out.append(text[pos:end])
    body = re.sub(r"\s+", " ", "".join(out)).strip()
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")


def snippet(text: str, terms: list[Term], *, width: int = 80, open_: str = HL_OPEN,
            close: str = HL_CLOSE) -> tuple[str, list[tuple[int, int]]]:
    """Keyword in context, in the document's own script, with the matched terms highlighted.

    The window of ``width`` characters holding the most distinct terms (then the most matches) is
    cut from the original text; a term that the window misses (AND queries whose terms lie apart)
    gets a short fragment of its own after it, so that every term found is shown.

    Returns:
        The snippet string with markers, and the spans (offsets in the document) it highlights.
    """
    if not text:
        return "", []
    spans = term_spans(text, terms)
    if not spans:
        end = min(len(text), width)
        return _fragment(text, [], 0, end, open_, close), []
    s0, covered = _best_window(spans, width)
    windows = [(max(0, min(s0 - width // 4, len(text) - width)), width)]
    missing = sorted({k for _, _, k in spans} - covered)
    side = max(24, width // 3)
    for k in missing:
        s, e, _ = next(sp for sp in spans if sp[2] == k)
        windows.append((max(0, s - side // 3), max(side, e - s + side // 3)))
    pieces: list[str] = []
    shown_all: list[tuple[int, int]] = []
    for start, w in windows:
        start = max(0, start)
        end = min(len(text), start + w)
        shown = _merge([(max(s, start), min(e, end)) for s, e, _ in spans if e > start and s < end])
        shown_all.extend(shown)
        pieces.append(_fragment(text, shown, start, end, open_, close))
    return " ".join(pieces).replace("… …", "…"), _merge(shown_all)
