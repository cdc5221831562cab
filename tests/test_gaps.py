"""Gap checks end to end: every gap code is raised by a document that has the gap and not by one without it."""

from __future__ import annotations

import pytest

GOOD_ANALYSIS = """中共青山镇委员会领导班子分析检查报告
（2009年6月12日）
按照县委的部署，镇委领导班子在学习调研的基础上，对照科学发展观的要求进行了分析检查，现报告如下。
一、征求意见情况
镇委先后召开村干部、企业负责人和群众代表座谈会9场，发放征求意见表800份，收回762份，走访困难群众56户，共收集意见建议214条。
二、存在的突出问题
（一）经济发展方面
一是产业层次偏低，全镇218家企业中劳动密集型企业占76%，高新技术企业只有1家；二是受金融危机冲击，今年1至5月全镇工业产值同比下降14%，9家企业停产。
（二）民生保障方面
一是镇卫生院设备陈旧，群众反映看病要跑到县里；二是农村养老保险参保率只有58%，比全县平均水平低10个百分点。
（三）社会稳定方面
因征地补偿引发的集体上访去年达9批次，个别问题久拖未决。
（四）班子作风方面
一是会议和文件偏多，去年镇委镇政府发文172份，班子成员下村调研的时间偏少；二是抓落实不够有力，对部署的工作跟踪督办不到位。
三、原因分析
上述问题有客观因素，但根本的还是主观原因。
一是思想解放不够，满足于现有发展速度，对转变发展方式的紧迫性认识不足。
二是宗旨意识有所淡化，重项目投入、轻社会事业，对群众最关心的就医、养老问题研究得不多。
四、发展思路和整改措施
今后一个时期，我镇发展的总体思路是：坚持工业强镇、民生优先，走集约发展的路子。
（一）由镇经济发展办牵头，9月底前设立1000万元融资担保资金，帮助停产企业恢复生产。
（二）由镇卫生院组织实施，11月底前新增彩超等设备，开设夜间门诊。
（三）由镇社会事务办负责，年底前把农村养老保险参保率提高到70%以上。
（四）由镇综治办牵头，10月底前对9批次集体上访问题逐案明确包案领导，限期化解。
（五）由镇党政办负责，7月底前出台会议和文件管理办法，全年发文数量减少三成。
本报告已经镇委会议讨论通过。
"""

WEAK_ANALYSIS = """中共白水县农业局党组领导班子分析检查报告
根据县委的统一部署，我局开展了深入学习实践科学发展观活动，现将领导班子分析检查情况报告如下。
一、近年来取得的主要成绩
近年来，在县委、县政府的正确领导下，局党组团结带领全系统干部职工，真抓实干，各项工作取得了显著成绩。
（一）农业生产稳步发展。2008年全县粮食总产量达到21万吨，同比增长4.2%，连续五年获得丰收。
（二）农民收入持续增加。全县农民人均纯收入达到5230元，比上年增长11.6%，创历史新高。
（三）农业产业化加快推进。新培育市级龙头企业3家，农民专业合作社达到46个，带动农户1.2万户。
（四）农业基础设施不断完善。新建高标准农田2.3万亩，改造中低产田1.1万亩，完成小型水利工程86处。
（五）党的建设不断加强。局党组坚持中心组学习制度，去年集中学习12次，全系统未发生违纪违法案件。
（六）服务水平明显提升。开展科技下乡活动42场次，培训农民6800人次，受到群众好评。
二、存在的不足
在肯定成绩的同时，我们也清醒地看到，工作还存在一些不足：一是理论学习还不够系统深入；二是服务农民的意识还需进一步增强；三是工作创新还不够。
三、整改措施
今后，我们将着重做好以下工作：一是进一步加强学习，不断提高班子成员的理论水平；二是进一步转变作风，切实增强服务意识；三是进一步开拓创新，推动农业农村工作又好又快发展。
"""

GOOD_PLAN = [
    "中共青山镇委员会学习实践科学发展观活动整改落实方案",
    "根据镇委领导班子分析检查报告和群众评议意见，经镇委会议研究，制定本方案。",
    "一、整改项目",
    [["序号", "整改项目", "整改措施", "完成时限", "责任单位"],
     ["1", "缓解企业融资难", "设立1000万元融资担保资金", "2009年9月底前", "镇经济发展办"],
     ["2", "改善群众就医条件", "新增彩超等设备，开设夜间门诊", "2009年11月底前", "镇卫生院"],
     ["3", "化解集体上访积案", "逐案明确包案领导，限期化解", "2009年10月底前", "镇综治办"],
     ["4", "精简会议和文件", "出台会议和文件管理办法", "2009年7月底前", "镇党政办"]],
    "二、保障措施",
    "各责任单位要把整改任务分解到岗、落实到人，每月25日前报送进展情况。",
    "三、公开承诺",
    "镇委领导班子郑重承诺：对上述整改项目按期兑现，自觉接受全镇干部群众的监督。",
    "中共青山镇委员会",
    "2009年7月6日",
]

