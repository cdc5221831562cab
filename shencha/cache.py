"""The model cache's key and file: which cached bundle a screening with a profile uses, without loading it.

The key hashes the training data, the profile, the code that featurises and trains, and the
versions of the libraries the models depend on; the file is ``models-<profile>-<key>.pkl`` in
Shencha's cache folder (format: ``classifiers.store``). This module imports no part of the
stages, numpy or scikit-learn, so a process that only starts workers (``shencha.batch``)
can tell whether the models must be trained first without loading them. Training and loading
are ``shencha.train``'s.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from classifiers.store import looks_complete
from pipeline.paths import cache_dir
from pipeline.profile import Profile


def _code_hash() -> str:
    """Hash of the code that featurises and trains, read when this module is imported.

    Reading it at import (not when a model is needed) keeps a long-running process that
    imported older code from caching a model under the key of newer code.
    """
    h = hashlib.sha256()
    top = Path(__file__).resolve().parent.parent
    files = sorted((top / "classifiers").glob("*.py")) + sorted((top / "extractors").glob("*.py"))
    files += sorted((top / "pipeline").glob("*.py")) + [top / "shencha" / "orchestrate.py", top / "shencha" / "train.py"]
    for f in files:
        if f.exists():
            h.update(f.name.encode())
            h.update(f.read_bytes())
    return h.hexdigest()


_CODE_KEY = _code_hash()


@lru_cache(maxsize=1)
def _library_versions() -> str:
    """The versions of the libraries a cached model depends on: scikit-learn fits it; numpy and scipy compute it and
    numpy reads its arrays; jieba, rjieba and OpenCC turn the training text into features (a model made with
    another version is retrained)."""
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for lib in ("scikit-learn", "numpy", "scipy", "jieba", "rjieba", "opencc"):
        try:
            out.append(f"{lib}={version(lib)}")
        except PackageNotFoundError:
            out.append(f"{lib}=?")
    return ";".join(out)


def _key(profile: Profile) -> str:
    """The cache key of ``profile``'s models (16 hex digits)."""
    h = hashlib.sha256(_CODE_KEY.encode())
    h.update(_library_versions().encode())
    files = sorted(profile.training.rglob("*.tsv")) + sorted((profile.training / "doctypes").glob("*.txt"))
    files += [profile.folder / "profile.yaml", profile.userdict]
    for f in files:
        if f.exists():
            h.update(f.name.encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


def model_key(profile: Profile) -> str:
    """The key of the models a screening with ``profile`` uses now (data, profile, code and library versions)."""
    return _key(profile)


def cache_file(profile: Profile, key: str) -> Path:
    """The cache file of ``profile``'s bundle with ``key``."""
    return cache_dir() / f"models-{profile.name}-{key}.pkl"


def model_path(profile: Profile) -> Path:
    """Where the cache keeps the bundle ``profile`` screens with now (it may not exist yet)."""
    return cache_file(profile, _key(profile))


def is_cached(profile: Profile) -> bool:
    """True when the bundle ``profile`` screens with now is in the cache, whole (it is not loaded)."""
    return looks_complete(model_path(profile))
