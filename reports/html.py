"""HTML reviewer reports: one page per document (its text highlighted, a side panel of findings) and
``index.html`` ranking the batch worst first, sortable and filterable in the page.

Pages are self-contained: the stylesheet and script are inlined from ``reports/assets``, charts are
inline SVG, nothing is fetched from the network. Every piece of document text, file name and
message is HTML-escaped, and a Content-Security-Policy allows only the page's own script (by hash),
so text such as ``<script>`` in a submission is shown, never run.

This module draws the document page's panel; the parts live beside it: escaping
(:mod:`reports.html_escape`), the page shell (:mod:`reports.html_page`), the highlighted text
(:mod:`reports.html_text`) and the batch index (:mod:`reports.html_index`).
"""

from __future__ import annotations

from collections import Counter

from pipeline.record import Locator
from reports.html_escape import css_class, esc, url
from reports.html_index import render_index
from reports.html_page import area_style, asset, lang_of, page, short
from reports.html_text import render_text
from reports.review import Entry, Review, in_script

__all__ = ["css_class", "esc", "locator_label", "page", "render_document", "render_index", "url"]

TEXT_ABSENT = ("（这份记录没有保存正文，无法在原文中标出位置；右侧列出的问题、承诺和缺项仍然有效。"
               "要看标注的原文，请用 shencha screen --report 生成报告，或直接对原文件运行 shencha report。）")


def locator_label(loc: Locator | None, script: str | None = None) -> str:
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
    related = rv.related_commitments(g)
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
        names = [rv.profile.type_label(x) for x in rv.profile.genres.get("analyses") or []]
        checked = "和".join(x for x in ["、".join(names[:-1]), names[-1]] if x) if names else ""
        state = f'<span class="muted">{esc(t(f"不适用（只检查{checked}）" if checked else "不适用"))}</span>'
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

        def cell(fld: str, value: str | None, label: str, miss: dict[str, bool] = miss) -> str:
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
    shown = [a for a in rv.profile.areas if a in used or a in (rv.profile.data.get("priority_areas") or [])]
    dots = "".join(f'<span><span class="legend-dot" style="background:var(--area-{css_class(a)}-bg);'
                   f'border:1px solid var(--area-{css_class(a)})"></span>{esc(rv.area_label(a))}</span>' for a in shown)
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
        body_text = render_text(rv)
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
        standard = rv.profile.report.get("commitment_standard")
        panel.append(f'<section class="card" id="commitments"><h2>{esc(t(f"整改承诺（{standard}）" if standard else "整改承诺"))}</h2>'
                     f"{_commitments(rv)}</section>")
        panel.append(f'<section class="card" id="problems"><h2>{esc(t("查找出的问题"))}</h2>{_problems(rv)}</section>')
        note = rv.return_note()
        if note:
            panel.append(f'<section class="card" id="return-note"><h2>{esc(t("建议退回意见"))}</h2>'
                         f'<p class="return-note">{esc(note)}</p></section>')
    body = (header + '<main class="layout">' + text_col
            + f'<aside class="panel" id="panel" aria-label="{esc(t("审查意见"))}">{"".join(panel)}</aside></main>')
    return page(f"{rv.title} — {t('审查意见')}", body, script=asset("doc.js"), lang=lang_of(rv.script),
                style=area_style(rv.profile.areas))
