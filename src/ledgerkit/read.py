"""Read stage: any ledger file -> the same raw table (cells from A1, merged ranges, bad cells).

The format is told from the bytes, never trusted from the extension: units send HTML pages
named .xls, CSV from office systems, and workbooks that were never opened in Excel.

Every file is untrusted. Before a parser sees it, its sizes are checked against the limits
below (from the zip directory for .xlsx, from the cell records for .xls, from the cell
references for each sheet), so that a zip bomb, a stray cell at XFD1048576 or an XML entity
bomb ends in a Chinese reason for that one file, in bounded time and memory, and never in an
allocation that would take the whole run down.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from ledgerkit.errors import UnreadableFile

Cell = Any  # str | int | float | bool | date | datetime | time | None
Merge = tuple[int, int, int, int]  # first row, first col, last row, last col; 0-based, inclusive

LEDGER_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".et", ".ods", ".csv", ".txt", ".htm", ".html"}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")
_PASSWORD = (
    "工作簿设有打开密码，无法读取；请报送单位取消密码后重新报送，或运行时用 --password 提供密码"
)
_WRONG_PASSWORD = "工作簿设有打开密码，给出的密码不对，无法读取；请核对密码（区分大小写）"
_ENTITIES = "含有 XML 实体声明（DOCTYPE/ENTITY），可能是恶意构造的文件，出于安全考虑拒绝读取"

# Limits. A real ledger is a few hundred rows by a few dozen columns in a file of a few MB;
# each limit is far above that and far below what would exhaust a clerk's PC.
MAX_FILE_BYTES = 64 * 2**20  # any file, as stored on disk
MAX_TEXT_BYTES = 32 * 2**20  # CSV, HTML and XML files, parsed whole into memory
MAX_ZIP_ENTRIES = 5_000  # parts in an .xlsx (a workbook has tens)
MAX_PART_BYTES = 64 * 2**20  # one part of an .xlsx, uncompressed, as the zip directory declares
MAX_UNZIPPED_BYTES = 256 * 2**20  # all parts together
MAX_RATIO = 200  # sheets compress about 10:1, a zip bomb about 1000:1
RATIO_FLOOR = 2**20  # below 1 MiB a part may compress as well as it likes
MAX_CELLS = 2_000_000  # rows x columns of the sheets read from one file
MAX_SPIN = 1_000_000  # password hashing rounds (Excel uses 100,000)


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
    format: str  # xlsx | xls | ods | html | csv | xml
    sheets: tuple[RawSheet, ...]
    hidden: tuple[str, ...] = ()
    # other files or programs the workbook refers to (external links, DDE); never opened
    links: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.path.name


def is_lock_file(path: Path) -> bool:
    """Excel/WPS leave `~$name.xlsx` beside an open workbook, and a killed ledgerkit run may
    leave its `.ledgerkit-…` temporary output: neither is ever a ledger."""
    return path.name.startswith(("~$", ".~", ".ledgerkit-"))


_SPREADSHEET_2003 = b"urn:schemas-microsoft-com:office:spreadsheet"
_WORKBOOK_2003 = re.compile(rb"<(?:\w+:)?Workbook\b")


def sniff(head: bytes) -> str:
    """Tell the format from the first bytes of a file."""
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(_OLE_MAGIC):
        return "ole"
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    if utf16:  # Excel's "Unicode text" (a TSV) and some XML are UTF-16
        head = head[2:].decode("utf-16-le" if head[1] == 0xFE else "utf-16-be", "ignore").encode()
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<") and _SPREADSHEET_2003 in head and _WORKBOOK_2003.search(head):
        return "xml2003"
    if text.startswith(b"<") and (b"<table" in head.lower() or b"<html" in text[:200]):
        return "html"
    if text.startswith(b"<?xml") or text.startswith(b"<workbook"):
        return "xml"
    if not utf16 and b"\x00" in head[:4096]:
        return "binary"
    return "text"


def read_book(path: Path, password: str | None = None) -> RawBook:
    """Read one ledger file of any supported format; raise UnreadableFile with the reason.
    `password` opens a workbook protected by an open password."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise UnreadableFile(
                path.name, f"文件有 {_mb(size)}，超过 {_mb(MAX_FILE_BYTES)} 的上限，不像一份台账"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(path.name, f"无法打开文件（{exc.strerror or exc}）") from exc
    if not data:
        raise UnreadableFile(path.name, "文件是空的（0 字节），可能没有复制完整，请重新报送")
    try:
        return _read_bytes(path, data, password)
    except UnreadableFile:
        raise
    except MemoryError as exc:
        raise UnreadableFile(path.name, "文件内容过大，内存不足，无法读取") from exc
    except Exception as exc:  # any other failure of a parser on untrusted bytes: this file's
        raise UnreadableFile(  # problem, reported, while the other files are still merged
            path.name, f"文件已损坏或格式不对，无法读取（{type(exc).__name__}: {exc}）"[:200]
        ) from exc
    except BaseException as exc:  # a panic inside calamine arrives as pyo3's PanicException
        if type(exc).__name__ != "PanicException":  # Ctrl+C and exit are not the file's fault
            raise
        raise UnreadableFile(
            path.name, f"文件已损坏或格式不对，无法读取（读取组件出错：{exc}）"[:200]
        ) from exc


