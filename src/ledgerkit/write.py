"""Write stage: the merged ledger as a workbook a clerk can read, filter and print.

Written with xlsxwriter (3x faster than openpyxl) into a temporary file that replaces the
output only when complete, so a failed run never leaves half a workbook. Text from units is
always written as text: a name starting with "=" is never a formula in the district's book.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from xlsxwriter.worksheet import Worksheet

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
    close_fast(wb)


def close_fast(wb: Any) -> None:
    """Close (package) a workbook, faster than xlsxwriter alone: deflate level 1 rather than
    zlib's default 6 (a third of the time, a file a quarter bigger), and shared strings that
    need no escaping written without xlsxwriter's three regular expressions each. xlsxwriter
    has no option for either, so two of its classes are swapped for the one call."""
    import xlsxwriter.packager
    import xlsxwriter.workbook

    zip_file = getattr(xlsxwriter.workbook, "ZipFile", None)
    strings = getattr(xlsxwriter.packager, "SharedStrings", None)
    if zip_file is None or strings is None:  # another xlsxwriter: its own way, as before
        wb.close()
        return
    xlsxwriter.workbook.ZipFile = functools.partial(zip_file, compresslevel=1)  # type: ignore[attr-defined]
    xlsxwriter.packager.SharedStrings = _shared_strings(strings)  # type: ignore[attr-defined]
    try:
        wb.close()
    finally:
        xlsxwriter.workbook.ZipFile = zip_file  # type: ignore[attr-defined]
        xlsxwriter.packager.SharedStrings = strings  # type: ignore[attr-defined]


# what xlsxwriter escapes or marks in a shared string: & < >, control characters, text that
# looks like an escape (_x0041_), leading or trailing whitespace
_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^\s|\s$")


@functools.cache
def _shared_strings(base: type) -> type:
    """xlsxwriter's SharedStrings, writing a string that needs no escaping as it is."""

    class SharedStrings(base):  # type: ignore[misc, valid-type]
        def _write_sst_strings(self) -> None:
            write = self.fh.write
            for string in self.string_table.string_array:
                if _SPECIAL.search(string):
                    self._write_si(string)  # xlsxwriter's own way
                else:
                    write(f"<si><t>{string}</t></si>")

    return SharedStrings


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
    charted: bool = False,
) -> Any:
    """A titled table: frozen header, filter, fitted widths, A4 landscape, header on every page.
    `rows` yields cells as (value, format). A sheet a chart draws from is `charted`: its cells
    stay in xlsxwriter's table, where the chart finds the values it caches."""
    ws = wb.add_worksheet(name, worksheet_class=None if charted else RowSheet)
    ws.merge_range(0, 0, 0, max(len(headers) - 1, 1), _text(title), styles.title)
    ws.set_row(0, 30)
    widths = [min(display_width(h) + 2, 14) for h in headers]  # long headers wrap
    for c, h in enumerate(headers):
        ws.write_string(1, c, _text(h), styles.header)  # a unit's own header, made safe
    if charted:
        n = 0
        for n, row in enumerate(rows, start=1):
            for c, (value, fmt) in enumerate(row):
                _cell(ws, 1 + n, c, value, fmt)
                if isinstance(value, str):
                    widths[c] = max(widths[c], min(display_width(value) + 2, max_width))
    else:
        n = ws.add_rows(2, rows, widths, max_width)
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


