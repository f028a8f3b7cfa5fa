"""Read stage: any ledger file -> the same raw table (cells from A1, merged ranges, bad cells).

The format is told from the bytes, never trusted from the extension: units send HTML pages
named .xls, CSV from office systems, and workbooks that were never opened in Excel.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ledgerkit.errors import UnreadableFile

Cell = Any  # str | int | float | bool | date | datetime | time | None
Merge = tuple[int, int, int, int]  # first row, first col, last row, last col; 0-based, inclusive

LEDGER_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".et", ".ods", ".csv", ".txt", ".htm", ".html"}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")
_PASSWORD = "工作簿设有打开密码，无法读取；请报送单位取消密码后重新报送"


@dataclass(frozen=True)
class RawSheet:
    """One sheet as stored: every cell from A1, merged ranges, and cells with no usable value."""

    name: str
    rows: list[list[Cell]]
    merged: tuple[Merge, ...] = ()
    # (row, col) -> "=F5/E5" for a formula with no cached value, or "#DIV/0!" for a stored error
    bad_cells: Mapping[tuple[int, int], str] = field(default_factory=dict)


@dataclass(frozen=True)
class RawBook:
    """A whole input file: its visible sheets in order, and the hidden ones by name."""

    path: Path
    format: str  # xlsx | xls | ods | html | csv
    sheets: tuple[RawSheet, ...]
    hidden: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.path.name


def is_lock_file(path: Path) -> bool:
    """Excel/WPS leave `~$name.xlsx` beside an open workbook; it is never a ledger."""
    return path.name.startswith("~$") or path.name.startswith(".~")


def sniff(head: bytes) -> str:
    """Tell the format from the first bytes of a file."""
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(_OLE_MAGIC):
        return "ole"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<") and (b"<table" in head.lower() or b"<html" in text[:200]):
        return "html"
    if text.startswith(b"<?xml") or text.startswith(b"<workbook"):
        return "xml"
    if b"\x00" in head[:4096]:
        return "binary"
    return "text"


def read_book(path: Path) -> RawBook:
    """Read one ledger file of any supported format; raise UnreadableFile with the reason."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(path.name, f"无法打开文件（{exc.strerror or exc}）") from exc
    if not data:
        raise UnreadableFile(path.name, "文件是空的（0 字节），可能没有复制完整，请重新报送")
    kind = sniff(data[:65536])
    if kind == "zip":
        return read_zip_workbook(path, data)
    if kind == "ole":
        return read_xls(path, data)
    if kind == "html":
        return read_html(path, data)
    if kind == "text":
        return read_csv(path, data)
    if kind == "xml":
        raise UnreadableFile(path.name, "是 XML 格式的表格，请在 Excel 中另存为 .xlsx 后重新报送")
    raise UnreadableFile(path.name, "不是 Excel、WPS 或 CSV 表格，无法识别文件内容")


