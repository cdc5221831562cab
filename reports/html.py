"""HTML reviewer reports: one page per document (its text highlighted, a side panel of findings) and
``index.html`` ranking the batch worst first, sortable and filterable in the page.

Pages are self-contained: the stylesheet and script are inlined from ``reports/assets``, charts are
inline SVG, nothing is fetched from the network. Every piece of document text, file name and
message is HTML-escaped, and a Content-Security-Policy allows only the page's own script (by hash),
so text such as ``<script>`` in a submission is shown, never run.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import html
import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pipeline import lang_zh as zh
from reports.review import SEP, Entry, Review, Segment, in_script, segments
from reports.triage import rank, severity

ASSETS = Path(__file__).parent / "assets"
HEADING = zh.OUTLINE_HEADING
AREA_ORDER = ("economy", "work_style", "livelihood", "stability", "other")
VERDICT_ORDER = {"return": 0, "improve": 1, "pass": 2, "error": 3}
VERDICT_ZH = {"return": "退回修改", "improve": "建议完善", "pass": "未发现缺项", "error": "无法读取"}
TEXT_ABSENT = ("（这份记录没有保存正文，无法在原文中标出位置；右侧列出的问题、承诺和缺项仍然有效。"
               "要看标注的原文，请用 shencha screen --report 生成报告，或直接对原文件运行 shencha report。）")
AREA_COLOURS = {"economy": "#2563eb", "work_style": "#b45309", "livelihood": "#15803d", "stability": "#7c3aed",
                "other": "#57606a"}


def esc(s: Any) -> str:
    """HTML-escape any value for element text or a quoted attribute (quotes included), ``None`` as empty.

    A lone surrogate (which no page can encode) becomes U+FFFD instead of failing the page.
    """
    text = "" if s is None else str(s)
    if _SURROGATE.search(text):
        text = _SURROGATE.sub("\ufffd", text)
    return html.escape(text, quote=True)


_SURROGATE = re.compile("[\ud800-\udfff]")
_NOT_CLASS = re.compile(r"[^A-Za-z0-9_-]+")
_SCHEME = re.compile(r"^\s*[A-Za-z][A-Za-z0-9+.\-]*:|^\s*//|^\s*\\\\")


def css_class(s: Any) -> str:
    """A value made into one class-name token: letters, digits, ``_`` and ``-`` only (``na`` when empty).

    A class attribute is escaped too, but escaping alone lets a value add classes or break out of a
    ``class-`` prefix; a token from a record (an area, a code) can only be this one word.
    """
    tok = _NOT_CLASS.sub("_", "" if s is None else str(s)).strip("_")[:40]
    return tok or "na"


def url(href: Any) -> str:
    """A link target for an ``href``: only a relative path or a ``#fragment`` of the report itself.

    Anything with a scheme (``javascript:``, ``data:``, ``http:``…) or a network path (``//host``)
    becomes ``#``; the rest is percent-encoded and attribute-escaped.
    """
    h = "" if href is None else str(href)
    if not h or _SCHEME.search(h) or _SURROGATE.search(h) or any(ord(c) < 32 for c in h):
        return "#"
    return esc(quote(h, safe="/#?=&-._~"))


@lru_cache(maxsize=8)
def asset(name: str) -> str:
    """The text of a file in ``reports/assets``."""
    return (ASSETS / name).read_text(encoding="utf-8")


def page(title: str, body: str, *, script: str, lang: str = "zh-CN", body_class: str = "") -> str:
    """A complete, self-contained HTML page with the shared stylesheet and one inline script.

    Args:
        title: The page title (escaped here).
        body: Body markup (already escaped).
        script: JavaScript source, inlined and allowed by its hash in the page's CSP.
        lang: ``zh-CN`` or ``zh-Hant``.
        body_class: Class of the ``<body>``.

    Returns:
        The HTML document.
    """
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    csp = (f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{digest}'; "
           "base-uri 'none'; form-action 'none'")
    return ("<!DOCTYPE html>\n"
            f'<html lang="{esc(lang)}"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<meta name="generator" content="Shencha">'
            f"<title>{esc(title)}</title><style>{asset('report.css')}</style></head>\n"
            f'<body class="{esc(" ".join(css_class(c) for c in body_class.split()))}">\n{body}\n<script>{script}</script>\n</body></html>\n')


def lang_of(script: str | None) -> str:
    """The HTML ``lang`` of a document script."""
    return "zh-Hant" if script == "traditional" else "zh-CN"


def locator_label(loc: dict[str, Any] | None, script: str | None = None) -> str:
    """``第3段``, ``表1第2行``, ``第2页`` for a locator."""
    loc = loc or {}
    if "table" in loc:
        s = f"表{loc['table']}第{loc.get('row', '?')}行"
    elif "page" in loc:
        s = f"第{loc['page']}页"
    elif "paragraph" in loc:
        s = f"第{loc['paragraph']}段"
    elif "line" in loc:
        s = f"第{loc['line']}行"
    else:
        return ""
    return in_script(s, script)


def short(s: str, n: int) -> str:
    """``s`` cut to ``n`` characters with an ellipsis."""
    s = s or ""
    return s if len(s) <= n else s[: n - 1] + "…"


# ---------------------------------------------------------------------------------------------
# Document text with highlights
# ---------------------------------------------------------------------------------------------
def _blocks(rv: Review) -> list[dict[str, Any]]:
    """The record's blocks, with any uncovered non-blank text added as paragraphs."""
    text = rv.text
    raw = sorted((b for b in rv.record.get("blocks") or []
                  if isinstance(b.get("start"), int) and isinstance(b.get("end"), int)), key=lambda b: b["start"])
    out: list[dict[str, Any]] = []
    pos = 0

    def fill(a: int, b: int) -> None:
        i = a
        for line in text[a:b].split("\n"):
            if line.strip():
                out.append({"start": i, "end": i + len(line), "kind": "paragraph", "locator": {}})
            i += len(line) + 1

    for b in raw:
        s, e = max(b["start"], pos), min(b["end"], len(text))
        if s >= e:
            continue
        if s > pos:
            fill(pos, s)
        out.append({"start": s, "end": e, "kind": b.get("kind") or "paragraph", "locator": b.get("locator") or {}})
        pos = e
    if pos < len(text):
        fill(pos, len(text))
    return out


class _TextRenderer:
    """Draw the text block by block; each stretch covered by entries is one flat ``<a class="hl">``."""

    def __init__(self, rv: Review) -> None:
        self.rv = rv
        self.text = rv.text
        self.segs: list[Segment] = segments(len(self.text), rv.entries)
        self.starts = [s.start for s in self.segs]
        anchors: dict[int, list[str]] = {}
        for e in rv.entries:
            if e.spans:
                anchors.setdefault(e.spans[0][0], []).append(e.id)
        self.anchor_pos = sorted(anchors)
        self.anchors = anchors
        self.next_anchor = 0
        self.t = rv.t

    def _anchors_before(self, end: int) -> str:
        out = []
        while self.next_anchor < len(self.anchor_pos) and self.anchor_pos[self.next_anchor] < end:
            for eid in self.anchors[self.anchor_pos[self.next_anchor]]:
                out.append(f'<span class="anchor" id="t-{eid}"></span>')
            self.next_anchor += 1
        return "".join(out)

    def _title(self, seg: Segment) -> str:
        parts = []
        for e in seg.refs:
            if e.kind == "gap":
                parts.append(f"{e.id} " + self.t("缺项") + "：" + self.rv.gap_term(e.data.get("code") or ""))
            else:
                parts.append(f"{e.id} " + self.t("问题" if e.kind == "problem" else "承诺") + "·"
                             + self.rv.area_label(e.area))
        return " ｜ ".join(parts)

    def range(self, a: int, b: int) -> str:
        """Markup for ``text[a:b]`` (no block boundaries inside)."""
        out = []
        i = max(0, bisect.bisect_right(self.starts, a) - 1)
        while i < len(self.segs) and self.segs[i].start < b:
            seg = self.segs[i]
            x, y = max(a, seg.start), min(b, seg.end)
            i += 1
            if x >= y:
                continue
            out.append(self._anchors_before(y))
            chunk = esc(self.text[x:y])
            if not seg.refs:
                out.append(chunk)
                continue
            kinds = {e.kind for e in seg.refs}
            cls = ["hl"] + [k for k, kind in (("kg", "gap"), ("kp", "problem"), ("kc", "commitment")) if kind in kinds]
            area = seg.area
            cls.append(f"a-{area}" if area in AREA_ORDER else "na")  # only known areas reach a class
            refs = " ".join(e.id for e in seg.refs)
            out.append(f'<a class="{" ".join(cls)}" href="#e-{seg.refs[0].id}" data-r="{refs}" '
                       f'title="{esc(self._title(seg))}">{chunk}</a>')
        return "".join(out)

    def render(self) -> str:
        blocks = _blocks(self.rv)
        title = (self.rv.record.get("title") or "").strip()
        out: list[str] = []
        page = None
        i = 0
        while i < len(blocks):
            b = blocks[i]
            pg = b["locator"].get("page")
            if pg is not None and pg != page:
                if page is not None:
                    out.append(f'<span class="pageno">{esc(self.t(f"第{pg}页"))}</span>')
                page = pg
            if b["kind"] == "table_row":
                tid = b["locator"].get("table")
                rows = []
                while i < len(blocks) and blocks[i]["kind"] == "table_row" and blocks[i]["locator"].get("table") == tid:
                    rows.append(self._row(blocks[i]))
                    i += 1
                out.append("<table>" + "".join(rows) + "</table>")
                continue
            a, e = b["start"], b["end"]
            line = self.text[a:e].strip()
            cls = ""
            if i == 0 and title and line == title:
                cls = ' class="first"'
            elif len(line) <= 40 and HEADING.match(line) and not line.endswith(("；", ";", "，")):
                cls = ' class="h"'
            out.append(f"<p{cls}>{self.range(a, e)}</p>")
            i += 1
        out.append(self._anchors_before(len(self.text) + 1))
        return "\n".join(out)

    def _row(self, b: dict[str, Any]) -> str:
        cells, a = [], b["start"]
        for j in range(b["start"], b["end"] + 1):
            if j == b["end"] or self.text[j] == SEP:
                cells.append(f"<td>{self.range(a, j)}</td>")
                a = j + 1
        return "<tr>" + "".join(cells) + "</tr>"


# ---------------------------------------------------------------------------------------------
# Document page
# ---------------------------------------------------------------------------------------------
def _goto(e: Entry, label: str) -> str:
    if not e.located:
        return ""
    return f'<a class="goto" href="#t-{e.id}" data-r="{e.id}">{esc(label)}</a>'


def _gap_entry(rv: Review, g: Entry) -> str:
    t = rv.t
    d = g.data
    parts = [f'<li class="entry gap" id="e-{g.id}" data-r="{g.id}"><p class="msg"><span class="id">{g.id}</span>'
             f"{esc(t(d.get('message') or ''))}</p>"]
    ev = d.get("evidence") or ""
    if g.located:
        parts.append(f'<blockquote class="ev">{esc(ev)}</blockquote>{_goto(g, t("定位原文") + " ›")}')
    elif ev:
        parts.append(f'<p class="note">{esc(t(ev))}</p>')
    code = d.get("code")
    related = []
    for fld, gcode in (("deadline", "commitment_missing_deadline"), ("owner", "commitment_missing_owner")):
        if code == gcode:
            related = [c for c in rv.commitments if rv.missing(c)[fld]]
    if related:
        links = " ".join(_goto(c, c.id) or c.id for c in related)
        parts.append(f'<p class="note">{esc(t("涉及承诺"))}：{links}</p>')
    parts.append("</li>")
    return "".join(parts)


def _checklist(rv: Review) -> str:
    t = rv.t
    out = []
    for group in rv.checklist():
        failed = sum(1 for it in group.items if not it.passed)
        out.append(f'<h3>{esc(group.name)} <span class="muted">（{esc(t(f"{len(group.items) - failed}/{len(group.items)}项通过"))}）</span></h3>')
        out.append('<ul class="checks">')
        for it in group.items:
            status = "ok" if it.passed else "fail"
            mk = "✓" if it.passed else "✗"
            count = "" if it.passed else f'<span class="count">{esc(t(f"{len(it.gaps)}处"))}</span>'
            out.append(f'<li class="check {status}" data-code="{esc(it.code)}"><div class="head"><span class="mk">{mk}</span>'
                       f'<span class="term">{esc(it.term)}</span>{count}</div>')
            if it.gaps:
                out.append('<ul class="entries">' + "".join(_gap_entry(rv, g) for g in it.gaps) + "</ul>")
            out.append("</li>")
        out.append("</ul>")
    if not out:
        out.append(f'<p class="muted">{esc(t("此类文件不适用缺项检查。"))}</p>')
    return "".join(out)


def _work_report(rv: Review) -> str:
    t = rv.t
    wr = rv.record.get("work_report") or {}
    score = float(wr.get("score") or 0)
    flag = bool(wr.get("flag"))
    pct = max(0, min(100, round(score * 100)))
    if not wr:
        return ""
    head = t("工作报告化程度")
    if not wr.get("applies"):
        state = f'<span class="muted">{esc(t("不适用（只检查分析检查报告和发言材料）"))}</span>'
    elif flag:
        state = f'<span class="flag">⚑ {esc(t("读起来像工作报告"))}</span>'
    else:
        state = f'<span style="color:var(--ok)">{esc(t("未写成工作报告"))}</span>'
    if not wr.get("applies"):
        return f"<h3>{esc(head)}：{state}</h3>"
    out = [f'<h3>{esc(head)}：{score:.2f} {state}</h3>',
           f'<div class="scorebar{" flag" if flag else ""}" title="{score:.2f}"><span style="width:{pct}%"></span></div>']
    if wr.get("reason"):
        out.append(f'<p class="msg">{esc(t(wr["reason"]))}</p>')
    ev = wr.get("evidence") or []
    if ev and wr.get("applies"):
        out.append(f"<details><summary>{esc(t('讲成绩的句子举例'))}（{len(ev)}）</summary><ul>"
                   + "".join(f"<li>{esc(s)}</li>" for s in ev) + "</ul></details>")
    return "".join(out)


def _problems(rv: Review) -> str:
    t = rv.t
    if not rv.problems:
        return f'<p class="muted">{esc(t("没有识别出问题陈述。"))}</p>'
    items = []
    for p in rv.problems:
        d = p.data
        tags = []
        if d.get("concrete"):
            tags.append(t("具体"))
        if d.get("cause"):
            tags.append(t("原因剖析"))
        tag_html = "".join(f'<span class="tag">{esc(x)}</span>' for x in tags)
        items.append(f'<li class="entry" id="e-{p.id}" data-r="{p.id}"><span class="id">{p.id}</span>'
                     f'<span class="chip a-{css_class(p.area)}">{esc(rv.area_label(p.area))}</span>{tag_html} '
                     f"{esc(short(d.get('text') or '', 90))} {_goto(p, t('原文') + ' ›')}"
                     f'<span class="muted" style="font-size:.75rem"> {esc(locator_label(d.get("locator"), rv.script))}</span></li>')
    return '<ul class="plist">' + "".join(items) + "</ul>"


def _commitments(rv: Review) -> str:
    t = rv.t
    if not rv.commitments:
        return f'<p class="muted">{esc(t("没有识别出整改承诺或措施。"))}</p>'
    head = ["#", t("内容"), t("措施"), t("时限"), t("责任"), t("领域")]
    rows = []
    for c in rv.commitments:
        d = c.data
        miss = rv.missing(c)

        def cell(fld: str, value: str | None, label: str, d: dict[str, Any] = d, miss: dict[str, bool] = miss) -> str:
            if not miss[fld]:
                return f"<td>{esc(value)}</td>"
            if rv.field_required(fld):
                return f'<td class="miss-cell">✗ {esc(t(label))}</td>'
            return f'<td class="soft">{esc(t("未写明"))}</td>'

        content = d.get("item") or short(d.get("text") or "", 60)
        if d.get("item") and d.get("target"):
            content = f"{d['item']}（{t('目标')}：{d['target']}）"
        deadline = d.get("deadline_text") or d.get("deadline")
        if d.get("deadline") and d.get("deadline_text") and d["deadline"] not in d["deadline_text"]:
            deadline = f"{d['deadline_text']}（{d['deadline']}）"
        measures = short(d.get("measures") or "", 60)
        rows.append(f'<tr class="entry" id="e-{c.id}" data-r="{c.id}"><td><span class="id">{c.id}</span>'
                    f"{_goto(c, '›')}</td><td>{esc(content)}</td>"
                    + cell("measures", measures, "缺措施") + cell("deadline", deadline, "缺时限")
                    + cell("owner", d.get("owner"), "缺责任")
                    + f'<td><span class="chip a-{css_class(c.area)}">{esc(rv.area_label(c.area))}</span>'
                    + (f'<span class="tag">{esc(t("承诺"))}</span>' if d.get("pledge") else "") + "</td></tr>")
    missing = Counter(f for c in rv.commitments for f, m in rv.missing(c).items() if m and rv.field_required(f))
    summary = "，".join(f"{t(lbl)} {missing[f]}" for f, lbl in (("deadline", "缺时限"), ("owner", "缺责任"), ("measures", "缺措施"))
                       if missing[f])
    note = f'<p class="msg" style="color:var(--gap)">{esc(summary)}</p>' if summary else ""
    return (note + '<table class="grid"><thead><tr>' + "".join(f"<th>{esc(h)}</th>" for h in head)
            + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def _errors(rv: Review) -> str:
    if not rv.errors:
        return ""
    t = rv.t
    items = "".join(f"<li><b>{esc(e.get('code'))}</b> {esc(e.get('reason'))}<br><span class='muted'>{esc(e.get('message'))}</span></li>"
                    for e in rv.errors)
    return (f'<section class="card error" id="errors"><h2>{esc(t("无法审查"))}</h2>'
            f"<p>{esc(t('这份文件没有读出来，未能审查：'))}</p><ul>{items}</ul></section>")


def _legend(rv: Review) -> str:
    t = rv.t
    used = {e.area for e in rv.problems + rv.commitments if e.area}
    dots = "".join(f'<span><span class="legend-dot" style="background:var(--{a}-bg);border:1px solid var(--{a})"></span>'
                   f"{esc(rv.area_label(a))}</span>" for a in AREA_ORDER if a in used or a != "other")
    gap_dot = ('<span><span class="legend-dot" style="background:var(--gap-bg);border-bottom:2px solid var(--gap)"></span>'
               f"{esc(t('缺项证据（波浪线）'))}</span>")
    toggles = "".join(f'<label><input type="checkbox" checked data-layer="{k}"> {esc(t(lbl))}</label>'
                      for k, lbl in (("kg", f"缺项 {len(rv.gaps)}"), ("kp", f"问题 {len(rv.problems)}"),
                                     ("kc", f"承诺 {len(rv.commitments)}")))
    return f'<div class="toolbar" role="toolbar">{toggles}<span class="muted">｜</span>{dots}{gap_dot}</div>'


def render_document(rv: Review, links: dict[str, str] | None = None, index_href: str = "index.html") -> str:
    """The reviewer page of one document.

    Args:
        rv: The document's review.
        links: Extra downloads to show in the header, label → relative href (e.g. the Word files).
        index_href: Link back to the batch index.

    Returns:
        The HTML page.
    """
    t = rv.t
    rec = rv.record
    v = rv.verdict()
    fmt = (rec.get("format") or "").upper()
    meta = [f"{t('文件')}：{rv.name}" + (f"（{fmt}）" if fmt else ""),
            f"{t('类型')}：{rv.type_label()}" + (f" {float(rec.get('doc_type_score') or 0):.2f}" if rec.get("doc_type") else "")]
    if rec.get("unit"):
        meta.append(f"{t('单位')}：{rec['unit']}")
    if rec.get("date"):
        meta.append(f"{t('日期')}：{rec['date']}")
    meta.append(t("繁体") if rv.script == "traditional" else t("简体"))
    prof = rec.get("profile") or {}
    meta.append(f"{t('审查方案')}：{prof.get('name', '')} {prof.get('version', '')}")
    nav = [f'<a href="{url(index_href)}">← {esc(t("返回汇总"))}</a>']
    for label, href in (links or {}).items():
        nav.append(f'<a href="{url(href)}">{esc(t(label))}</a>')
    header = (f'<header class="top"><nav class="nav">{"".join(nav)}</nav>'
              f'<h1>{esc(rv.title)} <span class="verdict v-{v.code}">{esc(v.label)}</span></h1>'
              f'<div class="meta">{"".join(f"<span>{esc(m)}</span>" for m in meta)}</div></header>')

    if rv.text:
        body_text = _TextRenderer(rv).render()
    elif rv.errors:
        body_text = f'<p class="muted">{esc(t("（没有可显示的正文）"))}</p>'
    else:
        body_text = (f'<p class="muted" id="no-text">{esc(t(TEXT_ABSENT))}</p>')
    text_col = (f'<div class="text-col">{_legend(rv)}'
                f'<article class="doctext" id="text" lang="{lang_of(rv.script)}">{body_text}</article></div>')

    n_gap = len(rv.gaps)
    unlocated = sum(1 for g in rv.gaps if not g.located)
    summary = (f"{t('缺项')} {n_gap}" + (f"（{t('其中')} {unlocated} {t('项为缺少的内容，只在此列出')}）" if unlocated else "")
               + f"；{t('问题')} {len(rv.problems)}；{t('承诺/措施')} {len(rv.commitments)}")
    panel = [_errors(rv)]
    if not rv.errors:
        panel.append(f'<section class="card" id="verdict"><h2>{esc(t("审查结论"))}：'
                     f'<span class="verdict v-{v.code}">{esc(v.label)}</span></h2><p class="msg">{esc(summary)}</p>'
                     f"{_work_report(rv)}</section>")
        panel.append(f'<section class="card" id="checklist"><h2>{esc(t("缺项清单"))}</h2>{_checklist(rv)}</section>')
        panel.append(f'<section class="card" id="commitments"><h2>{esc(t("整改承诺（四明确一承诺）"))}</h2>'
                     f"{_commitments(rv)}</section>")
        panel.append(f'<section class="card" id="problems"><h2>{esc(t("查找出的问题"))}</h2>{_problems(rv)}</section>')
        note = rv.return_note()
        if note:
            panel.append(f'<section class="card" id="return-note"><h2>{esc(t("建议退回意见"))}</h2>'
                         f'<p class="return-note">{esc(note)}</p></section>')
    body = (header + '<main class="layout">' + text_col
            + f'<aside class="panel" id="panel" aria-label="{esc(t("审查意见"))}">{"".join(panel)}</aside></main>')
    return page(f"{rv.title} — {t('审查意见')}", body, script=asset("doc.js"), lang=lang_of(rv.script))


# ---------------------------------------------------------------------------------------------
# Batch index
# ---------------------------------------------------------------------------------------------
def _area_missing(rv: Review) -> set[str]:
    """Priority areas the record's ``area_not_covered`` gaps name (matched by their short label)."""
    out = set()
    for g in rv.gaps:
        if g.data.get("code") != "area_not_covered":
            continue
        blob = (g.data.get("evidence") or "") + (g.data.get("message") or "")
        for a, spec in rv.profile.areas.items():
            lab = spec.get("short") or a
            if f"「{lab}」" in blob or f"「{in_script(lab, 'traditional')}」" in blob:
                out.add(a)
    return out


def _bar_chart(title: str, rows: list[tuple[str, list[tuple[int, str, str]], str, str]], legend: list[tuple[str, str]]) -> str:
    """A horizontal bar chart in inline SVG.

    Args:
        title: Accessible title.
        rows: ``(label, [(value, colour, tooltip) …] stacked, right-hand text, data-filter)``.
        legend: ``(label, colour)`` pairs drawn above the bars.

    Returns:
        SVG markup.
    """
    label_w, bar_w, row_h, top = 230, 300, 26, 28 if legend else 6
    width = label_w + bar_w + 90
    height = top + row_h * max(1, len(rows)) + 6
    vmax = max([sum(v for v, _, _ in segs) for _, segs, _, _ in rows] + [1])
    out = [f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{esc(title)}" xmlns="http://www.w3.org/2000/svg">',
           f"<title>{esc(title)}</title>"]
    x = 0
    for lab, colour in legend:
        out.append(f'<rect x="{label_w + x}" y="6" width="12" height="12" fill="{colour}"/>'
                   f'<text x="{label_w + x + 16}" y="16" fill="#444">{esc(lab)}</text>')
        x += 28 + 14 * len(lab)
    if not rows:
        out.append(f'<text x="10" y="{top + 17}" fill="#888">—</text>')
    for i, (lab, segs, right, filt) in enumerate(rows):
        y = top + i * row_h
        attr = f' data-filter="{esc(filt)}"' if filt else ""
        out.append(f'<g class="bar"{attr}><rect x="0" y="{y}" width="{width}" height="{row_h}" fill="transparent"/>'
                   f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" fill="#1f2328">{esc(short(lab, 17))}</text>')
        x0 = float(label_w)
        for v, colour, tip in segs:
            w = bar_w * v / vmax
            if w > 0:
                out.append(f'<rect class="v" x="{x0:.1f}" y="{y + 5}" width="{w:.1f}" height="{row_h - 10}" rx="2" '
                           f'fill="{colour}"><title>{esc(tip)}</title></rect>')
                x0 += w
        out.append(f'<text x="{x0 + 6:.1f}" y="{y + 17}" fill="#444">{esc(right)}</text></g>')
    out.append("</svg>")
    return "".join(out)


def _charts(reviews: list[Review]) -> str:
    ok = [r for r in reviews if not r.errors]
    prof = reviews[0].profile if reviews else None
    if prof is None:
        return ""
    areas = [a for a in prof.areas if a in AREA_ORDER] + [a for a in prof.areas if a not in AREA_ORDER]
    probs = Counter(e.area for r in ok for e in r.problems)
    comms = Counter(e.area for r in ok for e in r.commitments)
    missing = Counter(a for r in ok for a in _area_missing(r))
    area_rows = []
    for a in areas:
        lab = prof.areas[a].get("short") or a
        colour = AREA_COLOURS.get(a, "#57606a")
        right = f"{probs[a]} / {comms[a]}" + (f"，{missing[a]}份未涉及" if missing[a] else "")
        area_rows.append((lab, [(probs[a], colour, f"{lab}：问题 {probs[a]} 条"),
                                (comms[a], colour + "80", f"{lab}：承诺 {comms[a]} 条")], right, f"area=has:{a}"))
    docs_with = Counter(c for r in ok for c in {g.data.get("code") for g in r.gaps})
    total = Counter(g.data.get("code") for r in ok for g in r.gaps)
    gap_rows = []
    for code in list(prof.gaps) + sorted(c for c in docs_with if c not in prof.gaps):
        if not docs_with[code]:
            continue
        term = (prof.gaps.get(code) or {}).get("term") or code
        gap_rows.append((term, [(docs_with[code], "#d0302f", f"{term}：{docs_with[code]} 份，共 {total[code]} 处")],
                         f"{docs_with[code]}份 / {total[code]}处", f"gap={code}"))
    gap_rows.sort(key=lambda r: -r[1][0][0])
    return ('<section class="charts">'
            f'<div class="card"><h2>各领域的问题与承诺（条）</h2>'
            f'{_bar_chart("各领域的问题与承诺", area_rows, [("问题", "#555"), ("承诺", "#55555580")])}</div>'
            f'<div class="card"><h2>各类缺项（份 / 处）</h2>'
            f'{_bar_chart("各类缺项", gap_rows, [])}</div></section>')


def _units(reviews: list[Review]) -> str:
    """The per-unit overview as a folded card: what each issuing unit sent and what is missing."""
    from reports.triage import TYPE_ZH
    from reports.units import NO_UNIT, expected_types, unit_overview

    units = unit_overview([r.record for r in reviews])
    named = [u for u in units if u.unit != NO_UNIT]
    if not named:
        return ""
    expected = expected_types(reviews[0].profile)
    incomplete = sum(1 for u in named if u.missing)
    head = "".join(f"<th>{esc(h)}</th>" for h in ["单位", "份数", *[TYPE_ZH.get(t, t) for t in expected], "缺少"])
    rows = []
    for u in units:
        cells = [f"<td>{esc(u.unit)}</td>", f'<td class="num">{u.count}</td>']
        for t in expected:
            docs = u.documents.get(t, [])
            cells.append(f'<td title="{esc("、".join(docs))}">{len(docs) or "—"}</td>')
        miss = "、".join(TYPE_ZH.get(t, t) for t in u.missing)
        cells.append(f'<td class="miss-cell">{esc(miss)}</td>' if miss else "<td>—</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<details class="card" id="units"><summary><b>各单位报送情况</b>：{len(named)} 个单位，'
            f"{incomplete} 个缺材料</summary>"
            f'<table class="grid"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></details>')


def render_index(reviews: list[Review], pages: dict[str, str], *, links: dict[str, dict[str, str]] | None = None,
                 batch_links: dict[str, str] | None = None, title: str = "审查结果汇总") -> str:
    """The batch index: every document worst first, with charts, filters and sortable columns.

    Args:
        reviews: One review per record.
        pages: Review slug → relative href of its page.
        links: Review slug → extra downloads (label → href) shown in its row.
        batch_links: Downloads for the whole batch (label → href), e.g. the batch memo.
        title: Page heading.

    Returns:
        The HTML page.
    """
    links = links or {}
    by_rec = {id(r.record): r for r in reviews}
    ok, bad = rank([r.record for r in reviews])
    ordered = [by_rec[id(x)] for x in ok + bad]
    prof = reviews[0].profile if reviews else None
    verdicts = {r.slug: r.verdict() for r in ordered}
    n_flag = sum(1 for r in ordered if (r.record.get("work_report") or {}).get("flag") and not r.errors)
    vc = Counter(v.code for v in verdicts.values())
    types = Counter(r.doc_type for r in ordered if not r.errors)
    type_names = (prof.data.get("doc_types") if prof else {}) or {}
    stats = [("文件总数", len(ordered), ""), ("退回修改", vc["return"], "bad"), ("建议完善", vc["improve"], ""),
             ("未发现缺项", vc["pass"], ""), ("工作报告化", n_flag, "bad" if n_flag else ""),
             ("无法读取", vc["error"], "bad" if vc["error"] else "")]
    stat_html = "".join(f'<div class="stat {cls}"><b>{n}<small> 份</small></b><span>{esc(lab)}</span></div>'
                        for lab, n, cls in stats)
    type_line = "，".join(f"{type_names.get(t, t)} {n}" for t, n in types.most_common())
    nav = "".join(f'<a href="{url(h)}">{esc(lab)}</a>' for lab, h in (batch_links or {}).items())
    prof_line = f"{prof.data.get('title', '')}（{prof.name} {prof.version}）" if prof else ""
    header = (f'<header class="top"><h1>{esc(title)}</h1><div class="meta"><span>{esc(prof_line)}</span>'
              f"<span>{esc(type_line)}</span></div>"
              + (f'<nav class="nav" style="margin-top:.3rem">{nav}</nav>' if nav else "")
              + f'<div class="stats">{stat_html}</div></header>')

    # filters
    def opts(pairs: Iterable[tuple[str, str]]) -> str:
        return '<option value="">全部</option>' + "".join(f'<option value="{esc(v)}">{esc(lab)}</option>' for v, lab in pairs)

    type_opts = opts((t, f"{type_names.get(t, t)}（{n}）") for t, n in sorted(types.items(), key=lambda x: -x[1]))
    area_pairs = []
    if prof:
        for a, spec in prof.areas.items():
            area_pairs.append((f"has:{a}", f"涉及：{spec.get('short', a)}"))
        for a in prof.data.get("priority_areas") or []:
            area_pairs.append((f"miss:{a}", f"未涉及：{prof.areas[a].get('short', a)}"))
    gap_count = Counter(c for r in ordered for c in {g.data.get("code") for g in r.gaps})
    gap_pairs = [(c, f"{(prof.gaps.get(c) or {}).get('term', c) if prof else c}（{n}）") for c, n in gap_count.most_common()]
    verdict_pairs = [(c, f"{lab}（{vc[c]}）") for c, lab in (("return", "退回修改"), ("improve", "建议完善"), ("pass", "未发现缺项"),
                                                         ("error", "无法读取")) if vc[c]]
    filters = ('<form class="filters" id="filters" role="search">'
               f'<label>类型 <select id="f-type">{type_opts}</select></label>'
               f'<label>领域 <select id="f-area">{opts(area_pairs)}</select></label>'
               f'<label>缺项 <select id="f-gap">{opts(gap_pairs)}</select></label>'
               f'<label>工作报告化 <select id="f-flag">{opts([("1", "⚑ 是"), ("0", "否")])}</select></label>'
               f'<label>结论 <select id="f-verdict">{opts(verdict_pairs)}</select></label>'
               '<label>搜索 <input id="f-q" type="search" placeholder="文件名、标题、单位"></label>'
               '<button type="reset">清除筛选</button>'
               f'<span class="shown">显示 <b id="shown">{len(ordered)}</b> / {len(ordered)} 份</span></form>')

    cols = [("rank", "#", True, "ascending"), ("name", "文件 / 标题", False, "ascending"), ("unit", "单位", False, "ascending"),
            ("type", "类型", False, "ascending"), ("vo", "结论", True, "ascending"), ("score", "工作报告化", True, "descending"),
            ("np", "问题", True, "descending"), ("nc", "承诺", True, "descending"), ("ng", "缺项", True, "descending")]
    head = "".join(f'<th data-key="{k}"{" data-num" if num else ""} data-first="{first}"'
                   f'{" aria-sort=" + chr(34) + "ascending" + chr(34) if k == "rank" else ""}><button type="button">{esc(lab)}</button></th>'
                   for k, lab, num, first in cols)
    head += "<th>缺项明细</th><th>领域覆盖</th>"
    rows = []
    for i, r in enumerate(ordered, 1):
        rows.append(_index_row(r, i, verdicts[r.slug], pages.get(r.slug, "#"), links.get(r.slug, {}), type_names))
    failed = [r for r in ordered if r.errors]
    callout = ""
    if failed:
        items = "".join(f'<li><a href="{url(pages.get(r.slug, "#"))}">{esc(r.name)}</a>：{esc(r.errors[0].get("reason"))}'
                        f' <span class="muted">{esc(r.errors[0].get("code"))}</span></li>' for r in failed)
        callout = f'<div class="callout"><b>未能审查 {len(failed)} 份</b>（排在表格末尾）：<ul>{items}</ul></div>'
    table = (f'<table class="docs" id="docs"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
             if rows else '<p class="muted">没有文件。</p>')
    body = (header + '<main class="wrap">' + _charts(reviews) + _units(reviews) + callout + filters + table
            + '<p class="muted" style="font-size:.85rem">排序：工作报告化的在前，其次按缺项多少；点击列标题可改变排序，'
              "点击图表中的条目可按领域或缺项筛选。</p></main>")
    return page(title, body, script=asset("index.js"), body_class="index")


def _index_row(r: Review, i: int, v: Any, href: str, links: dict[str, str], type_names: dict[str, str]) -> str:
    rec = r.record
    wr = rec.get("work_report") or {}
    flag = bool(wr.get("flag")) and not r.errors
    score = float(wr.get("score") or 0)
    areas = sorted({e.area for e in r.problems + r.commitments if e.area})
    missing = sorted(_area_missing(r))
    codes = Counter(g.data.get("code") for g in r.gaps)
    gap_terms = {c: (r.profile.gaps.get(c) or {}).get("term") or c for c in codes}
    chips = "".join(f'<span class="chip gap" title="{esc(c)}">{esc(gap_terms[c])}{f" ×{n}" if n > 1 else ""}</span>'
                    for c, n in codes.items())
    if r.errors:
        chips = f'<span class="muted">{esc(r.errors[0].get("message"))}</span>'
    prof_areas = r.profile.areas
    cover = "".join(f'<span class="chip a-{css_class(a)}">{esc(prof_areas.get(a, {}).get("short", a))}</span>' for a in areas)
    cover += "".join(f'<span class="chip miss" title="未涉及">{esc(prof_areas.get(a, {}).get("short", a))}</span>' for a in missing)
    title = rec.get("title") or ""
    type_label = type_names.get(r.doc_type, r.doc_type) if r.doc_type else "—"
    extra = " ".join(f'<a href="{url(h)}">{esc(lab)}</a>' for lab, h in links.items())
    search = " ".join([r.name, title, rec.get("unit") or ""]).lower()
    data = {"rank": i, "name": r.name.lower(), "unit": rec.get("unit") or "", "type": r.doc_type or "",
            "vo": VERDICT_ORDER.get(v.code, 9), "verdict": v.code, "flag": "1" if flag else "0", "score": f"{score:.3f}",
            "np": len(r.problems), "nc": len(r.commitments), "ng": len(r.gaps), "areas": " ".join(areas),
            "missing": " ".join(missing), "gaps": " ".join(str(c) for c in codes), "search": search,
            "sev": "|".join(str(x) for x in severity(rec))}
    attrs = " ".join(f'data-{k}="{esc(val)}"' for k, val in data.items())
    cls = "failed" if r.errors else ("flagged" if flag else "")
    score_html = (f'<span class="flag">⚑ {score:.2f}</span>' if flag else f"{score:.2f}") if not r.errors else "—"
    return (f'<tr class="{cls}" {attrs}><td class="num">{i}</td>'
            f'<td><a href="{url(href)}">{esc(r.name)}</a>'
            + (f'<span class="title">{esc(title)}</span>' if title else "")
            + (f'<span class="title">{extra}</span>' if extra else "")
            + f"</td><td>{esc(rec.get('unit') or '')}</td><td>{esc(type_label)}</td>"
            f'<td><span class="verdict v-{v.code}">{esc(VERDICT_ZH.get(v.code, v.label))}</span></td><td class="num">{score_html}</td>'
            f'<td class="num">{len(r.problems)}</td><td class="num">{len(r.commitments)}</td><td class="num">{len(r.gaps)}</td>'
            f'<td class="gaps">{chips}</td><td>{cover}</td></tr>')
