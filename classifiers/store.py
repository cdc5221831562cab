"""The model cache's file format: one bundle, pickled with its arrays out of band and memory-mapped back.

Layout: a 4 KiB header (``MAGIC``, then JSON saying where the pickle and each array buffer lie),
the bundle pickled with protocol 5 (``buffer_callback``: arrays are not copied into the
pickle), then each array's bytes, 64-byte aligned. ``read_bundle`` maps the file and unpickles
with those buffers, so the arrays are read-only views of the file: loading takes milliseconds
whatever their size, and every process that reads the same file shares its pages (page cache).

This module imports no numpy and no scikit-learn: checking a file (``looks_complete``) is cheap.
"""

from __future__ import annotations

import json
import mmap
import pickle
from pathlib import Path
from typing import Any

MAGIC = b"shencha-models\x00\x01"
_HEADER = 4096
_ALIGN = 64


def write_bundle(obj: Any, path: Path) -> None:  # noqa: ANN401 - any picklable bundle
    """Write ``obj`` to ``path`` (use a temporary name and rename it into place)."""
    buffers: list[pickle.PickleBuffer] = []
    payload = pickle.dumps(obj, protocol=5, buffer_callback=buffers.append)
    raws = [b.raw() for b in buffers]
    at = _HEADER + len(payload)
    spans = []
    for r in raws:
        at += -at % _ALIGN
        spans.append((at, r.nbytes))
        at += r.nbytes
    header = MAGIC + json.dumps({"pickle": [_HEADER, len(payload)], "buffers": spans}).encode("ascii")
    if len(header) > _HEADER:
        raise ValueError("too many arrays for the model file header")
    with path.open("wb") as fh:
        fh.write(header.ljust(_HEADER, b" "))
        fh.write(payload)
        for (start, _), r in zip(spans, raws, strict=True):
            fh.write(b"\0" * (start - fh.tell()))
            fh.write(r)


def _layout(head: bytes, size: int, name: str) -> tuple[tuple[int, int], list[tuple[int, int]]]:
    if len(head) < _HEADER or not head.startswith(MAGIC):
        raise ValueError(f"{name} is not a Shencha model file")
    header = json.loads(head[len(MAGIC) : _HEADER].rstrip(b" "))
    start, length = header["pickle"]
    spans = [(int(a), int(n)) for a, n in header["buffers"]]
    if any(a + n > size for a, n in [(start, length), *spans]):
        raise ValueError(f"{name} is truncated")
    return (int(start), int(length)), spans


def read_bundle(path: Path) -> Any:  # noqa: ANN401 - what write_bundle wrote
    """The bundle at ``path``, its arrays read-only views of the memory-mapped file.

    Raises:
        ValueError: when the file is not a model file or is truncated.
    """
    with path.open("rb") as fh:
        mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    (start, length), spans = _layout(mm[:_HEADER], mm.size(), path.name)
    view = memoryview(mm)
    return pickle.loads(view[start : start + length], buffers=[view[a : a + n] for a, n in spans])


def looks_complete(path: Path) -> bool:
    """True when ``path`` is a model file whose header and parts are all there (its content is not read)."""
    try:
        with path.open("rb") as fh:
            _layout(fh.read(_HEADER), path.stat().st_size, path.name)
        return True
    except (OSError, ValueError, KeyError, TypeError):
        return False
