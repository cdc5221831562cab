"""Word comments (批注) on a document's own runs: the document's text located character by
character in its runs, runs split where a finding starts or ends (formatting kept), and one
comment per finding anchored on its evidence, highlighted in its area's colour."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from docx.document import Document as DocxDocument
from docx.enum.text import WD_COLOR_INDEX, WD_UNDERLINE
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from reports.locate import SEP, squash
from reports.review import Entry, Review
from reports.word_style import AUTHOR, INITIALS, xml_safe

GAP_HIGHLIGHT = WD_COLOR_INDEX.GRAY_25  # gap evidence outside any finding, and an area without a highlight
_RUN_XPATH = "./w:r | ./w:hyperlink/w:r | ./w:ins/w:r | ./w:smartTag/w:r | ./w:sdt/w:sdtContent/w:r"
_SIMPLE_RUN_CHILDREN = {qn(t) for t in ("w:rPr", "w:t", "w:tab", "w:br", "w:cr", "w:noBreakHyphen", "w:softHyphen",
                                        "w:lastRenderedPageBreak")}


def _paragraphs(document: DocxDocument) -> list[Paragraph]:
    """Every paragraph of the body in reading order, table cells included (merged cells once)."""
    out: list[Paragraph] = []
    seen: set[int] = set()

    def walk(container: Any) -> None:
        for item in container.iter_inner_content():
            if isinstance(item, Paragraph):
                out.append(item)
            elif isinstance(item, Table):
                for row in item.rows:
                    for cell in row.cells:
                        if id(cell._tc) in seen:
                            continue
                        seen.add(id(cell._tc))
                        walk(cell)

    walk(document)
    return out


def _runs(p: Paragraph) -> list[Run]:
    """The text runs of a paragraph, those inside hyperlinks and insertions included."""
    return [Run(r, p) for r in p._p.xpath(_RUN_XPATH)]


@dataclass
class _Char:
    para: int
    run: int
    offset: int


class RunIndex:
    """The document's text (without whitespace) character by character, with the run holding each."""

    def __init__(self, document: DocxDocument) -> None:
        self.document = document
        self.paras = _paragraphs(document)
        self.runs: list[list[Run]] = [_runs(p) for p in self.paras]
        chars: list[str] = []
        where: list[_Char] = []
        for pi, runs in enumerate(self.runs):
            for ri, run in enumerate(runs):
                for ci, ch in enumerate(run.text):
                    if ch.isspace() or ch == SEP:
                        continue
                    chars.append(ch)
                    where.append(_Char(pi, ri, ci))
        self.flat = "".join(chars)
        self.where = where

    def find(self, needle: str, rel: float) -> tuple[int, int] | None:
        """Flat ``[start, end)`` of ``needle`` (whitespace ignored), the occurrence nearest ``rel``·length."""
        sq, _ = squash(xml_safe(needle))
        if not sq:
            return None
        hits, i = [], self.flat.find(sq)
        while i >= 0 and len(hits) < 200:
            hits.append(i)
            i = self.flat.find(sq, i + 1)
        if not hits:
            return None
        target = rel * len(self.flat)
        best = min(hits, key=lambda h: abs(h - target))
        return best, best + len(sq)


def _simple(run: Run) -> bool:
    return all(child.tag in _SIMPLE_RUN_CHILDREN for child in run._r)


class Annotator:
    """Anchor comments on stretches of a document's text, splitting runs where a stretch starts or ends.

    All stretches are located first, then every run is split once at all the cut points it needs,
    so that locating never sees a half-edited document.
    """

    def __init__(self, document: DocxDocument) -> None:
        self.document = document
        self.index = RunIndex(document)
        self.requests: list[tuple[tuple[int, int], str, Any, bool]] = []

    def locate(self, needle: str, rel: float) -> tuple[int, int] | None:
        """Flat span of ``needle`` near relative position ``rel`` (0–1), or None."""
        return self.index.find(needle, rel)

    def request(self, span: tuple[int, int], comment: str, highlight: Any, wavy: bool = False) -> None:
        """Ask for a comment on flat ``span``, its runs highlighted (a colour index or None)."""
        self.requests.append((span, comment, highlight, wavy))

    def _cuts(self) -> dict[tuple[int, int], set[int]]:
        cuts: dict[tuple[int, int], set[int]] = {}
        w = self.index.where
        for (a, b), *_ in self.requests:
            s, e = w[a], w[b - 1]
            cuts.setdefault((s.para, s.run), set()).add(s.offset)
            cuts.setdefault((e.para, e.run), set()).add(e.offset + 1)
        return cuts

    def apply(self) -> int:
        """Split runs, add the comments and highlights; returns the number of comments added."""
        pieces: dict[tuple[int, int], list[tuple[int, Run]]] = {}
        for (pi, ri), offsets in self._cuts().items():
            run = self.index.runs[pi][ri]
            text = run.text
            points = sorted(o for o in offsets if 0 < o < len(text))
            if not points or not _simple(run):
                pieces[(pi, ri)] = [(0, run)]
                continue
            bounds = [0, *points, len(text)]
            parts = [(bounds[k], text[bounds[k]:bounds[k + 1]]) for k in range(len(bounds) - 1)]
            made = [(0, run)]
            prev = run._r
            for start, _ in parts[1:]:
                el = copy.deepcopy(run._r)
                prev.addnext(el)
                prev = el
                made.append((start, Run(el, run._parent)))
            for (_start, piece), (_, r) in zip(parts, made, strict=True):
                r.text = piece
            pieces[(pi, ri)] = made
        w = self.index.where
        count = 0
        for (a, b), comment, highlight, wavy in self.requests:
            s, e = w[a], w[b - 1]
            runs = list(self._runs_between(s, e, pieces))
            if not runs:
                continue
            for r in runs:
                if highlight is not None:
                    r.font.highlight_color = highlight
                if wavy:
                    r.font.underline = WD_UNDERLINE.WAVY
                    u = r._r.get_or_add_rPr().find(qn("w:u"))
                    if u is not None:
                        u.set(qn("w:color"), "D0302F")
            self.document.add_comment(runs, text=xml_safe(comment), author=AUTHOR, initials=INITIALS)
            count += 1
        return count

    def _piece(self, c: _Char, pieces: dict[tuple[int, int], list[tuple[int, Run]]]) -> Run:
        made = pieces.get((c.para, c.run))
        if not made:
            return self.index.runs[c.para][c.run]
        chosen = made[0][1]
        for start, r in made:
            if start <= c.offset:
                chosen = r
        return chosen

    def _runs_between(self, s: _Char, e: _Char, pieces: dict[tuple[int, int], list[tuple[int, Run]]]) -> Iterable[Run]:
        first, last = self._piece(s, pieces), self._piece(e, pieces)
        started = False
        for pi in range(s.para, e.para + 1):
            for ri, run in enumerate(self.index.runs[pi]):
                for _, r in pieces.get((pi, ri)) or [(0, run)]:
                    if r._r is first._r:
                        started = True
                    if started and r.text:
                        yield r
                    if r._r is last._r:
                        return


