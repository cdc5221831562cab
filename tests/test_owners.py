"""Owners: the first responsible unit or post named, as written."""

from __future__ import annotations

import pytest

from extractors.owners import find_owner


@pytest.mark.parametrize(
    ("text", "owner"),
    [
        ("由镇经济发展办牵头，9月底前建成服务中心。", "镇经济发展办"),
        ("加快产业园建设，由镇招商办负责跟踪落实。", "镇招商办"),
        ("由镇社会事务办组织实施，年底前提高参保率，由镇财政给予补助。", "镇社会事务办"),
        ("由镇综治信访维稳中心建立台账。", "镇综治信访维稳中心"),
        ("由集团工会牵头实施住房改善工程。", "集团工会"),
        ("由局农村社会养老保险股负责摸底登记。", "局农村社会养老保险股"),
        ("由村委会向镇水利所申请专项资金。", "村委会"),
        ("由村调委会每月走访企业一次。", "村调委会"),
        ("责任单位：镇安监办", "镇安监办"),
        ("牵头单位：县就业服务中心；配合单位：各乡镇", "县就业服务中心"),
        ("二是由技术中心牵头与省建材研究院合作开发。", "技术中心"),
        ("9月底前精简机构，由人力资源部负责；", "人力资源部"),
        ("社区党总支负责，7月底前制定公开目录。", "社区党总支"),
    ],
)
def test_owner_found(profile, text: str, owner: str) -> None:
    span = find_owner(text, profile)
    assert span is not None and text[span[0] : span[1]] == owner


@pytest.mark.parametrize(
    "text",
    [
        "同时牵头制定全镇陶瓷产业整合提升方案。",
        "对困难群众参保由镇财政给予每人每年120元补助。",
        "严格执行公务接待标准，减少会议和发文数量。",
        "由镇委书记任组长。",
    ],
)
def test_owner_absent(profile, text: str) -> None:
    assert find_owner(text, profile) is None
