"""HTML reviewer reports: highlights, panel, index ranking, escaping, CLI, and size on big inputs."""

from __future__ import annotations

import copy
import json
import re
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from reports.html import render_document, render_index
from reports.review import Entry, Review, TextIndex, locate_evidence, segments
from reports.triage import rank
from shencha.report_cli import write_reports

# the weak analysis, the traditional table plan, the Big5 prose plan, the good analysis (tests/samples.py)
BATCH = ["analysis-weak.docx", "plan-table-traditional.docx", "plan-prose-big5.txt", "analysis-good.pdf"]
VOID = {"meta", "br", "img", "input", "hr", "link", "col", "source", "wbr"}


class _Tags(HTMLParser):
    """Collects tags, checks nesting, and remembers ids, links and scripts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.srcs: list[str] = []
        self.scripts = 0
        self.marks: list[dict[str, str]] = []
        self.in_text = 0
        self.text_chunks: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if "href" in a:
            self.hrefs.append(a["href"])
        if "src" in a:
            self.srcs.append(a["src"])
        if tag == "script":
            self.scripts += 1
        if tag == "a" and "hl" in a.get("class", "").split():
            self.marks.append(a)
        for k in a:
            if k.startswith("on"):
                self.errors.append(f"event handler attribute {k} on <{tag}>")
        if tag not in VOID:
            self.stack.append(tag)
        if a.get("id") == "text":
            self.in_text = len(self.stack)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        if self.in_text and len(self.stack) == self.in_text:
            self.in_text = 0
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.in_text:
            self.text_chunks.append(data)


def parse(html: str) -> _Tags:
    p = _Tags()
    p.feed(html)
    p.close()
    return p


@pytest.fixture(scope="module")
def records(screener: Any, samples_dir: Path) -> list[dict[str, Any]]:
    recs = [screener.screen(samples_dir / n, include_text=True) for n in BATCH]
    recs.append(screener.screen(samples_dir / "no-such-file.docx", include_text=True))
    return recs


@pytest.fixture(scope="module")
def report(records: list[dict[str, Any]], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("report")
    return write_reports(records, out)


# ---------------------------------------------------------------------------------------------
# Locating evidence and cutting overlapping spans
# ---------------------------------------------------------------------------------------------
def test_locate_evidence_whole_shortened_joined_and_notes() -> None:
    text = "一、问题\n一是学习不够深入；二是作风不够扎实，群众意见较多。三是资金筹措渠道不宽。"
    idx = TextIndex(text)
    assert locate_evidence(idx, "二是作风不够扎实，群众意见较多。") == [(text.index("二是"), text.index("三是"))]
    a = text.index("二是")
    assert locate_evidence(idx, "二是作风不够扎实，群众…") == [(a, a + len("二是作风不够扎实，群众"))]
    spans = locate_evidence(idx, "一是学习不够深入；；二是作风不够扎实，群众意见较多。")
    assert spans == [(text.index("一是"), text.index("三是"))]  # neighbours merge into one highlight
    assert locate_evidence(idx, "（缺少原因分析，特别是主观原因）") == []
    assert locate_evidence(idx, "不在文中的一句话。") == []


def test_locate_evidence_ignores_line_breaks_inside_the_text() -> None:
    text = "全镇326家工业企业中，以来料\n加工为主的企业占81%。"
    spans = locate_evidence(TextIndex(text), "全镇326家工业企业中，以来料加工为主的企业占81%。")
    assert spans == [(0, len(text))]


def test_overlapping_spans_become_flat_pieces_listing_every_entry() -> None:
    p = Entry("P1", "problem", {}, [(5, 20)], "economy")
    g = Entry("G1", "gap", {}, [(10, 30)], None)
    c = Entry("C1", "commitment", {}, [(12, 14)], "livelihood")
    segs = segments(40, [p, g, c])
    assert [(s.start, s.end) for s in segs] == [(0, 5), (5, 10), (10, 12), (12, 14), (14, 20), (20, 30), (30, 40)]
    by = {(s.start, s.end): [e.id for e in s.refs] for s in segs}
    assert by[(12, 14)] == ["G1", "P1", "C1"] or by[(12, 14)] == ["G1", "C1", "P1"]
    assert by[(12, 14)][0] == "G1"  # a click opens the gap first
    assert next(s for s in segs if s.start == 12).area == "livelihood"  # innermost finding colours it
    assert by[(20, 30)] == ["G1"] and by[(0, 5)] == []


def test_nested_highlights_render_as_well_formed_html(records: list[dict[str, Any]]) -> None:
    rv = Review(records[0])  # the weak analysis: gap evidence is the problems' and commitments' sentences
    html = render_document(rv)
    tags = parse(html)
    assert not tags.errors, tags.errors[:5]
    assert not tags.stack
    overlapped = [m for m in tags.marks if len(m["data-r"].split()) > 1]
    assert overlapped, "the weak analysis has gap evidence lying on problem sentences"
    # the page shows exactly the document's text, nothing lost or doubled by the highlights
    shown = re.sub(r"\s+", "", "".join(tags.text_chunks))
    assert shown == re.sub(r"[\s｜]+", "", rv.text)


# ---------------------------------------------------------------------------------------------
# Document pages
# ---------------------------------------------------------------------------------------------
def test_every_finding_is_highlighted_and_linked_to_its_panel_entry(records: list[dict[str, Any]], report: dict[str, Any]) -> None:
    for rec in records[:-1]:
        rv = Review(rec)
        html = Path(report["pages"][rv.slug]).read_text(encoding="utf-8")
        tags = parse(html)
        marked = {r for m in tags.marks for r in m["data-r"].split()}
        for e in rv.entries:
            assert f"e-{e.id}" in tags.ids, f"{rv.name}: {e.id} has no panel entry"
            if e.located:
                assert e.id in marked, f"{rv.name}: {e.id} is not highlighted"
                assert f"t-{e.id}" in tags.ids
        for m in tags.marks:
            assert m["href"] == f"#e-{m['data-r'].split()[0]}"
        # problems and commitments always sit in the text; gap evidence too unless it is a note
        assert all(e.located for e in rv.problems + rv.commitments)
        for g in rv.gaps:
            assert g.located or g.data["evidence"].startswith("（"), g.data


def test_panel_lists_gaps_in_campaign_terms(records: list[dict[str, Any]], report: dict[str, Any]) -> None:
    weak = Review(records[0])
    html = Path(report["pages"][weak.slug]).read_text(encoding="utf-8")
    assert "四不通过" in html and "整改措施不实（四不通过）" in html
    assert "退回修改" in html and "工作报告化程度" in html
    assert weak.record["work_report"]["reason"] in html
    for g in weak.gaps:
        assert g.data["message"] in html.replace("&quot;", '"')
    assert "建议退回意见" in html
    plan = Review(records[2])  # plan-prose-big5.txt: a traditional Big5 plan, one commitment without a deadline
    page = Path(report["pages"][plan.slug]).read_text(encoding="utf-8")
    assert plan.script == "traditional"
    assert "四明確一承諾" in page and "四明确一承诺" not in page
    assert 'lang="zh-Hant"' in page
    assert plan.record["title"] in page
    assert "✗ 缺時限" in page  # a missing deadline is shown as missing in the commitments table
    assert plan.record["text"][:200].split("\n")[0] in page


def test_error_record_gets_a_page_and_sits_last_in_the_index(records: list[dict[str, Any]], report: dict[str, Any]) -> None:
    bad = Review(records[-1])
    page = Path(report["pages"][bad.slug]).read_text(encoding="utf-8")
    assert "无法审查" in page and bad.errors[0]["code"] in page
    index = Path(report["index"]).read_text(encoding="utf-8")
    assert "未能审查 1 份" in index
    rows = re.findall(r'<tr class="[^"]*" data-rank="(\d+)" data-name="([^"]+)"', index)
    assert rows[-1][1] == "no-such-file.docx"


def test_index_ranks_worst_first_and_links_every_page(records: list[dict[str, Any]], report: dict[str, Any]) -> None:
    index = Path(report["index"]).read_text(encoding="utf-8")
    names = [n for _, n in re.findall(r'<tr class="[^"]*" data-rank="(\d+)" data-name="([^"]+)"', index)]
    ok, bad = rank(records)
    assert names == [Path(r["path"]).name.lower() for r in ok + bad]
    first = ok[0]
    assert first["work_report"]["flag"] or len(first["gaps"]) >= max(len(r["gaps"]) for r in ok[1:])
    tags = parse(index)
    assert not tags.errors
    for slug, path in report["pages"].items():
        assert f"{slug}.html" in tags.hrefs
        assert Path(path).exists()
    assert index.count("<svg") == 2 and "各类缺项" in index and "各领域" in index
    for sel in ("f-type", "f-area", "f-gap", "f-flag"):
        assert f'id="{sel}"' in index


def test_pages_are_self_contained_and_print_cleanly(report: dict[str, Any]) -> None:
    for path in [report["index"], *report["pages"].values()]:
        html = Path(path).read_text(encoding="utf-8")
        tags = parse(html)
        assert not tags.srcs, "no external scripts, images or frames"
        assert not [h for h in tags.hrefs if re.match(r"^(https?:)?//", h)], "no links to the network"
        assert "<link" not in html and "@import" not in html
        assert tags.scripts == 1
        assert "Content-Security-Policy" in html and "default-src 'none'" in html
        assert "@media print" in html


# ---------------------------------------------------------------------------------------------
# Unsafe text
# ---------------------------------------------------------------------------------------------
UNSAFE = ("关于<script>window.__pwned=1;alert('xss')</script>的分析检查报告\n"
          "一是理论学习不够深入，存在<img src=x onerror=\"window.__pwned=2\">问题；&lt;b&gt;&amp;amp;&#x3C;script&#x3E;\n"
          "二是" + "长" * 6000 + "</p></article><script>window.__pwned=3</script>问题突出。\n"
          "今后要进一步加强学习，\"'><svg onload=window.__pwned=4>。\n"
          "https://example.org/" + "x" * 8000 + "\n")


def with_unsafe_findings(rec: dict[str, Any]) -> dict[str, Any]:
    """The record with findings and a gap lying on the unsafe text, whatever the classifiers made of it."""
    text = rec["text"]
    a = text.index("<script>")
    b = text.index("</script>") + len("</script>")
    c = text.index("存在<img")
    d = text.index("问题；", c)
    loc = {"paragraph": 1}
    rec = dict(rec, doc_type="analysis_report", title="<i>标题</i>&amp;")
    rec["problems"] = [{"text": text[a:b], "area": "work_style", "score": 1.0, "cause": False, "concrete": False,
                        "start": a, "end": b, "locator": loc},
                       {"text": text[c:d], "area": "<b>x</b>", "score": 1.0, "cause": True, "concrete": True,
                        "start": c, "end": d, "locator": loc}]
    rec["gaps"] = [{"code": "no_problems", "message": "<b onmouseover=window.__pwned=5>说明</b>",
                    "evidence": text[c:d] + "…", "term": "查找突出问题不准（四不通过）"},
                   {"code": "<script>", "message": "&lt;", "evidence": "（<script>window.__pwned=6</script>）", "term": "x"}]
    return rec


def test_unsafe_text_is_escaped(screener: Any, make_txt: Any, tmp_path: Path) -> None:
    src = make_txt(UNSAFE, name="a<b>&\"x'.txt")
    rec = screener.screen(src, include_text=True)
    assert "<script>" in rec["text"]
    res = write_reports([rec, with_unsafe_findings(rec)], tmp_path / "out")
    for path in [res["index"], *res["pages"].values()]:
        html = Path(path).read_text(encoding="utf-8")
        tags = parse(html)
        assert tags.scripts == 1, "only the page's own script"
        assert not tags.errors, tags.errors[:3]
        assert "window.__pwned" not in "".join(re.findall(r"<script>(.*?)</script>", html, flags=re.S))
        assert "<img" not in html and "<svg onload" not in html
    page, marked = (Path(p).read_text(encoding="utf-8") for p in res["pages"].values())
    tags = parse(marked)
    assert {r for m in tags.marks for r in m["data-r"].split()} == {"P1", "P2", "G1"}  # highlights on unsafe text
    assert "&lt;b onmouseover=window.__pwned=5&gt;" in marked and "&lt;i&gt;标题&lt;/i&gt;&amp;amp;" in marked
    assert "&lt;script&gt;window.__pwned=1" in page
    assert "&amp;lt;b&amp;gt;&amp;amp;amp;&amp;#x3C;script" in page  # entities in the text stay literal
    assert "长" * 6000 in page  # a very long line is kept whole (the stylesheet wraps it)


# ---------------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------------
def test_report_verb_and_screen_report_option(tmp_path: Path, samples_dir: Path) -> None:
    from shencha.cli import main

    out = tmp_path / "r"
    assert main(["report", str(samples_dir / "analysis-weak.docx"), str(samples_dir / "plan-prose-big5.txt"),
                 "--out", str(out)]) == 0
    pages = sorted(p.name for p in out.glob("*.html"))
    assert "index.html" in pages and len(pages) == 3
    out2 = tmp_path / "s"
    assert main(["screen", str(samples_dir / "analysis-weak.docx"), "--report", str(out2), "--silent",
                 "--jsonl", str(tmp_path / "x.jsonl")]) == 0
    assert (out2 / "index.html").exists() and len(list(out2.glob("*.html"))) == 2
    # records read back from JSON Lines (no text): pages without highlights, same panel
    out3 = tmp_path / "j"
    assert main(["report", str(tmp_path / "x.jsonl"), "--out", str(out3)]) == 0
    page = next(p for p in out3.glob("*.html") if p.name != "index.html").read_text(encoding="utf-8")
    assert "这份记录没有保存正文" in page and "缺项清单" in page


# ---------------------------------------------------------------------------------------------
# Scale: a 300-document batch and a 50,000-character document
# ---------------------------------------------------------------------------------------------
def big_batch(records: list[dict[str, Any]], n: int = 300) -> list[dict[str, Any]]:
    """``n`` records cloned from real ones (no text), with distinct paths and varied flags."""
    out = []
    base = [r for r in records if not r.get("errors")]
    for i in range(n):
        r = copy.deepcopy({k: v for k, v in base[i % len(base)].items() if k not in ("text", "blocks")})
        r["path"] = f"/batch/doc-{i:03d}{Path(r['path']).suffix}"
        r["sha256"] = f"{i:08x}" + "0" * 56
        r["gaps"] = r["gaps"][: i % (len(r["gaps"]) + 1)]
        r["work_report"] = dict(r["work_report"], flag=bool(r["work_report"]["flag"] and i % 3 == 0))
        out.append(r)
    return out


def big_document(records: list[dict[str, Any]], chars: int = 50_000) -> dict[str, Any]:
    """A record of about ``chars`` characters: the weak analysis repeated, its findings shifted along."""
    src = records[0]
    text, blocks, problems, commitments = "", [], [], []
    while len(text) < chars:
        off = len(text)
        text += src["text"] + "\n"
        blocks += [dict(b, start=b["start"] + off, end=b["end"] + off) for b in src["blocks"]]
        problems += [dict(p, start=p["start"] + off, end=p["end"] + off) for p in src["problems"]]
        commitments += [dict(c, start=c["start"] + off, end=c["end"] + off) for c in src["commitments"]]
    return dict(src, text=text, blocks=blocks, problems=problems, commitments=commitments, path="/batch/big.docx",
                sha256="f" * 64)


def test_index_of_300_documents_and_page_of_50000_characters(records: list[dict[str, Any]], tmp_path: Path) -> None:
    batch = big_batch(records)
    t0 = time.perf_counter()
    res = write_reports(batch, tmp_path / "big")
    took = time.perf_counter() - t0
    index = Path(res["index"]).read_text(encoding="utf-8")
    assert index.count("<tr class=") == 300
    size = len(index.encode())
    assert size < 1_500_000, size
    assert took < 20, took
    big = big_document(records)
    rv = Review(big)
    t0 = time.perf_counter()
    html = render_document(rv)
    took = time.perf_counter() - t0
    assert len(rv.text) >= 50_000
    assert took < 3, took
    tags = parse(html)
    assert not tags.errors
    assert len({r for m in tags.marks for r in m["data-r"].split()}) == sum(1 for e in rv.entries if e.located)
    print(f"\n300-document index: {size / 1024:.0f} KB; 50,000-character page: {len(html.encode()) / 1024:.0f} KB "
          f"rendered in {took * 1000:.0f} ms")


def test_render_index_without_records_and_json_round_trip(records: list[dict[str, Any]]) -> None:
    html = render_index([], {})
    assert "没有文件" in html and not parse(html).errors
    rv = Review(json.loads(json.dumps(records[1], ensure_ascii=False)))
    assert rv.commitments and all(c.located for c in rv.commitments)
