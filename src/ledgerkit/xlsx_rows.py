"""The fast row writer: xlsxwriter made to write large tables at the speed the merge needs.

This is the one module that reaches into xlsxwriter's internals (its worksheet's XML
writers, its shared-string table, the classes it packages with), which is why pyproject.toml
pins xlsxwriter to the versions tests/test_write.py has checked cell by cell against
xlsxwriter's own path. Everything else writes workbooks through xlsxwriter's public API.
"""

from __future__ import annotations

import functools
import re
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from xlsxwriter.worksheet import Worksheet

from ledgerkit.layout import EXCEL_MAX_TEXT
from ledgerkit.read import column_letter

_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


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

        def _write_si(self, string: str) -> None:
            # xlsxwriter writes any string shaped "<r>…</r>" as a rich string, raw: a unit's
            # "<r>A&B</r>" would break the workbook's XML, "<r>项目</r>" read back empty.
            # ledgerkit writes no rich strings, so such a string is text, escaped.
            if string.startswith("<r>") and string.endswith("</r>"):
                self._xml_si_element(self._escape_control_characters(string), [])
            else:
                super()._write_si(string)

    return SharedStrings


def cell_text(value: Any) -> str:
    """A unit's text made safe for the XML of a workbook (control characters, 32,767 chars)."""
    text = str(value)
    if not text.isprintable():  # rare: only then look for characters XML cannot hold
        text = _ILLEGAL_XML.sub("", text)
    return text if len(text) <= EXCEL_MAX_TEXT else text[: EXCEL_MAX_TEXT - 1] + "…"


def display_width(text: str) -> int:
    """Width in Excel character units: a Chinese character is two. (UTF-8 spends three bytes on
    a CJK character and one on ASCII, so this counts without a loop over characters.)"""
    return (len(text.encode("utf-8", "replace")) + len(text)) // 2