def _read_bytes(path: Path, data: bytes, password: str | None) -> RawBook:
    kind = sniff(data[:65536])
    if kind == "zip":
        return read_zip_workbook(path, data)
    if kind == "ole":
        return read_ole(path, data, password)
    if kind in ("binary", "xml"):
        raise UnreadableFile(
            path.name,
            "是 XML 文件但不是 Excel 能打开的表格，请在 Excel 中另存为 .xlsx 后重新报送"
            if kind == "xml"
            else "不是 Excel、WPS 或 CSV 表格，无法识别文件内容",
        )
    if len(data) > MAX_TEXT_BYTES:
        raise UnreadableFile(
            path.name, f"文本表格有 {_mb(len(data))}，超过 {_mb(MAX_TEXT_BYTES)} 的上限"
        )
    if kind == "xml2003":
        return read_xml_spreadsheet(path, data)
    if kind == "html":
        return read_html(path, data)
    return read_csv(path, data)


def _mb(size: int) -> str:
    """A size as a clerk reads it: 812 字节, 4.2 KB, 64.0 MB, 3.0 GB."""
    for unit, scale in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if size >= scale:
            return f"{size / scale:,.1f} {unit}"
    return f"{size} 字节"


def _too_many_cells(file: str, sheet: str, rows: int, cols: int, cells: str = "") -> UnreadableFile:
    where = f"工作表“{sheet}”" if sheet else "表格"
    far = f"{column_letter(max(cols, 1) - 1)}{max(rows, 1)}" if cols < 10**6 else f"第{cols:,}列"
    named = f"（最远的单元格：{cells}）" if cells else ""
    return UnreadableFile(
        file,
        f"{where}的数据区域一直到 {far}{named}，共 {rows:,} 行 × {cols:,} 列，超过 {MAX_CELLS:,}"
        " 个单元格的上限，可能是远处误填了内容；请删除多余的行列后重新报送",
    )


def _clip_merges(merged: Any, height: int, width: int) -> tuple[Merge, ...]:
    """Merged ranges inside the grid; a range reaching past it (A1:XFD1048576) is cut to it."""
    out = []
    for r0, c0, r1, c1 in merged:
        if 0 <= r0 < height and 0 <= c0 < width and r1 >= r0 and c1 >= c0:
            out.append((r0, c0, min(r1, height - 1), min(c1, width - 1)))
    return tuple(out)


# --- zip workbooks: .xlsx, .xlsm, .ods ----------------------------------------------------


def read_zip_workbook(path: Path, data: bytes) -> RawBook:
    """.xlsx / .xlsm / .ods: cached values via calamine, formulas without values via the XML.
    Macros in an .xlsm are never run: only the cell values are read."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            check_zip(path.name, zf)
            names = set(zf.namelist())
            if "xl/workbook.xml" in names:
                scan = scan_xlsx(path.name, zf)
                fmt = "xlsx"
            elif "content.xml" in names:
                largest, cells = _ods_extent(zf.read("content.xml"))
                if cells > MAX_CELLS:  # calamine lays out every table as it opens the file
                    raise _too_many_cells(path.name, "", *largest)
                scan = _Scan(extent={}, fallback=largest)
                fmt = "ods"
            else:
                raise UnreadableFile(path.name, "是压缩包而不是 Excel 工作簿")
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise UnreadableFile(path.name, "文件已损坏或不完整（可能没有复制完），请重新报送") from exc
    book = _read_calamine(path, data, fmt, scan)
    return RawBook(book.path, book.format, book.sheets, book.hidden, scan.links)


_XML_BOMBS = tuple(m.encode(e) for m in ("<!DOCTYPE", "<!ENTITY") for e in ("utf-8", "utf-16-le"))


def check_zip(file: str, zf: zipfile.ZipFile) -> None:
    """Refuse a zip bomb from its directory, before anything is decompressed: too many parts,
    a part or all parts too big once unpacked, a compression ratio no workbook has; and any
    XML part that declares a DOCTYPE (where entity bombs and external entities live)."""
    infos = zf.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise UnreadableFile(
            file, f"压缩包内有 {len(infos):,} 个部件（上限 {MAX_ZIP_ENTRIES:,}），拒绝读取"
        )
    for info in infos:
        _check_part(file, info)
    total = sum(info.file_size for info in infos)
    if total > MAX_UNZIPPED_BYTES:
        raise UnreadableFile(
            file,
            f"解压后共有 {_mb(total)}，超过 {_mb(MAX_UNZIPPED_BYTES)} 的上限"
            "（疑似“压缩炸弹”），拒绝读取",
        )
    for info in infos:
        ratio = info.file_size // max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
            raise UnreadableFile(
                file,
                f"部件“{info.filename}”的压缩比为 {ratio:,}:1，远超正常工作簿"
                "（疑似“压缩炸弹”），拒绝读取",
            )
    for info in infos:
        if info.file_size and info.filename.lower().endswith((".xml", ".rels", ".vml")):
            with zf.open(info) as stream:
                head = stream.read(4096)
            if any(mark in head for mark in _XML_BOMBS):
                raise UnreadableFile(file, f"部件“{info.filename}”{_ENTITIES}")


def _check_part(file: str, info: zipfile.ZipInfo) -> None:
    """One part's declared size, and a zip feature no Excel file uses."""
    part = info.filename
    if info.file_size > MAX_PART_BYTES:
        raise UnreadableFile(
            file,
            f"部件“{part}”解压后有 {_mb(info.file_size)}，超过 {_mb(MAX_PART_BYTES)} 的上限"
            "（疑似“压缩炸弹”），拒绝读取",
        )
    if info.flag_bits & 0x1:
        raise UnreadableFile(file, f"部件“{part}”设有压缩包密码，无法读取")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise UnreadableFile(
            file, f"部件“{part}”的压缩方式（{info.compress_type}）不是 Excel 使用的，无法读取"
        )


