"""Batch screening: same records in the same order in-process, in worker processes and on Dask; resume; summary."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
from pathlib import Path
from typing import Any

import pytest

from shencha.batch import (
    ResumeIndex,
    SpilledRecords,
    SummaryRows,
    iter_inputs,
    json_safe,
    safe_str,
    screen_paths,
)
from tests import bulk_helpers as H


def _comparable(recs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records without ``stats`` (timings differ from run to run)."""
    return [{k: v for k, v in r.items() if k != "stats"} for r in recs]


@pytest.fixture(scope="module")
def small_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six documents: txt, docx, pdf, a duplicate of the first (another name), an empty file, a missing-format one."""
    d = tmp_path_factory.mktemp("small")
    goods = H.good_docs(d, 3)
    (d / "good-03-copy.txt").write_bytes(goods[0].read_bytes())
    (d / "z-empty.txt").write_bytes(b"")
    (d / "z-old.wps").write_bytes(b"binary")
    return d


@pytest.fixture(scope="module")
def in_process_samples(samples_dir: Path) -> list[dict[str, Any]]:
    """The sample corpus screened in this process: every file screened, in the walk's order."""
    recs = list(screen_paths([samples_dir]))
    assert [r["path"] for r in recs] == [str(p) for p in iter_inputs([samples_dir])] and len(recs) == 9
    assert not [r["path"] for r in recs if r["errors"]]
    return recs


def test_iter_inputs_sorted_recursive_and_lists_unsupported(small_dir: Path) -> None:
    names = [p.name for p in iter_inputs([small_dir])]
    assert names == ["good-00.txt", "good-01.docx", "good-02.pdf", "good-03-copy.txt", "z-empty.txt", "z-old.wps"]


def test_worker_pool_gives_the_in_process_records_in_order(samples_dir: Path,
                                                          in_process_samples: list[dict[str, Any]]) -> None:
    pooled = list(screen_paths([samples_dir], workers=2, timeout=120, memory_mb=2048))
    assert [r["path"] for r in pooled] == [str(p) for p in iter_inputs([samples_dir])]
    assert _comparable(pooled) == _comparable(in_process_samples)


def test_dask_local_cluster_gives_identical_output(samples_dir: Path, in_process_samples: list[dict[str, Any]]) -> None:
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        on_dask = list(screen_paths([samples_dir], executor="dask", scheduler=cluster.scheduler_address, timeout=120))
    assert _comparable(on_dask) == _comparable(in_process_samples)


def test_closing_the_stream_early_stops_the_workers(small_dir: Path) -> None:
    gen = screen_paths([small_dir], workers=2, timeout=60)
    first = next(gen)
    assert Path(first["path"]).name == "good-00.txt"
    gen.close()
    assert mp.active_children() == []


def _run_cli(*args: str) -> int:
    from shencha.cli import main

    return main(["screen", *args, "--silent", "--workers", "1", "--timeout", "0", "--max-memory", "0"])


