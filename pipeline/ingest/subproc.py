"""Running a helper program (LibreOffice, Tesseract) from a worker: it dies with the worker that started it."""

from __future__ import annotations


def _kill_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """The child program dies with the worker that started it (a worker killed for its time limit leaves none behind)."""
    import ctypes
    import signal

    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass
