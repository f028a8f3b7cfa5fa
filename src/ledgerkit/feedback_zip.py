"""The feedback copy of a unit's .xlsx/.xlsm made part by part, without openpyxl.

Loading a unit's workbook into openpyxl and saving it again costs about 0.1 s of CPU a
ledger, the whole cost of `check --feedback`. Most of the package does not change: this
module copies every part as it is and rewrites only what the copy must change, by splicing
bytes at the places expat found (the rest of each part stays byte for byte as the unit's
Excel or WPS wrote it):

- the marked sheets: the `s=` style of each cell to colour (a cell not in the XML is
  added to its row), and a `<legacyDrawing>` pointing at a new comments part and its VML
  drawing;
- `xl/styles.xml`: new fills, the fonts and border of the list, and at the end of
  `<cellXfs>` one clone of each style used by a coloured cell, with the fill set;
- a new 问题清单 worksheet, first in `xl/workbook.xml` (its tab selected, every sheet-scoped
  defined name moved one sheet on), its relationship and content type;
- `docProps/core.xml`: the properties that mark the copy as ledgerkit's;
- the macros of an .xlsm are left out (the copy is an .xlsx).

Whatever the package holds that this cannot handle with certainty (existing comments or VML
drawings, strict OOXML, prefixed element names, a sheet that cannot be found, a row to
colour that is not in the XML, macro sheets …) raises `NotFast`; the caller then makes the
copy with openpyxl as before. Nothing here decides what to mark: `feedback.py` does, through
`Package.sheetnames`, `Package.anchor` and `Package.used_columns`.
"""

from __future__ import annotations

import io
import posixpath
import re
import xml.parsers.expat
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, unescape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
CORE_TYPE = PKG_REL + "/metadata/core-properties"
OFFICE_DOC = REL + "/officeDocument"
WORKSHEET = REL + "/worksheet"
CHARTSHEET = REL + "/chartsheet"
COMMENTS = REL + "/comments"
VML = REL + "/vmlDrawing"
VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
_MACRO_WORDS = ("macrosheet", "dialogsheet", "vbaproject", "macro")
_MAIN_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
}
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
COMMENTS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
VML_TYPE = "application/vnd.openxmlformats-officedocument.vmlDrawing"
CORE_CT = "application/vnd.openxmlformats-package.core-properties+xml"
RELS_TYPE = "application/vnd.openxmlformats-package.relationships+xml"
MAX_XFS = 64000  # the cell formats Excel holds
# CT_Worksheet's children after legacyDrawing: the new element goes before the first of them
_AFTER_LEGACY = {
    "legacyDrawingHF",
    "drawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
}
# CT_Workbook's children before definedNames, from sheets on
_BEFORE_NAMES = {"sheets", "functionGroups", "externalReferences"}
# a start tag's attributes, quoted values taken whole (a `>` inside quotes ends no tag)
_ATTRIBUTES = rb"(?:[^>\"']|\"[^\"]*\"|'[^']*')*"
_TAG_END = re.compile(_ATTRIBUTES + rb">")
_ATTR_PAIR = re.compile(rb"\s([^\s=/>]+)\s*=\s*(\"[^\"]*\"|'[^']*')")
_QUOTES = {"&quot;": '"', "&apos;": "'"}
_ATTR = re.compile(rb"(\s+)([^\s=/>]+)\s*=\s*(\"[^\"]*\"|'[^']*')")
_REF = re.compile(r"([A-Z]{1,3})([1-9]\d{0,6})")
_RANGE = re.compile(r"([A-Z]{1,3})([1-9]\d{0,6})(?::([A-Z]{1,3})([1-9]\d{0,6}))?")


def _start_tag(name: bytes, attributes: bool = False) -> re.Pattern[bytes]:
    """An unprefixed element's start tag; its attributes as group 1 when asked for."""
    body = b"(" + _ATTRIBUTES + b")" if attributes else _ATTRIBUTES
    return re.compile(b"<" + name + rb"(?=[\s/>])" + body + b">")


_SHEET_DATA = _start_tag(b"sheetData")
_ROW_START = _start_tag(b"row", attributes=True)
_SI_START = _start_tag(b"si")
_SST_START = _start_tag(b"sst")
_CELL_START = _start_tag(b"c", attributes=True)
_FIRST_REF = re.compile(rb"\s+r=\"([A-Z]{1,3}[0-9]{1,7})\"")
_PREFIXED = re.compile(rb"</?[^\s/>:]+:")
_FORMULA = re.compile(rb"<f[\s/>]")
_VALUE = re.compile(rb"<v(?:\s[^>]*)?>([^<]*)</v>")
_TEXT = re.compile(rb"<t(?:\s[^>]*)?>[^<]")
_READING = re.compile(rb"<rPh[\s>].*?</rPh>", re.S)
_PLAIN_TEXT = re.compile(rb"\s*<t(?:\s[^>]*)?>[^<]")
_UNPREFIXED = re.compile(rb"[\s/>]")
_DECL = re.compile(rb"<\?xml[^>]*encoding\s*=\s*[\"']([^\"']+)[\"']")
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


class NotFast(Exception):
    """The package holds something the part-by-part copy does not handle with certainty."""


# --- a few XML helpers -----------------------------------------------------------------------


@dataclass
class _El:
    """One element as found in a part: its local name, attributes (unprefixed names; a
    namespaced one as "uri name"), where its start tag begins and ends, and where the
    element ends (after its end tag)."""

    name: str
    attrs: dict[str, str]
    start: int
    tag_end: int
    end: int = -1
    close: int = -1  # where its end tag begins (-1: an empty element, <x/>)
    depth: int = 0
    text: list[str] = field(default_factory=list)


