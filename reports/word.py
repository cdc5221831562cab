"""Word output: the reviewer's annotated copy of a submission and the review memos (审阅意见).

* :func:`write_annotated` — for a .docx submission, the original document with every finding as a
  Word comment (批注) anchored on the runs holding its evidence, the evidence highlighted; for
  .txt and .pdf submissions a .docx rebuilt from the text (paragraphs and tables) and annotated
  the same way.
* :func:`write_memo` — one document's review memo: summary, the gap checklist with evidence
  quoted, the commitments table and, for a failing document, a suggested return note.
* :func:`write_batch_memo` — the memo for the whole batch, worst first.

Everything is built with python-docx; East Asian fonts are set so Chinese renders in Word.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docx
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX, WD_UNDERLINE
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from reports.html import VERDICT_ZH
from reports.review import SEP, Entry, Review, _squash
from reports.triage import rank

AUTHOR = "Shencha"
INITIALS = "SC"
BODY_FONT = "宋体"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"
AREA_HIGHLIGHT = {"economy": WD_COLOR_INDEX.TURQUOISE, "work_style": WD_COLOR_INDEX.YELLOW,
                  "livelihood": WD_COLOR_INDEX.BRIGHT_GREEN, "stability": WD_COLOR_INDEX.PINK,
                  "other": WD_COLOR_INDEX.GRAY_25}
GAP_HIGHLIGHT = WD_COLOR_INDEX.GRAY_25
RED = RGBColor(0xC0, 0x1F, 0x1F)
GREY = RGBColor(0x66, 0x66, 0x66)
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_RUN_XPATH = "./w:r | ./w:hyperlink/w:r | ./w:ins/w:r | ./w:smartTag/w:r | ./w:sdt/w:sdtContent/w:r"
_SIMPLE_RUN_CHILDREN = {qn(t) for t in ("w:rPr", "w:t", "w:tab", "w:br", "w:cr", "w:noBreakHyphen", "w:softHyphen",
                                        "w:lastRenderedPageBreak")}


def xml_safe(s: str | None) -> str:
    """``s`` with the characters XML cannot hold (control characters, lone surrogates) made spaces."""
    return _XML_ILLEGAL.sub(" ", s or "")


# ---------------------------------------------------------------------------------------------
# Fonts
# ---------------------------------------------------------------------------------------------
def _set_rfonts(rpr: Any, east_asia: str, latin: str | None) -> None:
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:eastAsia"), east_asia)
    if latin:
        rfonts.set(qn("w:ascii"), latin)
        rfonts.set(qn("w:hAnsi"), latin)
    for att in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme"):
        if rfonts.get(qn(att)) is not None and (latin or att == "w:eastAsiaTheme"):
            del rfonts.attrib[qn(att)]


def set_east_asian_fonts(document: DocxDocument, *, only_defaults: bool = False) -> None:
    """Give the document a Chinese font (``w:eastAsia``) so Chinese text renders in Word.

    Args:
        document: The document.
        only_defaults: Only fill the document defaults (for a submission's own document, whose
            styles are left as they are) instead of also setting Normal, headings and Title.
    """
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = styles.makeelement(qn("w:docDefaults"), {})
        styles.insert(0, defaults)
    rpr_default = defaults.find(qn("w:rPrDefault"))
    if rpr_default is None:
        rpr_default = defaults.makeelement(qn("w:rPrDefault"), {})
        defaults.insert(0, rpr_default)
    rpr = rpr_default.find(qn("w:rPr"))
    if rpr is None:
        rpr = rpr_default.makeelement(qn("w:rPr"), {})
        rpr_default.append(rpr)
    rfonts = rpr.find(qn("w:rFonts"))
    if only_defaults:
        if rfonts is None or not rfonts.get(qn("w:eastAsia")):
            _set_rfonts(rpr, BODY_FONT, None)
        return
    _set_rfonts(rpr, BODY_FONT, LATIN_FONT)
    for name, font, size in (("Normal", BODY_FONT, 11), ("Title", HEADING_FONT, 20), ("Heading 1", HEADING_FONT, 15),
                             ("Heading 2", HEADING_FONT, 13), ("Heading 3", HEADING_FONT, 12)):
        try:
            style = document.styles[name]
        except KeyError:
            continue
        style.font.name = LATIN_FONT
        style.font.size = Pt(size)
        _set_rfonts(style.element.get_or_add_rPr(), font, LATIN_FONT)
        if name != "Normal":
            style.font.color.rgb = RGBColor(0x1F, 0x23, 0x28)


# ---------------------------------------------------------------------------------------------
# Locating text in a Word document
# ---------------------------------------------------------------------------------------------
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
        sq, _ = _squash(xml_safe(needle))
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


# ---------------------------------------------------------------------------------------------
# Comments for the findings
# ---------------------------------------------------------------------------------------------
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
        colour = AREA_HIGHLIGHT.get(e.area or "", GAP_HIGHLIGHT) if e.kind != "gap" else \
            (AREA_HIGHLIGHT.get(e.area or "") or GAP_HIGHLIGHT)
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


# ---------------------------------------------------------------------------------------------
# The reviewer's copy
# ---------------------------------------------------------------------------------------------
def _original_docx(rv: Review) -> Path | None:
    """The submission's own .docx when it is still there and unchanged since screening."""
    rec = rv.record
    p = Path(rec.get("path") or "")
    if (rec.get("format") or "").lower() != "docx" or not p.is_file():
        return None
    if rec.get("sha256"):
        if hashlib.sha256(p.read_bytes()).hexdigest() != rec["sha256"]:
            return None
    return p


