"""Word output: annotated reviewer copies (comments on the evidence), review memos, LibreOffice round trip."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.enum.text import WD_COLOR_INDEX
from docx.oxml.ns import qn

from reports.review import Review
from reports.word import write_annotated, write_batch_memo, write_memo
from shencha.report_cli import write_reports
from tests.samples import WEAK_PROBLEMS_LEAD
from tests.test_reports import UNSAFE, with_unsafe_findings

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def need(what: str) -> None:
    """Skip without ``what``; fail instead when CI requires the services (SHENCHA_REQUIRE_SERVICES)."""
    if os.environ.get("SHENCHA_REQUIRE_SERVICES"):
        pytest.fail(f"{what} is required (SHENCHA_REQUIRE_SERVICES is set) but not installed")
    pytest.skip(f"{what} is not installed")


def anchored_text(path: Path) -> dict[str, str]:
    """Comment id → the document text between its commentRangeStart and commentRangeEnd."""
    d = docx.Document(str(path))
    active: dict[str, list[str]] = {}
    done: dict[str, str] = {}
    for el in d.element.body.iter():
        if el.tag == qn("w:commentRangeStart"):
            active[el.get(qn("w:id"))] = []
        elif el.tag == qn("w:commentRangeEnd"):
            cid = el.get(qn("w:id"))
            done[cid] = "".join(active.pop(cid, []))
        elif el.tag == qn("w:t"):
            for parts in active.values():
                parts.append(el.text or "")
    return done


def comments(path: Path) -> dict[str, str]:
    """Comment id → comment text."""
    d = docx.Document(str(path))
    return {str(c.comment_id): c.text for c in d.comments}


def squash(s: str) -> str:
    return "".join(ch for ch in s if not ch.isspace() and ch != "｜")


@pytest.fixture(scope="module")
def reviews(screener: Any, samples_dir: Path) -> dict[str, Review]:
    names = ["analysis-weak.docx", "plan-table-traditional.docx", "plan-prose-big5.txt", "analysis-good.pdf"]
    return {n: Review(screener.screen(samples_dir / n, include_text=True)) for n in names}


def check_annotated(rv: Review, path: Path) -> None:
    """Every finding is a comment; located ones are anchored on exactly their evidence."""
    texts = comments(path)
    anchors = anchored_text(path)
    assert len(texts) >= len(rv.entries)
    for g in rv.gaps:
        term = rv.gap_term(g.data["code"])
        assert any(term in t and rv.t(g.data["message"])[:20] in t for t in texts.values()), g.data["code"]
    for e in rv.problems + rv.commitments:
        want = squash(rv.text[e.spans[0][0]:e.spans[0][1]])
        assert any(squash(a) == want for a in anchors.values()), f"{rv.name} {e.id} not anchored on its sentence"
    for g in rv.gaps:
        if g.located:
            a, b = g.spans[0]
            assert any(squash(rv.text[a:b]) in squash(x) for x in anchors.values()), g.data["code"]


def test_docx_submission_keeps_its_text_and_gets_comments_on_the_evidence(reviews: dict[str, Review], tmp_path: Path,
                                                                          samples_dir: Path) -> None:
    rv = reviews["analysis-weak.docx"]
    out = tmp_path / "a.docx"
    stats = write_annotated(rv, out)
    assert stats["source"] == "original"
    orig = docx.Document(str(samples_dir / "analysis-weak.docx"))
    new = docx.Document(str(out))
    assert [p.text for p in new.paragraphs] == [p.text for p in orig.paragraphs], "runs split, text unchanged"
    check_annotated(rv, out)
    assert all(c.author == "Shencha" and c.initials == "SC" for c in new.comments)
    colours = {r.font.highlight_color for p in new.paragraphs for r in p.runs if r.font.highlight_color}
    assert WD_COLOR_INDEX.YELLOW in colours  # work_style findings, the weak analysis's main area
    gap_notes = [g for g in rv.gaps if not g.located]
    assert gap_notes and stats.get("on_title") == len(gap_notes)  # notes of what is missing sit on the title


def test_docx_table_rows_and_traditional_script(reviews: dict[str, Review], tmp_path: Path) -> None:
    rv = reviews["plan-table-traditional.docx"]
    out = tmp_path / "b.docx"
    assert write_annotated(rv, out)["source"] == "original"
    check_annotated(rv, out)  # commitments are table rows: anchored from the first cell to the last
    assert any("經濟發展" in t or "承諾" in t for t in comments(out).values())


@pytest.mark.parametrize("name", ["plan-prose-big5.txt", "analysis-good.pdf"])
def test_txt_and_pdf_are_rebuilt_and_annotated(reviews: dict[str, Review], tmp_path: Path, name: str) -> None:
    rv = reviews[name]
    out = tmp_path / "c.docx"
    assert write_annotated(rv, out)["source"] == "rebuilt"
    d = docx.Document(str(out))
    body = squash("".join(p.text for p in d.paragraphs) + "".join(c.text for t in d.tables for r in t.rows for c in r.cells))
    assert squash(rv.text) == body or len(body) >= 0.98 * len(squash(rv.text))
    check_annotated(rv, out)
    rfonts = d.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert rfonts.get(qn("w:eastAsia"))


def test_runs_split_across_formatting(screener: Any, tmp_path: Path, samples_dir: Path) -> None:
    """Findings that start and end inside runs of mixed formatting: runs are split, formatting kept."""
    d = docx.Document(str(samples_dir / "analysis-weak.docx"))
    para = next(p for p in d.paragraphs if WEAK_PROBLEMS_LEAD in p.text)
    text = para.text
    para.text = ""
    for k in range(0, len(text), 7):  # 7-character runs, alternately bold: no finding starts on a run edge
        para.add_run(text[k : k + 7]).bold = (k // 7) % 2 == 1
    src = tmp_path / "split-runs.docx"
    d.save(str(src))
    rv = Review(screener.screen(src, include_text=True))
    inside = [e for e in rv.problems if e.data["text"] in text]
    assert inside, "the rewritten paragraph still holds problems"
    out = tmp_path / "split.docx"
    write_annotated(rv, out)
    new = docx.Document(str(out))
    again = next(p for p in new.paragraphs if WEAK_PROBLEMS_LEAD in p.text)
    assert again.text == text
    bold = "".join(r.text for r in again.runs if r.bold)
    assert bold == "".join(text[k : k + 7] for k in range(7, len(text), 14))  # formatting kept char for char
    check_annotated(rv, out)


def test_memos_hold_the_gaps_commitments_and_return_note(reviews: dict[str, Review], tmp_path: Path) -> None:
    rv = reviews["analysis-weak.docx"]
    out = tmp_path / "memo.docx"
    write_memo(rv, out)
    d = docx.Document(str(out))
    text = "\n".join(p.text for p in d.paragraphs)
    cells = "\n".join(c.text for t in d.tables for r in t.rows for c in r.cells)
    assert "审阅意见" in text and rv.title in text
    for g in rv.gaps:
        assert rv.t(g.data["message"]) in text
        if g.located:
            assert f"「{g.data['evidence']}」" in text
    assert "四不通过" in text and "建议退回意见" in text and "退回修改" in cells
    for c in rv.commitments:
        assert c.data["text"] in cells
    assert "✗ 缺措施" in cells
    normal = d.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert normal.get(qn("w:eastAsia")) == "宋体"
    plan = reviews["plan-prose-big5.txt"]
    write_memo(plan, tmp_path / "plan.docx")
    ptext = "\n".join(p.text for p in docx.Document(str(tmp_path / "plan.docx")).paragraphs)
    assert "審閱意見" in ptext and "四明確一承諾" in ptext


def test_batch_memo_lists_documents_worst_first(reviews: dict[str, Review], tmp_path: Path) -> None:
    out = tmp_path / "batch.docx"
    write_batch_memo(list(reviews.values()), out)
    d = docx.Document(str(out))
    table = d.tables[-1]
    names = [r.cells[1].text.split("\n")[0] for r in table.rows[1:]]
    assert names[0] == "analysis-weak.docx" and set(names) == set(reviews)
    text = "\n".join(p.text for p in d.paragraphs)
    assert "建议退回的材料" in text and "《" + reviews["analysis-weak.docx"].title + "》" in text


def test_write_reports_docx_and_libreoffice_opens_them(reviews: dict[str, Review], tmp_path: Path,
                                                       samples_dir: Path) -> None:
    """One LibreOffice run converts an annotated copy and a memo to PDF (slow: once per test run)."""
    bad = {"path": str(samples_dir / "missing.docx"), "format": "docx", "errors": [{"code": "E100", "reason": "not found",
                                                                          "message": "[E100] missing"}]}
    res = write_reports([rv.record for rv in reviews.values()] + [bad], tmp_path / "out", docx=True)
    assert not res["problems"]
    assert set(res["docx"][Review(bad).slug]) == {"memo"}
    assert "E100" in "\n".join(p.text for p in docx.Document(res["docx"][Review(bad).slug]["memo"]).paragraphs)
    assert Path(res["batch_memo"]).exists()
    for rv in reviews.values():
        files = res["docx"][rv.slug]
        assert set(files) == {"annotated", "memo"}
        check_annotated(rv, Path(files["annotated"]))
    index = Path(res["index"]).read_text(encoding="utf-8")
    assert "batch-memo.docx" in index and ".annotated.docx" in index
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if not office:
        need("LibreOffice")
    slug = reviews["analysis-weak.docx"].slug
    inputs = [res["docx"][slug]["annotated"], res["docx"][slug]["memo"]]
    pdf_dir = tmp_path / "pdf"
    t0 = time.perf_counter()
    proc = subprocess.run([office, "--headless", f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}",
                           "--convert-to", 'pdf:writer_pdf_Export:{"ExportNotes":{"type":"boolean","value":"true"}}',
                           "--outdir", str(pdf_dir), *inputs],
                          capture_output=True, text=True, timeout=240)
    took = time.perf_counter() - t0
    assert proc.returncode == 0, proc.stderr
    for p in inputs:
        pdf = pdf_dir / (Path(p).stem + ".pdf")
        assert pdf.exists() and pdf.stat().st_size > 5000, proc.stdout + proc.stderr
        assert pdf.read_bytes().startswith(b"%PDF")
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_raw

    # LibreOffice read every comment: each became a text annotation of the PDF
    copy_pdf = pdfium.PdfDocument(str(pdf_dir / (Path(inputs[0]).stem + ".pdf")))
    notes = 0
    for pg in copy_pdf:
        for k in range(pdfium_raw.FPDFPage_GetAnnotCount(pg.raw)):
            annot = pdfium_raw.FPDFPage_GetAnnot(pg.raw, k)
            notes += pdfium_raw.FPDFAnnot_GetSubtype(annot) == pdfium_raw.FPDF_ANNOT_TEXT
            pdfium_raw.FPDFPage_CloseAnnot(annot)
    assert notes == len(comments(Path(inputs[0])))
    memo_pdf = pdfium.PdfDocument(str(pdf_dir / (Path(inputs[1]).stem + ".pdf")))
    first = memo_pdf[0].get_textpage().get_text_range()
    assert "审阅意见" in first.replace("\r", "").replace("\n", "")
    ARTIFACTS.mkdir(exist_ok=True)
    for p in inputs:
        shutil.copy(pdf_dir / (Path(p).stem + ".pdf"), ARTIFACTS / (Path(p).stem + ".pdf"))
    print(f"\nLibreOffice converted 2 files in {took:.1f} s; PDFs kept in {ARTIFACTS}")


def test_unsafe_text_and_control_characters_in_word(screener: Any, make_txt: Any, tmp_path: Path) -> None:
    src = make_txt(UNSAFE.replace("一是", "一是\x0c\x07", 1), name="unsafe.txt")
    rec = with_unsafe_findings(screener.screen(src, include_text=True))
    assert "\x07" in rec["text"]
    res = write_reports([rec], tmp_path / "out", docx=True)
    assert not res["problems"], res["problems"]
    files = next(iter(res["docx"].values()))
    d = docx.Document(files["annotated"])
    assert any("<script>window.__pwned=1" in p.text for p in d.paragraphs)  # text, not markup
    anchors = anchored_text(Path(files["annotated"]))
    assert any(a.startswith("<script>") for a in anchors.values())
    memo = "\n".join(p.text for p in docx.Document(files["memo"]).paragraphs)
    assert "<b onmouseover=window.__pwned=5>说明</b>" in memo
    docx.Document(res["batch_memo"])


def test_big_table_plan_keeps_every_row_in_order_in_the_copy_and_the_memo(screener: Any, tmp_path: Path) -> None:
    """Tables are built row by row (bench/bench_word.py times a 60 KB plan); every row and cell lands in place."""
    from bench.bench_word import build_plan

    src = build_plan(tmp_path / "big-plan.docx", 12)
    rec = screener.screen(src, include_text=True)
    n_rows = sum(1 for b in rec["blocks"] if b["kind"] == "table_row")
    assert n_rows > 40
    rebuilt = Review(dict(rec, path=str(tmp_path / "gone.docx")))
    write_annotated(rebuilt, tmp_path / "rebuilt.docx")
    table = docx.Document(str(tmp_path / "rebuilt.docx")).tables[0]
    assert len(table.rows) == n_rows
    assert [r.cells[0].text for r in table.rows[1:]] == [str(i) for i in range(1, n_rows)]
    rv = Review(rec)
    write_memo(rv, tmp_path / "memo.docx")
    memo = docx.Document(str(tmp_path / "memo.docx"))
    ledger = max(memo.tables, key=lambda t: len(t.rows))
    assert len(ledger.rows) == 1 + len(rv.commitments)
    assert [len(r.cells) for r in ledger.rows] == [len(ledger.columns)] * len(ledger.rows)
    assert ledger.rows[1].cells[0].text.startswith("C1") and ledger.rows[-1].cells[0].text.startswith(f"C{len(rv.commitments)}")
