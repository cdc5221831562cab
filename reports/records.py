"""Reading screening records back from JSON Lines, checked against the record schema.

The record's shape is written down in ``reports/schema/record.schema.json`` (a small subset of
JSON Schema; the same shape as types is :class:`pipeline.record.Record`, and a test keeps the two in
agreement); :func:`validate` checks a decoded value against it and :func:`read_records` reads a
``.jsonl`` file line by line. A line that is not JSON, not UTF-8, holds a lone surrogate or a field
of the wrong type is reported as one :class:`RecordProblem` naming the file, the line and the field;
every other line is still returned, so one crafted record never stops a report.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline.record import Record

SCHEMA_PATH = Path(__file__).parent / "schema" / "record.schema.json"
#: A line longer than this is refused before it is decoded (a record of a 50 MB file stays far below).
MAX_LINE_BYTES = 256 * 1024 * 1024
_JSON_TYPES = {"string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,),
               "object": (dict,), "array": (list,), "null": (type(None),)}


class RecordError(ValueError):
    """A value that does not have the record's shape; ``field`` is its path (``problems[2].area``)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field or 'record'}: {reason}")
        self.field = field or "record"
        self.reason = reason


@dataclass(frozen=True)
class RecordProblem:
    """One line of a records file that could not be used."""

    path: str
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        where = f" field {self.field}:" if self.field else ""
        return f"{self.path}:{self.line}:{where} {self.reason}"


@lru_cache(maxsize=1)
def record_schema() -> dict[str, Any]:
    """The record schema (``reports/schema/record.schema.json``)."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _has_lone_surrogate(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _type_name(v: Any) -> str:
    if isinstance(v, bool):
        return "boolean"
    for name, types in _JSON_TYPES.items():
        if name != "number" and isinstance(v, types):
            return name
    return "number" if isinstance(v, float) else type(v).__name__


def _is(v: Any, t: str) -> bool:
    if t in ("integer", "number") and isinstance(v, bool):
        return False
    return isinstance(v, _JSON_TYPES[t])


def _check_strings(v: Any, where: str) -> None:
    """Every string (keys too) must be encodable text: no lone surrogate from a ``\\udXXX`` escape."""
    stack = [(v, where)]
    while stack:
        x, w = stack.pop()
        if isinstance(x, str):
            if _has_lone_surrogate(x):
                raise RecordError(w, "holds a lone surrogate (an unpaired \\ud800-\\udfff escape), not text")
        elif isinstance(x, dict):
            for k, y in x.items():
                if _has_lone_surrogate(k):
                    raise RecordError(w, "has a key with a lone surrogate")
                stack.append((y, f"{w}.{k}" if w else k))
        elif isinstance(x, list):
            stack.extend((y, f"{w}[{i}]") for i, y in enumerate(x))
        elif isinstance(x, float) and not math.isfinite(x):
            raise RecordError(w, f"is {x}, not a finite number")


def _check(v: Any, schema: dict[str, Any], where: str, defs: dict[str, Any]) -> None:
    while "$ref" in schema:
        schema = defs[schema["$ref"]]
    types = schema.get("type")
    if types is not None:
        types = [types] if isinstance(types, str) else types
        if not any(_is(v, t) for t in types):
            raise RecordError(where, f"is {_type_name(v)}, expected {' or '.join(types)}")
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if "minimum" in schema and v < schema["minimum"]:
            raise RecordError(where, f"is {v}, below {schema['minimum']}")
        if "maximum" in schema and v > schema["maximum"]:
            raise RecordError(where, f"is {v}, above {schema['maximum']}")
    if isinstance(v, str) and "maxLength" in schema and len(v) > schema["maxLength"]:
        raise RecordError(where, f"is {len(v)} characters long, more than {schema['maxLength']}")
    if isinstance(v, dict):
        for k in schema.get("required", ()):
            if k not in v:
                raise RecordError(f"{where}.{k}" if where else k, "is missing")
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for k, x in v.items():
            sub = props.get(k, extra if isinstance(extra, dict) else None)
            if sub is not None:
                _check(x, sub, f"{where}.{k}" if where else k, defs)
    elif isinstance(v, list) and "items" in schema:
        for i, x in enumerate(v):
            _check(x, schema["items"], f"{where}[{i}]", defs)


def validate(record: Any, schema: dict[str, Any] | None = None) -> Record:
    """``record`` itself when it has the record's shape.

    Raises:
        RecordError: naming the first field that is wrong (its path and why).
    """
    schema = schema or record_schema()
    _check_strings(record, "")
    _check(record, schema, "", schema.get("$defs", {}))
    end_fields = [("problems", "start", "end"), ("commitments", "start", "end"), ("blocks", "start", "end")]
    for key, a, b in end_fields:
        for i, f in enumerate(record.get(key) or []):
            if a in f and b in f and f[a] > f[b]:
                raise RecordError(f"{key}[{i}].{b}", f"{f[b]} is before {a} {f[a]}")
    return record


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    with open(path, "rb") as fh:
        yield from enumerate(fh, 1)


def iter_records(path: str | Path) -> Iterator[Record | RecordProblem]:
    """Each line of a ``.jsonl`` file as a checked record, or as the problem that line has.

    Blank lines are skipped; a torn last line (an interrupted run) is a problem like any other.
    """
    p = Path(path)
    name = str(path)
    for n, raw in _lines(p):
        if not raw.strip():
            continue
        if len(raw) > MAX_LINE_BYTES:
            yield RecordProblem(name, n, "", f"line of {len(raw)} bytes is longer than {MAX_LINE_BYTES}")
            continue
        try:
            line = raw.decode("utf-8-sig" if n == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            yield RecordProblem(name, n, "", f"not UTF-8 (byte {exc.start + 1}: {raw[exc.start:exc.start + 1]!r})")
            continue
        try:
            value = json.loads(line)
        except RecursionError:
            yield RecordProblem(name, n, "", "not a record: JSON nested too deeply")
            continue
        except ValueError as exc:
            yield RecordProblem(name, n, "", f"not JSON ({exc})")
            continue
        if not isinstance(value, dict):
            yield RecordProblem(name, n, "", f"not a record: a JSON {_type_name(value)}, expected an object")
            continue
        try:
            yield validate(value)
        except RecordError as exc:
            yield RecordProblem(name, n, exc.field, exc.reason)
        except RecursionError:
            yield RecordProblem(name, n, "", "not a record: nested too deeply")


def read_records(path: str | Path) -> tuple[list[Record], list[RecordProblem]]:
    """``(records, problems)`` of a ``.jsonl`` file (see :func:`iter_records`)."""
    good: list[Record] = []
    bad: list[RecordProblem] = []
    for item in iter_records(path):
        (bad if isinstance(item, RecordProblem) else good).append(item)  # type: ignore[arg-type]
    return good, bad
