"""Write stage: the merged ledger as a workbook a clerk can read, filter and print.

Written with xlsxwriter (3x faster than openpyxl) into a temporary file that replaces the
output only when complete, so a failed run never leaves half a workbook. Text from units is
always written as text: a name starting with "=" is never a formula in the district's book.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from ledgerkit.errors import OutputLocked
from ledgerkit.merge import FAILED, MERGED, MergeResult
from ledgerkit.normalise import (
    BLANK,
    DETAIL_SHEET,
    FOOTER,
    HEADER,
    REPORTED,
    SECTION,
    SUBTOTAL,
    TITLE,
    TOTAL,
)
from ledgerkit.read import column_letter
from ledgerkit.schema import load_schema
from ledgerkit.settings import Settings

# Fixed, so that two runs over the same files give the same workbook properties.
FIXED_DATE = dt.datetime(2000, 1, 1)
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
MAX_CELL = 32767
TITLE_FORMAT = {
    "font_name": "黑体",
    "font_size": 16,
    "bold": True,
    "align": "center",
    "valign": "vcenter",
}  # the title row of every table ledgerkit writes
SEVERITY_LABEL = {"error": "错误", "warning": "警告", "info": "提示"}
STATUS_LABEL = {MERGED: "已汇总", FAILED: "读取失败", "skipped": "已跳过"}


def write_workbook(
    result: MergeResult,
    out: Path,
    title: str,
    figures: dict[str, Any] | None = None,
    settings: Settings | None = None,
) -> None:
    """Write the merged ledger (and, given the figures, the summary sheets in front of it) to
    `out` atomically. Raises OutputLocked if the file is open in Excel or WPS."""
    atomic_write(out, lambda tmp: _write(result, tmp, title, figures, settings or Settings()))


def atomic_write(out: Path, write: Callable[[Path], object]) -> None:
    """Let `write` fill a temporary file beside `out`, then put it in place in one step, so
    a failure leaves the previous file as it was. Raises OutputLocked if `out` is open."""
    lock = out.with_name("~$" + out.name)
    if lock.exists():
        raise OutputLocked(f"“{out.name}”正在 Excel/WPS 中打开，请先关闭它再运行")
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".ledgerkit-", suffix=out.suffix, dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.replace(tmp, out)
    except PermissionError as exc:
        raise OutputLocked(
            f"无法写入“{out}”：文件可能正在 Excel/WPS/Word 中打开，请先关闭它再运行"
        ) from exc
    finally:
        tmp.unlink(missing_ok=True)


def _write(
    result: MergeResult,
    path: Path,
    title: str,
    figures: dict[str, Any] | None,
    settings: Settings,
) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(
        str(path),
        {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    wb.set_properties({"title": title, "author": "ledgerkit", "created": FIXED_DATE})
    styles = Styles(wb, settings)
    if figures is not None:
        from ledgerkit.summary import add_summary_sheets

        add_summary_sheets(wb, styles, figures, settings)
    _detail_sheet(wb, styles, result, title)
    _issues_sheet(wb, styles, result)
    _files_sheet(wb, styles, result)
    wb.close()


class Styles:
    """The workbook's cell formats, made once."""

    def __init__(self, wb: Any, settings: Settings) -> None:
        base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
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


def _text(value: Any) -> str:
    """A unit's text made safe for the XML of a workbook (control characters, 32,767 chars)."""
    text = str(value)
    if not text.isprintable():  # rare: only then look for characters XML cannot hold
        text = _ILLEGAL_XML.sub("", text)
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def display_width(text: str) -> int:
    """Width in Excel character units: a Chinese character is two. (UTF-8 spends three bytes on
    a CJK character and one on ASCII, so this counts without a loop over characters.)"""
    return (len(text.encode("utf-8", "replace")) + len(text)) // 2


def table_sheet(
    wb: Any,
    styles: Styles,
    name: str,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[tuple[Any, Any]]],
    max_width: int = 40,
) -> Any:
    """A titled table: frozen header, filter, fitted widths, A4 landscape, header on every page.
    `rows` yields cells as (value, format)."""
    ws = wb.add_worksheet(name)
    ws.merge_range(0, 0, 0, max(len(headers) - 1, 1), _text(title), styles.title)
    ws.set_row(0, 30)
    widths = [min(display_width(h) + 2, 14) for h in headers]  # long headers wrap
    for c, h in enumerate(headers):
        ws.write_string(1, c, _text(h), styles.header)  # a unit's own header, made safe
    n = 0
    for n, row in enumerate(rows, start=1):
        for c, (value, fmt) in enumerate(row):
            _cell(ws, 1 + n, c, value, fmt)
            if isinstance(value, str):
                widths[c] = max(widths[c], min(display_width(value) + 2, max_width))
    for c, w in enumerate(widths):
        ws.set_column(c, c, min(max(w, 6), max_width))
    ws.freeze_panes(2, 0)
    ws.autofilter(1, 0, max(1, 1 + n), len(headers) - 1)
    ws.hide_gridlines(0)  # the grid, on screen and on paper, for blank cells too
    ws.set_paper(9)  # A4
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0, 1)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_footer("&C第 &P 页，共 &N 页")
    return ws


def _cell(ws: Any, r: int, c: int, value: Any, fmt: Any) -> None:
    if value is None or value == "":
        return  # a blank costs a cell; the grid comes from printed gridlines instead
    elif isinstance(value, bool):
        ws.write_string(r, c, "是" if value else "否", fmt)
    elif isinstance(value, Decimal | int | float):
        ws.write_number(r, c, float(value), fmt)
    elif isinstance(value, _Formula):
        ws.write_formula(r, c, value.formula, fmt, value.cached)
    else:
        ws.write_string(r, c, _text(value), fmt)


