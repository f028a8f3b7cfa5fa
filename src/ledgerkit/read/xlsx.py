"""Zip workbooks: .xlsx, .xlsm and .ods.

The zip directory is checked before anything is decompressed (a zip bomb, a DOCTYPE in an XML
part), and the XML is pre-scanned before calamine parses it: each sheet's extent from its cell
references (or an .ods table's repeats), the formulas with no cached value and the stored
errors calamine returns as empty cells, and the external links the formulas refer to.
"""

from __future__ import annotations

import io
import itertools
import re
import zipfile
import zlib
from pathlib import Path
from typing import IO
from xml.parsers import expat

from ledgerkit.errors import UnreadableFile
from ledgerkit.read import limits
from ledgerkit.read.book import RawBook, column_index
from ledgerkit.read.calamine import _read_calamine, _Scan
from ledgerkit.read.limits import _ENTITIES, _XML_BOMBS, _mb, _too_many_cells


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
                content = zf.read("content.xml")
                limits._check_sheets(path.name, len(_ODS_TABLE.findall(content)))
                largest, cells = _ods_extent(content)
                if cells > limits.MAX_CELLS:  # calamine lays out every table as it opens the file
                    raise _too_many_cells(path.name, "", *largest)
                scan = _Scan(extent={}, fallback=largest)
                fmt = "ods"
            else:
                raise UnreadableFile(path.name, "是压缩包而不是 Excel 工作簿")
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise UnreadableFile(path.name, "文件已损坏或不完整（可能没有复制完），请重新报送") from exc
    book = _read_calamine(path, data, fmt, scan)
    return RawBook(book.path, book.format, book.sheets, book.hidden, scan.links)


def check_zip(file: str, zf: zipfile.ZipFile) -> None:
    """Refuse a zip bomb from its directory, before anything is decompressed: too many parts,
    a part or all parts too big once unpacked, a compression ratio no workbook has; and any
    XML part that declares a DOCTYPE (where entity bombs and external entities live)."""
    infos = zf.infolist()
    if len(infos) > limits.MAX_ZIP_ENTRIES:
        raise UnreadableFile(
            file, f"压缩包内有 {len(infos):,} 个部件（上限 {limits.MAX_ZIP_ENTRIES:,}），拒绝读取"
        )
    for info in infos:
        _check_part(file, info)
    total = sum(info.file_size for info in infos)
    if total > limits.MAX_UNZIPPED_BYTES:
        raise UnreadableFile(
            file,
            f"解压后共有 {_mb(total)}，超过 {_mb(limits.MAX_UNZIPPED_BYTES)} 的上限"
            "（疑似“压缩炸弹”），拒绝读取",
        )
    for info in infos:
        ratio = info.file_size // max(info.compress_size, 1)
        if info.file_size > limits.RATIO_FLOOR and ratio > limits.MAX_RATIO:
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
    if info.file_size > limits.MAX_PART_BYTES:
        raise UnreadableFile(
            file,
            f"部件“{part}”解压后有 {_mb(info.file_size)}，超过 {_mb(limits.MAX_PART_BYTES)} 的上限"
            "（疑似“压缩炸弹”），拒绝读取",
        )
    if info.flag_bits & 0x1:
        raise UnreadableFile(file, f"部件“{part}”设有压缩包密码，无法读取")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise UnreadableFile(
            file, f"部件“{part}”的压缩方式（{info.compress_type}）不是 Excel 使用的，无法读取"
        )


_ATTR_RE = re.compile(rb"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)>")
_REL_TAG = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)>")


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
    """Bound every worksheet's extent from its cells, check the shared strings' declared
    count, and find bad cells and external links: all before calamine parses. The parts that
    size calamine's allocations are parsed as XML (expat, streamed), not matched by patterns:
    an attribute holding `>`, a namespace prefix or a late attribute cannot hide a cell."""
    names = set(zf.namelist())
    if "xl/sharedStrings.xml" in names:
        _check_string_count(file, zf)
    rels = (
        _rel_targets(zf.read("xl/_rels/workbook.xml.rels"))
        if "xl/_rels/workbook.xml.rels" in names
        else {}
    )
    parts: dict[str, str] = {}  # sheet name -> part
    tags = _SHEET_TAG.findall(zf.read("xl/workbook.xml"))
    limits._check_sheets(file, len(tags))
    for tag in tags:
        attrs = _attrs(tag)
        rid = next((v for k, v in attrs.items() if k.endswith(":id")), "")
        target = rels.get(rid, {}).get("Target", "")
        if target:
            parts[attrs.get("name", "")] = _part_path(target)
    sheet_parts = {p for p in names if p.startswith("xl/worksheets/") and p.endswith(".xml")}
    scan = _Scan(extent={})
    for part in sorted(sheet_parts | {p for p in parts.values() if p in names}):
        xml = zf.read(part)
        scan.extent[part], scan.far[part] = sheet_extent(xml, file, part)
        if b"<f" in xml or b't="e"' in xml:
            scan.bad[part] = bad_cells(xml)
    scan.fallback = max(scan.extent.values(), key=lambda e: e[0] * e[1], default=(0, 0))
    scan.extent = {name: scan.extent.get(part, scan.fallback) for name, part in parts.items()}
    scan.bad = {name: scan.bad.get(part, {}) for name, part in parts.items()}
    scan.far = {name: scan.far.get(part, "") for name, part in parts.items()}
    scan.links = _external_links(zf, names)
    return scan


