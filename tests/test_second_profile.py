"""Another campaign is only a profile folder: a small profile with other areas, other gaps and its
own report words, built in a temporary folder, screens a document and reports on it with no change
to the code."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import pytest
import yaml

from pipeline.profile import DEFAULT_PROFILE, PROFILES_DIR, ProfileError, load_profile

BASE = PROFILES_DIR / DEFAULT_PROFILE

# A 2024 work-safety rectification campaign (安全生产大排查大整治): two priority areas of its own.
AREAS = {
    "hazards": {"label": "排查整治重大事故隐患", "short": "隐患整治",
                "cues": ["隐患", "消防", "燃气", "电动车", "危化品", "通道", "灭火器"],
                "heading_cues": ["隐患", "消防"]},
    "duty": {"label": "压实安全生产责任", "short": "责任落实",
             "cues": ["责任", "制度", "培训", "演练", "检查", "台账", "值班"], "heading_cues": ["责任", "制度"]},
    "other": {"label": "其他", "short": "其他", "cues": ["党建"], "heading_cues": ["党建"]},
}
AREA_ROWS = [
    ("hazards", "部分楼道堆放杂物，消防通道被占用"), ("hazards", "燃气管道老化，存在泄漏隐患"),
    ("hazards", "电动车在楼道内充电的现象时有发生"), ("hazards", "仓库灭火器过期未更换"),
    ("hazards", "危化品存放不规范，没有分区管理"), ("hazards", "9月底前完成老旧燃气管道改造"),
    ("hazards", "年底前清理全部占用消防通道的杂物"), ("hazards", "更换过期灭火器120具"),
    ("duty", "安全生产责任制落实不到位"), ("duty", "值班制度执行不严，存在脱岗现象"),
    ("duty", "安全培训流于形式，演练次数少"), ("duty", "隐患台账更新不及时"),
    ("duty", "建立安全生产检查台账，每月更新"), ("duty", "10月底前组织全员安全培训"),
    ("duty", "明确各岗位安全责任，签订责任书"), ("duty", "每季度开展一次应急演练"),
    ("other", "召开支部党员大会"), ("other", "学习党的二十大精神"), ("other", "开展主题党日活动"),
    ("other", "慰问老党员"), ("other", "发展新党员两名"), ("other", "组织党员志愿服务"),
]
# Its words in reports: a checklist of its own (三查三改), the standard of its measures (五落实), its return note.
REPORTS = {
    "type_labels": {"rectification_plan": "隐患整改方案"},
    "return_gaps": ["hazards_not_listed", "measure_without_owner"],
    "checklists": {"plans": {"name": "三查三改", "gaps": ["hazards_not_listed", "measure_without_owner", "area_missing"]}},
    "commitment_standard": "五落实",
    "return_note": {"return": "经检查，《{title}》（{type}）不符合安全生产大排查大整治的要求，现予退回。",
                    "improve": "经检查，《{title}》（{type}）尚需完善。",
                    "return_close": "请对照“三查三改”的要求修改后重新报送。", "improve_close": "请完善后报送。"},
    "batch_memo_title": "安全生产大排查大整治整改方案审阅意见汇总",
}
AREA_COLOURS = {"hazards": {"colour": "#b91c1c", "background": "#fee2e2", "highlight": "red"},
                "duty": {"colour": "#0f766e", "background": "#ccfbf1", "highlight": "teal"}}
#: What campaign-2009's reports say that this campaign's must not.
CAMPAIGN_2009_WORDS = ("四不通过", "四明确一承诺", "学习实践活动", "经济发展", "作风落实", "整改落实方案")
PLAN = """某街道安全生产大排查大整治整改方案

一、存在的问题
一是辖区部分老旧小区楼道堆放杂物，消防通道被占用，灭火器过期未更换。
二是安全生产责任制落实不到位，隐患台账更新不及时，值班制度执行不严。

