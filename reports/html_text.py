"""The document's own text as HTML, block by block (paragraphs, headings, table rows, page marks),
with every stretch that findings cover drawn as one flat ``<a class="hl">`` linked to its entries."""

from __future__ import annotations

import bisect

from pipeline import lang_zh as zh
from pipeline.record import BlockRecord
from reports.entries import Segment, segments
from reports.html_escape import css_class, esc
from reports.locate import SEP
from reports.review import Review

HEADING = zh.OUTLINE_HEADING


def _blocks(rv: Review) -> list[BlockRecord]:
    """The record's blocks, with any uncovered non-blank text added as paragraphs."""
    text = rv.text
    raw = sorted(rv.record.get("blocks") or [], key=lambda b: b["start"])
    out: list[BlockRecord] = []
    pos = 0

    def fill(a: int, b: int) -> None:
        i = a
        for line in text[a:b].split("\n"):
            if line.strip():
                out.append({"start": i, "end": i + len(line), "kind": "paragraph", "locator": {}})
            i += len(line) + 1

    for b in raw:
        s, e = max(b["start"], pos), min(b["end"], len(text))
        if s >= e:
            continue
        if s > pos:
            fill(pos, s)
        out.append({"start": s, "end": e, "kind": b.get("kind") or "paragraph", "locator": b.get("locator") or {}})
        pos = e
    if pos < len(text):
        fill(pos, len(text))
    return out


class _TextRenderer:
    """Draw the text block by block; each stretch covered by entries is one flat ``<a class="hl">``."""

    def __init__(self, rv: Review) -> None:
        self.rv = rv
        self.text = rv.text
        self.segs: list[Segment] = segments(len(self.text), rv.entries)
        self.starts = [s.start for s in self.segs]
        anchors: dict[int, list[str]] = {}
        for e in rv.entries:
            if e.spans:
                anchors.setdefault(e.spans[0][0], []).append(e.id)
        self.anchor_pos = sorted(anchors)
        self.anchors = anchors
        self.next_anchor = 0
        self.t = rv.t
        self.areas = rv.profile.areas

    def _anchors_before(self, end: int) -> str:
        out = []
        while self.next_anchor < len(self.anchor_pos) and self.anchor_pos[self.next_anchor] < end:
            for eid in self.anchors[self.anchor_pos[self.next_anchor]]:
                out.append(f'<span class="anchor" id="t-{eid}"></span>')
            self.next_anchor += 1
        return "".join(out)

    def _title(self, seg: Segment) -> str:
        parts = []
        for e in seg.refs:
            if e.kind == "gap":
                parts.append(f"{e.id} " + self.t("缺项") + "：" + self.rv.gap_term(e.data.get("code") or ""))
            else:
                parts.append(f"{e.id} " + self.t("问题" if e.kind == "problem" else "承诺") + "·"
                             + self.rv.area_label(e.area))
        return " ｜ ".join(parts)

    def range(self, a: int, b: int) -> str:
        """Markup for ``text[a:b]`` (no block boundaries inside)."""
        out = []
        i = max(0, bisect.bisect_right(self.starts, a) - 1)
        while i < len(self.segs) and self.segs[i].start < b:
            seg = self.segs[i]
            x, y = max(a, seg.start), min(b, seg.end)
            i += 1
            if x >= y:
                continue
            out.append(self._anchors_before(y))
            chunk = esc(self.text[x:y])
            if not seg.refs:
                out.append(chunk)
                continue
            kinds = {e.kind for e in seg.refs}
            cls = ["hl"] + [k for k, kind in (("kg", "gap"), ("kp", "problem"), ("kc", "commitment")) if kind in kinds]
            area = seg.area
            cls.append(f"a-{css_class(area)}" if area in self.areas else "na")  # only the profile's areas reach a class
            refs = " ".join(e.id for e in seg.refs)
            out.append(f'<a class="{" ".join(cls)}" href="#e-{seg.refs[0].id}" data-r="{refs}" '
                       f'title="{esc(self._title(seg))}">{chunk}</a>')
        return "".join(out)

    def render(self) -> str:
        blocks = _blocks(self.rv)
        title = (self.rv.record.get("title") or "").strip()
        out: list[str] = []
        page = None
        i = 0
        while i < len(blocks):
            b = blocks[i]
            pg = b["locator"].get("page")
            if pg is not None and pg != page:
                if page is not None:
                    out.append(f'<span class="pageno">{esc(self.t(f"第{pg}页"))}</span>')
                page = pg
            if b["kind"] == "table_row":
                tid = b["locator"].get("table")
                rows = []
                while i < len(blocks) and blocks[i]["kind"] == "table_row" and blocks[i]["locator"].get("table") == tid:
                    rows.append(self._row(blocks[i]))
                    i += 1
                out.append("<table>" + "".join(rows) + "</table>")
                continue
            a, e = b["start"], b["end"]
            line = self.text[a:e].strip()
            cls = ""
            if i == 0 and title and line == title:
                cls = ' class="first"'
            elif len(line) <= 40 and HEADING.match(line) and not line.endswith(("；", ";", "，")):
                cls = ' class="h"'
            out.append(f"<p{cls}>{self.range(a, e)}</p>")
            i += 1
        out.append(self._anchors_before(len(self.text) + 1))
        return "\n".join(out)

    def _row(self, b: BlockRecord) -> str:
        cells, a = [], b["start"]
        for j in range(b["start"], b["end"] + 1):
            if j == b["end"] or self.text[j] == SEP:
                cells.append(f"<td>{self.range(a, j)}</td>")
                a = j + 1
        return "<tr>" + "".join(cells) + "</tr>"


def render_text(rv: Review) -> str:
    """The record's text as HTML paragraphs and tables with the findings highlighted."""
    return _TextRenderer(rv).render()
