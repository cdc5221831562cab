"""An archiving batch killed midway (SIGKILL) leaves a consistent archive; rerunning completes it."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from corpus import open_store

N_DOCS = 24


def _read(p: Path) -> str:
    from pipeline.ingest import decode_text

    return decode_text(p.read_bytes(), p)[0]


def _make_inputs(folder: Path, samples: Path) -> None:
    base = [_read(samples / n) for n in ("speech.txt", "work-report-gb18030.txt", "plan-prose-big5.txt")]
    for i in range(N_DOCS):
        (folder / f"doc-{i:03d}.txt").write_text(base[i % 3] + f"\n（存档编号{i:03d}）\n", encoding="utf-8")
    (folder / "zz-corrupt.pdf").write_bytes(b"%PDF-1.4 truncated")


def _stored(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        c = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return int(c.execute("SELECT count(*) FROM documents").fetchone()[0])
        finally:
            c.close()
    except sqlite3.OperationalError:
        return 0


def test_killed_batch_is_consistent_and_rerun_completes(tmp_path: Path, samples_dir: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    _make_inputs(src, samples_dir)
    db = tmp_path / "archive.sqlite"
    cmd = [sys.executable, "-m", "shencha.cli", "archive", "add", str(src), "--db", str(db), "--silent"]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    seen = 0
    while time.monotonic() < deadline and proc.poll() is None:
        seen = _stored(db)  # a concurrent reader while the batch writes
        if seen >= 3:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the batch finished before it could be interrupted"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    partial = _stored(db)
    assert 3 <= partial < N_DOCS

    store = open_store(str(db))
    try:
        assert store.integrity() == []
        assert store.count() == partial
        for i in store.ids():
            rec = store.get(i)
            assert rec["text"] and store.original(i) is not None
    finally:
        store.close()

    rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 1, rerun.stderr  # the corrupt input is reported
    assert "zz-corrupt.pdf" in rerun.stderr
    assert f"{N_DOCS - partial} added" in rerun.stdout and f"{partial} already in" in rerun.stdout

    store = open_store(str(db))
    try:
        assert store.count() == N_DOCS
        assert store.integrity() == []
        shas = [store.get(i)["sha256"] for i in store.ids()]
        assert len(set(shas)) == N_DOCS
        assert store.search('"存档编号007"').total == 1
    finally:
        store.close()
