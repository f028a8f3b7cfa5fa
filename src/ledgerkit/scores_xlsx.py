"""Write stage, the 考核 workbook: 考核得分 (one row per unit: each item's points, the rescaling,
the bonuses and deductions, the total and the rank), 得分明细 (every item of every unit with the
figures it came from) and 考核规则 (the rules in words)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from ledgerkit.fmt import half_up
from ledgerkit.output import atomic_write
from ledgerkit.scoring import COUNT, NO_DATA
from ledgerkit.settings import Settings
from ledgerkit.tables import Styles, new_workbook, table_sheet

Cell = tuple[Any, Any]


def write_scores(scores: dict[str, Any], out: Path, title: str, settings: Settings) -> None:
    atomic_write(out, lambda tmp: _write(scores, tmp, title, settings), "考核表")


def _write(scores: dict[str, Any], path: Path, title: str, settings: Settings) -> None:
    wb = new_workbook(path, title)
    styles = Styles(wb, settings)
    # points to two decimals (56.75), the total bold; the factor to four (1.25)
    base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter", "border": 1}
    styles.points = wb.add_format({**base, "num_format": "0.00"})
    styles.bold = wb.add_format({**base, "num_format": "0.00", "bold": True})
    factor_fmt = wb.add_format({**base, "num_format": "0.0000"})
    table = scores["table"]
    items = [i["item"] for i in table[0]["items"]] if table else []
    heads = [
        "排名",
        "责任单位",
        *[f"{i}（分）" for i in items],
        "折算系数",
        "加减分",
        "总分",
        "榜单",
    ]
    heroes = {h["unit"] for h in scores["heroes"]}
    black = {b["unit"] for b in scores["black"]}

    def rows() -> Iterator[list[Cell]]:
        for t in table:
            board = "红榜" if t["unit"] in heroes else "黑榜" if t["unit"] in black else ""
            yield [
                (t["rank"], styles.int),
                (t["unit"], styles.text),
                *[
                    (NO_DATA if i["points"] is None else i["points"], styles.points)
                    for i in t["items"]
                ],
                (None if t["factor"] is None else half_up(t["factor"], 4), factor_fmt),
                (t["extra"], styles.points),
                (t["total"], styles.bold),
                (board, styles.error if board == "黑榜" else styles.text),
            ]

    table_sheet(wb, styles, "考核得分", f"{title}（{scores['rules_name']}）", heads, rows())
    _details(wb, styles, scores, title, settings)
    _rules(wb, styles, scores, title)
    wb.close()


def _details(
    wb: Any, styles: Styles, scores: dict[str, Any], title: str, settings: Settings
) -> None:
    heads = ["责任单位", "考核项目", "满分 / 每个（次）", "指标值", "计算依据", "得分", "说明"]

    def rows() -> Iterator[list[Cell]]:
        for t in scores["table"]:
            for i in t["items"]:
                yield [
                    (t["unit"], styles.text),
                    (i["item"], styles.text),
                    (i["per"] if i["kind"] == COUNT else i["weight"], styles.points),
                    _value(i, styles, settings),
                    (i["inputs"], styles.text),
                    (NO_DATA if i["points"] is None else i["points"], styles.points),
                    (i["note"], styles.text),
                ]
            factor = t["factor"]
            how = (
                ""
                if factor is None or factor == 1
                else f"有数据各项得分{t['rate_points']}分 × 折算系数{half_up(factor, 4)} = {t['rescaled']}分"
            )
            yield [
                (t["unit"], styles.bold),
                ("总分", styles.bold),
                (None, styles.text),
                (None, styles.text),
                (how, styles.text),
                (t["total"], styles.bold),
                (f"第{t['rank']}名" if t["rank"] else "", styles.text),
            ]

    table_sheet(wb, styles, "得分明细", f"{title}：得分明细", heads, rows(), max_width=50)


def _value(i: dict[str, Any], styles: Styles, settings: Settings) -> Cell:
    if i["value"] is None:
        return (NO_DATA, styles.text)
    if i["kind"] == COUNT:
        return (i["value"], styles.int)
    return (half_up(Decimal(i["value"]), settings.rate_decimals + 2), styles.rate)


def _rules(wb: Any, styles: Styles, scores: dict[str, Any], title: str) -> None:
    lines = [
        *scores["rules"],
        (
            "无数据的考核项目不计分，其余各项按权重折算到满分"
            if scores["no_data_rule"] == "折算"
            else "无数据的考核项目按满分计"
        ),
        "末月未报送台账的单位，各比率项目不得分",
    ]
    rows = ([(n, styles.int), (text, styles.text)] for n, text in enumerate(lines, 1))
    table_sheet(
        wb, styles, "考核规则", f"{scores['rules_name']}", ["序号", "规则"], rows, max_width=80
    )