class RowSheet(Worksheet):
    """A worksheet whose table rows become XML as they are added, spooled to a temporary file.

    xlsxwriter's write() and the cell it keeps until close cost about 3 µs and 150 bytes a
    cell: most of a merge, for a 20,000-row detail sheet. add_rows writes what `_cell` writes
    (text as a shared string, numbers, formulas; blanks skipped) straight into <sheetData>;
    xlsxwriter still writes every other part of the sheet, and cells written the usual way
    (title, header) around the rows."""

    _spool: Any = None
    _span = (0, -1)  # first and last row added

    def add_rows(
        self,
        first: int,
        rows: Iterable[Sequence[tuple[Any, Any]]],
        widths: list[int],
        max_width: int,
    ) -> int:
        """Write rows of (value, format) cells from row `first` (0-based) on, fitting `widths`
        to the text; returns how many rows there were."""
        # closed once copied into the sheet, at the workbook's close
        spool = tempfile.TemporaryFile("w+", encoding="utf-8", dir=self.tmpdir)  # noqa: SIM115
        self._spool = spool
        cells = _Cells(self.str_table, widths, max_width)
        chunk: list[str] = []
        low, high, right, r = None, -1, -1, first - 1
        for r, row in enumerate(rows, start=first):
            xml, last = cells.row(str(r + 1), row)
            if xml:
                low = r if low is None else low
                high, right = r, max(right, last)
                chunk.append(xml)
            if len(chunk) >= 1000:
                spool.write("".join(chunk))
                chunk.clear()
        spool.write("".join(chunk))
        self.str_table.count += cells.repeats  # every use of a shared string counts
        if low is not None:  # the sheet's extent, as xlsxwriter's write() would have kept it
            self._check_dimensions(low, 0)
            self._check_dimensions(high, right)
        self._span = (first, r)
        return r - first + 1

    def _write_sheet_data(self) -> None:
        if self._spool is None:
            super()._write_sheet_data()
            return
        first, last = self._span
        low, high = self.dim_rowmin, self.dim_rowmax
        self._xml_start_tag("sheetData")
        self._table_rows(low, first - 1)
        self._spool.seek(0)
        shutil.copyfileobj(self._spool, self.fh)
        self._spool.close()
        self._table_rows(last + 1, high)
        self._xml_end_tag("sheetData")

    def _table_rows(self, low: int, high: int) -> None:
        """The cells written the usual way, in rows low..high, by xlsxwriter."""
        if low > high:
            return
        sheet: Any = self  # xlsxwriter's own attributes, untyped
        saved = sheet.dim_rowmin, sheet.dim_rowmax
        sheet.dim_rowmin, sheet.dim_rowmax = low, high
        try:
            self._write_rows()
        finally:
            sheet.dim_rowmin, sheet.dim_rowmax = saved


class _Cells:
    """Rows of (value, format) cells as <row> XML, written as `_cell` writes them; a short
    text's shared-string index, XML and width are worked out once however often it comes."""

    def __init__(self, strings: Any, widths: list[int], max_width: int) -> None:
        self.strings, self.widths, self.max_width = strings, widths, max_width
        self.texts: dict[str, tuple[str, int]] = {}  # text -> (the cell's tail, its width)
        self.repeats = 0  # uses of a known text, not yet counted by the shared-string table
        self.styles: dict[Any, str] = {}
        self.letters: list[str] = []

    def row(self, ref: str, row: Sequence[tuple[Any, Any]]) -> tuple[str, int]:
        """(<row> element, last column written); ('', -1) for a row of blanks."""
        letters, styles, texts, widths = self.letters, self.styles, self.texts, self.widths
        while len(letters) < len(row):
            letters.append(column_letter(len(letters)))
        cells = []
        last = -1
        for c, (value, fmt) in enumerate(row):
            kind = value.__class__
            if value is None or (kind is str and not value):
                continue
            s = styles.get(fmt)
            if s is None:
                s = styles[fmt] = f' s="{fmt._get_xf_index()}"' if fmt else ""
            if kind is Decimal or kind is float or kind is int:
                cells.append(f'<c r="{letters[c]}{ref}"{s}><v>{float(value):.16G}</v></c>')
            elif kind is str:
                known = texts.get(value)
                if known is None:
                    known = self._text(value)
                else:
                    self.repeats += 1
                cells.append(f'<c r="{letters[c]}{ref}"{s}{known[0]}')
                if known[1] > widths[c]:
                    widths[c] = known[1]
            else:
                cell = _cell_xml(value, self.strings)
                if cell is None:
                    continue
                cells.append(f'<c r="{letters[c]}{ref}"{s}{cell}')
                if isinstance(value, str):
                    widths[c] = max(widths[c], min(display_width(value) + 2, self.max_width))
            last = c
        return (f'<row r="{ref}">{"".join(cells)}</row>', last) if cells else ("", -1)

    def _text(self, value: str) -> tuple[str, int]:
        index = self.strings._get_shared_string_index(_excel_text(_text(value)))
        known = (f' t="s"><v>{index}</v></c>', min(display_width(value) + 2, self.max_width))
        if len(value) <= 40:  # units, files, 是/否 repeat; a project's own text rarely does
            self.texts[value] = known
        return known


