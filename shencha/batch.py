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

from collections.abc import Iterable, Iterator
from pathlib import Path

from pipeline.ingest import DEFAULT_MAX_BYTES, MAX_PDF_PAGES
from pipeline.profile import DEFAULT_PROFILE
from pipeline.record import Record
from shencha.batch_records import (  # noqa: F401 - the names a batch's callers import from here
    ResumeIndex,
    SpilledRecords,
    SummaryRows,
    failure_record,
    finish_record,
    json_safe,
    safe_str,
)
from shencha.dask_run import _run_dask
from shencha.inputs import REPORTED_UNSUPPORTED, iter_inputs, walk_inputs  # noqa: F401
from shencha.workers import (  # noqa: F401
    DEFAULT_MEMORY_MB,
    DEFAULT_TIMEOUT,
    STARTUP_TIMEOUT,
    WARM_ENV,
    WINDOW_PER_WORKER,
    _mp_context,
    _run_local,
    _screen_one,
    _start_fork_server,
    default_workers,
    make_screener,
)


def screen_paths(paths: Iterable[str | Path], *, workers: int | None = 1, profile: str = DEFAULT_PROFILE,
                 max_bytes: int = DEFAULT_MAX_BYTES, include_text: bool = False, timeout: float | None = None,
                 memory_mb: int | None = None, max_pages: int = MAX_PDF_PAGES, executor: str = "local",
                 scheduler: str | None = None, walk: bool = True, words: bool = False) -> Iterator[Record]:
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
        words: With ``include_text``, records also carry the screening's words (``words``: the
            archive indexes them without segmenting the text again), wherever they were screened.
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
           "max_pages": int(max_pages), "memory_mb": int(memory_mb or 0), "words": bool(words and include_text)}
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
            screener = make_screener(cfg)
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
