"""Milestones (节点): each project's nodes with planned and actual dates, from the 节点 sheet
of a unit's form and from its ledger's 计划开工时间 / 实际开工时间 / 计划竣工时间 columns.

A 节点 sheet is told by its name (节点, 节点计划) or by a header row naming 项目名称 and 节点
(`is_node_sheet`): it is never read as a project list. `read_nodes` reads it at the book level
(loading.load_file); `month_nodes` joins them to the month's projects and adds the nodes the
columns give, a 节点 sheet's row winning over a column for the same project and node.
A node is due when its planned date is on or before the month's end; due and not done is
`node-overdue`, and a planned finish passed without 竣工 is `finish-overdue`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ledgerkit.fmt import half_up
from ledgerkit.issues import Issue, issue
from ledgerkit.period import Period, month_text
from ledgerkit.project import name_key
from ledgerkit.read.book import column_letter
from ledgerkit.values import clean_text, parse_date

if TYPE_CHECKING:
    from ledgerkit.metrics import Assessed
    from ledgerkit.read import RawBook, RawSheet
    from ledgerkit.store import Kept, Store

SHEET = "节点"
SHEET_NAMES = ("节点", "节点计划", "节点计划表", "项目节点")
USUAL = ("立项", "用地", "规划", "环评", "施工许可", "开工", "主体完工", "竣工", "投产")
START, FINISH = "开工", "竣工"
# header -> field of a 节点 sheet (compared after clean_text, without spaces)
HEADERS = {
    "项目名称": "name",
    "节点": "node",
    "节点名称": "node",
    "计划完成时间": "planned",
    "计划时间": "planned",
    "计划日期": "planned",
    "计划完成日期": "planned",
    "实际完成时间": "actual",
    "实际时间": "actual",
    "实际日期": "actual",
    "实际完成日期": "actual",
    "完成时间": "actual",
    "说明": "note",
    "备注": "note",
    # the 节点 sheet of a merged workbook: many units, and where each row came from
    "责任单位": "unit",
    "来源文件": "file",
    "来源工作表": "sheet",
    "来源行": "row",
}
DONE_WORDS = ("已完成", "完成", "已办结", "已取得", "已开工", "已竣工", "是", "√")
FINISHED_TEXT = ("已竣工", "竣工验收", "已完工", "已投产", "建成投用", "已建成")
HEADER_LOOK = 6  # rows looked through for a 节点 sheet's header


@dataclass(frozen=True)
class Node:
    """One milestone of one project."""

    name: str  # the project's name as written
    node: str  # 开工, 环评 …
    planned: str = ""  # ISO date ('2024-03' or '2024-03-15'), or as typed
    actual: str = ""  # ISO date, or '已完成' when done with no date
    note: str = ""
    unit: str = ""
    key: str = ""  # the project's store key, once joined to the month's projects
    source: str = SHEET  # 节点 (a 节点 sheet) or 台账 (the ledger's date columns)
    file: str = ""
    sheet: str = ""
    row: int = 0

    @property
    def done(self) -> bool:
        return bool(self.actual)

    def due_by(self, period: Period) -> bool:
        """Planned on or before the month's end (a month alone: that month)."""
        return _is_iso(self.planned) and self.planned[:10] <= period.end

    def overdue(self, period: Period) -> bool:
        return self.due_by(period) and not self.done

    def on_time(self) -> bool:
        """Done by its planned date (a done node with no date counts as on time)."""
        if not self.done:
            return False
        if not _is_iso(self.actual):
            return True
        return self.actual[: len(self.planned)] <= self.planned

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_ISO = re.compile(r"\d{4}-\d{2}(-\d{2})?")


def _is_iso(text: str) -> bool:
    return len(text) >= 7 and _ISO.fullmatch(text[:10]) is not None


# --- reading a 节点 sheet ----------------------------------------------------------------


def _header_at(sheet: RawSheet) -> tuple[int, dict[str, int]] | None:
    for r, row in enumerate(sheet.rows[:HEADER_LOOK]):
        cols: dict[str, int] = {}
        for c, value in enumerate(row):
            f = HEADERS.get(re.sub(r"\s", "", clean_text(value)) if value is not None else "")
            if f and f not in cols:
                cols[f] = c
        filled = sum(1 for v in row if v not in (None, ""))
        # a ledger with a 节点 column among its money columns is a ledger, not a 节点 sheet
        if {"name", "node", "planned"} <= cols.keys() and filled <= len(cols) + 2:
            return r, cols
    return None


