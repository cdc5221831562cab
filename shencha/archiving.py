"""Archiving: screen files and store them, and rescreen the kept originals after a pipeline upgrade.

The archive itself (``corpus``) only stores and searches finished records; screening them is
the application's work, so it lives here, above both.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from corpus.archive import AddOutcome, Prepared, Store, _sha256_file, prepare
from pipeline import __version__ as SHENCHA_VERSION
from pipeline.document import Document
from pipeline.ingest import DEFAULT_MAX_BYTES, MAX_PDF_PAGES
from pipeline.profile import DEFAULT_PROFILE, load_profile
from shencha.batch import default_workers, screen_paths, walk_inputs
from shencha.train import get_models, model_key


def current_pipeline_version(profile: str | None = None, *, in_process: bool = False) -> str:
    """The pipeline version a fresh screening would record (without screening anything).

    ``in_process``: the screening runs in this process, with the models this process has loaded
    (``get_models``, kept for the life of the process); otherwise worker processes load them
    afresh, with the key of the data and code as they are now (``model_key``).
    """
    p = load_profile(profile or DEFAULT_PROFILE)
    schema = Document(path="").to_record().get("schema")
    key = get_models(p).key if in_process else model_key(p)
    return f"shencha {SHENCHA_VERSION}; {p.name}@{p.version}; models {key}; schema {schema}"


def _in_process(workers: int | None, timeout: float | None, memory_mb: int | None) -> bool:
    """Whether ``screen_paths`` screens in this process with these settings."""
    n = default_workers() if not workers or workers < 1 else workers
    return n == 1 and not timeout and not memory_mb


def _screened(files: list[str], *, workers: int | None, profile: str, timeout: float | None,
              memory_mb: int | None, max_bytes: int, max_pages: int) -> Iterator[dict[str, Any]]:
    """Records of ``files`` with their text and the screening's words (``words``), in input order.

    Screened exactly as ``screen_paths`` screens (in this process or in worker processes); the
    words let the archive index a record without segmenting its text a second time.
    """
    if not files:
        return iter(())
    return screen_paths(files, workers=workers, profile=profile, include_text=True, words=True, walk=False,
                        timeout=timeout, memory_mb=memory_mb, max_bytes=max_bytes, max_pages=max_pages)


class _Batches:
    """Prepared documents stored a batch at a time (``Store.add_many``: one transaction), outcomes in input order.

    The first batches are small (4, 8, 16 … documents), so that the first documents are in the
    archive (and searchable) soon; then up to ``max_docs``, or whatever is waiting once the
    oldest of it has waited ``max_seconds``. An outcome is reported once its document is stored,
    in input order (a failed input waits for the documents before it).
    """

    def __init__(self, store: Store, emit: Callable[[AddOutcome], None], *, max_docs: int = 64,
                 max_seconds: float = 2.0) -> None:
        self.store, self.emit = store, emit
        self.max_docs, self.max_seconds = max_docs, max_seconds
        self.limit = 4
        self.pending: list[AddOutcome | tuple[Prepared, Path | None, str, str]] = []
        self.docs = 0
        self.since = 0.0

    def outcome(self, o: AddOutcome) -> None:
        """An input that needs no storing (failed, skipped): reported after the documents before it."""
        if self.pending:
            self.pending.append(o)
        else:
            self.emit(o)

    def put(self, doc: Prepared, original: Path | None, path: str, status: str) -> None:
        """A document to store; ``status`` is reported for it (``added`` or ``refreshed``) once it is."""
        if not self.docs:
            self.since = time.monotonic()
        self.pending.append((doc, original, path, status))
        self.docs += 1
        if self.docs >= self.limit or time.monotonic() - self.since >= self.max_seconds:
            self.flush()

    def flush(self) -> None:
        """Store what is waiting (one transaction) and report it."""
        pending, self.pending, self.docs = self.pending, [], 0
        items = [p for p in pending if not isinstance(p, AddOutcome)]
        stored = iter(self.store.add_many([(doc, original) for doc, original, _, _ in items]))
        self.limit = min(self.max_docs, 2 * self.limit)
        for p in pending:
            if isinstance(p, AddOutcome):
                self.emit(p)
                continue
            doc_id, created = next(stored)
            status = p[3] or ("added" if created else "refreshed")
            self.emit(AddOutcome(p[2], status, doc_id))


def archive_paths(store: Store, paths: Iterable[str | Path], *, workers: int | None = 1,
                  profile: str | None = None, force: bool = False,
                  on_outcome: Callable[[AddOutcome], None] | None = None, timeout: float | None = None,
                  memory_mb: int | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                  max_pages: int = MAX_PDF_PAGES) -> list[AddOutcome]:
    """Screen and store files and folders, a batch of documents per transaction (``_Batches``).

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
    timeout, memory_mb = timeout or None, memory_mb or None
    current = current_pipeline_version(prof, in_process=_in_process(workers, timeout, memory_mb))
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
    batches = _Batches(store, emit)
    with _stored_on_exit(batches):
        for rec in _screened(todo, workers=workers, profile=prof, timeout=timeout, memory_mb=memory_mb,
                             max_bytes=max_bytes, max_pages=max_pages):
            path = str(rec.get("path"))
            if rec.get("errors"):
                err = rec["errors"][0]
                batches.outcome(AddOutcome(path, "failed", None,
                                           f"{err.get('code')}: {err.get('message') or err.get('reason')}"))
                continue
            try:
                doc = prepare(rec)
            except ValueError as exc:
                batches.outcome(AddOutcome(path, "failed", None, str(exc)))
                continue
            batches.put(doc, Path(path), path, "")
    return outcomes


@contextmanager
def _stored_on_exit(batches: _Batches) -> Iterator[None]:
    """Store what is waiting at the end, and also when the batch stops early (Ctrl-C, a file error):
    the documents screened so far are kept, as they were when each had its own transaction."""
    try:
        yield
    except BaseException:
        with suppress(Exception):
            batches.flush()
        raise
    batches.flush()


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
    timeout, memory_mb = timeout or None, memory_mb or None
    current = current_pipeline_version(prof, in_process=_in_process(workers, timeout, memory_mb))
    out: list[AddOutcome] = []

    def emit(o: AddOutcome) -> None:
        out.append(o)
        if on_outcome:
            on_outcome(o)

    batches = _Batches(store, emit)

    def screen(batch: list[tuple[int, dict, str, AddOutcome | None]], tmp: Path) -> None:
        """Screen the batch's originals; outcomes in id order, the skipped ones in their places."""
        todo = [(doc_id, rec, name) for doc_id, rec, name, done in batch if done is None]
        files = [str(tmp / str(doc_id) / name) for doc_id, _, name in todo]
        recs = iter(_screened(files, workers=workers, profile=prof, timeout=timeout, memory_mb=memory_mb,
                              max_bytes=DEFAULT_MAX_BYTES, max_pages=MAX_PDF_PAGES))
        for doc_id, rec, name, done in batch:
            if done is not None:
                batches.outcome(done)
                continue
            new = next(recs)
            (tmp / str(doc_id) / name).unlink(missing_ok=True)
            if new.get("errors"):
                batches.outcome(AddOutcome(name, "failed", doc_id, str(new["errors"][0].get("code"))))
                continue
            new["path"] = rec.get("path") or name
            new["sha256"] = rec["sha256"]  # refresh in place, whatever the copy's hash says
            batches.put(prepare(new, name=rec.get("name")), None, name, "refreshed")

    with tempfile.TemporaryDirectory(prefix="shencha-rescreen-") as tmpdir, _stored_on_exit(batches):
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
