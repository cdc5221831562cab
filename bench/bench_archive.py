"""Archive benchmark: add throughput, index size and search latency for each backend.

The big archive is built from GENERATED records stored through the same ``Store`` API as
``shencha archive add`` (the screening pipeline is not run on them: it manages ~60 docs/s here;
screening-bound add throughput is measured separately on a few real documents).

**Documents.** Each generated document (~3,000 characters) is a different mix of real text: 1-3
contiguous runs of sentences, each run starting at a random sentence of a random report from
``shared/corpus/gov-work-reports/government_work_reports.jsonl`` (72 Chinese government work
reports, 1.1M characters, ~25,000 sentences), with one sentence in five replaced by a
campaign-style sentence from the gold documents (整改, 落实, 领导班子 …). Half are converted to
traditional script; findings (areas, gaps, commitments), unit, type and date are synthetic.
Word frequencies therefore follow the reports' natural (Zipf-like) distribution instead of a
small repeated pool.

**Queries** (seeded, drawn before any timing, printed with their hit counts). Document frequency
(df) is measured on a sample of 2,000 archive documents (``index_text`` tokens of 2+ characters,
Chinese only, no digits). Then:

* ``word``: a single token drawn from the MID band, 0.1% <= df <= 10%, with probability
  proportional to df (users search topical words; more frequent ones more often);
* ``common-word``: a token with df > 10% (整改, 发展, 工作 …), probability proportional to df;
  every 10th word query is one (``--common-share``, default 10%), reported separately and
  together with ``word`` as ``word-all``;
* ``phrase``: a mid-band token as above, then 2-3 consecutive jieba words around it cut from a
  sample document's sentence that holds it (first and last word of 2+ characters), as ``"…"``;
* ``filtered``: a mid-band word plus one filter, in turn area / type / 2010-01..2011-06 / unit /
  gap+flagged;
* ``two-words`` / ``three-words``: 2 or 3 mid-band tokens of one sample document (AND);
* ``common``: 发展, 工作, 问题 in turn with drawn common tokens (df > 10%);
* ``char``: one CJK character of a sample document.

**Exactness** (``--exact N``): N random 1-6 character strings cut from archived texts; every
document whose text contains one (plain ``in``) must be in ``match_ids`` (and, for strings with
at most 300 documents, in the ranked, paged ``search``). **Size**: KiB per document per table
(dbstat). **Add overhead**: screening alone vs screening + archiving the same gold files.

    python bench/bench_archive.py --docs 100000 --backends sqlite,postgres --memo

Prints one block per backend: add throughput (docs/s, including segmentation), index size,
search latency p50/p95 (ms) per query kind with and without facets (full search: ranked page
of 10, snippets, facets over the whole result set), and the hits per query (p10/p50/p90/max).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
from multiprocessing import Pool
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHARED = Path(os.environ.get("SHENCHA_SHARED") or next((p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if p.exists()), ROOT.parent / "shared"))
GOLD = SHARED / "gold" / "dev"
REPORTS = SHARED / "corpus" / "gov-work-reports" / "government_work_reports.jsonl"
AREAS = ["economy", "work_style", "livelihood", "stability", "other"]
TYPES = ["analysis_report", "work_report", "rectification_plan", "meeting_speech", "implementation_plan", "other"]
GAPS = ["commitment_missing_deadline", "commitment_missing_owner", "no_cause_analysis", "work_report_style",
        "area_not_covered", "vague_measures"]
_SENT_RX = re.compile(r"[^。！？\n]{6,200}[。！？]")
MID_BAND = (0.001, 0.10)
SAMPLE_DOCS = 2000

_SENTS: list[str] = []
_REPORTS: list[list[str]] = []
_UNITS: list[str] = []
_OWNERS: list[str] = []


def _load_sentences() -> tuple[list[str], list[list[str]], list[str], list[str]]:
    """Campaign sentences (gold documents), report sentences (one list per report, in order), units, owners."""
    from pipeline.ingest import ingest
    from pipeline.normalise import to_simplified

    sents: list[str] = []
    for p in sorted(GOLD.iterdir()):
        if p.suffix == ".json":
            continue
        try:
            text = ingest(p).text
        except Exception:  # noqa: BLE001, S112 - skip unreadable samples
            continue
        for s in _SENT_RX.findall(to_simplified(text)):
            sents.append(s.strip())
    reports: list[list[str]] = []
    with open(REPORTS, encoding="utf-8") as f:
        for line in f:
            content = json.loads(line)["content"]
            rs = [s.strip() for s in _SENT_RX.findall(to_simplified(content))]
            if len(rs) >= 20:
                reports.append(rs)
    units = [f"中共{a}{b}委员会" for a in ("横岭", "石门", "云溪", "东溪", "平州", "新桥", "河塘", "锦华")
             for b in ("镇", "县", "村", "社区", "局")]
    owners = [f"{a}{b}" for a in ("镇", "县", "村", "局") for b in ("党政办", "招商办", "教育办", "卫生院", "安监办",
                                                                "社会事务办", "经济发展办", "信访维稳中心")]
    return sorted(set(sents)), reports, units, owners


def _init(sents: list[str], reports: list[list[str]], units: list[str], owners: list[str]) -> None:
    global _SENTS, _REPORTS, _UNITS, _OWNERS
    _SENTS, _REPORTS, _UNITS, _OWNERS = sents, reports, units, owners


_PIECE = None


def memo_index_text(text: str, words: list[str] | None = None) -> str:
    """``corpus.search.index_text`` with segmentation memoised per sentence.

    jieba segments the runs between punctuation independently, so joining the tokens of each
    sentence gives exactly the tokens of the whole text; generated documents reuse sentences,
    so the cache makes building 100,000 of them feasible here. Used only with ``--memo``.
    """
    from functools import lru_cache

    from corpus.search import fold, tokens_of

    global _PIECE
    if _PIECE is None:
        _PIECE = (re.compile(r"[^。！？\n]+[。！？\n]?|[。！？\n]"), lru_cache(maxsize=300_000)(
            lambda piece: tuple(tokens_of(piece, folded=True))))
    rx, tok = _PIECE
    out: list[str] = []
    for m in rx.finditer(fold(text)):
        out.extend(tok(m.group(0)))
    return " ".join(out)


def _init_memo(sents: list[str], reports: list[list[str]], units: list[str], owners: list[str]) -> None:
    import corpus.records

    _init(sents, reports, units, owners)
    corpus.records.index_text = memo_index_text  # type: ignore[assignment]  # what prepare() calls


_S2T: Any = None


def _s2t() -> Any:
    global _S2T
    if _S2T is None:
        import opencc

        _S2T = opencc.OpenCC("s2t")
    return _S2T


def make_record(i: int) -> dict[str, Any]:
    """One generated record (deterministic in ``i``)."""
    import hashlib

    from pipeline.normalise import to_simplified  # noqa: F401 - warms OpenCC in workers

    rng = random.Random(i)
    unit = rng.choice(_UNITS)
    year = rng.choice([2008, 2009, 2009, 2010, 2011, 2012])
    date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    parts = [f"{unit}关于第{i}号材料的报告\n"]
    n = len(parts[0])
    runs = rng.choice((1, 2, 2, 3))
    for r in range(runs):
        rep = _REPORTS[rng.randrange(len(_REPORTS))]
        j = rng.randrange(len(rep))
        goal = 3000 * (r + 1) // runs
        while n < goal:
            s = rep[j % len(rep)] if rng.random() >= 0.2 else rng.choice(_SENTS)
            parts.append(s)
            n += len(s)
            j += 1
    parts.append(f"\n{unit}\n{year}年{int(date[5:7])}月{int(date[8:10])}日")
    text = "".join(parts)
    traditional = i % 2 == 1
    if traditional:
        text = _s2t().convert(text)
    body = text.split("\n")[1]
    probs, coms = [], []
    for _ in range(rng.randint(0, 5)):
        a = rng.randrange(max(1, len(body) - 40))
        probs.append({"text": body[a : a + 40], "area": rng.choice(AREAS), "score": 0.5, "cause": rng.random() < .3,
                      "concrete": True, "start": a, "end": a + 40, "locator": {"paragraph": 2}})
    for _ in range(rng.randint(0, 6)):
        a = rng.randrange(max(1, len(body) - 50))
        dl = f"{year}-{rng.randint(1, 12):02d}-28" if rng.random() < .8 else None
        coms.append({"text": body[a : a + 50], "area": rng.choice(AREAS), "score": 0.5, "deadline": dl,
                     "deadline_precision": "day" if dl else None, "deadline_text": dl,
                     "owner": rng.choice(_OWNERS) if rng.random() < .8 else None, "item": body[a : a + 10],
                     "target": None, "measures": None, "pledge": False, "concrete": True, "slogan": False,
                     "has_measure": True, "start": a, "end": a + 50, "locator": {"paragraph": 2}})
    gaps = [{"code": g, "message": g, "evidence": "", "term": ""} for g in rng.sample(GAPS, rng.randint(0, 2))]
    wr = rng.random() < 0.15
    return {"path": f"gen/{i:06d}.txt", "sha256": hashlib.sha256(text.encode()).hexdigest(), "format": "txt",
            "size": len(text.encode()), "encoding": "utf-8", "script": "traditional" if traditional else "simplified",
            "profile": {"name": "campaign-2009", "version": "2009.1"}, "schema": 1, "title": text.split("\n")[0],
            "unit": unit, "date": date, "doc_type": rng.choice(TYPES), "doc_type_score": 0.9,
            "work_report": {"flag": wr, "score": 0.7 if wr else 0.1, "reason": "", "reason_en": "", "evidence": []},
            "problems": probs, "commitments": coms, "gaps": gaps, "errors": [], "warnings": [], "stats": {},
            "text": text, "blocks": []}


def prepared(i: int):  # noqa: ANN201 - Prepared
    """Generate and prepare (segment) one record: the CPU part of an add, done in worker processes."""
    from corpus.archive import prepare

    return prepare(make_record(i))


def pct(xs: list[float], p: float) -> float:
    """Percentile (nearest rank) of latencies in ms."""
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def build(store: Any, n: int, workers: int, memo: bool = False, batch: int = 64) -> tuple[float, float]:
    """Add ``n`` generated documents, ``batch`` per transaction (``store.add_many``, as ``shencha archive add``
    stores them); returns (seconds, seconds spent inside the store)."""
    data = _load_sentences()
    t0 = time.perf_counter()
    in_store = 0.0
    pending: list[Any] = []

    def flush() -> float:
        t1 = time.perf_counter()
        store.add_many([(d, None) for d in pending])
        pending.clear()
        return time.perf_counter() - t1

    with Pool(workers, initializer=_init_memo if memo else _init, initargs=data) as pool:
        for k, doc in enumerate(pool.imap(prepared, range(n), chunksize=64), 1):
            pending.append(doc)
            if len(pending) >= batch:
                in_store += flush()
            if k % 10000 == 0:
                el = time.perf_counter() - t0
                print(f"  … {k} docs, {k / el:.0f} docs/s", file=sys.stderr, flush=True)
        in_store += flush()
    return time.perf_counter() - t0, in_store


_CJK = re.compile(r"^[\u4e00-\u9fff]{2,}$")


def _weighted(rng: random.Random, words: list[str], df: dict[str, int]) -> str:
    return rng.choices(words, weights=[df[w] for w in words], k=1)[0]


def queries(n: int, n_docs: int, *, seed: int = 7, common_share: float = 0.10
            ) -> tuple[dict[str, list[tuple[str, Any]]], str]:
    """Query sets drawn as the module docstring says; returns them and a one-paragraph description."""
    from corpus.archive import SearchFilters
    from corpus.search import _tokenizer, fold

    data = _load_sentences()
    _init(*data)
    units = data[2]
    rng = random.Random(seed)
    sample = sorted(rng.sample(range(n_docs), min(n_docs, SAMPLE_DOCS)))
    texts = [make_record(i)["text"] for i in sample]
    df: dict[str, int] = {}
    docs_of: dict[str, list[int]] = {}
    for k, text in enumerate(texts):
        for t in set(memo_index_text(text).split()):
            if _CJK.match(t):
                df[t] = df.get(t, 0) + 1
                docs_of.setdefault(t, []).append(k)
    lo, hi = MID_BAND
    mid = sorted(t for t, c in df.items() if lo * len(texts) <= c <= hi * len(texts))
    common = sorted(t for t, c in df.items() if c > hi * len(texts))
    every = max(1, round(1 / common_share)) if common_share > 0 else 0
    word: list[tuple[str, Any]] = []
    common_q: list[tuple[str, Any]] = []
    for j in range(n):
        if every and j % every == every - 1:
            common_q.append((_weighted(rng, common, df), None))
        else:
            word.append((_weighted(rng, mid, df), None))
    phrases: list[tuple[str, Any]] = []
    while len(phrases) < n:
        anchor = _weighted(rng, mid, df)
        text = fold(texts[rng.choice(docs_of[anchor])])
        sents = [x for x in re.split(r"[。！？\n，；：、]", text) if anchor in x]
        if not sents:
            continue
        ws = [w for w in _tokenizer().lcut(rng.choice(sents)) if w.strip("“”《》（）() ")]
        at = next((i for i, w in enumerate(ws) if anchor in w), None)
        if at is None:
            continue
        size = rng.randint(2, 3)
        a = max(0, min(at - rng.randrange(size), len(ws) - size))
        win = ws[a : a + size]
        p = "".join(win)
        if len(p) > len(anchor) and len(win[0]) >= 2 and len(win[-1]) >= 2:  # no phrase cut at 的/新/了
            phrases.append((f'"{p}"', None))
    def cooccurring(k: int) -> str:
        while True:
            anchor = _weighted(rng, mid, df)
            doc = rng.choice(docs_of[anchor])
            pool = sorted(t for t in set(memo_index_text(texts[doc]).split()) if t in mid_set and t != anchor
                          and anchor not in t and t not in anchor)
            if len(pool) >= k - 1:
                return " ".join([anchor, *rng.sample(pool, k - 1)])

    mid_set = set(mid)
    two = [(cooccurring(2), None) for _ in range(n)]
    three = [(cooccurring(3), None) for _ in range(n)]
    fixed = ["发展", "工作", "问题"]
    common_all = [(fixed[j % 3] if j % 2 == 0 else _weighted(rng, common, df), None) for j in range(n)]
    chars: list[tuple[str, Any]] = []
    while len(chars) < n:
        t = texts[rng.randrange(len(texts))]
        c = t[rng.randrange(len(t))]
        if "\u4e00" <= c <= "\u9fff":
            chars.append((c, None))
    filt: list[tuple[str, Any]] = []
    for j in range(n):
        f = [SearchFilters(area=rng.choice(AREAS)), SearchFilters(doc_type=rng.choice(TYPES)),
             SearchFilters(since="2010-01-01", until="2011-06-30"), SearchFilters(unit=rng.choice(units)[2:6]),
             SearchFilters(gap=rng.choice(GAPS), flagged=True)][j % 5]
        filt.append((_weighted(rng, mid, df), f))
    desc = (f"queries (seed {seed}): df measured on {len(texts)} archive documents; vocabulary {len(df)} tokens, "
            f"mid band {lo:.1%} <= df <= {hi:.0%}: {len(mid)} tokens, common (df > {hi:.0%}): {len(common)}. "
            f"word = mid-band token, P ~ df; common-word = every {every}th word query ({common_share:.0%}), "
            "a common token, P ~ df; phrase = 2-3 jieba words (ends of 2+ chars) around a mid-band token in a "
            "sample sentence; "
            "filtered = mid-band token + one filter (area/type/dates/unit/gap+flagged in turn).")
    desc += (" two-words / three-words = 2 or 3 mid-band tokens of one sample document (AND); common = 发展, 工作,"
             " 问题 in turn with drawn common tokens; char = one CJK character of a sample document.")
    return {"word": word, "common-word": common_q, "two-words": two, "three-words": three, "common": common_all,
            "phrase": phrases, "char": chars, "filtered": filt}, desc


def _dist(xs: list[int]) -> str:
    if not xs:
        return "-"
    return (f"p10 {pct(xs, 10):.0f} / p50 {pct(xs, 50):.0f} / p90 {pct(xs, 90):.0f} / max {max(xs)};"
            f" {sum(1 for x in xs if x == 0)} with none")


def measure(store: Any, qs: dict[str, list[tuple[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Latency per query kind, with facets (as the CLI) and without; plus ``word-all`` (word + common-word)."""
    out: dict[str, dict[str, Any]] = {}
    raw: dict[str, tuple[list[float], list[float], list[int]]] = {}
    approx_of: dict[str, int] = {}
    for kind, items in qs.items():
        for w, f in items[:5]:
            store.search(w, f)  # warm caches
        lat, lat_nf, totals = [], [], []
        approx = 0
        for w, f in items:
            t0 = time.perf_counter()
            r = store.search(w, f, limit=10)
            lat.append((time.perf_counter() - t0) * 1000)
            totals.append(r.total)
            approx += bool(getattr(r, "approximate", False))
            t0 = time.perf_counter()
            store.search(w, f, limit=10, facets=False)
            lat_nf.append((time.perf_counter() - t0) * 1000)
        raw[kind] = (lat, lat_nf, totals)
        approx_of[kind] = approx
    if "word" in raw and "common-word" in raw:
        raw = {"word": raw["word"], "common-word": raw["common-word"],
               "word-all": tuple(a + b for a, b in zip(raw["word"], raw["common-word"], strict=True)),  # type: ignore[dict-item]
               **{k: v for k, v in raw.items() if k not in ("word", "common-word")}}
    for kind, (lat, lat_nf, totals) in raw.items():
        if not lat:
            continue
        out[kind] = {"p50": pct(lat, 50), "p95": pct(lat, 95), "p50_nofacets": pct(lat_nf, 50),
                     "p95_nofacets": pct(lat_nf, 95), "hits": _dist(totals), "n": len(lat),
                     "approx": approx_of.get(kind, approx_of.get("word", 0) if kind == "word-all" else 0)}
    return out


