"""The local executor: long-lived worker processes forked from a fork server that has loaded the
profile, the models and the tokenizer once (``shencha.warm``); a worker past its time or memory
limit, or one that dies, is replaced and its document gets a coded record (E109, E111)."""

from __future__ import annotations

import contextlib
import json
import multiprocessing as mp
import os
import signal
import time
from collections.abc import Iterator, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any

from pipeline.record import Record
from shencha.batch_records import failure_record, finish_record

DEFAULT_TIMEOUT = 120.0
DEFAULT_MEMORY_MB = 2048
# Documents screened ahead of the oldest unfinished one, per worker: output stays in input order, and a
# slow document (a long PDF) must not leave the other workers idle waiting for it; records are small
# (tens of KB), so memory stays bounded.
WINDOW_PER_WORKER = 64
STARTUP_TIMEOUT = 300.0  # a worker must load its models within this many seconds

# Imported once by the fork server, so that a new (or replacement) worker starts in well under a second:
# the stages, the readers of the formats the batch holds, and last ``shencha.warm``, which loads the profile,
# models and tokenizer that the workers forked from the server then share (see ``_start_fork_server``).
_PRELOAD = ["shencha.orchestrate", "pipeline.segment", "classifiers.models", "classifiers.sentences",
            "classifiers.areas", "classifiers.doc_type", "classifiers.features", "classifiers.gaps",
            "classifiers.work_report", "extractors.commitments", "extractors.metadata", "extractors.problems"]
_PRELOAD_READERS = {".docx": ("lxml.etree",), ".doc": ("lxml.etree",), ".wps": ("lxml.etree",), ".rtf": ("lxml.etree",),
                    ".pdf": ("pypdfium2", "pdfplumber")}
_PRELOAD_WARM = "shencha.warm"
WARM_ENV = "SHENCHA_WARM"  # the profile the fork server loads for its workers (read by shencha.warm)