def rebuild_docx(rv: Review) -> DocxDocument:
    """A .docx holding the record's text: one paragraph per block, table rows as Word tables."""
    d = docx.Document()
    set_east_asian_fonts(d)
    text = xml_safe(rv.text)  # same length: block offsets still hold
    blocks = list(rv.record.get("blocks") or [])
    if not blocks:
        pos = 0
        for line in text.split("\n"):
            blocks.append({"start": pos, "end": pos + len(line), "kind": "paragraph", "locator": {}})
            pos += len(line) + 1
    title = xml_safe(rv.record.get("title")).strip()
    i = 0
    first = True
    while i < len(blocks):
        b = blocks[i]
        if b.get("kind") == "table_row":
            tid = (b.get("locator") or {}).get("table")
            rows = []
            while i < len(blocks) and blocks[i].get("kind") == "table_row" and (blocks[i].get("locator") or {}).get("table") == tid:
                rows.append(text[blocks[i]["start"]:blocks[i]["end"]].split(SEP))
                i += 1
            cols = max(len(r) for r in rows)
            table = d.add_table(rows=0, cols=cols)
            table.style = "Table Grid"
            for row in rows:  # row by row: table.cell() is quadratic
                for tc, cell in zip(table.add_row().cells, row, strict=False):
                    tc.text = cell
            first = False
            continue
        seg = text[b["start"]:b["end"]]
        if seg.strip():
            p = d.add_paragraph(seg)
            if first and title and seg.strip() == title:
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                for r in p.runs:
                    r.bold = True
                    r.font.size = Pt(15)
            else:
                p.paragraph_format.first_line_indent = Pt(22)
            first = False
        i += 1
    header = d.sections[0].header.paragraphs[0]
    hr = header.add_run(xml_safe(rv.t(f"审阅副本：根据 {rv.name} 的文本重建（Shencha）")))
    hr.font.size = Pt(8)
    hr.font.color.rgb = GREY
    return d


def write_annotated(rv: Review, path: str | Path) -> dict[str, Any]:
    """Write the reviewer's copy of one submission with its findings as Word comments.

    Args:
        rv: The document's review (its record must carry ``text``).
        path: Where to write the .docx.

    Returns:
        ``{"source": "original" | "rebuilt", "comments": n, …}``.
    """
    original = _original_docx(rv)
    source = "rebuilt"
    document = None
    if original is not None:
        try:
            document = docx.Document(str(original))
            set_east_asian_fonts(document, only_defaults=True)
            source = "original"
        except Exception:  # noqa: BLE001 - an unreadable original falls back to the screened text
            document = None
    if document is None:
        document = rebuild_docx(rv)
    stats = annotate(document, rv) if rv.text else {"comments": 0}
    if rv.errors and not rv.text:
        p = document.add_paragraph(xml_safe(rv.t("（这份文件未能审查）") + " " + "；".join(e.get("message", "") for e in rv.errors)))
        p.runs[0].font.color.rgb = RED
    document.core_properties.comments = rv.t("Shencha 审阅副本：批注为审查发现")
    document.save(str(path))
    return {"source": source, **stats}


