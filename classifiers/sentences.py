"""Sentence kinds: what each sentence does (achievement, problem, cause, commitment, requirement,
pledge, consultation, direction, other), from the bundled ``roles.tsv``."""

from __future__ import annotations

from pipeline.document import Document

from .features import sentence_features


def classify_kinds(doc: Document, model) -> None:  # noqa: ANN001 - TextClassifier
    """Set ``features``, ``kind`` and ``kind_score`` on every sentence.

    The words come from the segmentation stage (the tokens of the spaCy Doc), so nothing is
    segmented twice; the features are kept for the area classifier.
    """
    if not doc.sentences:
        return
    for s in doc.sentences:
        s.features = sentence_features(doc.sent_analysis(s), s.words)
    X = [s.features for s in doc.sentences]
    proba = model.predict_proba(X)
    classes = model.classes_
    names = [str(c) for c in classes]
    for s, p in zip(doc.sentences, proba, strict=True):
        i = int(p.argmax())
        s.kind, s.kind_score = names[i], float(p[i])
        s.kind_probs = dict(zip(names, map(float, p), strict=True))
