"""Property-based: arbitrary text and bytes through the whole pipeline keep the record contract."""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.errors import CATALOGUE
from shencha.batch import finish_record

RECORD_KEYS = {"path", "sha256", "format", "size", "encoding", "script", "profile", "schema", "title", "unit", "date",
               "doc_type", "doc_type_score", "work_report", "problems", "commitments", "gaps", "errors", "warnings",
               "stats"}

# Fragments of real submissions, so that generated text reaches the extractors, not only the decoder.
FRAGMENTS = ["一、存在的突出问题", "二、产生问题的原因", "三、整改措施", "一是", "二是", "三是", "产业层次偏低", "群众反映",
             "由镇经济发展办牵头", "9月底前", "年底前完成", "全镇326家工业企业中", "占81%", "跟踪督办不到位",
             "思想解放不够", "領導班子", "進一步加強", "，", "。", "；", "：", "\n", "\r\n", " ", "（一）", "1.", "2009年6月10日"]

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _screen_bytes(screener: Any, data: bytes) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "doc.txt"
        p.write_bytes(data)
        return finish_record(screener.screen(p, include_text=True))


def _check_contract(rec: dict[str, Any], data: bytes) -> None:
    extra = {"text", "blocks"}
    assert set(rec) - extra == RECORD_KEYS
    json.dumps(rec, ensure_ascii=False).encode("utf-8")
    assert rec["format"] == "txt" and rec["size"] == len(data)
    for e in rec["errors"]:
        assert e["code"] in CATALOGUE and e["message"].startswith(f"[{e['code']}]")
        assert e["code"] != "E199", e["message"]  # text never makes the pipeline itself fail
    if data:
        assert rec["sha256"] == hashlib.sha256(data).hexdigest()
    if rec["errors"]:
        return
    text = rec["text"]
    assert rec["stats"]["chars"] == len(text) > 0
    for f in rec["problems"] + rec["commitments"]:
        assert 0 <= f["start"] <= f["end"] <= len(text)
        assert text[f["start"] : f["end"]] == f["text"]
    for b in rec["blocks"]:
        assert 0 <= b["start"] <= b["end"] <= len(text)
    assert all(isinstance(g["code"], str) for g in rec["gaps"])
    assert isinstance(rec["work_report"].get("flag"), bool)


@SETTINGS
@given(st.text(max_size=400))
def test_any_unicode_text(screener: Any, text: str) -> None:
    data = text.encode("utf-8")
    _check_contract(_screen_bytes(screener, data), data)


@SETTINGS
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=80), st.sampled_from(["utf-8", "gb18030", "utf-8-sig"]))
def test_report_like_text_in_any_encoding(screener: Any, parts: list[str], encoding: str) -> None:
    data = "".join(parts).encode(encoding)
    _check_contract(_screen_bytes(screener, data), data)


@SETTINGS
@given(st.binary(max_size=2000))
def test_any_bytes(screener: Any, data: bytes) -> None:
    _check_contract(_screen_bytes(screener, data), data)
