"""Query language, script folding, tokens and snippets (no database)."""

from __future__ import annotations

import pytest

from corpus.search import (
    And,
    Not,
    Or,
    QueryError,
    Term,
    fold,
    index_text,
    parse_query,
    snippet,
    to_fts5,
    to_tsquery,
    tokens_of,
)


def test_fold_keeps_length_and_simplifies() -> None:
    t = "整改落實ＧＤＰ１２"
    f = fold(t)
    assert len(f) == len(t)
    assert f == "整改落实gdp12"


def test_both_scripts_give_the_same_tokens() -> None:
    assert tokens_of("整改落實到位，羣衆滿意") == tokens_of("整改落实到位，群众满意")
    assert "整改" in index_text("整改落實").split()


def test_word_drops_covered_compounds() -> None:
    node = parse_query("整改落實")
    assert isinstance(node, Term) and not node.phrase
    assert node.tokens == ["整改", "落实"]


def test_phrase_and_boolean_parse() -> None:
    node = parse_query('"整改落实" OR 群众 -医院')
    assert isinstance(node, Or)
    assert isinstance(node.children[0], Term) and node.children[0].phrase
    right = node.children[1]
    assert isinstance(right, And) and isinstance(right.children[1], Not)


def test_compile_fts5_and_tsquery() -> None:
    node = parse_query('"整改落实" 群众 NOT 医院')
    assert to_fts5(node) == '((("整改" + "落实") AND "群众") NOT "医院")'
    assert to_tsquery(node) == "(('整改' <-> '落实') & '群众' & !('医院'))"
    assert to_fts5(parse_query("(医院 OR 社区) AND 整改")) == '(("医院" OR "社区") AND "整改")'


def test_only_negative_is_an_error() -> None:
    with pytest.raises(QueryError):
        parse_query("NOT 医院")
    with pytest.raises(QueryError):
        parse_query("-医院 -社区")


def test_empty_and_punctuation_queries() -> None:
    assert parse_query("") is None
    assert parse_query("，。") is None
    assert parse_query("'\"") is None


def test_fancy_quotes_and_quotes_in_tokens() -> None:
    node = parse_query("“整改落实”")
    assert isinstance(node, Term) and node.phrase
    assert '"' not in "".join(tokens_of('a"b'))


def test_snippet_in_own_script_with_highlight() -> None:
    text = "前言" * 40 + "為把學習實踐活動中查找出的突出問題逐項落實到整改中，經鎮委研究。" + "結尾" * 40
    snip, spans = snippet(text, [parse_query("整改")], width=40)
    assert "«整改»" in snip
    assert "問題" in snip  # the document's own (traditional) script
    assert all(text[s:e] == "整改" for s, e in spans)
    snip2, _ = snippet(text, [parse_query("问题")], width=40)
    assert "«問題»" in snip2
