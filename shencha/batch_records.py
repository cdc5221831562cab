"""A batch's records as data: JSON-safe records, the record of a file that failed, what an interrupted
run wrote (``ResumeIndex``), the few fields the triage table needs (``SummaryRows``) and records
kept on disk rather than in memory (``SpilledRecords``)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from pipeline.errors import ShenchaError
from pipeline.ingest import DEFAULT_MAX_BYTES, SUPPORTED
from pipeline.profile import DEFAULT_PROFILE
from pipeline.record import Record


def safe_str(s: str) -> str:
    """``s`` if it encodes as UTF-8; otherwise undecodable bytes (surrogate escapes) as ``\\xNN``."""
    try:
        s.encode("utf-8")
        return s
    except UnicodeEncodeError:
        try:
            return s.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:
            return s.encode("utf-8", "backslashreplace").decode("utf-8")


def json_safe(obj: Any) -> Any:
    """A copy of ``obj`` whose strings all encode as UTF-8 (see ``safe_str``)."""
    if isinstance(obj, str):
        return safe_str(obj)
    if isinstance(obj, dict):
        return {json_safe(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    return obj


def finish_record(rec: Record) -> Record:
    """Make a record safe to write: file names that are not UTF-8 (GBK names on Linux) are escaped."""
    path = rec.get("path") or ""
    if safe_str(path) is not path:
        raw = os.fsencode(path)
        rec = json_safe(rec)
        guess = raw.decode("gb18030", "replace")
        rec["warnings"].append(f"file name is not UTF-8; bytes shown as \\xNN (as GB18030 it reads '{Path(guess).name}')")
    return rec


def _file_sha256(path: str, limit: int) -> str:
    """Content hash of a regular file no larger than ``limit`` (``""`` otherwise), read in chunks."""
    try:
        st = os.stat(path)
        if not os.path.isfile(path) or st.st_size > limit:
            return ""
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()
    except OSError:
        return ""


def failure_record(path: str, code: str, detail: str, *, profile: str = DEFAULT_PROFILE,
                   max_bytes: int = DEFAULT_MAX_BYTES, seconds: float = 0.0) -> Record:
    """A record for a document the batch had to give up on (timed out, worker died), same fields as any record.

    Args:
        path: The document.
        code: An error code of ``pipeline.errors.CATALOGUE``.
        detail: What happened.
        profile: Profile name (its name and version go into the record).
        max_bytes: Files up to this size (or the default limit) get their content hash.
        seconds: Time spent on it.
    """
    from pipeline.document import Document
    from pipeline.profile import load_profile

    doc = Document(path=str(path), errors=[ShenchaError(code, path, detail).to_dict()])
    p = Path(path)
    doc.format = SUPPORTED.get(p.suffix.lower(), p.suffix.lower().lstrip(".") or "unknown")
    with contextlib.suppress(OSError):
        if p.is_file():
            doc.size = p.stat().st_size
    doc.sha256 = _file_sha256(str(path), max(max_bytes, DEFAULT_MAX_BYTES))
    prof = load_profile(profile)
    doc.profile = (prof.name, prof.version)
    doc.stats = {"seconds": round(seconds, 4), "chars": 0, "sentences": 0}
    return finish_record(doc.to_record())


# ---------------------------------------------------------------- resume and summary

def _key(rec: dict[str, Any]) -> tuple[str, str]:
    return ("sha", rec["sha256"]) if rec.get("sha256") else ("path", rec.get("path") or "")


class ResumeIndex:
    """The documents an earlier run already wrote, by content hash (by path for records without one)."""

    def __init__(self) -> None:
        self._done: Counter[tuple[str, str]] = Counter()

    def __len__(self) -> int:
        return sum(self._done.values())

    def add(self, rec: dict[str, Any]) -> None:
        """Count one written record."""
        self._done[_key(rec)] += 1

    @classmethod
    def from_jsonl(cls, path: str | Path, *, on_record: Callable[[dict[str, Any]], None] | None = None,
                   repair: bool = True) -> ResumeIndex:
        """Read a JSON Lines output file line by line.

        Args:
            path: The output of the earlier run (a missing file is an empty index).
            on_record: Called with each record read (e.g. ``SummaryRows.add``).
            repair: Cut off a torn last line (a run killed mid-write) so appended records start on a line of their own.
        """
        index = cls()
        p = Path(path)
        if not p.exists():
            return index
        good_end = 0
        with open(p, "rb") as fh:
            for line in fh:
                if not line.endswith(b"\n"):
                    break  # torn: the run stopped while writing it
                good_end += len(line)
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                index.add(rec)
                if on_record is not None:
                    on_record(rec)
        if repair and good_end < p.stat().st_size:
            with open(p, "r+b") as fh:
                fh.truncate(good_end)
        return index

    def take(self, path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> bool:
        """True (and count it off) when ``path``'s content, or for unhashed records its path, was already written."""
        sha = _file_sha256(path, max(max_bytes, DEFAULT_MAX_BYTES))
        for key in ((("sha", sha),) if sha else ()) + (("path", safe_str(path)),):
            if self._done[key] > 0:
                self._done[key] -= 1
                return True
        return False


