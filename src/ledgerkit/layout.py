"""The layout of the merged workbook ledgerkit writes, in one place for its writer and for the
code that reads it back: a city's roll-up reads districts' 项目明细 sheets, and
`history rebuild` reads each month's 文件情况 sheet. Change a sheet name or a header here and
both sides follow.
"""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path
from typing import Any

EXCEL_MAX_TEXT = 32_767  # characters one cell holds (Excel's limit)
AUTHOR = "ledgerkit"  # the author in the properties of every workbook ledgerkit writes

DETAIL_SHEET = "项目明细"
ISSUES_SHEET = "问题清单"
FILES_SHEET = "文件情况"
TREND_SHEET = "趋势"

SOURCE_HEADERS = ("来源文件", "来源工作表", "来源行")  # the last columns of 项目明细
ROLLUP_PREFIX = "原"  # a district's own source columns, kept by the city as 原来源文件 …
FEEDBACK_SUFFIX = "_问题反馈.xlsx"  # check --feedback's copies, read back as the unit's ledger
# the 问题清单 sheet of a feedback copy: row 2 holds these, and the reader skips that sheet
FEEDBACK_HEADERS = ("序号", "严重程度", "工作表", "单元格", "问题说明")
FEEDBACK_KEYWORD = "ledgerkit-feedback"  # in a feedback copy's properties: ledgerkit wrote it

ISSUE_HEADERS = ("序号", "严重程度", "代码", "文件", "工作表", "单元格", "问题说明")
SEVERITY_LABEL = {"error": "错误", "warning": "警告", "info": "提示"}

# 文件情况: one row per input file (what became of it, and every row of it accounted for)
# a file of several sheets has a line per sheet: a sheet not counted (a view of another, a
# summary, a registration card) is 未计入 with why; the store's readers skip those lines
SHEET_SET_ASIDE = "未计入"
FILE_STATUS_LABEL = {
    "merged": "已汇总",
    "failed": "读取失败",
    "skipped": "已跳过",
    SHEET_SET_ASIDE: SHEET_SET_ASIDE,
}
FILE_NAME, FILE_STATUS, FILE_REASON, FILE_UNIT, FILE_PROJECTS = (
    "文件",
    "状态",
    "原因",
    "责任单位",
    "项目数",
)
FILE_HEADERS_BEFORE_COUNTS = (
    FILE_NAME,
    FILE_STATUS,
    FILE_REASON,
    FILE_UNIT,
    "单位取自",
    "工作表",
    "表头行",
    "读取行数",
    FILE_PROJECTS,
)
FILE_HEADERS_AFTER_COUNTS = ("错误", "警告")


def read_table(book: Path, sheet: str) -> tuple[list[str], list[list[Any]]] | None:
    """A table sheet of a merged workbook as (headers, rows); None without that sheet.
    Row 1 is the title, row 2 the headers."""
    import python_calamine as pc

    wb = pc.CalamineWorkbook.from_path(str(book))
    if sheet not in wb.sheet_names:
        return None
    rows = wb.get_sheet_by_name(sheet).to_python()
    heads = [str(h) for h in rows[1]] if len(rows) > 1 else []
    return heads, [list(r) for r in rows[2:]]


def read_files_sheet(book: Path) -> list[dict[str, Any]] | None:
    """The 文件情况 rows of a merged workbook as {header: value}; None without that sheet."""
    table = read_table(book, FILES_SHEET)
    if table is None:
        return None
    heads, rows = table
    return [dict(zip(heads, row, strict=False)) for row in rows]


_STATUS_OF_LABEL = {label: status for status, label in FILE_STATUS_LABEL.items()}


def status_of_label(label: Any) -> str:
    """'已汇总' -> 'merged' (an unknown label: merged, as the sheet's rows were)."""
    return _STATUS_OF_LABEL.get(str(label), "merged")


_MARKER_PART_BYTES = 1_000_000  # core.xml and workbook.xml of a merged workbook: a few KB
_CREATOR = re.compile(r"<dc:creator>([^<]*)</dc:creator>")
_SHEET_NAME = re.compile(r"<(?:\w+:)?sheet\b[^>]*?\bname=\"([^\"]*)\"")


def is_merged_workbook(path: Path) -> bool:
    """A merged workbook ledgerkit wrote, told by its content whatever its name: the author
    "ledgerkit" in its properties (kept when Excel or WPS saves it again) and both the
    项目明细 and 文件情况 sheets. The forms ledgerkit writes for units have the author but not
    these sheets: they are ledgers. Never raises: anything else is simply not one."""
    try:
        with zipfile.ZipFile(path) as z:
            core, book = _part(z, "docProps/core.xml"), _part(z, "xl/workbook.xml")
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, RuntimeError, NotImplementedError):
        return False
    creator = _CREATOR.search(core)
    if creator is None or html.unescape(creator.group(1)).strip() != AUTHOR:
        return False
    names = {html.unescape(n) for n in _SHEET_NAME.findall(book)}
    return {DETAIL_SHEET, FILES_SHEET} <= names


def _part(z: zipfile.ZipFile, name: str) -> str:
    info = z.getinfo(name)
    if info.file_size > _MARKER_PART_BYTES:
        raise ValueError(name)
    with z.open(info) as fh:  # the declared size may lie: read no more than the limit
        return fh.read(_MARKER_PART_BYTES).decode("utf-8", "replace")
