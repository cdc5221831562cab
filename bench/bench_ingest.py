"""Benchmark ingest per format, screening per format, and check ingest's output against an older revision.

    python bench/generate.py /tmp/bench --docs 600
    python bench/bench_ingest.py /tmp/bench [--per-format 200] [--lo 40] [--against REV] [--extra DIR ...]
                                 [--repeat 3] [--no-screen]

Kinds of files: ``txt``, ``docx`` and ``pdf`` are the first ``--per-format`` files of the corpus
folders (``pdf``: born-digital, a non-embedded CID font, STSong-Light, by reportlab); ``pdf-lo`` is
the first ``--lo`` docx files exported to PDF by LibreOffice in headless mode (embedded subset
fonts, as Word/WPS/LibreOffice exports are), kept in ``CORPUS/pdf-lo`` for the next run (skipped
without ``soffice``).

* ingest: ``pipeline.ingest.ingest`` in this process, warm, ms per file (median of ``--repeat`` runs);
* screen: ``shencha screen`` with 1 worker, documents per second (``bench_screen.run``, which
  counts starting the worker), and its ratio to txt;
* identical output: every file (and every .txt/.docx/.pdf under ``--extra`` folders) is ingested
  by this checkout and by ``pipeline/`` as it was at ``--against`` (extracted by ``git archive``
  and run in a subprocess); text, blocks (text, kind, locator, cells, header), block offsets,
  encoding, stats, warnings and the error (code and detail) are compared, and the files that
  differ are listed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# the last revision that read .docx through python-docx and PDFs with PDFium's own substitute fonts
BASELINE = "779de79"
KINDS = ("txt", "docx", "pdf", "pdf-lo")


def dump(path: str) -> dict[str, Any]:
    """What ingest makes of one file, as plain data."""
    from pipeline.errors import ShenchaError
    from pipeline.ingest import ingest

    try:
        doc = ingest(path)
    except ShenchaError as exc:
        return {"path": path, "error": [exc.code, exc.detail]}
    return {"path": path, "error": None, "text": doc.text, "spans": [list(s) for s in doc.block_spans],
            "blocks": [[b.text, b.kind, b.locator, b.cells, b.header] for b in doc.blocks],
            "encoding": doc.encoding, "stats": doc.stats, "warnings": doc.warnings}


def _dump_main(pipeline_dir: str) -> int:
    """Subprocess mode: file paths on stdin and records on stdout, one JSON a line, with ``pipeline`` from ``pipeline_dir``."""
    sys.path.insert(0, pipeline_dir)
    import pipeline

    assert Path(pipeline.__file__).is_relative_to(pipeline_dir), pipeline.__file__
    for line in sys.stdin:
        print(json.dumps(dump(json.loads(line))), flush=True)
    return 0


def old_outputs(files: list[str], rev: str) -> dict[str, dict[str, Any]]:
    """Ingest ``files`` with ``pipeline/`` as it was at ``rev``."""
    with tempfile.TemporaryDirectory(prefix="shencha-old-") as d:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "pipeline"], check=True,
                                 capture_output=True).stdout
        with tarfile.open(fileobj=__import__("io").BytesIO(archive)) as tar:
            tar.extractall(d, filter="data")
        out = subprocess.run([sys.executable, __file__, "--dump-with", d], input="".join(json.dumps(f) + "\n" for f in files),
                             capture_output=True, text=True, check=True, cwd=d).stdout
    return {r["path"]: r for r in map(json.loads, out.splitlines())}


def compare(files: list[str], rev: str) -> tuple[int, list[tuple[str, str]]]:
    """(files compared, [(file, what differs)]): the first field that differs, or for a file refused
    both times with the same code, the old and the new detail."""
    old = old_outputs(files, rev)
    differ = []
    for f in files:
        new = json.loads(json.dumps(dump(f)))
        was = old[f]
        for key in sorted(set(new) | set(was)):
            if new.get(key) != was.get(key):
                same_code = key == "error" and new["error"] and was["error"] and new["error"][0] == was["error"][0]
                differ.append((f, f"{new['error'][0]} both, detail {was['error'][1]!r} -> {new['error'][1]!r}"
                               if same_code else key))
                break
    return len(files), differ


def lo_pdfs(corpus: Path, n: int) -> list[Path]:
    """The first ``n`` docx files of the corpus exported to PDF by LibreOffice (made once, kept in CORPUS/pdf-lo)."""
    out = corpus / "pdf-lo"
    src = sorted((corpus / "docx").iterdir())[:n]
    todo = [p for p in src if not (out / f"{p.stem}.pdf").exists()]
    if todo:
        out.mkdir(exist_ok=True)
        with tempfile.TemporaryDirectory() as profile:
            subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                            "--outdir", str(out), *map(str, todo)],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=1200)
    return [out / f"{p.stem}.pdf" for p in src]


def ingest_ms(files: list[Path], repeat: int) -> float:
    """Median over ``repeat`` warm runs of the mean ms per file (refused files count too)."""
    from pipeline.errors import ShenchaError
    from pipeline.ingest import ingest

    def once() -> float:
        t0 = time.perf_counter()
        for f in files:
            try:
                ingest(f)
            except ShenchaError:
                pass
        return 1000 * (time.perf_counter() - t0) / len(files)

    once()
    return statistics.median(once() for _ in range(repeat))


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    if argv is None and sys.argv[1:2] == ["--dump-with"]:
        return _dump_main(sys.argv[2])
    sys.path.insert(0, str(ROOT))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--per-format", type=int, default=200)
    ap.add_argument("--lo", type=int, default=40, help="docx files exported by LibreOffice (default 40; 0: none)")
    ap.add_argument("--against", default=BASELINE, help=f"revision to compare ingest's output with (default {BASELINE}"
                    "; 'none' skips the check)")
    ap.add_argument("--extra", type=Path, action="append", default=[], help="more files to compare (a folder)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-screen", action="store_true", help="ingest figures and the check only")
    a = ap.parse_args(argv)
    kinds: dict[str, list[Path]] = {k: sorted((a.corpus / k).iterdir())[: a.per_format] for k in KINDS[:3]}
    if a.lo and shutil.which("soffice"):
        kinds["pdf-lo"] = lo_pdfs(a.corpus, a.lo)
    rates: dict[str, float] = {}
    if not a.no_screen:
        from bench.bench_screen import run
        from pipeline.profile import load_profile
        from shencha.train import get_models

        get_models(load_profile())  # models trained/cached outside the timings
    print(f"# ingest and screening per kind of file ({a.corpus}); ingest: median of {a.repeat} warm runs")
    print(f"{'kind':8} {'files':>6} {'pages':>6} {'ingest ms/file':>15} {'ms/page':>8} {'screen docs/s':>14} {'x txt':>6}")
    from pipeline.ingest import ingest

    for kind, files in kinds.items():
        if not files:
            continue
        pages = sum(ingest(f).stats.get("pdf_pages", 0) for f in files) if kind.startswith("pdf") else 0
        ms = ingest_ms(files, a.repeat)
        per_page = f"{ms * len(files) / pages:8.2f}" if pages else f"{'':8}"
        if not a.no_screen:
            rates[kind] = run([str(f) for f in files], "1", None)["docs_s"]
        rate = f"{rates[kind]:14.1f} {rates[kind] / rates['txt']:6.2f}" if rates else ""
        print(f"{kind:8} {len(files):6d} {pages or '':>6} {ms:15.2f} {per_page} {rate}", flush=True)
    if a.against != "none":
        files = [str(f) for fs in kinds.values() for f in fs]
        files += [str(p) for d in a.extra for p in sorted(d.rglob("*")) if p.suffix.lower() in (".txt", ".docx", ".pdf")]
        n, differ = compare(files, a.against)
        print(f"\n# identical output against {a.against}: {n - len(differ)} of {n} files identical")
        for f, what in differ:
            print(f"  differs: {f}: {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
