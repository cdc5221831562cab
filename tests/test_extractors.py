"""Extractors on whole documents: layouts of problems and commitments beyond headed 一是 lists."""

from __future__ import annotations


def _screen(screener, make_txt, text: str, name: str = "doc.txt") -> dict:
    return screener.screen(make_txt(text, name=name))


def test_extract_labelled_field_commitments(screener, make_txt) -> None:
    text = """中共某县财政局党组整改落实方案
根据县委的要求，结合分析检查报告查找出的问题，制定本方案。
一、整改项目及措施
整改项目一：资金拨付环节多、时间长。
整改措施：将审核环节由7个减少为4个，从申请到拨付不超过7个工作日。
责任领导：副局长 刘建国　责任股室：国库股　完成时限：2009年8月底前。
整改项目二：专项资金监管薄弱。
整改措施：对2008年以来的专项资金开展一次全面清查，建立拨付使用台账。
责任领导：纪检组长 孙丽　完成时限：2009年9月底前。
二、公开承诺
局党组郑重承诺：按期完成整改，接受群众监督。
"""
    rec = _screen(screener, make_txt, text)
    assert rec["doc_type"] == "rectification_plan"
    cs = rec["commitments"]
    assert [c["text"][:5] for c in cs] == ["将审核环节", "对2008"]
    assert [c["owner"] for c in cs] == ["副局长 刘建国", "纪检组长 孙丽"]
    assert [c["deadline"] for c in cs] == ["2009-08-31", "2009-09-30"]
    assert cs[0]["item"].startswith("资金拨付环节多")


def test_extract_enumerated_items_with_inline_fields(screener, make_txt) -> None:
    text = """中共某镇委员会整改落实方案
根据分析检查报告和群众评议意见，制定本方案。
一、整改任务
1.延长柑橘产业链条。引进投资主体，建设柑橘分级包装厂1座。扶持组建柑橘营销协会。责任领导：镇长。完成时限：2010年6月底前。
2.改进便民服务。12项事项实行一个窗口受理、全程代办。责任领导：镇委副书记。完成时限：2009年12月底前。
二、工作要求
各责任领导要制定具体实施计划，确保按时完成。整改方案在政务公开栏公示，接受群众监督。
"""
    rec = _screen(screener, make_txt, text)
    cs = rec["commitments"]
    assert len(cs) == 2
    assert cs[0]["text"] == "引进投资主体，建设柑橘分级包装厂1座。扶持组建柑橘营销协会。"
    assert (cs[0]["owner"], cs[0]["deadline"]) == ("镇长", "2010-06-30")
    assert (cs[1]["owner"], cs[1]["deadline"]) == ("镇委副书记", "2009-12-31")
    assert "no_public_pledge" not in {g["code"] for g in rec["gaps"]}


def test_extract_item_title_and_elaboration_are_one_problem(screener, make_txt) -> None:
    text = """中共某县财政局党组领导班子分析检查报告
按照县委的部署，我们召开座谈会7场，发放征求意见表320份，现将分析检查情况报告如下。
第二部分　存在的突出问题
一是理财观念不够科学。班子存在重收入、轻管理的倾向，至今没有建立绩效评价制度。
二是服务效率不高。一笔资金从申请到拨付要经过六七个环节，耗时半个月以上。
"""
    rec = _screen(screener, make_txt, text)
    assert [p["text"] for p in rec["problems"]] == [
        "一是理财观念不够科学。班子存在重收入、轻管理的倾向，至今没有建立绩效评价制度。",
        "二是服务效率不高。一笔资金从申请到拨付要经过六七个环节，耗时半个月以上。",
    ]


def test_extract_unheaded_speech(screener, make_txt) -> None:
    text = """在局党组专题民主生活会上的发言
局长　李明远
尊敬的各位领导，各位党组成员：
按照会议安排，我先作对照检查发言，请大家批评帮助。
第一，理财观念存在偏差。我把主要精力放在抓收入上，对资金使用效益考虑得少，局里至今没有建立绩效评价制度。
第二，深入基层不够。去年以来我到乡镇财政所调研只有9次，对基层困难了解不深。
产生这些问题，根子在于自己理论学习不够深入，宗旨意识有所淡化。
下一步，我将从以下几个方面抓好整改：一是牵头制定绩效评价办法，年内在10个项目开展试点；二是每月到基层调研不少于3天。
以上发言，请同志们批评指正。
"""
    rec = _screen(screener, make_txt, text)
    assert rec["doc_type"] == "meeting_speech"
    texts = [p["text"] for p in rec["problems"]]
    assert texts[0].startswith("第一，理财观念存在偏差。") and texts[1].startswith("第二，深入基层不够。")
    assert any(t.startswith("产生这些问题，根子在于") for t in texts)
    assert [c["text"] for c in rec["commitments"]] == ["一是牵头制定绩效评价办法，年内在10个项目开展试点；",
                                                      "二是每月到基层调研不少于3天。"]
    assert all(c["owner"] is None for c in rec["commitments"])  # a first-person speech names no owner
    assert "no_cause_analysis" not in {g["code"] for g in rec["gaps"]}


