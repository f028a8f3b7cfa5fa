"""Titled tables: the one sheet layout every table ledgerkit writes shares (frozen header,
filter, fitted widths, A4 landscape, the header on every page), and its cell formats."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from ledgerkit.layout import AUTHOR
from ledgerkit.output import FIXED_DATE
from ledgerkit.settings import Settings
from ledgerkit.xlsx_rows import Formula, RowSheet, cell_text, display_width

WIDE_PAGES = 3  # a table too wide for one page is printed three pages across, at ~8 pt
TITLE_FORMAT = {
    "font_name": "黑体",
    "font_size": 16,
    "bold": True,
    "align": "center",
    "valign": "vcenter",
}  # the title row of every table ledgerkit writes


def new_workbook(path: Path, title: str, *, in_memory: bool = False) -> Any:
    """An xlsxwriter workbook as ledgerkit writes every one: a unit's text stays text (never
    a formula, a link or a number: "=HYPERLINK(…)" from a ledger is shown, not run), and the
    properties name ledgerkit with a fixed date, so two runs on the same input give the same
    file. `in_memory`: no temporary file per part (small workbooks written many at a time)."""
    import xlsxwriter

    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    wb = xlsxwriter.Workbook(str(path), {**options, "in_memory": in_memory})
    wb.set_properties({"title": title, "author": AUTHOR, "created": FIXED_DATE})
    return wb


class Styles:
    """The workbook's cell formats, made once."""

    def __init__(self, wb: Any, settings: Settings) -> None:
        # every cell has its border: a chart's sheet prints no gridlines (they would frame the
        # empty cells under the chart), so its table's grid is the cells' own
        base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter", "border": 1}
        places = "0" * settings.rate_decimals
        rate = f"0.{places}%" if places else "0%"
        shown = "#,##0" + ("." + "0" * settings.money_decimals if settings.money_decimals else "")
        self.title = wb.add_format(TITLE_FORMAT)
        self.header = wb.add_format(
            {
                **base,
                "bold": True,
                "align": "center",
                "text_wrap": True,
                "border": 1,
                "bg_color": "#DDEBF7",
            }
        )
        self.text = wb.add_format({**base, "text_wrap": True})
        self.money = wb.add_format({**base, "num_format": "#,##0.00"})
        self.int = wb.add_format({**base, "num_format": "0"})
        self.pct = wb.add_format({**base, "num_format": "0.0%"})
        self.error = wb.add_format({**base, "text_wrap": True, "bg_color": "#FFC7CE"})
        self.warning = wb.add_format({**base, "text_wrap": True, "bg_color": "#FFEB9C"})
        self.shown_money = wb.add_format({**base, "num_format": shown})
        self.rate = wb.add_format({**base, "num_format": rate})
        self.rate_red = wb.add_format({**base, "num_format": rate, "bg_color": "#FFC7CE"})
        self.rate_yellow = wb.add_format({**base, "num_format": rate, "bg_color": "#FFEB9C"})
        self.points = wb.add_format({**base, "num_format": "0." + places if places else "0"})
        self.bold = wb.add_format({**base, "bold": True})


def table_sheet(
    wb: Any,
    styles: Styles,
    name: str,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[tuple[Any, Any]]],
    max_width: int = 40,
    charted: bool = False,
    key_columns: int = 0,
) -> Any:
    """A titled table: frozen header, filter, fitted widths, A4 landscape, header on every page.
    `rows` yields cells as (value, format). A sheet a chart draws from is `charted`: its cells
    stay in xlsxwriter's table, where the chart finds the values it caches. A table too wide
    for one page names its `key_columns` (序号 … 项目名称): it is printed at a readable size
    across pages, those columns repeated on each, instead of shrunk to one page's width."""
    ws = wb.add_worksheet(name, worksheet_class=None if charted else RowSheet)
    ws.merge_range(0, 0, 0, max(len(headers) - 1, 1), cell_text(title), styles.title)
    ws.set_row(0, 30)
    widths = [min(display_width(h) + 2, 14) for h in headers]  # long headers wrap
    for c, h in enumerate(headers):
        ws.write_string(1, c, cell_text(h), styles.header)  # a unit's own header, made safe
    if charted:
        n = 0
        for n, row in enumerate(rows, start=1):
            for c, (value, fmt) in enumerate(row):
                if value is None or value == "":
                    ws.write_blank(1 + n, c, None, fmt)  # its border: no printed grid here
                _cell(ws, 1 + n, c, value, fmt)
                if isinstance(value, str):
                    widths[c] = max(widths[c], min(display_width(value) + 2, max_width))
    else:
        n = ws.add_rows(2, rows, widths, max_width)
    for c, w in enumerate(widths):
        ws.set_column(c, c, min(max(w, 6), max_width))
    ws.set_row(1, _header_height(headers, widths, max_width))
    ws.freeze_panes(2, 0)
    ws.autofilter(1, 0, max(1, 1 + n), len(headers) - 1)
    if not charted:  # the grid on paper too, for blank cells (a border each costs 0.85 s)
        ws.hide_gridlines(0)
    ws.set_paper(9)  # A4
    ws.set_landscape()
    if key_columns:
        ws.repeat_columns(0, key_columns - 1)
        ws.print_across()  # page order: across first, so a row's columns follow each other
        ws.fit_to_pages(WIDE_PAGES, 0)
    else:
        ws.fit_to_pages(1, 0)
    ws.repeat_rows(0, 1)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_footer("&C第 &P 页，共 &N 页")
    return ws


def _header_height(headers: Sequence[str], widths: list[int], max_width: int) -> float:
    """Points for the header row, so that a long header wraps onto lines that all show
    (与时间进度差（个百分点） in a column 14 wide is two lines)."""
    lines = 1
    for h, w in zip(headers, widths, strict=True):
        width = max(min(max(w, 6), max_width) - 1, 1)
        lines = max(lines, -(-display_width(h) // width))
    return 14.0 * lines + 4


def _cell(ws: Any, r: int, c: int, value: Any, fmt: Any) -> None:
    if value is None or value == "":
        return  # a blank costs a cell; the grid comes from printed gridlines instead
    elif isinstance(value, bool):
        ws.write_string(r, c, "是" if value else "否", fmt)
    elif isinstance(value, Decimal | int | float):
        ws.write_number(r, c, float(value), fmt)
    elif isinstance(value, Formula):
        ws.write_formula(r, c, value.formula, fmt, value.cached)
    else:
        ws.write_string(r, c, cell_text(value), fmt)
