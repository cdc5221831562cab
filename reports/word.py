"""Word output: the reviewer's annotated copy of a submission and the review memos (审阅意见).

* :func:`write_annotated` — for a .docx submission, the original document with every finding as a
  Word comment (批注) anchored on the runs holding its evidence, the evidence highlighted; for
  .txt and .pdf submissions a .docx rebuilt from the text (paragraphs and tables) and annotated
  the same way.
* :func:`write_memo` — one document's review memo: summary, the gap checklist with evidence
  quoted, the commitments table and, for a failing document, a suggested return note.
* :func:`write_batch_memo` — the memo for the whole batch, worst first.

Everything is built with python-docx; East Asian fonts are set so Chinese renders in Word. This
module writes the reviewer's copy; the comments are anchored by :mod:`reports.word_comments`, the
memos written by :mod:`reports.word_memo` (re-exported here), styles and tables come from
:mod:`reports.word_style` and :mod:`reports.word_table`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import docx
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from reports.locate import SEP
from reports.review import Review
from reports.word_comments import annotate
from reports.word_memo import memo_body, write_batch_memo, write_memo
from reports.word_style import GREY, RED, set_east_asian_fonts, xml_safe
from reports.word_table import plain_table

__all__ = ["annotate", "memo_body", "rebuild_docx", "write_annotated", "write_batch_memo", "write_memo"]


def _original_docx(rv: Review) -> Path | None:
    """The submission's own .docx when it is still there and unchanged since screening."""
    rec = rv.record
    p = Path(rec["path"])
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
            plain_table(d, rows)
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