# ---------------------------------------------------------------------------------------------
# Memos
# ---------------------------------------------------------------------------------------------
def _new_memo() -> DocxDocument:
    d = docx.Document()
    set_east_asian_fonts(d)
    sec = d.sections[0]
    sec.left_margin = sec.right_margin = Pt(72)
    return d


def _cell(cell: Any, text: str, *, bold: bool = False, colour: RGBColor | None = None, size: float = 10) -> None:
    cell.text = ""
    run = cell.paragraphs[0].add_run(xml_safe(text))
    run.bold = bold
    run.font.size = Pt(size)
    if colour is not None:
        run.font.color.rgb = colour


def _table(d: DocxDocument, head: Sequence[str], rows: Sequence[Sequence[tuple[str, RGBColor | None]]],
           widths: Sequence[float] | None = None) -> Table:
    # Row by row: python-docx's table.cell(i, j) walks the whole table each call (quadratic).
    table = d.add_table(rows=1, cols=len(head))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    size = [Pt(w) for w in widths] if widths else None
    if size:
        table.autofit = False
        for j, wdt in enumerate(size):
            table.columns[j].width = wdt

    def fill(cells: Sequence[Any], values: Sequence[tuple[str, RGBColor | None]], bold: bool = False) -> None:
        for j, (cell, (text, colour)) in enumerate(zip(cells, values, strict=False)):
            _cell(cell, text, colour=colour, bold=bold or colour is RED)  # _cell makes every text XML-safe
            if size:
                cell.width = size[j]

    fill(table.rows[0].cells, [(h, None) for h in head], bold=True)
    for row in rows:
        fill(table.add_row().cells, row)
    return table


def _heading(d: DocxDocument, text: str, level: int) -> Paragraph:
    return d.add_heading(xml_safe(text), level)


def _para(d: DocxDocument, text: str, *, bold: bool = False, colour: RGBColor | None = None, italic: bool = False,
          indent: bool = False, size: float | None = None) -> Paragraph:
    p = d.add_paragraph()
    r = p.add_run(xml_safe(text))
    r.bold = bold
    r.italic = italic
    if colour is not None:
        r.font.color.rgb = colour
    if size:
        r.font.size = Pt(size)
    if indent:
        p.paragraph_format.left_indent = Pt(21)
    return p


