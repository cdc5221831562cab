"""Sentence kinds: what each sentence does (achievement, problem, cause, commitment, requirement,
pledge, consultation, direction, other), from the bundled ``roles.tsv``."""

from __future__ import annotations

from pipeline.document import Document

from .features import sentence_features


def sentence_words(doc: Document) -> list[list[str]]:
    """The jieba words of each sentence, read from the spaCy Doc (no second segmentation)."""
    sd = doc.spacy_doc
    out = []
    for s in doc.sentences:
        span = sd.char_span(s.start, s.end, alignment_mode="expand") if sd is not None else None
        out.append([t.text for t in span] if span is not None else list(doc.sent_analysis(s)))
    return out


def classify_kinds(doc: Document, model, words: list[list[str]]) -> None:  # noqa: ANN001 - TextClassifier
    """Set ``kind`` and ``kind_score`` on every sentence."""
    if not doc.sentences:
        return
    X = [sentence_features(doc.sent_analysis(s), w) for s, w in zip(doc.sentences, words, strict=True)]
    proba = model.predict_proba(X)
    classes = model.classes_
    for s, p in zip(doc.sentences, proba, strict=True):
        i = int(p.argmax())
        s.kind, s.kind_score = str(classes[i]), float(p[i])
