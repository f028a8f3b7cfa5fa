"""The big screen (大屏): the month's figures as one self-contained HTML file for an LED screen
or a projector, 16:9, designed for 1920×1080 and read from across a meeting hall.

One file and nothing else: every style, script, chart (inline SVG) and photo (a data: URI) is
inside it, fonts are the system's CJK fonts, and a Content-Security-Policy forbids the browser
any request, so the file works copied to the screen's PC with no network. Every text that
comes from a unit (names, reasons, problems) goes through `markupsafe`: a project called
``<script>`` shows as that text and runs nothing.

`pages()` decides which pages exist from the data there is (a page with nothing to show is
not made); `render()` writes them into the HTML. Figures are `report --json`'s (`to_json`),
so the screen and the bulletin say the same numbers.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from markupsafe import Markup

from ledgerkit.fmt import pct, points_abs, yi
from ledgerkit.metrics import LAGGING, NORMAL, SEVERE, UNREPORTED, to_json
from ledgerkit.settings import Settings

WIDTH, HEIGHT = 1920, 1080
NAME_CHARS = 12  # a unit's name on the ranking: longer ones end in …
UNITS_PER_PAGE = 14  # bars of the ranking on one page, tall enough to read from the back
LAGGING_PER_PAGE = 6  # rows of the lagging list on one page
LAGGING_PAGES = 4  # at most: the severe ones first; the rest are in the workbook
SUPERVISION_PER_PAGE = 4  # rows of a problem or node list (a problem's text runs long)
HONOUR_SIZE = 5  # units on the 红榜 and on the 黑榜
PHOTOS_PER_PAGE = 4
PHOTO_PAGES = 6  # at most 24 photos, so the file stays a few MB
FONT = '"Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "Source Han Sans SC", sans-serif'

COLOURS = {  # the status colours: 绿 / 黄 / 红, and grey for a unit that sent nothing
    NORMAL: "#22c55e",
    LAGGING: "#facc15",
    SEVERE: "#ef4444",
    UNREPORTED: "#94a3b8",
}
SEVERE_FIRST = {SEVERE: 0, LAGGING: 1, NORMAL: 2}


@dataclass(frozen=True)
class ScreenPhoto:
    """A photo shown on the screen: already downscaled JPEG bytes and what it shows."""

    project: str
    unit: str
    taken: str  # '2024-04-18', or '' when unknown
    jpeg: bytes


@dataclass(frozen=True)
class Page:
    """One screen: a key for tests and the presenter (#page=key), a title and its body."""

    key: str
    title: str
    body: Markup


# --- which pages -----------------------------------------------------------------------------


def pages(
    figures: dict[str, Any], settings: Settings, photos: Sequence[ScreenPhoto] = ()
) -> list[Page]:
    """The pages of the screen, in the order they rotate; a page appears only when its data
    exists (no trend with one month stored, no photo page without photos)."""
    f = to_json(figures)
    found = [kpi_page(f, settings)]
    found += ranking_pages(f, settings)
    found += honour_pages(f, settings)
    found += lagging_pages(f, settings)
    found += trend_pages(f, settings)
    found += supervision_pages(f, settings)
    found += photo_pages(photos)
    return found


def kpi_page(f: dict[str, Any], settings: Settings) -> Page:
    """总体情况: projects, 总投资, 年度计划, 完成, 完成率 against 时间进度, 开工率."""
    o, md, rd = f["overall"], settings.money_decimals, settings.rate_decimals
    cards = [
        _card("projects", "项目个数", o["projects"], str(o["projects"]), "个"),
        _card("total_investment", "总投资", o["total_investment"], yi(o["total_investment"], md)),
        _card("annual_plan", "年度计划投资", o["annual_plan"], yi(o["annual_plan"], md)),
        _card(
            "ytd_completed",
            f"{f['period']['span']}完成投资",
            o["ytd_completed"],
            yi(o["ytd_completed"], md),
        ),
        _card(
            "start_rate",
            "开工率",
            o["start_rate"],
            pct(o["start_rate"], rd),
            "",
            f"已开工 {o['started']} 个",
        ),
    ]
    rate, tp = o["completion_rate"], f["time_progress"]
    colour = COLOURS.get(o["status"], COLOURS[NORMAL])
    cards.append(
        Markup(
            '<div class="card" data-kpi="completion_rate" data-value="{v}">'
            '<div class="label">年度投资完成率</div>'
            '<div class="value" style="color:{c}">{shown}</div>'
            '<div class="note">时间进度 <b data-kpi="time_progress" data-value="{tpv}">{tp}</b>'
            "</div></div>"
        ).format(v=_num(rate), c=colour, shown=pct(rate, rd), tpv=_num(tp), tp=pct(tp, rd))
    )
    band = Markup(
        '<div class="band"><div class="versus" style="color:{c}">{vs}</div>{bar}{counts}</div>'
    ).format(
        c=colour,
        vs=_versus(o["gap"], rd),
        bar=_progress_bar(rate, tp, colour, rd),
        counts=_status_counts(f),
    )
    body = Markup('<div class="kpis">{}</div>{}').format(Markup("").join(cards), band)
    return Page("kpi", "总体情况", body)


def ranking_pages(f: dict[str, Any], settings: Settings) -> list[Page]:
    """The units ranked by 完成率, as bars against the time-progress line (a page per 14)."""
    units = [u for u in f["by_unit"] if u["projects"] or u["status"] == UNREPORTED]
    chunks = [units[i : i + UNITS_PER_PAGE] for i in range(0, len(units), UNITS_PER_PAGE)]
    scale = _scale([u["completion_rate"] for u in units] + [f["time_progress"]])
    out = []
    for n, chunk in enumerate(chunks, 1):
        title = "各单位投资完成率排名" + (f"（{n}/{len(chunks)}）" if len(chunks) > 1 else "")
        chart = unit_chart(chunk, f["time_progress"], scale, settings.rate_decimals)
        out.append(Page(f"ranking-{n}", title, Markup('<div class="chart">{}</div>').format(chart)))
    return out


def honour_pages(f: dict[str, Any], settings: Settings) -> list[Page]:
    """红榜 (the first units, keeping pace) and 黑榜 (the last, behind or silent)."""
    ranked = [u for u in f["by_unit"] if u["rank"] is not None and u["projects"]]
    if len(ranked) < 2:
        return []
    size = min(HONOUR_SIZE, max(1, len(ranked) // 2))
    best = [u for u in ranked[:size] if u["status"] == NORMAL]
    behind = [u for u in ranked if u["status"] != NORMAL][-size:][::-1]
    silent = [u for u in f["by_unit"] if u["status"] == UNREPORTED]
    rd = settings.rate_decimals
    body = Markup('<div class="boards">{}{}</div>').format(
        _board("红榜", "honour", best, rd, "暂无完成率达到时间进度的单位"),
        _board("黑榜", "shame", [*silent, *behind][:size], rd, "没有滞后单位"),
    )
    return [Page("boards", "红榜 · 黑榜", body)]


def lagging_pages(f: dict[str, Any], settings: Settings) -> list[Page]:
    """The lagging projects, 严重滞后 first, with why; a few pages at most (the rest are
    named in the merged workbook's 滞后项目 sheet, and the last page says how many)."""
    rows = sorted(f["lagging"], key=lambda r: (SEVERE_FIRST.get(r["status"], 3), r["gap"] or 0))
    if not rows:
        return []
    shown = rows[: LAGGING_PER_PAGE * LAGGING_PAGES]
    chunks = [shown[i : i + LAGGING_PER_PAGE] for i in range(0, len(shown), LAGGING_PER_PAGE)]
    out = []
    for n, chunk in enumerate(chunks, 1):
        more = len(rows) - len(shown) if n == len(chunks) else 0
        table = _lagging_table(chunk, settings, more)
        title = f"滞后项目 {len(rows)} 个" + (f"（{n}/{len(chunks)}）" if len(chunks) > 1 else "")
        out.append(Page(f"lagging-{n}", title, table))
    return out


def trend_pages(f: dict[str, Any], settings: Settings) -> list[Page]:
    """完成率 month by month against 时间进度, over the months of the year stored."""
    series = (f.get("trend") or {}).get("series") or []
    if len(series) < 2:
        return []
    chart = trend_chart(series, settings)
    return [Page("trend", "逐月推进趋势", Markup('<div class="chart">{}</div>').format(chart))]


def _problems(f: dict[str, Any]) -> list[dict[str, Any]]:
    """问题台账: the overdue problems, then those open for months (each once)."""
    ledger = f.get("problem_ledger") or {}
    rows = [*(ledger.get("overdue") or []), *(ledger.get("stale") or [])]
    return list({r.get("id") or id(r): r for r in rows}.values())


def _overdue_nodes(f: dict[str, Any]) -> list[dict[str, Any]]:
    return list((f.get("nodes") or {}).get("overdue") or [])


# the supervision data (问题台账, 节点计划) in the figures, when it exists: a page each, drawn
# by `_plain_table` from these columns
SUPERVISION: dict[str, tuple[str, Any, tuple[tuple[str, str], ...]]] = {
    "problems": (
        "逾期和久拖未决问题",
        _problems,
        (
            ("unit", "责任单位"),
            ("project", "项目名称"),
            ("text", "问题"),
            ("owner_unit", "负责解决"),
            ("due_text", "时限"),
        ),
    ),
    "overdue-nodes": (
        "逾期节点",
        _overdue_nodes,
        (
            ("unit", "责任单位"),
            ("name", "项目名称"),
            ("node", "节点"),
            ("planned_text", "计划时间"),
        ),
    ),
}


def supervision_pages(f: dict[str, Any], settings: Settings) -> list[Page]:
    """The hook for the supervision data: a page for each `SUPERVISION` entry whose rows
    the figures carry (problem_ledger, nodes); none while they carry none."""
    out = []
    for key, (title, rows_of, columns) in SUPERVISION.items():
        rows = rows_of(f)
        if rows:
            shown = rows[:SUPERVISION_PER_PAGE]
            body = _plain_table(shown, columns, len(rows) - len(shown))
            out.append(Page(key, f"{title} {len(rows)} 个", body))
    return out


def photo_pages(photos: Sequence[ScreenPhoto]) -> list[Page]:
    """The month's photos of 形象进度, four to a page."""
    shown = list(photos)[: PHOTOS_PER_PAGE * PHOTO_PAGES]
    chunks = [shown[i : i + PHOTOS_PER_PAGE] for i in range(0, len(shown), PHOTOS_PER_PAGE)]
    out = []
    for n, chunk in enumerate(chunks, 1):
        cells = Markup("").join(_photo_cell(p) for p in chunk)
        title = "项目形象进度" + (f"（{n}/{len(chunks)}）" if len(chunks) > 1 else "")
        rows = "one" if len(chunk) <= 2 else "two"  # one or two photos fill the page's height
        body = Markup('<div class="photos {}">{}</div>').format(rows, cells)
        out.append(Page(f"photos-{n}", title, body))
    return out


# --- charts (inline SVG) ---------------------------------------------------------------------


def unit_chart(
    units: Sequence[dict[str, Any]], time_progress: float, scale: float, rate_decimals: int
) -> Markup:
    """Horizontal bars of 完成率 coloured by status, with the time-progress line across."""
    longest = max([len(str(u["name"])) for u in units] + [4])
    # the names' column as wide as the longest name (38 px a character), up to 12 characters
    w, h, right, top, bottom = 1800, 820, 200, 70, 60
    left = 38 * min(longest, NAME_CHARS) + 110
    row = (h - top - bottom) / max(len(units), 1)
    bar_h = min(row * 0.62, 48)
    span = w - left - right

    def x(rate: float) -> float:
        return left + span * min(rate, scale) / scale

    tx = x(time_progress)
    parts = [
        Markup(
            '<line x1="{x}" y1="{y1}" x2="{x}" y2="{y2}" class="tp"/>'
            '<text x="{x}" y="{ty}" class="tplabel" text-anchor="middle">时间进度 {s}</text>'
        ).format(
            x=_f(tx), y1=top - 10, y2=h - bottom, ty=top - 24, s=pct(time_progress, rate_decimals)
        )
    ]
    for i, u in enumerate(units):
        y = top + i * row + (row - bar_h) / 2
        rate = u["completion_rate"]
        colour = COLOURS.get(u["status"], COLOURS[NORMAL])
        rank = f"{u['rank']}." if u.get("rank") else ""
        parts.append(
            Markup(
                '<text x="{lx}" y="{ty}" class="unit" text-anchor="end">{rank} {name}</text>'
            ).format(lx=left - 20, ty=_f(y + bar_h * 0.75), rank=rank, name=_short(u["name"]))
        )
        if rate is None:
            parts.append(
                Markup('<text x="{x}" y="{ty}" class="val" style="fill:{c}">{s}</text>').format(
                    x=left + 10, ty=_f(y + bar_h * 0.75), c=colour, s=u["status"]
                )
            )
            continue
        parts.append(
            Markup(
                '<rect class="bar" x="{x}" y="{y}" width="{bw}" height="{bh}" fill="{c}" '
                'data-status="{st}"/><text x="{tx}" y="{ty}" class="val" style="fill:{c}">{s}</text>'
            ).format(
                x=left,
                y=_f(y),
                bw=_f(max(x(rate) - left, 2)),
                bh=_f(bar_h),
                c=colour,
                st=u["status"],
                tx=_f(x(rate) + 14),
                ty=_f(y + bar_h * 0.75),
                s=pct(rate, rate_decimals),
            )
        )
    parts.append(_legend(w - 560, h - 8))
    return _svg(w, h, parts)


def _short(name: Any, chars: int = 12) -> str:
    """A name cut to `chars` characters with an ellipsis (the full name is in the workbook)."""
    text = str(name)
    return text if len(text) <= chars else text[: chars - 1] + "…"


def _legend(x: int, y: int) -> Markup:
    items = [(NORMAL, "正常"), (LAGGING, "滞后"), (SEVERE, "严重滞后")]
    return Markup("").join(
        Markup(
            '<rect x="{x}" y="{y}" width="28" height="28" fill="{c}"/>'
            '<text x="{tx}" y="{ty}" class="small">{t}</text>'
        ).format(x=x + i * 170, y=y - 24, c=COLOURS[s], tx=x + i * 170 + 38, ty=y, t=t)
        for i, (s, t) in enumerate(items)
    )


def trend_chart(series: Sequence[dict[str, Any]], settings: Settings) -> Markup:
    """完成率 by month (a solid line, each point labelled, 累计完成 under each month) and the
    time progress of each month (dashed)."""
    w, h, left, right, top, bottom = 1800, 820, 220, 140, 70, 140
    months = [int(str(s["period"])[5:7]) for s in series]
    rates = [s["completion_rate"] for s in series]
    scale, step = _nice([*(r for r in rates if r is not None), *(m / 12 for m in months)])
    dx = (w - left - right) / max(len(series) - 1, 1)

    def pt(i: int, rate: float) -> tuple[str, str]:
        return _f(left + i * dx), _f(h - bottom - (h - top - bottom) * min(rate, scale) / scale)

    parts = [_grid(left, w - right, top, h - bottom, scale, step)]
    tp_points = " ".join(",".join(pt(i, m / 12)) for i, m in enumerate(months))
    parts.append(Markup('<polyline class="tpline" points="{}"/>').format(tp_points))
    done = [(i, r) for i, r in enumerate(rates) if r is not None]
    line = " ".join(",".join(pt(i, r)) for i, r in done)
    parts.append(Markup('<polyline class="rate" points="{}"/>').format(line))
    rd, md = settings.rate_decimals, settings.money_decimals
    for i, r in done:
        px, py = pt(i, r)
        parts.append(
            Markup(
                '<circle cx="{x}" cy="{y}" r="12" class="dot"/>'
                '<text x="{x}" y="{ty}" class="val" text-anchor="middle">{s}</text>'
            ).format(x=px, y=py, ty=_f(float(py) - 26), s=pct(r, rd))
        )
    few = len(series) <= 6
    for i, s in enumerate(series):
        parts.append(
            Markup(
                '<text x="{x}" y="{y}" class="axis" text-anchor="middle">{m}月</text>'
                '<text x="{x}" y="{y2}" class="small" text-anchor="middle">{v}</text>'
            ).format(
                x=_f(left + i * dx),
                y=h - bottom + 50,
                y2=h - bottom + 100,
                m=months[i],
                v=f"累计{yi(s['ytd_completed'], md)}亿元" if few else yi(s["ytd_completed"], md),
            )
        )
    if not few:  # a year of months: the amounts alone under them, their name once at the left
        parts.append(
            Markup(
                '<text x="{x}" y="{y}" class="small" text-anchor="end">累计(亿元)</text>'
            ).format(x=left - 30, y=h - bottom + 100)
        )
    parts.append(
        Markup(
            '<g class="legend"><line x1="{a}" y1="20" x2="{b}" y2="20" class="rate"/>'
            '<text x="{c}" y="32">年度投资完成率</text>'
            '<line x1="{d}" y1="20" x2="{e}" y2="20" class="tpline"/>'
            '<text x="{g}" y="32">时间进度</text></g>'
        ).format(a=left, b=left + 60, c=left + 75, d=left + 420, e=left + 480, g=left + 495)
    )
    return _svg(w, h, parts)


def _grid(x0: float, x1: float, y0: float, y1: float, scale: float, step: float) -> Markup:
    lines = []
    count = round(scale / step)
    for k in range(count + 1):
        rate = step * k
        y = y1 - (y1 - y0) * k / count
        lines.append(
            Markup(
                '<line x1="{a}" y1="{y}" x2="{b}" y2="{y}" class="gridline"/>'
                '<text x="{t}" y="{ty}" class="small" text-anchor="end">{s}</text>'
            ).format(a=x0, b=x1, y=_f(y), t=x0 - 20, ty=_f(y + 10), s=pct(rate, 0))
        )
    return Markup("").join(lines)


def _svg(w: int, h: int, parts: Iterable[Markup]) -> Markup:
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}">'
        "{body}</svg>"
    ).format(w=w, h=h, body=Markup("").join(parts))


def _scale(rates: Iterable[float | None]) -> float:
    """The chart's right edge: the largest rate with room for its label, at least 50 %."""
    top = max([r for r in rates if r is not None] + [0.5])
    return top * 1.08


def _nice(rates: Iterable[float]) -> tuple[float, float]:
    """A chart's top and its grid step in round percents: (0.4, 0.1), (1.2, 0.2) …"""
    top = max([*rates, 0.1]) * 1.1
    step = 0.1 if top <= 0.6 else 0.2 if top <= 1.2 else 0.5
    return step * -(-top // step), step


def _f(value: float) -> str:
    return f"{value:.1f}"


# --- pieces ----------------------------------------------------------------------------------


def _num(value: Any) -> str:
    """A figure as report --json prints it, for the page's data-value (tests compare them)."""
    return json.dumps(value)


def _card(
    key: str, label: str, value: Any, shown: str, unit: str = "亿元", note: str = ""
) -> Markup:
    return Markup(
        '<div class="card" data-kpi="{k}" data-value="{v}"><div class="label">{l}</div>'
        '<div class="value">{s}<span class="unit">{u}</span></div><div class="note">{n}</div>'
        "</div>"
    ).format(k=key, v=_num(value), l=label, s=shown, u=unit, n=note)


def _versus(gap: Any, places: int) -> str:
    if gap is None:
        return "暂无年度计划"
    if Decimal(str(gap)) >= 0:
        return f"快于时间进度 {points_abs(gap, places)}"
    return f"慢于时间进度 {points_abs(gap, places)}"


def _progress_bar(rate: Any, tp: float, colour: str, places: int) -> Markup:
    """完成率 as a bar across the page (100 % of the plan at its end), 时间进度 as a mark."""
    width = max(0.0, min(float(rate or 0), 1.0)) * 100
    return Markup(
        '<div class="track"><div class="fill" style="width:{w}%;background:{c}"></div>'
        '<div class="mark" style="left:{t}%"><span>时间进度 {s}</span></div></div>'
    ).format(w=_f(width), c=colour, t=_f(min(tp, 1.0) * 100), s=pct(tp, places))


def _status_counts(f: dict[str, Any]) -> Markup:
    counts = {NORMAL: 0, LAGGING: 0, SEVERE: 0}
    for row in f["lagging"]:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    counts[NORMAL] = f["overall"]["projects"] - counts[LAGGING] - counts[SEVERE]
    items = Markup("").join(
        Markup(
            '<span class="count" data-status="{s}"><i style="background:{c}"></i>{s} '
            "<b>{n}</b> 个</span>"
        ).format(s=s, c=COLOURS[s], n=n)
        for s, n in counts.items()
    )
    return Markup('<div class="counts">{}</div>').format(items)


def _board(title: str, kind: str, units: Sequence[dict[str, Any]], rd: int, empty: str) -> Markup:
    rows = Markup("").join(
        Markup(
            '<tr><td class="rank">{r}</td><td class="name">{n}</td>'
            '<td class="num" style="color:{c}">{v}</td><td class="gap">{g}</td></tr>'
        ).format(
            r=u["rank"] or "—",
            n=u["name"],
            c=COLOURS.get(u["status"], COLOURS[NORMAL]),
            v=pct(u["completion_rate"], rd) if u["completion_rate"] is not None else u["status"],
            g=_versus(u["gap"], rd) if u["gap"] is not None else "",
        )
        for u in units
    ) or Markup('<tr><td class="empty" colspan="4">{}</td></tr>').format(empty)
    return Markup('<section class="board {k}"><h2>{t}</h2><table>{rows}</table></section>').format(
        k=kind, t=title, rows=rows
    )


def _lagging_table(rows: Sequence[dict[str, Any]], settings: Settings, more: int) -> Markup:
    rd = settings.rate_decimals
    body = Markup("").join(
        Markup(
            '<tr><td class="name"><i style="background:{c}"></i>{n}</td><td>{u}</td>'
            '<td>{l}</td><td class="num" style="color:{c}">{r}</td><td class="why">{w}</td></tr>'
        ).format(
            c=COLOURS.get(r["status"], COLOURS[LAGGING]),
            n=r["name"],
            u=r["unit"],
            l=r["leader"] or "",
            r=pct(r["completion_rate"], rd),
            w="；".join(t for t in (r["reason"], r["problems"]) if t),
        )
        for r in rows
    )
    note = Markup('<p class="more">另有 {} 个滞后项目，见汇总表“滞后项目”</p>').format(more)
    return Markup(
        '<table class="list lagging"><thead><tr><th>项目名称</th><th>责任单位</th><th>包抓领导</th>'
        "<th>完成率</th><th>滞后原因 / 存在问题</th></tr></thead><tbody>{}</tbody></table>{}"
    ).format(body, note if more else "")


def _plain_table(
    rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]], more: int
) -> Markup:
    # the problem's text gets the room; the other columns share the rest
    wide = {"text": 40}
    rest = (100 - sum(wide.get(k, 0) for k, _ in columns)) / max(
        sum(1 for k, _ in columns if k not in wide), 1
    )
    cols = Markup("").join(
        Markup('<col style="width:{}%">').format(_f(wide.get(k, rest))) for k, _ in columns
    )
    head = Markup("").join(Markup("<th>{}</th>").format(label) for _, label in columns)
    body = Markup("").join(
        Markup("<tr>{}</tr>").format(
            Markup("").join(Markup("<td>{}</td>").format(r.get(k) or "") for k, _ in columns)
        )
        for r in rows
    )
    note = Markup('<p class="more">另有 {} 条未列出，见问题台账和汇总表</p>').format(more)
    return Markup(
        '<table class="list"><colgroup>{}</colgroup><thead><tr>{}</tr></thead>'
        "<tbody>{}</tbody></table>{}"
    ).format(cols, head, body, note if more else "")