二、整改措施
1. 由街道城管科负责，9月底前清理全部占用消防通道的杂物，更换过期灭火器120具。
2. 由街道安监站负责，10月底前建立隐患台账，每月更新，组织全员安全培训。
"""


def _second_profile(root: Path) -> Path:
    data = yaml.safe_load((BASE / "profile.yaml").read_text(encoding="utf-8"))
    areas = {a: {**spec, **AREA_COLOURS.get(a, {})} for a, spec in AREAS.items()}
    data.update(name="safety-2024", version="2024.1", title="安全生产大排查大整治", areas=areas,
                priority_areas=["hazards", "duty"], cause_area="duty", reports=REPORTS)
    data["doc_types"] = {**data["doc_types"], "rectification_plan": "隐患排查整改方案"}
    for optional in ("news_lead", "transmittal"):  # a campaign may do without these cues
        data["patterns"].pop(optional)
    data["gaps"] = {
        "hazards_not_listed": {
            "kind": "too_few", "findings": "problems", "min": 3, "applies_to": ["rectification_plan"],
            "term": "隐患排查不全", "message": "排查出的隐患太少：{reason}。",
            "reason_few": "只找出{n}条问题", "reason_none": "没有列出隐患", "evidence_none": "（没有隐患清单）"},
        "measure_without_owner": {
            "kind": "missing_field", "findings": "commitments", "field": "owner",
            "applies_to": ["rectification_plan"], "term": "责任不明", "message": "有{count}项措施没有责任单位：{evidence}"},
        "area_missing": {
            "kind": "uncovered_areas", "applies_to": ["rectification_plan"], "term": "重点领域",
            "message": "没有涉及「{area}」。", "evidence": "（没有「{area}」）"},
    }
    folder = root / "safety-2024"
    (folder / "training" / "doctypes").mkdir(parents=True)
    (folder / "profile.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    shutil.copy(BASE / "userdict.txt", folder / "userdict.txt")
    # the campaign's own training data: its areas; sentence kinds and a few documents of each type
    (folder / "training" / "areas.tsv").write_text("".join(f"{a}\t{t}\n" for a, t in AREA_ROWS), encoding="utf-8")
    roles = (BASE / "training" / "roles.tsv").read_text(encoding="utf-8").splitlines()
    (folder / "training" / "roles.tsv").write_text("\n".join(roles[:400]) + "\n", encoding="utf-8")
    for dtype in data["doc_types"]:
        for src in sorted((BASE / "training" / "doctypes").glob(f"{dtype}-*.txt"))[:3]:
            shutil.copy(src, folder / "training" / "doctypes" / src.name)
    return folder


@pytest.fixture()
def second_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SHENCHA_CACHE", str(tmp_path / "cache"))  # its models never touch the user's cache
    return _second_profile(tmp_path / "profiles")


@pytest.fixture(scope="module")
def campaign(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The second profile with its models trained once, and the plan screened with it (text kept)."""
    from shencha.screener import Screener

    root = tmp_path_factory.mktemp("campaign")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SHENCHA_CACHE", str(root / "cache"))  # its models never touch the user's cache
        folder = _second_profile(root / "profiles")
        doc = root / "plan.txt"
        doc.write_text(PLAN, encoding="utf-8")
        rec = Screener(profile_name=str(folder)).screen(doc, include_text=True)
        yield {"folder": folder, "doc": doc, "record": rec, "cache": root / "cache"}


def test_another_campaign_screens_with_its_own_areas_and_gaps(campaign: dict[str, Any]) -> None:
    rec = campaign["record"]
    assert not rec["errors"], rec["errors"]
    assert rec["doc_type"] == "rectification_plan"
    areas = {f["area"] for f in rec["problems"] + rec["commitments"]}
    assert areas and areas <= set(AREAS), areas
    assert "hazards" in areas
    codes = {g["code"] for g in rec["gaps"]}
    assert "hazards_not_listed" in codes  # two problems, the rule asks for three
    assert codes <= {"hazards_not_listed", "measure_without_owner", "area_missing"}, codes
    assert [c["owner"] for c in rec["commitments"]] and all(c["owner"] for c in rec["commitments"])
    assert list(campaign["cache"].glob("models-safety-2024-*.pkl"))


def _visible(html: str) -> str:
    """The page's text and attribute values, without the stylesheet and the script."""
    return re.sub(r"<(style|script)>.*?</\1>", "", html, flags=re.S)


def test_its_reports_speak_its_own_words(campaign: dict[str, Any], tmp_path: Path) -> None:
    """The page, the memo and the index of a plan screened with the second profile show that profile's
    checklist, standard, areas, type names and return note — none of campaign-2009's."""
    from reports.tables import triage_rows
    from shencha.report_cli import write_reports

    rec = campaign["record"]
    res = write_reports([rec], tmp_path / "out", docx=True, profile=str(campaign["folder"]))
    assert not res["problems"], res["problems"]
    page = Path(next(iter(res["pages"].values()))).read_text(encoding="utf-8")
    index = Path(res["index"]).read_text(encoding="utf-8")
    memo = "\n".join(p.text for p in docx.Document(next(iter(res["docx"].values()))["memo"]).paragraphs)
    batch = "\n".join(p.text for p in docx.Document(res["batch_memo"]).paragraphs)
    assert "三查三改" in page and "整改承诺（五落实）" in page and "隐患排查不全" in page
    assert "隐患整治" in page and "--area-hazards: #b91c1c" in page  # its areas, in its colours
    assert "安全生产大排查大整治的要求，现予退回" in page and "请对照“三查三改”的要求" in page
    assert "三查三改" in memo and "整改承诺核查（五落实）" in memo and "现予退回" in memo
    assert "隐患排查整改方案" in page and "隐患排查整改方案" in index
    assert "安全生产大排查大整治整改方案审阅意见汇总" in batch
    for text in (_visible(page), _visible(index), memo, batch):
        assert not [w for w in CAMPAIGN_2009_WORDS if w in text], [w for w in CAMPAIGN_2009_WORDS if w in text]
    headers, rows = triage_rows([rec], load_profile(str(campaign["folder"])))
    assert rows[0][headers.index("类型")] == "隐患整改方案"  # its short type name in the office's tables
    # its evidence is highlighted in its areas' Word colours
    annotated = docx.Document(next(iter(res["docx"].values()))["annotated"])
    colours = {r.font.highlight_color for p in annotated.paragraphs for r in p.runs if r.font.highlight_color}
    assert colours & {docx.enum.text.WD_COLOR_INDEX.RED, docx.enum.text.WD_COLOR_INDEX.TEAL}, colours


