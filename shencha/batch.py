"""Batch screening: walk the inputs, run documents in worker processes, stream records in input order.

Three ways to run a batch, all yielding the same records in the same (input) order:

* in this process (``workers=1`` without time or memory limits: tests and small scripts);
* ``executor="local"``: a small pool of long-lived worker processes written here (not
  ``ProcessPoolExecutor``, which cannot stop one task), forked from a fork server that has
  loaded the profile, the models (memory-mapped) and the jieba dictionary once, before the
  first fork: the workers share those pages (``shencha.warm``). No more workers start than
  there are documents. A worker that runs past ``timeout`` seconds on one
  document is killed and replaced, and that document gets an E109 record; a worker whose
  address space would grow past ``memory_mb`` above its loaded size fails the document with
  E111 and is replaced, as is a worker that dies. Only a bounded window of documents is in
  flight, so memory stays flat however long the batch;
* ``executor="dask"``: the same screening on a Dask distributed cluster (``scheduler``
  address, or a ``LocalCluster`` of ``workers`` processes when none is given). The workers
  must see the files at the same paths (a shared file system).

``ResumeIndex`` reads what an earlier, interrupted run wrote so that ``--resume`` skips the
documents whose content hash is already there (with multiplicity: two identical files are
two documents). ``SummaryRows`` keeps the few fields the triage table needs, compactly.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from pipeline.errors import ShenchaError
from pipeline.ingest import DEFAULT_MAX_BYTES, MAX_PDF_PAGES, SUPPORTED
from pipeline.profile import DEFAULT_PROFILE

# Formats people send that Shencha cannot read: listed in a folder scan so the office learns
# about them (reported as E101), while unrelated files (.json, .md, …) are skipped.
REPORTED_UNSUPPORTED = {".odt", ".xls", ".xlsx", ".et", ".ppt", ".pptx", ".jpg", ".jpeg", ".png",
                        ".tif", ".tiff", ".bmp", ".zip", ".rar", ".7z", ".htm", ".html", ".ofd", ".caj", ".xml"}

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
_PRELOAD_READERS = {".docx": ("docx",), ".doc": ("docx",), ".wps": ("docx",), ".rtf": ("docx",),
                    ".pdf": ("pypdfium2", "pdfplumber")}
_PRELOAD_WARM = "shencha.warm"
WARM_ENV = "SHENCHA_WARM"  # the profile the fork server loads for its workers (read by shencha.warm)


def iter_inputs(paths: Iterable[str | Path], *, all_files: bool = False) -> Iterator[Path]:
    """Files named and files under folders (recursive, sorted, symlink loops skipped).

    A file named on the command line is always yielded (and reported if unreadable). Under a
    folder, supported files and the document formats in ``REPORTED_UNSUPPORTED`` are yielded;
    other files and hidden ones are skipped (``all_files=True`` yields everything). A folder that
    cannot be listed (gone, unreadable, a path too long) is yielded itself, so that it gets its
    E100 record instead of vanishing from the batch with everything in it.
    """
    seen: set[str] = set()
    unlisted: list[str] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for root, dirs, files in os.walk(p, followlinks=True, onerror=lambda e: unlisted.append(e.filename)):
                yield from (Path(u) for u in unlisted)
                unlisted.clear()
                real = os.path.realpath(root)
                if real in seen:
                    dirs[:] = []
                    continue
                seen.add(real)
                dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                                 and os.path.realpath(os.path.join(root, d)) not in seen)
                for name in sorted(files):
                    if name.startswith(".") or name.startswith("~$"):
                        continue
                    f = Path(root) / name
                    suffix = f.suffix.lower()
                    if all_files or suffix in SUPPORTED or suffix in REPORTED_UNSUPPORTED:
                        yield f
            yield from (Path(u) for u in unlisted)
            unlisted.clear()
        else:
            yield p


def walk_inputs(paths: Iterable[str | Path], *, all_files: bool = False) -> list[str]:
    """``iter_inputs`` to the end, before anything is read: the batch's inputs, fixed.

    Screening then never walks again, so a file removed or a folder changed while the batch runs
    cannot make an input vanish or multiply: every path found here gets exactly one record (E100
    when it is gone by the time its turn comes).
    """
    return [str(p) for p in iter_inputs(paths, all_files=all_files)]


def default_workers() -> int:
    """The number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


