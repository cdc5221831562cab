"""Batch screening: walk the inputs, run documents in worker processes, stream records in input order."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .ingest import DEFAULT_MAX_BYTES, SUPPORTED
from .orchestrate import Screener
from .profile import DEFAULT_PROFILE, load_profile

# Formats people send that Shencha cannot read: listed in a folder scan so the office learns
# about them (reported as E101), while unrelated files (.json, .md, …) are skipped.
REPORTED_UNSUPPORTED = {".doc", ".wps", ".rtf", ".odt", ".xls", ".xlsx", ".et", ".ppt", ".pptx", ".jpg", ".jpeg", ".png",
                        ".tif", ".tiff", ".bmp", ".zip", ".rar", ".7z", ".htm", ".html", ".ofd", ".caj", ".xml"}


def iter_inputs(paths: Iterable[str | Path], *, all_files: bool = False) -> Iterator[Path]:
    """Files named and files under folders (recursive, sorted, symlink loops skipped).

    A file named on the command line is always yielded (and reported if unreadable). Under a
    folder, supported files and the document formats in ``REPORTED_UNSUPPORTED`` are yielded;
    other files and hidden ones are skipped (``all_files=True`` yields everything).
    """
    seen: set[str] = set()
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for root, dirs, files in os.walk(p, followlinks=True):
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
        else:
            yield p


# ---------------------------------------------------------------- worker processes

_WORKER: Screener | None = None


_INCLUDE_TEXT = False


def _init_worker(profile: str, max_bytes: int, include_text: bool) -> None:
    global _WORKER, _INCLUDE_TEXT
    _WORKER = Screener(profile, max_bytes=max_bytes)
    _INCLUDE_TEXT = include_text


def _screen_in_worker(path: str) -> dict[str, Any]:
    assert _WORKER is not None
    return _WORKER.screen(path, include_text=_INCLUDE_TEXT)


def screen_paths(paths: Iterable[str | Path], *, workers: int = 1, profile: str = DEFAULT_PROFILE,
                 max_bytes: int = DEFAULT_MAX_BYTES, include_text: bool = False) -> Iterator[dict[str, Any]]:
    """Screen files (in input order), yielding each record as soon as it and those before it are done.

    Args:
        paths: Files and folders.
        workers: Processes; 1 screens in this process.
        profile: Profile name.
        max_bytes: Size limit per file.
        include_text: Records carry the full text and blocks (for reports and the archive).
    """
    files = [str(p) for p in iter_inputs(paths)]
    if workers <= 1 or len(files) <= 1:
        screener = Screener(profile, max_bytes=max_bytes)
        for f in files:
            yield screener.screen(f, include_text=include_text)
        return
    from concurrent.futures import ProcessPoolExecutor

    from classifiers.models import get_models

    get_models(load_profile(profile))  # train/cache once before workers start
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(profile, max_bytes, include_text)) as ex:
        yield from ex.map(_screen_in_worker, files, chunksize=1)
