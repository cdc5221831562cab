"""Training apart from screening: build the models from the bundled data, cache them, load them.

Models are trained from the profile's ``training`` folder (written for Shencha; never the gold set) with
``random_state=0``, so the same data gives the same model. The bundle is cached in Shencha's
cache folder under a key that hashes the training data, the profile, the code that featurises
and the versions of the libraries the models depend on, so a change to any of them retrains
on next use (and says so on stderr); stale bundles are removed. ``shencha train`` builds the
cache ahead of time. Screening takes the models as an argument (``Screener.models``).

Training the document-type model runs the stages up to extraction over the bundled sample
documents, so it lives here, above the stages, and not in ``classifiers``.

The cache file holds the fitted arrays, not the estimators (``classifiers.models.save_models``):
screening loads it in milliseconds, memory-maps its arrays, and never imports scikit-learn —
only training does (imported where it trains).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from classifiers.doc_type import doc_features
from classifiers.models import Models, compact, featurise_text, read_tsv
from classifiers.store import read_bundle, write_bundle
from pipeline.ingest import ingest
from pipeline.profile import Profile
from shencha.cache import _key, cache_file
from shencha.cache import model_key as model_key  # re-exported: where callers have always found it
from shencha.orchestrate import analyse

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

_LOCK = threading.Lock()
log = logging.getLogger("shencha.models")


def analyse_for_training(path: Path, profile: Profile, models: Any) -> dict[str, float]:
    """The doc-type features of a bundled training document (used while training, before the doc-type model exists)."""

    doc = analyse(ingest(path), profile, models, until="extract")
    owned = sum(1 for c in doc.commitment_candidates if c.fields.get("owner"))
    return doc_features(doc, profile, len(doc.commitment_candidates), owned)


def train_doc_type(models: Any, profile: Profile) -> tuple[Pipeline, int]:
    """Fit the doc-type model on the profile's sample documents (``training/doctypes/<type>-NN.txt``)."""
    # scikit-learn is imported here, lazily: only training needs it (about a second to import)
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    folder = profile.training / "doctypes"
    X, y = [], []
    for path in sorted(folder.glob("*.txt")):
        label = path.stem.rsplit("-", 1)[0]
        if label not in profile.data["doc_types"]:
            continue
        X.append(analyse_for_training(path, profile, models))
        y.append(label)
    model = Pipeline([
        ("dict", DictVectorizer(sparse=True)),
        ("lr", LogisticRegression(C=2.0, class_weight="balanced", max_iter=5000, random_state=0)),
    ])
    model.fit(X, y)
    return model, len(X)


def train(profile: Profile) -> Models:
    """Train every model from the profile's training data (deterministic): the fitted estimators."""
    from classifiers.estimator import TextClassifier  # lazy: scikit-learn, for training only

    kinds_rows = [row for f in sorted(profile.training.glob("roles*.tsv")) for row in read_tsv(f)]
    kinds = TextClassifier(C=4.0).fit([featurise_text(t, profile) for _, t in kinds_rows], [lab for lab, _ in kinds_rows])
    area_rows = [row for f in sorted(profile.training.glob("areas*.tsv")) for row in read_tsv(f)]
    for area, spec in profile.areas.items():
        area_rows.extend((area, cue) for cue in spec.get("cues", []))
    areas = TextClassifier(C=4.0).fit([featurise_text(t, profile) for _, t in area_rows], [lab for lab, _ in area_rows])
    models = Models(kinds=kinds, areas=areas, doc_type=None, key=_key(profile),
                    counts={"roles": len(kinds_rows), "areas": len(area_rows)})
    models.doc_type, n_docs = train_doc_type(models, profile)
    models.counts["doctypes"] = n_docs
    return models


def _load(path: Path, key: str) -> Models | None:
    """The cached bundle at ``path`` when it is one with ``key``; None when missing, stale or damaged."""
    if not path.exists():
        return None
    try:
        models = read_bundle(path)
    except Exception:  # noqa: BLE001 - a stale, foreign or partial cache file is retrained
        return None
    return models if isinstance(models, Models) and models.key == key else None


@lru_cache(maxsize=4)
def get_models(profile: Profile) -> Models:
    """The trained bundle for ``profile`` (its arrays, memory-mapped): from the cache, or trained now and cached."""
    key = _key(profile)
    path = cache_file(profile, key)
    with _LOCK:
        models = _load(path, key)
        if models is not None:
            return models
        log.info("training the models for profile %s (first run with this profile, data or code; about 20 s); "
                 "they are kept in %s", profile.name, path.parent)
        t0 = time.perf_counter()
        trained = train(profile)
        tmp = path.with_suffix(f".{os.getpid()}.{id(trained)}.tmp")
        write_bundle(compact(trained), tmp)
        tmp.replace(path)
        for stale in path.parent.glob(f"models-{profile.name}-*.pkl"):
            if stale != path:
                with contextlib.suppress(OSError):
                    stale.unlink()
        log.info("models %s trained in %.1f s: %s", key, time.perf_counter() - t0, trained.counts)
        # screening always uses what the cache holds, whether trained now or in an earlier run
        models = _load(path, key)
        if models is None:
            raise RuntimeError(f"the model cache {path} could not be read back")
        return models


if __name__ == "__main__":
    from pipeline.profile import load_profile

    m = get_models(load_profile())
    print(f"models {m.key}: {m.counts}")
