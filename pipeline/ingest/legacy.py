"""Legacy word-processor files (.doc, .wps, .rtf) converted to .docx by LibreOffice in headless mode.

Changes when the converter, or the way it is run, does. E112 without LibreOffice.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ShenchaError
from .limits import CONVERT_TIMEOUT
from .subproc import _kill_with_parent

_LO_PROFILE: list[str] = []  # one LibreOffice user profile per process: concurrent workers never share one


def soffice_path() -> str | None:
    """The LibreOffice executable (``$SHENCHA_SOFFICE``, else ``soffice``/``libreoffice`` on PATH), or None."""
    import os
    import shutil

    env = os.environ.get("SHENCHA_SOFFICE")
    if env is not None:
        return env or None  # set but empty: conversion switched off
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_docx(data: bytes, suffix: str, path: str | Path, *, timeout: float | None = None) -> bytes:
    """``data`` (a .doc, .wps or .rtf file) converted to .docx by LibreOffice in headless mode.

    Raises:
        ShenchaError: E112 without LibreOffice, E109 past ``timeout`` (default ``CONVERT_TIMEOUT``),
            E104 when LibreOffice cannot convert the file.
    """
    import atexit
    import os
    import shutil
    import subprocess
    import tempfile

    exe = soffice_path()
    if exe is None:
        raise ShenchaError("E112", path, "LibreOffice (soffice) is not installed; set SHENCHA_SOFFICE to its path")
    if not _LO_PROFILE:
        _LO_PROFILE.append(tempfile.mkdtemp(prefix="shencha-lo-profile-"))
        atexit.register(shutil.rmtree, _LO_PROFILE[0], True)
    limit = CONVERT_TIMEOUT if timeout is None else timeout
    with tempfile.TemporaryDirectory(prefix="shencha-convert-") as tmp:
        src = Path(tmp) / f"in{suffix}"
        src.write_bytes(data)
        cmd = [exe, f"-env:UserInstallation=file://{_LO_PROFILE[0]}", "--headless", "--norestore", "--nologo",
               "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(Path(tmp) / "out"), str(src)]
        try:
            proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=limit,
                                  preexec_fn=_kill_with_parent if os.name == "posix" else None)  # noqa: PLW1509
        except subprocess.TimeoutExpired as exc:
            raise ShenchaError("E109", path, f"LibreOffice took more than {limit:g} s to convert it") from exc
        except OSError as exc:
            raise ShenchaError("E112", path, f"LibreOffice ({exe}) could not be started: {exc.strerror or exc}") from exc
        out = Path(tmp) / "out" / "in.docx"
        if not out.is_file() or out.stat().st_size == 0:
            lines = (proc.stderr or proc.stdout or b"").decode("utf-8", "replace").splitlines()
            said = " ".join(" ".join(ln for ln in lines if not ln.startswith("Warning:")).split())[:200]
            raise ShenchaError("E104", path, "LibreOffice could not convert it" + (f": {said}" if said else ""))
        return out.read_bytes()
