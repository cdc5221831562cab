"""Search text and queries: jieba tokens on the simplified form, a small query language, snippets.

Both backends index the same token stream: the document text is width-folded and converted to
simplified script (length-preserving, see ``pipeline.normalise``), segmented with jieba's
``cut_for_search`` (words and their sub-words), lower-cased, split at anything that is not a
letter or digit, and joined with spaces. SQLite feeds that string to an FTS5 table (unicode61
tokenizer), PostgreSQL to ``to_tsvector('simple', …)``. Queries go through the same steps, so
整改落實 and 整改落实 give the same tokens and find documents in either script.

Query language (parsed once, compiled for each backend)::

    整改                 a word (segmented: every token of it must occur)
    "整改落实 到位"        a phrase: its tokens adjacent, in order
    A B, A AND B         both
    A OR B               either
    NOT A, -A            without (at least one positive term is needed)
    ( … )                grouping
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from pipeline.normalise import fold_width, to_simplified

_SPLIT = re.compile(r"[^\w]+|_+")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class QueryError(ValueError):
    """A search query that cannot be parsed or has no positive term."""


@lru_cache(maxsize=1)
def _tokenizer():  # noqa: ANN202 - jieba.Tokenizer
    from pipeline.profile import load_profile
    from pipeline.segment import get_tokenizer

    return get_tokenizer(str(load_profile().userdict))


def fold(text: str) -> str:
    """The analysis form: width-folded, simplified, lower-cased; same length as ``text``."""
    s = to_simplified(fold_width(text))
    low = s.lower()
    return low if len(low) == len(s) else s.translate(_ASCII_LOWER)


def _clean(token: str) -> list[str]:
    return [p for p in _SPLIT.split(token.lower()) if p]


def tokens_of(text: str, *, folded: bool = False) -> list[str]:
    """The index tokens of ``text`` (search-mode jieba words, cleaned), in order."""
    s = text if folded else fold(text)
    out: list[str] = []
    for tok in _tokenizer().cut_for_search(s, HMM=True):
        if tok.isalnum():
            out.append(tok.lower())
        elif tok.strip():
            out.extend(_clean(tok))
    return out


def index_text(text: str) -> str:
    """Space-joined index tokens: what both backends index for a document."""
    return " ".join(tokens_of(text))


def _word_terms(word: str, *, phrase: bool = False) -> list[str]:
    """Tokens a plain (unquoted) query word must all match.

    Search-mode tokens of the word, minus compounds whose characters the shorter tokens already
    cover (整改落实 → 整改, 落实): a document that segments the compound differently in its own
    context still matches. For a phrase (``phrase=True``) the tokens keep their order and
    repeats: search mode emits a word's sub-words before the word, so the sub-words stay adjacent
    in the index whether or not the document's context made the compound a word.
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
    """A word (all tokens, any order) or a phrase (tokens adjacent)."""

    raw: str
    tokens: list[str]
    phrase: bool = False


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


