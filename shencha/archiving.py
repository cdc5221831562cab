"""Archiving: screen files and store them, and rescreen the kept originals after a pipeline upgrade.

The archive itself (``corpus``) only stores and searches finished records; screening them is
the application's work, so it lives here, above both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from corpus.archive import AddOutcome, Store, _sha256_file, prepare
from pipeline import __version__ as SHENCHA_VERSION
from pipeline.document import Document
from pipeline.ingest import DEFAULT_MAX_BYTES, MAX_PDF_PAGES
from pipeline.profile import DEFAULT_PROFILE, Profile, load_profile
from pipeline.segment import cut
from shencha.batch import _finish, _make_screener, default_workers, screen_paths, walk_inputs
from shencha.train import model_key


def current_pipeline_version(profile: str | None = None) -> str:
    """The pipeline version a fresh screening would record (without screening anything)."""
    p = load_profile(profile or DEFAULT_PROFILE)
    schema = Document(path="").to_record().get("schema")
    return f"shencha {SHENCHA_VERSION}; {p.name}@{p.version}; models {model_key(p)}; schema {schema}"


def screening_words(doc: Document, profile: Profile) -> list[str] | None:
    """The screening's jieba words over the whole analysis text, for the word index (None when they do not fit).

    Each sentence carries its words (``Sentence.words``); what lies between sentences (outline
    numbers, page furniture, blank lines: a few characters) is segmented here. The archive then
    builds its search-mode tokens from them (``corpus.search.tokens_from_words``) instead of
    segmenting the text a second time.
    """
    a = doc.analysis
    out: list[str] = []
    pos = 0
    for s in sorted(doc.sentences, key=lambda s: s.start):
        if s.start < pos or "".join(s.words) != a[s.start : s.end]:
            return None
        if s.start > pos:
            out.extend(cut(a[pos : s.start], profile))
        out.extend(s.words)
        pos = s.end
    if pos < len(a):
        out.extend(cut(a[pos:], profile))
    return out


def _screened(files: list[str], *, workers: int | None, profile: str, timeout: float | None,
              memory_mb: int | None, max_bytes: int, max_pages: int) -> Iterator[dict[str, Any]]:
    """Records of ``files`` with their text, exactly as ``screen_paths`` makes them, in input order.

    Screened in this process (one worker, no time or memory limit: ``screen_paths`` would screen
    here too, the same way), a record also carries the screening's words (``words``), so that
    archiving it costs no second segmentation; from worker processes it does not, and ``prepare``
    segments the text.
    """
    n = default_workers() if not workers or workers < 1 else workers
    if n != 1 or timeout or memory_mb or not files:
        yield from screen_paths(files, workers=workers, profile=profile, include_text=True, walk=False,
                                timeout=timeout, memory_mb=memory_mb, max_bytes=max_bytes, max_pages=max_pages)
        return
    from pipeline import ingest

    saved = ingest.MAX_PDF_PAGES
    try:
        screener = _make_screener({"profile": profile, "max_bytes": int(max_bytes), "max_pages": int(max_pages)})
        for f in files:
            doc = screener.screen_document(f)
            rec = _finish(doc.to_record(include_text=True))
            if not rec.get("errors"):
                words = screening_words(doc, screener.profile)
                if words is not None:
                    rec["words"] = words
            yield rec
    finally:
        ingest.MAX_PDF_PAGES = saved


def archive_paths(store: Store, paths: Iterable[str | Path], *, workers: int | None = 1,
                  profile: str | None = None, force: bool = False,
                  on_outcome: Callable[[AddOutcome], None] | None = None, timeout: float | None = None,
                  memory_mb: int | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                  max_pages: int = MAX_PDF_PAGES) -> list[AddOutcome]:
    """Screen and store files and folders, one transaction per document.

    Inputs whose content is already stored with the current pipeline version are skipped without
    screening (so an interrupted batch can simply be rerun); stored with an older version, they are
    screened again and their findings refreshed. Unreadable inputs are reported and skipped.
    Screening runs exactly as ``shencha screen`` does (``screen_paths``, with the same defaults:
    in this process unless workers or limits are given); ``shencha archive add`` passes the
    screen command's worker count and per-document time and memory limits (E109, E111), so one
    pathological file costs at most ``timeout`` seconds.

    Args:
        store: The archive.
        paths: Files and folders (recursive).
        workers: Screening processes (None: all cores).
        profile: Profile name (default profile when None).
        force: Screen and refresh even when the stored version is current.
        on_outcome: Called after each input (progress reporting).
        timeout: Seconds one document may take (None or 0: no limit).
        memory_mb: Memory a worker may add per document (None or 0: no limit).
        max_bytes: Larger files are refused (E108).
        max_pages: PDFs with more pages are refused (E108).
    """
    prof = profile or DEFAULT_PROFILE
    current = current_pipeline_version(prof)
    outcomes: list[AddOutcome] = []

    def emit(o: AddOutcome) -> None:
        outcomes.append(o)
        if on_outcome:
            on_outcome(o)

    todo: list[str] = []
    seen: set[str] = set()
    for f in walk_inputs(paths):
        p = Path(f)
        try:
            sha = _sha256_file(p) if p.is_file() else None
        except OSError:
            sha = None
        if sha is not None:
            known = store.lookup(sha)
            if sha in seen or (known and known[1] == current and not force):
                emit(AddOutcome(str(p), "skipped", known[0] if known else None, "already in the archive"))
                continue
            seen.add(sha)
        todo.append(str(p))
    for rec in _screened(todo, workers=workers, profile=prof, timeout=timeout or None, memory_mb=memory_mb or None,
                         max_bytes=max_bytes, max_pages=max_pages):
        path = str(rec.get("path"))
        if rec.get("errors"):
            err = rec["errors"][0]
            emit(AddOutcome(path, "failed", None, f"{err.get('code')}: {err.get('message') or err.get('reason')}"))
            continue
        try:
            doc = prepare(rec)
        except ValueError as exc:
            emit(AddOutcome(path, "failed", None, str(exc)))
            continue
        doc_id, created = store.add(doc, Path(path))
        emit(AddOutcome(path, "added" if created else "refreshed", doc_id))
    return outcomes


def rescreen(store: Store, *, all_docs: bool = False, profile: str | None = None,
             on_outcome: Callable[[AddOutcome], None] | None = None, workers: int | None = 1,
             timeout: float | None = None, memory_mb: int | None = None, chunk: int = 256) -> list[AddOutcome]:
    """Screen the kept originals again and refresh the findings of documents from an older pipeline.

    The originals are screened as ``archive_paths`` screens new files (``screen_paths``: the same
    workers and per-document time and memory limits), ``chunk`` at a time written to a
    temporary folder.

    Args:
        store: The archive.
        all_docs: Rescreen every document, not only those with an older pipeline version.
        profile: Profile name (default profile when None).
        on_outcome: Called after each document.
        workers: Screening processes (None: all cores).
        timeout: Seconds one document may take (None or 0: no limit; E109).
        memory_mb: Memory a worker may add per document (None or 0: no limit; E111).
        chunk: Originals written out and screened together.
    """
    import tempfile

    prof = profile or DEFAULT_PROFILE
    current = current_pipeline_version(prof)
    out: list[AddOutcome] = []

    def emit(o: AddOutcome) -> None:
        out.append(o)
        if on_outcome:
            on_outcome(o)

    def screen(batch: list[tuple[int, dict, str, AddOutcome | None]], tmp: Path) -> None:
        """Screen the batch's originals; outcomes in id order, the skipped ones in their places."""
        todo = [(doc_id, rec, name) for doc_id, rec, name, done in batch if done is None]
        files = [str(tmp / str(doc_id) / name) for doc_id, _, name in todo]
        recs = iter(_screened(files, workers=workers, profile=prof, timeout=timeout or None,
                              memory_mb=memory_mb or None, max_bytes=DEFAULT_MAX_BYTES, max_pages=MAX_PDF_PAGES))
        for doc_id, rec, name, done in batch:
            if done is not None:
                emit(done)
                continue
            new = next(recs)
            (tmp / str(doc_id) / name).unlink(missing_ok=True)
            if new.get("errors"):
                emit(AddOutcome(name, "failed", doc_id, str(new["errors"][0].get("code"))))
                continue
            new["path"] = rec.get("path") or name
            new["sha256"] = rec["sha256"]  # refresh in place, whatever the copy's hash says
            store.add(prepare(new, name=rec.get("name")), None)
            emit(AddOutcome(name, "refreshed", doc_id))

    with tempfile.TemporaryDirectory(prefix="shencha-rescreen-") as tmpdir:
        tmp = Path(tmpdir)
        batch: list[tuple[int, dict, str, AddOutcome | None]] = []
        for doc_id in store.ids():
            rec = store.get(doc_id)
            if rec is None:
                continue
            if not all_docs and rec.get("pipeline") == current:
                batch.append((doc_id, {}, "", AddOutcome(rec.get("name", ""), "skipped", doc_id, "current")))
            elif (orig := store.original(doc_id)) is None:
                batch.append((doc_id, {}, "", AddOutcome(rec.get("name", ""), "failed", doc_id,
                                                         "original file not kept")))
            else:
                name = Path(orig[0]).name or f"document-{doc_id}"
                (tmp / str(doc_id)).mkdir()
                (tmp / str(doc_id) / name).write_bytes(orig[1])
                batch.append((doc_id, {k: rec.get(k) for k in ("path", "sha256", "name")}, name, None))
            if sum(1 for *_, done in batch if done is None) >= chunk:
                screen(batch, tmp)
                batch = []
        screen(batch, tmp)
    return out
