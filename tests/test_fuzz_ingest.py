"""Fuzz: the ingesters on mutated docx/pdf/txt bytes either read a document or raise a coded ShenchaError
that is not E199 (an internal error is a bug in Shencha, never the answer to a malformed file)."""

from __future__ import annotations

import functools
import io
import tempfile
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.errors import CATALOGUE, ShenchaError
from pipeline.ingest import ingest
from tests import bulk_helpers as H
from tests.conftest import build_docx, build_pdf

SETTINGS = settings(max_examples=int(__import__("os").environ.get("SHENCHA_FUZZ_EXAMPLES", "30")), deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@functools.cache
def _base(kind: str) -> bytes:
    with tempfile.TemporaryDirectory() as d:
        if kind == "docx":
            p = build_docx(Path(d) / "b.docx", [*H.REPORT.split("\n"), [["序号", "措施", "时限"], ["1", "建成服务中心", "9月底前"]]])
        elif kind == "pdf":
            p = build_pdf(Path(d) / "b.pdf", [H.REPORT.split("\n"), [[["序号", "措施"], ["1", "建成服务中心"]]]])
        else:
            return H.REPORT.encode("utf-8")
        return p.read_bytes()


@functools.cache
def _docx_parts() -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(_base("docx"))) as z:
        return {n: z.read(n) for n in z.namelist()}


def _uncompressed_pdf() -> bytes:
    """The report as a PDF whose content streams are plain text, so that mutations reach the page operators."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pageCompression=0)
    c.setFont("STSong-Light", 11)
    for i, line in enumerate(H.REPORT.split("\n")):
        c.drawString(60, 800 - 15 * i, line[:30])
    c.rect(60, 500, 200, 40)
    c.showPage()
    c.save()
    return buf.getvalue()


_BASES = {"docx": lambda: _base("docx"), "pdf": lambda: _base("pdf"), "txt": lambda: _base("txt"),
          "pdf-plain": functools.cache(_uncompressed_pdf)}


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` with a few edits: bytes overwritten, ranges deleted or duplicated, bytes inserted, a cut."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        if not out:
            break
        op = draw(st.sampled_from(["set", "delete", "dup", "insert", "truncate"]))
        i = draw(st.integers(0, len(out) - 1))
        if op == "set":
            out[i] = draw(st.integers(0, 255))
        elif op == "delete":
            del out[i : i + draw(st.integers(1, 64))]
        elif op == "dup":
            out[i:i] = out[i : i + draw(st.integers(1, 256))]
        elif op == "insert":
            out[i:i] = draw(st.binary(min_size=1, max_size=16))
        else:
            del out[i:]
    return bytes(out)


def _ingest_bytes(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / f"fuzz{suffix}"
        p.write_bytes(data)
        try:
            ingest(p)
        except ShenchaError as exc:
            assert exc.code in CATALOGUE and exc.code != "E199", exc.message
            assert p.name in exc.message


@SETTINGS
@given(st.data())
def test_mutated_docx_bytes(data: st.DataObject) -> None:
    _ingest_bytes(data.draw(mutated(_BASES["docx"]())), ".docx")


@SETTINGS
@given(st.sampled_from(["word/document.xml", "word/styles.xml", "word/numbering.xml", "[Content_Types].xml",
                        "word/_rels/document.xml.rels", "word/settings.xml"]), st.data())
def test_docx_with_a_mutated_xml_part(part: str, data: st.DataObject) -> None:
    """Mutations inside the XML (re-zipped with valid checksums), where the XML parsers meet them."""
    parts = dict(_docx_parts())
    parts[part] = data.draw(mutated(parts[part]))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, blob in parts.items():
            z.writestr(name, blob)
    _ingest_bytes(buf.getvalue(), ".docx")


@SETTINGS
@given(st.sampled_from(["pdf", "pdf-plain"]), st.data())
def test_mutated_pdf_bytes(kind: str, data: st.DataObject) -> None:
    _ingest_bytes(data.draw(mutated(_BASES[kind]())), ".pdf")


@SETTINGS
@given(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32", "gb18030", "big5"]), st.data())
def test_mutated_txt_bytes(encoding: str, data: st.DataObject) -> None:
    text = H.REPORT if encoding != "big5" else H.REPORT.replace("门", "門")
    try:
        base = text.encode(encoding)
    except UnicodeEncodeError:
        base = text.encode("utf-8")
    _ingest_bytes(data.draw(mutated(base)), ".txt")