def _cell_xml(value: Any, strings: Any) -> str | None:
    """The rest of a <c> element for any other value, as `_cell` writes it; None: blank."""
    if value == "":
        return None
    if isinstance(value, bool):
        return f' t="s"><v>{strings._get_shared_string_index("是" if value else "否")}</v></c>'
    if isinstance(value, Decimal | int | float):
        return f"><v>{float(value):.16G}</v></c>"
    if isinstance(value, _Formula):
        formula = _xml_text(value.formula.removeprefix("="))
        return f"><f>{formula}</f><v>{_xml_text(value.cached)}</v></c>"
    return f' t="s"><v>{strings._get_shared_string_index(_excel_text(_text(value)))}</v></c>'


def _excel_text(text: str) -> str:
    """A string cut to Excel's 32,767 UTF-16 units, as xlsxwriter's write_string cuts it."""
    if len(text) <= 16_383 or len(text.encode("utf-16-le", "surrogatepass")) <= 65_534:
        return text
    units = 0
    for i, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > 32_767:
            return text[:i]
    return text


def _xml_text(value: Any) -> str:
    """Element text as xlsxwriter escapes it (& < >; quotes are kept)."""
    text = str(value)
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


# --- 项目明细 --------------------------------------------------------------------------------

SOURCE_HEADERS = ("来源文件", "来源工作表", "来源行")


def detail_keys(result: MergeResult) -> list[str]:
    """The canonical fields in the detail sheet, in schema order; an optional field (县区,
    上月累计) only when some project has it."""
    schema = load_schema()
    rows = result.projects.records
    return [
        k
        for k, f in schema.fields.items()
        if k not in ("unit", "seq") and (not f.optional or any(p.get(k) is not None for p in rows))
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
    kinds = {k: load_schema().fields[k].kind for k in keys}
    formats = {
        k: styles.money if kind in ("money", "reference") else styles.text
        for k, kind in kinds.items()
    }
    derived = {k for k, kind in kinds.items() if kind == "derived"}

    specs = [(k, formats[k], k in derived) for k in keys]
    text, whole = styles.text, styles.int

    def rows() -> Iterable[list[tuple[Any, Any]]]:
        for n, p in enumerate(result.projects.records, start=1):
            cells = [(n, whole), (p.get("unit"), text)]
            cells += [
                _rate_formula(p, letters, n + 2, styles) if formula else (p.get(k), f)
                for k, f, formula in specs
            ]
            if extras:
                cells += [(p["extras"].get(h), text) for h in extras]
            cells += [(p["_file"], text), (p["_sheet"], text), (p["_row"], whole)]
            yield cells

    table_sheet(wb, styles, DETAIL_SHEET, title, detail_headers(result), rows())


def _rate_formula(
    p: dict[str, Any], letters: dict[str, str], row: int, styles: Styles
) -> tuple[Any, Any]:
    """完成率 as a live formula, so a corrected amount updates it."""
    plan, ytd = p.get("annual_plan"), p.get("ytd_completed")
    cached = float(ytd / plan) if plan and ytd is not None else ""
    formula = (
        f'=IF(N({letters["annual_plan"]}{row})=0,"",'
        f"N({letters['ytd_completed']}{row})/{letters['annual_plan']}{row})"
    )
    return _Formula(formula, cached), styles.pct


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
