"""Lines and table rows into ``Block``s, for every format: hard-wrapped lines rejoined into paragraphs,
table rows with their header, and a PDF's pages assembled (page numbers and running headers/footers
dropped, a table row split by a page break merged back). Changes when the layout rules do.
"""

from __future__ import annotations

import re
from collections import Counter

from .. import lang_zh as zh
from ..document import Block

_PAGE_NO = zh.PAGE_NUMBER_LINE
_OPEN_MARK = zh.LINE_OPENS_ITEM
_CLOSE_PUNCT = "。，、；：？！”’」』）)》,.;:?!"
_END_PUNCT = "。！？；：!?;:"


def _looks_hard_wrapped(lines: list[str]) -> bool:
    body = [ln.strip() for ln in lines if len(ln.strip()) >= 20]
    if len(body) < 4:
        return False
    open_ended = sum(1 for ln in body if ln[-1] not in _END_PUNCT + "”」")
    return open_ended / len(body) > 0.4


def _rejoin(lines: list[str], width: int | None = None) -> list[str]:
    """Rejoin hard-wrapped lines into paragraphs (see ``_rejoin_indexed``)."""
    return [text for _, text in _rejoin_indexed(lines, width)]


def _rejoin_indexed(lines: list[str], width: int | None = None) -> list[tuple[int, str]]:
    """Rejoin hard-wrapped lines into paragraphs, each with the index of its first line.

    A line ends its paragraph when it ends a sentence or a colon, or when it is clearly shorter
    than a full line; the next line starts a new paragraph when it opens with an outline or
    item marker. A line that opens with closing punctuation always continues the previous one.
    """
    lines = [ln.strip() for ln in lines]
    lengths = [len(ln) for ln in lines if len(ln) >= 10]
    if width is None:
        width = max(lengths) if lengths else 0
    paras: list[tuple[int, str]] = []
    cur, first, last_len = "", 0, 0
    for i, ln in enumerate(lines):
        if not ln:
            if cur:
                paras.append((first, cur))
                cur = ""
            continue
        ends = cur and (cur[-1] in "。！？!?" or cur.endswith(("：", ":")) or (width and last_len < 0.8 * width))
        if cur and ln[0] in _CLOSE_PUNCT:
            cur += ln
        elif cur and not ends and not _OPEN_MARK.match(ln):
            cur += _joiner(cur, ln) + ln
        else:
            if cur:
                paras.append((first, cur))
            cur, first = ln, i
        last_len = len(ln)
    if cur:
        paras.append((first, cur))
    return paras


def _joiner(a: str, b: str) -> str:
    """Join wrapped lines without a space, except between two Latin words."""
    return " " if a[-1:].isascii() and a[-1:].isalpha() and b[:1].isascii() and b[:1].isalpha() else ""


# --------------------------------------------------------------------------- table rows

def _rows_to_blocks(rows: list[list[str]], n_tab: int, page: int | None = None,
                    header: list[str] | None = None) -> list[Block]:
    blocks = []
    for i, cells in enumerate(rows):
        if not any(c.strip() for c in cells):
            continue
        loc = {"table": n_tab, "row": i + 1}
        if page is not None:
            loc["page"] = page
        is_header = header is None and i == 0 and _is_header_row(cells)
        blocks.append(Block("｜".join(cells), "table_row", loc, cells=cells, header=None if is_header else header))
        if is_header:
            header = cells
    return blocks


_HEADER_WORDS = ("序号", "序號", "项目", "項目", "目标", "目標", "措施", "时限", "時限", "责任", "責任", "时间", "時間",
                 "问题", "問題", "内容", "內容", "单位", "單位", "部门", "部門", "备注", "備註", "完成")


def _is_header_row(cells: list[str]) -> bool:
    filled = [c for c in cells if c.strip()]
    if len(filled) < 2:
        return False
    hits = sum(1 for c in filled if len(c) <= 8 and any(w in c for w in _HEADER_WORDS))
    return hits >= max(2, len(filled) // 2)


def _cell(c: str | None) -> str:
    """A table cell's wrapped lines joined back into one text."""
    if not c:
        return ""
    parts = [p.strip() for p in c.split("\n")]
    out = ""
    for p in parts:
        out += (_joiner(out, p) if out else "") + p
    return out


# --------------------------------------------------------------------------- pdf pages

def _pdf_blocks(page_items: list[list[tuple[str, object]]]) -> list[Block]:
    """Drop page numbers and running headers/footers, rejoin lines, merge table rows split by a page break."""
    n_pages = len(page_items)
    edge: Counter[str] = Counter()
    if n_pages >= 3:
        for items in page_items:
            lines = [str(v).strip() for k, v in items if k == "line" and str(v).strip()]
            for ln in set(lines[:2] + lines[-2:]):
                edge[re.sub(r"\d+", "#", ln)] += 1
    repeated = {k for k, c in edge.items() if c >= max(3, n_pages // 2 + 1) and len(k) < 60}
    blocks: list[Block] = []
    n_tab = 0
    last_table: tuple[int, list[str]] | None = None  # (block index of last row, header)
    buf: list[tuple[int, str]] = []  # (page, line); paragraphs run on across page breaks

    def flush() -> None:
        for idx, para in _rejoin_indexed([ln for _, ln in buf], width):
            blocks.append(Block(para, "line", {"page": buf[idx][0]}))
        buf.clear()

    lens = [len(str(v).strip()) for items in page_items for k, v in items if k == "line" and len(str(v).strip()) >= 10]
    width = max(lens) if lens else 0
    for pno, items in enumerate(page_items, 1):
        for kind, val in items:
            if kind == "line":
                ln = str(val).strip()
                if not ln or _PAGE_NO.match(ln) or (repeated and re.sub(r"\d+", "#", ln) in repeated):
                    continue
                buf.append((pno, ln))
                last_table = None
            else:
                rows = list(val)  # type: ignore[arg-type]
                if not buf and last_table is not None and rows and _is_continuation(rows[0], blocks[last_table[0]]):
                    _merge_row(blocks[last_table[0]], rows.pop(0))
                    new = _rows_to_blocks(rows, n_tab, pno, header=last_table[1])
                else:
                    flush()
                    n_tab += 1
                    new = _rows_to_blocks(rows, n_tab, pno)
                blocks.extend(new)
                if blocks and blocks[-1].kind == "table_row":
                    hdr = blocks[-1].header or blocks[-1].cells or []
                    last_table = (len(blocks) - 1, hdr)
    flush()
    return blocks


def _is_continuation(row: list[str], prev: Block) -> bool:
    return bool(prev.cells) and len(row) == len(prev.cells or []) and not row[0].strip() and any(c.strip() for c in row)


def _merge_row(block: Block, row: list[str]) -> None:
    cells = [a + _joiner(a, b) + b if b else a for a, b in zip(block.cells or [], row, strict=False)]
    block.cells = cells
    block.text = "｜".join(cells)