def exactness(store: Any, n: int, *, seed: int = 11) -> None:
    """Random 1-6 character strings cut from archived texts: does search find every document containing them?

    Ground truth: every stored text that contains the string as it was cut (plain ``in``). The
    strings are cut where they hold no whitespace, quote or parenthesis (query syntax) and do not
    start with '-'; strings of punctuation only are query errors by design and counted apart.
    """
    rng = random.Random(seed)
    t0 = time.perf_counter()
    texts = _texts(store)
    ids = sorted(texts)
    print(f"exactness: {len(texts)} texts loaded in {time.perf_counter() - t0:.0f} s; {n} strings of 1-6 characters")
    from corpus.search import QueryError

    missed_docs = found_docs = strings_missing = rejected = extra = 0
    page_checked = page_missing = 0
    by_len: dict[int, list[int]] = {}
    for _ in range(n):
        while True:
            t = texts[rng.choice(ids)]
            k = rng.randint(1, 6)
            a = rng.randrange(max(1, len(t) - k))
            q = t[a : a + k]
            if len(q) == k and not re.search(r'[\s"()“”（）＂]', q) and not q.startswith(("-", "－")):
                break
        try:
            got = set(store.match_ids(q))
        except QueryError:
            rejected += 1
            continue
        truth = {i for i, txt in texts.items() if q in txt}
        miss = truth - got
        missed_docs += len(miss)
        found_docs += len(truth & got)
        extra += len(got - truth)
        strings_missing += bool(miss)
        by_len.setdefault(k, []).append(len(miss))
        if len(got) <= 300:  # the ranked, paged search path returns the same set
            hits = {h.id for h in store.search(q, limit=len(got) + 10, facets=False).hits}
            page_checked += 1
            page_missing += bool(truth - hits)
    total = missed_docs + found_docs
    print(f"  miss rate: {missed_docs}/{total} documents ({missed_docs / max(1, total):.2%}); strings with a miss:"
          f" {strings_missing}/{n - rejected}; per length " + ", ".join(
              f"{k}: {sum(1 for m in v if m)}/{len(v)}" for k, v in sorted(by_len.items())))
    print(f"  {rejected} punctuation-only strings refused (query error by design); {extra} extra documents matched"
          " through the fold (other script, width, case, whitespace)")
    print(f"  search(limit=all) on the {page_checked} strings with <= 300 documents: {page_missing} missed a document")


