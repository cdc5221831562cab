"""The trained bundle (``Models``) and the estimator behind it.

Training (``shencha.train``) fits ``TextClassifier`` estimators and a doc-type pipeline with
scikit-learn; the bundle that screening uses holds only what they learned, as arrays
(``compact``; ``classifiers.linear``), which the model cache keeps in a file whose arrays are
memory-mapped back (``classifiers.store``): loading takes milliseconds, needs no scikit-learn,
and every process that screens with the same file shares one copy of its pages. Training,
caching and the cache key live above the stages, in ``shencha.train`` and ``shencha.cache``.
"""

from __future__ import annotations

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