def test_extract_paragraph_announcing_problems_and_a_list_of_measures(screener, make_txt) -> None:
    text = """中共某县公安局委员会分析检查报告
局党委召开警民恳谈会5场，走访群众300户，共收集意见建议86条，现将有关情况报告如下。
近年来，全县刑事案件立案数比上年下降8.2%，群众安全感测评达到92.6%。
但对照科学发展观的要求，还存在不少差距。执法理念还不够端正，去年有5起案件被退回补充侦查。服务群众不够便捷，偏远乡镇群众办证要往返县城两三趟。
产生这些问题的原因是多方面的。从班子自身看，主要是理论学习不够深入，宗旨意识有所淡化。
今后的总体思路是：以执法为民为主线，建设人民满意的公安队伍。
针对上述问题，局党委今后将着力抓好以下工作：在偏远乡镇派出所开设身份证受理窗口，实行预约服务；9月底前将机关警力压缩到30%以内；建立健全执法质量考评制度。
"""
    rec = _screen(screener, make_txt, text)
    problems = [p["text"] for p in rec["problems"]]
    assert problems[:2] == ["执法理念还不够端正，去年有5起案件被退回补充侦查。", "服务群众不够便捷，偏远乡镇群众办证要往返县城两三趟。"]
    assert any(p["cause"] for p in rec["problems"])
    assert [c["text"] for c in rec["commitments"]] == [
        "在偏远乡镇派出所开设身份证受理窗口，实行预约服务；", "9月底前将机关警力压缩到30%以内；", "建立健全执法质量考评制度。"]
    assert not any("近年来" in t for t in problems)


def test_extract_problem_column_of_a_plan_table(screener, make_docx) -> None:
    rows = [["序号", "存在问题", "整改措施", "完成时限", "责任单位"],
            ["1", "企业融资难，17家企业停产", "设立2000万元融资担保资金", "2009年9月底前", "镇经济发展办"]]
    rec = screener.screen(make_docx(["中共某镇委员会整改落实方案", "根据分析检查报告，制定本方案。", "一、整改项目", rows,
                                     "二、公开承诺", "镇委郑重承诺：按期兑现。"]))
    assert [p["text"] for p in rec["problems"]] == ["企业融资难，17家企业停产"]
    assert rec["commitments"][0]["owner"] == "镇经济发展办"
    assert rec["commitments"][0]["text"].startswith("1｜企业融资难")


def test_extract_measures_announced_at_a_paragraphs_end(screener, make_txt) -> None:
    # no measures heading: the paragraph's closing 「下一步，要…」 announces the items that follow
    text = """通过这次专题学习，干部作风有了新的转变，群众满意度明显提升。下一步，要围绕长效常态，把整改从集中行动转为日常工作，重点抓好以下几项。
一是坚持每月学习制度。将作风建设纳入党组理论学习中心组学习内容，每月至少开展1次专题学习。
二是健全群众诉求办理机制。开通民情热线，对群众反映的问题实行台账管理，7个工作日内答复。
"""
    rec = _screen(screener, make_txt, text)
    texts = [c["text"] for c in rec["commitments"]]
    assert any(t.startswith("一是坚持每月学习制度") for t in texts)
    assert any(t.startswith("二是健全群众诉求办理机制") for t in texts)
    assert not any(t.startswith("通过这次专题学习") for t in texts)


def test_extract_a_labelled_measures_line_alone_is_a_commitment(screener, make_txt) -> None:
    text = """县林业局整改方案
针对群众评议中提出的意见，制定如下整改方案。
加快审批服务。
整改措施：精简林木采伐审批材料，由原来的9项减为5项，推行网上预约和一次性告知。
加强林区防火。
整改措施：在重点林区新建瞭望塔2座，组建专业扑火队伍，入冬前完成全部防火隔离带清理。
"""
    rec = _screen(screener, make_txt, text)
    texts = [c["text"] for c in rec["commitments"]]
    assert any("精简林木采伐审批材料" in t for t in texts)
    assert any("新建瞭望塔2座" in t for t in texts)


def test_extract_a_pages_own_numbered_measures_section_in_third_person(screener, make_txt) -> None:
    # a county's progress notice written as 「该县…」: its reported account stays reported, while the
    # items under its own numbered 「下一步工作措施」 heading are its commitments
    text = """整改推进情况
为抓好督察反馈问题整改，该县成立了以县委主要领导为组长的整改工作领导小组，制定了整改方案。截至目前，该县已完成问题整改31个。
二、存在的主要问题
部分项目受招投标时限和工程工期影响，整改进度较慢。
三、下一步工作措施
一是进一步细化整改任务，逐项明确责任人和完成时限，实行挂账销号。
二是强化督查督办，对进度滞后的项目每半月通报一次，确保年底前全部完成整改。
"""
    rec = _screen(screener, make_txt, text)
    texts = [c["text"] for c in rec["commitments"]]
    assert any(t.startswith("一是进一步细化整改任务") for t in texts)
    assert any(t.startswith("二是强化督查督办") for t in texts)
    assert not any("成立了" in c["text"] for c in rec["commitments"] + rec["problems"])