WEAK_PLAN = [
    "中共白水村支部委员会学习实践科学发展观活动整改落实方案",
    "根据村支部领导班子分析检查报告和村民评议意见，制定本方案。",
    "一、整改项目",
    [["序号", "整改项目", "整改措施", "完成时限", "责任单位"],
     ["1", "发展集体经济", "建设标准厂房3000平方米", "2009年12月底前", "村委会"],
     ["2", "改善饮水条件", "铺设供水管道2公里", "", "村委会"],
     ["3", "规范村务公开", "每月公开一次财务收支", "2009年8月底前", ""],
     ["4", "化解宅基地纠纷", "逐宗调处5宗宅基地纠纷", "2009年10月底前", "村调委会"]],
    "二、工作要求",
    "各村民小组要高度重视，按照分工抓好落实。",
    "中共白水村支部委员会",
    "2009年7月8日",
]

ANALYSIS_CODES = {"work_report_style", "no_problems", "no_cause_analysis", "narrow_consultation", "unclear_direction",
                  "vague_measures"}
PLAN_CODES = {"commitment_missing_deadline", "commitment_missing_owner", "no_public_pledge"}


@pytest.fixture(scope="module")
def analyses(tmp_path_factory, screener):
    d = tmp_path_factory.mktemp("gaps")
    (d / "good.txt").write_text(GOOD_ANALYSIS, encoding="utf-8")
    (d / "weak.txt").write_text(WEAK_ANALYSIS, encoding="gb18030")
    return screener.screen(d / "good.txt"), screener.screen(d / "weak.txt")


@pytest.fixture(scope="module")
def plans(tmp_path_factory, screener):
    from tests.conftest import build_docx

    d = tmp_path_factory.mktemp("plans")
    return (screener.screen(build_docx(d / "good.docx", GOOD_PLAN)),
            screener.screen(build_docx(d / "weak.docx", WEAK_PLAN)))


def _codes(rec: dict) -> set[str]:
    return {g["code"] for g in rec["gaps"]}


def test_gaps_good_analysis_passes_every_gate(analyses) -> None:
    good, _ = analyses
    assert good["doc_type"] == "analysis_report"
    assert not good["work_report"]["flag"]
    assert _codes(good) & ANALYSIS_CODES == set()
    assert "area_not_covered" not in _codes(good)


@pytest.mark.parametrize("code", sorted(ANALYSIS_CODES))
def test_gaps_weak_analysis_fails_gate(analyses, code: str) -> None:
    _, weak = analyses
    assert weak["doc_type"] == "analysis_report"
    assert code in _codes(weak)


def test_gaps_weak_analysis_flagged_with_reason_in_numbers(analyses) -> None:
    _, weak = analyses
    wr = weak["work_report"]
    assert wr["flag"] and wr["score"] >= 0.5
    assert "%" in wr["reason"] and "没有原因分析" in wr["reason"]
    assert wr["evidence"] and all(e in WEAK_ANALYSIS for e in wr["evidence"])


def test_gaps_have_chinese_message_and_evidence(analyses) -> None:
    _, weak = analyses
    for g in weak["gaps"]:
        assert g["message"] and any("\u4e00" <= ch <= "\u9fff" for ch in g["message"])
        assert g["evidence"]


def test_gaps_vague_measures_evidence_is_a_sentence_of_the_document(analyses) -> None:
    _, weak = analyses
    (gap,) = [g for g in weak["gaps"] if g["code"] == "vague_measures"]
    assert gap["evidence"].rstrip("…") in WEAK_ANALYSIS


def test_gaps_commitment_missing_measure(analyses) -> None:
    _, weak = analyses
    missing = [g for g in weak["gaps"] if g["code"] == "commitment_missing_measure"]
    assert missing and all("进一步" in g["evidence"] for g in missing)


def test_gaps_area_not_covered_names_the_area(analyses) -> None:
    _, weak = analyses
    areas = [g for g in weak["gaps"] if g["code"] == "area_not_covered"]
    assert any("社会稳定" in g["message"] for g in areas)


def test_gaps_good_plan_passes(plans) -> None:
    good, _ = plans
    assert good["doc_type"] == "rectification_plan"
    assert len(good["commitments"]) == 4
    assert _codes(good) & (PLAN_CODES | {"vague_measures"}) == set()
    assert [c["owner"] for c in good["commitments"]] == ["镇经济发展办", "镇卫生院", "镇综治办", "镇党政办"]
    assert [c["deadline"] for c in good["commitments"]] == ["2009-09-30", "2009-11-30", "2009-10-31", "2009-07-31"]


@pytest.mark.parametrize("code", sorted(PLAN_CODES))
def test_gaps_weak_plan_fails(plans, code: str) -> None:
    _, weak = plans
    assert weak["doc_type"] == "rectification_plan"
    assert code in _codes(weak)


def test_gaps_missing_fields_point_at_the_row(plans) -> None:
    _, weak = plans
    by = {g["code"]: g for g in weak["gaps"]}
    assert "改善饮水条件" in by["commitment_missing_deadline"]["evidence"]
    assert "规范村务公开" in by["commitment_missing_owner"]["evidence"]


def test_gaps_do_not_apply_to_other_types(screener, make_txt) -> None:
    notice = make_txt("关于召开整改落实工作会议的通知\n各村（社区）党组织：\n经研究，定于7月10日召开整改落实工作会议。现将有关事项通知如下：\n"
                      "一、会议时间\n7月10日上午9时。\n二、参会人员\n各村党组织书记。\n请准时参加。特此通知。\n青山镇党政办\n2009年7月6日\n")
    rec = screener.screen(notice)
    assert rec["doc_type"] == "other"
    assert rec["gaps"] == [] and rec["problems"] == [] and rec["commitments"] == []
