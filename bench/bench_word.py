"""Time the Word output (``--docx``) for one large submission.

    python -m bench.bench_word [--kb 60] [--repeat 3]

Builds a rectification plan .docx holding at least ``--kb`` KB of text (the traditional table
plan of tests/samples.py with its table rows repeated, and its prose repeated after it), screens it once,
then times the annotated reviewer copy (from the original .docx and rebuilt from the text) and the
review memo. Prints one line per step, the best of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.samples, when run as a script


def build_plan(path: Path, kb: int) -> Path:
    """A plan .docx holding at least ``kb`` KB of text (UTF-8): prose, a big commitment table, more prose."""
    import docx

    from tests.samples import TABLE_PLAN, TABLE_PLAN_ROWS

    head, rows = TABLE_PLAN_ROWS[0], TABLE_PLAN_ROWS[1:]
    prose = [x for x in TABLE_PLAN if isinstance(x, str)]
    d = docx.Document()
    size = 0
    for p in prose[:5]:
        d.add_paragraph(p)
        size += len(p.encode("utf-8"))
    t = d.add_table(rows=1, cols=len(head))
    t.style = "Table Grid"
    for c, v in zip(t.rows[0].cells, head, strict=True):
        c.text = v
    i = 0
    while size < kb * 1024 * 0.8:  # four fifths in the table, the rest prose
        row = [str(i + 1), *rows[i % len(rows)][1:]]
        for c, v in zip(t.add_row().cells, row, strict=True):
            c.text = v
        size += len("".join(row).encode("utf-8"))
        i += 1
    while size < kb * 1024:
        for p in prose[5:]:
            d.add_paragraph(p)
            size += len(p.encode("utf-8"))
    d.save(str(path))
    return path


def best(fn, repeat: int) -> float:  # noqa: ANN001 - any callable
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kb", type=int, default=60)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)

    from reports.review import Review
    from reports.word import write_annotated, write_memo
    from shencha.orchestrate import Screener

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        src = build_plan(folder / "big-plan.docx", args.kb)
        t0 = time.perf_counter()
        rec = Screener().screen(src, include_text=True)
        screen_s = time.perf_counter() - t0
        rv = Review(rec)
        rebuilt = Review(dict(rec, path=str(folder / "gone.docx")))  # no original: rebuilt from the text
        print(f"document: {len(rec['text'].encode('utf-8')) / 1024:.0f} KB of text, {len(rec['text']):,} characters, "
              f"{src.stat().st_size / 1024:.0f} KB .docx, "
              f"{len(rec['blocks'])} blocks, {len(rv.commitments)} commitments, {len(rv.gaps)} gaps "
              f"(screened in {screen_s:.2f} s)")
        steps = [("annotated copy (original .docx)", lambda: write_annotated(rv, folder / "a.docx")),
                 ("annotated copy (rebuilt)", lambda: write_annotated(rebuilt, folder / "b.docx")),
                 ("review memo", lambda: write_memo(rv, folder / "m.docx"))]
        total = 0.0
        for label, fn in steps:
            s = best(fn, args.repeat)
            total += s if label != "annotated copy (rebuilt)" else 0
            print(f"{label:34} {s:7.2f} s")
        print(f"{'--docx for this document':34} {total:7.2f} s  (original copy + memo, best of {args.repeat})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