def is_node_sheet(sheet: RawSheet) -> bool:
    """A 节点 sheet: named so, or headed 项目名称, 节点, 计划完成时间 (and little else):
    never a project list."""
    return sheet.name.strip() in SHEET_NAMES or _header_at(sheet) is not None


def read_nodes(book: RawBook, unit: str) -> tuple[tuple[Node, ...], tuple[Issue, ...]]:
    """The nodes of every 节点 sheet of a book, for `unit`; a date that is no date is kept
    as typed with a `bad-date` finding at its cell."""
    nodes: list[Node] = []
    found: list[Issue] = []
    for sheet in book.sheets:
        at = _header_at(sheet) if is_node_sheet(sheet) else None
        if at is None:
            continue
        header, cols = at
        name = ""
        for r, row in enumerate(sheet.rows[header + 1 :], start=header + 2):
            cell = {f: (row[c] if c < len(row) else None) for f, c in cols.items()}
            name = clean_text(cell["name"]) if cell["name"] not in (None, "") else name
            node = clean_text(cell["node"]) if cell["node"] is not None else ""
            if not name or not node:
                continue  # a project's name is written once over its nodes (merged down)
            dates = {}
            for f in ("planned", "actual"):
                dates[f], bad = _date(cell.get(f), f == "actual")
                if bad:
                    where = f"{column_letter(cols[f])}{r}"
                    label = "计划完成时间" if f == "planned" else "实际完成时间"
                    found.append(
                        issue("bad-date", book.label, sheet.name, where, field=label, text=bad)
                    )
            text = {f: clean_text(cell.get(f)) if cell.get(f) is not None else "" for f in TEXTS}
            origin = (text["file"], text["sheet"], _row(cell.get("row"))) if text["file"] else None
            nodes.append(
                Node(
                    name,
                    node,
                    dates["planned"],
                    dates["actual"],
                    text["note"],
                    text["unit"] or unit,
                    file=origin[0] if origin else book.label,
                    sheet=origin[1] if origin else sheet.name,
                    row=origin[2] if origin else r,
                )
            )
    return tuple(nodes), tuple(found)


TEXTS = ("note", "unit", "file", "sheet")


def _row(value: Any) -> int:
    try:
        return int(float(str(value)))
    except ValueError:
        return 0


def _date(value: Any, actual: bool) -> tuple[str, str]:
    """(the date as kept, the text when it is no date)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return "", ""
    if actual and isinstance(value, str) and clean_text(value) in DONE_WORDS:
        return "已完成", ""
    try:
        return parse_date(value) or "", ""
    except ValueError:
        text = clean_text(value)
        return text, text


# --- the month's nodes ---------------------------------------------------------------------


def month_nodes(sheet_nodes: Iterable[Node], kept: Sequence[Kept]) -> list[Node]:
    """The month's nodes: those of the 节点 sheets joined to their projects (by unit and
    name), then 开工 / 竣工 from the ledger's columns where no sheet row gives them."""
    sheet_nodes = list(sheet_nodes)
    # keyed only when some unit sent a 节点 sheet: name_key for every project costs 0.1 s a
    # 22,000-project month that has none
    by_name = (
        {(k.project.unit or "", name_key(k.project.name)): k for k in kept} if sheet_nodes else {}
    )
    out: list[Node] = []
    for n in sheet_nodes:
        k = by_name.get((n.unit, name_key(n.name)))
        key = k.key if k else f"name:{n.unit}|{name_key(n.name)}"
        out.append(replace(n, key=key, name=str(k.project.name) if k else n.name))
    have = {(n.key, n.node) for n in out}
    for k in kept:
        out.extend(n for n in _from_columns(k) if (n.key, n.node) not in have)
    return out


def _from_columns(k: Kept) -> list[Node]:
    p = k.project
    src = p.origin or p.source
    name, unit = str(p.name or ""), p.unit or ""
    out = []
    planned = str(p.planned_start or "")
    actual = str(p.actual_start or "")
    if _is_iso(planned) or _is_iso(actual):
        done = actual if _is_iso(actual) else ("已完成" if p.started else "")
        out.append(
            Node(name, START, planned, done, "", unit, k.key, "台账", src.file, src.sheet, src.row)
        )
    finish = str(p.planned_finish or "")
    if _is_iso(finish):
        done = "已完成" if any(w in str(p.progress or "") for w in FINISHED_TEXT) else ""
        out.append(
            Node(name, FINISH, finish, done, "", unit, k.key, "台账", src.file, src.sheet, src.row)
        )
    return out