def test_the_report_verb_finds_a_profile_folder_by_its_name(campaign: dict[str, Any], tmp_path: Path) -> None:
    """``shencha report --profile FOLDER`` screens with it and labels the pages with it; without
    ``--profile`` a record of a profile outside pipeline/profiles falls back to the default labels."""
    import json

    from shencha.cli import main

    out = tmp_path / "r"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SHENCHA_CACHE", str(campaign["cache"]))
        assert main(["report", str(campaign["doc"]), "--profile", str(campaign["folder"]), "--out", str(out)]) == 0
    page = next(p for p in out.glob("*.html") if p.name != "index.html").read_text(encoding="utf-8")
    assert "三查三改" in page and "四明确一承诺" not in page
    records = tmp_path / "r.jsonl"
    records.write_text(json.dumps(campaign["record"], ensure_ascii=False) + "\n", encoding="utf-8")
    assert main(["report", str(records), "--profile", str(campaign["folder"]), "--out", str(tmp_path / "j")]) == 0
    page = next(p for p in (tmp_path / "j").glob("*.html") if p.name != "index.html").read_text(encoding="utf-8")
    assert "三查三改" in page
    assert main(["report", str(records), "--out", str(tmp_path / "d")]) == 0
    page = next(p for p in (tmp_path / "d").glob("*.html") if p.name != "index.html").read_text(encoding="utf-8")
    assert "三查三改" not in page  # the record names safety-2024, which pipeline/profiles does not hold


def test_report_words_that_name_what_the_profile_lacks_are_profile_errors(second_profile: Path) -> None:
    data = yaml.safe_load((second_profile / "profile.yaml").read_text(encoding="utf-8"))
    cases = [
        (lambda d: d["reports"].update(return_gaps=["no_problems"]), r"return_gaps names no gap \['no_problems'\]"),
        (lambda d: d["reports"]["checklists"].update(analyses={"name": "x", "gaps": ["vague_measures"]}),
         r"checklists.analyses names no gap"),
        (lambda d: d["reports"]["checklists"].update(speeches={"name": "x", "gaps": []}), r"'speeches' is not a genre"),
        (lambda d: d["reports"]["return_note"].update(improve="《{name}》"), r"return_note.improve"),
        (lambda d: d["reports"].pop("batch_memo_title"), r"missing keys \['batch_memo_title'\]"),
        (lambda d: d["areas"]["hazards"].update(colour="red;}</style>"), r"colour must be a colour"),
        (lambda d: d["areas"]["duty"].update(highlight="mauve"), r"highlight must be one of"),
        (lambda d: d.pop("reports"), r"missing keys \['reports'\]"),
    ]
    for change, message in cases:
        broken = yaml.safe_load(yaml.safe_dump(data, allow_unicode=True))
        change(broken)
        (second_profile / "profile.yaml").write_text(yaml.safe_dump(broken, allow_unicode=True), encoding="utf-8")
        load_profile.cache_clear()
        with pytest.raises(ProfileError, match=message):
            load_profile(str(second_profile))
    load_profile.cache_clear()


def test_a_gap_rule_of_unknown_kind_is_a_profile_error(second_profile: Path) -> None:
    data = yaml.safe_load((second_profile / "profile.yaml").read_text(encoding="utf-8"))
    data["gaps"]["hazards_not_listed"]["kind"] = "count_hazards"
    (second_profile / "profile.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ProfileError, match="unknown kind 'count_hazards'"):
        load_profile(str(second_profile))


def test_a_gap_rule_without_its_parameters_is_a_profile_error(second_profile: Path) -> None:
    data = yaml.safe_load((second_profile / "profile.yaml").read_text(encoding="utf-8"))
    del data["gaps"]["measure_without_owner"]["field"]
    (second_profile / "profile.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ProfileError, match="needs \\['field'\\]"):
        load_profile(str(second_profile))


def test_the_gap_kinds_the_loader_knows_are_the_ones_implemented() -> None:
    from classifiers.gaps import RULE_KINDS
    from pipeline.profile import GAP_KINDS

    assert set(RULE_KINDS) == set(GAP_KINDS)