class _Formula:
    def __init__(self, formula: str, cached: Any) -> None:
        self.formula, self.cached = formula, cached


# --- 项目明细 --------------------------------------------------------------------------------

SOURCE_HEADERS = ("来源文件", "来源工作表", "来源行")


def detail_keys(result: MergeResult) -> list[str]:
    """The canonical fields in the detail sheet, in schema order; an optional field (县区,
    上月累计) only when some project has it."""
    schema = load_schema()
    frame = result.projects
    return [
        k
        for k, f in schema.fields.items()
        if k not in ("unit", "seq") and (not f.optional or (k in frame and frame[k].notna().any()))
    ]


def detail_headers(result: MergeResult) -> list[str]:
    """The detail sheet's headers: canonical labels (money in 万元), extras, the source."""
    schema = load_schema()
    heads = ["序号", schema.fields["unit"].label]
    for key in detail_keys(result):
        f = schema.fields[key]
        heads.append(f"{f.label}（万元）" if f.kind in ("money", "reference") else f.label)
    return heads + result.extra_columns + list(SOURCE_HEADERS)


def _detail_sheet(wb: Any, styles: Styles, result: MergeResult, title: str) -> None:
    keys = detail_keys(result)
    extras = result.extra_columns
    letters = {k: column_letter(2 + i) for i, k in enumerate(keys)}

    def rows() -> Iterable[list[tuple[Any, Any]]]:
        for n, p in enumerate(result.projects.to_dict("records"), start=1):
            excel_row = n + 2
            cells: list[tuple[Any, Any]] = [(n, styles.int), (p["unit"], styles.text)]
            for key in keys:
                cells.append(_detail_value(key, p, letters, excel_row, styles))
            cells += [(p["extras"].get(h), styles.text) for h in extras]
            cells += [
                (p["_file"], styles.text),
                (p["_sheet"], styles.text),
                (p["_row"], styles.int),
            ]
            yield cells

    table_sheet(wb, styles, DETAIL_SHEET, title, detail_headers(result), rows())


def _detail_value(
    key: str, p: dict[str, Any], letters: dict[str, str], row: int, styles: Styles
) -> tuple[Any, Any]:
    kind = load_schema().fields[key].kind
    value = p.get(key)
    if kind in ("money", "reference"):
        return value, styles.money
    if kind == "derived":  # 完成率 as a live formula, so a corrected amount updates it
        plan, ytd = p.get("annual_plan"), p.get("ytd_completed")
        cached = float(ytd / plan) if plan and ytd is not None else ""
        formula = (
            f'=IF(N({letters["annual_plan"]}{row})=0,"",'
            f"N({letters['ytd_completed']}{row})/{letters['annual_plan']}{row})"
        )
        return _Formula(formula, cached), styles.pct
    return value, styles.text


# --- 问题清单 and 文件情况 ---------------------------------------------------------------------


def _issues_sheet(wb: Any, styles: Styles, result: MergeResult) -> None:
    heads = ["序号", "严重程度", "代码", "文件", "工作表", "单元格", "问题说明"]

    def rows() -> Iterable[list[tuple[Any, Any]]]:
        for n, i in enumerate(result.issues, start=1):
            fmt = {"error": styles.error, "warning": styles.warning}.get(i.severity, styles.text)
            yield [
                (n, styles.int),
                (SEVERITY_LABEL[i.severity], fmt),
                (i.code, styles.text),
                (i.file, styles.text),
                (i.sheet, styles.text),
                (i.cell, styles.text),
                (i.message, styles.text),
            ]

    table_sheet(wb, styles, "问题清单", "问题清单", heads, rows(), max_width=80)


FILE_COUNTS = (
    ("合计行", (TOTAL,)),
    ("小计行", (SUBTOTAL,)),
    ("小节行", (SECTION,)),
    ("标题和表头行", (TITLE, HEADER)),
    ("空行", (BLANK,)),
    ("表尾行", (FOOTER,)),
    ("未识别行", (REPORTED,)),
)


def _files_sheet(wb: Any, styles: Styles, result: MergeResult) -> None:
    heads = [
        "文件",
        "状态",
        "原因",
        "责任单位",
        "单位取自",
        "工作表",
        "表头行",
        "读取行数",
        "项目数",
        *(h for h, _ in FILE_COUNTS),
        "错误",
        "警告",
    ]
    errors = Counter(i.file for i in result.issues if i.severity == "error")
    warnings = Counter(i.file for i in result.issues if i.severity == "warning")

    def rows() -> Iterable[list[tuple[Any, Any]]]:
        for f in result.files:
            led = f.ledger
            counts = Counter(s.kind for s in led.set_aside) if led else Counter()
            status_fmt = styles.error if f.status == FAILED else styles.text
            yield [
                (f.label, styles.text),
                (STATUS_LABEL[f.status], status_fmt),
                (f.reason, styles.text),
                (led.unit if led else "", styles.text),
                (led.unit_source if led else "", styles.text),
                (led.sheet if led else "", styles.text),
                ("、".join(map(str, led.header_rows)) if led else "", styles.text),
                (led.rows_read if led else None, styles.int),
                (f.projects, styles.int),
                *((sum(counts[k] for k in kinds), styles.int) for _, kinds in FILE_COUNTS),
                (errors[f.label], styles.int),
                (warnings[f.label], styles.int),
            ]

    table_sheet(wb, styles, "文件情况", "报送文件情况", heads, rows())