def memo_body(d: DocxDocument, rv: Review, *, level: int = 1) -> None:
    """Add one document's review (summary, gaps, commitments, return note) to ``d``."""
    t = rv.t
    rec = rv.record
    v = rv.verdict()
    prof = rec.get("profile") or {}
    meta = [(t("文件"), rv.name), (t("报送单位"), rec.get("unit") or t("（未识别）")), (t("文件类型"), rv.type_label()),
            (t("日期"), rec.get("date") or t("（未识别）")), (t("审查结论"), v.label),
            (t("审查方案"), f"{prof.get('name', '')} {prof.get('version', '')}")]
    _table(d, [t("项目"), t("内容")], [[(k, None), (val, RED if k == t("审查结论") and v.code == "return" else None)]
                                      for k, val in meta], widths=[90, 340])
    if rv.errors:
        _heading(d, t("一、未能审查"), level)
        for e in rv.errors:
            _para(d, f"{e.get('code', '')} {e.get('reason', '')}：{e.get('message', '')}", colour=RED)
        _para(d, t("建议：请报送单位重新提交可以读取的文件（.docx、.pdf 或 .txt）。"))
        return
    _heading(d, t("一、总体情况"), level)
    conc = sum(1 for p in rv.problems if p.data.get("concrete"))
    cause = sum(1 for p in rv.problems if p.data.get("cause"))
    miss = Counter(f for c in rv.commitments for f, m in rv.missing(c).items() if m and rv.field_required(f))
    summary = (f"本材料识别为“{rv.type_label()}”。查找出问题{len(rv.problems)}条（有具体表现的{conc}条，剖析原因的{cause}条）；"
               f"整改承诺和措施{len(rv.commitments)}项")
    lacks = [f"缺时限{miss['deadline']}项" if miss["deadline"] else "", f"缺责任{miss['owner']}项" if miss["owner"] else "",
             f"缺具体措施{miss['measures']}项" if miss["measures"] else ""]
    lacks = [x for x in lacks if x]
    summary += (f"（{'、'.join(lacks)}）" if lacks else "") + f"；发现缺项{len(rv.gaps)}处。审查结论：{v.label}。"
    _para(d, t(summary))
    wr = rec.get("work_report") or {}
    if wr.get("applies"):
        state = "读起来像工作报告" if wr.get("flag") else "没有写成工作报告"
        _para(d, t(f"工作报告化程度 {float(wr.get('score') or 0):.2f}，{state}：{wr.get('reason', '')}。"),
              colour=RED if wr.get("flag") else None)

    _heading(d, t("二、缺项清单"), level)
    groups = rv.checklist()
    if not groups:
        _para(d, t("此类文件不适用缺项检查。"))
    for g in groups:
        failed = sum(1 for it in g.items if not it.passed)
        _heading(d, f"{g.name}（{t(f'{len(g.items) - failed}/{len(g.items)}项通过')}）", level + 1)
        for it in g.items:
            p = d.add_paragraph()
            mark = p.add_run("✓ " if it.passed else "✗ ")
            mark.font.color.rgb = RGBColor(0x1A, 0x7F, 0x37) if it.passed else RED
            mark.bold = True
            term = p.add_run(xml_safe(it.term + ("" if it.passed else t(f"（{len(it.gaps)}处）"))))
            term.bold = not it.passed
            for gap in it.gaps:
                _para(d, f"{gap.id}  {t(gap.data.get('message') or '')}", indent=True)
                ev = gap.data.get("evidence") or ""
                if ev and gap.located:
                    _para(d, t("原文：") + f"「{ev}」", italic=True, indent=True, colour=GREY)
                elif ev:
                    _para(d, t(ev), italic=True, indent=True, colour=GREY)

    _heading(d, t("三、整改承诺核查（四明确一承诺）"), level)
    if not rv.commitments:
        _para(d, t("没有识别出整改承诺或措施。"))
    else:
        rows = []
        for c in rv.commitments:
            m = rv.missing(c)
            cd = c.data

            def val(fld: str, value: str | None, label: str, m: dict[str, bool] = m) -> tuple[str, RGBColor | None]:
                if not m[fld]:
                    return value or "", None
                return (t(f"✗ {label}"), RED) if rv.field_required(fld) else (t("未写明"), GREY)

            content = cd.get("item") or cd.get("text") or ""
            if cd.get("item") and cd.get("target"):
                content += f"（{t('目标')}：{cd['target']}）"
            deadline = cd.get("deadline_text") or cd.get("deadline")
            rows.append([(c.id, None), (content, None), val("measures", cd.get("measures"), "缺措施"),
                         val("deadline", deadline, "缺时限"), val("owner", cd.get("owner"), "缺责任"),
                         (rv.area_label(c.area), None)])
        _table(d, ["#", t("内容"), t("措施"), t("时限"), t("责任"), t("领域")], rows, widths=[26, 130, 120, 60, 60, 50])

    _heading(d, t("四、查找出的问题"), level)
    if not rv.problems:
        _para(d, t("没有识别出问题陈述。"))
    else:
        rows = [[(p.id, None), (p.data.get("text") or "", None), (rv.area_label(p.area), None),
                 (t("是") if p.data.get("concrete") else t("否"), None if p.data.get("concrete") else RED),
                 (t("是") if p.data.get("cause") else "", None)] for p in rv.problems]
        _table(d, ["#", t("问题"), t("领域"), t("具体"), t("原因")], rows, widths=[26, 270, 56, 40, 40])

    note = rv.return_note()
    if note:
        _heading(d, t("五、建议退回意见") if v.code == "return" else t("五、建议修改意见"), level)
        for line in note.split("\n"):
            _para(d, line)