class Formula:
    """A formula cell with the value it shows until Excel recalculates."""

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
        *,
        blanks: bool = False,
        heights: bool = True,
    ) -> int:
        """Write rows of (value, format) cells from row `first` (0-based) on, fitting `widths`
        to the text; returns how many rows there were. A blank cell is left out, unless
        `blanks`: then a blank with a format is written (a form's open cells, its borders).
        With `heights`, a row whose text wraps at `max_width` is made as tall as it needs."""
        # closed once copied into the sheet, at the workbook's close
        spool = tempfile.TemporaryFile("w+", encoding="utf-8", dir=self.tmpdir)  # noqa: SIM115
        self._spool = spool
        cells = _Cells(self.str_table, widths, max_width, blanks=blanks, heights=heights)
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

    def __init__(
        self,
        strings: Any,
        widths: list[int],
        max_width: int,
        *,
        blanks: bool = False,
        heights: bool = True,
    ) -> None:
        self.strings, self.widths, self.max_width = strings, widths, max_width
        self.blanks, self.heights = blanks, heights
        # text -> (the cell's tail, its width, the lines it wraps to at the widest column)
        self.texts: dict[str, tuple[str, int, int]] = {}
        self.repeats = 0  # uses of a known text, not yet counted by the shared-string table
        self.styles: dict[Any, str] = {}
        self.letters: list[str] = []

    def row(self, ref: str, row: Sequence[tuple[Any, Any]]) -> tuple[str, int]:
        """(<row> element, last column written); ('', -1) for a row of blanks."""
        letters, styles, texts, widths = self.letters, self.styles, self.texts, self.widths
        while len(letters) < len(row):
            letters.append(column_letter(len(letters)))
        cells: list[str] = []
        put = cells.append
        last, lines, repeats = -1, 1, 0
        for c, (value, fmt) in enumerate(row):
            kind = value.__class__
            if value is None or (kind is str and not value):
                if self.blanks and fmt is not None:
                    s = styles.get(fmt)
                    if s is None:
                        s = styles[fmt] = f' s="{fmt._get_xf_index()}"'
                    put(f'<c r="{letters[c]}{ref}"{s}/>')
                    last = c
                continue
            s = styles.get(fmt)
            if s is None:
                s = styles[fmt] = f' s="{fmt._get_xf_index()}"' if fmt else ""
            if kind is str:
                known = texts.get(value)
                if known is None:
                    known = self._text(value)
                else:
                    repeats += 1
                put(f'<c r="{letters[c]}{ref}"{s}{known[0]}')
                if known[1] > widths[c]:
                    widths[c] = known[1]
                if known[2] > lines:
                    lines = known[2]
            elif kind is Decimal or kind is int or kind is float:
                put(f'<c r="{letters[c]}{ref}"{s}><v>{_number(value)}</v></c>')
            else:
                cell = _cell_xml(value, self.strings)
                if cell is None:
                    continue
                put(f'<c r="{letters[c]}{ref}"{s}{cell}')
                if isinstance(value, str):
                    widths[c] = max(widths[c], min(display_width(value) + 2, self.max_width))
            last = c
        self.repeats += repeats
        if not cells:
            return "", -1
        # a row's height is set where its text wraps: not every viewer fits it on opening
        # (LibreOffice does not), and a message would run over the rows below it
        tall = lines > 1 and self.heights
        height = f' ht="{LINE_POINTS * lines:g}" customHeight="1"' if tall else ""
        return f'<row r="{ref}"{height}>{"".join(cells)}</row>', last

    def _text(self, value: str) -> tuple[str, int, int]:
        index = self.strings._get_shared_string_index(_excel_text(cell_text(value)))
        width = display_width(value) + 2
        lines = 1 if width <= self.max_width and "\n" not in value else self._lines(value)
        known = (f' t="s"><v>{index}</v></c>', min(width, self.max_width), lines)
        if len(value) <= 40:  # units, files, 是/否 repeat; a project's own text rarely does
            self.texts[value] = known
        return known

    def _lines(self, value: str) -> int:
        """The lines a text wraps to in a column of the widest width."""
        room = max(self.max_width - 2, 1)
        lines = sum(max(1, -(-display_width(part) // room)) for part in value.split("\n"))
        return min(lines, MAX_LINES)


LINE_POINTS = 13.5  # one line of 10 pt 宋体
MAX_LINES = 30  # Excel's tallest row is 409 points


def _cell_xml(value: Any, strings: Any) -> str | None:
    """The rest of a <c> element for any other value, as `_cell` writes it; None: blank."""
    if value == "":
        return None
    if isinstance(value, bool):
        return f' t="s"><v>{strings._get_shared_string_index("是" if value else "否")}</v></c>'
    if isinstance(value, Decimal | int | float):
        return f"><v>{_number(value)}</v></c>"
    if isinstance(value, Formula):
        formula = _xml_text(value.formula.removeprefix("="))
        kind = ' t="str"' if isinstance(value.cached, str) else ""  # "" is a cached text result
        return f"{kind}><f>{formula}</f><v>{_xml_text(value.cached)}</v></c>"
    return f' t="s"><v>{strings._get_shared_string_index(_excel_text(cell_text(value)))}</v></c>'


def _number(value: Decimal | int | float) -> str:
    """A number as xlsxwriter writes it (16 significant digits), taking a short Decimal's or
    an int's own text, which is the same text for these: formatting a float to 16 digits is
    most of the cost of a detail sheet's amounts."""
    if value.__class__ is int:  # not a subclass (a bool, an enum): its own str
        text = str(value)
        if len(text) <= 16:
            return text
    elif value.__class__ is Decimal:
        text = str(value)
        if len(text) <= 16 and "E" not in text:  # 23.0 as 23, as 16 digits would write it
            return text.rstrip("0").rstrip(".") if "." in text else text
    return f"{float(value):.16G}"


def _excel_text(text: str) -> str:
    """A string cut to Excel's 32,767 UTF-16 units, as xlsxwriter's write_string cuts it."""
    # a character is one or two UTF-16 units: short texts need no counting
    if len(text) <= EXCEL_MAX_TEXT // 2 or len(text.encode("utf-16-le", "surrogatepass")) <= (
        2 * EXCEL_MAX_TEXT
    ):
        return text
    units = 0
    for i, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > EXCEL_MAX_TEXT:
            return text[:i]
    return text


def _xml_text(value: Any) -> str:
    """Element text as xlsxwriter escapes it (& < >; quotes are kept)."""
    text = str(value)
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text
