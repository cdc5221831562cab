"""The ``screen`` verb's options: defaults, streaming to stdout, option checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shencha.batch import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT
from shencha.cli import build_parser, main
from tests import bulk_helpers as H


def test_screen_defaults_use_all_cores_and_limits() -> None:
    args = build_parser().parse_args(["screen", "x"])
    assert args.workers is None  # all cores
    assert args.executor == "local" and args.scheduler is None and not args.resume
    assert args.timeout == DEFAULT_TIMEOUT and args.max_memory == DEFAULT_MEMORY_MB and args.max_pages == 2000


def test_jsonl_to_stdout_with_summary_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.txt").write_text(H.REPORT, encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"")
    assert main(["screen", str(tmp_path), "--jsonl", "-", "--workers", "1", "--timeout", "0", "--max-memory", "0"]) == 0
    out, err = capsys.readouterr()
    recs = [json.loads(line) for line in out.splitlines()]
    assert [Path(r["path"]).name for r in recs] == ["a.txt", "b.txt"]
    assert recs[1]["errors"][0]["code"] == "E105"
    assert "共 2 份" in err and "b.txt" in err


def test_scheduler_needs_the_dask_executor(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["screen", "x", "--scheduler", "tcp://127.0.0.1:8786", "--silent"]) == 2
    assert "--executor dask" in capsys.readouterr().err


def test_missing_path_is_reported_and_the_batch_goes_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.txt").write_text(H.REPORT, encoding="utf-8")
    out = tmp_path / "o.jsonl"
    assert main(["screen", str(tmp_path / "nope.txt"), str(tmp_path / "a.txt"), "--jsonl", str(out), "--silent",
                 "--workers", "1", "--timeout", "0", "--max-memory", "0"]) == 0
    recs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["errors"][0]["code"] if r["errors"] else None for r in recs] == ["E100", None]
    assert "no such file" in capsys.readouterr().err
