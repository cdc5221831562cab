"""Where Shencha keeps its own files: the cache folder (models, the jieba cache, the error log)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """Shencha's cache folder (``$SHENCHA_CACHE``, else ``$XDG_CACHE_HOME/shencha`` or ``~/.cache/shencha``), created."""
    base = os.environ.get("SHENCHA_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "shencha")
    path = Path(base)
    path.mkdir(parents=True, exist_ok=True)
    return path