def test_resume_after_an_interrupted_run_loses_and_duplicates_nothing(small_dir: Path, tmp_path: Path) -> None:
    full = tmp_path / "full.jsonl"
    assert _run_cli(str(small_dir), "--jsonl", str(full)) == 0
    lines = full.read_text(encoding="utf-8").splitlines(keepends=True)
    assert len(lines) == 6
    part = tmp_path / "part.jsonl"
    part.write_text("".join(lines[:2]) + lines[2][: len(lines[2]) // 2], encoding="utf-8")  # killed mid-write
    assert _run_cli(str(small_dir), "--jsonl", str(part), "--resume") == 0
    resumed = [json.loads(line) for line in part.read_text(encoding="utf-8").splitlines()]
    assert _comparable(resumed) == _comparable([json.loads(line) for line in lines])
    assert _run_cli(str(small_dir), "--jsonl", str(part), "--resume") == 0  # nothing left to do
    assert len(part.read_text(encoding="utf-8").splitlines()) == 6


def test_resume_index_counts_identical_files_separately(small_dir: Path, tmp_path: Path) -> None:
    recs = list(screen_paths([small_dir / "good-00.txt"]))
    out = tmp_path / "o.jsonl"
    out.write_text(json.dumps(recs[0], ensure_ascii=False) + "\n", encoding="utf-8")
    index = ResumeIndex.from_jsonl(out)
    assert len(index) == 1
    assert index.take(str(small_dir / "good-03-copy.txt"))  # same content, another name: done once
    assert not index.take(str(small_dir / "good-00.txt"))  # the second copy is still to do
    assert not ResumeIndex.from_jsonl(tmp_path / "missing.jsonl").take(str(small_dir / "good-00.txt"))


def test_resume_needs_an_output_file(samples_dir: Path) -> None:
    from shencha.cli import main

    assert main(["screen", str(samples_dir), "--resume", "--silent"]) == 2
    assert main(["screen", str(samples_dir), "--jsonl", "-", "--resume", "--silent"]) == 2


def test_summary_rows_give_the_same_table(in_process_samples: list[dict[str, Any]]) -> None:
    from reports.triage import summary_table

    rows = SummaryRows()
    for r in in_process_samples:
        rows.add(json.loads(json.dumps(r, ensure_ascii=False)))
    assert len(rows) == len(in_process_samples)
    assert summary_table(rows.records()) == summary_table(in_process_samples)


def test_spilled_records_behave_like_a_list(in_process_samples: list[dict[str, Any]]) -> None:
    spilled = SpilledRecords()
    try:
        for r in in_process_samples[:5]:
            spilled.append(r)
        assert len(spilled) == 5
        assert spilled[3]["path"] == in_process_samples[3]["path"]
        assert [r["path"] for r in spilled] == [r["path"] for r in in_process_samples[:5]]
        assert [r["sha256"] for r in spilled[1:3]] == [r["sha256"] for r in in_process_samples[1:3]]
    finally:
        spilled.close()


def test_surrogate_escaped_names_become_json_safe() -> None:
    name = "/data/" + "报告".encode("gbk").decode("utf-8", "surrogateescape") + ".txt"
    assert safe_str(name) == "/data/\\xb1\\xa8\\xb8\\xe6.txt"
    assert safe_str("审查.txt") == "审查.txt"
    out = json_safe({"path": name, "errors": [{"message": name}]})
    json.dumps(out, ensure_ascii=False).encode("utf-8")


# ------------------------------------------------------------------ inputs that change while the batch runs


def _two_folders(tmp_path: Path) -> tuple[Path, Path]:
    top = tmp_path / "in"
    for sub in ("a", "b"):
        (top / sub).mkdir(parents=True)
        H.good_docs(top / sub, 1)
    (top / "b" / "good-01.txt").write_text(H.REPORT, encoding="utf-8")
    return top, top / "b" / "good-00.txt"


@pytest.mark.parametrize("pool", [False, True], ids=["in-process", "workers"])
def test_a_file_removed_while_the_batch_runs_gets_its_record(tmp_path: Path, pool: bool) -> None:
    """The walk ends before the first read: a file removed after the batch started is E100, never missing."""
    top, victim = _two_folders(tmp_path)
    kw: dict[str, Any] = {"workers": 2, "timeout": 60} if pool else {}
    found = [str(p) for p in iter_inputs([top])]
    gen = screen_paths([top], **kw)
    first = next(gen)  # the batch is running: folder a/ is done, folder b/ not yet read
    victim.unlink()
    recs = [first, *gen]
    assert [r["path"] for r in recs] == found
    by_name = {Path(r["path"]).relative_to(top).as_posix(): r for r in recs}
    gone = by_name["b/good-00.txt"]
    if pool and not gone["errors"]:  # the other worker screened it before it was removed: also one record
        assert gone["problems"]
    else:
        assert [e["code"] for e in gone["errors"]] == ["E100"] and "no such file" in gone["errors"][0]["message"]
    assert not by_name["b/good-01.txt"]["errors"] and not by_name["a/good-00.txt"]["errors"]


def test_a_walked_list_is_screened_as_it_is(tmp_path: Path) -> None:
    """A file that became a folder after the walk is one E100 record, not the folder's contents."""
    top, victim = _two_folders(tmp_path)
    found = [str(p) for p in iter_inputs([top])]
    victim.unlink()
    victim.mkdir()
    H.good_docs(victim, 2)
    recs = list(screen_paths(found, walk=False))
    assert [r["path"] for r in recs] == found
    (rec,) = [r for r in recs if r["path"] == str(victim)]
    assert rec["errors"][0]["code"] == "E100" and "folder" in rec["errors"][0]["message"]


def test_a_folder_that_cannot_be_listed_gets_a_record(tmp_path: Path) -> None:
    """A folder deeper than PATH_MAX cannot be listed (even by root): it is one E100 record, not silence."""
    top = tmp_path / "in"
    top.mkdir()
    (top / "a.txt").write_text(H.REPORT, encoding="utf-8")
    fd = os.open(top, os.O_RDONLY)
    depth = 0
    try:
        while len(str(top)) + depth * 201 < 4200:
            os.mkdir("d" * 200, dir_fd=fd)
            nxt = os.open("d" * 200, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = nxt
            depth += 1
        with open(os.open("deep.txt", os.O_WRONLY | os.O_CREAT, dir_fd=fd), "w", encoding="utf-8") as fh:
            fh.write(H.REPORT)
    finally:
        os.close(fd)
    recs = list(screen_paths([top]))
    assert Path(recs[0]["path"]).name == "a.txt" and not recs[0]["errors"]
    assert len(recs) >= 2
    assert all(r["errors"][0]["code"] == "E100" for r in recs[1:])
