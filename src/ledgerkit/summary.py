"""Write stage, summary sheets: the figures as tables a leader reads and a clerk prints.

总体情况, 分单位 (ranked, with a chart of 完成率 against 时间进度), 分类别, 分级别, 分行业,
分投资规模 and 滞后项目. Amounts and rates are written rounded half up, exactly as they are
shown, so a printed table, the bulletin and --json never disagree.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ledgerkit.fmt import WAN_PER_YI, half_up
from ledgerkit.layout import TREND_SHEET
from ledgerkit.metrics import LAGGING, SEVERE, low_label
from ledgerkit.period import Period
from ledgerkit.settings import Settings
from ledgerkit.tables import Styles, table_sheet

SLICE_SHEETS = (
    ("分县区", "by_district", "县区"),
    ("分类别", "by_category", "项目类别"),
    ("分级别", "by_level", "项目级别"),
    ("分行业", "by_sector", "行业领域"),
    ("分投资规模", "by_band", "投资规模"),
)


def add_summary_sheets(
    wb: Any, styles: Styles, figures: dict[str, Any], settings: Settings
) -> None:
    """All summary sheets, in the order a leader reads them."""
    shown = _Shown(styles, settings)
    prefix = Period.parse(figures["period"]["key"]).title(figures["region"], "")
    _overview(wb, styles, figures, shown, prefix)
    units = figures["by_unit"]
    ws = _slice_sheet(
        wb,
        styles,
        shown,
        "分单位",
        f"{prefix}重点项目推进情况（分单位）",
        "责任单位",
        units,
        ranked=True,
        targeted=any(u.get("target") for u in units),
    )
    if units:
        _rate_chart(wb, ws, len(units))
    for sheet, key, label in SLICE_SHEETS:
        if key == "by_district" and not figures.get(key):
            continue  # only a roll-up of districts' ledgers has districts
        _slice_sheet(
            wb, styles, shown, sheet, f"{prefix}重点项目推进情况（{sheet}）", label, figures[key]
        )
    _lagging_sheet(wb, styles, shown, figures, prefix)
    if figures.get("by_leader"):  # only when the units name their 包抓领导
        _leader_sheet(wb, styles, shown, figures["by_leader"], prefix)
    if figures.get("trend") and len(figures["trend"]["series"]) > 1:  # a trend needs two months
        _trend_sheet(wb, styles, shown, figures, prefix)


class _Shown:
    """Values as shown to people: money in the display unit and rates, rounded half up."""

    def __init__(self, styles: Styles, settings: Settings) -> None:
        self.styles, self.settings = styles, settings
        self.unit = settings.display_unit

    def money(self, wan: Decimal | None) -> tuple[Any, Any]:
        if wan is None:
            return None, self.styles.shown_money
        value = wan / WAN_PER_YI if self.unit == "亿元" else wan
        return half_up(value, self.settings.money_decimals), self.styles.shown_money

    def rate(self, fraction: Decimal | None, status: str = "") -> tuple[Any, Any]:
        fmt = {SEVERE: self.styles.rate_red, LAGGING: self.styles.rate_yellow}.get(
            status, self.styles.rate
        )
        if fraction is None:
            return None, fmt
        return half_up(fraction, self.settings.rate_decimals + 2), fmt

    def points(self, gap: Decimal | None) -> tuple[Any, Any]:
        if gap is None:
            return None, self.styles.points
        return half_up(gap, self.settings.rate_decimals), self.styles.points

    def status(self, status: str) -> tuple[Any, Any]:
        fmt = {SEVERE: self.styles.error, LAGGING: self.styles.warning}.get(
            status, self.styles.text
        )
        return status, fmt


def _slice_heads(label: str, shown: _Shown, ranked: bool) -> list[str]:
    money = f"（{shown.unit}）"
    return [
        "排名" if ranked else "序号",
        label,
        "项目个数",
        "已开工",
        "开工率",
        "总投资" + money,
        "年度计划投资" + money,
        "累计完成投资" + money,
        "完成率",
        "时间进度",
        "与时间进度差（个百分点）",
        low_label(shown.settings),
        "滞后项目",
        "状态",
    ]


def _slice_cells(s: dict[str, Any], shown: _Shown) -> list[tuple[Any, Any]]:
    st = shown.styles
    return [
        (s["name"], st.text),
        (s["projects"], st.int),
        (s["started"], st.int),
        shown.rate(s["start_rate"]),
        shown.money(s["total_investment"]),
        shown.money(s["annual_plan"]),
        shown.money(s["ytd_completed"]),
        shown.rate(s["completion_rate"], s["status"]),
        shown.rate(s["time_progress"]),
        shown.points(s["gap"]),
        (s["low"], st.int),
        (s["lagging"], st.int),
        shown.status(s["status"]),
    ]


def _target_cells(target: dict[str, Any] | None, shown: _Shown) -> list[tuple[Any, Any]]:
    """A unit's targets and its completion against them; blank cells when it has none."""
    if target is None:
        return [("未下达", shown.styles.text)] + [(None, shown.styles.text)] * 3
    return [
        shown.money(target["investment"]),
        shown.rate(target["completion_rate"]),
        (target["starts"], shown.styles.int),
        shown.rate(target["start_rate"]),
    ]


