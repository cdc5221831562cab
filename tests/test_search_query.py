"""Query language, script folding, tokens and snippets (no database)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.search import (
    MAX_DEPTH,
    And,
    Not,
    Or,
    QueryError,
    Term,
    char_grams,
    exact_fold,
    fold,
    index_text,
    matches,
    parse_query,
    positive_terms,
    snippet,
    squeeze,
    to_char_fts,
    to_char_tsquery,
    to_rank_fts,
    to_rank_tsquery,
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


def test_compile_char_and_rank_expressions() -> None:
    node = parse_query('"整改落实" 群众 NOT 医院')
    # strings of three or more characters: the AND of their bigrams, verified later; NOT 医院 (2 chars) is exact
    assert to_char_fts(node) == ('((("整改" AND "改落" AND "落实") AND "群众") NOT "医院")', False)
    assert to_char_tsquery(node) == ("((('整改' & '改落' & '落实') & '群众') & !'医院')", False)
    assert to_rank_fts(node) == '(("整改" AND "落实") AND "群众")'
    assert to_rank_tsquery(node) == "(('整改' & '落实') & '群众')"
    assert to_char_fts(parse_query("(医院 OR 社区) AND 整改")) == ('(("医院" OR "社区") AND "整改")', True)
    assert to_char_fts(parse_query("党")) == ('"党"', True)
    # a NOT term the index cannot decide is left to verification
    assert to_char_fts(parse_query("整改 -卫生院")) == ('("整改")', False)


def test_only_negative_is_an_error() -> None:
    with pytest.raises(QueryError):
        parse_query("NOT 医院")
    with pytest.raises(QueryError):
        parse_query("-医院 -社区")


def test_empty_and_punctuation_queries() -> None:
    assert parse_query("") is None
    assert parse_query("  ") is None
    for q in ("，。", "'\"", "AND", "OR", "NOT", "*", "。", "( )", "AND OR NOT", "\"\""):
        with pytest.raises(QueryError, match="nothing to search for"):
            parse_query(q)


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


def test_exact_fold_is_context_free_and_keeps_length() -> None:
    t = "乾隆年間，發展ＧＤＰ；ΑΣ 著作"
    f = exact_fold(t)
    assert len(f) == len(t)
    for i in range(len(t)):
        for j in range(i, len(t) + 1):
            assert exact_fold(t[i:j]) == f[i:j]
    assert exact_fold("發展") == exact_fold("发展") == "发展"


def test_char_grams_hold_every_character_and_pair() -> None:
    g = set(char_grams("整改落實，GDP 增长").split())
    assert {"整", "改", "落", "实", "整改", "改落", "落实", "g", "gd", "dp", "p增", "增长"} <= g
    assert "实，" not in g and "实g" not in g  # punctuation breaks a run


def test_terms_match_exact_strings_across_word_boundaries() -> None:
    text = "各级党组织要把整改落实到位，切实解决群众反映的突出问题。"
    s = squeeze(exact_fold(text))
    for q in ("党", "落实到", "实到位", "改落", "要把整", "群众反映的突出", "整改落實到位", '"整改 落实"'):
        assert matches(parse_query(q), s), q
    for q in ("医院", "到位群众", "党 -群众", "落实 NOT 整改"):
        assert not matches(parse_query(q), s), q
    # a hard-wrapped line (PDF) still matches
    assert matches(parse_query("整改落实"), squeeze(exact_fold("把整改\n落实到位")))


@pytest.mark.parametrize("q", ["(" * 5000 + "整改" + ")" * 5000, "(" * (MAX_DEPTH + 1) + "整改",
                               "NOT " * 499 + "整改", "整改 " + "-医院 " * 300, "整改 " + "OR " * 900,
                               " ".join(f"词{i}" for i in range(300))])
def test_hostile_queries_give_the_query_error(q: str) -> None:
    with pytest.raises(QueryError):
        parse_query(q)


def test_not_chains_and_moderate_nesting_still_work() -> None:
    assert isinstance(parse_query("NOT NOT 整改"), Term)
    node = parse_query("整改 NOT NOT NOT 医院")
    assert isinstance(node, And) and isinstance(node.children[1], Not)
    assert isinstance(parse_query("(" * MAX_DEPTH + "整改" + ")" * MAX_DEPTH), Term)


def test_invalid_text_never_reaches_the_database() -> None:
    for q in ("整改\udcff", b"\xff\xfe\xe6\x95", "\ud800"):
        with pytest.raises(QueryError, match="UTF-8"):
            parse_query(q)
    assert isinstance(parse_query("整改".encode()), Term)
    with pytest.raises(QueryError):
        parse_query(12)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.binary(), st.text(alphabet='()"-AND OR NOT 整改医院党，。 '), st.lists(
    st.sampled_from(["(", ")", "AND", "OR", "NOT", "-", '"', "整改", "医院", "x", "。"]), max_size=80).map(" ".join)))
def test_parser_fuzz_raises_only_the_query_error(q) -> None:
    try:
        node = parse_query(q)
    except QueryError:
        return
    if node is not None:
        expr, _exact = to_char_fts(node)
        assert expr
        to_rank_fts(node)
        to_char_tsquery(node)
        matches(node, "整改医院")
        assert positive_terms(node)


def test_and_snippet_shows_every_term() -> None:
    text = "开头" * 30 + "整改落实到位" + "中间的话" * 60 + "医院的问题" + "结尾" * 30
    snip, spans = snippet(text, positive_terms(parse_query("整改 医院")), width=60)
    assert "«整改»" in snip and "«医院»" in snip
    assert {text[s:e] for s, e in spans} == {"整改", "医院"}


def test_tokens_from_the_screening_words_equal_a_second_segmentation() -> None:
    from corpus.search import _tokenizer, tokens_from_words
    from pipeline.normalise import fold_width, to_simplified

    text = "深入學習實踐科學發展觀活動整改落實方案，ＧＤＰ增長8.5%，中华人民共和国国务院办公厅。"
    words = _tokenizer().lcut(to_simplified(fold_width(text)), HMM=True)  # what the screening cuts
    assert tokens_from_words(words) == tokens_of(text)


def test_a_query_opening_with_an_exclusion_is_a_query_not_an_option() -> None:
    from shencha.cli import _query_after_dashes

    assert _query_after_dashes(["search", "-医院 整改"]) == ["search", "--", "-医院 整改"]
    assert _query_after_dashes(["search", "--json", "－医院", "--limit", "3"]) == ["search", "--json", "--limit", "3", "--",
                                                                                    "－医院"]
    assert _query_after_dashes(["search", "--limit", "3", "整改"]) == ["search", "--limit", "3", "整改"]