class SummaryRows:
    """The fields the triage table needs, one small tuple per document (about 200 bytes)."""

    def __init__(self) -> None:
        self._rows: list[tuple] = []

    def __len__(self) -> int:
        return len(self._rows)

    def add(self, rec: dict[str, Any]) -> None:
        """Keep what the summary table shows of ``rec``."""
        wr = rec.get("work_report") or {}
        errs = rec.get("errors") or []
        err = (sys.intern(str(errs[0].get("code") or "")), sys.intern(str(errs[0].get("reason") or "")),
               errs[0].get("message") or "") if errs else None
        self._rows.append((rec.get("path") or "", sys.intern(str(rec.get("doc_type") or "")), bool(wr.get("flag")),
                           float(wr.get("score") or 0.0), len(rec.get("problems") or ()),
                           len(rec.get("commitments") or ()),
                           tuple(sys.intern(str(g.get("code") or "")) for g in rec.get("gaps") or ()), err))

    def records(self) -> list[dict[str, Any]]:
        """Records shaped for ``reports.triage.summary_table`` (counts stand in for findings)."""
        out = []
        for path, doc_type, flag, score, n_prob, n_comm, gaps, err in self._rows:
            out.append({"path": path, "doc_type": doc_type or None, "work_report": {"flag": flag, "score": score},
                        "problems": range(n_prob), "commitments": range(n_comm),
                        "gaps": [{"code": g} for g in gaps],
                        "errors": [{"code": err[0], "reason": err[1], "message": err[2]}] if err else []})
        return out


class SpilledRecords(Sequence):
    """A list-like sequence of records kept in a temporary JSON Lines file, not in memory."""

    def __init__(self) -> None:
        import tempfile

        self._fh = tempfile.TemporaryFile("w+b")  # noqa: SIM115 - closed in close()
        self._offsets: list[int] = []

    def append(self, rec: dict[str, Any]) -> None:
        """Add a record at the end."""
        self._fh.seek(0, os.SEEK_END)
        self._offsets.append(self._fh.tell())
        self._fh.write(json.dumps(rec, ensure_ascii=False).encode("utf-8") + b"\n")

    def __len__(self) -> int:
        return len(self._offsets)

    def __getitem__(self, i: int | slice) -> Any:  # noqa: ANN401 - a record or a list of them
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        off = self._offsets[i]
        self._fh.seek(off)
        return json.loads(self._fh.readline())

    def __iter__(self) -> Iterator[Record]:
        for i in range(len(self)):
            yield self[i]

    def close(self) -> None:
        """Delete the temporary file."""
        self._fh.close()
