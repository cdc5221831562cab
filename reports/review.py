"""The reviewer's view of one screened record, shared by the HTML pages and the Word output.

A :class:`Review` turns a record (with ``text`` and ``blocks``) into numbered entries — problems
``P1…``, commitments ``C1…`` and gaps ``G1…`` — each with the spans of the text it covers, groups
the gaps into the campaign's checklist (四不通过 for analyses, 四明确一承诺 for plans), and decides
the verdict. Labels come from the campaign profile and are shown in the document's own script.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline.profile import DEFAULT_PROFILE, Profile, load_profile
from reports.triage import SCORED_GAPS

KIND_ORDER = {"gap": 0, "problem": 1, "commitment": 2}
#: Commitment fields that a gap checks, and the gap that reports them missing.
FIELD_GAPS = {"deadline": "commitment_missing_deadline", "owner": "commitment_missing_owner",
              "measures": "commitment_missing_measure"}
PLAN_TYPES = ("rectification_plan",)
ANALYSIS_TYPES = ("analysis_report", "meeting_speech")
SEP = "｜"  # table cells in record text
_WS = re.compile(r"[\s\u3000｜]+")


@lru_cache(maxsize=1)
def _s2t() -> Any:
    import opencc

    return opencc.OpenCC("s2t")


def in_script(s: str, script: str | None) -> str:
    """``s`` (written in simplified script) converted to traditional when ``script`` is traditional."""
    if not s or script != "traditional":
        return s
    return _s2t().convert(s)


@dataclass
class Entry:
    """One numbered finding: a problem, a commitment or a gap, and where it sits in the text.

    Attributes:
        id: ``P1``, ``C2``, ``G3`` …
        kind: ``problem``, ``commitment`` or ``gap``.
        data: The finding or gap dict from the record.
        spans: ``(start, end)`` ranges of the record text (empty for a gap whose evidence is a note).
        area: Priority area of a problem or commitment (a gap takes the area of the finding it covers).
    """

    id: str
    kind: str
    data: dict[str, Any]
    spans: list[tuple[int, int]] = field(default_factory=list)
    area: str | None = None

    @property
    def located(self) -> bool:
        """True when the entry can be highlighted in the text."""
        return bool(self.spans)


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
    """A checklist heading (四不通过, 四明确一承诺, 其他要求) and its items."""

    name: str
    items: list[CheckItem]


def _squash(s: str) -> tuple[str, list[int]]:
    """``s`` without whitespace and table separators, and the index in ``s`` of each kept character."""
    kept, where = [], []
    for i, ch in enumerate(s):
        if not (ch.isspace() or ch == SEP):
            kept.append(ch)
            where.append(i)
    return "".join(kept), where


class TextIndex:
    """Find evidence strings in a text, exactly or ignoring whitespace, nearest a hint position."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._squashed: tuple[str, list[int]] | None = None

    def _all(self, hay: str, needle: str) -> list[int]:
        out, i = [], hay.find(needle)
        while i >= 0 and len(out) < 50:
            out.append(i)
            i = hay.find(needle, i + 1)
        return out

    def find(self, needle: str, hint: int | None = None) -> tuple[int, int] | None:
        """The span of ``needle`` in the text (the occurrence nearest ``hint``), or None."""
        needle = needle.strip()
        if not needle:
            return None
        hits = self._all(self.text, needle)
        if hits:
            i = min(hits, key=lambda h: abs(h - hint)) if hint is not None else hits[0]
            return i, i + len(needle)
        if self._squashed is None:
            self._squashed = _squash(self.text)
        hay, where = self._squashed
        sq = _WS.sub("", needle)
        if len(sq) < 2:
            return None
        hits = self._all(hay, sq)
        if not hits:
            return None
        if hint is not None:
            i = min(hits, key=lambda h: abs(where[h] - hint))
        else:
            i = hits[0]
        return where[i], where[i + len(sq) - 1] + 1


def is_note(evidence: str) -> bool:
    """True for evidence that describes something missing, e.g. ``（缺少原因分析）``."""
    e = evidence.strip()
    return e.startswith(("（", "(")) and e.endswith(("）", ")"))


