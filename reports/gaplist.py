"""A document's gap list: each gap with its campaign term, the message and the evidence, as plain
text (for the terminal), Markdown or a self-contained HTML page; no archive and no text needed.

    shencha screen FILE                  the triage line, then FILE's gap list
    shencha screen PATH… --format md     every document's gap list in Markdown
    shencha screen PATH… --format html   the same as one HTML page
"""

from __future__ import annotations

from collections.abc import Sequence

from reports.html import esc, page
from reports.review import Review

_INLINE_JS = "/* gap list: no script */"


def _missing(rv: Review) -> list[str]:
    """One line per commitment that lacks a required field (``C3 缺时限、缺责任：…``)."""
    out = []
    labels = {"deadline": "缺时限", "owner": "缺责任", "measures": "缺措施"}
    for c in rv.commitments:
        miss = [labels[f] for f, m in rv.missing(c).items() if m and rv.field_required(f)]
        if miss:
            out.append(f"{c.id} {rv.t('、'.join(miss))}：{c.data.get('item') or c.data.get('text') or ''}")
    return out


def _head(rv: Review) -> tuple[str, str]:
    v = rv.verdict()
    bits = [rv.type_label()]
    if rv.record.get("unit"):
        bits.append(str(rv.record["unit"]))
    if rv.record.get("date"):
        bits.append(str(rv.record["date"]))
    return f"{rv.name}：{rv.title}" if rv.title != rv.name else rv.name, f"{v.label}（{'；'.join(bits)}）"


def as_text(rv: Review) -> str:
    """The gap list of one document for the terminal."""
    title, verdict = _head(rv)
    lines = [f"{title}", f"  {rv.t('审查结论')}：{verdict}"]
    if rv.errors:
        for e in rv.errors:
            lines.append(f"  [{e.get('code', '')}] {e.get('message', '')}")
        return "\n".join(lines)
    if not rv.gaps:
        lines.append(f"  {rv.t('未发现缺项。')}")
    for g in rv.gaps:
        d = g.data
        lines.append(f"  {g.id} {rv.gap_term(d.get('code') or '')}")
        lines.append(f"     {rv.t(d.get('message') or '')}")
        ev = (d.get("evidence") or "").strip()
        if ev:
            lines.append(f"     {rv.t('依据')}：{ev}")
    miss = _missing(rv)
    if miss:
        lines.append(f"  {rv.t('承诺缺项')}：")
        lines.extend(f"     {m}" for m in miss)
    return "\n".join(lines)


def _md(s: str) -> str:
    """Markdown-inert text: characters that would start markup or HTML are backslash-escaped."""
    out = []
    for ch in s.replace("\r", " ").replace("\n", " "):
        out.append("\\" + ch if ch in "\\`*_{}[]()<>#+-.!|~" else ch)
    return "".join(out)


def as_markdown(reviews: Sequence[Review]) -> str:
    """Every document's gap list in Markdown (one ``##`` section per document)."""
    out = ["# 缺项清单", ""]
    for rv in reviews:
        title, verdict = _head(rv)
        out += [f"## {_md(title)}", "", f"**{_md(rv.t('审查结论'))}**：{_md(verdict)}", ""]
        if rv.errors:
            out += [f"- \\[{_md(e.get('code', ''))}\\] {_md(e.get('message', ''))}" for e in rv.errors] + [""]
            continue
        if not rv.gaps:
            out += [_md(rv.t("未发现缺项。")), ""]
        for g in rv.gaps:
            d = g.data
            out.append(f"{g.id[1:]}. **{_md(rv.gap_term(d.get('code') or ''))}**：{_md(rv.t(d.get('message') or ''))}")
            ev = (d.get("evidence") or "").strip()
            if ev:
                out.append(f"   > {_md(ev)}")
        miss = _missing(rv)
        if miss:
            out += ["", f"**{_md(rv.t('承诺缺项'))}**：", ""] + [f"- {_md(m)}" for m in miss]
        out.append("")
    return "\n".join(out)


def as_html(reviews: Sequence[Review], title: str = "缺项清单") -> str:
    """Every document's gap list as one self-contained HTML page (escaped; no script of its own)."""
    parts = [f'<header class="top"><h1>{esc(title)}</h1></header><main class="wrap">']
    for rv in reviews:
        head, verdict = _head(rv)
        v = rv.verdict()
        parts.append(f'<section class="card"><h2>{esc(head)} <span class="verdict v-{v.code}">{esc(verdict)}</span></h2>')
        if rv.errors:
            parts.append("<ul>" + "".join(f"<li><b>{esc(e.get('code'))}</b> {esc(e.get('message'))}</li>"
                                          for e in rv.errors) + "</ul></section>")
            continue
        if not rv.gaps:
            parts.append(f'<p class="muted">{esc(rv.t("未发现缺项。"))}</p>')
        parts.append('<ol class="entries">')
        for g in rv.gaps:
            d = g.data
            ev = (d.get("evidence") or "").strip()
            parts.append(f'<li class="entry gap"><p class="msg"><b>{esc(rv.gap_term(d.get("code") or ""))}</b>：'
                         f'{esc(rv.t(d.get("message") or ""))}</p>'
                         + (f'<blockquote class="ev">{esc(ev)}</blockquote>' if ev else "") + "</li>")
        parts.append("</ol>")
        miss = _missing(rv)
        if miss:
            parts.append(f"<h3>{esc(rv.t('承诺缺项'))}</h3><ul>" + "".join(f"<li>{esc(m)}</li>" for m in miss) + "</ul>")
        parts.append("</section>")
    parts.append("</main>")
    return page(title, "".join(parts), script=_INLINE_JS)