@dataclass
class _Scan:
    """What the XML says before calamine reads it: sheet part -> (rows, columns) reached,
    the bound for a sheet not found by name, bad cells by sheet name, external links."""

    extent: dict[str, tuple[int, int]]
    fallback: tuple[int, int] = (0, 0)
    far: dict[str, str] = field(default_factory=dict)  # the farthest cells, for the message
    bad: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)
    links: tuple[str, ...] = ()


_ATTR_RE = re.compile(rb"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)>")
_REL_TAG = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)>")
_UNIQUE_COUNT = re.compile(rb"""uniqueCount\s*=\s*["']\s*(\d+)""")


def _attrs(tag: bytes) -> dict[str, str]:
    """The attributes of one XML start tag, entity references decoded."""
    import html

    return {
        k.decode(errors="replace"): html.unescape((v1 or v2).decode("utf-8", "replace"))
        for k, v1, v2 in _ATTR_RE.findall(tag)
    }


def _rel_targets(xml: bytes) -> dict[str, dict[str, str]]:
    return {a.get("Id", ""): a for a in map(_attrs, _REL_TAG.findall(xml))}


def scan_xlsx(file: str, zf: zipfile.ZipFile) -> _Scan:
    """Bound every worksheet's extent from its cell references, check the shared strings'
    declared count, and find bad cells and external links: all before calamine parses."""
    names = set(zf.namelist())
    if "xl/sharedStrings.xml" in names:
        with zf.open("xl/sharedStrings.xml") as stream:
            head = stream.read(4096)
        size = zf.getinfo("xl/sharedStrings.xml").file_size
        m = _UNIQUE_COUNT.search(head)
        # calamine reserves room for the declared count up front: a false one must not reach it
        if m and int(m.group(1)) > max(size // 5, 1_000_000):
            raise UnreadableFile(
                file,
                f"部件“xl/sharedStrings.xml”声明了 {int(m.group(1)):,} 个字符串，"
                f"而它只有 {_mb(size)}，文件已损坏或是恶意构造的，拒绝读取",
            )
    rels = (
        _rel_targets(zf.read("xl/_rels/workbook.xml.rels"))
        if "xl/_rels/workbook.xml.rels" in names
        else {}
    )
    parts: dict[str, str] = {}  # sheet name -> part
    for tag in _SHEET_TAG.findall(zf.read("xl/workbook.xml")):
        attrs = _attrs(tag)
        rid = next((v for k, v in attrs.items() if k.endswith(":id")), "")
        target = rels.get(rid, {}).get("Target", "")
        if target:
            parts[attrs.get("name", "")] = _part_path(target)
    sheet_parts = {p for p in names if p.startswith("xl/worksheets/") and p.endswith(".xml")}
    scan = _Scan(extent={})
    for part in sorted(sheet_parts | {p for p in parts.values() if p in names}):
        xml = zf.read(part)
        scan.extent[part], scan.far[part] = sheet_extent(xml)
        if b"<f" in xml or b't="e"' in xml:
            scan.bad[part] = bad_cells(xml)
    scan.fallback = max(scan.extent.values(), key=lambda e: e[0] * e[1], default=(0, 0))
    scan.extent = {name: scan.extent.get(part, scan.fallback) for name, part in parts.items()}
    scan.bad = {name: scan.bad.get(part, {}) for name, part in parts.items()}
    scan.far = {name: scan.far.get(part, "") for name, part in parts.items()}
    scan.links = _external_links(zf, names)
    return scan


def _part_path(target: str) -> str:
    """A relationship target as calamine resolves it: '/xl/x', 'xl/x' or 'x' under xl/."""
    if target.startswith("/"):
        return target[1:]
    return target if target.startswith("xl/") else "xl/" + target


# a cell holding something (not <c/>), and its reference if it has one: one pass, not two
_C_TAG = re.compile(
    rb"""<(?:\w+:)?c\b(?:[^>]*?\s(r)\s*=\s*["']([A-Za-z]*)(\d*)["'])?[^>]*(?<!/)>"""
)
_ROW_REF = re.compile(rb"""<(?:\w+:)?row\b[^>]*?\sr\s*=\s*["'](\d*)["']""")
_ROW_ANY = re.compile(rb"<(?:\w+:)?row\b()")


def sheet_extent(xml: bytes) -> tuple[tuple[int, int], str]:
    """(rows, columns) from A1 to the farthest cell holding anything, from the cell references
    (the <dimension> element is ignored, as calamine ignores it), and the farthest cells by
    name. An upper bound: cells without a reference count as if each stood one further out."""
    tags = _C_TAG.findall(xml)
    refs = [(c, r) for named, c, r in tags if named]
    # thousands of cells name a few hundred rows and a few dozen columns: look at those
    col_of, row_of = list(map(itemgetter(0), refs)), list(map(itemgetter(1), refs))
    row_names, col_names = set(row_of), set(col_of)
    rows = max((int(r or 0) for r in row_names), default=0)
    cols = max((column_index(c.decode().upper()) + 1 for c in col_names if c), default=0)
    lowest = widest = (b"", b"")
    if refs:  # the first cell in the lowest row and in the widest column, as max() finds them
        lowest = refs[min(row_of.index(r) for r in row_names if int(r or 0) == rows)]
        width = max((len(c), c.upper()) for c in col_names)
        widest = refs[min(col_of.index(c) for c in col_names if (len(c), c.upper()) == width)]
    far = "、".join(dict.fromkeys((a + b).decode()[:20] for a, b in (lowest, widest) if a + b))
    loose = len(tags) - len(refs)
    if loose > 0:
        row_refs = _ROW_REF.findall(xml)
        rows = max(rows, max((int(r or 0) for r in row_refs), default=0))
        rows += len(_ROW_ANY.findall(xml)) - len(row_refs)
        cols += loose
    return (rows, cols), far


# --- xlsx: cells whose cached value is missing or an error --------------------------------

# a cell's content stops at its own </c>; never across another cell, so one pass is linear
_CELL_RE = re.compile(rb'<c r="([A-Z]+)(\d+)"([^>]*?)(?:/>|>((?:(?!</?c\b).)*)</c>)', re.S)
_FORMULA_RE = re.compile(rb"<f(?:\s[^>]*)?(?:/>|>(.*?)</f>)", re.S)
_VALUE_RE = re.compile(rb"<v>(.*?)</v>", re.S)


def bad_cells(xml: bytes) -> dict[tuple[int, int], str]:
    """{(row, col): '=FORMULA' | '#ERR!'} for formulas with no cached value and stored error
    values; calamine returns both as empty cells."""
    import html

    cells: dict[tuple[int, int], str] = {}
    for col, row, attrs, inner in _CELL_RE.findall(xml):
        if b"<f" not in inner and b't="e"' not in attrs:
            continue  # neither a formula nor an error: most cells
        value = _VALUE_RE.search(inner)
        key = (int(row) - 1, column_index(col.decode()))
        if b't="e"' in attrs and value:
            cells[key] = value.group(1).decode("utf-8", "replace")
            continue
        formula = _FORMULA_RE.search(inner)
        if formula and (value is None or not value.group(1)):
            cells[key] = "=" + html.unescape((formula.group(1) or b"").decode("utf-8", "replace"))
    return cells


_DDE = re.compile(rb"<(?:\w+:)?ddeLink\b([^>]*)>")


def _external_links(zf: zipfile.ZipFile, names: set[str]) -> tuple[str, ...]:
    """The files (and DDE programs) the workbook's formulas refer to. Named, never opened."""
    found: list[str] = []
    for part in sorted(names):
        if part.startswith("xl/externalLinks/_rels/") and part.endswith(".rels"):
            for rel in _rel_targets(zf.read(part)).values():
                if rel.get("TargetMode") == "External" and rel.get("Target"):
                    found.append(rel["Target"])
        elif part.startswith("xl/externalLinks/") and part.endswith(".xml"):
            for tag in _DDE.findall(zf.read(part)):
                a = _attrs(tag)
                found.append(f"DDE {a.get('ddeService', '')}|{a.get('ddeTopic', '')}")
    return tuple(dict.fromkeys(found))


# --- ods: repeated rows and columns -------------------------------------------------------

_ODS_ROW = re.compile(
    rb"<table:table-row\b([^>]*?)(?:/>|>((?:(?!<table:table-row\b).)*?)</table:table-row>)", re.S
)
_ODS_CELL = re.compile(rb"<table:(?:covered-)?table-cell\b([^>]*?)(/?)>")
_ODS_TABLE = re.compile(rb"<table:table\b[\s>]")
_REPEAT = re.compile(rb'number-(rows|columns)-repeated\s*=\s*["\'](\d+)')


def _ods_extent(xml: bytes) -> tuple[tuple[int, int], int]:
    """((rows, columns) of the largest table, cells of all tables) as calamine lays out
    content.xml, repeats expanded: a row repeated 1,048,576 times holding a value is a bomb;
    the empty repeats LibreOffice writes after the data cost nothing."""
    starts = [m.start() for m in _ODS_TABLE.finditer(xml)] + [len(xml)]
    largest, cells = (0, 0), 0
    for begin, end in itertools.pairwise(starts):
        row = height = width = 0
        for m in _ODS_ROW.finditer(xml, begin, end):
            reps = _repeat(m.group(1))
            col = used = 0
            for cell in _ODS_CELL.finditer(m.group(2) or b""):
                col += _repeat(cell.group(1))
                if cell.group(2) != b"/" or b"value-type" in cell.group(1):
                    used = col
            if used:
                height, width = row + reps, max(width, used)
            row += reps
        cells += height * width
        if height * width > largest[0] * largest[1]:
            largest = (height, width)
    return largest, cells


def _repeat(attrs: bytes) -> int:
    m = _REPEAT.search(attrs)
    return max(1, int(m.group(2))) if m else 1


# --- calamine --------------------------------------------------------------------------------


def _read_calamine(path: Path, data: bytes, fmt: str, scan: _Scan) -> RawBook:
    import python_calamine as pc

    budget = MAX_CELLS
    try:
        wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
        visible, hidden = [], []
        for meta in wb.sheets_metadata:
            if meta.typ != pc.SheetTypeEnum.WorkSheet:
                continue
            if meta.visible != pc.SheetVisibleEnum.Visible:
                hidden.append(meta.name)
                continue
            far_rows, far_cols = scan.extent.get(meta.name, scan.fallback)
            if far_rows * far_cols > budget:  # before calamine lays the sheet out in memory
                far = scan.far.get(meta.name, "")
                raise _too_many_cells(path.name, meta.name, far_rows, far_cols, far)
            sheet = wb.get_sheet_by_name(meta.name)
            height, width = sheet.height, sheet.width
            if height * width > budget:  # before its cells become Python objects
                raise _too_many_cells(path.name, meta.name, height, width)
            budget -= height * width
            rows = sheet.to_python(skip_empty_area=False)
            merged = _clip_merges(
                ((r0, c0, r1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])),
                len(rows),
                max((len(r) for r in rows), default=0),
            )
            visible.append(RawSheet(meta.name, rows, merged, scan.bad.get(meta.name, {})))
    except pc.PasswordError as exc:
        raise UnreadableFile(path.name, _PASSWORD) from exc
    except (pc.CalamineError, pc.XmlError, pc.ZipError, ValueError) as exc:
        if "password" in str(exc).lower():
            raise UnreadableFile(path.name, _PASSWORD) from exc
        raise UnreadableFile(path.name, f"文件已损坏或格式不对，无法读取（{exc}）"[:200]) from exc
    return RawBook(path, fmt, tuple(visible), tuple(hidden))