def _lex(q: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    q = q.replace("“", '"').replace("”", '"').replace("（", "(").replace("）", ")")
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
            elif w.startswith("-") and len(w) > 1:
                out.append(("NOT", "NOT"))
                out.append(("word", w[1:]))
            else:
                out.append(("word", w))
    return out


class _Parser:
    def __init__(self, toks: list[tuple[str, str]]) -> None:
        self.toks = toks
        self.i = 0

    def peek(self) -> str | None:
        return self.toks[self.i][0] if self.i < len(self.toks) else None

    def take(self) -> tuple[str, str]:
        t = self.toks[self.i]
        self.i += 1
        return t

    def parse_or(self) -> Node | None:
        parts = [self.parse_and()]
        while self.peek() == "OR":
            self.take()
            parts.append(self.parse_and())
        parts2 = [p for p in parts if p is not None]
        if not parts2:
            return None
        return parts2[0] if len(parts2) == 1 else Or(parts2)

    def parse_and(self) -> Node | None:
        parts: list[Node] = []
        while self.peek() not in (None, "OR", ")"):
            if self.peek() == "AND":
                self.take()
                continue
            n = self.parse_unary()
            if n is not None:
                parts.append(n)
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else And(parts)

    def parse_unary(self) -> Node | None:
        kind, val = self.take()
        if kind == "NOT":
            if self.peek() in (None, "OR", ")", "AND"):
                return None
            child = self.parse_unary()
            return Not(child) if child is not None else None
        if kind == "(":
            inner = self.parse_or()
            if self.peek() == ")":
                self.take()
            return inner
        if kind == ")":
            return None
        if kind == "phrase":
            toks = _word_terms(val, phrase=True)
            return Term(val, toks, phrase=len(toks) > 1) if toks else None
        toks = _word_terms(val)
        if not toks:
            return None
        return Term(val, toks)


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


def parse_query(q: str) -> Node | None:
    """Parse a query into an AST (None for an empty query: filters only).

    Raises:
        QueryError: when the query has only NOT terms.
    """
    toks = _lex(q or "")
    if not toks:
        return None
    p = _Parser(toks)
    node = p.parse_or()
    while p.i < len(p.toks):  # stray ')' etc.: keep parsing what follows
        p.take()
        more = p.parse_or()
        if more is not None:
            node = more if node is None else And([node, more])
    if node is None:
        return None
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


# ------------------------------------------------------------------ backends


def _fts_tok(t: str) -> str:
    return '"' + t.replace('"', '""') + '"'


def to_fts5(node: Node) -> str:
    """The FTS5 MATCH expression for a parsed query."""
    if isinstance(node, Term):
        if node.phrase:
            return "(" + " + ".join(_fts_tok(t) for t in node.tokens) + ")"
        if len(node.tokens) == 1:
            return _fts_tok(node.tokens[0])
        return "(" + " AND ".join(_fts_tok(t) for t in node.tokens) + ")"
    if isinstance(node, Or):
        return "(" + " OR ".join(to_fts5(c) for c in node.children) + ")"
    if isinstance(node, Not):  # only reached inside And
        return to_fts5(node.child)
    pos = [c for c in node.children if not isinstance(c, Not)]
    neg = [c for c in node.children if isinstance(c, Not)]
    expr = "(" + " AND ".join(to_fts5(c) for c in pos) + ")"
    for n in neg:
        expr = f"({expr} NOT {to_fts5(n)})"
    return expr


def _ts_tok(t: str) -> str:
    return "'" + t.replace("'", "''").replace("\\", "\\\\") + "'"


def to_tsquery(node: Node) -> str:
    """The ``to_tsquery('simple', …)`` text for a parsed query (same semantics as ``to_fts5``)."""
    if isinstance(node, Term):
        if node.phrase:
            return "(" + " <-> ".join(_ts_tok(t) for t in node.tokens) + ")"
        if len(node.tokens) == 1:
            return _ts_tok(node.tokens[0])
        return "(" + " & ".join(_ts_tok(t) for t in node.tokens) + ")"
    if isinstance(node, Or):
        return "(" + " | ".join(to_tsquery(c) for c in node.children) + ")"
    if isinstance(node, Not):
        return "!(" + to_tsquery(node.child) + ")"
    return "(" + " & ".join(to_tsquery(c) for c in node.children) + ")"


# ------------------------------------------------------------------ snippets

HL_OPEN, HL_CLOSE = "«", "»"


def match_spans(text: str, terms: list[Term], *, folded: str | None = None) -> list[tuple[int, int]]:
    """Where the query terms occur in ``text`` (offsets valid in the original script), merged and sorted."""
    a = folded if folded is not None else fold(text)
    needles: list[str] = []
    for t in terms:
        whole = fold(t.raw).strip()
        if whole and whole in a:
            needles.append(whole)
        else:
            needles.extend(t.tokens)
    spans: list[tuple[int, int]] = []
    for n in sorted(set(needles), key=len, reverse=True):
        if not n:
            continue
        start = 0
        while True:
            i = a.find(n, start)
            if i < 0:
                break
            spans.append((i, i + len(n)))
            start = i + len(n)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def snippet(text: str, terms: list[Term], *, width: int = 80, open_: str = HL_OPEN,
            close: str = HL_CLOSE) -> tuple[str, list[tuple[int, int]]]:
    """Keyword in context, in the document's own script, with the matched terms highlighted.

    The window of ``width`` characters holding the most matches is cut from the original text
    (matches are found on the length-aligned folded text).

    Returns:
        The snippet string with markers, and the spans (offsets in the document) it highlights.
    """
    if not text:
        return "", []
    spans = match_spans(text, terms)
    if not spans:
        start, end = 0, min(len(text), width)
    else:
        best, best_n = 0, -1
        j = 0
        for i, (s, _e) in enumerate(spans):
            j = max(j, i)
            while j + 1 < len(spans) and spans[j + 1][1] <= s + width:
                j += 1
            if j - i + 1 > best_n:
                best, best_n = i, j - i + 1
        s0 = spans[best][0]
        start = max(0, s0 - width // 4)
        end = min(len(text), start + width)
        start = max(0, min(start, end - width))
    shown = [(max(s, start), min(e, end)) for s, e in spans if e > start and s < end]
    out: list[str] = []
    pos = start
    for s, e in shown:
        out.append(text[pos:s])
        out.append(open_ + text[s:e] + close)
        pos = e
    out.append(text[pos:end])
    body = re.sub(r"\s+", " ", "".join(out)).strip()
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else ""), shown
