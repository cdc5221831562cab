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

This module gathers the names of its parts: ``corpus.textindex`` (the folds, the character grams
and the word tokens), ``corpus.query`` (the language), ``corpus.query_compile`` (the language for
each backend) and ``corpus.snippets`` (keyword in context).
"""

from __future__ import annotations

from .query import (
    MAX_DEPTH,
    MAX_QUERY_CHARS,
    MAX_TERMS,
    And,
    Node,
    Not,
    Or,
    QueryError,
    Term,
    check_text,
    matches,
    parse_query,
    positive_terms,
)
from .query_compile import (
    needs_check,
    to_char_fts,
    to_char_tsquery,
    to_pg_check,
    to_rank_fts,
    to_rank_tsquery,
)
from .snippets import HL_CLOSE, HL_OPEN, match_spans, snippet, term_spans
from .textindex import (
    GRAM_VERSION,
    _tokenizer,
    char_grams,
    exact_fold,
    fold,
    gram_fingerprint,
    index_text,
    squeeze,
    tokens_from_words,
    tokens_of,
)

__all__ = [
    "GRAM_VERSION", "HL_CLOSE", "HL_OPEN", "MAX_DEPTH", "MAX_QUERY_CHARS", "MAX_TERMS", "And", "Node", "Not", "Or",
    "QueryError", "Term", "_tokenizer", "char_grams", "check_text", "exact_fold", "fold", "gram_fingerprint",
    "index_text", "match_spans", "matches", "needs_check", "parse_query", "positive_terms", "snippet", "squeeze",
    "term_spans", "to_char_fts", "to_char_tsquery", "to_pg_check", "to_rank_fts", "to_rank_tsquery",
    "tokens_from_words", "tokens_of",
]