# --- OLE files: old .xls, and encrypted workbooks ------------------------------------------


def read_ole(path: Path, data: bytes, password: str | None = None) -> RawBook:
    """An OLE container: an encrypted .xlsx (decrypted with the password, then read as one),
    or an old binary .xls (BIFF8), maybe itself encrypted."""
    if _ENCRYPTED_MARK in data:
        if password is None:
            raise UnreadableFile(path.name, _PASSWORD)
        _check_encryption_info(path.name, data)
        return read_zip_workbook(path, decrypt(path.name, data, password))
    return read_xls(path, data, password)


def read_xls(path: Path, data: bytes, password: str | None = None) -> RawBook:
    """Old binary .xls. The OLE container is checked and the cell records counted first:
    calamine trusts the container's sizes (a damaged one asks for gigabytes) and lays a sheet
    out from A1 to the farthest cell (one stray cell at IV65536 costs a gigabyte)."""
    far, encrypted = xls_extent(path.name, data)
    if encrypted:
        if password is None:
            raise UnreadableFile(path.name, _PASSWORD)
        data = decrypt(path.name, data, password)
        far, _ = xls_extent(path.name, data)
    if far[0] * far[1] > MAX_CELLS:
        raise _too_many_cells(path.name, "", *far)
    return _read_calamine(path, data, "xls", _Scan(extent={}, fallback=far))


