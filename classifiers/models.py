"""The trained bundle (``Models``), its file in the model cache, and the estimator behind it.

Training (``shencha.train``) fits ``TextClassifier`` estimators and a doc-type pipeline with
scikit-learn; the bundle that screening loads holds only what they learned, as arrays
(``classifiers.linear``), in one file whose arrays are memory-mapped (``save_models`` /
``load_models``): loading takes milliseconds, needs no scikit-learn, and every process that
screens with the same file shares one copy of its pages. Training, caching and the cache key
live above the stages, in ``shencha.train``.
"""

from __future__ import annotations

import json
import mmap
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.normalise import fold_width, to_simplified
from pipeline.profile import Profile
from pipeline.segment import cut

from .features import sentence_features
from .linear import DictLinearModel, LinearTextModel


def __getattr__(name: str) -> Any:  # noqa: ANN401 - a class
    """``TextClassifier`` is imported on first use (lazily, PEP 562): it brings scikit-learn, which
    only training needs."""
    if name == "TextClassifier":
        from .estimator import TextClassifier  # lazy: scikit-learn takes about a second to import

        return TextClassifier
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass
class Models:
    """The trained bundle: the sentence-kind and area classifiers, the doc-type model, its cache key and
    how many examples each was trained on. Fitted estimators after training; their arrays
    (``LinearTextModel``, ``DictLinearModel``) once ``compact`` or loaded from the cache."""

    kinds: Any
    areas: Any
    doc_type: Any
    key: str
    counts: dict[str, int]


def compact(models: Models) -> Models:
    """The bundle as arrays only (what screening uses and the cache stores)."""

    def linear(est: Any) -> LinearTextModel:  # noqa: ANN401 - a fitted TextClassifier
        return est if isinstance(est, LinearTextModel) else LinearTextModel.from_estimator(est)

    doc_type = models.doc_type
    if not isinstance(doc_type, DictLinearModel):
        doc_type = DictLinearModel.from_pipeline(doc_type)
    return Models(kinds=linear(models.kinds), areas=linear(models.areas), doc_type=doc_type, key=models.key,
                  counts=dict(models.counts))


# The cache file: a 4 KiB header (MAGIC, then JSON: where the pickle and each array buffer lie), the
# bundle pickled with protocol 5 and its arrays out of band, each array 64-byte aligned.
MAGIC = b"shencha-models\x00\x01"
_HEADER = 4096
_ALIGN = 64


def save_models(models: Models, path: Path) -> None:
    """Write the bundle's arrays (``compact``) to ``path``."""
    buffers: list[pickle.PickleBuffer] = []
    payload = pickle.dumps(compact(models), protocol=5, buffer_callback=buffers.append)
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


def load_models(path: Path) -> Models:
    """Read a bundle written by ``save_models``; its arrays are read-only views of the memory-mapped file.

    Raises:
        ValueError: when the file is not such a bundle (or is truncated).
    """
    with path.open("rb") as fh:
        mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    if mm.size() < _HEADER or mm[: len(MAGIC)] != MAGIC:
        raise ValueError(f"{path.name} is not a Shencha model file")
    header = json.loads(mm[len(MAGIC) : _HEADER].rstrip(b" "))
    view = memoryview(mm)
    (start, size), spans = header["pickle"], header["buffers"]
    if any(a + n > mm.size() for a, n in [(start, size), *spans]):
        raise ValueError(f"{path.name} is truncated")
    models = pickle.loads(view[start : start + size], buffers=[view[a : a + n] for a, n in spans])
    if not isinstance(models, Models):
        raise ValueError(f"{path.name} does not hold a model bundle")
    return models


def read_tsv(path: Path) -> list[tuple[str, str]]:
    """``label<TAB>text`` lines; blank lines and ``#`` comments skipped."""
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        label, sep, text = line.partition("\t")
        if not sep or not text.strip():
            raise ValueError(f"{path.name}:{n}: expected 'label<TAB>text'")
        rows.append((label.strip(), text.strip()))
    return rows


def featurise_text(text: str, profile: Profile) -> list[str]:
    """Features of a free-standing sentence (training data, or text outside a Doc)."""
    a = to_simplified(fold_width(text))
    return sentence_features(a, cut(a, profile))