def _slice_sheet(
    wb: Any,
    styles: Styles,
    shown: _Shown,
    name: str,
    title: str,
    label: str,
    slices: list[dict[str, Any]],
    ranked: bool = False,
    targeted: bool = False,
) -> Any:
    def rows() -> Any:
        for n, s in enumerate(slices, start=1):
            cells = [(s["rank"] if ranked else n, styles.int), *_slice_cells(s, shown)]
            yield cells + (_target_cells(s.get("target"), shown) if targeted else [])

    heads = _slice_heads(label, shown, ranked)
    if targeted:  # units with 责任状 targets: completion against them beside the plans'
        heads += [f"年度投资目标（{shown.unit}）", "目标完成率", "开工个数目标", "开工目标完成率"]
    title = f"{title}  金额单位：{shown.unit}"
    # the ranked sheet (分单位) carries the chart of 完成率 by unit
    return table_sheet(wb, styles, name, title, heads, rows(), charted=ranked)


def _overview(wb: Any, styles: Styles, figures: dict[str, Any], shown: _Shown, prefix: str) -> None:
    o = figures["overall"]
    cats = "，".join(f"{c['name']}{c['projects']}个" for c in figures["by_category"])
    lines: list[tuple[str, tuple[Any, Any], str]] = [
        ("项目个数", (o["projects"], styles.int), "个"),
        ("其中", (cats, styles.text), ""),
        ("总投资", shown.money(o["total_investment"]), shown.unit),
        ("年度计划投资", shown.money(o["annual_plan"]), shown.unit),
        ("已开工项目", (o["started"], styles.int), "个"),
        ("开工率", shown.rate(o["start_rate"]), ""),
        ("累计完成投资", shown.money(o["ytd_completed"]), shown.unit),
        ("年度投资完成率", shown.rate(o["completion_rate"], o["status"]), ""),
        ("时间进度", shown.rate(figures["time_progress"]), ""),
        ("与时间进度差", shown.points(o["gap"]), "个百分点"),
        (low_label(shown.settings), (o["low"], styles.int), "个"),
        ("滞后项目", (o["lagging"], styles.int), "个"),
        ("总体状态", shown.status(o["status"]), ""),
    ]
    if reported := figures.get("submissions"):
        lines += [
            ("未报送单位", (_names(reported["missing"]), styles.text), ""),
            ("逾期报送单位", (_names(reported["late"]), styles.text), ""),
            ("只报数据、没有文字分析的单位", (_names(reported["data_only"]), styles.text), ""),
        ]
    rows = ([(label, styles.bold), value, (unit, styles.text)] for label, value, unit in lines)
    table_sheet(
        wb, styles, "总体情况", f"{prefix}重点项目推进总体情况", ["指标", "数值", "单位"], rows
    )


def _names(units: list[str]) -> str:
    """'尹集乡、欧庙镇（2个）', or '无'."""
    return f"{'、'.join(units)}（{len(units)}个）" if units else "无"


def _rate_chart(wb: Any, ws: Any, n: int) -> None:
    """A native chart: 完成率 by unit as columns, 时间进度 as a line across them."""
    name = ws.get_name()
    first, last = 2, 1 + n  # data rows (0-based) under the title and header rows
    columns = wb.add_chart({"type": "column"})
    columns.add_series(
        {
            "name": "完成率",
            "categories": [name, first, 1, last, 1],
            "values": [name, first, 8, last, 8],
            # at the foot of each column, where the time-progress line never crosses them
            "data_labels": {"value": True, "num_format": "0.0%", "position": "inside_base"},
        }
    )
    line = wb.add_chart({"type": "line"})
    line.add_series(
        {
            "name": "时间进度",
            "categories": [name, first, 1, last, 1],
            "values": [name, first, 9, last, 9],
            "line": {"color": "#C00000", "width": 2, "dash_type": "dash"},
            "marker": {"type": "none"},
        }
    )
    columns.combine(line)
    columns.set_title({"name": "各责任单位年度投资完成率与时间进度"})
    columns.set_y_axis({"num_format": "0%", "major_gridlines": {"visible": True}})
    columns.set_legend({"position": "bottom"})
    columns.set_size({"width": max(640, 48 * n), "height": 320})
    ws.insert_chart(last + 2, 1, columns)


LEADER_SHEET = "分领导"