def write_memo(rv: Review, path: str | Path) -> None:
    """Write one document's review memo (审阅意见) as a .docx."""
    d = _new_memo()
    title = _heading(d, rv.t("审阅意见"), 0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub = _para(d, f"《{rv.title}》", bold=True, size=13)
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    memo_body(d, rv)
    d.core_properties.title = xml_safe(rv.t("审阅意见") + f"：{rv.title}")
    d.core_properties.author = AUTHOR
    d.save(str(path))


def write_batch_memo(reviews: Sequence[Review], path: str | Path, *, title: str = "学习实践活动报送材料审阅意见汇总") -> None:
    """Write the batch memo: totals, gap counts, every document worst first, and the return notes.

    Args:
        reviews: One review per record (text not needed).
        path: Where to write the .docx.
        title: The memo's heading.
    """
    d = _new_memo()
    h = _heading(d, title, 0)
    h.alignment = WD_ALIGN_PARAGRAPH.CENTER
    by_rec = {id(r.record): r for r in reviews}
    ok, bad = rank([r.record for r in reviews])
    ordered = [by_rec[id(x)] for x in ok + bad]
    prof = reviews[0].profile if reviews else None
    if prof is not None:
        sub = _para(d, f"{prof.data.get('title', '')}（{prof.name} {prof.version}）", colour=GREY)
        sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    vc = Counter(r.verdict().code for r in ordered)
    flagged = sum(1 for r in ordered if (r.record.get("work_report") or {}).get("flag") and not r.errors)
    type_names = (prof.data.get("doc_types") if prof else {}) or {}
    types = Counter(r.doc_type for r in ordered if not r.errors)
    _heading(d, "一、总体情况", 1)
    _para(d, f"本批共{len(ordered)}份材料：建议退回修改{vc['return']}份，建议完善{vc['improve']}份，未发现缺项{vc['pass']}份，"
             f"未能审查{vc['error']}份；其中读起来像工作报告的{flagged}份。")
    if types:
        _para(d, "材料类型：" + "，".join(f"{type_names.get(t, t)}{n}份" for t, n in types.most_common()) + "。")

    _heading(d, "二、各类缺项", 1)
    docs_with = Counter(c for r in ordered for c in {g.data.get("code") for g in r.gaps})
    total = Counter(g.data.get("code") for r in ordered for g in r.gaps)
    if docs_with:
        rows = [[((prof.gaps.get(c) or {}).get("term", c) if prof else c, None), (str(n), None), (str(total[c]), None)]
                for c, n in docs_with.most_common()]
        _table(d, ["缺项", "份数", "处数"], rows, widths=[300, 60, 60])
    else:
        _para(d, "没有发现缺项。")

    _heading(d, "三、逐份审阅结果（问题最多的在前）", 1)
    rows = []
    for i, r in enumerate(ordered, 1):
        v = r.verdict()
        codes = Counter(g.data.get("code") for g in r.gaps)
        gaps = "；".join(f"{(r.profile.gaps.get(c) or {}).get('term', c)}" + (f"×{n}" if n > 1 else "") for c, n in codes.items())
        if r.errors:
            gaps = r.errors[0].get("reason", "")
        rows.append([(str(i), None), (r.name + (f"\n{r.record.get('title')}" if r.record.get("title") else ""), None),
                     (r.record.get("unit") or "", None), (type_names.get(r.doc_type, r.doc_type or "—"), None),
                     (VERDICT_ZH.get(v.code, v.label), RED if v.code == "return" else None), (gaps or "—", None)])
    if rows:
        _table(d, ["#", "文件", "单位", "类型", "结论", "主要缺项"], rows, widths=[24, 120, 80, 60, 50, 150])

    returns = [r for r in ordered if r.verdict().code == "return"]
    _heading(d, "四、建议退回的材料", 1)
    if not returns:
        _para(d, "没有需要退回的材料。")
    for i, r in enumerate(returns, 1):
        _heading(d, f"{i}. 《{r.title}》（{r.name}）", 2)
        for line in r.return_note().split("\n"):
            _para(d, line)
    if bad:
        _heading(d, "五、未能审查的文件", 1)
        for r in ordered:
            if r.errors:
                e = r.errors[0]
                _para(d, f"{r.name}：{e.get('code', '')} {e.get('reason', '')} — {e.get('message', '')}")
    d.core_properties.title = title
    d.core_properties.author = AUTHOR
    d.save(str(path))
