"""Another campaign is only a profile folder: a small profile with other areas and other gaps,
built in a temporary folder, screens a document with no change to the code."""

from __future__ import annotations

import shutil
from pathlib import Path

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
    data.update(name="safety-2024", version="2024.1", title="安全生产大排查大整治", areas=AREAS,
                priority_areas=["hazards", "duty"], cause_area="duty")
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


def test_another_campaign_screens_with_its_own_areas_and_gaps(second_profile: Path, tmp_path: Path) -> None:
    from shencha.screener import Screener

    doc = tmp_path / "plan.txt"
    doc.write_text(PLAN, encoding="utf-8")
    rec = Screener(profile_name=str(second_profile)).screen(doc)
    assert not rec["errors"], rec["errors"]
    assert rec["doc_type"] == "rectification_plan"
    areas = {f["area"] for f in rec["problems"] + rec["commitments"]}
    assert areas and areas <= set(AREAS), areas
    assert "hazards" in areas
    codes = {g["code"] for g in rec["gaps"]}
    assert "hazards_not_listed" in codes  # two problems, the rule asks for three
    assert codes <= {"hazards_not_listed", "measure_without_owner", "area_missing"}, codes
    assert [c["owner"] for c in rec["commitments"]] and all(c["owner"] for c in rec["commitments"])
    assert list((tmp_path / "cache").glob("models-safety-2024-*.pkl"))


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