def read_zip_workbook(path: Path, data: bytes) -> RawBook:
    """.xlsx / .xlsm / .ods: cached values via calamine, formulas without values via the XML."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            if "xl/workbook.xml" not in names and "content.xml" not in names:
                raise UnreadableFile(path.name, "是压缩包而不是 Excel 工作簿")
            bad = _xlsx_bad_cells(zf) if "xl/workbook.xml" in names else {}
    except zipfile.BadZipFile as exc:
        raise UnreadableFile(path.name, "文件已损坏或不完整（可能没有复制完），请重新报送") from exc
    return _read_calamine(path, data, "ods" if "content.xml" in names else "xlsx", bad)


def read_xls(path: Path, data: bytes) -> RawBook:
    """Old binary .xls (BIFF8). Encrypted .xlsx files are OLE containers too: say so."""
    if _ENCRYPTED_MARK in data:
        raise UnreadableFile(path.name, _PASSWORD)
    return _read_calamine(path, data, "xls", {})


def _read_calamine(path: Path, data: bytes, fmt: str, bad: Mapping[str, dict]) -> RawBook:
    import python_calamine as pc

    try:
        wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
        visible, hidden = [], []
        for meta in wb.sheets_metadata:
            if meta.typ != pc.SheetTypeEnum.WorkSheet:
                continue
            if meta.visible != pc.SheetVisibleEnum.Visible:
                hidden.append(meta.name)
                continue
            sheet = wb.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False)
            merged = tuple(
                (r0, c0, r1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])
            )
            visible.append(RawSheet(meta.name, rows, merged, bad.get(meta.name, {})))
    except pc.PasswordError as exc:
        raise UnreadableFile(path.name, _PASSWORD) from exc
    except (pc.CalamineError, pc.XmlError, pc.ZipError, ValueError) as exc:
        if "password" in str(exc).lower():
            raise UnreadableFile(path.name, _PASSWORD) from exc
        raise UnreadableFile(path.name, f"文件已损坏或格式不对，无法读取（{exc}）") from exc
    return RawBook(path, fmt, tuple(visible), tuple(hidden))


# --- xlsx: cells whose cached value is missing or an error --------------------------------

_CELL_RE = re.compile(rb'<c r="([A-Z]+)(\d+)"([^>]*?)(?:/>|>(.*?)</c>)', re.S)
_FORMULA_RE = re.compile(rb"<f(?:\s[^>]*)?(?:/>|>(.*?)</f>)", re.S)
_VALUE_RE = re.compile(rb"<v>(.*?)</v>", re.S)
_SHEET_RE = re.compile(rb'<sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"', re.S)
_REL_RE = re.compile(rb'<Relationship\b[^>]*?Id="([^"]*)"[^>]*?Target="([^"]*)"', re.S)
_REL_RE2 = re.compile(rb'<Relationship\b[^>]*?Target="([^"]*)"[^>]*?Id="([^"]*)"', re.S)


def _xlsx_bad_cells(zf: zipfile.ZipFile) -> dict[str, dict[tuple[int, int], str]]:
    """Sheet name -> {(row, col): '=FORMULA' | '#ERR!'} for formulas with no cached value
    and stored error values; calamine returns both as empty cells."""
    import html

    wb_xml = zf.read("xl/workbook.xml")
    rels_xml = zf.read("xl/_rels/workbook.xml.rels")
    targets = {rid: t for rid, t in _REL_RE.findall(rels_xml)}
    targets.update({rid: t for t, rid in _REL_RE2.findall(rels_xml)})
    out: dict[str, dict[tuple[int, int], str]] = {}
    for name, rid in _SHEET_RE.findall(wb_xml):
        target = targets.get(rid, b"").decode()
        part = target.lstrip("/") if target.startswith("/") else "xl/" + target
        try:
            xml = zf.read(part)
        except KeyError:
            continue
        if b"<f" not in xml and b't="e"' not in xml:
            continue
        cells: dict[tuple[int, int], str] = {}
        for col, row, attrs, inner in _CELL_RE.findall(xml):
            inner = inner or b""
            value = _VALUE_RE.search(inner)
            key = (int(row) - 1, column_index(col.decode()))
            if b't="e"' in attrs and value:
                cells[key] = value.group(1).decode()
                continue
            formula = _FORMULA_RE.search(inner)
            if formula and (value is None or not value.group(1)):
                cells[key] = "=" + html.unescape((formula.group(1) or b"").decode())
        out[html.unescape(name.decode())] = cells
    return out


def column_index(letters: str) -> int:
    """'A' -> 0, 'AB' -> 27."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def column_letter(index: int) -> str:
    """0 -> 'A', 27 -> 'AB'."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# --- text formats --------------------------------------------------------------------------

_CHARSET_RE = re.compile(rb"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", re.I)


def decode_text(data: bytes, declared: str | None = None) -> str:
    """UTF-8 (with or without BOM), else the declared charset, else GB18030 (a superset of GBK)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for enc in (declared, "gb18030"):
        if not enc:
            continue
        try:
            return data.decode("gb18030" if enc.lower() in {"gbk", "gb2312"} else enc)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("gb18030", errors="replace")


def read_csv(path: Path, data: bytes) -> RawBook:
    """CSV or TSV in UTF-8 or GBK/GB18030; every cell stays text until the normalise stage."""
    text = decode_text(data)
    if "\ufffd" in text[:4096] and text.count("\ufffd") > len(text) // 20:
        raise UnreadableFile(path.name, "无法识别的文本编码，请另存为 UTF-8 或 GBK 编码的 CSV")
    sample = text[:8192]
    delimiter = max([",", "\t", ";"], key=sample.count)
    rows = [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    return RawBook(path, "csv", (RawSheet("", rows),))


def read_html(path: Path, data: bytes) -> RawBook:
    """An ".xls" exported by an office system that is really an HTML page with tables."""
    import lxml.html

    declared = _CHARSET_RE.search(data[:4096])
    text = decode_text(data, declared.group(1).decode() if declared else None)
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
    try:
        doc = lxml.html.document_fromstring(text)
    except Exception as exc:  # lxml raises several unrelated types on broken markup
        raise UnreadableFile(path.name, f"网页表格无法解析（{exc}）") from exc
    tables = [t for t in doc.iter("table") if not t.xpath(".//table")]
    if not tables:
        raise UnreadableFile(path.name, "网页文件中没有表格")
    names = [""] if len(tables) == 1 else [f"表{i + 1}" for i in range(len(tables))]
    sheets = tuple(_html_table(name, t) for name, t in zip(names, tables, strict=True))
    return RawBook(path, "html", sheets)


def _html_table(name: str, table: Any) -> RawSheet:
    """Lay out <td colspan rowspan> on a grid, the way Excel opens such a file."""
    grid: dict[tuple[int, int], str] = {}
    merged: list[Merge] = []
    for r, tr in enumerate(table.iter("tr")):
        c = 0
        for td in tr:
            if td.tag not in ("td", "th"):
                continue
            while (r, c) in grid:
                c += 1
            text = " ".join(td.text_content().split())
            rs, cs = _span(td.get("rowspan")), _span(td.get("colspan"))
            for dr in range(rs):
                for dc in range(cs):
                    grid[(r + dr, c + dc)] = text if (dr, dc) == (0, 0) else ""
            if rs > 1 or cs > 1:
                merged.append((r, c, r + rs - 1, c + cs - 1))
            c += cs
    height = max((k[0] for k in grid), default=-1) + 1
    width = max((k[1] for k in grid), default=-1) + 1
    rows = [[grid.get((r, c), "") for c in range(width)] for r in range(height)]
    return RawSheet(name, rows, tuple(merged))


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 1000))
    except ValueError:
        return 1