# ---------------------------------------------------------------- records

def safe_str(s: str) -> str:
    """``s`` if it encodes as UTF-8; otherwise undecodable bytes (surrogate escapes) as ``\\xNN``."""
    try:
        s.encode("utf-8")
        return s
    except UnicodeEncodeError:
        try:
            return s.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:
            return s.encode("utf-8", "backslashreplace").decode("utf-8")


def json_safe(obj: Any) -> Any:
    """A copy of ``obj`` whose strings all encode as UTF-8 (see ``safe_str``)."""
    if isinstance(obj, str):
        return safe_str(obj)
    if isinstance(obj, dict):
        return {json_safe(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    return obj


def _finish(rec: dict[str, Any]) -> dict[str, Any]:
    """Make a record safe to write: file names that are not UTF-8 (GBK names on Linux) are escaped."""
    path = rec.get("path") or ""
    if safe_str(path) is not path:
        raw = os.fsencode(path)
        rec = json_safe(rec)
        guess = raw.decode("gb18030", "replace")
        rec["warnings"].append(f"file name is not UTF-8; bytes shown as \\xNN (as GB18030 it reads '{Path(guess).name}')")
    return rec


def _file_sha256(path: str, limit: int) -> str:
    """Content hash of a regular file no larger than ``limit`` (``""`` otherwise), read in chunks."""
    try:
        st = os.stat(path)
        if not os.path.isfile(path) or st.st_size > limit:
            return ""
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()
    except OSError:
        return ""


def failure_record(path: str, code: str, detail: str, *, profile: str = DEFAULT_PROFILE,
                   max_bytes: int = DEFAULT_MAX_BYTES, seconds: float = 0.0) -> dict[str, Any]:
    """A record for a document the batch had to give up on (timed out, worker died), same fields as any record.

    Args:
        path: The document.
        code: An error code of ``pipeline.errors.CATALOGUE``.
        detail: What happened.
        profile: Profile name (its name and version go into the record).
        max_bytes: Files up to this size (or the default limit) get their content hash.
        seconds: Time spent on it.
    """
    from pipeline.document import Document
    from pipeline.profile import load_profile

    doc = Document(path=str(path), errors=[ShenchaError(code, path, detail).to_dict()])
    p = Path(path)
    doc.format = SUPPORTED.get(p.suffix.lower(), p.suffix.lower().lstrip(".") or "unknown")
    with contextlib.suppress(OSError):
        if p.is_file():
            doc.size = p.stat().st_size
    doc.sha256 = _file_sha256(str(path), max(max_bytes, DEFAULT_MAX_BYTES))
    prof = load_profile(profile)
    doc.profile = (prof.name, prof.version)
    doc.stats = {"seconds": round(seconds, 4), "chars": 0, "sentences": 0}
    return _finish(doc.to_record())


def _out_of_memory(rec: dict[str, Any]) -> bool:
    errs = rec.get("errors") or []
    return bool(errs) and errs[0].get("code") == "E199" and "MemoryError" in (errs[0].get("message") or "")


# ---------------------------------------------------------------- screening one document (any process)

def _make_screener(cfg: dict[str, Any]) -> Any:
    """Build a ``Screener`` and load everything it needs now (models, jieba dictionary)."""
    from pipeline import ingest
    from pipeline.segment import get_tokenizer
    from shencha.screener import Screener

    ingest.MAX_PDF_PAGES = int(cfg["max_pages"])
    screener = Screener(cfg["profile"], max_bytes=int(cfg["max_bytes"]))
    get_tokenizer(str(screener.profile.userdict))
    return screener


def _screen_one(screener: Any, path: str, cfg: dict[str, Any]) -> dict[str, Any]:
    rec = screener.screen(path, include_text=bool(cfg["include_text"]))
    if _out_of_memory(rec):
        rec = failure_record(path, "E111", f"more than {cfg.get('memory_mb')} MB", profile=cfg["profile"],
                             max_bytes=int(cfg["max_bytes"]), seconds=(rec.get("stats") or {}).get("seconds", 0.0))
    return _finish(rec)


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
        screener = _make_screener(cfg)
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
               ctx: Any = None) -> Iterator[dict[str, Any]]:
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


# ---------------------------------------------------------------- dask

_DASK_SCREENERS: dict[tuple, Any] = {}
_DASK_LOCK = threading.Lock()


def _dask_task(path: str, cfg: dict[str, Any]) -> dict[str, Any]:
    """Screen one document on a Dask worker (one ``Screener`` per worker process and configuration)."""
    key = tuple(sorted(cfg.items()))
    with _DASK_LOCK:
        screener = _DASK_SCREENERS.get(key)
        if screener is None:
            screener = _DASK_SCREENERS[key] = _make_screener(cfg)
        return _screen_one(screener, path, cfg)


def _run_dask(files: Iterator[str], workers: int, cfg: dict[str, Any], timeout: float | None,
              scheduler: str | None) -> Iterator[dict[str, Any]]:
    """Screen ``files`` on a Dask cluster; yield records in input order."""
    import logging
    import uuid

    from distributed import Client, LocalCluster

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                               silence_logs=logging.ERROR)
        client = Client(cluster)
    run = uuid.uuid4().hex[:8]
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})) or workers)
        window = WINDOW_PER_WORKER * n_workers
        pending: deque[tuple[int, str, Any]] = deque()
        idx = 0
        head_since = time.monotonic()
        exhausted = False
        while True:
            while not exhausted and len(pending) < window:
                try:
                    path = next(files)
                except StopIteration:
                    exhausted = True
                    break
                fut = client.submit(_dask_task, path, cfg, key=f"shencha-screen-{run}-{idx}", pure=False, retries=0)
                pending.append((idx, path, fut))
                idx += 1
            if not pending:
                return
            _, path, fut = pending[0]
            try:
                remaining = None if not timeout else max(0.0, head_since + timeout - time.monotonic())
                rec = fut.result(timeout=remaining)
            except TimeoutError:
                rec = failure_record(path, "E109", f"more than {timeout:g} s on the cluster; its worker was restarted",
                                     profile=cfg["profile"], max_bytes=int(cfg["max_bytes"]), seconds=float(timeout or 0))
                _restart_dask_worker(client, fut)
            except Exception as exc:  # noqa: BLE001 - a worker lost (KilledWorker…) fails one document
                rec = failure_record(path, "E111", f"cluster: {type(exc).__name__}: {exc}", profile=cfg["profile"],
                                     max_bytes=int(cfg["max_bytes"]))
            pending.popleft()
            head_since = time.monotonic()
            yield rec
    finally:
        for _, _, fut in pending if "pending" in locals() else ():
            with contextlib.suppress(Exception):
                fut.cancel()
        client.close()
        if cluster is not None:
            cluster.close()


