"""The Dask executor: the same screening on a Dask distributed cluster (a ``scheduler`` address, or
a ``LocalCluster``); the workers must see the files at the same paths."""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Iterator
from typing import Any

from pipeline.record import Record
from shencha.batch_records import failure_record
from shencha.workers import WINDOW_PER_WORKER, _screen_one, make_screener

_DASK_SCREENERS: dict[tuple, Any] = {}
_DASK_LOCK = threading.Lock()


def _dask_task(path: str, cfg: dict[str, Any]) -> dict[str, Any]:
    """Screen one document on a Dask worker (one ``Screener`` per worker process and configuration)."""
    key = tuple(sorted(cfg.items()))
    with _DASK_LOCK:
        screener = _DASK_SCREENERS.get(key)
        if screener is None:
            screener = _DASK_SCREENERS[key] = make_screener(cfg)
        return _screen_one(screener, path, cfg)


def _run_dask(files: Iterator[str], workers: int, cfg: dict[str, Any], timeout: float | None,
              scheduler: str | None) -> Iterator[Record]:
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
