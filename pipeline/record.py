"""The screening record's shape as types: one JSON Lines line per document, as
``pipeline.document.Document.to_record`` writes it and ``reports.records`` reads it back.

The record is written down twice and the two must agree (``tests/test_record_types.py`` checks it
both ways): as JSON Schema in ``reports/schema/record.schema.json``, which checks records read from
files, and as the ``TypedDict`` classes below, which the code that reads records names in its
signatures. A key the schema makes ``required`` is a required key here (index it: ``rec["path"]``);
every other key may be absent from a record read back (use ``.get``), though a record Shencha writes
carries them all.

    Record                 the whole line
    ProfileMetadata        ``profile``: what produced the findings (profile name, version, models)
    WorkReport             ``work_report``: the work-report score, flag and reason
    ProblemRecord          ``problems[i]``: a problem statement (a span of ``text``)
    CommitmentRecord       ``commitments[i]``: a commitment and its 四明确一承诺 fields
    GapRecord              ``gaps[i]``: a gap, its campaign term, message and evidence
    ErrorRecord            ``errors[i]``: why a file could not be screened (coded, pipeline/errors.py)
    BlockRecord            ``blocks[i]``: a paragraph, line or table row of ``text`` and where it came from

Two schema versions: :data:`SCHEMA_VERSION` is the version of this record format, written in every
record's ``schema`` field; raise it when a field changes meaning or is removed (adding a field
does not need it). It has nothing to do with the archive's database schema
(``corpus.base.ARCHIVE_SCHEMA_VERSION``,
the ``schema_version`` row of an archive's ``meta`` table), which has versions of its own.

This module is ground: it imports only the standard library.
"""

from __future__ import annotations

from typing import Any, TypedDict

#: The version of the record format (every record's ``schema`` field). Not the archive's database schema.
SCHEMA_VERSION = 1

#: Where a block or finding came from: ``{"paragraph": 3}``, ``{"page": 2}``, ``{"table": 1, "row": 4}``.
Locator = dict[str, int]


class ProfileMetadata(TypedDict, total=False):
    """``profile``: the profile (name and version) and the models that produced the findings."""

    name: str
    version: str
    models: str


class WorkReport(TypedDict, total=False):
    """``work_report``: how much of the document reads as a work report (讲成绩) and why."""

    flag: bool
    score: float
    applies: bool
    reason: str
    reason_en: str
    achievement_sentences: int
    sentences: int
    evidence: list[str]


class ProblemRecord(TypedDict, total=False):
    """``problems[i]``: a problem statement, ``text[start:end]`` of the record text."""

    text: str
    area: str | None
    score: float
    start: int
    end: int
    locator: Locator
    cause: bool
    concrete: bool


class CommitmentRecord(TypedDict, total=False):
    """``commitments[i]``: a commitment or measure with its 四明确一承诺 fields (``None`` when not stated).

    ``deadline`` is an ISO date (``2009-12-31``) of ``deadline_precision`` (``day``, ``month``,
    ``quarter``, ``half-year``, ``year`` or ``open``), ``deadline_text`` the words it was read from.
    """

    text: str
    area: str | None
    score: float
    start: int
    end: int
    locator: Locator
    item: str | None
    target: str | None
    measures: str | None
    deadline: str | None
    deadline_precision: str | None
    deadline_text: str | None
    owner: str | None
    pledge: bool
    concrete: bool
    slogan: bool
    has_measure: bool


class GapRecord(TypedDict, total=False):
    """``gaps[i]``: a gap the profile checks for, with its campaign term, the message and the evidence."""

    code: str
    term: str
    message: str
    evidence: str


class ErrorRecord(TypedDict, total=False):
    """``errors[i]``: a coded error (``E100``…, pipeline/errors.py), its short reason and the full message."""

    code: str
    reason: str
    message: str


class _BlockRequired(TypedDict):
    start: int
    end: int


class BlockRecord(_BlockRequired, total=False):
    """``blocks[i]``: ``text[start:end]`` is a ``paragraph``, ``line`` or ``table_row`` from ``locator``."""

    kind: str
    locator: Locator


class _RecordRequired(TypedDict):
    path: str


class Record(_RecordRequired, total=False):
    """One screened document. ``text`` and ``blocks`` are there when screened with ``include_text``."""

    sha256: str
    format: str
    size: int
    encoding: str | None
    script: str
    profile: ProfileMetadata
    schema: int
    title: str | None
    unit: str | None
    date: str | None
    doc_type: str | None
    doc_type_score: float
    work_report: WorkReport
    problems: list[ProblemRecord]
    commitments: list[CommitmentRecord]
    gaps: list[GapRecord]
    errors: list[ErrorRecord]
    warnings: list[str]
    stats: dict[str, Any]
    text: str
    blocks: list[BlockRecord]


#: A finding of either kind (a review's numbered entries hold these and gaps).
FindingRecord = ProblemRecord | CommitmentRecord