def check(
    nodes: Sequence[Node], period: Period, letters: Mapping[tuple[str, str], str] | None = None
) -> list[Issue]:
    """`finish-overdue` for a 竣工 planned on or before the month's end and not done,
    `node-overdue` for any other node; at the 节点 sheet's row, or at the ledger's
    计划竣工时间 cell (`letters`: (file, field) -> column). The 开工 of a project not started
    after its planned start is already 严重滞后 (metrics), and is left to that."""
    out = []
    end = month_text(period.end[:7])
    for n in nodes:
        if not n.overdue(period) or (n.node == START and n.source == "台账"):
            continue
        column = "A" if n.source == SHEET else (letters or {}).get((n.file, "planned_finish"), "")
        where = (n.file, n.sheet, f"{column}{n.row}" if column and n.row else "")
        planned = _shown(n.planned)
        if n.node == FINISH:
            out.append(issue("finish-overdue", *where, name=n.name, planned=planned, end=end))
        else:
            out.append(
                issue("node-overdue", *where, name=n.name, node=n.node, planned=planned, end=end)
            )
    return out


def _shown(iso: str) -> str:
    """'2024-03-15' -> '2024年3月15日', '2024-03' -> '2024年3月'."""
    parts = iso.split("-")
    if len(parts) == 3:
        return f"{parts[0]}年{int(parts[1])}月{int(parts[2])}日"
    return month_text(iso) if len(parts) == 2 else iso


def name_overdue(
    assessed: Sequence[Assessed], keys: Sequence[str], nodes: Sequence[Node], period: Period
) -> list[Assessed]:
    """A lagging project's reason names its overdue nodes ('环评节点逾期（计划2024年3月）');
    `keys` are the projects' store keys, in the same order."""
    late: dict[str, list[Node]] = {}
    for n in nodes:
        if n.overdue(period) and not (n.node == START and n.source == "台账"):
            late.setdefault(n.key, []).append(n)
    out = []
    for a, key in zip(assessed, keys, strict=True):
        if a.status != "正常" and late.get(key):
            named = "、".join(f"{n.node}节点逾期（计划{_shown(n.planned)}）" for n in late[key])
            a = replace(a, reason="；".join(x for x in (a.reason, named) if x))
        out.append(a)
    return out


# --- figures -------------------------------------------------------------------------------


def summary(nodes: Sequence[Node], period: Period) -> dict[str, Any]:
    """节点完成率 (done ÷ due by the month's end), 节点按期率 (done on time ÷ due), and the
    overdue nodes, for the bulletin and the notices."""
    due = [n for n in nodes if n.due_by(period)]
    done = [n for n in due if n.done]
    return {
        "due": len(due),
        "done": len(done),
        "completion_rate": _rate(len(done), len(due)),
        "on_time_rate": _rate(sum(1 for n in due if n.on_time()), len(due)),
        "overdue": [
            {**n.to_dict(), "planned_text": _shown(n.planned)}
            for n in due
            if not n.done and not (n.node == START and n.source == "台账")
        ],
    }


def _rate(part: int, whole: int) -> Decimal | None:
    return None if not whole else Decimal(part) / Decimal(whole)


def on_time_rate(store: Store, period: str, unit: str | None = None) -> float | None:
    """节点按期率 of a stored month, % (one decimal; None with no node due), for one unit or
    all: nodes done by their planned date ÷ nodes due by the month's end."""
    return _percent(store, period, unit, "on_time_rate")


def completion_rate(store: Store, period: str, unit: str | None = None) -> float | None:
    """节点完成率 of a stored month, %: nodes done ÷ nodes due by the month's end."""
    return _percent(store, period, unit, "completion_rate")


def _percent(store: Store, period: str, unit: str | None, which: str) -> float | None:
    nodes = [n for n in store.nodes(period) if unit is None or n.unit == unit]
    value = summary(nodes, Period.parse(period))[which]
    return None if value is None else float(half_up(value * 100, 1))


# --- the 节点 sheet of the merged workbook -------------------------------------------------------

