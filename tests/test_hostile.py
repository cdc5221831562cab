"""Hostile and broken input: each one is reported with its code, and the batch goes on."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pipeline.ingest import soffice_path
from shencha import batch
from shencha.batch import iter_inputs, screen_paths
from tests import bulk_helpers as H

# file name -> (builder, expected error code or None for a screened document)
CASES: dict[str, tuple] = {
    "a-zip-bomb.docx": (H.zip_bomb_docx, "E110"),
    "b-lying-zip.docx": (H.lying_zip_docx, "E104"),
    "c-many-members.docx": (H.many_members_docx, "E110"),
    "d-xxe.docx": (lambda p: H.entity_docx(p, "xxe"), "E110"),
    "e-laughs.docx": (lambda p: H.entity_docx(p, "laughs"), "E110"),
    "f-dtd-after-comment.docx": (lambda p: H.entity_docx(p, "padded"), "E110"),
    "g-xxe-utf16.docx": (lambda p: H.entity_docx(p, "utf16"), "E110"),
    "h-5000-pages.pdf": (H.many_pages_pdf, "E108"),
    "i-flate-bomb.pdf": (H.flate_bomb_pdf, "E110"),
    "j-encrypted.pdf": (H.encrypted_pdf, "E103"),
    "k-scanned.pdf": (H.scanned_pdf, "E102"),
    "l-empty.txt": (lambda p: p.write_bytes(b""), "E105"),
    "m-random-bytes.txt": (H.random_bytes_txt, "E106"),
    "n-200mb.txt": (lambda p: H.sparse_file(p, 200 * 1024 * 1024), "E108"),
    "o-mixed-encodings.txt": (H.mixed_encoding_txt, None),
    # an OLE header and nothing else: LibreOffice cannot convert it (E104); without LibreOffice, E112
    "p-old-word.doc": (lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)),
                       "E104" if soffice_path() else "E112"),
}


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("hostile")
    for name, (build, _) in CASES.items():
        build(d / name)
    H.good_docs(d, 3)
    H.gbk_named_txt(d)
    sub = d / "sub"
    sub.mkdir()
    (sub / "loop").symlink_to(d, target_is_directory=True)  # a symlink loop back to the top
    (sub / "self").symlink_to(sub, target_is_directory=True)
    return d


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_hostile_input_gets_its_code(screener, hostile_dir: Path, name: str) -> None:
    rec = batch.finish_record(screener.screen(hostile_dir / name))
    expected = CASES[name][1]
    if expected is None:
        assert rec["errors"] == [] and rec["problems"]
    else:
        assert [e["code"] for e in rec["errors"]] == [expected], rec["errors"]
        assert name in rec["errors"][0]["message"]


def test_mixed_encodings_are_decoded_line_by_line(screener, hostile_dir: Path) -> None:
    rec = screener.screen(hostile_dir / "o-mixed-encodings.txt", include_text=True)
    assert rec["encoding"] == "mixed" and "產業層次偏低" in rec["text"] and "跟踪督办" in rec["text"]
    assert any("encoding" in w for w in rec["warnings"])


def test_symlink_loops_are_walked_once(hostile_dir: Path) -> None:
    files = [str(p) for p in iter_inputs([hostile_dir])]
    assert len(files) == len(set(files)) == len(CASES) + 3 + 1
    assert not any("/sub/" in f for f in files)


def test_hostile_folder_in_worker_processes(hostile_dir: Path) -> None:
    """The whole folder through two workers with limits: every document reported, in order, as JSON."""
    files = [str(p) for p in iter_inputs([hostile_dir])]
    recs = list(screen_paths([hostile_dir], workers=2, timeout=60, memory_mb=1024))
    assert [r["path"] for r in recs] == [batch.safe_str(f) for f in files]
    by_name = {Path(r["path"]).name: r for r in recs}
    for name, (_, expected) in CASES.items():
        assert [e["code"] for e in by_name[name]["errors"]] == ([expected] if expected else []), name
    goods = [r for n, r in by_name.items() if n.startswith("good-")]
    assert len(goods) == 3 and all(not r["errors"] and r["problems"] for r in goods)
    for r in recs:
        json.dumps(r, ensure_ascii=False).encode("utf-8")


def test_gbk_file_name_is_recorded_and_summarised(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from shencha.cli import main

    raw = H.gbk_named_txt(tmp_path)
    out = tmp_path / "out.jsonl"
    assert main(["screen", str(tmp_path), "--jsonl", str(out), "--workers", "1", "--silent"]) == 0
    (rec,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert rec["errors"] == [] and rec["problems"]
    assert "\\x" in rec["path"] and os.fsdecode(raw) not in rec["path"]
    assert any("石门镇分析检查报告.txt" in w for w in rec["warnings"])
    table = capsys.readouterr().out
    assert "\\x" in table and "共 1 份" in table


def test_size_limit_is_configurable_with_a_clear_message(tmp_path: Path) -> None:
    from shencha.cli import main

    (tmp_path / "report.txt").write_text(H.REPORT, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["screen", str(tmp_path), "--jsonl", str(out), "--max-bytes", "100", "--silent",
                 "--timeout", "0", "--max-memory", "0", "--workers", "1"]) == 0
    (rec,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert rec["errors"][0]["code"] == "E108"
    assert "--max-bytes" in rec["errors"][0]["message"] and "> 100" in rec["errors"][0]["message"]


def _slow_doc(folder: Path) -> Path:
    """About 3 million characters of real report text: many seconds of work for any worker."""
    text = "\n".join(H.REPORT for _ in range(9000))
    p = folder / "a-slow.txt"
    p.write_text(text, encoding="utf-8")
    (folder / "b-next.txt").write_text(H.REPORT, encoding="utf-8")
    return p


def test_a_document_past_the_time_limit_is_reported_and_its_worker_replaced(tmp_path: Path) -> None:
    _slow_doc(tmp_path)
    recs = list(screen_paths([tmp_path], workers=1, timeout=1.0))
    assert [Path(r["path"]).name for r in recs] == ["a-slow.txt", "b-next.txt"]
    assert recs[0]["errors"][0]["code"] == "E109" and "--timeout" in recs[0]["errors"][0]["message"]
    assert recs[0]["sha256"] and recs[0]["format"] == "txt"
    assert recs[1]["errors"] == [] and recs[1]["problems"]


def test_a_document_past_the_memory_limit_is_reported_and_its_worker_replaced(tmp_path: Path) -> None:
    _slow_doc(tmp_path)
    recs = list(screen_paths([tmp_path], workers=1, timeout=120, memory_mb=64))
    assert recs[0]["errors"][0]["code"] == "E111", recs[0]["errors"]
    assert recs[1]["errors"] == [] and recs[1]["problems"]