_CORRUPT_OLE = "文件已损坏（OLE 结构有误），可能没有复制完，请重新报送"


def workbook_stream(file: str, data: bytes) -> bytes:
    """The BIFF Workbook stream of an OLE file, once the container's header and directory
    sizes are known to fit in the file: calamine reserves memory for them as they say."""
    import olefile

    if len(data) < 512:
        raise UnreadableFile(file, _CORRUPT_OLE)
    shift, _mini = struct.unpack_from("<HH", data, 30)
    if shift not in (9, 12):
        raise UnreadableFile(file, _CORRUPT_OLE)
    sector = 1 << shift
    dir_len, fat_len = struct.unpack_from("<II", data, 40)
    mini_fat_len, _, difat_len = struct.unpack_from("<III", data, 64)
    if max(dir_len, fat_len, mini_fat_len, difat_len) * sector > len(data):
        raise UnreadableFile(file, _CORRUPT_OLE)
    try:
        with olefile.OleFileIO(data) as ole:
            ole.directory_fp.seek(0)
            entries = ole.directory_fp.read()
            name = next((n for n in ("Workbook", "Book") if ole.exists(n)), None)
            stream = ole.openstream(name).read() if name else None
    except Exception as exc:  # olefile raises many types on a damaged container
        raise UnreadableFile(file, _CORRUPT_OLE) from exc
    for at in range(0, len(entries) - 127, 128):
        low, high = struct.unpack_from("<II", entries, at + 120)
        if (low if sector == 512 else low | high << 32) > len(data):
            raise UnreadableFile(file, _CORRUPT_OLE)
    if stream is None:
        raise UnreadableFile(file, "不是 Excel 工作簿（可能是 Word 等其他 Office 文件），无法读取")
    return stream