def _leader_sheet(
    wb: Any, styles: Styles, shown: _Shown, leaders: list[dict[str, Any]], prefix: str
) -> None:
    """Each 包抓领导 with his projects (a project of two leaders counts for both)."""
    money = f"（{shown.unit}）"
    heads = ["序号", "包抓领导", "项目个数", "责任单位", "年度计划投资" + money]
    heads += ["累计完成投资" + money, "完成率", "与时间进度差（个百分点）", "状态"]
    heads += ["滞后项目", "存在问题（本月所报）"]

    def rows() -> Any:
        for n, s in enumerate(leaders, start=1):
            late = "、".join(str(p["name"]) for p in s["lagging_projects"])
            yield [
                (n, styles.int),
                (s["name"], styles.text),
                (s["projects"], styles.int),
                ("、".join(s["units"]), styles.text),
                shown.money(s["annual_plan"]),
                shown.money(s["ytd_completed"]),
                shown.rate(s["completion_rate"], s["status"]),
                shown.points(s["gap"]),
                shown.status(s["status"]),
                (late, styles.text),
                (s["open_problems"], styles.int),
            ]

    title = f"{prefix}重点项目推进情况（分包抓领导）  金额单位：{shown.unit}"
    table_sheet(wb, styles, LEADER_SHEET, title, heads, rows())


def _lagging_sheet(
    wb: Any, styles: Styles, shown: _Shown, figures: dict[str, Any], prefix: str
) -> None:
    heads = [
        "序号",
        "责任单位",
        "项目名称",
        "包抓领导",
        "项目类别",
        "年度计划投资（万元）",
        "累计完成投资（万元）",
        "完成率",
        "与时间进度差（个百分点）",
        "状态",
        "原因",
        "存在问题",
    ]

    def rows() -> Any:
        for n, p in enumerate(figures["lagging"], start=1):
            yield [
                (n, styles.int),
                (p["unit"], styles.text),
                (p["name"], styles.text),
                (p["leader"], styles.text),
                (p["category"], styles.text),
                (p["annual_plan"], styles.money),
                (p["ytd_completed"], styles.money),
                shown.rate(p["completion_rate"], p["status"]),
                shown.points(p["gap"]),
                shown.status(p["status"]),
                (p["reason"], styles.text),
                (p["problems"], styles.text),
            ]

    table_sheet(wb, styles, "滞后项目", f"{prefix}滞后项目清单", heads, rows())


def _trend_sheet(
    wb: Any, styles: Styles, shown: _Shown, figures: dict[str, Any], prefix: str
) -> None:
    """The year month by month: the district's series with a line chart, then each unit's
    cumulative completed investment."""
    trend = figures["trend"]
    heads = [
        "月份",
        "项目个数",
        "已开工",
        f"年度计划投资（{shown.unit}）",
        f"累计完成投资（{shown.unit}）",
        f"本月完成投资（{shown.unit}）",
        "完成率",
        "报送单位",
        "未报送单位",
    ]

    def rows() -> Any:
        for m in trend["series"]:
            yield [
                (m["period"], styles.text),
                (m["projects"], styles.int),
                (m["started"], styles.int),
                shown.money(m["annual_plan"]),
                shown.money(m["ytd_completed"]),
                shown.money(m["month_completed"]),
                shown.rate(m["completion_rate"]),
                (m["units"], styles.int),
                ("、".join(m["missing"]), styles.text),
            ]

    title = f"{prefix}重点项目逐月推进情况  金额单位：{shown.unit}"
    ws = table_sheet(wb, styles, TREND_SHEET, title, heads, rows(), charted=True)
    n = len(trend["series"])
    top = n + 4
    ws.write_string(top, 0, f"各责任单位累计完成投资（{shown.unit}）", styles.bold)
    ws.write_string(top + 1, 0, "责任单位", styles.header)
    for c, m in enumerate(trend["series"], start=1):
        ws.write_string(top + 1, c, m["period"], styles.header)
    for r, (unit, months) in enumerate(trend["unit_series"].items(), start=top + 2):
        ws.write_string(r, 0, unit, styles.text)
        by_period = {m["period"]: m for m in months}
        for c, m in enumerate(trend["series"], start=1):
            value, fmt = shown.money(by_period.get(m["period"], {}).get("ytd_completed"))
            if value is not None:
                ws.write_number(r, c, float(value), fmt)
    chart = wb.add_chart({"type": "line"})
    chart.add_series(
        {
            "name": "累计完成投资",
            "categories": [TREND_SHEET, 2, 0, 1 + n, 0],
            "values": [TREND_SHEET, 2, 4, 1 + n, 4],
            "marker": {"type": "circle"},
        }
    )
    chart.add_series(
        {
            "name": "完成率",
            "categories": [TREND_SHEET, 2, 0, 1 + n, 0],
            "values": [TREND_SHEET, 2, 6, 1 + n, 6],
            "y2_axis": True,
            "marker": {"type": "square"},
        }
    )
    chart.set_title({"name": "累计完成投资和完成率逐月变化"})
    chart.set_y_axis({"name": shown.unit, "min": 0})  # from 0: a rise is not made to look steep
    chart.set_y2_axis({"num_format": "0%", "min": 0})
    chart.set_legend({"position": "bottom"})
    ws.insert_chart(1, len(heads) + 1, chart)
