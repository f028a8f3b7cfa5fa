"""Write stage, the three lists: 三个清单.xlsx with a 汇总 sheet (each list's totals and the
figure it is judged by, their sum and the whole) and a sheet per list, each ending in its own
合计 row. Money in 万元 as the ledgers give it; rates as shown (四舍五入)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from ledgerkit.fmt import half_up, pct, points_abs
from ledgerkit.output import atomic_write
from ledgerkit.settings import Settings
from ledgerkit.tables import Styles, new_workbook, table_sheet

Cell = tuple[Any, Any]
COMMON = [
    "序号",
    "责任单位",
    "项目名称",
    "总投资（万元）",
    "年度计划投资（万元）",
    "累计完成投资（万元）",
    "完成率",
]
OWN = {  # each list's own columns: what it is judged by
    "preliminary": ["是否开工", "计划开工时间", "开工情况"],
    "new": ["是否开工", "与时间进度差（个百分点）", "状态"],
    "continuing": ["与时间进度差（个百分点）", "状态"],
    "finishing": ["计划竣工时间", "是否竣工", "是否投产"],
    "other": ["项目类别（台账所填）"],
}


def write_lists(data: dict[str, Any], out: Path, title: str, settings: Settings) -> None:
    """三个清单.xlsx, atomically (OutputLocked when it is open in Excel or WPS)."""
    atomic_write(out, lambda tmp: _write(data, tmp, title, settings), "三个清单")


def _write(data: dict[str, Any], path: Path, title: str, settings: Settings) -> None:
    wb = new_workbook(path, title)
    styles = Styles(wb, settings)
    _overview(wb, styles, data, title, settings)
    for lst in data["lists"]:
        heads = COMMON + OWN[lst["key"]] + ["来源"]
        table_sheet(
            wb,
            styles,
            lst["title"][:31],
            f"{title}：{lst['title']}（{lst['judged_by'].split('：')[0]}）",
            heads,
            _rows(lst, styles, settings),
            max_width=30,
        )
    wb.close()


def _overview(
    wb: Any, styles: Styles, data: dict[str, Any], title: str, settings: Settings
) -> None:
    heads = [
        "清单",
        "项目个数",
        "总投资（万元）",
        "年度计划投资（万元）",
        "累计完成投资（万元）",
        "完成率",
        "按什么考核",
        "考核指标",
    ]
    d = settings.rate_decimals

    def rows() -> Iterator[list[Cell]]:
        for lst in data["lists"]:
            t = lst["totals"]
            yield [
                (lst["title"], styles.text),
                *_sums(t, styles, settings),
                (lst["judged_by"], styles.text),
                (judged_text(lst["key"], t, d), styles.text),
            ]
        added = {
            k: sum((lst["totals"][k] for lst in data["lists"]), Decimal(0))
            for k in ("projects", "total_investment", "annual_plan", "ytd_completed")
        }
        added["completion_rate"] = (
            added["ytd_completed"] / added["annual_plan"] if added["annual_plan"] else None
        )
        verdict = "与全部项目一致" if data["adds_up"] else "与全部项目不一致，请核对"
        blank = ("", styles.text)
        yield [
            ("各清单合计", styles.bold),
            *_sums(added, styles, settings),
            blank,
            (verdict, styles.text),
        ]
        yield [("全部项目", styles.bold), *_sums(data["whole"], styles, settings), blank, blank]

    table_sheet(wb, styles, "汇总", f"{title}：三个清单汇总", heads, rows(), max_width=44)


def judged_text(key: str, t: dict[str, Any], d: int) -> str:
    """The list's own figure in words, with the counts it came from."""
    if key == "preliminary":
        return (
            f"应开工{t['due']}个，已开工{t['done']}个，开工率{pct(t['judged'], d)}；"
            f"逾期未开工{t['overdue']}个"
        )
    if key == "new":
        return f"完成投资占年度计划{pct(t['judged'], d)}；滞后项目{t['lagging']}个"
    if key == "continuing":
        if t["judged"] is None:
            return "无年度计划，无法与时间进度比较"
        side = "低于" if t["judged"] < 0 else "高于"
        return f"完成率{side}时间进度{points_abs(t['judged'], d)}；滞后项目{t['lagging']}个"
    if key == "finishing":
        if t["judged"] is None:
            return f"已竣工{t['finished']}个；台账没有“是否投产”列，投产率无数据"
        return f"已竣工{t['finished']}个，已投产{t['done']}个，投产率{pct(t['judged'], d)}"
    return ""


def _sums(t: dict[str, Any], styles: Styles, settings: Settings) -> list[Cell]:
    return [
        (t["projects"], styles.int),
        (t["total_investment"], styles.money),
        (t["annual_plan"], styles.money),
        (t["ytd_completed"], styles.money),
        _rate(t["completion_rate"], styles, settings),
    ]


def _rate(value: Decimal | None, styles: Styles, settings: Settings) -> Cell:
    return (None if value is None else half_up(value, settings.rate_decimals + 2), styles.rate)


def _rows(lst: dict[str, Any], styles: Styles, settings: Settings) -> Iterator[list[Cell]]:
    for n, p in enumerate(lst["projects"], 1):
        yield [
            (n, styles.int),
            (p["unit"], styles.text),
            (p["name"], styles.text),
            (p["total_investment"], styles.money),
            (p["annual_plan"], styles.money),
            (p["ytd_completed"], styles.money),
            _rate(p["completion_rate"], styles, settings),
            *_own(lst["key"], p, styles, settings),
            (p["source"], styles.text),
        ]
    t = lst["totals"]
    yield [
        ("合计", styles.bold),
        (f"{t['projects']}个项目", styles.bold),
        ("", styles.text),
        (t["total_investment"], styles.money),
        (t["annual_plan"], styles.money),
        (t["ytd_completed"], styles.money),
        _rate(t["completion_rate"], styles, settings),
        *[("", styles.text)] * len(OWN[lst["key"]]),
        ("", styles.text),
    ]


def _own(key: str, p: dict[str, Any], styles: Styles, settings: Settings) -> list[Cell]:
    gap = (
        None if p["gap"] is None else half_up(p["gap"], settings.rate_decimals),
        styles.points,
    )
    if key == "preliminary":
        return [
            (p["started"], styles.text),
            (p["planned_start"], styles.text),
            (p["start_state"], styles.warning if p["start_state"] == "逾期未开工" else styles.text),
        ]
    if key == "new":
        return [(p["started"], styles.text), gap, (p["status"], styles.text)]
    if key == "continuing":
        return [gap, (p["status"], styles.text)]
    if key == "finishing":
        return [
            (p["planned_finish"], styles.text),
            (p["finished"], styles.text),
            (p["in_production"], styles.text),
        ]
    return [(p["category"], styles.text)]
