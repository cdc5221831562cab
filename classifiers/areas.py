"""Areas: which of the campaign's priority areas a problem or commitment belongs to.

The text model (trained on ``areas.tsv`` plus the profile's cue words) gives probabilities;
the sub-heading a finding stands under (「（一）經濟發展方面」) adds its weight, because
where a sentence stands says much about what it is.
"""

from __future__ import annotations

import numpy as np

HINT_WEIGHT = 0.35


def classify_areas(texts: list[list[str]], hints: list[str | None], model) -> list[tuple[str, float]]:  # noqa: ANN001
    """``(area, probability)`` for each featurised text, with its sub-heading hint (or None)."""
    if not texts:
        return []
    proba = model.predict_proba(texts)
    classes = list(model.classes_)
    out = []
    for p, hint in zip(proba, hints, strict=True):
        p = np.array(p, dtype=float)
        if hint in classes:
            p[classes.index(hint)] += HINT_WEIGHT
            p /= p.sum()
        i = int(p.argmax())
        out.append((str(classes[i]), float(p[i])))
    return out
