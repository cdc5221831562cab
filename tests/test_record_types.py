"""The record's two descriptions agree: the TypedDicts of pipeline/record.py and the JSON Schema of
reports/schema/record.schema.json name the same keys, the same required keys and the same value
types, part by part; and a record the screener writes for a document built here fits both."""

from __future__ import annotations

import ast
import copy
import json
import types
import typing
from pathlib import Path
from typing import Any

import pytest

from pipeline import document, record
from pipeline.record import SCHEMA_VERSION, Record
from reports.records import RecordError, record_schema, validate

_PY_TO_JSON = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null"}


def _is_typeddict(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, dict) and hasattr(tp, "__required_keys__")


def _json_types(tp: Any) -> set[str] | None:
    """The JSON types an annotation allows (None for ``Any``)."""
    if tp is Any:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        out: set[str] = set()
        for arg in typing.get_args(tp):
            out |= _json_types(arg) or set()
        return out
    if origin is list or tp is list:
        return {"array"}
    if origin is dict or tp is dict or _is_typeddict(tp):
        return {"object"}
    return {_PY_TO_JSON[tp]}


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = defs[schema["$ref"]]
    return schema


def _schema_types(schema: dict[str, Any]) -> set[str] | None:
    t = schema.get("type")
    return None if t is None else {t} if isinstance(t, str) else set(t)


def disagreements(tp: Any, schema: dict[str, Any], defs: dict[str, Any], where: str = "record") -> list[str]:
    """Where annotation ``tp`` and ``schema`` describe a value differently (empty when they agree)."""
    schema = _resolve(schema, defs)
    out = []
    want, have = _json_types(tp), _schema_types(schema)
    if want is not None and want != have:
        out.append(f"{where}: the type says {sorted(want)}, the schema {sorted(have or [])}")
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):  # str | None: compare the non-null member
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        return out + (disagreements(inner[0], {k: v for k, v in schema.items() if k != "type"}, defs, where)
                      if len(inner) == 1 and typing.get_origin(inner[0]) else [])
    if origin is list:
        (item,) = typing.get_args(tp)
        if "items" not in schema:
            return [*out, f"{where}: the schema gives no items"]
        return out + disagreements(item, schema["items"], defs, f"{where}[]")
    if origin is dict:
        _, value = typing.get_args(tp)
        extra = schema.get("additionalProperties")
        if "properties" in schema:
            out.append(f"{where}: the schema names properties, the type is a plain dict")
        if isinstance(extra, dict):
            out += disagreements(value, extra, defs, f"{where}.*")
        return out
    if _is_typeddict(tp):
        hints = typing.get_type_hints(tp)
        props = schema.get("properties", {})
        for k in sorted(set(hints) - set(props)):
            out.append(f"{where}.{k}: in {tp.__name__}, not in the schema")
        for k in sorted(set(props) - set(hints)):
            out.append(f"{where}.{k}: in the schema, not in {tp.__name__}")
        if set(tp.__required_keys__) != set(schema.get("required", ())):
            out.append(f"{where}: {tp.__name__} requires {sorted(tp.__required_keys__)}, "
                       f"the schema {sorted(schema.get('required', ()))}")
        for k in sorted(set(hints) & set(props)):
            out += disagreements(hints[k], props[k], defs, f"{where}.{k}")
    return out


def misfits(value: Any, tp: Any, where: str = "record") -> list[str]:
    """Where ``value`` does not have the annotated type: wrong types, missing required or undeclared keys."""
    if tp is Any:
        return []
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        tries = [misfits(value, arg, where) for arg in typing.get_args(tp)]
        return [] if any(not t for t in tries) else min(tries, key=len)
    if origin is list:
        if not isinstance(value, list):
            return [f"{where}: {type(value).__name__}, not a list"]
        (item,) = typing.get_args(tp)
        return [m for i, x in enumerate(value) for m in misfits(x, item, f"{where}[{i}]")]
    if origin is dict:
        if not isinstance(value, dict):
            return [f"{where}: {type(value).__name__}, not an object"]
        _, v = typing.get_args(tp)
        return [m for k, x in value.items() for m in misfits(x, v, f"{where}.{k}")]
    if _is_typeddict(tp):
        if not isinstance(value, dict):
            return [f"{where}: {type(value).__name__}, not a {tp.__name__}"]
        hints = typing.get_type_hints(tp)
        out = [f"{where}.{k}: missing" for k in sorted(tp.__required_keys__ - set(value))]
        out += [f"{where}.{k}: not a key of {tp.__name__}" for k in sorted(set(value) - set(hints))]
        return out + [m for k, x in value.items() if k in hints for m in misfits(x, hints[k], f"{where}.{k}")]
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return []  # JSON numbers: 0 is a float's value too
    if tp in (int, float) and isinstance(value, bool) or not isinstance(value, tp):
        return [f"{where}: {type(value).__name__}, not {tp.__name__}"]
    return []