def area_highlight(rv: Review, area: str | None) -> Any:
    """The Word highlight colour of an area's evidence: the profile's ``highlight`` (grey without one)."""
    name = str((rv.profile.areas.get(area or "") or {}).get("highlight") or "")
    return WD_COLOR_INDEX.__members__.get(name.upper()) or GAP_HIGHLIGHT


def comment_text(rv: Review, e: Entry) -> str:
    """The margin comment for an entry, in the document's script."""
    t = rv.t
    d = e.data
    if e.kind == "gap":
        return f"【{t('缺项')}·{rv.gap_term(d.get('code') or '')}】{t(d.get('message') or '')}"
    if e.kind == "problem":
        tags = [t("有具体表现") if d.get("concrete") else t("缺少具体表现或数据")]
        if d.get("cause"):
            tags.append(t("原因剖析"))
        return f"【{t('问题')}·{rv.area_label(e.area)}】" + "；".join(tags)
    miss = rv.missing(e)
    have = []
    if d.get("deadline") or d.get("deadline_text"):
        have.append(f"{t('时限')}：{d.get('deadline_text') or d.get('deadline')}")
    if d.get("owner"):
        have.append(f"{t('责任')}：{d['owner']}")
    lacks = [t(lbl) for fld, lbl in (("deadline", "时限"), ("owner", "责任"), ("measures", "具体措施"))
             if miss[fld] and rv.field_required(fld)]
    text = f"【{t('承诺')}·{rv.area_label(e.area)}】" + "；".join(have)
    if lacks:
        text += ("；" if have else "") + t("缺") + "：" + "、".join(lacks)
    return text


def annotate(document: DocxDocument, rv: Review) -> dict[str, int]:
    """Attach every finding of ``rv`` to ``document`` as a comment anchored on its evidence.

    Problems and commitments are anchored on their sentence, gaps on the text their evidence
    quotes; a gap whose evidence is a note of something missing is anchored on the title (the
    first paragraph with text). Evidence is highlighted in its area's colour; gap evidence also
    gets a red wavy underline.

    Returns:
        ``{"comments": n, "located": n, "on_title": n, "skipped": n}``.
    """
    ann = Annotator(document)
    n = max(1, len(rv.text))
    stats = Counter[str]()
    title_span = None
    where = ann.index.where
    if where:
        end = 0
        while end < len(where) and where[end].para == where[0].para:
            end += 1
        title_span = (0, end)
    for e in rv.problems + rv.commitments + rv.gaps:
        spans = e.spans
        if e.kind == "gap" and len(spans) > 1:
            total = sum(b - a for a, b in spans)
            if spans[-1][1] - spans[0][0] <= 2 * total + 10:
                spans = [(spans[0][0], spans[-1][1])]
        found = []
        for a, b in spans[:3]:
            hit = ann.locate(rv.text[a:b], a / n)
            if hit:
                found.append(hit)
        colour = area_highlight(rv, e.area)
        text = comment_text(rv, e)
        if found:
            ann.request(found[0], text, colour, wavy=e.kind == "gap")
            for extra in found[1:]:
                ann.request(extra, f"{text}（{rv.t('续')}）", colour, wavy=e.kind == "gap")
            stats["located"] += 1
        elif title_span is not None:
            note = e.data.get("evidence") if e.kind == "gap" else ""
            ann.request(title_span, text + (f"\n{rv.t(note)}" if note and note not in text else ""), None)
            stats["on_title"] += 1
        else:
            stats["skipped"] += 1
    stats["comments"] = ann.apply()
    return dict(stats)
