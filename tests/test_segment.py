"""Normalise and segment: length-preserving folding, sentence/clause boundaries, headings, roles, the spaCy Doc."""

from __future__ import annotations

import pytest

from pipeline.ingest import ingest
from pipeline.normalise import fold_width, normalise, to_simplified
from pipeline.segment import segment


@pytest.mark.parametrize(
    ("src", "out"),
    [("９月３０日前", "9月30日前"), ("（一）", "(一)"), ("ＡＢ班", "AB班"), ("\u3000同志们", " 同志们"), ("一是，二是；", "一是，二是；")],
)
def test_normalise_fold_width_table(src: str, out: str) -> None:
    assert fold_width(src) == out
    assert len(fold_width(src)) == len(src)


@pytest.mark.parametrize(("src", "out"), [("整改落實方案", "整改落实方案"), ("鎮衛生院", "镇卫生院"), ("羣衆", "群众")])
def test_normalise_t2s_table(src: str, out: str) -> None:
    assert to_simplified(src) == out


def test_normalise_keeps_offsets_and_detects_script(make_txt) -> None:
    doc = normalise(ingest(make_txt("一、存在的突出問題\n一是鎮衛生院設備陳舊，羣衆反映強烈。\n")))
    assert len(doc.analysis) == len(doc.text)
    assert doc.script == "traditional"
    i = doc.analysis.index("镇卫生院")
    assert doc.text[i : i + 4] == "鎮衛生院"


def _seg(make_txt, profile, text: str):
    return segment(normalise(ingest(make_txt(text))), profile)


def test_segment_splits_items_at_semicolons_and_colons(make_txt, profile) -> None:
    doc = _seg(make_txt, profile, "二、存在的问题\n我镇还存在一些不足：一是学习不够深入；二是作风不够扎实；三是落实不够有力。\n")
    sents = [doc.sent_text(s) for s in doc.sentences if not s.heading]
    assert sents == ["我镇还存在一些不足：", "一是学习不够深入；", "二是作风不够扎实；", "三是落实不够有力。"]
    assert [s.item for s in doc.sentences if not s.heading] == [False, True, True, True]
    assert doc.sentences[1].intro


def test_segment_keeps_semicolon_clause_without_item_marker(make_txt, profile) -> None:
    doc = _seg(make_txt, profile, "五、整改措施\n五是带头执行民主集中制；严格控制公务接待费用，做到只减不增。\n")
    assert [doc.sent_text(s) for s in doc.sentences if not s.heading] == [
        "五是带头执行民主集中制；严格控制公务接待费用，做到只减不增。"]


def test_segment_outline_numbers_stay_outside_spans(make_txt, profile) -> None:
    doc = _seg(make_txt, profile, "四、整改措施\n（一）由镇教育办负责，8月底前完成扩建。\n2.由镇卫生院负责，年底前新增设备。\n")
    body = [doc.sent_text(s) for s in doc.sentences if not s.heading]
    assert body == ["由镇教育办负责，8月底前完成扩建。", "由镇卫生院负责，年底前新增设备。"]


def test_segment_headings_set_section_roles(make_txt, profile) -> None:
    text = ("关于某镇的分析检查报告\n一、征求意见情况\n召开座谈会8场。\n二、存在的突出问题\n一是产业层次偏低。\n"
            "三、原因分析\n一是思想解放不够。\n四、整改措施\n一是9月底前建成服务中心。\n五、公开承诺\n镇委郑重承诺：按期兑现。\n")
    doc = _seg(make_txt, profile, text)
    roles = {doc.sent_text(s): s.role for s in doc.sentences if not s.heading}
    assert roles == {"召开座谈会8场。": "consultation", "一是产业层次偏低。": "problems", "一是思想解放不够。": "causes",
                     "一是9月底前建成服务中心。": "measures", "镇委郑重承诺：按期兑现。": "pledge"}


def test_segment_sub_heading_gives_area_hint(make_txt, profile) -> None:
    doc = _seg(make_txt, profile, "二、存在的突出问题\n（一）经济发展方面\n一是产业层次偏低。\n（二）社会稳定方面\n二是信访总量偏高。\n")
    hints = {doc.sent_text(s): s.area_hint for s in doc.sentences if not s.heading}
    assert hints == {"一是产业层次偏低。": "economy", "二是信访总量偏高。": "stability"}


def test_segment_inline_heading_is_split_off(make_txt, profile) -> None:
    doc = _seg(make_txt, profile, "二、存在的突出問題\n（一）醫療服務方面。門診流程不合理，候診時間超過2小時。\n")
    heads = [doc.sent_text(s) for s in doc.sentences if s.heading]
    assert "醫療服務方面。" in heads
    assert [doc.sent_text(s) for s in doc.sentences if not s.heading] == ["門診流程不合理，候診時間超過2小時。"]


def test_segment_intro_gives_role_without_headings(make_txt, profile) -> None:
    text = ("同志们：\n对照要求，我自身也还存在一些不足：一是学习抓得还不够紧；二是调研还不够多。\n"
            "今后，我将在以下几个方面继续努力：一是进一步加强学习；二是每月下村不少于8天。\n")
    doc = _seg(make_txt, profile, text)
    roles = {doc.sent_text(s): s.role for s in doc.sentences if s.item}
    assert roles == {"一是学习抓得还不够紧；": "problems", "二是调研还不够多。": "problems",
                     "一是进一步加强学习；": "measures", "二是每月下村不少于8天。": "measures"}