# BIFF record types that put a value in a cell (blank cells cost calamine nothing)
_BIFF_VALUE_CELLS = {0x0006, 0x00D6, 0x00FD, 0x0203, 0x0204, 0x0205, 0x027E}
_BIFF_MULRK, _BIFF_BOF, _BIFF_FILEPASS = 0x00BD, 0x0809, 0x002F


def xls_extent(file: str, data: bytes) -> tuple[tuple[int, int], bool]:
    """((rows, columns) of the largest sheet, encrypted?) from the BIFF records."""
    stream = workbook_stream(file, data)
    largest, rows, cols, pos = (0, 0), 0, 0, 0
    while pos + 4 <= len(stream):
        typ, size = struct.unpack_from("<HH", stream, pos)
        body = pos + 4
        if typ == _BIFF_FILEPASS:  # the rest is encrypted
            return largest, True
        if typ == _BIFF_BOF:  # a new sheet
            rows, cols = 0, 0
        elif (typ in _BIFF_VALUE_CELLS or typ == _BIFF_MULRK) and 4 <= size <= len(stream) - body:
            r, c = struct.unpack_from("<HH", stream, body)
            if typ == _BIFF_MULRK and size >= 6:
                c = struct.unpack_from("<H", stream, body + size - 2)[0]
            rows, cols = max(rows, r + 1), max(cols, c + 1)
            if rows * cols > largest[0] * largest[1]:
                largest = (rows, cols)
        pos = body + size
    return largest, False


def _check_encryption_info(file: str, data: bytes) -> None:
    """The EncryptionInfo of an encrypted .xlsx is XML that msoffcrypto parses with minidom:
    refuse entity declarations, and a hashing count that would take hours to try."""
    import defusedxml.ElementTree as DET
    import olefile

    try:
        with olefile.OleFileIO(data) as ole:
            info = ole.openstream("EncryptionInfo").read()
    except Exception as exc:  # a damaged container: no password can open it
        raise UnreadableFile(file, _PASSWORD) from exc
    if struct.unpack_from("<HH", info)[0:2] != (4, 4):
        return  # standard encryption: fixed 50,000 rounds, binary header
    xml = info[8:]
    if any(mark in xml for mark in _XML_BOMBS):
        raise UnreadableFile(file, f"加密信息{_ENTITIES}")
    try:
        root = DET.fromstring(xml, forbid_dtd=True)
    except Exception as exc:  # ParseError or a defusedxml refusal
        raise UnreadableFile(file, f"加密信息已损坏，无法读取（{exc}）") from exc
    spins = [int(e.get("spinCount", "0")) for e in root.iter() if e.get("spinCount", "").isdigit()]
    if max(spins, default=0) > MAX_SPIN:
        raise UnreadableFile(
            file, f"加密参数异常（密码计算 {max(spins):,} 轮，Excel 只用 100,000 轮），拒绝尝试密码"
        )