def _restart_dask_worker(client: Any, fut: Any) -> None:
    """Cancel a hung task and restart the worker running it (needs a nanny; best effort)."""
    try:
        holders = [addr for addr, keys in client.processing().items() if fut.key in keys]
        fut.cancel()
        if holders:
            client.restart_workers(holders)
    except Exception:  # noqa: BLE001, S110 - a cluster without nannies keeps the worker; the batch goes on
        pass


# ---------------------------------------------------------------- entry point

def screen_paths(paths: Iterable[str | Path], *, workers: int | None = 1, profile: str = DEFAULT_PROFILE,
                 max_bytes: int = DEFAULT_MAX_BYTES, include_text: bool = False, timeout: float | None = None,
                 memory_mb: int | None = None, max_pages: int = MAX_PDF_PAGES, executor: str = "local",
                 scheduler: str | None = None, walk: bool = True) -> Iterator[dict[str, Any]]:
    """Screen files (in input order), yielding each record as soon as it and those before it are done.

    Exactly one record per input: the folders are walked to the end first (``walk_inputs``), and
    a path that is gone (or has become a folder) when its turn comes gets an E100 record.

    Args:
        paths: Files and folders (folders are walked with ``walk_inputs`` before screening starts).
        walk: False when ``paths`` is already the output of a walk (``walk_inputs``/``iter_inputs``):
            each path is then screened as it is, never walked again.
        workers: Worker processes (``None``: all cores). One worker without ``timeout`` and
            ``memory_mb`` screens in this process.
        profile: Profile name.
        max_bytes: Size limit per file (E108 above it).
        include_text: Records carry the full text and blocks (for reports and the archive).
        timeout: Seconds one document may take; its worker is then killed and replaced (E109).
        memory_mb: Address space a worker may add to its loaded size (E111 above it; local executor).
        max_pages: PDFs with more pages are refused (E108).
        executor: ``"local"`` (worker processes here) or ``"dask"``.
        scheduler: Dask scheduler address; without one a ``LocalCluster`` of ``workers`` processes runs.

    Raises:
        ValueError: for an unknown executor or profile.
        RuntimeError: when worker processes cannot start.
    """
    from pipeline.profile import load_profile

    n = default_workers() if not workers or workers < 1 else workers
    listed = walk_inputs(paths) if walk else [str(p) for p in paths]
    files = iter(listed)
    cfg = {"profile": profile, "max_bytes": int(max_bytes), "include_text": bool(include_text),
           "max_pages": int(max_pages), "memory_mb": int(memory_mb or 0)}
    if executor not in ("local", "dask"):
        load_profile(profile)
        raise ValueError(f"unknown executor {executor!r} (local or dask)")
    pool = executor == "local" and not (n == 1 and not timeout and not memory_mb)
    if pool:
        n = max(1, min(n, len(listed)))  # no more workers than documents
        ctx = _mp_context(listed)
        _start_fork_server(ctx, cfg)  # it loads while this process checks the profile and the models
    load_profile(profile)  # a wrong profile name fails here, not in every worker
    if executor == "dask":
        yield from _run_dask(files, n, cfg, timeout, scheduler)
        return
    if not pool:
        from pipeline import ingest

        saved = ingest.MAX_PDF_PAGES
        try:
            screener = _make_screener(cfg)
            for f in files:
                yield _screen_one(screener, f, cfg)
        finally:
            ingest.MAX_PDF_PAGES = saved
        return
    from shencha.cache import is_cached

    prof = load_profile(profile)
    if not is_cached(prof):  # train and cache once, before the workers load the cache
        from shencha.train import get_models  # lazy: training imports the stages and scikit-learn

        get_models(prof)
    yield from _run_local(files, n, cfg, timeout, ctx)