def locate_evidence(index: TextIndex, evidence: str, hint: int | None = None) -> list[tuple[int, int]]:
    """Spans of the text that a gap's evidence quotes.

    The evidence is searched whole (a trailing ``…`` removed); failing that, as the ``；``-joined
    sentences it is often made of, each piece shortened with ``…``. A note of something missing
    (in brackets, not found in the text) gives no span.

    Args:
        index: The record text's index.
        evidence: The gap's evidence string.
        hint: A text position the evidence is expected near (the first occurrence otherwise).

    Returns:
        Sorted, non-overlapping spans (empty when nothing was found).
    """
    ev = (evidence or "").strip()
    if not ev:
        return []
    whole = index.find(ev.rstrip("…").strip(), hint)
    if whole:
        return [whole]
    if is_note(ev):
        return []
    spans: list[tuple[int, int]] = []
    pos = hint
    for piece in re.split(r"[；;]", ev):
        piece = piece.strip().rstrip("…").strip()
        if len(piece) < 4:
            continue
        hit = index.find(piece, pos)
        if hit:
            spans.append(hit)
            pos = hit[1]
    return merge_spans(spans, index.text)


def merge_spans(spans: list[tuple[int, int]], text: str) -> list[tuple[int, int]]:
    """Sort spans and merge those that overlap or are separated only by punctuation or spaces."""
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1] + 1 and not text[out[-1][1]:a].strip("；;，, 　\n"):
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


@dataclass
class Segment:
    """A stretch of text covered by the same set of entries (the unit a highlight is drawn on)."""

    start: int
    end: int
    refs: list[Entry]

    @property
    def primary(self) -> Entry | None:
        """The entry a click on this stretch opens: a gap first, then the innermost finding."""
        return self.refs[0] if self.refs else None

    @property
    def area(self) -> str | None:
        """The area colour: the innermost problem or commitment covering this stretch."""
        for e in self.refs:
            if e.kind != "gap" and e.area:
                return e.area
        for e in self.refs:
            if e.area:
                return e.area
        return None


def segments(length: int, entries: list[Entry]) -> list[Segment]:
    """Cut ``[0, length)`` at every span boundary; each piece lists the entries covering it.

    Overlapping and nested spans thus never produce crossing markup: every piece is drawn as
    one flat highlight that knows all the entries it belongs to.
    """
    cuts = {0, length}
    spans = []
    for e in entries:
        for a, b in e.spans:
            a, b = max(0, a), min(length, b)
            if a < b:
                cuts.update((a, b))
                spans.append((a, b, e))
    points = sorted(cuts)
    covering: list[list[Entry]] = [[] for _ in points]
    for a, b, e in spans:
        i = bisect.bisect_left(points, a)
        j = bisect.bisect_left(points, b)
        for k in range(i, j):
            covering[k].append(e)
    out = []
    for k in range(len(points) - 1):
        refs = covering[k]
        # gaps first, then the shortest (innermost) finding
        refs.sort(key=lambda e: (e.kind != "gap", min(b - a for a, b in e.spans), KIND_ORDER[e.kind], e.id))
        seen: set[str] = set()
        uniq = [e for e in refs if not (e.id in seen or seen.add(e.id))]
        out.append(Segment(points[k], points[k + 1], uniq))
    return out