def decrypt(file: str, data: bytes, password: str) -> bytes:
    """The workbook inside an encrypted file, opened with the clerk's password."""
    import msoffcrypto
    from msoffcrypto.exceptions import InvalidKeyError

    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        office.load_key(password=password, verify_password=True)
        out = io.BytesIO()
        office.decrypt(out)
    except InvalidKeyError as exc:
        raise UnreadableFile(file, _WRONG_PASSWORD) from exc
    except Exception as exc:  # msoffcrypto raises many types on a damaged file
        if "password" in str(exc).lower() or "key" in str(exc).lower():
            raise UnreadableFile(file, _WRONG_PASSWORD) from exc
        raise UnreadableFile(file, f"加密的工作簿已损坏，无法解密（{exc}）"[:200]) from exc
    plain = out.getvalue()
    if len(plain) > MAX_FILE_BYTES:
        raise UnreadableFile(file, f"解密后有 {_mb(len(plain))}，超过 {_mb(MAX_FILE_BYTES)} 的上限")
    return plain


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
    """CSV or TSV in UTF-8, UTF-16 or GBK/GB18030; every cell stays text until normalised."""
    text = decode_text(data)
    if "\ufffd" in text[:4096] and text.count("\ufffd") > len(text) // 20:
        raise UnreadableFile(path.name, "无法识别的文本编码，请另存为 UTF-8 或 GBK 编码的 CSV")
    sample = text[:8192]
    delimiter = max([",", "\t", ";"], key=sample.count)
    # a cell may be long (its text is cut to Excel's limit later, with a warning); the limit
    # only ever grows, and the whole text is already bounded by MAX_TEXT_BYTES
    csv.field_size_limit(max(csv.field_size_limit(), MAX_TEXT_BYTES))
    rows: list[list[Cell]] = []
    cells = 0
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            cells += max(len(row), 1)
            if cells > MAX_CELLS:
                raise _too_many_cells(path.name, "", len(rows) + 1, max(len(row), 1))
            rows.append(list(row))
    except csv.Error as exc:
        raise UnreadableFile(path.name, f"第{reader.line_num}行无法按 CSV 解析（{exc}）") from exc
    return RawBook(path, "csv", (RawSheet("", rows),))


def read_html(path: Path, data: bytes) -> RawBook:
    """An ".xls" exported by an office system that is really an HTML page with tables."""
    import lxml.html

    declared = _CHARSET_RE.search(data[:4096])
    text = decode_text(data, declared.group(1).decode() if declared else None)
    if "<!ENTITY" in text:  # HTML has no use for them; lxml would not expand them either
        raise UnreadableFile(path.name, f"网页表格{_ENTITIES}")
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
    try:
        parser = lxml.html.HTMLParser(no_network=True, remove_comments=True)
        doc = lxml.html.document_fromstring(text, parser=parser)
    except Exception as exc:  # lxml raises several unrelated types on broken markup
        raise UnreadableFile(path.name, f"网页表格无法解析（{exc}）"[:200]) from exc
    tables = [t for t in doc.iter("table") if not t.xpath(".//table")]
    if not tables:
        raise UnreadableFile(path.name, "网页文件中没有表格")
    names = [""] if len(tables) == 1 else [f"表{i + 1}" for i in range(len(tables))]
    budget = _Budget(path.name)
    sheets = tuple(_html_table(name, t, budget) for name, t in zip(names, tables, strict=True))
    return RawBook(path, "html", sheets)


class _Budget:
    """Cells laid out so far in one file; raises the file's reason past MAX_CELLS."""

    def __init__(self, file: str) -> None:
        self.file, self.used = file, 0

    def spend(self, sheet: str, rows: int, cols: int, cells: int | None = None) -> None:
        self.used += rows * cols if cells is None else cells
        if self.used > MAX_CELLS:
            raise _too_many_cells(self.file, sheet, rows, cols)


def _html_table(name: str, table: Any, budget: _Budget) -> RawSheet:
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
            budget.spend(name, r + rs, c + cs, rs * cs)  # spans of 1000 x 1000 add up fast
            for dr in range(rs):
                for dc in range(cs):
                    grid[(r + dr, c + dc)] = text if (dr, dc) == (0, 0) else ""
            if rs > 1 or cs > 1:
                merged.append((r, c, r + rs - 1, c + cs - 1))
            c += cs
    height = max((k[0] for k in grid), default=-1) + 1
    width = max((k[1] for k in grid), default=-1) + 1
    budget.spend(name, height, width, max(height * width - len(grid), 0))
    rows = [[grid.get((r, c), "") for c in range(width)] for r in range(height)]
    return RawSheet(name, rows, tuple(merged))


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 1000))
    except ValueError:
        return 1


# --- XML Spreadsheet 2003 ("XML 表格" saved by Excel 2003, still exported by some systems) --

_SS = "urn:schemas-microsoft-com:office:spreadsheet"


