"""Legacy formats through LibreOffice (.doc, .wps, .rtf; E112 without it) and Word track changes and comments."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import pytest

from pipeline.errors import ShenchaError
from pipeline.ingest import ingest
from tests import bulk_helpers as H
from tests.conftest import build_docx

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def need(what: str) -> None:
    """Skip without ``what``; fail instead when CI requires the services (SHENCHA_REQUIRE_SERVICES)."""
    if os.environ.get("SHENCHA_REQUIRE_SERVICES"):
        pytest.fail(f"{what} is required (SHENCHA_REQUIRE_SERVICES is set) but not installed")
    pytest.skip(f"{what} is not installed")


@pytest.fixture(scope="module")
def legacy_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The report as .doc and .rtf, written by LibreOffice from a .docx; the .doc also named .wps."""
    if not shutil.which("soffice"):
        need("LibreOffice (soffice)")
    d = tmp_path_factory.mktemp("legacy")
    src = build_docx(d / "report.docx", [*H.REPORT.split("\n"), [["序号", "整改措施", "完成时限"], ["1", "建成服务中心", "9月底前"]]])
    out: dict[str, Path] = {}
    with tempfile.TemporaryDirectory() as profile:
        for fmt, filt in (("doc", "doc:MS Word 97"), ("rtf", "rtf")):
            subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", filt,
                            "--outdir", str(d), str(src)], check=True, capture_output=True, timeout=180)
            out[fmt] = d / f"report.{fmt}"
    out["wps"] = d / "report.wps"
    shutil.copy(out["doc"], out["wps"])  # WPS Office's .wps is the Word 97 format
    out["doc-named-docx"] = d / "old-named.docx"
    shutil.copy(out["doc"], out["doc-named-docx"])
    return out


@pytest.mark.parametrize("kind", ["doc", "rtf", "wps", "doc-named-docx"])
def test_legacy_formats_are_converted_and_read(legacy_files: dict[str, Path], kind: str) -> None:
    doc = ingest(legacy_files[kind])
    assert doc.text.startswith("中共石门镇委员会领导班子分析检查报告")
    assert H.PARA in doc.text
    assert doc.text.index("完成时限") < doc.text.index("建成服务中心") < doc.text.rindex("9月底前")
    if kind == "rtf":  # LibreOffice's own Word 97 export flattens python-docx tables; RTF keeps them
        rows = [b.cells for b in doc.blocks if b.kind == "table_row"]
        assert rows == [["序号", "整改措施", "完成时限"], ["1", "建成服务中心", "9月底前"]]
    assert any("LibreOffice" in w for w in doc.warnings)
    assert doc.format == ("docx" if kind == "doc-named-docx" else kind)


def test_without_libreoffice_a_legacy_file_says_what_is_missing(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHENCHA_SOFFICE", "")  # conversion switched off, as on a machine without LibreOffice
    for name, data in (("a.doc", OLE + bytes(600)), ("b.wps", OLE + bytes(600)), ("c.rtf", b"{\\rtf1\\ansi hello}")):
        p = tmp_path / name
        p.write_bytes(data)
        with pytest.raises(ShenchaError) as info:
            ingest(p)
        assert info.value.code == "E112" and "LibreOffice" in info.value.message and name in info.value.message


def test_a_legacy_extension_on_other_bytes_is_corrupt(tmp_path: Path) -> None:
    p = tmp_path / "x.doc"
    p.write_bytes(b"just some text, not a Word file")
    with pytest.raises(ShenchaError) as info:
        ingest(p)
    assert info.value.code == "E104"


def test_a_docx_named_doc_is_read_as_docx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHENCHA_SOFFICE", "")
    p = build_docx(tmp_path / "x.docx", H.REPORT.split("\n"))
    q = tmp_path / "renamed.doc"
    p.rename(q)
    assert H.PARA in ingest(q).text


# ------------------------------------------------------------------ track changes and comments

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _tracked_docx(path: Path) -> Path:
    """A report saved with track changes and comments, the XML as Word writes it."""
    src = build_docx(path.with_suffix(".src.docx"), ["一、存在的突出问题", "PLACEHOLDER"])
    with zipfile.ZipFile(src) as zin:
        parts = {n: zin.read(n) for n in zin.namelist()}
    src.unlink()
    rev = 'w:id="{}" w:author="李明" w:date="2009-06-10T09:00:00Z"'
    para = (
        "<w:p>"
        '<w:commentRangeStart w:id="0"/>'
        "<w:r><w:t>一是产业层次偏低，全镇</w:t></w:r>"
        f"<w:del {rev.format(1)}><w:r><w:delText>300</w:delText></w:r></w:del>"
        f"<w:ins {rev.format(2)}><w:r><w:t>326</w:t></w:r></w:ins>"
        "<w:r><w:t>家工业企业中，高新技术企业只有2家。</w:t></w:r>"
        '<w:commentRangeEnd w:id="0"/>'
        '<w:r><w:commentReference w:id="0"/></w:r>'
        "</w:p>"
        "<w:p>"
        f'<w:moveFrom {rev.format(3)}><w:r><w:t>跟踪督办不到位。</w:t></w:r></w:moveFrom>'
        "<w:r><w:t>三是抓落实不够有力。</w:t></w:r>"
        f'<w:moveTo {rev.format(4)}><w:r><w:t>跟踪督办不到位。</w:t></w:r></w:moveTo>'
        "</w:p>"
    )
    xml = parts["word/document.xml"].decode("utf-8")
    i = xml.rfind("<w:p>", 0, xml.index("PLACEHOLDER"))  # the placeholder paragraph is replaced
    j = xml.index("</w:p>", xml.index("PLACEHOLDER")) + len("</w:p>")
    parts["word/document.xml"] = (xml[:i] + para + xml[j:]).encode("utf-8")
    parts["word/comments.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:comments xmlns:w="{W}">'
        '<w:comment w:id="0" w:author="王芳" w:date="2009-06-11T10:00:00Z" w:initials="WF">'
        "<w:p><w:r><w:t>数字请核实后再报。</w:t></w:r></w:p></w:comment></w:comments>").encode()
    rels = parts["word/_rels/document.xml.rels"].decode("utf-8")
    parts["word/_rels/document.xml.rels"] = rels.replace("</Relationships>", (
        '<Relationship Id="rIdC1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"'
        ' Target="comments.xml"/></Relationships>')).encode("utf-8")
    ct = parts["[Content_Types].xml"].decode("utf-8")
    parts["[Content_Types].xml"] = ct.replace("</Types>", (
        '<Override PartName="/word/comments.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'wordprocessingml.comments+xml"/></Types>')).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in parts.items():
            zout.writestr(name, data)
    return path


def test_track_changes_read_as_accepted_and_comments_kept_out(tmp_path: Path) -> None:
    doc = ingest(_tracked_docx(tmp_path / "tracked.docx"))
    texts = [b.text for b in doc.blocks]
    assert texts == ["一、存在的突出问题", "一是产业层次偏低，全镇326家工业企业中，高新技术企业只有2家。",
                     "三是抓落实不够有力。跟踪督办不到位。"]
    assert "数字请核实" not in doc.text and "300" not in doc.text
