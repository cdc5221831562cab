"""A screening record as the archive keeps it: the rows a store writes (``prepare``, ``finding_rows``),
the record read back (``record_from_row``) and the kept original file (``copy_original``)."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline import __version__ as SHENCHA_VERSION

from .ledger import commitment_keys
from .textindex import char_grams, exact_fold, fold, index_text

# Commitment fields kept as columns for the ledger (the rest stay in the JSON ``data``).
COMMITMENT_FIELDS = ("item", "owner", "deadline", "deadline_precision", "deadline_text", "target", "measures")


def pipeline_version(record: dict[str, Any]) -> str:
    """What produced a record's findings: Shencha's version and the profile's name and version."""
    prof = record.get("profile") or {}
    return (f"shencha {SHENCHA_VERSION}; {prof.get('name')}@{prof.get('version')}; models {prof.get('models') or '?'}; "
            f"schema {record.get('schema')}")


# ------------------------------------------------------------------ prepared documents


@dataclass
class Prepared:
    """A record turned into rows: everything a store writes for one document, computed outside the transaction."""

    sha256: str
    name: str
    path: str
    format: str
    size: int
    script: str
    title: str
    unit: str | None
    unit_folded: str | None
    date: str | None
    year: int | None
    doc_type: str
    doc_type_score: float
    wr_flag: bool
    wr_score: float
    pipeline: str
    text: str
    tokens: str
    record_json: str
    grams: str = ""
    problems: list[dict[str, Any]] = field(default_factory=list)
    commitments: list[dict[str, Any]] = field(default_factory=list)
    gaps: list[dict[str, Any]] = field(default_factory=list)
    tags: list[tuple[str, str]] = field(default_factory=list)


def prepare(record: dict[str, Any], *, name: str | None = None) -> Prepared:
    """Turn a screening record (``include_text=True``) into the rows a store writes.

    Args:
        record: A record from ``Screener.screen(path, include_text=True)`` (or one built the same way).
        name: The source file name to keep (default: the record path's base name).

    Raises:
        ValueError: when the record has errors, no hash or no text field.
    """
    if record.get("errors"):
        raise ValueError(f"record has errors: {record['errors'][0].get('code')}")
    if not record.get("sha256"):
        raise ValueError("record has no sha256")
    if "text" not in record:
        raise ValueError("record has no text (screen with include_text=True)")
    text = record.get("text") or ""
    date = record.get("date")
    year = int(date[:4]) if date and date[:4].isdigit() else None
    wr = record.get("work_report") or {}
    slim = {k: v for k, v in record.items() if k not in ("text", "words")}
    words = record.get("words")  # the screening's jieba words of its analysis text, when the record carries them
    if not _words_fit(words, text):
        words = None
    unit = record.get("unit")
    problems = [dict(p, seq=i) for i, p in enumerate(record.get("problems") or [])]
    commitments = [dict(c, seq=i) for i, c in enumerate(record.get("commitments") or [])]
    gaps = [dict(g, seq=i) for i, g in enumerate(record.get("gaps") or [])]
    tags: set[tuple[str, str]] = set()
    for f in problems + commitments:
        tags.add(("area", f.get("area") or "other"))
    for g in gaps:
        if g.get("code"):
            tags.add(("gap", g["code"]))
    return Prepared(
        sha256=record["sha256"], name=name or os.path.basename(str(record.get("path") or "")),
        path=str(record.get("path") or ""), format=record.get("format") or "", size=int(record.get("size") or 0),
        script=record.get("script") or "simplified", title=record.get("title") or "",
        unit=unit, unit_folded=_fold_name(unit) if unit else None, date=date, year=year,
        doc_type=record.get("doc_type") or "other", doc_type_score=float(record.get("doc_type_score") or 0.0),
        wr_flag=bool(wr.get("flag")), wr_score=float(wr.get("score") or 0.0), pipeline=pipeline_version(record),
        text=text, tokens=index_text(text, words),
        record_json=json.dumps(slim, ensure_ascii=False, separators=(",", ":")),
        grams=char_grams(text),
        problems=problems, commitments=commitments, gaps=gaps, tags=sorted(tags),
    )



def _words_fit(words: Any, text: str) -> bool:
    """Whether ``words`` (a record's) are a cut of ``text`` for the word index: of its word-analysis form
    (``fold``, case aside), or at least of a text with the same exact fold (``exact_fold``).

    The screening's words cut its analysis text, which is the ``fold`` of the text unless pinyin
    readings were taken out; the exact fold, one table lookup per character, tells the two apart
    (and the slower ``fold`` decides where a phrase rule chose another simplified character).
    """
    if not isinstance(words, list):
        return False
    try:
        joined = "".join(words)
    except TypeError:  # not all strings
        return False
    if len(joined) != len(text):
        return False
    return exact_fold(joined) == exact_fold(text) or joined.lower() == fold(text).lower()


@lru_cache(maxsize=8192)
def _fold_name(name: str) -> str:
    """``fold`` of a unit or owner name (they repeat from one document to the next)."""
    return fold(name)


def finding_rows(doc: Prepared, *, data: bool = True) -> list[tuple[Any, ...]]:
    """Rows for the ``findings`` table: (kind, seq, area, score, text, start, end, item, owner, owner_folded,
    deadline, deadline_precision, deadline_text, target, measures, cid, data); ``cid`` is a commitment's
    key (``corpus.ledger.commitment_keys``), None for a problem; ``data`` the finding as JSON (``""``
    without ``data``: the SQLite store reads findings from the stored record)."""
    rows: list[tuple[Any, ...]] = []
    keys = commitment_keys([c.get("text") or "" for c in doc.commitments])
    for kind, items in (("problem", doc.problems), ("commitment", doc.commitments)):
        for k, f in enumerate(items):
            owner = f.get("owner")
            rows.append((kind, f["seq"], f.get("area") or "other", float(f.get("score") or 0.0), f.get("text") or "",
                         f.get("start"), f.get("end"), f.get("item"), owner, _fold_name(owner) if owner else None,
                         f.get("deadline"), f.get("deadline_precision"), f.get("deadline_text"), f.get("target"),
                         f.get("measures"), keys[k] if kind == "commitment" else None,
                         json.dumps(f, ensure_ascii=False) if data else ""))
    return rows


def record_from_row(doc_id: int, name: str, text: str, record_json: str, extra: dict[str, Any]) -> dict[str, Any]:
    """The stored record of one document, as ``Store.get`` returns it."""
    rec = json.loads(record_json)
    rec.update(extra)
    rec["id"] = doc_id
    rec["name"] = name
    rec["text"] = text
    return rec


def _sha256_file(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def copy_original(src: bytes | Path, dest: Path) -> None:
    """Write the original file to ``dest`` atomically (temp file, fsync, rename)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + f".tmp{os.getpid()}")
    if isinstance(src, (bytes, bytearray)):
        with open(tmp, "wb") as f:
            f.write(src)
            f.flush()
            os.fsync(f.fileno())
    else:
        with open(src, "rb") as fi, open(tmp, "wb") as fo:
            shutil.copyfileobj(fi, fo)
            fo.flush()
            os.fsync(fo.fileno())
    os.replace(tmp, dest)