LEDGER_HEADERS: tuple[str, ...] = (
    "序号",
    "责任单位",
    "项目名称",
    "节点",
    "计划完成时间",
    "实际完成时间",
    "说明",
)
LEDGER_HEADERS += ("状态", "来源文件", "来源工作表", "来源行")


def ledger_rows(nodes: Sequence[Node], period: Period) -> list[list[Any]]:
    """The 节点 sheets' rows as the merged workbook keeps them (read back by `read_nodes`,
    so `report` and `history rebuild` have them); the column-made 开工/竣工 are not repeated:
    项目明细 holds their dates."""
    rows: list[list[Any]] = []
    for n in (n for n in nodes if n.source == SHEET):
        state = "已完成" if n.done else ("逾期" if n.overdue(period) else "未到期")
        cells = [n.unit, n.name, n.node, n.planned, n.actual, n.note, state, n.file, n.sheet]
        rows.append([len(rows) + 1, *cells, n.row])
    return rows


# --- the 节点 sheet of next month's form -------------------------------------------------------

FORM_COLUMNS = (
    ("项目名称", 32),
    ("节点", 12),
    ("计划完成时间", 14),
    ("实际完成时间", 14),
    ("说明", 30),
)
FORM_HEADER_ROW = 2
FORM_OPEN_ROWS = 300  # rows with the drop-downs for nodes the unit adds


def form_rows(names: Sequence[str], last: Sequence[Node]) -> list[tuple[str, str, str, str, str]]:
    """The 节点 sheet's rows: each project's nodes of last month's 节点 sheet, in order (a
    project with none gets one row with its name, for the unit to fill)."""
    by_name: dict[str, list[Node]] = {}
    for n in last:
        if n.source == SHEET:
            by_name.setdefault(name_key(n.name), []).append(n)
    rows = []
    for name in names:
        mine = by_name.get(name_key(name), [])
        rows += [(name, n.node, n.planned, n.actual, n.note) for n in mine] or [
            (name, "", "", "", "")
        ]
    return rows


def write_form_sheet(
    wb: Any, names: Sequence[str], last: Sequence[Node], ledger_range: str
) -> None:
    """The 节点 sheet of a unit's form (xlsxwriter): pre-filled from last month, the usual
    nodes in a drop-down (others may be typed), project names from the ledger sheet's
    `ledger_range` ('=台账!$C$4:$C$40')."""
    base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter", "border": 1}
    head = wb.add_format({**base, "bold": True, "align": "center", "bg_color": "#DDEBF7"})
    cell = wb.add_format({**base, "text_wrap": True})
    ws = wb.add_worksheet(SHEET)
    ws.write_string(
        0, 0, "项目节点计划", wb.add_format({"font_name": "宋体", "bold": True, "font_size": 14})
    )
    ws.set_row(0, 24)
    ws.write_string(
        1,
        0,
        "每个节点一行：节点从下拉列表选择（也可填写其他节点），日期写成 2024-06-30 或 2024年6月；"
        "节点完成后填写实际完成时间。已预填上月报送的节点，请核对更新。",
        wb.add_format({"font_name": "宋体", "font_size": 10}),
    )
    for c, (header, width) in enumerate(FORM_COLUMNS):
        ws.write_string(FORM_HEADER_ROW, c, header, head)
        ws.set_column(c, c, width)
    rows = form_rows(names, last)
    for r, row in enumerate(rows, start=FORM_HEADER_ROW + 1):
        for c, value in enumerate(row):
            ws.write_string(r, c, value, cell)
    first, end = FORM_HEADER_ROW + 1, FORM_HEADER_ROW + len(rows) + FORM_OPEN_ROWS
    for r in range(FORM_HEADER_ROW + 1 + len(rows), FORM_HEADER_ROW + 1 + len(rows) + 10):
        for c in range(len(FORM_COLUMNS)):
            ws.write_blank(r, c, None, cell)
    ws.data_validation(
        first,
        1,
        end,
        1,
        {
            "validate": "list",
            "source": list(USUAL),
            "error_type": "information",
            "error_title": "节点",
            "error_message": "一般从下拉列表选择；其他节点可以直接填写。",
        },
    )
    if names:
        ws.data_validation(
            first,
            0,
            end,
            0,
            {
                "validate": "list",
                "source": ledger_range,
                "error_type": "information",
                "error_title": "项目名称",
                "error_message": "请选择台账里的项目名称，与台账一致才能对上。",
            },
        )
    ws.freeze_panes(first, 1)
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(FORM_HEADER_ROW)
