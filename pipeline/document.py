"""The central data objects: ``Block``, ``Sentence``, ``Finding``, ``Gap`` and ``Document``.

Every stage takes a ``Document`` and returns it enriched. Offsets index ``Document.text``
(the document's own characters); ``Document.analysis`` is the same length (width-folded,
simplified), so a match found on the analysis text is reported in the original script by
slicing ``text`` with the same offsets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .record import SCHEMA_VERSION, Record


@dataclass
class Block:
    """One unit of extracted text with where it came from.

    Attributes:
        text: The text in the document's own script.
        kind: ``paragraph``, ``line`` (pdf/txt paragraph) or ``table_row``.
        locator: Where it came from, e.g. ``{"paragraph": 3}``, ``{"page": 2}``, ``{"table": 1, "row": 4}``.
        cells: For a table row, its cells in order.
        header: For a table row, the header cells of its table (None for the header row itself).
        chrome: Web-page furniture (navigation, byline, counters), set by ``pipeline.boilerplate``.
    """

    text: str
    kind: str = "paragraph"
    locator: dict[str, int] = field(default_factory=dict)
    cells: list[str] | None = None
    header: list[str] | None = None
    chrome: bool = False


@dataclass
class Sentence:
    """A sentence or 一是/二是 clause, with offsets into ``Document.text`` and its context.

    Attributes:
        start: Start offset (outline numbers such as （一） or 1. are left outside).
        end: End offset (exclusive).
        block: Index of the block it belongs to.
        role: The section role it stands under (problems, causes, measures, …) or ``None``.
        heading: Whether the sentence is itself a heading or an item title.
        area_hint: An area suggested by the sub-heading it stands under.
        item: Whether it opens with an item marker (一是, 二要…).
        kind: The sentence role the classifier gives (achievement, problem, …), filled later.
        voice: Whose words: ``own``, ``directive``, ``reported`` or ``chrome`` (page furniture).
    """

    start: int
    end: int
    block: int
    role: str | None = None
    heading: bool = False
    area_hint: str | None = None
    item: bool = False
    intro: bool = False
    kind: str | None = None
    kind_score: float = 0.0
    voice: str = "own"
    kind_probs: dict[str, float] = field(default_factory=dict, repr=False)
    words: list[str] = field(default_factory=list, repr=False)
    features: list[str] = field(default_factory=list, repr=False)


@dataclass
class Finding:
    """A problem statement or a commitment, as a span of the document's own text."""

    kind: str
    start: int
    end: int
    text: str
    locator: dict[str, int]
    area: str = "other"
    score: float = 0.0
    fields: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text, "area": self.area, "score": round(self.score, 3)}
        out.update(self.fields)
        out["start"], out["end"], out["locator"] = self.start, self.end, self.locator
        return out


@dataclass
class Gap:
    """A document-level gap: code, a reviewer's message in Chinese, and its evidence."""

    code: str
    message: str
    evidence: str
    term: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "evidence": self.evidence, "term": self.term}


@dataclass
class Document:
    """Everything Shencha knows about one input file."""

    path: str
    sha256: str = ""
    format: str = ""
    size: int = 0
    blocks: list[Block] = field(default_factory=list)
    text: str = ""
    analysis: str = ""
    block_spans: list[tuple[int, int]] = field(default_factory=list)
    script: str = "simplified"
    encoding: str | None = None
    warnings: list[str] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)
    spacy_doc: Any = None
    title: str = ""
    unit: str | None = None
    date: str | None = None
    year: int | None = None
    doc_type: str | None = None
    doc_type_score: float = 0.0
    work_report: dict[str, Any] = field(default_factory=dict)
    problem_candidates: list[Finding] = field(default_factory=list, repr=False)
    commitment_candidates: list[Finding] = field(default_factory=list, repr=False)
    problems: list[Finding] = field(default_factory=list)
    commitments: list[Finding] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    profile: tuple[str, str] = ("", "")
    model_key: str = ""

    def sent_text(self, s: Sentence) -> str:
        """The sentence in the document's own script."""
        return self.text[s.start : s.end]

    def sent_analysis(self, s: Sentence) -> str:
        """The sentence in its analysis form (simplified, width-folded)."""
        return self.analysis[s.start : s.end]

    def locator(self, start: int) -> dict[str, int]:
        """The block locator of the character at ``start``."""
        for i, (a, b) in enumerate(self.block_spans):
            if a <= start <= b:
                return dict(self.blocks[i].locator)
        return {}

    def to_record(self, *, include_text: bool = False) -> Record:
        """The JSON Lines record (the format ``shared/gold/README.md`` gives, plus extra fields).

        Args:
            include_text: Also carry the full text in the document's own script and its blocks
                (``{"start", "end", "kind", "locator"}``), for reports and the archive; every
                finding's ``start``/``end`` indexes that text.
        """
        rec = {
            "path": self.path,
            "sha256": self.sha256,
            "format": self.format,
            "size": self.size,
            "encoding": self.encoding,
            "script": self.script,
            "profile": {"name": self.profile[0], "version": self.profile[1], "models": self.model_key},
            "schema": SCHEMA_VERSION,
            "title": self.title,
            "unit": self.unit,
            "date": self.date,
            "doc_type": self.doc_type,
            "doc_type_score": round(self.doc_type_score, 3),
            "work_report": self.work_report,
            "problems": [f.to_dict() for f in self.problems],
            "commitments": [f.to_dict() for f in self.commitments],
            "gaps": [g.to_dict() for g in self.gaps],
            "errors": self.errors,
            "warnings": self.warnings,
            "stats": self.stats,
        }
        if include_text:
            rec["text"] = self.text
            rec["blocks"] = [{"start": a, "end": b, "kind": blk.kind, "locator": blk.locator}
                             for (a, b), blk in zip(self.block_spans, self.blocks, strict=True)]
        return rec
