"""The reviewer's view of one screened record, shared by the HTML pages and the Word output.

A :class:`Review` turns a record (with ``text`` and ``blocks``) into numbered entries — problems
``P1…``, commitments ``C1…`` and gaps ``G1…`` — each with the spans of the text it covers, groups
the gaps into the checklist the profile gives the document's genre (in campaign-2009 四不通过 for
analyses, 四明确一承诺 for plans), and decides the verdict. Every campaign word — checklists, the gaps
that send a document back, the return note — comes from the profile the record was screened with
(``reports`` in its profile.yaml) and is shown in the document's own script.

Locating evidence in the text lives in :mod:`reports.locate`, the entries and the flat pieces of
text they cover in :mod:`reports.entries`; both are re-exported here.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.profile import Profile
from pipeline.record import CommitmentRecord, ErrorRecord, ProblemRecord, Record
from reports.entries import KIND_ORDER, Entry, Segment, segments
from reports.locate import SEP, TextIndex, is_note, locate_evidence, merge_spans
from reports.scripts import in_script
from reports.triage import profile_of

__all__ = ["KIND_ORDER", "SEP", "VERDICT_ZH", "CheckGroup", "CheckItem", "Entry", "Review", "Segment", "TextIndex",
           "Verdict", "in_script", "is_note", "locate_evidence", "merge_spans", "segments", "slug"]

#: The commitment field a gap rule checks (its ``field``) → the field :meth:`Review.missing` reports.
FIELD_OF = {"deadline": "deadline", "owner": "owner", "has_measure": "measures", "measures": "measures"}
#: The gap rule kinds that check one field of the commitments (pipeline/profile.py GAP_KINDS).
FIELD_KINDS = ("missing_field", "each_missing")
#: The verdict codes and their labels (simplified script).
VERDICT_ZH = {"return": "退回修改", "improve": "建议完善", "pass": "未发现缺项", "error": "无法读取"}


@dataclass
class CheckItem:
    """One line of the campaign checklist: a gap code, its term, and the gaps found for it."""

    code: str
    term: str
    gaps: list[Entry]

    @property
    def passed(self) -> bool:
        """No gap of this code was found."""
        return not self.gaps


@dataclass
class CheckGroup:
    """A checklist heading (the profile's, e.g. 四不通过, or 其他要求) and its items."""

    name: str
    items: list[CheckItem]


def slug(record: Record) -> str:
    """A stable, unique, file-system-safe base name for a record's pages and Word files."""
    p = Path(record["path"] or "document")
    stem = re.sub(r"[^\w\-]+", "_", p.stem, flags=re.UNICODE).strip("_")[:40] or "document"
    digest = re.sub(r"[^0-9a-f]", "", str(record.get("sha256") or "").lower())
    if len(digest) < 8:  # no hash, or not a hash: one of the path (a crafted value never reaches a file name)
        digest = hashlib.sha256(str(record["path"]).encode("utf-8", "replace")).hexdigest()
    return f"{stem}-{digest[:8]}"


@dataclass
class Verdict:
    """The reviewer's conclusion: ``return`` (退回修改), ``improve`` (建议完善), ``pass`` or ``error``."""

    code: str
    label: str


class Review:
    """Everything a reviewer report shows about one record.

    Args:
        record: A screening record, ideally with ``text`` and ``blocks`` (``include_text=True``).
        profile: The campaign profile (loaded from the record's profile name when omitted).
    """

    def __init__(self, record: Record, profile: Profile | None = None) -> None:
        self.record = record
        self.profile = profile if profile is not None else profile_of(record)
        self.script = record.get("script") or "simplified"
        self.text: str = record.get("text") or ""
        self.slug = slug(record)
        self.doc_type: str = record.get("doc_type") or ""
        self.errors: list[ErrorRecord] = list(record.get("errors") or [])
        self.problems: list[Entry] = []
        self.commitments: list[Entry] = []
        self.gaps: list[Entry] = []
        self._build()

    def slim(self) -> Review:
        """A copy without the text and blocks (enough for the index and the batch memo)."""
        rec: Record = {k: v for k, v in self.record.items() if k not in ("text", "blocks")}  # type: ignore[assignment]
        rv = Review(rec, self.profile)
        rv.slug = self.slug
        return rv

    # -- labels -------------------------------------------------------------------------------
    def t(self, s: str) -> str:
        """A label or message in the document's own script."""
        return in_script(s, self.script)

    def area_label(self, area: str | None) -> str:
        """The short Chinese label of an area (``经济发展``)."""
        spec = self.profile.areas.get(area or "", {})
        return self.t(spec.get("short") or area or "—")

    def type_label(self) -> str:
        """The Chinese name of the document type."""
        return self.t(self.profile.data.get("doc_types", {}).get(self.doc_type, self.doc_type or "未知"))

    def gap_term(self, code: str) -> str:
        """The campaign term of a gap code (``整改措施不实（四不通过）``)."""
        return self.t((self.profile.gaps.get(code) or {}).get("term") or code)

    def applies(self, code: str) -> bool:
        """True when gap ``code`` is checked for this document's type."""
        return self.doc_type in ((self.profile.gaps.get(code) or {}).get("applies_to") or [])

    @property
    def name(self) -> str:
        """The file name of the submission."""
        return Path(self.record["path"]).name or "document"

    @property
    def title(self) -> str:
        """The document's title, or its file name."""
        return (self.record.get("title") or "").strip() or self.name

    # -- entries ------------------------------------------------------------------------------
    def _build(self) -> None:
        text = self.text
        n = len(text)
        for i, p in enumerate(self.record.get("problems") or [], 1):
            spans = _valid_span(p, n)
            self.problems.append(Entry(f"P{i}", "problem", p, spans, p.get("area")))
        for i, c in enumerate(self.record.get("commitments") or [], 1):
            spans = _valid_span(c, n)
            self.commitments.append(Entry(f"C{i}", "commitment", c, spans, c.get("area")))
        index = TextIndex(text)
        findings = self.problems + self.commitments
        for i, g in enumerate(self.record.get("gaps") or [], 1):
            spans = locate_evidence(index, g.get("evidence") or "", None) if text else []
            area = None
            if spans:
                a0 = spans[0][0]
                inner = [f for f in findings if f.spans and f.spans[0][0] <= a0 < f.spans[0][1]]
                if inner:
                    area = min(inner, key=lambda f: f.spans[0][1] - f.spans[0][0]).area
            self.gaps.append(Entry(f"G{i}", "gap", g, spans, area))

    @property
    def entries(self) -> list[Entry]:
        """Gaps, problems and commitments."""
        return self.gaps + self.problems + self.commitments

    def by_id(self) -> dict[str, Entry]:
        """Entries by id."""
        return {e.id: e for e in self.entries}

    # -- checklist, commitments, verdict ----------------------------------------------------------
    def checklist(self) -> list[CheckGroup]:
        """The applicable gap checks grouped in the campaign's terms, failed checks with their gaps.

        The document's genre is judged by its checklist in the profile (``reports.checklists``: in
        campaign-2009 analyses by 四不通过, plans by 四明确一承诺); every other applicable check, and any
        gap reported outside these, goes under 其他要求.
        """
        codes = [c for c in self.profile.gaps if self.applies(c)]
        for g in self.gaps:
            if g.data.get("code") not in codes:
                codes.append(g.data.get("code") or "unknown")
        by_code: dict[str, list[Entry]] = {c: [] for c in codes}
        for g in self.gaps:
            by_code[g.data.get("code") or "unknown"].append(g)

        spec = next((spec for genre, spec in (self.profile.report.get("checklists") or {}).items()
                     if self.doc_type in (self.profile.genres.get(genre) or [])), None)
        main = spec["name"] if spec else ""
        primary = [c for c in spec["gaps"] if c in by_code] if spec else []
        groups = []
        if primary:
            groups.append(CheckGroup(self.t(main), [CheckItem(c, self.gap_term(c), by_code[c]) for c in primary]))
        rest = [c for c in codes if c not in primary]
        if rest:
            groups.append(CheckGroup(self.t("其他要求"), [CheckItem(c, self.gap_term(c), by_code[c]) for c in rest]))
        return groups

    def missing(self, c: Entry) -> dict[str, bool]:
        """For a commitment: which checked fields it lacks (deadline, owner, measures)."""
        d = c.data
        return {"deadline": not d.get("deadline") and not d.get("deadline_text"),
                "owner": not d.get("owner"),
                "measures": not d.get("has_measure", bool(d.get("measures")))}

    @property
    def field_gaps(self) -> dict[str, list[str]]:
        """Commitment field (deadline, owner, measures) → the profile's gaps that report it missing."""
        out: dict[str, list[str]] = {}
        for code, rule in self.profile.gaps.items():
            fld = FIELD_OF.get(rule.get("field") or "")
            if fld and rule.get("kind") in FIELD_KINDS and rule.get("findings") == "commitments":
                out.setdefault(fld, []).append(code)
        return out

    def field_required(self, fld: str) -> bool:
        """True when a missing ``fld`` counts as a gap for this document's type."""
        return any(self.applies(code) for code in self.field_gaps.get(fld, ()))

    def related_commitments(self, gap: Entry) -> list[Entry]:
        """The commitments a gap that counts them (``missing_field``) is about: those lacking its field."""
        rule = self.profile.gaps.get(gap.data.get("code") or "") or {}
        fld = FIELD_OF.get(rule.get("field") or "")
        if not fld or rule.get("kind") != "missing_field" or rule.get("findings") != "commitments":
            return []
        return [c for c in self.commitments if self.missing(c)[fld]]

    def verdict(self) -> Verdict:
        """退回修改 when flagged as a work report or a gap of the profile's ``return_gaps`` is found;
        建议完善 for other gaps."""
        if self.errors:
            return Verdict("error", self.t(VERDICT_ZH["error"]))
        codes = {g.data.get("code") for g in self.gaps}
        if (self.record.get("work_report") or {}).get("flag") or codes & set(self.profile.report["return_gaps"]):
            return Verdict("return", self.t(VERDICT_ZH["return"]))
        if codes:
            return Verdict("improve", self.t(VERDICT_ZH["improve"]))
        return Verdict("pass", self.t(VERDICT_ZH["pass"]))

    def return_note(self) -> str:
        """The suggested note returning a failing document to its unit (empty when it passes).

        Its opening and closing sentences are the profile's ``reports.return_note``; each gap is one
        line, and the gaps of a code whose rule has a ``note`` are summed up in one line.
        """
        v = self.verdict()
        if v.code not in ("return", "improve"):
            return ""
        unit = self.record.get("unit") or "你单位"
        lines = []
        seen: set[str] = set()
        for g in self.gaps:
            code = g.data.get("code") or ""
            msg = g.data.get("message") or ""
            summary = (self.profile.gaps.get(code) or {}).get("note")
            key = code if summary else code + msg
            if key in seen:
                continue
            seen.add(key)
            if summary:
                n = sum(1 for x in self.gaps if x.data.get("code") == code)
                msg = summary.format(n=n, evidence=g.data.get("evidence") or "")
            lines.append(f"{self.gap_term(code)}：{self.t(msg)}")
        note = self.profile.report["return_note"]
        opening = note[v.code].format(title=self.title, type=self.type_label())
        head = f"{unit}：\n{opening}主要问题如下："
        body = "\n".join(f"{i}. {ln}" for i, ln in enumerate(lines, 1))
        return self.t(head) + "\n" + body + "\n" + self.t(note[f"{v.code}_close"])


def _valid_span(f: ProblemRecord | CommitmentRecord, n: int) -> list[tuple[int, int]]:
    a, b = f.get("start"), f.get("end")
    if isinstance(a, int) and isinstance(b, int) and 0 <= a < b <= n:
        return [(a, b)]
    return []