def read_xml_spreadsheet(path: Path, data: bytes) -> RawBook:
    """An Excel 2003 XML workbook, parsed with defusedxml: a DTD (entity bombs, external
    entities) is refused, never expanded or fetched."""
    import defusedxml.ElementTree as DET
    from defusedxml import DefusedXmlException

    budget = _Budget(path.name)
    visible: list[RawSheet] = []
    hidden: list[str] = []
    try:
        events = DET.iterparse(io.BytesIO(data), events=("start", "end"), forbid_dtd=True)
        for sheet, is_hidden in _xml_sheets(events, budget):
            if is_hidden:
                hidden.append(sheet.name)
            else:
                visible.append(sheet)
    except DefusedXmlException as exc:
        raise UnreadableFile(path.name, f"XML 表格{_ENTITIES}") from exc
    except SyntaxError as exc:  # xml.etree's ParseError: the position says where
        raise UnreadableFile(path.name, f"XML 表格已损坏，无法解析（{exc}）"[:200]) from exc
    if not visible and not hidden:
        raise UnreadableFile(path.name, "是 XML 表格，但其中没有工作表")
    return RawBook(path, "xml", tuple(visible), tuple(hidden))


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _ss(element: Any, name: str) -> str | None:
    """An ss: attribute (Index, MergeAcross, Type …), whatever prefix the file bound it to."""
    return element.get(f"{{{_SS}}}{name}") or element.get(name)


def _xml_sheets(
    events: Iterator[tuple[str, Any]], budget: _Budget
) -> Iterator[tuple[RawSheet, bool]]:
    """(sheet, hidden?) for each <Worksheet>, rows laid out as they stream past."""
    parents: list[Any] = []
    cells: dict[tuple[int, int], Cell] = {}
    merged: list[Merge] = []
    bad: dict[tuple[int, int], str] = {}
    r = -1
    hidden = False
    for event, el in events:
        tag = _local(el.tag)
        if event == "start":
            parents.append(el)
            if tag == "Worksheet":
                cells, merged, bad, r, hidden = {}, [], {}, -1, False
            continue
        parents.pop()
        if tag == "Row":
            r = _index(_ss(el, "Index"), r)
            _xml_row(el, r, cells, merged, bad, budget)
            if parents:  # a streamed row is done with: keep memory flat
                parents[-1].remove(el)
        elif tag == "Visible" and (el.text or "").strip() in ("SheetHidden", "SheetVeryHidden"):
            hidden = True
        elif tag == "Worksheet":
            name = _ss(el, "Name") or ""
            yield _xml_grid(name, cells, merged, bad, budget), hidden
            el.clear()


def _index(value: str | None, previous: int) -> int:
    """ss:Index is 1-based; without it, the next position."""
    try:
        index = int(value) - 1 if value else previous + 1
    except ValueError:
        index = previous + 1
    if not 0 <= index < 1_048_576:
        raise ValueError(f"ss:Index={value}")
    return index


def _xml_row(
    row: Any,
    r: int,
    cells: dict[tuple[int, int], Cell],
    merged: list[Merge],
    bad: dict[tuple[int, int], str],
    budget: _Budget,
) -> None:
    c = -1
    for cell in row:
        if _local(cell.tag) != "Cell":
            continue
        explicit = _ss(cell, "Index")
        c = _index(explicit, c)
        while not explicit and (r, c) in cells:  # under a cell merged down from above
            c += 1
        across = min(_count(_ss(cell, "MergeAcross")), 16_383)
        down = min(_count(_ss(cell, "MergeDown")), 1_048_575)
        budget.spend("", 1, 1, (across + 1) * (down + 1))
        value, error = _xml_value(cell)
        formula = _ss(cell, "Formula")
        if error:
            bad[(r, c)] = error
        elif formula and value is None:
            bad[(r, c)] = formula if formula.startswith("=") else "=" + formula
        for dr in range(down + 1):
            for dc in range(across + 1):
                cells[(r + dr, c + dc)] = value if (dr, dc) == (0, 0) else None
        if across or down:
            merged.append((r, c, r + down, c + across))
        c += across


def _count(value: str | None) -> int:
    try:
        return max(0, int(value or 0))
    except ValueError:
        return 0


def _xml_value(cell: Any) -> tuple[Cell, str | None]:
    """(value, stored error) of a <Cell>: its <Data> typed as ss:Type says."""
    data = next((d for d in cell if _local(d.tag) == "Data"), None)
    if data is None:
        return None, None
    text = "".join(data.itertext())  # rich text (<html:Font>) flattened
    typ = _ss(data, "Type") or "String"
    if typ == "Error":
        return None, text.strip() or "#VALUE!"
    try:
        if typ == "Number":
            return float(text), None
        if typ == "DateTime":
            return dt.datetime.fromisoformat(text.strip()), None
        if typ == "Boolean":
            return text.strip() in ("1", "true", "TRUE"), None
    except ValueError:
        pass  # kept as typed: the normalise stage reports what it cannot read
    return text, None


def _xml_grid(
    name: str,
    cells: dict[tuple[int, int], Cell],
    merged: list[Merge],
    bad: dict[tuple[int, int], str],
    budget: _Budget,
) -> RawSheet:
    height = max((k[0] for k in cells), default=-1) + 1
    width = max((k[1] for k in cells), default=-1) + 1
    budget.spend(name, height, width, max(height * width - len(cells), 0))
    rows = [[cells.get((r, c)) for c in range(width)] for r in range(height)]
    return RawSheet(name, rows, _clip_merges(merged, height, width), bad)
