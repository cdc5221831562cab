"""The inputs of a batch: the files of the given paths and folders, in a stable order, with the
formats people send that Shencha cannot read listed so that the office hears of them (E101)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from pipeline.ingest import SUPPORTED

# Formats people send that Shencha cannot read: listed in a folder scan so the office learns
# about them (reported as E101), while unrelated files (.json, .md, …) are skipped.
REPORTED_UNSUPPORTED = {".odt", ".xls", ".xlsx", ".et", ".ppt", ".pptx", ".jpg", ".jpeg", ".png",
                        ".tif", ".tiff", ".bmp", ".zip", ".rar", ".7z", ".htm", ".html", ".ofd", ".caj", ".xml"}


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