PLAN = [
    "中共青石镇委员会深入学习实践科学发展观活动整改落实方案",
    "一、存在的突出问题",
    "一是全镇农民人均纯收入仅3200元，比全县平均水平低15%，产业结构单一。",
    "二是部分干部作风不实，群众反映办事难，去年信访量增长了20%。",
    "二、整改措施",
    [["序号", "整改项目", "整改措施", "完成时限", "责任单位"],
     ["1", "村道硬化", "投资200万元硬化村道5公里", "2009年12月31日", "镇交通办"],
     ["2", "便民服务", "建成镇便民服务中心，实行一站式办理", "2009年10月底前", "镇党政办"],
     ["3", "信访化解", "开展矛盾纠纷大排查，化解积案12件", "2009年11月", "镇综治办"]],
    "三、公开承诺",
    "我们郑重承诺：以上整改事项在镇政务公开栏公示，接受全镇党员群众监督。",
]


@pytest.fixture(scope="module")
def screened(screener: Any, tmp_path_factory: pytest.TempPathFactory) -> list[Record]:
    from tests.conftest import build_docx

    src = build_docx(tmp_path_factory.mktemp("record") / "plan.docx", PLAN)
    rec = screener.screen(src, include_text=True)
    return [rec, screener.screen(src), screener.screen(src.with_name("missing.docx"))]


def test_the_typeddicts_and_the_schema_name_the_same_keys_and_types() -> None:
    schema = record_schema()
    assert disagreements(Record, schema, schema["$defs"]) == []


def test_a_difference_either_way_is_found() -> None:
    schema = copy.deepcopy(record_schema())
    schema["$defs"]["commitment"]["properties"]["colour"] = {"type": "string"}  # in the schema only
    del schema["properties"]["work_report"]["properties"]["reason_en"]           # in the type only
    schema["$defs"]["problem"]["properties"]["cause"] = {"type": "string"}       # another type
    schema["properties"]["blocks"]["items"]["required"] = ["start"]              # another required set
    found = disagreements(Record, schema, schema["$defs"])
    assert any("commitments[].colour: in the schema" in f for f in found)
    assert any("work_report.reason_en: in WorkReport" in f for f in found)
    assert any("problems[].cause: the type says ['boolean']" in f for f in found)
    assert any("blocks[]: BlockRecord requires ['end', 'start']" in f for f in found)
    assert len(found) == 4, found


def test_a_screened_record_fits_the_schema_and_the_types(screened: list[Record]) -> None:
    full, slim, failed = screened
    assert full["doc_type"] == "rectification_plan" and full["problems"] and full["commitments"]
    assert any(c["owner"] and c["deadline"] for c in full["commitments"])
    assert full["errors"] == [] and failed["errors"] and "text" in full and "text" not in slim
    for rec in screened:
        for value in (rec, json.loads(json.dumps(rec, ensure_ascii=False))):
            assert validate(value) is value
            assert misfits(value, Record) == []
        assert rec["schema"] == SCHEMA_VERSION


def test_the_type_check_catches_what_does_not_fit(screened: list[Record]) -> None:
    rec = json.loads(json.dumps(screened[0], ensure_ascii=False))
    rec["problems"][0]["cause"] = "yes"
    rec["commitments"][0]["colour"] = "red"
    del rec["blocks"][0]["end"]
    assert misfits(rec, Record) == ["record.problems[0].cause: str, not bool",
                                    "record.commitments[0].colour: not a key of CommitmentRecord",
                                    "record.blocks[0].end: missing"]
    with pytest.raises(RecordError):
        validate(rec)


def test_one_record_schema_version() -> None:
    """The record format's version is pipeline.record's; pipeline.document writes the same number."""
    assert document.SCHEMA_VERSION == record.SCHEMA_VERSION
    assert "SCHEMA_VERSION" in (record.__doc__ or "") and "archive" in (record.__doc__ or "")
    tree = ast.parse(Path(record.__file__).read_text(encoding="utf-8"))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert imported <= {"__future__", "typing"}, imported  # ground: the standard library only