def _check_string_count(file: str, zf: zipfile.ZipFile) -> None:
    """calamine reserves room for the shared strings' declared count up front: a count no
    file of this size can hold is refused, wherever in the start tag it is written."""
    part = "xl/sharedStrings.xml"
    size = zf.getinfo(part).file_size
    with zf.open(part) as stream:
        root = _root_attrs(stream, file, part)
    declared = max((_number(v) for k, v in root.items() if _local(k) in _COUNTS), default=0)
    if declared > max(size // 5, 1_000_000):
        raise UnreadableFile(
            file,
            f"部件“{part}”声明了 {declared:,} 个字符串，"
            f"而它只有 {_mb(size)}，文件已损坏或是恶意构造的，拒绝读取",
        )


_COUNTS = ("count", "uniqueCount")


class _Done(Exception):
    """The parse has what it wanted: stop feeding."""


def _root_attrs(stream: IO[bytes], file: str, part: str) -> dict[str, str]:
    """The attributes of an XML part's root element, fed in 64 KB pieces until it is seen."""
    found: dict[str, str] = {}

    def start(name: str, attrs: dict[str, str]) -> None:
        found.update(attrs)
        raise _Done

    parser = _parser(file, part)
    parser.StartElementHandler = start
    try:
        while piece := stream.read(65536):
            parser.Parse(_printable(piece), False)
        parser.Parse(b"", True)
    except _Done:
        pass
    except expat.ExpatError as exc:
        raise _malformed(file, part, exc) from exc
    return found


def _parser(file: str, part: str) -> expat.XMLParserType:
    """An expat parser, without namespace processing (a prefix is kept, and ignored where
    names are compared), that refuses any DOCTYPE: entities are never expanded."""
    parser = expat.ParserCreate()

    def doctype(*_: object) -> None:
        raise UnreadableFile(file, f"部件“{part}”{_ENTITIES}")

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    return parser


def _malformed(file: str, part: str, exc: expat.ExpatError) -> UnreadableFile:
    return UnreadableFile(
        file,
        f"部件“{part}”的 XML 结构有误（第 {exc.lineno} 行：{expat.ErrorString(exc.code)}），"
        "文件已损坏或是恶意构造的，拒绝读取；请在 Excel 或 WPS 中打开、另存为 .xlsx 后重新报送",
    )


# control characters some exporters leave in text: not XML, but no structure either; they are
# read as spaces by the scan (same offsets), so a ledger calamine reads is not refused for them
_CONTROL = bytes(0x20 if b < 0x20 and b not in (0x09, 0x0A, 0x0D) else b for b in range(256))


def _printable(piece: bytes) -> bytes:
    return piece.translate(_CONTROL)


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _number(text: str) -> int:
    digits = text.strip()
    return int(digits) if digits.isdigit() and len(digits) < 20 else 0


def _part_path(target: str) -> str:
    """A relationship target as calamine resolves it: '/xl/x', 'xl/x' or 'x' under xl/."""
    if target.startswith("/"):
        return target[1:]
    return target if target.startswith("xl/") else "xl/" + target


_FEED = 2**20  # bytes of XML handed to expat at a time


def sheet_extent(xml: bytes, file: str = "", part: str = "") -> tuple[tuple[int, int], str]:
    """(rows, columns) from A1 to the farthest cell holding anything (the <dimension>
    element is ignored, as calamine ignores it), and the farthest cells by name.

    The part is first parsed whole by expat (C speed, no callbacks): malformed XML (a
    duplicated attribute, a tag cut short) and any DOCTYPE are refused. Once it is known to
    be well-formed, its start tags are read by a pattern that honours quoted attributes, so a
    `>` in a value or a namespace prefix cannot hide a cell (well-formed XML has no `<` in a
    value or in text). Parts where a pattern could still be wrong (another encoding, a
    prefixed `r`, a comment, CDATA or a processing instruction, where `<` may stand
    unescaped) are read element by element instead (`_Extent`). Either way the result is an upper bound:
    a cell without a reference stands one further out than the last, as calamine places it."""
    _well_formed(xml, file, part)
    if _odd(xml):
        return _parsed_extent(xml, file, part)
    tags = _plain_cells(xml)
    if tags is None:
        tags = _C_TAG.findall(xml)
    refs = [(c, r) for named, c, r in tags if named]
    col_of, row_of = [c for c, _ in refs], [r for _, r in refs]
    row_names, col_names = set(row_of), set(col_of)
    rows = max((int(r or 0) for r in row_names), default=0)
    cols = max((column_index(c.decode().upper()[:12]) + 1 for c in col_names if c), default=0)
    lowest = widest = (b"", b"")
    if refs:  # the first cell in the lowest row and in the widest column, as max() finds them
        lowest = refs[min(row_of.index(r) for r in row_names if int(r or 0) == rows)]
        width = max((len(c), c.upper()) for c in col_names)
        widest = refs[min(col_of.index(c) for c in col_names if (len(c), c.upper()) == width)]
    far = "、".join(dict.fromkeys((a + b).decode()[:20] for a, b in (lowest, widest) if a + b))
    loose = len(tags) - len(refs)
    if loose > 0:
        row_refs = [r for r in _ROW_REF.findall(xml) if r]
        rows = max(rows, max((int(r) for r in row_refs), default=0))
        rows += len(_ROW_ANY.findall(xml)) - len(row_refs)
        cols += loose
    return (rows, cols), far


# a start tag's attribute, its value quoted: a `>` inside the quotes is no end of the tag
_ATTR = rb"""\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*')"""
_NOT_R = rb"""\s+(?!r\s*=)[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*')"""
# a cell holding something (not <c/>), and its reference if it has one: one pass, not two
_C_TAG = re.compile(  # (a prefixed r never reaches it: such a part is `_odd`)
    rb"<(?:[\w.-]+:)?c(?:" + _NOT_R + rb")*"
    rb"""(?:\s+(r)\s*=\s*["']\s*([A-Za-z]*)(\d*)\s*["'])?"""
    rb"(?:" + _ATTR + rb")*\s*>"
)
# the cells as Excel, WPS and xlsxwriter write them: r first, double quotes, short plain
# attributes (s="3" t="s"), unprefixed; twice as fast as _C_TAG on a 22,000-row sheet
_C_PLAIN = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"(?: [a-z]{1,2}="[^"<>&]*")*(/?)>')
_C_START = re.compile(rb"<c[\s/>]")  # every unprefixed cell's start tag
_C_PREFIXED = re.compile(rb"<[\w.-]+:c[\s/>]")


def _plain_cells(xml: bytes) -> list[tuple[bytes, bytes, bytes]] | None:
    """The cells holding something as _C_TAG finds them, when every cell's start tag has the
    plain form; None when any has not (then _C_TAG reads them all). Well-formed XML has no
    `<` in a value or text, so each start counted is a cell's, and a cell of another form
    cannot hide from the count."""
    plain = _C_PLAIN.findall(xml)
    if len(plain) != len(_C_START.findall(xml)) or _C_PREFIXED.search(xml):
        return None
    return [(b"r", col, row) for col, row, closed in plain if not closed]


_ROW_REF = re.compile(rb"<(?:[\w.-]+:)?row(?:" + _NOT_R + rb""")*\s+r\s*=\s*["']\s*(\d*)""")
_ROW_ANY = re.compile(rb"<(?:[\w.-]+:)?row[\s/>]")


def _odd(xml: bytes) -> bool:
    """A part a pattern could misread: another encoding; a comment, CDATA or processing
    instruction (where `<` stands unescaped); a character reference (`&#88;` is X); an
    attribute with a prefix that might be an `r` (more `:r` than `xmlns:r` declarations)."""
    return bool(
        _ODD_PART.search(xml[:200])
        or b"\x00" in xml[:200]
        or b"<!--" in xml
        or b"<![CDATA[" in xml
        or xml.count(b"<?") > 1
        or b"&#" in xml
        or xml.count(b":r") > xml.count(b"xmlns:r")
    )


_ODD_PART = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["'](?!utf-?8["'])""", re.I)


def _well_formed(xml: bytes, file: str, part: str) -> None:
    """Parse the part with no callbacks but a refusal of DOCTYPE: malformed XML is refused."""
    _parse_whole(_parser(file, part), xml, file, part)


def _parse_whole(parser: expat.XMLParserType, xml: bytes, file: str, part: str) -> None:
    """Feed a whole part to `parser`, _FEED bytes at a time; malformed XML is refused."""
    try:
        for begin in range(0, len(xml), _FEED):
            parser.Parse(_printable(xml[begin : begin + _FEED]), False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise _malformed(file, part, exc) from exc


def _parsed_extent(xml: bytes, file: str, part: str) -> tuple[tuple[int, int], str]:
    """The extent read element by element (expat decodes the encoding and references)."""
    at = _Extent()
    parser = _parser(file, part)
    parser.StartElementHandler = at.start
    parser.EndElementHandler = at.end
    _parse_whole(parser, xml, file, part)
    far = "、".join(dict.fromkeys(ref[:20] for ref in (at.lowest, at.widest) if ref))
    return (at.rows, at.cols), far


class _Extent:
    """The farthest row and column reached by a cell holding something, as the XML goes by."""

    def __init__(self) -> None:
        self.row = self.col = 0  # 1-based; 0 before the first
        self.rows = self.cols = 0
        self.cell: tuple[int, int, str] | None = None  # a cell open, not yet seen to hold anything
        self.lowest = self.widest = ""

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition(":")[2]
        if local == "c":
            ref = _ref(attrs)
            row, col = _split(ref)
            self.col = max(col, self.col + 1)
            self.cell = (max(row, self.row, 1), self.col, ref)
        elif self.cell is not None:  # the cell holds a value, text or a formula
            row, col, ref = self.cell
            self.cell = None
            if row > self.rows:
                self.rows, self.lowest = row, ref or f"第{row}行"
            if col > self.cols:
                self.cols, self.widest = col, ref or f"第{col}列"
        elif local == "row":
            row, _ = _split(_ref(attrs))
            self.row, self.col = max(row, self.row + 1), 0

    def end(self, name: str) -> None:
        if self.cell is not None and name.rpartition(":")[2] == "c":
            self.cell = None


def _ref(attrs: dict[str, str]) -> str:
    """The r attribute, unprefixed or under any prefix."""
    if "r" in attrs:
        return attrs["r"]
    return next((v for k, v in attrs.items() if k.rpartition(":")[2] == "r"), "")


_REF = re.compile(r"\s*([A-Za-z]*)\s*(\d*)\s*")


def _split(ref: str) -> tuple[int, int]:
    """(row, column), 1-based, of a reference such as 'XFD1048576', 'A', '12'; 0 if absent.
    Letters or digits past any real sheet still count: they are what is refused."""
    m = _REF.fullmatch(ref)
    if not m:
        return 0, 0
    letters, digits = m.group(1)[:12].upper(), m.group(2)[:15]
    col = column_index(letters) + 1 if letters else 0
    return int(digits) if digits else 0, col


# --- xlsx: cells whose cached value is missing or an error --------------------------------

# a cell's content stops at its own </c>; never across another cell, so one pass is linear
_CELL_RE = re.compile(rb'<c r="([A-Z]+)(\d+)"([^>]*?)(?:/>|>((?:(?!</?c\b).)*)</c>)', re.S)
_FORMULA_RE = re.compile(rb"<f(?:\s[^>]*)?(?:/>|>(.*?)</f>)", re.S)
_VALUE_RE = re.compile(rb"<v>(.*?)</v>", re.S)


# the end of a formula not followed at once by a value that is not empty
_NO_VALUE = re.compile(rb"(?:</f>|<f\b[^>]*/>)(?!<v>[^<])")


def _empty_text(xml: bytes, at: int) -> bool:
    """The formula ending at `at` has the empty text as its value (<v></v> in a t="str"
    cell: `=IF(…,"",…)` showing nothing), which is a value."""
    start = xml.rfind(b"<c ", 0, at)
    end = xml.find(b">", start)
    return start >= 0 and b' t="str"' in xml[start:end] and xml.startswith(b"</f><v></v>", at)


def bad_cells(xml: bytes) -> dict[tuple[int, int], str]:
    """{(row, col): '=FORMULA' | '#ERR!'} for formulas with no cached value and stored error
    values; calamine returns both as empty cells."""
    import html

    cells: dict[tuple[int, int], str] = {}
    if b't="e"' not in xml and all(_empty_text(xml, m.start()) for m in _NO_VALUE.finditer(xml)):
        return cells  # every formula has its value: nothing to look for cell by cell
    for col, row, attrs, inner in _CELL_RE.findall(xml):
        if b"<f" not in inner and b't="e"' not in attrs:
            continue  # neither a formula nor an error: most cells
        value = _VALUE_RE.search(inner)
        key = (int(row) - 1, column_index(col.decode()))
        if b't="e"' in attrs and value:
            cells[key] = value.group(1).decode("utf-8", "replace")
            continue
        formula = _FORMULA_RE.search(inner)
        # a formula whose cached result is the empty text (t="str") has a value: ""
        if formula and (value is None or (not value.group(1) and b't="str"' not in attrs)):
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
