"""The batch index: every document worst first, with charts of areas and gaps, the per-unit
overview, filters and sortable columns (``reports/assets/index.js``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from reports.html_escape import css_class, esc, url
from reports.html_page import area_colours, area_style, asset, page, short
from reports.review import VERDICT_ZH, Review, in_script
from reports.triage import rank, severity
from reports.units import NO_UNIT, expected_types, unit_overview

VERDICT_ORDER = {"return": 0, "improve": 1, "pass": 2, "error": 3}
#: The gap rule kind that reports priority areas no finding speaks to (pipeline/profile.py GAP_KINDS).
UNCOVERED_KIND = "uncovered_areas"


def _area_missing(rv: Review) -> set[str]:
    """Priority areas the record's uncovered-area gaps name (matched by their short label)."""
    out = set()
    for g in rv.gaps:
        if (rv.profile.gaps.get(g.data.get("code") or "") or {}).get("kind") != UNCOVERED_KIND:
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
    areas = list(prof.areas)
    probs = Counter(e.area for r in ok for e in r.problems)
    comms = Counter(e.area for r in ok for e in r.commitments)
    missing = Counter(a for r in ok for a in _area_missing(r))
    area_rows = []
    for a in areas:
        lab = prof.areas[a].get("short") or a
        colour = area_colours(prof.areas[a])[0]
        right = f"{probs[a]} / {comms[a]}" + (f"，{missing[a]}份未涉及" if missing[a] else "")
        area_rows.append((lab, [(probs[a], colour, f"{lab}：问题 {probs[a]} 条"),
                                (comms[a], colour + "80", f"{lab}：承诺 {comms[a]} 条")], right, f"area=has:{a}"))
    docs_with = Counter(c for r in ok for c in sorted({str(g.data.get("code")) for g in r.gaps}))
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
    if not reviews:
        return ""
    prof = reviews[0].profile
    units = unit_overview([r.record for r in reviews], prof)
    named = [u for u in units if u.unit != NO_UNIT]
    if not named:
        return ""
    expected = expected_types(prof)
    incomplete = sum(1 for u in named if u.missing)
    head = "".join(f"<th>{esc(h)}</th>" for h in ["单位", "份数", *[prof.type_label(t) for t in expected], "缺少"])
    rows = []
    for u in units:
        cells = [f"<td>{esc(u.unit)}</td>", f'<td class="num">{u.count}</td>']
        for t in expected:
            docs = u.documents.get(t, [])
            cells.append(f'<td title="{esc("、".join(docs))}">{len(docs) or "—"}</td>')
        miss = "、".join(prof.type_label(t) for t in u.missing)
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
    gap_count = Counter(c for r in ordered for c in sorted({str(g.data.get("code")) for g in r.gaps}))
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
    return page(title, body, script=asset("index.js"), body_class="index", style=area_style(prof.areas) if prof else "")


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