def default_workers() -> int:
    """The number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


# ---------------------------------------------------------------- records


def _out_of_memory(rec: dict[str, Any]) -> bool:
    errs = rec.get("errors") or []
    return bool(errs) and errs[0].get("code") == "E199" and "MemoryError" in (errs[0].get("message") or "")


# ---------------------------------------------------------------- screening one document (any process)

def make_screener(cfg: dict[str, Any]) -> Any:
    """Build a ``Screener`` and load everything it needs now (models, jieba dictionary)."""
    from pipeline import ingest
    from pipeline.segment import get_tokenizer
    from shencha.screener import Screener

    ingest.MAX_PDF_PAGES = int(cfg["max_pages"])
    screener = Screener(cfg["profile"], max_bytes=int(cfg["max_bytes"]))
    get_tokenizer(str(screener.profile.userdict))
    return screener


def _screen_one(screener: Any, path: str, cfg: dict[str, Any]) -> Record:
    rec = screener.screen(path, include_text=bool(cfg["include_text"]), words=bool(cfg.get("words")))
    if _out_of_memory(rec):
        rec = failure_record(path, "E111", f"more than {cfg.get('memory_mb')} MB", profile=cfg["profile"],
                             max_bytes=int(cfg["max_bytes"]), seconds=(rec.get("stats") or {}).get("seconds", 0.0))
    return finish_record(rec)


def _limit_address_space(memory_mb: int) -> None:
    """Let this process's address space grow at most ``memory_mb`` MiB beyond its present size (Linux)."""
    import resource

    try:
        with open("/proc/self/statm") as fh:
            current = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):  # pragma: no cover - not Linux
        return
    limit = current + memory_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _worker_main(conn: Connection, cfg: dict[str, Any]) -> None:
    """A worker process: load once, then screen ``(index, path)`` tasks until told to stop (``None``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    try:
        screener = make_screener(cfg)
        if cfg.get("memory_mb"):
            _limit_address_space(int(cfg["memory_mb"]))
        conn.send(("ready", os.getpid()))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which stops the batch
        with contextlib.suppress(OSError):
            conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        idx, path = task
        try:
            rec = _screen_one(screener, path, cfg)
        except MemoryError:
            rec = None
        retire = rec is None or any(e.get("code") == "E111" for e in rec.get("errors") or [])
        try:
            conn.send((idx, rec, retire))
        except MemoryError:
            conn.send((idx, None, True))
        if retire:
            return


# ---------------------------------------------------------------- local worker pool

def _mp_context(files: Sequence[str] = ()) -> Any:
    """The fork server (single-threaded, stack imported once) where available, else spawn.

    The server preloads the stages, the readers of the formats among ``files`` (a one-file batch of
    .txt does not wait for the PDF libraries) and ``shencha.warm``.
    """
    if "forkserver" in mp.get_all_start_methods():
        readers = {m for f in files for m in _PRELOAD_READERS.get(os.path.splitext(f)[1].lower(), ())}
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload([*_PRELOAD, *sorted(readers), _PRELOAD_WARM])
        return ctx
    return mp.get_context("spawn")  # pragma: no cover - not POSIX


def _start_fork_server(ctx: Any, cfg: dict[str, Any]) -> None:
    """Start the fork server now, so that it loads while this process gets the batch ready, and
    have it load the batch's profile, models and tokenizer (``shencha.warm``) before it forks any
    worker: the workers then share those pages copy-on-write instead of each loading its own.

    A fork server lives as long as this process: a later batch with another profile gets workers
    that load their own models (the same records, less memory shared).
    """
    if ctx.get_start_method() != "forkserver":
        return  # pragma: no cover - not POSIX
    from multiprocessing import forkserver

    saved = os.environ.get(WARM_ENV)
    os.environ[WARM_ENV] = json.dumps({"profile": cfg["profile"]})
    try:
        forkserver.ensure_running()  # the server reads the environment when it starts
    finally:
        if saved is None:
            os.environ.pop(WARM_ENV, None)
        else:
            os.environ[WARM_ENV] = saved


class _Slot:
    """One worker process and the task it holds."""

    def __init__(self, ctx: Any, cfg: dict[str, Any]) -> None:
        self.conn, child = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(target=_worker_main, args=(child, cfg), daemon=True, name="shencha-worker")
        self.proc.start()
        child.close()
        self.ready = False
        self.born = time.monotonic()
        self.task: tuple[int, str, float] | None = None  # (index, path, started)

    def assign(self, idx: int, path: str) -> None:
        self.conn.send((idx, path))
        self.task = (idx, path, time.monotonic())

    def kill(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            if self.proc.is_alive():
                os.kill(self.proc.pid, signal.SIGKILL)  # type: ignore[arg-type]
        self.proc.join(5)
        self.conn.close()

    def stop(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.conn.send(None)


def _died(proc: Any) -> str:
    code = proc.exitcode
    if code is not None and code < 0:
        try:
            return f"worker process killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"worker process killed by signal {-code}"
    return f"worker process exited with code {code}"


def _run_local(files: Iterator[str], workers: int, cfg: dict[str, Any], timeout: float | None,
               ctx: Any = None) -> Iterator[Record]:
    """Screen ``files`` in ``workers`` processes (of ``ctx``, by default ``_mp_context()``); yield records in input order."""
    ctx = ctx or _mp_context()
    slots = [_Slot(ctx, cfg) for _ in range(workers)]
    window = WINDOW_PER_WORKER * workers
    results: dict[int, dict[str, Any]] = {}
    next_in = next_out = 0
    exhausted = False
    failed_starts = 0

    def fail(slot: _Slot, code: str, detail: str) -> None:
        assert slot.task is not None
        idx, path, t0 = slot.task
        results[idx] = failure_record(path, code, detail, profile=cfg["profile"], max_bytes=int(cfg["max_bytes"]),
                                      seconds=time.monotonic() - t0)

    try:
        while True:
            for s in slots:
                if exhausted or next_in - next_out >= window:
                    break
                if s.ready and s.task is None:
                    try:
                        path = next(files)
                    except StopIteration:
                        exhausted = True
                        break
                    s.assign(next_in, path)
                    next_in += 1
            while next_out in results:
                yield results.pop(next_out)
                next_out += 1
            if exhausted and next_out == next_in:
                return
            now = time.monotonic()
            waits = [1.0]
            if timeout:
                waits += [max(0.0, s.task[2] + timeout - now) for s in slots if s.task]
            wait([s.conn for s in slots] + [s.proc.sentinel for s in slots], timeout=min(waits))
            for i, s in enumerate(slots):
                replace = False
                try:
                    while s.conn.poll():
                        msg = s.conn.recv()
                        if msg[0] == "ready":
                            s.ready = True
                        elif msg[0] == "failed":
                            raise RuntimeError(f"a screening worker could not start: {msg[1]}")
                        else:
                            idx, rec, retire = msg
                            if rec is None:
                                fail(s, "E111", f"more than {cfg.get('memory_mb')} MB")
                            else:
                                results[idx] = rec
                            s.task = None
                            replace = replace or retire
                except (EOFError, OSError):
                    replace = True
                if not replace and not s.proc.is_alive():
                    replace = True
                if replace and s.task is not None:
                    s.proc.join(1)
                    fail(s, "E111", _died(s.proc))
                    s.task = None
                if not replace and s.task is not None and timeout and time.monotonic() - s.task[2] > timeout:
                    fail(s, "E109", f"more than {timeout:g} s; its worker was stopped")
                    s.task = None
                    replace = True
                if not replace and not s.ready and time.monotonic() - s.born > STARTUP_TIMEOUT:
                    raise RuntimeError(f"a screening worker did not start within {STARTUP_TIMEOUT:g} s")
                if replace:
                    if not s.ready:
                        failed_starts += 1
                        if failed_starts > 2 * workers + 2:
                            raise RuntimeError(f"screening workers keep dying at start ({_died(s.proc)})")
                    s.kill()
                    slots[i] = _Slot(ctx, cfg)
    finally:
        for s in slots:
            if s.task is None:
                s.stop()
        deadline = time.monotonic() + 3
        for s in slots:
            if s.task is None:
                s.proc.join(max(0.0, deadline - time.monotonic()))
            s.kill()