def slug(record: dict[str, Any]) -> str:
    """A stable, unique, file-system-safe base name for a record's pages and Word files."""
    p = Path(record.get("path") or "document")
    stem = re.sub(r"[^\w\-]+", "_", p.stem, flags=re.UNICODE).strip("_")[:40] or "document"
    digest = re.sub(r"[^0-9a-f]", "", str(record.get("sha256") or "").lower())
    if len(digest) < 8:  # no hash, or not a hash: one of the path (a crafted value never reaches a file name)
        digest = hashlib.sha256(str(record.get("path", "")).encode("utf-8", "replace")).hexdigest()
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

    def __init__(self, record: dict[str, Any], profile: Profile | None = None) -> None:
        self.record = record
        prof = (record.get("profile") or {}).get("name") or DEFAULT_PROFILE
        if profile is None:
            try:
                profile = load_profile(prof)
            except Exception:  # noqa: BLE001 - an unknown profile falls back to the default labels
                profile = load_profile()
        self.profile = profile
        self.script = record.get("script") or "simplified"
        self.text: str = record.get("text") or ""
        self.slug = slug(record)
        self.doc_type: str = record.get("doc_type") or ""
        self.errors: list[dict[str, Any]] = list(record.get("errors") or [])
        self.problems: list[Entry] = []
        self.commitments: list[Entry] = []
        self.gaps: list[Entry] = []
        self._build()

    def slim(self) -> Review:
        """A copy without the text and blocks (enough for the index and the batch memo)."""
        rec = {k: v for k, v in self.record.items() if k not in ("text", "blocks")}
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
        return Path(self.record.get("path") or "").name or "document"

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

        Analyses are judged by 四不通过; plans by 四明确一承诺 (their vague-measures check included);
        every other applicable check, and any gap reported outside these, goes under 其他要求.
        """
        codes = [c for c in self.profile.gaps if self.applies(c)]
        for g in self.gaps:
            if g.data.get("code") not in codes:
                codes.append(g.data.get("code") or "unknown")
        by_code: dict[str, list[Entry]] = {c: [] for c in codes}
        for g in self.gaps:
            by_code[g.data.get("code") or "unknown"].append(g)

        def term(c: str) -> str:
            return (self.profile.gaps.get(c) or {}).get("term") or ""

        if self.doc_type in PLAN_TYPES:
            main = "四明确一承诺"
            primary = [c for c in codes if term(c).startswith(main)] + [c for c in codes if "四不通过" in term(c)]
        elif self.doc_type in ANALYSIS_TYPES:
            main = "四不通过"
            primary = [c for c in codes if main in term(c)]
        else:
            main, primary = "", []
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

    def field_required(self, fld: str) -> bool:
        """True when a missing ``fld`` counts as a gap for this document's type."""
        return self.applies(FIELD_GAPS[fld])

    def verdict(self) -> Verdict:
        """退回修改 when flagged as a work report or a core campaign gap is found; 建议完善 for other gaps."""
        if self.errors:
            return Verdict("error", self.t("无法读取"))
        codes = {g.data.get("code") for g in self.gaps}
        if (self.record.get("work_report") or {}).get("flag") or codes & set(SCORED_GAPS):
            return Verdict("return", self.t("退回修改"))
        if codes:
            return Verdict("improve", self.t("建议完善"))
        return Verdict("pass", self.t("未发现缺项"))

    def return_note(self) -> str:
        """The suggested note returning a failing document to its unit (empty when it passes)."""
        v = self.verdict()
        if v.code not in ("return", "improve"):
            return ""
        unit = self.record.get("unit") or "你单位"
        lines = []
        seen: set[str] = set()
        for g in self.gaps:
            code = g.data.get("code") or ""
            msg = g.data.get("message") or ""
            key = code if code in ("commitment_missing_measure",) else code + msg
            if key in seen:
                continue
            seen.add(key)
            if code == "commitment_missing_measure":
                n = sum(1 for x in self.gaps if x.data.get("code") == code)
                msg = f"有{n}项承诺没有具体行动（没有写明做什么、做多少），例如：{g.data.get('evidence', '')}"
            lines.append(f"{self.gap_term(code)}：{self.t(msg)}")
        head = (f"{unit}：\n经审查，你单位报送的《{self.title}》（{self.type_label()}）"
                + ("不符合学习实践活动的有关要求，现予退回。" if v.code == "return" else "基本符合要求，但尚有以下方面需要完善。")
                + "主要问题如下：")
        tail = ("请对照“四不通过”“四明确一承诺”的要求认真修改完善，修改后重新报送。"
                if v.code == "return" else "请修改完善后报送。")
        body = "\n".join(f"{i}. {ln}" for i, ln in enumerate(lines, 1))
        return self.t(head) + "\n" + body + "\n" + self.t(tail)


def _valid_span(f: dict[str, Any], n: int) -> list[tuple[int, int]]:
    a, b = f.get("start"), f.get("end")
    if isinstance(a, int) and isinstance(b, int) and 0 <= a < b <= n:
        return [(a, b)]
    return []