def _photo_cell(p: ScreenPhoto) -> Markup:
    data = base64.b64encode(p.jpeg).decode("ascii")
    return Markup(
        '<figure><img alt="" src="data:image/jpeg;base64,{d}"/>'
        "<figcaption><b>{n}</b>　{u}　{t}</figcaption></figure>"
    ).format(d=data, n=p.project, u=p.unit, t=p.taken)


# --- the file --------------------------------------------------------------------------------


def render(figures: dict[str, Any], settings: Settings, screens: Sequence[Page]) -> bytes:
    """The HTML file: every page in one document, shown one at a time."""
    f = to_json(figures)
    region = f.get("region") or settings.region or ""
    period = f["period"]
    heading = f"{region}{period['year']}年{period['span']}重点项目推进情况"
    sections = Markup("").join(
        Markup(
            '<section class="page" id="page-{k}" data-key="{k}"><header><h1>{h}</h1>'
            '<div class="sub">{t}</div></header><main>{b}</main>'
            "<footer><span>数据来源：各责任单位报送的重点项目台账</span>"
            '<span class="pageno">{n} / {total}</span></footer></section>'
        ).format(k=p.key, h=heading, t=p.title, b=p.body, n=i, total=len(screens))
        for i, p in enumerate(screens, 1)
    )
    seconds = max(int(settings.screen_seconds), 3)
    doc = Markup(_DOCUMENT).format(
        title=heading,
        css=Markup(_CSS.replace("$FONT", FONT)),
        pages=sections,
        script=Markup(_SCRIPT.replace("$SECONDS", str(seconds))),
    )
    return str(doc).encode("utf-8")