def test_segment_unnamed_sections_get_roles_from_content(make_txt, profile) -> None:
    text = ("同志们：\n下面我作自我剖析。\n一、推动科学发展方面\n一是应对金融危机办法不多，帮助企业的实招不多。\n"
            "二是对民生问题关注不够，水质问题拖了两年。\n")
    doc = _seg(make_txt, profile, text)
    assert {s.role for s in doc.sentences if s.item} == {"problems"}


def test_segment_spacy_doc_sentences_match(make_txt, profile) -> None:
    doc = _seg(make_txt, profile, "二、存在的问题\n一是科学发展观学习不够；二是整改落实不到位。\n")
    sd = doc.spacy_doc
    assert sd.text == doc.analysis
    spans = [sd.char_span(s.start, s.end) for s in doc.sentences]
    assert all(sp is not None for sp in spans)
    assert all(s.words and "".join(s.words) == doc.sent_analysis(s) for s in doc.sentences)
    assert "科学发展观" in [t.text for t in sd]  # the bundled user dictionary is in use


def test_segment_title_rejoined_when_broken(make_txt, profile) -> None:
    doc = _seg(make_txt, profile, "中共雲溪縣中醫院總支委員會領導班子分析檢\n查報告\n（2009年6月18日）\n按照縣委的部署，現報告如下。\n")
    assert doc.title == "中共雲溪縣中醫院總支委員會領導班子分析檢查報告"


def test_segment_empty_table_rows_and_header(make_docx, profile) -> None:
    table = [["整改项目", "完成时限", "责任单位"], ["精简会议", "2009年12月底前", "镇党政办"]]
    doc = segment(normalise(ingest(make_docx(["二、整改项目", table]))), profile)
    rows = [s for s in doc.sentences if doc.blocks[s.block].kind == "table_row"]
    assert [r.heading for r in rows] == [True, False]
    assert rows[1].role == "measures"


@pytest.mark.parametrize("marker", ["⑴", "(1)", "1.", "1、", "（一）", "①"])
def test_segment_list_markers_stay_outside_spans(make_txt, profile, marker: str) -> None:
    doc = _seg(make_txt, profile, f"三、整改措施\n{marker}由镇安监办负责，10月底前完成排查。\n")
    assert [doc.sent_text(s) for s in doc.sentences if not s.heading] == ["由镇安监办负责，10月底前完成排查。"]


def test_the_rust_segmenter_gives_python_jiebas_words_with_the_user_dictionary(profile) -> None:
    from pipeline.segment import RustTokenizer, python_tokenizer

    text = ("一是班子成员深入学习实践科学发展观不够，四明确一承诺落实不到位；二是镇社会事务办要在9月底前完成"
            "敬老院扩建，由镇财政所负责筹集资金300万元。今后我将带头查摆问题，切实转变作风。")
    rust, python = RustTokenizer(str(profile.userdict)), python_tokenizer(str(profile.userdict))
    assert rust.lcut(text, HMM=True) == python.lcut(text, HMM=True)
    assert "四明确一承诺" in rust.lcut(text)  # a user-dictionary word stays whole
    for mode in ("default", "search"):  # the archive's index uses the offsets
        assert rust.tokenize(text, mode=mode, HMM=True) == list(python.tokenize(text, mode=mode, HMM=True))
    assert rust.cut_for_search(text, HMM=True) == list(python.cut_for_search(text, HMM=True))


def test_normalise_drops_pinyin_readings_keeping_sentence_offsets(make_txt) -> None:
    text = "一是政治學(xué)習(xí)不夠，理論功底不深。二是聯(lián)系群衆不緊密。\n"
    doc = normalise(ingest(make_txt(text)))
    assert len(doc.analysis) == len(doc.text)
    assert "学习不够" in doc.analysis and "联系群众" in doc.analysis and "xué" not in doc.analysis
    for mark in ("，", "。"):  # every punctuation mark stays where it is in the original
        assert [i for i, c in enumerate(doc.text) if c == mark] == [i for i, c in enumerate(doc.analysis) if c == mark]


def test_title_run_into_the_text_is_found(make_txt, profile) -> None:
    doc = _seg(make_txt, profile, "中共某镇委员会关于贯彻落实科学发展观情况的分析检查报告根据全县学习实践活动的统一部署，镇党委认真查找问题。\n一、存在的问题\n")
    assert doc.title == "中共某镇委员会关于贯彻落实科学发展观情况的分析检查报告"
    plain = _seg(make_txt, profile, "根据全县的统一部署，镇党委认真查找问题，形成了分析检查报告。\n")
    assert plain.title == ""


def test_a_sibling_sub_heading_without_an_area_ends_the_area_of_the_one_before(make_txt, profile) -> None:
    text = "一、下一步工作打算\n（一）经济发展方面\n引进项目3个。\n（二）办好几件实事\n新建卫生室2所。\n"
    doc = _seg(make_txt, profile, text)
    hints = {doc.sent_text(s): s.area_hint for s in doc.sentences if not s.heading}
    assert hints["引进项目3个。"] == "economy"
    assert hints["新建卫生室2所。"] is None


def test_a_heading_naming_problems_and_what_is_to_be_done_leaves_each_sentence_to_its_content() -> None:
    from pipeline.profile import load_profile
    from pipeline.sections import role_of

    profile = load_profile()
    assert role_of("存在的问题及今后工作目标", profile) is None
    assert role_of("问题及整改措施", profile) is None
    assert role_of("存在的主要问题", profile) == "problems"
    assert role_of("下一步整改措施", profile) == "measures"
