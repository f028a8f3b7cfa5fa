"""问题台账.xlsx: the problem ledger written for the clerk, and the clerk's edits read back.

The workbook has the ledger (问题台账) and a very hidden sheet (原值) holding what ledgerkit
wrote in each editable column: an edit is a cell that differs from what was written, so a
status ledgerkit inferred (未办结) and left alone never pins the inference of later months.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledgerkit.errors import UnreadableFile
from ledgerkit.output import atomic_write
from ledgerkit.problems import EDITABLE, STATUS_WORDS, STATUSES, Ledger, Problem, month_label
from ledgerkit.tables import TITLE_FORMAT, new_workbook
from ledgerkit.xlsx_rows import close_fast, display_width

SHEET = "问题台账"
WRITTEN_SHEET = "原值"
ID_HEADER = "编号"
# (header, Problem attribute, width, editable)
COLUMNS = (
    (ID_HEADER, "id", 13, False),
    ("项目责任单位", "unit", 9, False),
    ("项目名称", "project", 16, False),
    ("存在问题", "text", 26, False),
    ("问题类别", "topic", 10, False),
    ("问题责任单位", "owner_unit", 10, True),
    ("责任人", "owner", 8, True),
    ("时限", "due", 10, True),
    ("状态", "status", 7, True),
    ("首次报告", "first_period", 9, False),
    ("最近报告", "last_period", 9, False),
    ("持续月数", "months_open", 6, False),
    ("办理情况", "handling", 20, True),
    ("备注", "note", 18, True),
    ("识别依据", "matched", 16, False),
)
HEADER_ROW = 2  # 0-based: title, note, header
HEADER_OF = {attr: head for head, attr, _, _ in COLUMNS}


def write_ledger(led: Ledger, out: Path, title: str) -> None:
    """The ledger as 问题台账.xlsx (open problems first, then by unit and ID)."""
    atomic_write(out, lambda tmp: _write(led, tmp, title), "问题台账")


SHOWN_ORDER = ("逾期", "待核销", "未办结", "已办结")  # what needs the clerk first


def _order(p: Problem) -> tuple[int, str, str]:
    return (SHOWN_ORDER.index(p.status), p.unit, p.id)


def _write(led: Ledger, path: Path, title: str) -> None:
    wb = new_workbook(path, title)
    base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter", "border": 1}
    heading = {**base, "bold": True, "align": "center", "text_wrap": True}
    head = wb.add_format({**heading, "bg_color": "#DDEBF7"})
    head_edit = wb.add_format({**heading, "bg_color": "#FFE699"})
    cell = wb.add_format({**base, "text_wrap": True})
    edit = wb.add_format({**base, "text_wrap": True, "bg_color": "#FFF2CC"})
    red = wb.add_format({**base, "text_wrap": True, "bg_color": "#FFF2CC", "font_color": "#C00000"})
    ws = wb.add_worksheet(SHEET)
    last = len(COLUMNS) - 1
    ws.merge_range(0, 0, 0, last, title, wb.add_format(TITLE_FORMAT))
    ws.set_row(0, 26)
    counts = "，".join(f"{s}{sum(1 for p in led.problems if p.status == s)}个" for s in STATUSES)
    ws.write_string(
        1,
        0,
        f"共{len(led.problems)}个问题：{counts}。黄色各列可直接修改（状态、时限、责任单位、责任人、"
        "办理情况、备注），下次运行 ledgerkit problems 时读回并保留。",
    )
    for c, (header, _, width, editable) in enumerate(COLUMNS):
        ws.write_string(HEADER_ROW, c, header, head_edit if editable else head)
        ws.set_column(c, c, width)
    problems = sorted(led.problems, key=_order)
    ws.set_row(HEADER_ROW, 28)
    for r, p in enumerate(problems, start=HEADER_ROW + 1):
        lines = 1
        for c, (_, attr, width, editable) in enumerate(COLUMNS):
            value = _shown(p, attr)
            fmt = (red if attr == "status" and p.status == "逾期" else edit) if editable else cell
            ws.write(r, c, value, fmt)
            lines = max(lines, -(-display_width(str(value)) // max(width - 1, 1)))
        ws.set_row(r, 13.5 * lines)  # Excel does not grow a row for wrapped text written so
    end = HEADER_ROW + max(len(problems), 1) + 200
    status_col = [a for _, a, _, _ in COLUMNS].index("status")
    ws.data_validation(
        HEADER_ROW + 1,
        status_col,
        end,
        status_col,
        {"validate": "list", "source": list(STATUSES), "error_type": "warning"},
    )
    ws.freeze_panes(HEADER_ROW + 1, 3)
    ws.autofilter(HEADER_ROW, 0, HEADER_ROW + max(len(problems), 1), last)
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(HEADER_ROW)
    _written_sheet(wb, problems)
    close_fast(wb)


def _shown(p: Problem, attr: str) -> Any:
    value = getattr(p, attr)
    if attr in ("first_period", "last_period"):
        return f"{value[:4]}年{month_label(value)}"
    return value


def _written_sheet(wb: Any, problems: Sequence[Problem]) -> None:
    ws = wb.add_worksheet(WRITTEN_SHEET)
    ws.write_row(0, 0, [ID_HEADER, *EDITABLE])
    for r, p in enumerate(problems, start=1):
        ws.write_row(r, 0, [p.id, *(str(getattr(p, f)) for f in EDITABLE)])
    ws.very_hidden()


# --- the clerk's edits -------------------------------------------------------------------------


@dataclass(frozen=True)
class Edits:
    """What the clerk changed in a 问题台账.xlsx: (id, field, value or None = taken back),
    and what could not be taken (rows without a known ID), each with its cell."""

    changes: tuple[tuple[str, str, str | None], ...]
    left: tuple[str, ...] = ()


def is_problem_book(path: Path) -> bool:
    """A 问题台账.xlsx ledgerkit wrote (it has the hidden 原值 sheet)."""
    try:
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True)
        try:
            return SHEET in wb.sheetnames and WRITTEN_SHEET in wb.sheetnames
        finally:
            wb.close()
    except Exception:  # any file that is not such a workbook
        return False


def read_edits(path: Path) -> Edits:
    """The clerk's edits of a 问题台账.xlsx ledgerkit wrote. UnreadableFile when it cannot be
    read or is not one."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:
        raise UnreadableFile(path.name, f"问题台账无法读取（{exc}）") from exc
    if SHEET not in wb.sheetnames or WRITTEN_SHEET not in wb.sheetnames:
        raise UnreadableFile(path.name, f"不是 ledgerkit 写出的问题台账（没有“{SHEET}”工作表）")
    written = _written(wb[WRITTEN_SHEET])
    ws = wb[SHEET]
    rows = list(ws.iter_rows(values_only=True))
    at = next((i for i, r in enumerate(rows) if r and _text(r[0]) == ID_HEADER), None)
    if at is None:
        raise UnreadableFile(path.name, f"“{SHEET}”工作表找不到“{ID_HEADER}”表头")
    cols = {_text(h): c for c, h in enumerate(rows[at]) if _text(h)}
    changes: list[tuple[str, str, str | None]] = []
    left: list[str] = []
    for n, row in enumerate(rows[at + 1 :], start=at + 2):
        pid = _text(row[0]) if row else ""
        if pid not in written:
            if any(_text(v) for v in row):
                left.append(f"{path.name} {SHEET}!A{n}：这一行没有 ledgerkit 的编号，未读入")
            continue
        for name in EDITABLE:
            c = cols.get(HEADER_OF[name])
            if c is None:
                continue
            value = _text(row[c]) if c < len(row) else ""
            if value != written[pid].get(name, ""):
                changes.extend(_change(pid, name, value, written[pid]))
    return Edits(tuple(changes), tuple(left))


def _change(pid: str, name: str, value: str, was: dict[str, str]) -> list[tuple[str, str, Any]]:
    """One edited cell as store edits: a status nobody knows goes into 备注 as typed; a
    status or 时限 emptied gives the choice back to ledgerkit."""
    if name == "status" and value and value not in STATUS_WORDS:
        note = "；".join(x for x in (was.get("note", ""), f"状态填写为“{value}”") if x)
        return [(pid, "note", note)]
    if name in ("status", "due") and not value:
        return [(pid, name, None)]
    return [(pid, name, value)]


def _written(ws: Any) -> dict[str, dict[str, str]]:
    rows = list(ws.iter_rows(values_only=True))
    if not rows:
        return {}
    names = [_text(h) for h in rows[0]]
    return {_text(r[0]): dict(zip(names[1:], map(_text, r[1:]), strict=False)) for r in rows[1:]}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def keep_copy(path: Path) -> Path:
    """A copy of the clerk's file beside it before it is replaced (rows it could not take)."""
    copy = path.with_name(f"{path.stem}（上次）{path.suffix}")
    shutil.copy2(path, copy)
    return copy
