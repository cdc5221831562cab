"""The spaCy view of a document: a ``Doc`` over Shencha's own words, built only when asked for.

Screening needs the words and the sentences, not a spaCy ``Doc``; reports, notebooks and the
Matcher do. ``LazySpacyDoc`` holds the words and sentence starts and builds the ``Doc`` (importing
spaCy, about a second) on first use; ``blank_nlp`` is the blank Chinese pipeline whose vocabulary it uses.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def blank_nlp():  # noqa: ANN201 - spacy Language
    """A blank Chinese spaCy pipeline (``spacy.blank("zh")``) for its vocabulary.

    Its own tokenizer is never run: Docs are built from the words of Shencha's private jieba
    tokenizer, so the global jieba module spaCy's "jieba" segmenter would configure stays untouched.
    """
    import spacy

    return spacy.blank("zh")


class LazySpacyDoc:
    """A document's spaCy ``Doc``, built from its words on first use (``doc.spacy_doc``).

    Screening needs the words and the sentences, not the ``Doc``: building it (and importing
    spaCy, about a second) waits until something asks for it. It then behaves as the ``Doc``
    (attributes, iteration, indexing, ``len``); ``set_char_spans`` records a span group
    (``doc.spans[group]``) that is added when the ``Doc`` is built.
    """

    def __init__(self, words: list[str], sent_starts: list[bool]) -> None:
        self._words = words
        self._sent_starts = sent_starts
        self._groups: dict[str, list[tuple[int, int, str | None]]] = {}
        self._doc = None

    def set_char_spans(self, group: str, spans: list[tuple[int, int, str | None]]) -> None:
        """``doc.spans[group]``: a span per ``(start, end, label)`` in characters (expanded to whole
        tokens; spans that cover no token are left out)."""
        self._groups[group] = list(spans)
        if self._doc is not None:
            self._add_group(self._doc, group)

    def _add_group(self, sd, group: str) -> None:  # noqa: ANN001 - spacy Doc
        found = (sd.char_span(a, b, label=label, alignment_mode="expand") for a, b, label in self._groups[group])
        sd.spans[group] = [span for span in found if span is not None]

    @property
    def doc(self):  # noqa: ANN201 - spacy Doc
        """The spaCy ``Doc`` (built now if it was not yet)."""
        if self._doc is None:
            from spacy.tokens import Doc  # lazy: spaCy is imported only when a Doc is asked for

            nlp = blank_nlp()
            words = self._words
            if not words:
                sd = Doc(nlp.vocab, words=[], spaces=[])
            else:
                sd = Doc(nlp.vocab, words=words, spaces=[False] * len(words), sent_starts=self._sent_starts)
            for group in self._groups:
                self._add_group(sd, group)
            self._doc = sd
        return self._doc

    def __getattr__(self, name: str):  # noqa: ANN204 - whatever the Doc's attribute is
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.doc, name)

    def __iter__(self):  # noqa: ANN204 - spacy Tokens
        return iter(self.doc)

    def __len__(self) -> int:
        return len(self.doc)

    def __getitem__(self, i):  # noqa: ANN001, ANN204 - a Token or a Span
        return self.doc[i]