def _check_xml(data: bytes, part: str) -> None:
    """UTF-8 only (what the splices write), no DOCTYPE (entities)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise NotFast(f"{part}: UTF-16")
    m = _DECL.match(data.lstrip(b"\xef\xbb\xbf"))
    if m and m.group(1).lower().replace(b"-", b"") != b"utf8":
        raise NotFast(f"{part}: {m.group(1)!r}")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise NotFast(f"{part}: DOCTYPE")


def _parse(
    data: bytes,
    part: str,
    keep: Iterable[tuple[int, str]] | None = None,
    texts: frozenset[str] = frozenset(),
) -> list[_El]:
    """The elements of `data` in document order: all of them, or those whose (depth, local
    name) is in `keep` (a name "*" keeps every element at that depth). Every kept element
    must be in the SpreadsheetML or a package namespace and written without a prefix (the
    splices write unprefixed names). `texts`: local names whose character data is kept."""
    _check_xml(data, part)
    wanted = None if keep is None else set(keep)
    found: list[_El] = []
    stack: list[_El | None] = []
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")

    def start(qname: str, attrs: dict[str, str]) -> None:
        uri, _, local = qname.rpartition(" ")
        depth = len(stack)
        if wanted is not None and (depth, local) not in wanted and (depth, "*") not in wanted:
            stack.append(None)
            return
        at = parser.CurrentByteIndex
        m = _TAG_END.match(data, at)
        if m is None:
            raise NotFast(f"{part}: {qname}")
        if uri not in (MAIN, CT, PKG_REL):
            local = "{" + uri + "}" + local  # recorded, never taken for one of ours
        elif not _UNPREFIXED.match(data, at + 1 + len(local)) or not data.startswith(
            local.encode(), at + 1
        ):
            raise NotFast(f"{part}: prefixed {local}")
        el = _El(local, attrs, at, m.end(), depth=depth)
        found.append(el)
        stack.append(el)

    def end(_qname: str) -> None:
        el = stack.pop()
        if el is None:
            return
        at = parser.CurrentByteIndex
        if data[el.tag_end - 2 : el.tag_end] == b"/>":
            el.end = el.tag_end
        else:
            el.close = at
            el.end = data.index(b">", at) + 1

    def chars(text: str) -> None:
        el = stack[-1] if stack else None
        if el is not None and el.name in texts:
            el.text.append(text)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    if texts:
        parser.CharacterDataHandler = chars
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as exc:
        raise NotFast(f"{part}: {exc}") from exc
    return found


def _validate(data: bytes, part: str) -> None:
    """`data` is well-formed XML in UTF-8 without DOCTYPE, comments, CDATA sections or
    processing instructions: a pattern looking for a start tag finds only real ones."""
    _check_xml(data, part)
    if b"<!--" in data or b"<![CDATA[" in data or data.find(b"<?", 1) >= 0:
        raise NotFast(f"{part}: comments or processing instructions")
    try:
        xml.parsers.expat.ParserCreate(namespace_separator=" ").Parse(data, True)
    except xml.parsers.expat.ExpatError as exc:
        raise NotFast(f"{part}: {exc}") from exc


def _parse_piece(
    data: bytes,
    root: _El,
    start: int,
    end: int,
    part: str,
    keep: Iterable[tuple[int, str]],
    texts: frozenset[str] = frozenset(),
) -> list[_El]:
    """The elements of data[start:end] (a piece of the root's content), parsed inside the
    root's start tag (its namespaces), at the places they are in `data`."""
    tag = data[root.start : root.tag_end]
    piece = tag + data[start:end] + f"</{root.name}>".encode()
    els = _parse(piece, part, keep, texts)
    shift = start - len(tag)
    for el in els:
        el.start, el.tag_end = el.start + shift, el.tag_end + shift
        el.end = el.end + shift
        el.close = el.close + shift if el.close >= 0 else -1
    return [el for el in els if el.depth > 0]


def _attrs(raw: bytes) -> dict[str, str]:
    """The attributes of a start tag's text, as written (prefixes kept)."""
    out = {}
    for name, value in _ATTR_PAIR.findall(raw):
        text = value[1:-1].decode()
        out[name.decode()] = unescape(text, _QUOTES) if "&" in text else text
    return out


def _cell_attrs(data: bytes, cell: _El) -> dict[str, str]:
    """All the attributes of a cell `row` found (it notes only the reference)."""
    return _attrs(data[cell.start + 2 : cell.tag_end])


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def _text(value: str) -> str:
    return escape(value).replace("\r", "&#13;")


def _retag(data: bytes, el: _El, put: dict[str, str], drop: Iterable[str] = ()) -> bytes:
    """`el`'s start tag with the attributes in `put` set (in place, or added at the end) and
    those in `drop` left out; the rest as written."""
    tag = data[el.start : el.tag_end]
    empty = tag.endswith(b"/>")
    head = re.match(rb"<[^\s/>]+", tag)
    assert head is not None
    out = [head.group()]
    left = dict(put)
    gone = set(drop)
    for m in _ATTR.finditer(tag, head.end()):
        name = m.group(2).decode()
        if name in gone:
            continue
        if name in left:
            out.append(f' {name}="{_attr(left.pop(name))}"'.encode())
        else:
            out.append(m.group())
    out += [f' {k}="{_attr(v)}"'.encode() for k, v in left.items()]
    out.append(b"/>" if empty else b">")
    return b"".join(out)


def _splice(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """`data` with each (start, end, new) applied; insertions at one place keep their order."""
    if not edits:
        return data
    out: list[bytes] = []
    at = 0
    for start, end, new in sorted(edits, key=lambda e: (e[0], e[1] > e[0])):
        if start < at:
            raise NotFast("overlapping edits")
        out += [data[at:start], new]
        at = end
    out.append(data[at:])
    return b"".join(out)


def column_index(letters: str) -> int:
    """A column's number from its letters: A 1, AB 28."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def col_letter(n: int) -> str:
    """A column's letters from its number: 1 A, 28 AB."""
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def _root_prefix(data: bytes, root: _El, uri: str) -> str | None:
    """The prefix the root element binds to `uri`, if any."""
    tag = data[root.start : root.tag_end]
    for m in _ATTR.finditer(tag):
        name, value = m.group(2).decode(), m.group(3)[1:-1].decode()
        if name.startswith("xmlns:") and value == uri:
            return name[6:]
    return None


# --- the package ------------------------------------------------------------------------------


@dataclass
class _Rel:
    id: str
    type: str
    target: str
    external: bool


def _rels_of(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _relative(source: str, target: str) -> str:
    return posixpath.relpath(target, posixpath.dirname(source) or ".")


def _rels_xml(rels: list[_Rel]) -> bytes:
    out = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{PKG_REL}">'
    ]
    for r in rels:
        mode = ' TargetMode="External"' if r.external else ""
        out.append(
            f'<Relationship Id="{_attr(r.id)}" Type="{_attr(r.type)}"'
            f' Target="{_attr(r.target)}"{mode}/>'
        )
    out.append("</Relationships>")
    return "".join(out).encode()


def _free_id(rels: list[_Rel]) -> str:
    taken = {r.id for r in rels}
    n = len(rels) + 1
    while f"rId{n}" in taken:
        n += 1
    return f"rId{n}"


@dataclass
class _Sheet:
    """A worksheet part as far as the copy needs it: where each row starts (the rows
    parsed so far, with their cells), merged ranges, column styles, the children of
    <worksheet>."""

    name: str
    part: str
    data: bytes
    root: _El
    row_at: dict[int, tuple[int, int]] = field(default_factory=dict)
    rows: dict[int, tuple[_El, list[tuple[int, _El]]]] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    cols: list[tuple[int, int, int]] = field(default_factory=list)
    children: list[_El] = field(default_factory=list)
    views: list[_El] = field(default_factory=list)
    dimension: _El | None = None


class Package:
    """A unit's .xlsx/.xlsm opened for the part-by-part copy."""

    def __init__(self, data: bytes) -> None:
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, ValueError) as exc:
            raise NotFast(str(exc)) from exc
        self._infos = infos
        self._names = {i.filename.casefold(): i.filename for i in infos}
        if len(self._names) != len(infos):
            raise NotFast("duplicate part names")
        self._types = self._content_types()
        self._root_rels = self._rels("")
        book = [r for r in self._root_rels if r.type == OFFICE_DOC and not r.external]
        if len(book) != 1:
            raise NotFast("no single workbook part")
        self.book_part = self._resolve("", book[0].target)
        if self._type_of(self.book_part) not in _MAIN_TYPES:
            raise NotFast("not a SpreadsheetML workbook")
        self.book_rels = self._rels(self.book_part)
        for r in self.book_rels:
            if r.type != VBA and any(w in r.type.casefold() for w in _MACRO_WORDS):
                raise NotFast(f"macro part {r.type}")
        self._book = self._read(self.book_part)
        self._book_els = _parse(
            self._book,
            self.book_part,
            [(0, "workbook"), (1, "*"), (2, "sheet"), (2, "definedName"), (2, "workbookView")],
        )
        root = self._book_els[0]
        if root.name != "workbook":
            raise NotFast("workbook root")
        targets = {r.id: r for r in self.book_rels}
        self._sheets: list[tuple[_El, str, str]] = []  # element, name, part
        for el in self._book_els:
            if el.depth == 2 and el.name == "sheet":
                rel = targets.get(el.attrs.get(f"{REL} id", ""))
                name = el.attrs.get("name")
                if rel is None or rel.external or not name:
                    raise NotFast("a sheet without its part")
                part = self._resolve(self.book_part, rel.target)
                if rel.type not in (WORKSHEET, CHARTSHEET):
                    raise NotFast(f"sheet type {rel.type}")
                el.attrs["kind"] = rel.type
                self._sheets.append((el, name, part))
        self.sheetnames = [name for _, name, _ in self._sheets]
        if len(set(self.sheetnames)) != len(self.sheetnames):
            raise NotFast("two sheets of one name")
        self._parsed: dict[str, _Sheet] = {}
        self._strings: tuple[str, bytes, _El, list[tuple[int, int]]] | None = None
        self._vml = any(n.endswith(".vml") for n in self._names)
        self._new_types: dict[str, str] = {}

    # reading parts

    def _read(self, part: str) -> bytes:
        name = self._names.get(part.casefold())
        if name is None:
            raise NotFast(f"missing part {part}")
        try:
            return self._zip.read(name)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
            raise NotFast(f"{part}: {exc}") from exc  # a bad CRC, an odd compression

    def _spell(self, part: str) -> str:
        """`part` as the package spells it, when it has it."""
        return self._names.get(part.casefold(), part)

    def _has(self, part: str) -> bool:
        return part.casefold() in self._names

    def _resolve(self, source: str, target: str) -> str:
        if target.startswith("/"):
            part = target.lstrip("/")
        else:
            part = posixpath.normpath(posixpath.join(posixpath.dirname(source), target))
        if part.startswith("../") or not self._has(part):
            raise NotFast(f"target {target} of {source}")
        return self._names[part.casefold()]

    def _content_types(self) -> tuple[dict[str, str], dict[str, str]]:
        data = self._read("[Content_Types].xml")
        els = _parse(data, "[Content_Types].xml", [(0, "Types"), (1, "Default"), (1, "Override")])
        defaults = {
            e.attrs["Extension"].casefold(): e.attrs["ContentType"]
            for e in els
            if e.name == "Default" and "Extension" in e.attrs and "ContentType" in e.attrs
        }
        overrides = {
            e.attrs["PartName"].lstrip("/").casefold(): e.attrs["ContentType"]
            for e in els
            if e.name == "Override" and "PartName" in e.attrs and "ContentType" in e.attrs
        }
        return defaults, overrides

    def _type_of(self, part: str) -> str:
        defaults, overrides = self._types
        if part.casefold() in overrides:
            return overrides[part.casefold()]
        return defaults.get(posixpath.splitext(part)[1].lstrip(".").casefold(), "")

    def _rels(self, part: str) -> list[_Rel]:
        path = _rels_of(part) if part else "_rels/.rels"
        if not self._has(path):
            return []
        els = _parse(self._read(path), path, [(0, "Relationships"), (1, "Relationship")])
        return [
            _Rel(
                e.attrs.get("Id", ""),
                e.attrs.get("Type", ""),
                e.attrs.get("Target", ""),
                e.attrs.get("TargetMode") == "External",
            )
            for e in els
            if e.name == "Relationship"
        ]

    # what feedback.py asks

    def sheet(self, name: str) -> _Sheet:
        """The sheet `name` as far as the copy needs it. Its rows are only found here (their
        start tags); `row` parses one when it is needed. The parts outside <sheetData> are
        parsed element by element (a few dozen elements)."""
        if name in self._parsed:
            return self._parsed[name]
        part = self._part_of(name)
        data = self._read(part)
        _validate(data, part)  # well-formed: the patterns below see only real tags
        m = _SHEET_DATA.search(data)
        if m is None:
            raise NotFast(f"{part}: no sheetData")
        cut = m.end()
        close = cut if m.group().endswith(b"/>") else data.find(b"</sheetData>", cut)
        if close < 0:
            raise NotFast(f"{part}: sheetData")
        els = _parse(
            data[:cut] + data[close:],
            part,
            [(0, "worksheet"), (1, "*"), (2, "mergeCell"), (2, "col"), (2, "sheetView")],
        )
        for el in els:  # back to where they are in the part
            el.start, el.close = [v + close - cut if v >= cut else v for v in (el.start, el.close)]
            el.tag_end, el.end = [v + close - cut if v > cut else v for v in (el.tag_end, el.end)]
        if not els or els[0].name != "worksheet":
            raise NotFast(f"{part} is not a worksheet")
        sheet = _Sheet(name, part, data, els[0])
        parent = ""
        for el in els[1:]:
            if el.depth == 1:
                sheet.children.append(el)
                parent = el.name
                if el.name == "dimension":
                    sheet.dimension = el
                if el.name == "sheetData" and el.start != m.start():
                    raise NotFast(f"{part}: sheetData")
            elif parent == "mergeCells" and el.name == "mergeCell":
                sheet.merges.append(_range(el.attrs.get("ref", "")))
            elif parent == "cols" and el.name == "col":
                style = _int(el.attrs.get("style", "0") or "0")
                sheet.cols.append((_int(el.attrs["min"]), _int(el.attrs["max"]), style))
            elif parent == "sheetViews" and el.name == "sheetView":
                sheet.views.append(el)
        for row in _ROW_START.finditer(data, cut, close):
            r = _attrs(row.group(1)).get("r", "")
            if not r.isdigit() or int(r) in sheet.row_at:
                raise NotFast(f"{part}: a row without its number")
            sheet.row_at[int(r)] = (row.start(), row.end())
        self._parsed[name] = sheet
        return sheet

    def row(self, sheet: _Sheet, r: int) -> tuple[_El, list[tuple[int, _El]]] | None:
        """Row `r` of `sheet` and its cells (column, element); None when the sheet has no
        such row. The part is well-formed and plain (`_validate`), so the patterns find the
        real tags."""
        if r in sheet.rows:
            return sheet.rows[r]
        if r not in sheet.row_at:
            return None
        start, tag_end = sheet.row_at[r]
        data, part = sheet.data, sheet.part
        if data[tag_end - 2 : tag_end] == b"/>":
            close, end = -1, tag_end
        else:
            close = data.find(b"</row>", tag_end)
            end = close + 6
            if close < 0 or _PREFIXED.search(data, tag_end, close):
                raise NotFast(f"{part}: row {r}")
        row = _El("row", _attrs(data[start + 4 : tag_end]), start, tag_end, end, close)
        cells: list[tuple[int, _El]] = []
        for m in _CELL_START.finditer(data, tag_end, max(close, tag_end)):
            head = _FIRST_REF.match(m.group(1))  # r="E7" first, as Excel and WPS write it
            written = head.group(1).decode() if head else _attrs(m.group(1)).get("r", "")
            ref = _REF.fullmatch(written)
            if ref is None or int(ref.group(2)) != r:
                raise NotFast(f"{part}: a cell without its reference")
            c = column_index(ref.group(1))
            if cells and cells[-1][0] >= c:
                raise NotFast(f"{part}: cells out of order")
            cell = _El("c", {"r": written}, m.start(), m.end(), m.end())
            if not m.group().endswith(b"/>"):
                cell.close = data.find(b"</c>", m.end(), close)
                if cell.close < 0:
                    raise NotFast(f"{part}: cell {written}")
                cell.end = cell.close + 4
            cells.append((c, cell))
        sheet.rows[r] = (row, cells)
        return sheet.rows[r]

    def _holds(self, content: bytes, kind: str) -> bool:
        """Whether a cell with this content holds something as openpyxl reads it: a
        formula, a value, a shared or inline string that is not empty."""
        if _FORMULA.search(content):
            return True
        if kind == "inlineStr":
            return bool(_TEXT.search(_READING.sub(b"", content)))
        value = _VALUE.search(content)
        if value is None or not value.group(1):
            return False
        if kind == "s":
            text = value.group(1).strip()
            return text.isdigit() and self._string_has_text(int(text))
        return True

    def _string_has_text(self, n: int) -> bool:
        """Whether shared string `n` is not empty (its runs' text; a reading, <rPh>, aside)."""
        if self._strings is None:
            rel = [r for r in self.book_rels if r.type == REL + "/sharedStrings"]
            if not rel:
                raise NotFast("a shared string without the strings part")
            part = self._resolve(self.book_part, rel[0].target)
            data = self._read(part)
            _validate(data, part)
            head = _SST_START.search(data)
            if head is None or head.group().endswith(b"/>"):
                raise NotFast(f"{part}: no strings")
            top = _parse(data[: head.end()] + b"</sst>", part, [(0, "sst")])
            if top[0].name != "sst":
                raise NotFast(f"{part}: not the shared strings")
            self._strings = (part, data, top[0], [m.span() for m in _SI_START.finditer(data)])
        part, data, root, starts = self._strings
        if not 0 <= n < len(starts):
            raise NotFast(f"shared string {n}")
        start, tag_end = starts[n]
        if data[tag_end - 2 : tag_end] == b"/>":
            return False
        if _PLAIN_TEXT.match(data, tag_end):  # <si><t>…: the usual string, not empty
            return True
        end = data.find(b"</si>", tag_end) + 5
        els = _parse_piece(
            data,
            root,
            start,
            end,
            part,
            [(1, "si"), (2, "t"), (2, "r"), (2, "rPh"), (3, "t")],
            texts=frozenset({"t"}),
        )
        run = ""
        for el in els:
            if el.depth == 2:
                run = el.name
                if el.name == "t" and "".join(el.text):
                    return True
            elif el.depth == 3 and run == "r" and "".join(el.text):
                return True
        return False

    def anchor(self, name: str, row: int, col: int) -> tuple[int, int]:
        """The cell that shows (row, col): the top-left one of a merged range covering it."""
        for r0, c0, r1, c1 in self.sheet(name).merges:
            if r0 <= row <= r1 and c0 <= col <= c1:
                return r0, c0
        return row, col

    def used_columns(self, name: str, row: int) -> list[int]:
        """The columns of the cells of `row` that hold something, as openpyxl reads them."""
        sheet = self.sheet(name)
        found = self.row(sheet, row)
        return [
            c
            for c, el in (found[1] if found else [])
            if el.close >= 0
            and self._holds(
                sheet.data[el.tag_end : el.close], _cell_attrs(sheet.data, el).get("t", "n")
            )
        ]

    # writing the copy

    def write(
        self,
        fills: dict[tuple[str, int, int], str],
        notes: dict[tuple[str, int, int], tuple[str, int]],
        listing: ListSheet,
        props: Properties,
    ) -> bytes:
        """The copy: `fills` (sheet, row, col) -> RRGGBB, `notes` (sheet, row, col) ->
        (comment text, height in px), the list sheet first, the properties set."""
        styles = _Styles(self, self._styles_part())
        new: dict[str, bytes] = {}  # parts written or added, by name
        drop: set[str] = set()
        book_rels = [r for r in self.book_rels if r.type != VBA]
        drop |= self._vba_parts()
        for name in self.sheetnames:
            if name not in {k[0] for k in (*fills, *notes)}:
                continue
            if self._part_of(name) in drop:
                raise NotFast("a marked sheet is a macro part")
        sheet_edits: dict[str, list[tuple[int, int, bytes]]] = {}
        block = 1
        for name in dict.fromkeys(k[0] for k in (*fills, *notes)):
            sheet = self.sheet(name)
            edits = self._fill_edits(sheet, styles, fills)
            mine = {(r, c): v for (s, r, c), v in notes.items() if s == name}
            if mine:
                edits += self._comment_edits(sheet, mine, block, new)
                block += (len(mine) + 1) // 1024 + 1
            sheet_edits[sheet.part] = edits
        for el, name, part in self._sheets:  # one tab selected: the list
            data = self._read(part)
            if b"tabSelected" not in data:
                continue
            if el.attrs["kind"] == WORKSHEET:
                views = self.sheet(name).views  # parsed around its rows
            else:  # a chart sheet: a few elements
                kept = [(0, "*"), (1, "sheetViews"), (2, "sheetView")]
                views = [e for e in _parse(data, part, kept) if e.name == "sheetView"]
            sheet_edits.setdefault(part, [])
            sheet_edits[part] += [
                (v.start, v.tag_end, _retag(data, v, {}, ["tabSelected"])) for v in views
            ]
        for part, edits in sheet_edits.items():
            sheet_data = self._parsed_data(part)
            new[part] = _splice(sheet_data, edits)
        list_part = self._free_part("xl/worksheets/sheet{}.xml")
        new[list_part] = listing.xml(styles.list_styles(listing))
        rel_id = _free_id(book_rels)
        book_rels.append(_Rel(rel_id, WORKSHEET, _relative(self.book_part, list_part), False))
        new[self.book_part] = self._book_with(listing, rel_id)
        new[self._spell(_rels_of(self.book_part))] = _rels_xml(book_rels)
        new[styles.part] = styles.xml()
        core = self._core(props, new, drop)
        new["[Content_Types].xml"] = self._types_xml(new, drop, list_part, core)
        return self._zip_out(new, drop)

    def _parsed_data(self, part: str) -> bytes:
        for sheet in self._parsed.values():
            if sheet.part == part:
                return sheet.data
        return self._read(part)

    def _part_of(self, name: str) -> str:
        return self._sheets[self.sheetnames.index(name)][2]

    def _styles_part(self) -> str:
        rel = [r for r in self.book_rels if r.type == REL + "/styles"]
        if len(rel) != 1:
            raise NotFast("no styles part")
        return self._resolve(self.book_part, rel[0].target)

    def _vba_parts(self) -> set[str]:
        """The macro project and what hangs off it (its signature), and their rels."""
        out: set[str] = set()
        for rel in self.book_rels:
            if rel.type == VBA and not rel.external:
                part = self._resolve(self.book_part, rel.target)
                out |= {part}
                for sub in self._rels(part):
                    if not sub.external:
                        out.add(self._resolve(part, sub.target))
                if self._has(_rels_of(part)):
                    out.add(self._names[_rels_of(part).casefold()])
        return out

    def _free_part(self, pattern: str, taken: Iterable[str] = ()) -> str:
        used = set(self._names) | {t.casefold() for t in taken}
        n = 1
        while pattern.format(n).casefold() in used:
            n += 1
        return pattern.format(n)

    def _fill_edits(
        self, sheet: _Sheet, styles: _Styles, fills: dict[tuple[str, int, int], str]
    ) -> list[tuple[int, int, bytes]]:
        """Each cell to colour given a style with the fill; a cell not in its row added."""
        edits: list[tuple[int, int, bytes]] = []
        grown: dict[int, list[tuple[int, bytes]]] = {}
        for (name, r, c), color in sorted(fills.items()):
            if name != sheet.name:
                continue
            found = self.row(sheet, r)
            if found is None:
                raise NotFast(f"{sheet.part}: row {r} is not in the XML")
            row, cells = found
            el = next((e for col, e in cells if col == c), None)
            if el is not None:
                s = styles.with_fill(_int(_cell_attrs(sheet.data, el).get("s", "0")), color)
                edits.append((el.start, el.tag_end, _retag(sheet.data, el, {"s": str(s)})))
                continue
            if _true(row.attrs.get("customFormat")):  # what Excel shows an absent cell in
                base = _int(row.attrs.get("s", "0"))
            else:
                base = next((st for lo, hi, st in sheet.cols if lo <= c <= hi), 0)
            s = styles.with_fill(base, color)
            grown.setdefault(r, []).append((c, f'<c r="{col_letter(c)}{r}" s="{s}"/>'.encode()))
        for r, added in grown.items():
            row, cells = sheet.rows[r]  # parsed above
            for c, xml_cell in added:
                after = next((e for col, e in cells if col > c), None)
                if after is not None:
                    edits.append((after.start, after.start, xml_cell))
                elif row.close >= 0:
                    edits.append((row.close, row.close, xml_cell))
                else:  # <row r="5"/>: opened, the cells, closed
                    tag = _retag(sheet.data, row, {}, ["spans"])[:-2] + b">"
                    cells_xml = b"".join(x for _, x in sorted(added))
                    edits.append((row.start, row.tag_end, tag + cells_xml + b"</row>"))
                    break
            else:
                if "spans" in row.attrs:  # a hint Excel checks: left out, not stale
                    edits.append((row.start, row.tag_end, _retag(sheet.data, row, {}, ["spans"])))
        if grown:
            edits += self._dimension_edit(sheet, grown)
        return edits

    def _dimension_edit(
        self, sheet: _Sheet, grown: dict[int, list[tuple[int, bytes]]]
    ) -> list[tuple[int, int, bytes]]:
        dim = sheet.dimension
        if dim is None:
            return []
        r0, c0, r1, c1 = _range(dim.attrs.get("ref", ""))
        for r, added in grown.items():
            for c, _ in added:
                r0, r1, c0, c1 = min(r0, r), max(r1, r), min(c0, c), max(c1, c)
        ref = f"{col_letter(c0)}{r0}:{col_letter(c1)}{r1}"
        return [(dim.start, dim.tag_end, _retag(sheet.data, dim, {"ref": ref}))]

    def _comment_edits(
        self,
        sheet: _Sheet,
        notes: dict[tuple[int, int], tuple[str, int]],
        block: int,
        new: dict[str, bytes],
    ) -> list[tuple[int, int, bytes]]:
        """A comments part and its VML drawing for `sheet`, and the <legacyDrawing> that
        points at the drawing."""
        if self._vml or any(ch.name == "legacyDrawing" for ch in sheet.children):
            raise NotFast(f"{sheet.part} has a VML drawing")
        if any(ch.name.startswith("{") for ch in sheet.children):
            raise NotFast(f"{sheet.part}: markup-compatibility children")
        rels = self._rels(sheet.part)
        if any(r.type in (COMMENTS, VML) or "comment" in r.type.casefold() for r in rels):
            raise NotFast(f"{sheet.part} has comments")
        comments = self._free_part("xl/comments{}.xml", new)
        vml = self._free_part("xl/drawings/vmlDrawing{}.vml", new)
        new[comments] = _comments_xml(notes)
        new[vml] = _vml_xml(notes, block)
        self._new_types[comments] = COMMENTS_TYPE
        self._new_types[vml] = VML_TYPE
        vml_id = _free_id(rels)
        rels.append(_Rel(vml_id, VML, _relative(sheet.part, vml), False))
        rels.append(_Rel(_free_id(rels), COMMENTS, _relative(sheet.part, comments), False))
        new[self._spell(_rels_of(sheet.part))] = _rels_xml(rels)
        prefix = _root_prefix(sheet.data, sheet.root, REL)
        if prefix:
            tag = f'<legacyDrawing {prefix}:id="{vml_id}"/>'
        else:
            tag = f'<legacyDrawing xmlns:r="{REL}" r:id="{vml_id}"/>'
        follower = next((ch for ch in sheet.children if ch.name in _AFTER_LEGACY), None)
        if sheet.root.close < 0:
            raise NotFast(f"{sheet.part}: an empty worksheet")
        at = follower.start if follower else sheet.root.close
        return [(at, at, tag.encode())]

    def _book_with(self, listing: ListSheet, rel_id: str) -> bytes:
        """workbook.xml with the list first and its tab shown, the sheet-scoped names moved
        one sheet on, the list's print titles and filter named."""
        data, els = self._book, self._book_els
        root = els[0]
        kids = [e for e in els if e.depth == 1]
        edits: list[tuple[int, int, bytes]] = []
        prefix = _root_prefix(data, root, REL)
        sheets = next((e for e in kids if e.name == "sheets"), None)
        if sheets is None or sheets.close < 0 or root.close < 0:
            raise NotFast("workbook.xml without sheets")
        ids = [_int(e.attrs.get("sheetId", "0")) for e in els if e.name == "sheet"] or [0]
        name = _attr(listing.name)
        if prefix:
            sheet = f'<sheet name="{name}" sheetId="{max(ids) + 1}" {prefix}:id="{rel_id}"/>'
        else:
            sheet = (
                f'<sheet xmlns:r="{REL}" name="{name}" sheetId="{max(ids) + 1}" r:id="{rel_id}"/>'
            )
        edits.append((sheets.tag_end, sheets.tag_end, sheet.encode()))
        views = [e for e in els if e.name == "workbookView" and e.depth == 2]
        for v in views:
            edits.append((v.start, v.tag_end, _retag(data, v, {}, ["activeTab", "firstSheet"])))
        if not any(e.name == "bookViews" for e in kids):
            edits.append((sheets.start, sheets.start, b"<bookViews><workbookView/></bookViews>"))
        for e in els:
            if e.name == "definedName" and e.depth == 2 and "localSheetId" in e.attrs:
                moved = str(_int(e.attrs["localSheetId"]) + 1)
                edits.append((e.start, e.tag_end, _retag(data, e, {"localSheetId": moved})))
        quoted = "'" + listing.name.replace("'", "''") + "'"
        mine = (
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
            f"{_text(quoted)}!$A$2:$E${listing.filter_end}</definedName>"
            f'<definedName name="_xlnm.Print_Titles" localSheetId="0">'
            f"{_text(quoted)}!$1:$2</definedName>"
        ).encode()
        names = next((e for e in kids if e.name == "definedNames"), None)
        if names is not None and names.close >= 0:
            edits.append((names.tag_end, names.tag_end, mine))
        elif names is not None:  # <definedNames/>
            edits.append((names.start, names.end, b"<definedNames>" + mine + b"</definedNames>"))
        else:  # CT_Workbook: sheets, functionGroups, externalReferences, definedNames
            at = max(e.end for e in kids if e.name in _BEFORE_NAMES)
            edits.append((at, at, b"<definedNames>" + mine + b"</definedNames>"))
        return _splice(data, edits)

    def _core(self, props: Properties, new: dict[str, bytes], drop: set[str]) -> str:
        """docProps/core.xml holding the marker (feedback_state reads that part by name)."""
        part = "docProps/core.xml"
        rels = [r for r in self._root_rels if r.type != CORE_TYPE]
        for r in self._root_rels:
            if r.type == CORE_TYPE and not r.external:
                old = self._resolve("", r.target)
                if old != self._names.get(part.casefold(), part):
                    drop.add(old)
        part = self._names.get(part.casefold(), part)
        rels.append(_Rel(_free_id(rels), CORE_TYPE, part, False))
        new[self._spell("_rels/.rels")] = _rels_xml(rels)
        new[part] = props.xml()
        return part

    def _types_xml(self, new: dict[str, bytes], drop: set[str], list_part: str, core: str) -> bytes:
        defaults, overrides = dict(self._types[0]), dict(self._types[1])
        for part in drop:
            overrides.pop(part.casefold(), None)
        overrides[self.book_part.casefold()] = XLSX_MAIN
        overrides[list_part.casefold()] = WORKSHEET_TYPE
        overrides[core.casefold()] = CORE_CT
        defaults.setdefault("rels", RELS_TYPE)
        defaults.setdefault("xml", "application/xml")
        for part, kind in self._new_types.items():
            overrides[part.casefold()] = kind
        left = {
            posixpath.splitext(i.filename)[1].lstrip(".").casefold()
            for i in self._infos
            if i.filename not in drop and i.filename.casefold() not in overrides
        }
        for ext, kind in list(defaults.items()):
            if kind == "application/vnd.ms-office.vbaProject" and ext not in left:
                del defaults[ext]  # the macro project's, left out with it
        spelled = {i.filename.casefold(): i.filename for i in self._infos}
        spelled.update({p.casefold(): p for p in new})
        out = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="{CT}">']
        out += [
            f'<Default Extension="{_attr(e)}" ContentType="{_attr(t)}"/>'
            for e, t in defaults.items()
        ]
        for part, kind in overrides.items():
            name = spelled.get(part, part)
            out.append(f'<Override PartName="/{_attr(name)}" ContentType="{_attr(kind)}"/>')
        out.append("</Types>")
        return "".join(out).encode()

    def _zip_out(self, new: dict[str, bytes], drop: set[str]) -> bytes:
        """The package: the parts in their order, changed ones in place, new ones at the end,
        one fixed time on every entry (the same workbook gives the same bytes)."""
        buf = io.BytesIO()
        written: set[str] = set()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as out:
            for info in self._infos:
                name = info.filename
                if name in drop or name.endswith("/"):
                    continue
                data = new.get(name)
                _put(out, name, self._read(name) if data is None else data)
                written.add(name)
            for name, data in new.items():
                if name not in written:
                    _put(out, name, data)
        return buf.getvalue()


def _put(out: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    out.writestr(info, data)


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError as exc:
        raise NotFast(f"not a number: {text!r}") from exc


def _true(text: str | None) -> bool:
    return text in ("1", "true")


def _range(ref: str) -> tuple[int, int, int, int]:
    m = _RANGE.fullmatch(ref)
    if m is None:
        raise NotFast(f"range {ref!r}")
    r0, c0 = int(m.group(2)), column_index(m.group(1))
    if m.group(3) is None:
        return r0, c0, r0, c0
    return r0, c0, int(m.group(4)), column_index(m.group(3))


# --- styles ----------------------------------------------------------------------------------


class _Styles:
    """xl/styles.xml with fills, fonts, borders and cell formats appended."""

    def __init__(self, package: Package, part: str) -> None:
        self.part = part
        self.data = package._read(part)
        els = _parse(self.data, part, [(0, "styleSheet"), (1, "*"), (2, "*")])
        if not els or els[0].name != "styleSheet":
            raise NotFast("styles root")
        self._lists: dict[str, _El] = {}
        self._count: dict[str, int] = {}
        self.xfs: list[bytes] = []
        parent = ""
        for el in els:
            if el.depth == 1:
                parent = el.name
                if el.name in ("fonts", "fills", "borders", "cellXfs", "cellStyleXfs"):
                    if el.name in self._lists:
                        raise NotFast(f"two {el.name}")
                    self._lists[el.name] = el
                    self._count[el.name] = 0
            elif el.depth == 2 and parent in self._count:
                self._count[parent] += 1
                if parent == "cellXfs":
                    self.xfs.append(self.data[el.start : el.end])
        for name in ("fonts", "fills", "borders", "cellXfs"):
            found = self._lists.get(name)
            if found is None or found.close < 0 or not self._count[name]:
                raise NotFast(f"styles without {name}")
        self._added: dict[str, list[bytes]] = {
            n: [] for n in ("fonts", "fills", "borders", "cellXfs")
        }
        self._fill_ids: dict[str, int] = {}
        self._clones: dict[tuple[int, str], int] = {}

    def _add(self, kind: str, xml_el: str) -> int:
        self._added[kind].append(xml_el.encode())
        return self._count[kind] + len(self._added[kind]) - 1

    def fill(self, color: str) -> int:
        if color not in self._fill_ids:
            self._fill_ids[color] = self._add(
                "fills",
                f'<fill><patternFill patternType="solid"><fgColor rgb="FF{color}"/>'
                f'<bgColor rgb="FF{color}"/></patternFill></fill>',
            )
        return self._fill_ids[color]

    def with_fill(self, s: int, color: str) -> int:
        """The cell format `s` with the fill `color`: cloned once, kept at the end."""
        if not 0 <= s < len(self.xfs):
            raise NotFast(f"style {s} out of range")
        if (s, color) not in self._clones:
            xf = self.xfs[s]
            m = _TAG_END.match(xf)
            if m is None or not xf.startswith(b"<xf"):
                raise NotFast(f"style {s}")
            el = _El("xf", {}, 0, m.end())
            tag = _retag(xf, el, {"fillId": str(self.fill(color)), "applyFill": "1"})
            self._clones[s, color] = self._add("cellXfs", (tag + xf[m.end() :]).decode())
            if self._count["cellXfs"] + len(self._added["cellXfs"]) > MAX_XFS:
                raise NotFast("too many cell formats")
        return self._clones[s, color]

    def list_styles(self, listing: ListSheet) -> dict[str, int]:
        """The cell formats of the list sheet: title, head, body, wrapped body, each
        severity's coloured body, the link."""
        xf_id = ' xfId="0"' if self._count.get("cellStyleXfs") else ""
        title = self._add(
            "fonts", '<font><b/><sz val="14"/><name val="黑体"/><charset val="134"/></font>'
        )
        bold = self._add(
            "fonts", '<font><b/><sz val="11"/><name val="宋体"/><charset val="134"/></font>'
        )
        plain = self._add(
            "fonts", '<font><sz val="11"/><name val="宋体"/><charset val="134"/></font>'
        )
        link = self._add(
            "fonts",
            '<font><u/><sz val="11"/><color rgb="FF0563C1"/><name val="宋体"/>'
            '<charset val="134"/></font>',
        )
        side = '<{0} style="thin"><color rgb="FF999999"/></{0}>'
        border = self._add(
            "borders",
            "<border>"
            + "".join(side.format(s) for s in ("left", "right", "top", "bottom"))
            + "<diagonal/></border>",
        )

        def xf(font: int, fill: int, edge: int, align: str) -> int:
            return self._add(
                "cellXfs",
                f'<xf numFmtId="0" fontId="{font}" fillId="{fill}" borderId="{edge}"{xf_id}'
                f' applyFont="1" applyFill="1" applyBorder="1" applyAlignment="1">'
                f"<alignment {align}/></xf>",
            )

        centre = 'horizontal="center" vertical="center" wrapText="1"'
        out = {
            "title": xf(title, 0, 0, centre),
            "head": xf(bold, self.fill(listing.head_fill), border, centre),
            "body": xf(plain, 0, border, 'vertical="center"'),
            "wrap": xf(plain, 0, border, 'vertical="center" wrapText="1"'),
            "link": xf(link, 0, border, 'vertical="center"'),
        }
        for severity, color in listing.fills.items():
            out[severity] = xf(plain, self.fill(color), border, 'vertical="center"')
        return out

    def xml(self) -> bytes:
        edits: list[tuple[int, int, bytes]] = []
        for name, added in self._added.items():
            if not added:
                continue
            el = self._lists[name]
            count = str(self._count[name] + len(added))
            edits.append((el.start, el.tag_end, _retag(self.data, el, {"count": count})))
            edits.append((el.close, el.close, b"".join(added)))
        return _splice(self.data, edits)


# --- the new parts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ListRow:
    values: tuple[object, ...]
    severity: str
    link: str | None  # the cell the reference goes to: 'sheet'!E7


@dataclass(frozen=True)
class ListSheet:
    """The 问题清单 sheet: its name, the title, the header, one row per problem, the column
    widths, and the colours (head, and each severity's)."""

    name: str
    title: str
    heads: tuple[str, ...]
    rows: tuple[ListRow, ...]
    widths: tuple[float, ...]
    head_fill: str
    fills: dict[str, str]

    @property
    def filter_end(self) -> int:
        return max(3, 2 + len(self.rows))

    def xml(self, styles: dict[str, int]) -> bytes:
        last = col_letter(len(self.heads))
        end = 2 + len(self.rows)
        out = [
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}">'
            '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
            f'<dimension ref="A1:{last}{end}"/>'
            '<sheetViews><sheetView tabSelected="1" workbookViewId="0">'
            '<pane ySplit="2" topLeftCell="A3" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A3" sqref="A3"/></sheetView></sheetViews>'
            '<sheetFormatPr defaultRowHeight="15"/><cols>'
        ]
        out += [
            f'<col min="{c}" max="{c}" width="{w:g}" customWidth="1"/>'
            for c, w in enumerate(self.widths, start=1)
        ]
        out.append('</cols><sheetData><row r="1" ht="30" customHeight="1">')
        out.append(_cell("A1", self.title, styles["title"]) + '</row><row r="2">')
        out += [
            _cell(f"{col_letter(c)}2", head, styles["head"])
            for c, head in enumerate(self.heads, start=1)
        ]
        out.append("</row>")
        links = []
        for n, row in enumerate(self.rows, start=3):
            out.append(f'<row r="{n}">')
            for c, value in enumerate(row.values, start=1):
                look = "wrap" if c == len(self.heads) else "body"
                if c == 2:
                    look = row.severity
                elif c == 4 and row.link:
                    look = "link"
                    links.append((f"D{n}", row.link, str(value)))
                out.append(_cell(f"{col_letter(c)}{n}", value, styles[look]))
            out.append("</row>")
        out.append(
            f'</sheetData><autoFilter ref="A2:{last}{self.filter_end}"/>'
            f'<mergeCells count="1"><mergeCell ref="A1:{last}1"/></mergeCells>'
        )
        if links:
            out.append("<hyperlinks>")
            out += [
                f'<hyperlink ref="{ref}" location="{_attr(to)}" display="{_attr(shown)}"/>'
                for ref, to, shown in links
            ]
            out.append("</hyperlinks>")
        out.append(
            '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3"'
            ' footer="0.3"/><pageSetup paperSize="9" orientation="landscape" fitToWidth="1"'
            ' fitToHeight="0"/></worksheet>'
        )
        return "".join(out).encode()


def _cell(ref: str, value: object, style: int) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f'<c r="{ref}" s="{style}"><v>{value!r}</v></c>'
    text = _text(str(value))
    return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


@dataclass(frozen=True)
class Properties:
    """The copy's core properties: the marker `feedback_state` looks for."""

    creator: str
    title: str
    keywords: str
    stamp: str  # W3CDTF

    def xml(self) -> bytes:
        when = 'xsi:type="dcterms:W3CDTF"'
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            "<cp:coreProperties"
            ' xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
            ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
            ' xmlns:dcmitype="http://purl.org/dc/dcmitype/"'
            ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:creator>{_text(self.creator)}</dc:creator>"
            f"<dc:title>{_text(self.title)}</dc:title>"
            f"<cp:keywords>{_text(self.keywords)}</cp:keywords>"
            f"<cp:lastModifiedBy>{_text(self.creator)}</cp:lastModifiedBy>"
            f"<dcterms:created {when}>{self.stamp}</dcterms:created>"
            f"<dcterms:modified {when}>{self.stamp}</dcterms:modified>"
            "</cp:coreProperties>"
        ).encode()