# ---------------------------------------------------------------- resume and summary

def _key(rec: dict[str, Any]) -> tuple[str, str]:
    return ("sha", rec["sha256"]) if rec.get("sha256") else ("path", rec.get("path") or "")


class ResumeIndex:
    """The documents an earlier run already wrote, by content hash (by path for records without one)."""

    def __init__(self) -> None:
        self._done: Counter[tuple[str, str]] = Counter()

    def __len__(self) -> int:
        return sum(self._done.values())

    def add(self, rec: dict[str, Any]) -> None:
        """Count one written record."""
        self._done[_key(rec)] += 1

    @classmethod
    def from_jsonl(cls, path: str | Path, *, on_record: Callable[[dict[str, Any]], None] | None = None,
                   repair: bool = True) -> ResumeIndex:
        """Read a JSON Lines output file line by line.

        Args:
            path: The output of the earlier run (a missing file is an empty index).
            on_record: Called with each record read (e.g. ``SummaryRows.add``).
            repair: Cut off a torn last line (a run killed mid-write) so appended records start on a line of their own.
        """
        index = cls()
        p = Path(path)
        if not p.exists():
            return index
        good_end = 0
        with open(p, "rb") as fh:
            for line in fh:
                if not line.endswith(b"\n"):
                    break  # torn: the run stopped while writing it
                good_end += len(line)
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                index.add(rec)
                if on_record is not None:
                    on_record(rec)
        if repair and good_end < p.stat().st_size:
            with open(p, "r+b") as fh:
                fh.truncate(good_end)
        return index

    def take(self, path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> bool:
        """True (and count it off) when ``path``'s content, or for unhashed records its path, was already written."""
        sha = _file_sha256(path, max(max_bytes, DEFAULT_MAX_BYTES))
        for key in ((("sha", sha),) if sha else ()) + (("path", safe_str(path)),):
            if self._done[key] > 0:
                self._done[key] -= 1
                return True
        return False


class SummaryRows:
    """The fields the triage table needs, one small tuple per document (about 200 bytes)."""

    def __init__(self) -> None:
        self._rows: list[tuple] = []

    def __len__(self) -> int:
        return len(self._rows)

    def add(self, rec: dict[str, Any]) -> None:
        """Keep what the summary table shows of ``rec``."""
        wr = rec.get("work_report") or {}
        errs = rec.get("errors") or []
        err = (sys.intern(str(errs[0].get("code") or "")), sys.intern(str(errs[0].get("reason") or "")),
               errs[0].get("message") or "") if errs else None
        self._rows.append((rec.get("path") or "", sys.intern(str(rec.get("doc_type") or "")), bool(wr.get("flag")),
                           float(wr.get("score") or 0.0), len(rec.get("problems") or ()),
                           len(rec.get("commitments") or ()),
                           tuple(sys.intern(str(g.get("code") or "")) for g in rec.get("gaps") or ()), err))

    def records(self) -> list[dict[str, Any]]:
        """Records shaped for ``reports.triage.summary_table`` (counts stand in for findings)."""
        out = []
        for path, doc_type, flag, score, n_prob, n_comm, gaps, err in self._rows:
            out.append({"path": path, "doc_type": doc_type or None, "work_report": {"flag": flag, "score": score},
                        "problems": range(n_prob), "commitments": range(n_comm),
                        "gaps": [{"code": g} for g in gaps],
                        "errors": [{"code": err[0], "reason": err[1], "message": err[2]}] if err else []})
        return out


class SpilledRecords(Sequence):
    """A list-like sequence of records kept in a temporary JSON Lines file, not in memory."""

    def __init__(self) -> None:
        import tempfile

        self._fh = tempfile.TemporaryFile("w+b")  # noqa: SIM115 - closed in close()
        self._offsets: list[int] = []

    def append(self, rec: dict[str, Any]) -> None:
        """Add a record at the end."""
        self._fh.seek(0, os.SEEK_END)
        self._offsets.append(self._fh.tell())
        self._fh.write(json.dumps(rec, ensure_ascii=False).encode("utf-8") + b"\n")

    def __len__(self) -> int:
        return len(self._offsets)

    def __getitem__(self, i: int | slice) -> Any:  # noqa: ANN401 - a record or a list of them
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        off = self._offsets[i]
        self._fh.seek(off)
        return json.loads(self._fh.readline())

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for i in range(len(self)):
            yield self[i]

    def close(self) -> None:
        """Delete the temporary file."""
        self._fh.close()
