"""``archive add`` screens with the screen command's workers and per-document limits (E109, E111)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from corpus import open_store
from shencha.cli import main
from tests import bulk_helpers as H
from tests.conftest import build_docx


def table_docx(path: Path, rows: int) -> Path:
    """A .docx holding one table of ``rows`` rows (written as XML: python-docx takes minutes to build it)."""
    src = build_docx(path.with_suffix(".src.docx"), [H.PARA])
    with zipfile.ZipFile(src) as zin:
        parts = {n: zin.read(n) for n in zin.namelist()}
    src.unlink()
    xml = parts["word/document.xml"].decode("utf-8")
    row = ("<w:tr><w:tc><w:p><w:r><w:t>{i}</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>由镇经济发展办牵头，"
           "9月底前建成镇中小企业服务中心，设立2000万元融资担保资金。</w:t></w:r></w:p></w:tc></w:tr>")
    table = "<w:tbl>" + "".join(row.format(i=i) for i in range(rows)) + "</w:tbl>"
    parts["word/document.xml"] = xml.replace("<w:sectPr", table + "<w:sectPr", 1).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in parts.items():
            zout.writestr(name, data)
    return path


def test_archive_add_stops_a_slow_document_with_e109(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in"
    src.mkdir()
    table_docx(src / "a-huge-table.docx", 40_000)
    (src / "b-next.txt").write_text(H.REPORT, encoding="utf-8")
    db = tmp_path / "a.sqlite"
    assert main(["archive", "add", str(src), "--db", str(db), "--workers", "1", "--timeout", "1"]) == 1
    err = capsys.readouterr().err
    assert "a-huge-table.docx: E109" in err and "--timeout" in err
    with open_store(str(db)) as store:
        assert store.count() == 1  # the next document is stored, the slow one is not


def test_archive_add_has_the_screen_limits_as_options() -> None:
    from shencha.batch import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT
    from shencha.cli import build_parser

    args = build_parser().parse_args(["archive", "add", "x"])
    assert (args.timeout, args.max_memory, args.workers) == (DEFAULT_TIMEOUT, DEFAULT_MEMORY_MB, None)
    screen = build_parser().parse_args(["screen", "x"])
    assert (screen.timeout, screen.max_memory, screen.workers) == (args.timeout, args.max_memory, args.workers)


def test_rescreen_uses_the_limits_too(tmp_path: Path) -> None:
    from corpus import prepare
    from shencha.archiving import rescreen
    from tests.archive_helpers import synthetic_record

    slow = table_docx(tmp_path / "huge-table.docx", 40_000)
    with open_store(str(tmp_path / "a.sqlite")) as store:
        quick_id, _ = store.add(prepare(synthetic_record(H.REPORT, name="quick.txt")),
                                H.good_docs(tmp_path, 1)[0])
        slow_id, _ = store.add(prepare(synthetic_record(H.REPORT + "。", name="huge-table.docx")), slow)
        outs = rescreen(store, all_docs=True, workers=1, timeout=1)
    assert [(o.id, o.status) for o in outs] == [(quick_id, "refreshed"), (slow_id, "failed")]
    assert outs[1].message == "E109"