def test_extract_a_list_of_shortcomings_inside_one_sentence(screener, make_txt) -> None:
    text = """某公司党委活动总结
一年来，公司党委扎实开展创先争优活动，取得了一定成效。在总结成绩的同时，我们也清醒地看到还存在一些问题：如部分支部组织生活制度还需进一步落实；青年职工入党积极性尚需提高；党务干部队伍年龄偏大，后备力量不足。这些问题我们将在今后的工作中认真加以解决。
"""
    rec = _screen(screener, make_txt, text)
    texts = [p["text"] for p in rec["problems"]]
    assert "部分支部组织生活制度还需进一步落实" in texts
    assert "青年职工入党积极性尚需提高" in texts
    assert any(t.startswith("党务干部队伍年龄偏大") for t in texts)


def test_an_opening_declares_a_plan_only_in_a_plans_own_words(screener, make_txt) -> None:
    from classifiers.doc_type import declared_type

    own = screener.screen_document(make_txt("针对群众评议提出的意见，结合我局实际，特制定本整改方案。\n一是精简审批材料。\n", name="own.txt"))
    assert declared_type(own, screener.profile) == "rectification_plan"
    news = screener.screen_document(make_txt(
        "日前，某供电公司党委召开专题会议，研究制定了整改方案，明确了整改任务和完成时限。\n会议要求各单位按期完成整改。\n",
        name="news.txt"))
    assert declared_type(news, screener.profile) is None


def test_a_page_that_opens_with_a_news_lead_reports_others_findings(screener, make_txt) -> None:
    # a dated event lead with no 我/我们: the problems and plans it tells of are the unit's, not the writer's
    news = """8月12日上午，青溪县教育局召开巡察整改情况通报会，局党组书记向全体干部通报了整改进展。
县委第三巡察组反馈问题共18个，目前已整改到位15个。
通报指出，部分学校食堂管理制度执行不严，个别项目资金拨付滞后。
下一步，将对未完成的3个问题实行挂账督办，确保年底前全部整改到位。
"""
    doc = screener.screen_document(make_txt(news, name="news.txt"))
    from classifiers.voice import opens_as_news

    assert opens_as_news(doc, screener.profile)
    assert {s.voice for s in doc.sentences if not s.heading} == {"reported"}
    rec = _screen(screener, make_txt, news, name="news2.txt")
    assert rec["problems"] == [] and rec["commitments"] == []
    own = """8月12日上午，我局召开巡察整改推进会，我们对照反馈意见逐条查找了差距。
一是部分学校食堂管理制度执行不严。
"""
    assert not opens_as_news(screener.screen_document(make_txt(own, name="own.txt")), screener.profile)


def test_a_transmittal_cover_note_types_the_page_by_the_document_it_transmits(screener, make_txt) -> None:
    text = """青溪县农业农村局文件
青农发〔2009〕12号
各股室、局属单位：
现将《青溪县农业农村局领导班子深入学习实践科学发展观活动分析检查报告》印发给你们，请结合实际认真抓好整改。
二〇〇九年八月十日
根据县委统一部署，局领导班子广泛征求意见，认真查找了存在的突出问题。
一是服务农民的意识还不够强，下乡调研的次数偏少。
"""
    doc = screener.screen_document(make_txt(text, name="cover.txt"))
    assert doc.doc_type == "analysis_report"
    assert doc.blocks[0].chrome and doc.blocks[1].chrome  # the letterhead and the issue number are furniture


def test_a_name_both_a_team_and_a_person_use_goes_by_the_classifier_when_the_writer_is_unclear(screener, make_txt) -> None:
    from classifiers.doc_type import declared_type, writer_of

    doc = screener.screen_document(make_txt("县政协自检自查报告\n对照活动要求，认真查找了思想和作风上的差距。\n", name="self.txt"))
    assert writer_of(doc, screener.profile) is None
    assert declared_type(doc, screener.profile, {"meeting_speech": 0.7, "analysis_report": 0.1}) == "meeting_speech"
    assert declared_type(doc, screener.profile, {"meeting_speech": 0.1, "analysis_report": 0.6}) == "analysis_report"
    assert declared_type(doc, screener.profile) == "analysis_report"  # no probabilities: the team's genre


def test_a_commentary_whose_writer_never_speaks_as_we_states_no_own_problems(screener, make_txt) -> None:
    # guidance about the genre, typed other: the shortcomings it lists are the cadres' it writes about
    text = """如何写好对照检查材料
对照检查材料是民主生活会的重要基础，一些党员干部在撰写时存在避重就轻的现象。
有的材料查摆问题流于表面，原因剖析不够深入，整改措施大而化之。
有的材料照搬照抄上级文件，缺乏针对性，看不出撰写者的思想实际。
写好对照检查材料，关键在于把自己摆进去，把职责摆进去，把工作摆进去。
"""
    rec = _screen(screener, make_txt, text, name="guide.txt")
    assert rec["doc_type"] == "other"
    assert rec["problems"] == []