def _comments_xml(notes: dict[tuple[int, int], tuple[str, int]]) -> bytes:
    out = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<comments xmlns="{MAIN}"><authors><author>ledgerkit</author></authors><commentList>'
    ]
    for (r, c), (text, _height) in sorted(notes.items()):
        out.append(
            f'<comment ref="{col_letter(c)}{r}" authorId="0"><text>'
            f'<t xml:space="preserve">{_text(text)}</t></text></comment>'
        )
    out.append("</commentList></comments>")
    return "".join(out).encode()


def _vml_xml(notes: dict[tuple[int, int], tuple[str, int]], block: int) -> bytes:
    """The legacy drawing Excel shows comments with: one hidden note shape a comment, the
    shape ids in the blocks of 1024 this sheet's idmap names."""
    blocks = ",".join(str(b) for b in range(block, block + (len(notes) + 1) // 1024 + 1))
    out = [
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"'
        ' xmlns:x="urn:schemas-microsoft-com:office:excel">'
        f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{blocks}"/></o:shapelayout>'
        '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202"'
        ' path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
        '<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
    ]
    for n, ((r, c), (_, height)) in enumerate(sorted(notes.items()), start=1):
        out.append(
            f'<v:shape id="_x0000_s{block * 1024 + n}" type="#_x0000_t202"'
            ' style="position:absolute;margin-left:59.25pt;margin-top:1.5pt;'
            f'width:320px;height:{height}px;z-index:{n};visibility:hidden"'
            ' fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/>'
            '<v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
            '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div>'
            '</v:textbox><x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f"<x:AutoFill>False</x:AutoFill><x:Row>{r - 1}</x:Row><x:Column>{c - 1}</x:Column>"
            "</x:ClientData></v:shape>"
        )
    out.append("</xml>")
    return "".join(out).encode()
