"""The query language: parsed once into an AST (``parse_query``), matched against a text (``matches``).

See ``corpus.search`` for the language. ``QueryError`` is the only exception ``parse_query`` raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import QueryError
from .textindex import _RUNS, _word_terms, exact_fold, needle_pattern, squeeze

MAX_QUERY_CHARS = 2000
MAX_TERMS = 64
MAX_DEPTH = 32


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
        QueryError: for bytes that are not UTF-8, text with surrogates, or a value that is not text
            (E305 for the query, E306 for any other value).
    """
    code = "E305" if what == "query" else "E306"
    if isinstance(value, (bytes, bytearray)):
        try:
            value = bytes(value).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise QueryError(f"the {what} is not valid UTF-8 (byte {exc.start})", code) from None
    if not isinstance(value, str):
        raise QueryError(f"the {what} must be text, not {type(value).__name__}", code)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise QueryError(f"the {what} is not valid UTF-8 text (undecodable byte at character {exc.start})",
                         code) from None
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



def matches_text(node: Node, text: str) -> bool:
    """``matches(node, squeeze(exact_fold(text)))`` read on the text itself (``needle_pattern``): no fold needed."""
    if isinstance(node, Term):
        return needle_pattern(node.needle).search(text) is not None
    if isinstance(node, Not):
        return not matches_text(node.child, text)
    if isinstance(node, And):
        return all(matches_text(c, text) for c in node.children)
    return any(matches_text(c, text) for c in node.children)