def _texts(store: Any) -> dict[int, str]:
    """Every stored text by document id (SQLite; compressed or plain)."""
    from corpus.sqlite_schema import unpack_text

    return {int(i): unpack_text(t) for i, t in store.db.execute("SELECT doc_id, text FROM bodies")}


def _avg_chars(store: Any) -> float:
    """Average text length in characters (SQLite), from a systematic sample of 2,000 documents."""
    from corpus.sqlite_schema import unpack_text

    n = max(1, store.count() // 2000)
    lens = [len(unpack_text(t)) for (t,) in store.db.execute("SELECT text FROM bodies WHERE doc_id % ? = 0", (n,))]
    return sum(lens) / max(1, len(lens))


def size_breakdown(store: Any) -> None:
    """KiB per document per table/index (SQLite dbstat)."""
    n = max(1, store.count())
    try:
        rows = store.db.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC").fetchall()
    except Exception as exc:  # noqa: BLE001 - dbstat may be missing from the SQLite build
        print(f"  (no dbstat: {exc})")
        return
    total = sum(r[1] for r in rows)
    print(f"archive size without originals: {total / n / 1024:.1f} KiB/doc; biggest parts: " + ", ".join(
        f"{r[0]} {r[1] / n / 1024:.1f}" for r in rows[:8]))
    chars = _avg_chars(store)
    print(f"  average text length {chars:.0f} characters; per 3,000 characters: {total / n / 1024 * 3000 / chars:.1f} KiB")


def add_overhead(n: int, rounds: int = 5) -> None:
    """Screening alone vs screening + archiving the same gold files, one process.

    After a warm-up round, each round screens the files (``Screener.screen`` with their text) and
    then archives them into a new archive (``archive_paths``: hash, screening, words, prepare,
    store); the overhead is the median over the rounds of each round's ratio (the load of a shared
    machine drifts less within a round than across rounds), in wall-clock and in CPU time.
    """
    import statistics
    import tempfile as _tf

    from corpus.archive import open_store, prepare
    from shencha.archiving import archive_paths
    from shencha.screener import Screener

    files = [p for p in sorted(GOLD.iterdir()) if p.suffix != ".json"][:n]
    sc = Screener()
    wall: list[float] = []
    cpu: list[float] = []
    per_doc: list[tuple[float, float, float]] = []
    ok = 0
    for rnd in range(rounds + 1):
        t0, c0 = time.perf_counter(), time.process_time()
        recs = [sc.screen(p, include_text=True) for p in files]
        t_screen, c_screen = time.perf_counter() - t0, time.process_time() - c0
        t0 = time.perf_counter()
        docs = [prepare(r) for r in recs if not r.get("errors")]
        t_prep = time.perf_counter() - t0
        with _tf.TemporaryDirectory() as d:
            store = open_store(str(Path(d) / "a.sqlite"))
            t0, c0 = time.perf_counter(), time.process_time()
            outs = archive_paths(store, files)
            t_arch, c_arch = time.perf_counter() - t0, time.process_time() - c0
            store.close()
        if rnd:
            wall.append(t_arch / t_screen - 1)
            cpu.append(c_arch / c_screen - 1)
            per_doc.append((t_screen / len(files) * 1000, t_arch / len(files) * 1000, t_prep / len(files) * 1000))
            ok = sum(1 for o in outs if o.status == "added")
        del docs
    med = [statistics.median(x) for x in zip(*per_doc, strict=True)]
    print(f"add overhead ({len(files)} gold documents x {rounds} rounds, {ok} added, 1 process): screening alone"
          f" {med[0]:.0f} ms/doc, screening + archiving {med[1]:.0f} ms/doc: +{statistics.median(wall):.0%}"
          f" (rounds {min(wall):+.0%} .. {max(wall):+.0%}; CPU time +{statistics.median(cpu):.0%})"
          f" (prepare alone: {med[2]:.1f} ms/doc)")


def screening_sample(n: int, folder: Path) -> None:
    """Real ``archive add`` (screening + storing) on up to ``n`` gold documents: where does the time go?"""
    from corpus.archive import open_store
    from shencha.archiving import archive_paths

    files = [p for p in sorted(GOLD.iterdir()) if p.suffix != ".json"][:n]
    store = open_store(str(folder / "sample.sqlite"))
    in_store = [0.0]
    orig_add = store.add_many

    def timed_add(items):  # noqa: ANN001, ANN202
        t = time.perf_counter()
        try:
            return orig_add(items)
        finally:
            in_store[0] += time.perf_counter() - t

    store.add_many = timed_add  # type: ignore[method-assign]
    from shencha.screener import Screener

    Screener()  # load models before timing
    t0 = time.perf_counter()
    outs = archive_paths(store, files)
    el = time.perf_counter() - t0
    ok = sum(1 for o in outs if o.status == "added")
    print(f"screening-bound add (real pipeline, {ok} gold documents, 1 process): {ok / el:.1f} docs/s; "
          f"store.add_many {in_store[0] / max(ok, 1) * 1000:.1f} ms/doc = {in_store[0] / el:.1%} of the time "
          f"(the rest is screening)")
    store.close()


def _build_and_report(store: Any, backend: str, args: argparse.Namespace) -> None:
    print(f"\n== {backend}: building {args.docs} documents ({args.workers} segmenting processes, {args.batch} per"
          " transaction)", flush=True)
    if args.memo:
        print("(segmentation memoised per sentence: identical tokens; the full cost of segmenting one "
              "generated document is measured below)")
        t = time.perf_counter()
        _init(*_load_sentences())
        for i in range(50):
            prepared(i)
        print(f"full prepare (generate + fold + jieba + rows), 1 process: "
              f"{(time.perf_counter() - t) / 50 * 1000:.1f} ms/doc")
    secs, in_store = build(store, args.docs, args.workers, args.memo, args.batch)
    if backend == "sqlite":
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        store.db.execute("ANALYZE")
    else:
        store.db.execute("VACUUM ANALYZE")
    size = store.index_size()
    print(f"add throughput: {args.docs / secs:.0f} docs/s end to end (generate + segment + store); "
          f"the store alone {in_store / args.docs * 1000:.2f} ms/doc ({args.docs / in_store:.0f} docs/s)")
    print(f"archive size: {size / 2**20:.0f} MiB ({size / args.docs / 1024:.1f} KiB/doc; text, findings, index)")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--pg", default=os.environ.get("SHENCHA_TEST_PG",
                                                   "postgresql://shencha:shencha@127.0.0.1:5432/shencha_test"))
    ap.add_argument("--dir", help="where the SQLite archive goes (default: a temp folder, removed)")
    ap.add_argument("--queries", type=int, default=200, help="queries per kind (word + common-word together)")
    ap.add_argument("--common-share", type=float, default=0.10, help="share of word queries that are common words")
    ap.add_argument("--reuse", action="store_true", help="search an existing archive in --dir (no rebuild)")
    ap.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 2)))
    ap.add_argument("--screen-sample", type=int, default=20, help="gold documents for the screening-bound measure")
    ap.add_argument("--batch", type=int, default=64,
                    help="documents per transaction while building (shencha archive add: up to 64; 1 = one by one)")
    ap.add_argument("--overhead-rounds", type=int, default=5, help="rounds of the add-overhead measure (median)")
    ap.add_argument("--keep", action="store_true", help="keep the archives")
    ap.add_argument("--exact", type=int, default=60, help="random 1-6 character strings for the miss rate (0: skip)")
    ap.add_argument("--memo", action="store_true",
                    help="memoise segmentation per sentence (same tokens, much faster generation)")
    args = ap.parse_args(argv)

    from corpus.archive import open_store

    work = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="shencha-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"{args.docs} GENERATED documents (~3,000 chars of government work report runs + campaign sentences, half "
          "traditional, synthetic findings) stored through "
          "the Store API; the screening pipeline is NOT run on them.")
    if args.screen_sample:
        screening_sample(args.screen_sample, work)
        add_overhead(args.screen_sample, args.overhead_rounds)
    qs, desc = queries(args.queries, args.docs, common_share=args.common_share)
    print(desc)
    for kind, items in qs.items():
        print(f"  e.g. {kind}: " + ", ".join(q + (" +filter" if f else "") for q, f in items[:8]))
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        if backend == "sqlite":
            db = work / "bench.sqlite"
            if not args.reuse:
                for p in (db, Path(str(db) + "-wal"), Path(str(db) + "-shm")):
                    p.unlink(missing_ok=True)
            store = open_store(str(db))
        else:
            url = args.pg + ("&" if "?" in args.pg else "?") + "schema=bench_archive"
            store = open_store(url)
            if not args.reuse:
                store.drop()  # type: ignore[attr-defined]
                store.close()
                store = open_store(url)
        if args.reuse:
            print(f"\n== {backend}: reusing the archive ({store.count()} documents)", flush=True)
        else:
            _build_and_report(store, backend, args)
        if backend == "sqlite":
            size_breakdown(store)
        res = measure(store, qs)
        print(f"search latency (ms; page of 10 with snippets; {args.queries} queries per kind):")
        print(f"  {'kind':11} {'n':>4} {'p50':>7} {'p95':>7}   {'p50 no-facets':>13} {'p95 no-facets':>13}"
              f" {'approx':>6}   hits per query")
        for kind, r in res.items():
            print(f"  {kind:11} {r['n']:4d} {r['p50']:7.1f} {r['p95']:7.1f}   {r['p50_nofacets']:13.1f}"
                  f" {r['p95_nofacets']:13.1f} {r['approx']:6d}   {r['hits']}")
        if backend == "sqlite" and args.exact:
            exactness(store, args.exact)
        store.close()
    if not args.keep and not args.dir:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