_DOCUMENT = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=1920, height=1080">
<meta name="generator" content="ledgerkit">
<title>{title}</title><style>{css}</style></head>
<body><div id="stage">{pages}</div>
<div id="paused">已暂停（空格继续）</div>
<script>{script}</script></body></html>
"""

_CSS = """
*{box-sizing:border-box;margin:0;padding:0}
html,body{width:100%;height:100%;background:#06142e;overflow:hidden}
body{font-family:$FONT;color:#f8fafc;-webkit-print-color-adjust:exact;print-color-adjust:exact}
#stage{position:absolute;left:0;top:0;width:1920px;height:1080px;transform-origin:0 0}
.page{display:none;position:absolute;inset:0;width:1920px;height:1080px;padding:0 60px;
 background:linear-gradient(180deg,#0b2350 0%,#06142e 100%)}
.page.on{display:block}
header{height:150px;display:flex;align-items:flex-end;justify-content:space-between;
 border-bottom:4px solid #38bdf8;padding-bottom:18px}
h1{font-size:56px;font-weight:700;letter-spacing:2px}
.sub{font-size:52px;font-weight:700;color:#7dd3fc}
main{height:850px;padding-top:30px;position:relative}
footer{position:absolute;left:60px;right:60px;bottom:0;height:80px;display:flex;
 align-items:center;justify-content:space-between;font-size:26px;color:#cbd5e1}
.pageno{font-size:30px;color:#f8fafc}
.kpis{display:grid;grid-template-columns:repeat(3,1fr);gap:28px}
.card{background:#102e63;border-radius:14px;padding:14px 34px;height:250px;border:2px solid #1e4b8f}
.label{font-size:40px;color:#bae6fd}
.value{font-size:104px;font-weight:700;line-height:1.2;font-variant-numeric:tabular-nums}
.unit{font-size:40px;font-weight:400;margin-left:12px;color:#e2e8f0}
.note{font-size:32px;color:#e2e8f0}
.note b{color:#fff}
.band{margin-top:26px;background:#102e63;border-radius:14px;padding:12px 34px 16px;
 border:2px solid #1e4b8f;height:250px}
.versus{font-size:46px;font-weight:700}
.track{position:relative;height:30px;background:#334155;border-radius:15px;margin:44px 0 26px}
.fill{height:30px;border-radius:15px}
.mark{position:absolute;top:-14px;width:8px;height:58px;background:#fff;margin-left:-4px}
.mark span{position:absolute;bottom:62px;left:-120px;width:240px;text-align:center;font-size:28px}
.counts{font-size:40px;display:flex;gap:70px;align-items:center}
.count i,.name i{display:inline-block;width:30px;height:30px;border-radius:50%;margin-right:12px;
 vertical-align:-3px}
.count b{font-size:52px}
.chart svg{display:block;margin:0 auto}
svg text{fill:#f8fafc;font-family:$FONT}
svg .unit{font-size:38px;fill:#f8fafc}
svg .val{font-size:38px;font-weight:700;paint-order:stroke;stroke:#0a1d42;stroke-width:12px;
 stroke-linejoin:round}
svg .tp{stroke:#fff;stroke-width:5;stroke-dasharray:16 10}
svg .tplabel{font-size:34px;font-weight:700;fill:#fff}
svg .gridline{stroke:#334155;stroke-width:2}
svg .axis{font-size:40px}
svg .small{font-size:30px;fill:#cbd5e1}
svg .rate{stroke:#38bdf8;stroke-width:8;fill:none}
svg .tpline{stroke:#fff;stroke-width:5;stroke-dasharray:16 10;fill:none}
svg .dot{fill:#38bdf8;stroke:#fff;stroke-width:4}
svg .legend text{font-size:32px}
.boards{display:grid;grid-template-columns:1fr 1fr;gap:50px}
.board{background:#102e63;border-radius:14px;padding:20px 36px;height:800px}
.board h2{font-size:60px;text-align:center;padding:6px 0 16px;border-bottom:3px solid}
.board.honour h2{color:#fde047;border-color:#fde047}
.board.shame h2{color:#f8fafc;border-color:#64748b}
.board table{width:100%;border-collapse:collapse;margin-top:10px}
.board td{font-size:42px;padding:20px 8px;border-bottom:1px solid #1e4b8f;white-space:nowrap}
.board .rank{width:80px;color:#bae6fd}
.board .name{max-width:360px;overflow:hidden;text-overflow:ellipsis}
.board .num{font-weight:700;text-align:right}
.board .gap{font-size:30px;color:#cbd5e1;text-align:right}
.board .empty{text-align:center;color:#cbd5e1}
.list{width:100%;border-collapse:collapse;table-layout:fixed}
.list th{font-size:36px;color:#bae6fd;text-align:left;padding:12px 14px;border-bottom:3px solid #38bdf8}
.list td{font-size:34px;padding:14px;border-bottom:1px solid #1e4b8f;vertical-align:top;
 overflow:hidden;display:table-cell}
.lagging th:nth-child(1){width:34%}.lagging th:nth-child(2){width:15%}
.lagging th:nth-child(3){width:11%}.lagging th:nth-child(4){width:11%}
.list td.name{font-weight:700}
.list td.num{font-weight:700;font-size:40px}
.list td.why{font-size:30px;color:#e2e8f0}
.list td>*,.list td{word-break:break-all}
.list tbody tr{height:100px}
.list td{max-height:100px;line-height:1.3}
.more{font-size:32px;color:#cbd5e1;margin-top:18px}
.photos{display:grid;grid-template-columns:1fr 1fr;grid-template-rows:1fr 1fr;gap:24px;height:800px}
.photos.one{grid-template-rows:1fr}
.photos figure{position:relative;background:#000;border-radius:10px;overflow:hidden}
.photos img{width:100%;height:100%;object-fit:contain;display:block}
.photos figcaption{position:absolute;left:0;right:0;bottom:0;padding:10px 18px;font-size:32px;
 background:rgba(6,20,46,.82);white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
#paused{display:none;position:fixed;right:30px;top:20px;font-size:28px;padding:8px 18px;
 background:#facc15;color:#000;border-radius:8px}
body.paused #paused{display:block}
@page{size:1920px 1080px;margin:0}
@media print{
 html,body{overflow:visible;height:auto;background:#06142e}
 #stage{position:static;transform:none!important;width:auto;height:auto}
 .page{display:block;position:relative;break-after:page;page-break-after:always}
 #paused{display:none!important}
}
"""

_SCRIPT = """(function () {
  var pages = Array.prototype.slice.call(document.querySelectorAll('.page'));
  var stage = document.getElementById('stage');
  var seconds = $SECONDS, current = 0, paused = false, timer = null;
  function fit() {
    var s = Math.min(window.innerWidth / 1920, window.innerHeight / 1080) || 1;
    stage.style.transform = 'translate(' + (window.innerWidth - 1920 * s) / 2 + 'px,' +
      (window.innerHeight - 1080 * s) / 2 + 'px) scale(' + s + ')';
  }
  function show(n) {
    if (!pages.length) return;
    current = (n + pages.length) % pages.length;
    pages.forEach(function (p, i) { p.classList.toggle('on', i === current); });
  }
  function restart() {
    if (timer) clearInterval(timer);
    timer = setInterval(function () { if (!paused) show(current + 1); }, seconds * 1000);
  }
  function pause(on) {
    paused = on === undefined ? !paused : !!on;
    document.body.classList.toggle('paused', paused);
  }
  document.addEventListener('keydown', function (e) {
    var k = e.key;
    if (k === 'ArrowRight' || k === 'ArrowDown' || k === 'PageDown') { show(current + 1); restart(); }
    else if (k === 'ArrowLeft' || k === 'ArrowUp' || k === 'PageUp') { show(current - 1); restart(); }
    else if (k === 'Home') { show(0); restart(); }
    else if (k === 'End') { show(pages.length - 1); restart(); }
    else if (k === ' ' || k === 'p' || k === 'P' || k === 'Pause' || k === '.') { pause(); }
    else { return; }
    e.preventDefault();
  });
  window.addEventListener('resize', fit);
  var wanted = /page=([\\w-]+)/.exec(location.hash);
  var start = 0;
  if (wanted) {
    pages.forEach(function (p, i) { if (p.getAttribute('data-key') === wanted[1]) start = i; });
    paused = true;  // held on the page asked for (a screenshot), without the pause banner
  }
  fit(); show(start); restart();
  window.ledgerkitScreen = { show: show, pause: pause, count: pages.length,
    current: function () { return current; } };
})();"""
