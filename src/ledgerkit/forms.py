"""Next month's ledger forms: each unit's own workbook, pre-filled with its projects.

Most bad data is born when a unit retypes its projects in a layout of its own. A form has the
one layout the reader understands best: the unit's projects from the last merge (with a
hidden code column so they keep their identity), drop-downs for category, level and 是否开工,
money cells that accept only numbers ≥ 0, the header and identity cells protected, and a
help sheet with the rules and the deadline. A unit with no history gets the same form empty.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from ledgerkit.errors import LedgerkitError
from ledgerkit.nodes import Node, write_form_sheet
from ledgerkit.output import atomic_write, file_stem, unique_stem
from ledgerkit.parallel import ordered_map
from ledgerkit.period import Period
from ledgerkit.project import FIELDS, Project, name_key
from ledgerkit.read import column_letter
from ledgerkit.schema import load_schema
from ledgerkit.settings import Settings
from ledgerkit.tables import TITLE_FORMAT, new_workbook
from ledgerkit.xlsx_rows import RowSheet, close_fast, display_width

BLANK_ROWS = 10  # bordered empty rows for projects the unit adds …
OPEN_ROWS = 2000  # … and as many more as it needs below them: unlocked, validated
MONEY_RULE = {
    "validate": "decimal",
    "criteria": ">=",
    "value": 0,
    "error_title": "只能填数字",
    "error_message": "金额请填写不小于 0 的数字，单位万元，不要带“万元”等文字。",
}


@dataclass(frozen=True)
class FormColumn:
    header: str
    key: str  # the canonical field it holds
    width: int
    prefilled: bool = False  # filled from the last merge
    locked: bool = False  # protected: identity and reference
    kind: str = "text"  # text | money | list


COLUMNS = (
    FormColumn("项目编码", "code", 14, True, True),
    FormColumn("序号", "seq", 5, True, True),
    FormColumn("项目名称", "name", 34, True, True),
    FormColumn("项目类别", "category", 9, True, kind="category"),
    FormColumn("项目级别", "level", 10, True, kind="level"),
    FormColumn("行业领域", "sector", 10, True),
    FormColumn("包抓领导", "leader", 9, True),
    FormColumn("总投资（万元）", "total_investment", 12, True, kind="money"),
    FormColumn("年度计划投资（万元）", "annual_plan", 12, True, kind="money"),
    FormColumn("上月累计完成投资（万元）", "last_ytd", 12, True, True, kind="money"),
    FormColumn("本月完成投资（万元）", "month_completed", 12, kind="money"),
    FormColumn("累计完成投资（万元）", "ytd_completed", 12, kind="money"),
    FormColumn("是否开工", "started", 8, True, kind="started"),
    FormColumn("计划开工时间", "planned_start", 11, True),
    FormColumn("实际开工时间", "actual_start", 11),
    FormColumn("计划竣工时间", "planned_finish", 11, True),
    FormColumn("形象进度", "progress", 30),
    FormColumn("存在问题", "problems", 24),
    # the problem ledger reads these: when the problem must be solved, and what was done
    FormColumn("解决时限", "problem_due", 11),
    FormColumn("解决情况", "problem_done", 20),
    FormColumn("下步计划", "next_steps", 24),
)
HEADER_ROW = 2


def project_code(unit: str, name: str) -> str:
    """A stable code for a project that has none: the same unit and name give the same code."""
    digest = hashlib.sha1(f"{unit}|{name_key(name)}".encode()).hexdigest()[:10].upper()
    return f"LK{digest}"


def write_forms(
    projects: Iterable[Project],
    units: list[str],
    period: Period,
    settings: Settings,
    folder: Path,
    nodes: Sequence[Node] = (),
    on_done: Callable[[int, int], None] | None = None,
) -> list[Path]:
    """One form per unit in `units` for `period`, pre-filled with that unit's `projects` (of
    the last merge, as the history store keeps them), with a 节点 sheet pre-filled from
    `nodes` (last month's), on every core; `on_done(done, total)` follows them. Returns the
    files written; raises the first unit's error, in order."""
    by_unit: dict[str, list[Project]] = {u: [] for u in units}
    for p in projects:
        if p.unit in by_unit:
            by_unit[p.unit].append(p)
    jobs: list[tuple[Path, str, list[Project], Period, Settings, list[Node]]] = []
    taken: set[str] = set()
    for unit, rows in by_unit.items():
        # a unit's text names the file: "../../x", "C:\x" or "CON" must stay a name in `folder`
        out = folder / f"{unique_stem(file_stem(period.title(unit, '重点项目台账')), taken)}.xlsx"
        mine = [n for n in nodes if n.unit == unit]
        jobs.append((out, unit, rows, period, settings, mine))
    for error in ordered_map(_write_form, jobs, on_done):
        if error is not None:
            raise error
    return [job[0] for job in jobs]


def _write_form(
    job: tuple[Path, str, list[Project], Period, Settings, list[Node]],
) -> LedgerkitError | None:
    """One unit's form, written on whichever core (`parallel`); the error that stopped it is
    handed back, to be raised in order, not in the process that met it."""
    out, unit, rows, period, settings, nodes = job
    write = partial(_form, unit=unit, rows=rows, period=period, settings=settings, nodes=nodes)
    try:
        atomic_write(out, write, "填报表")
    except LedgerkitError as exc:
        return exc
    return None


def _form(
    path: Path,
    unit: str,
    rows: list[Project],
    period: Period,
    settings: Settings,
    nodes: Sequence[Node] = (),
) -> None:
    wb = new_workbook(path, f"{unit}重点项目台账", in_memory=True)
    f = _Formats(wb)
    ws = wb.add_worksheet("台账", worksheet_class=RowSheet)
    last = len(COLUMNS) - 1
    ws.merge_range(
        # the title units write themselves, which the reader takes the period from
        0,
        0,
        0,
        last,
        f"{unit}{period.year}年重点项目推进台账（{period.span}）",
        f.title,
    )
    ws.write_string(1, 0, f"填报单位：{unit}", f.note)
    ws.write_string(1, last - 2, "单位：万元", f.note)
    for c, col in enumerate(COLUMNS):
        ws.write_string(HEADER_ROW, c, col.header, f.header)
        ws.set_column(  # every empty cell of the column is open: a unit adds what it needs
            c,
            c,
            max(col.width, min(display_width(col.header) // 2 + 2, 14)),
            f.money if col.kind == "money" else f.open,
            {"hidden": col.key == "code"},
        )
    ws.set_row(HEADER_ROW, 36)
    first = HEADER_ROW + 1
    end = first + len(rows) + BLANK_ROWS - 1
    open_row = [(None, f.money if col.kind == "money" else f.open) for col in COLUMNS]
    table = itertools.chain(
        (_prefilled_row(n, unit, p, f) for n, p in enumerate(rows, start=1)),
        itertools.repeat(open_row, BLANK_ROWS),
    )
    # the column widths are set above: the writer's fitting of them is not used
    ws.add_rows(first, table, [0] * len(COLUMNS), 255, blanks=True, heights=False)
    _validations(ws, first, max(end, first + OPEN_ROWS))
    ws.freeze_panes(first, 3)
    ws.protect(
        "",
        {
            "format_columns": True,
            "format_rows": True,
            "autofilter": True,
            "select_locked_cells": True,
            "select_unlocked_cells": True,
        },
    )
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0, HEADER_ROW)
    name_col = column_letter([c.key for c in COLUMNS].index("name"))
    names = f"=台账!${name_col}${first + 1}:${name_col}${end + 1}"
    write_form_sheet(wb, [str(p.name or "") for p in rows], nodes, names)
    _help_sheet(wb, f, unit, period, settings)
    close_fast(wb)  # also keeps a project named "<r>…</r>" as text


def _prefilled_row(n: int, unit: str, p: Project, f: _Formats) -> list[tuple[Any, Any]]:
    """The project's row of the form as (value, format) cells: numbers as numbers, 是/否 as
    the drop-down offers them, the rest as text; a blank keeps its cell's format."""
    values = {
        **{k: getattr(p, k) for k in FIELDS},
        "seq": n,
        "last_ytd": p.ytd_completed,
        "code": p.code or project_code(unit, str(p.name or "")),
    }
    cells: list[tuple[Any, Any]] = []
    for col in COLUMNS:
        value = values.get(col.key) if col.prefilled else None
        fmt = (
            (f.locked_money if col.kind == "money" else f.locked)
            if col.locked
            else (f.money if col.kind == "money" else f.open)
        )
        if isinstance(value, bool):
            value = "是" if value else "否"  # as the drop-down offers it
        if value is None or value == "":
            cells.append((None, fmt))
        elif col.kind == "money" or (isinstance(value, int) and not isinstance(value, bool)):
            cells.append((float(value), fmt))
        else:
            cells.append((str(value), fmt))
    return cells


def _validations(ws: Any, first: int, end: int) -> None:
    schema = load_schema()
    for c, col in enumerate(COLUMNS):
        if col.kind == "money" and not col.locked:
            ws.data_validation(first, c, end, c, MONEY_RULE)
        elif col.kind == "category":
            ws.data_validation(
                first,
                c,
                end,
                c,
                {
                    "validate": "list",
                    "source": list(schema.category_names),
                    "error_title": "项目类别",
                    "error_message": f"请从下拉列表选择：{'、'.join(schema.category_names)}。",
                },
            )
        elif col.kind == "level":
            ws.data_validation(
                first,
                c,
                end,
                c,
                {
                    "validate": "list",
                    "source": [*schema.level_names, f"{schema.level_names[1]}、列入市考核"],
                    "error_type": "information",
                    "error_title": "项目级别",
                    "error_message": "一般从下拉列表选择；有多个标签时用顿号分开，如“市级、列入市考核”。",
                },
            )
        elif col.kind == "started":
            ws.data_validation(
                first,
                c,
                end,
                c,
                {
                    "validate": "list",
                    "source": ["是", "否"],
                    "error_title": "是否开工",
                    "error_message": "请填“是”或“否”。",
                },
            )


class _Formats:
    def __init__(self, wb: Any) -> None:
        base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter", "border": 1}
        self.title = wb.add_format(TITLE_FORMAT)
        self.note = wb.add_format({"font_name": "宋体", "font_size": 10})
        self.header = wb.add_format(
            {**base, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#DDEBF7"}
        )
        self.locked = wb.add_format({**base, "bg_color": "#F2F2F2", "text_wrap": True})
        self.locked_money = wb.add_format({**base, "bg_color": "#F2F2F2", "num_format": "#,##0.00"})
        self.open = wb.add_format({**base, "locked": False, "text_wrap": True})
        self.money = wb.add_format({**base, "locked": False, "num_format": "#,##0.00"})
        self.wrap = wb.add_format(
            {"font_name": "宋体", "font_size": 11, "text_wrap": True, "valign": "top"}
        )


def _help_sheet(wb: Any, f: _Formats, unit: str, period: Period, settings: Settings) -> None:
    due = period.deadline(settings.deadline_day)
    lines = [
        period.title(unit, "重点项目台账填报说明"),
        f"1. 请于{due.year}年{due.month}月{due.day}日前报送本表（{settings.region or '区'}重点项目办）。",
        "2. 金额单位一律为万元，只填数字，不要写“万元”“亿元”等文字；没有的填 0 或留空。",
        "3. 灰色单元格（项目名称、上月累计完成投资）和表头请勿修改；上月累计完成投资仅供对照。",
        "4. “累计完成投资”填 1 月 1 日至本月底的累计数，不应小于上月累计；“本月完成投资”填本月新增。",
        "5. 项目类别、项目级别、是否开工请从下拉列表选择。",
        "6. 形象进度、存在问题、下步计划请如实填写文字，不要只报数据。",
        "7. 新增项目填在表格下方的空行里，空行不够时接着往下填；项目名称有变动的，请在“存在问题”中注明原名称。",
        "8. 请不要插入或删除列，不要删除隐藏的“项目编码”列，不要另存为其他格式。",
        "9. 存在问题有几个的，写成“1.…2.…”；每个问题写明解决时限；已解决的问题在“解决情况”中写“已解决”"
        "和解决结果，区里据此核销。",
        "10. “节点”表列出各项目的节点计划（已预填上月报送的），节点完成后填写实际完成时间。",
    ]
    ws = wb.add_worksheet("填表说明")
    ws.set_column(0, 0, 100)
    for r, line in enumerate(lines):
        ws.write_string(r, 0, line, f.title if r == 0 else f.wrap)
