"""Every bad file a unit can send ends in a defined outcome: read, skipped with a reason, or
failed with a reason naming the file and the part or cell; in bounded time and memory; never
a traceback, never a formula smuggled into the district's workbook.

Each bad file is built here, from a good ledger, the way it would arrive."""

from __future__ import annotations

import datetime as dt
import errno
import importlib
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zipfile
from collections import Counter
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import builders
import olefile
import openpyxl
import pytest
from builders import (
    DATA,
    TOWNSHIP_MERGES,
    TOWNSHIP_ROWS,
    assert_accounted,
    assert_township,
    csv_file,
    run_cli,
    text_xlsx,
    xls,
    xlsx,
    xml2003,
)

import ledgerkit
from ledgerkit.errors import OutputFailed, OutputLocked
from ledgerkit.pipeline import load_file, merge_paths
from ledgerkit.read import limits, read_book
from ledgerkit.read import xls as xls_module
from ledgerkit.workbook import write_workbook

LEDGER = [
    ["项目名称", "责任单位", "总投资", "年度计划投资", "累计完成投资"],
    ["城关镇老旧小区改造", "城关镇", 1200, 300, 120.5],
    ["城关镇污水管网", "城关镇", 800, 200, 50],
]
SECRET = "SECRET-0123456789"


# --- building bad files ----------------------------------------------------------------------


def rezip(
    src: Path,
    dst: Path,
    change: dict[str, Callable[[bytes], bytes]] | None = None,
    add: dict[str, bytes] | None = None,
    method: int = zipfile.ZIP_DEFLATED,
) -> Path:
    """A copy of a zip workbook with some parts changed and some added."""
    change, add = change or {}, add or {}
    with zipfile.ZipFile(src) as zin:
        parts = {i.filename: zin.read(i.filename) for i in zin.infolist()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as zout:
        for name, data in {**parts, **add}.items():
            zout.writestr(name, change[name](data) if name in change else data)
    dst.write_bytes(out.getvalue())
    return dst


def declare_size(path: Path, part: str, size: int) -> Path:
    """Make the zip directory (and the local header) lie about a part's unpacked size."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        offset = zf.getinfo(part).header_offset
    struct.pack_into("<I", data, offset + 22, size)
    pos = data.find(b"PK\x01\x02")
    while pos != -1:
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46 : pos + 46 + name_len] == part.encode():
            struct.pack_into("<I", data, pos + 24, size)
        pos = data.find(b"PK\x01\x02", pos + 4)
    path.write_bytes(bytes(data))
    return path


def ledger_xlsx(folder: Path, name: str = "城关镇.xlsx", rows: Sequence = LEDGER) -> Path:
    """A small ledger as Excel saves it (shared strings, cached values), via xlsxwriter."""
    return builders.xlsx_cached(folder / name, rows, {})


def in_sheet(insert: bytes) -> Callable[[bytes], bytes]:
    """Put raw XML at the end of a worksheet's sheetData."""
    return lambda xml: xml.replace(b"</sheetData>", insert + b"</sheetData>")


def with_doctype(doctype: bytes, text: str, entity: bytes) -> Callable[[bytes], bytes]:
    """A DOCTYPE before the root element, and an entity reference in place of some text."""

    def change(xml: bytes) -> bytes:
        body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
        return b'<?xml version="1.0"?>' + doctype + body.replace(text.encode(), entity)

    return change


LAUGHS = (
    b'<!DOCTYPE sst [<!ENTITY a "' + b"A" * 100 + b'">'
    + b"".join(
        b"<!ENTITY %s \"%s\">" % (bytes([98 + i]), (b"&%s;" % bytes([97 + i])) * 10)
        for i in range(8)
    )
    + b"]>"
)  # fmt: skip
XXE = b'<!DOCTYPE sst [<!ENTITY x SYSTEM "file:///%s">]>'


def ods(path: Path, rows_xml: str) -> Path:
    """An OpenDocument spreadsheet whose table holds `rows_xml`."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="台账">'
        f"{rows_xml}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content)
        zf.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
            '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>",
        )
    return path


def ods_row(*cells: Any, repeat: int = 1) -> str:
    out = []
    for value in cells:
        if isinstance(value, int | float):
            out.append(
                f'<table:table-cell office:value-type="float" office:value="{value}">'
                f"<text:p>{value}</text:p></table:table-cell>"
            )
        else:
            out.append(
                f'<table:table-cell office:value-type="string"><text:p>{value}</text:p>'
                "</table:table-cell>"
            )
    rep = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return f"<table:table-row{rep}>{''.join(out)}</table:table-row>"


def failed(path: Path, *words: str, password: str | None = None) -> str:
    """Load a file that must fail; check the reason names the file and the given words."""
    result = load_file(path, password=password)
    assert result.status == "failed", (result.status, result.reason)
    assert result.ledger is None
    assert [i.code for i in result.issues] == ["file-unreadable"]
    assert result.issues[0].file == path.name
    for word in words:
        assert word in result.reason, (word, result.reason)
    return result.reason


class _CountingCalamine:
    """python-calamine's workbook, counting what is opened and which sheets are laid out."""

    real: ClassVar[Any] = None
    counts: ClassVar[Counter[str]] = Counter()

    def __init__(self, book: Any) -> None:
        self.book, self.sheets_metadata = book, book.sheets_metadata

    @classmethod
    def from_filelike(cls, data: Any) -> _CountingCalamine:
        cls.counts["workbook"] += 1
        return cls(cls.real.from_filelike(data))

    def get_sheet_by_index(self, index: int) -> Any:
        self.counts["sheet"] += 1  # calamine lays the sheet's range out in memory here
        return self.book.get_sheet_by_index(index)


@pytest.fixture
def reached(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Tripwires on the costly steps: calamine opening a workbook and laying out a sheet, a
    file read whole, a password tried. A refusal proves its bound by what it never reached,
    not by a stopwatch."""
    import python_calamine

    counts: Counter[str] = Counter()
    real_decrypt, real_read = xls_module.decrypt, Path.read_bytes

    def decrypt(*args: Any) -> bytes:
        counts["decrypt"] += 1
        return real_decrypt(*args)

    def read_bytes(self: Path) -> bytes:
        counts["read"] += 1
        return real_read(self)

    monkeypatch.setattr(_CountingCalamine, "real", python_calamine.CalamineWorkbook)
    monkeypatch.setattr(_CountingCalamine, "counts", counts)
    monkeypatch.setattr(python_calamine, "CalamineWorkbook", _CountingCalamine)
    monkeypatch.setattr(xls_module, "decrypt", decrypt)
    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    return counts


# --- zip bombs and huge parts ----------------------------------------------------------------


def test_zip_bomb_by_ratio_is_refused_from_the_directory(
    tmp_path: Path, reached: Counter[str]
) -> None:
    good = ledger_xlsx(tmp_path)
    pad = in_sheet(b" " * (24 * 2**20))  # 24 MB of spaces: about 1000:1
    bomb = rezip(good, tmp_path / "压缩炸弹.xlsx", {"xl/worksheets/sheet1.xml": pad})
    assert bomb.stat().st_size < 100_000
    failed(bomb, "xl/worksheets/sheet1.xml", "压缩比", "压缩炸弹")
    assert reached["workbook"] == 0  # refused from the zip directory


def test_zip_part_declared_huge_is_refused_before_it_is_unpacked(
    tmp_path: Path, reached: Counter[str]
) -> None:
    # the huge shared-strings part: 3 GB declared, never decompressed to find out
    path = declare_size(ledger_xlsx(tmp_path), "xl/sharedStrings.xml", 3 * 2**30)
    reason = failed(path, "xl/sharedStrings.xml", "3.0 GB", "上限")
    assert reached["workbook"] == 0
    assert "压缩炸弹" in reason


def test_all_parts_together_over_the_limit_are_refused(tmp_path: Path) -> None:
    path = ledger_xlsx(tmp_path)
    for part in ("docProps/app.xml", "docProps/core.xml", "xl/styles.xml", "xl/theme/theme1.xml"):
        declare_size(path, part, 60 * 2**20)  # each under the part limit, ratio checked too
    with zipfile.ZipFile(path) as zf:
        assert all(i.file_size <= limits.MAX_PART_BYTES for i in zf.infolist())
    reason = failed(path)
    assert "压缩比" in reason or "共有" in reason


def test_too_many_parts_are_refused(tmp_path: Path) -> None:
    extra = {f"xl/media/image{i}.png": b"x" for i in range(limits.MAX_ZIP_ENTRIES)}
    path = rezip(ledger_xlsx(tmp_path), tmp_path / "很多部件.xlsx", add=extra)
    failed(path, "个部件")


def test_zip_with_unusual_compression_or_a_zip_password_fails_cleanly(tmp_path: Path) -> None:
    bz = rezip(ledger_xlsx(tmp_path), tmp_path / "bzip2.xlsx", method=zipfile.ZIP_BZIP2)
    failed(bz, "压缩方式")
    data = bytearray(ledger_xlsx(tmp_path).read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("xl/workbook.xml")
    struct.pack_into("<H", data, info.header_offset + 6, 1)  # general purpose flag: encrypted
    pos = data.find(b"PK\x01\x02")
    while pos != -1:
        if data[pos + 46 : pos + 46 + len(b"xl/workbook.xml")] == b"xl/workbook.xml":
            struct.pack_into("<H", data, pos + 8, 1)
        pos = data.find(b"PK\x01\x02", pos + 4)
    (tmp_path / "zip密码.xlsx").write_bytes(bytes(data))
    failed(tmp_path / "zip密码.xlsx", "xl/workbook.xml", "密码")


def test_shared_strings_with_a_false_count_are_refused(tmp_path: Path) -> None:
    # calamine reserves memory for the declared count: 4e9 would abort the whole process
    lie = rezip(
        ledger_xlsx(tmp_path),
        tmp_path / "假计数.xlsx",
        {"xl/sharedStrings.xml": lambda x: x.replace(b'uniqueCount="', b'uniqueCount="400000000')},
    )
    failed(lie, "xl/sharedStrings.xml", "声明了")


def test_a_large_shared_strings_part_within_limits_is_read_in_bounded_time(tmp_path: Path) -> None:
    rows = [LEDGER[0]] + [[f"项目{i:06d}" + "甲" * 20, "城关镇", i, 1, 0] for i in range(40_000)]
    path = ledger_xlsx(tmp_path, "大台账.xlsx", rows)
    with zipfile.ZipFile(path) as zf:
        assert zf.getinfo("xl/sharedStrings.xml").file_size > 2 * 2**20
    result = load_file(path)
    assert result.status == "merged" and len(result.ledger.projects) == 40_000
    assert_accounted(result.ledger, result.issues)


# --- XML entities ------------------------------------------------------------------------------


def test_entity_expansion_in_a_workbook_part_is_refused(
    tmp_path: Path, reached: Counter[str]
) -> None:
    change = {"xl/sharedStrings.xml": with_doctype(LAUGHS, "城关镇污水管网", b"&i;")}
    path = rezip(ledger_xlsx(tmp_path), tmp_path / "实体.xlsx", change)
    failed(path, "xl/sharedStrings.xml", "DOCTYPE")
    assert reached["workbook"] == 0


def test_external_entity_in_a_workbook_part_is_refused_and_nothing_leaks(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    doctype = XXE % str(secret).lstrip("/").encode()
    change = {"xl/sharedStrings.xml": with_doctype(doctype, "城关镇污水管网", b"&x;")}
    path = rezip(ledger_xlsx(tmp_path), tmp_path / "外部实体.xlsx", change)
    result = load_file(path)
    assert result.status == "failed" and "DOCTYPE" in result.reason
    assert SECRET not in repr(result)


def test_entities_in_an_html_table_are_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    page = (
        f'<!DOCTYPE html [<!ENTITY x SYSTEM "file://{secret}">]><html><body><table>'
        "<tr><td>项目名称</td><td>总投资</td><td>年度计划投资</td><td>累计完成投资</td></tr>"
        "<tr><td>&x;</td><td>1</td><td>1</td><td>1</td></tr></table></body></html>"
    )
    path = tmp_path / "网页实体.xls"
    path.write_text(page, encoding="utf-8")
    result = load_file(path)
    assert result.status == "failed" and "ENTITY" in result.reason
    assert SECRET not in repr(result)


def test_entities_in_xml_spreadsheet_2003_are_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    prolog = f'<?xml version="1.0"?><!DOCTYPE Workbook [<!ENTITY x SYSTEM "file://{secret}">]>'
    path = xml2003(
        tmp_path / "2003实体.xls",
        [["项目名称", "总投资", "年度计划投资", "累计完成投资"], ["&x;", 1, 1, 1]],
        prolog=prolog,
    )
    path.write_bytes(path.read_bytes().replace(b"&amp;x;", b"&x;"))
    result = load_file(path)
    assert result.status == "failed" and "DOCTYPE" in result.reason
    assert SECRET not in repr(result)


# --- sheet dimensions and stray cells ---------------------------------------------------------


def _dimension(ref: bytes) -> Callable[[bytes], bytes]:
    import re

    return lambda xml: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="' + ref + b'"/>', xml)


def test_dimension_too_small_still_reads_every_row(tmp_path: Path) -> None:
    good = ledger_xlsx(tmp_path, "好.xlsx")
    path = rezip(good, tmp_path / "维度小.xlsx", {"xl/worksheets/sheet1.xml": _dimension(b"A1")})
    result = load_file(path)
    assert result.status == "merged" and len(result.ledger.projects) == 2
    assert_accounted(result.ledger, result.issues)


def test_dimension_too_large_allocates_nothing_for_it(
    tmp_path: Path, reached: Counter[str]
) -> None:
    big = _dimension(b"A1:XFD1048576")
    path = rezip(ledger_xlsx(tmp_path), tmp_path / "维度大.xlsx", {"xl/worksheets/sheet1.xml": big})
    result = load_file(path)
    assert reached["workbook"] == reached["sheet"] == 1  # the tripwires see a real read
    assert result.status == "merged" and result.ledger.rows_read == 3
    assert len(read_book(path).sheets[0].rows[0]) == 5


@pytest.mark.parametrize(
    ("cell", "far"),
    [(b"XFD1048576", "XFD1048576"), (b"ZZ100000", "ZZ100000"), (b"A3000000", "A3000000")],
)
def test_a_stray_cell_far_away_fails_naming_it_instead_of_exhausting_memory(
    tmp_path: Path, cell: bytes, far: str, reached: Counter[str]
) -> None:
    row = cell.lstrip(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    stray = in_sheet(b'<row r="%s"><c r="%s"><v>1</v></c></row>' % (row, cell))
    path = rezip(ledger_xlsx(tmp_path), tmp_path / "远处.xlsx", {"xl/worksheets/sheet1.xml": stray})
    failed(path, "工作表“台账”", far, "最远的单元格", "上限")
    assert reached["sheet"] == 0  # refused from the cell references, before it is laid out


def test_cells_without_references_cannot_hide_a_stray_cell(tmp_path: Path) -> None:
    stray = in_sheet(
        b"<row r='1048576'>" + b"<c><v>1</v></c>" * 3 + b"<c r = 'XFD1048576'><v>1</v></c></row>"
    )
    path = rezip(ledger_xlsx(tmp_path), tmp_path / "隐蔽.xlsx", {"xl/worksheets/sheet1.xml": stray})
    failed(path, "上限")


@pytest.mark.parametrize(
    "cell",
    [
        b'<c s="0" r="XFD1048576">',  # r after another attribute
        b'<c  r="XFD1048576">',  # two spaces
        b"<c r='XFD1048576'>",  # single quotes
        b'<c r="XFD1048576" s="0" customAttr="1">',  # a longer attribute name
        b'<x:c r="XFD1048576">',  # a prefix
    ],
)
def test_one_stray_cell_of_another_form_among_plain_cells_is_still_found(
    tmp_path: Path, cell: bytes
) -> None:
    # the cells Excel and xlsxwriter write are read by a quicker pattern; one cell of any
    # other form sends the whole sheet to the careful one, which finds it
    end = b"</x:c>" if cell.startswith(b"<x:") else b"</c>"
    stray = in_sheet(b'<row r="1048576">' + cell + b"<v>1</v>" + end + b"</row>")
    path = rezip(ledger_xlsx(tmp_path), tmp_path / "混写.xlsx", {"xl/worksheets/sheet1.xml": stray})
    failed(path, "XFD1048576", "上限")


def test_a_formula_without_its_value_among_formulas_with_values_is_found(tmp_path: Path) -> None:
    # most formulas carry their value, and then the cells are not looked into one by one; a
    # single one without, and only it, is reported; `=IF(…,"",…)` showing nothing has a value
    rows = [list(LEDGER[0])] + [[f"项目{n}", "城关镇", 100, 50, None] for n in range(1, 40)]
    formulas = {(r, 4): (f"=D{r + 1}*0.2", 10) for r in range(1, 40)}
    path = builders.xlsx_cached(tmp_path / "公式.xlsx", rows, formulas)

    def shows_nothing(xml: bytes) -> bytes:  # as Excel saves a formula whose result is ""
        cell = b'<c r="E8" t="str"><f>IF(D8=0,"",D8*0.2)</f><v></v></c>'
        return re.sub(rb'<c r="E8".*?</c>', cell, xml)

    path = rezip(path, tmp_path / "空文本.xlsx", {"xl/worksheets/sheet1.xml": shows_nothing})
    assert b"<v></v>" in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    assert not [i for i in load_file(path).issues if i.code == "formula-no-value"]

    def drop_one_value(xml: bytes) -> bytes:
        return re.sub(rb'(<c r="E20"[^>]*><f>[^<]*</f>)<v>[^<]*</v>', rb"\1", xml)

    path = rezip(path, tmp_path / "缺值.xlsx", {"xl/worksheets/sheet1.xml": drop_one_value})
    found = [i.cell for i in load_file(path).issues if i.code == "formula-no-value"]
    assert found == ["E20"]


def test_empty_styled_cells_far_away_cost_nothing(tmp_path: Path) -> None:
    styled = in_sheet(b'<row r="1048576" s="1" customFormat="1"><c r="XFD1048576" s="0"/></row>')
    path = rezip(
        ledger_xlsx(tmp_path), tmp_path / "格式.xlsx", {"xl/worksheets/sheet1.xml": styled}
    )
    result = load_file(path)
    assert result.status == "merged" and result.ledger.rows_read == 3


def test_merged_range_over_the_whole_sheet_is_cut_to_the_data(tmp_path: Path) -> None:
    merge = b'<mergeCells count="1"><mergeCell ref="C2:XFD1048576"/></mergeCells>'
    change = {
        "xl/worksheets/sheet1.xml": lambda x: x.replace(b"</sheetData>", b"</sheetData>" + merge)
    }
    path = rezip(ledger_xlsx(tmp_path), tmp_path / "全表合并.xlsx", change)
    book = read_book(path)
    assert book.sheets[0].merged == ((1, 2, 2, 4),)
    result = load_file(path)
    assert result.status == "merged"
    # money is never filled into merged cells: each row keeps its own amount
    assert [p.total_investment for p in result.ledger.projects] == [1200, 800]


def test_a_stray_cell_in_an_old_xls_is_refused_from_its_records(
    tmp_path: Path, reached: Counter[str]
) -> None:
    import xlwt

    path = tmp_path / "远处.xls"
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("台账")
    for r, row in enumerate(LEDGER):
        for c, value in enumerate(row):
            ws.write(r, c, value)
    ws.write(65535, 255, "误填")
    wb.save(str(path))
    failed(path, "IV65536", "上限")
    assert reached["workbook"] == 0  # refused from the BIFF records


def test_a_damaged_ole_container_fails_before_calamine_trusts_its_sizes(
    tmp_path: Path, reached: Counter[str]
) -> None:
    # found by the fuzz test: 16 bytes slipped into an .xls shift its directory, whose garbage
    # sizes calamine reserves as they say (4 GB), aborting the whole process
    good = xls(tmp_path / "好.xls", TOWNSHIP_ROWS).read_bytes()
    bad = good[:1550] + b"\n\x0c\xe2\xe9\x105\x0e\x97" * 2 + good[1550:]
    (tmp_path / "坏.xls").write_bytes(bad)
    failed(tmp_path / "坏.xls", "OLE 结构有误")
    assert reached["workbook"] == 0


@pytest.mark.parametrize(
    ("where", "value"),
    [(64, 0x00800000), (44, 0x7FFFFFFF), ("root size", 0xFFFFFFF0)],
    ids=["mini FAT 4 GB", "FAT sectors", "root entry size"],
)
def test_ole_sizes_past_the_end_of_the_file_are_refused(
    tmp_path: Path, where: Any, value: int
) -> None:
    data = bytearray(xls(tmp_path / "好.xls", LEDGER).read_bytes())
    if where == "root size":
        at = data.find("Root Entry".encode("utf-16-le"))
        struct.pack_into("<I", data, at + 120, value)
    else:
        struct.pack_into("<I", data, where, value)
    (tmp_path / "坏.xls").write_bytes(bytes(data))
    failed(tmp_path / "坏.xls", "OLE 结构有误")


def test_an_office_file_that_is_not_a_workbook_says_so(tmp_path: Path) -> None:
    data = xls(tmp_path / "好.xls", LEDGER).read_bytes()
    renamed = data.replace("Workbook".encode("utf-16-le"), "WordDocu".encode("utf-16-le"))
    (tmp_path / "文档.xls").write_bytes(renamed)
    failed(tmp_path / "文档.xls", "不是 Excel 工作簿")


def test_ods_rows_repeated_a_million_times_are_refused(
    tmp_path: Path, reached: Counter[str]
) -> None:
    head = ods_row("项目名称", "总投资", "年度计划投资", "累计完成投资")
    bomb = ods(tmp_path / "重复.ods", head + ods_row("项目", 1, 1, 1, repeat=1_000_000))
    failed(bomb, "上限")
    assert reached["workbook"] == 0  # refused from the repeat counts
    trailing = '<table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    good = ods(tmp_path / "正常.ods", head + ods_row("甲项目", 10, 5, 1) + trailing)
    result = load_file(good)
    assert result.status == "merged" and result.ledger.projects[0].total_investment == 10


# --- text formats that grow without bound -----------------------------------------------------


def test_html_spans_that_would_fill_millions_of_cells_are_refused(tmp_path: Path) -> None:
    head = "<tr><td>项目名称</td><td>总投资</td><td>年度计划投资</td><td>累计完成投资</td></tr>"
    spans = '<tr><td rowspan="1000" colspan="1000">x</td></tr>' * 5
    path = tmp_path / "跨度.xls"
    path.write_text(f"<html><body><table>{head}{spans}</table></body></html>", encoding="utf-8")
    failed(path, "上限")


def test_csv_of_millions_of_empty_lines_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "空行.csv"
    path.write_bytes("项目名称,总投资\n".encode() + b"\n" * (limits.MAX_CELLS + 10))
    failed(path, "上限")


def test_file_over_the_size_limit_is_refused_without_reading_it(
    tmp_path: Path, reached: Counter[str]
) -> None:
    path = tmp_path / "巨大.xlsx"
    with path.open("wb") as f:
        f.truncate(limits.MAX_FILE_BYTES + 1)  # sparse: no disk used
    failed(path, "上限")
    assert reached["read"] == 0  # refused from its size on disk


# every limit lives in ledgerkit.read.limits and is read there when a file is read: lowering one
# there refuses a small good ledger of each format it bounds. A reader holding its own copy
# (`from ledgerkit.read.limits import MAX_CELLS`) would not see the patch, and its case fails.
LIMIT_CASES: list[tuple[dict[str, int], Callable[[Path], Path], str]] = [
    ({"MAX_FILE_BYTES": 100}, lambda d: ledger_xlsx(d), "不像一份台账"),
    ({"MAX_TEXT_BYTES": 100}, lambda d: csv_file(d / "a.csv", LEDGER), "文本表格有"),
    ({"MAX_ZIP_ENTRIES": 3}, lambda d: ledger_xlsx(d), "个部件（上限 3）"),
    ({"MAX_PART_BYTES": 100}, lambda d: ledger_xlsx(d), "超过 100 字节"),
    ({"MAX_UNZIPPED_BYTES": 1000}, lambda d: ledger_xlsx(d), "超过 1000 字节"),
    ({"MAX_RATIO": 1, "RATIO_FLOOR": 0}, lambda d: ledger_xlsx(d), "压缩比"),
    ({"MAX_CELLS": 10}, lambda d: ledger_xlsx(d), "超过 10 个单元格的上限"),
    ({"MAX_CELLS": 10}, lambda d: xls(d / "a.xls", LEDGER), "超过 10 个单元格的上限"),
    ({"MAX_CELLS": 10}, lambda d: ods(d / "a.ods", "".join(ods_row(*r) for r in LEDGER)), "超过 10 个单元格的上限"),
    ({"MAX_CELLS": 10}, lambda d: csv_file(d / "a.csv", LEDGER), "超过 10 个单元格的上限"),
    ({"MAX_CELLS": 10}, lambda d: builders.html_xls(d / "a.xls", LEDGER), "超过 10 个单元格的上限"),
    ({"MAX_CELLS": 10}, lambda d: xml2003(d / "a.xls", LEDGER), "超过 10 个单元格的上限"),
    ({"MAX_SPIN": 1000}, lambda d: Path(shutil.copy(DATA / "password-1234.xlsx", d)), "加密参数异常"),
    ({"MAX_SHEETS": 0}, lambda d: ledger_xlsx(d), "个工作表（上限 0）"),
    ({"MAX_SHEETS": 0}, lambda d: xls(d / "a.xls", LEDGER), "个工作表（上限 0）"),
    ({"MAX_SHEETS": 0}, lambda d: ods(d / "a.ods", "".join(ods_row(*r) for r in LEDGER)), "个工作表（上限 0）"),
    ({"MAX_SHEETS": 0}, lambda d: builders.html_xls(d / "a.xls", LEDGER), "个工作表（上限 0）"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("patch", "make", "reason"),
    LIMIT_CASES,
    ids=[f"{','.join(p)}-{i}" for i, (p, _, _) in enumerate(LIMIT_CASES)],
)
def test_each_limit_is_read_from_the_limits_module_when_a_file_is_read(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    patch: dict[str, int],
    make: Callable[[Path], Path],
    reason: str,
) -> None:
    path = make(tmp_path)
    assert load_file(path, password="1234").status == "merged"
    for name, value in patch.items():
        monkeypatch.setattr(limits, name, value)
    failed(path, reason, password="1234")


def test_limits_have_one_home() -> None:
    # patching a limit anywhere but ledgerkit.read.limits must fail loudly, not pass vacuously
    names = [n for n in vars(limits) if n.startswith("MAX_") or n == "RATIO_FLOOR"]
    assert len(names) == 12
    package = Path(limits.__file__).parent
    readers = [f"ledgerkit.read.{p.stem}" for p in package.glob("*.py")]
    for module in ["ledgerkit.read", "ledgerkit.feedback", *readers]:
        if module not in ("ledgerkit.read.__init__", "ledgerkit.read.limits"):
            assert not set(names) & set(vars(importlib.import_module(module))), module


# --- encrypted workbooks ----------------------------------------------------------------------


def test_encrypted_workbook_says_so_and_opens_with_the_password(tmp_path: Path) -> None:
    path = Path(shutil.copy(DATA / "password-1234.xlsx", tmp_path / "卧龙镇.xlsx"))
    failed(path, "设有打开密码", "--password")
    failed(path, "密码不对", password="wrong")
    result = load_file(path, password="1234")  # the first rows of the township ledger
    assert result.status == "merged" and result.ledger.format == "xlsx"
    (project,) = result.ledger.projects
    assert (project.name, project.total_investment) == (
        "卧龙镇污水处理厂及配套管网工程",
        1200,
    )
    assert result.ledger.stated_total["total_investment"] == 7300
    assert_accounted(result.ledger, result.issues)


def _encryption_info(src: Path, dst: Path, change: Callable[[bytes], bytes]) -> Path:
    shutil.copy(src, dst)
    with olefile.OleFileIO(str(dst), write_mode=True) as ole:
        info = ole.openstream("EncryptionInfo").read()
        new = change(info)
        assert len(new) == len(info)
        ole.write_stream("EncryptionInfo", new)
    return dst


def test_encryption_that_would_take_hours_to_try_is_refused(
    tmp_path: Path, reached: Counter[str]
) -> None:
    def slow(info: bytes) -> bytes:
        info = info.replace(b'spinCount="100000"', b'spinCount="99999999"')
        return info.replace(b"\n    <keyData", b"\n  <keyData", 1)

    path = _encryption_info(DATA / "password-1234.xlsx", tmp_path / "慢.xlsx", slow)
    failed(path, "99,999,999", password="1234")
    assert reached["decrypt"] == 0  # refused before a password is tried


def test_entities_in_the_encryption_info_are_refused(tmp_path: Path) -> None:
    declaration = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    bomb = b'<!DOCTYPE encryption [<!ENTITY a "aaaa">]>'
    bomb += b" " * (len(declaration) - len(bomb))

    path = _encryption_info(
        DATA / "password-1234.xlsx",
        tmp_path / "实体加密.xlsx",
        lambda i: i.replace(declaration, bomb),
    )
    failed(path, "DOCTYPE", password="1234")


def test_encrypted_xls_is_said_to_have_a_password(tmp_path: Path) -> None:
    path = xls(tmp_path / "加密.xls", LEDGER)
    with olefile.OleFileIO(str(path), write_mode=True) as ole:
        stream = bytearray(ole.openstream("Workbook").read())
        pos = 0
        while struct.unpack_from("<H", stream, pos)[0] != 0x005C:  # WRITEACCESS
            pos += 4 + struct.unpack_from("<H", stream, pos + 2)[0]
        struct.pack_into("<H", stream, pos, 0x002F)  # becomes FILEPASS, same length
        ole.write_stream("Workbook", bytes(stream))
    failed(path, "设有打开密码")


# --- formats told from the bytes --------------------------------------------------------------


def _township_2003(path: Path, **kwargs: Any) -> Path:
    return xml2003(path, TOWNSHIP_ROWS, TOWNSHIP_MERGES, **kwargs)


def test_xml_spreadsheet_2003_named_xls_is_read_with_merges(tmp_path: Path) -> None:
    stale = [["项目名称", "总投资", "年度计划投资", "累计完成投资"], ["旧项目", 9, 9, 9]]
    path = _township_2003(tmp_path / "卧龙镇.xls", hidden=[("3月", stale)])
    book = read_book(path)
    assert (book.format, book.hidden) == ("xml", ("3月",))
    sheet = book.sheets[0]
    assert (2, 4, 2, 6) in sheet.merged and (9, 2, 10, 2) in sheet.merged
    assert sheet.rows[3][4:7] == ["总投资", "2024年计划投资", "1-4月完成投资"]
    assert_township(path, "xml")


def test_xml_spreadsheet_2003_in_utf16_with_index_gaps(tmp_path: Path) -> None:
    rows = [
        ["项目名称", "总投资", "年度计划投资", "累计完成投资", "实际开工时间"],
        ["甲项目", None, 300, 12.5, dt.date(2024, 3, 15)],
        [None, None, None, None, None],
        ["乙项目", 10, None, None, None],
    ]
    path = xml2003(
        tmp_path / "城关镇.xls",
        rows,
        encoding="utf-16",
        prolog='<?xml version="1.0" encoding="UTF-16"?>',
    )
    result = load_file(path)
    assert result.status == "merged", result.reason
    first, second = result.ledger.projects
    assert first.total_investment is None and first.annual_plan == Decimal(300)
    assert first.actual_start == "2024-03-15"
    assert second.source.row == 4 and second.total_investment == Decimal(10)
    assert_accounted(result.ledger, result.issues)


def test_xml_spreadsheet_2003_errors_and_formulas_without_values(tmp_path: Path) -> None:
    rows = [
        ["项目名称", "总投资", "年度计划投资", "累计完成投资"],
        ["甲项目", ("#REF!", "Error"), 10, ("=RC[-1]*2",)],
    ]
    result = load_file(xml2003(tmp_path / "错误值.xls", rows))
    found = {(i.code, i.cell) for i in result.issues}
    assert {("cell-error", "B2"), ("formula-no-value", "D2")} <= found


def test_an_xml_spreadsheet_2003_cell_far_away_is_refused(tmp_path: Path) -> None:
    path = xml2003(tmp_path / "远处2003.xls", LEDGER)
    far = b'<Row ss:Index="1048576"><Cell ss:Index="16384"><Data ss:Type="Number">1</Data></Cell></Row></Table>'
    path.write_bytes(path.read_bytes().replace(b"</Table>", far))
    failed(path, "XFD1048576", "上限")


def test_a_shifted_header_fails_naming_the_header_rows(tmp_path: Path) -> None:
    # found by the fuzz test: a sub-header cell under 项目名称 took its column
    rows = [
        ["序号", "项目名称", "总投资", "年度计划投资"],
        [None, "2024年计划投资"],
        [1, "甲", 1, 1],
    ]
    failed(csv_file(tmp_path / "错位.csv", rows), "第1、2行", "项目名称")


def test_other_xml_fails_with_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "数据.xls"
    path.write_text('<?xml version="1.0"?><data><row>1</row></data>', encoding="utf-8")
    failed(path, "XML")
    broken = _township_2003(tmp_path / "半截.xls")
    broken.write_bytes(broken.read_bytes()[:-200])
    failed(broken, "XML 表格已损坏")


@pytest.mark.parametrize("encoding", ["gbk", "utf-16"])
def test_tab_separated_text_named_xls(tmp_path: Path, encoding: str) -> None:
    # Excel's "Unicode 文本" is UTF-16 with tabs; WPS and scripts write GBK
    path = csv_file(tmp_path / "卧龙镇.xls", TOWNSHIP_ROWS, encoding=encoding, delimiter="\t")
    assert read_book(path).format == "csv"
    assert_township(path, "csv", leader_merged=False)


def test_xlsm_data_is_read_and_its_macros_are_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "宏运行过.txt"
    macro = f'Sub Auto_Open()\n Open "{marker}" For Output As #1\nEnd Sub'.encode("utf-16-le")
    path = builders.xlsm(tmp_path / "宏.xlsm", TOWNSHIP_ROWS, TOWNSHIP_MERGES)
    path = rezip(path, tmp_path / "卧龙镇.xlsm", add={"xl/vbaProject.bin": macro})
    assert_township(path, "xlsx")
    assert not marker.exists()


# --- what is in the cells ---------------------------------------------------------------------


def test_stored_errors_are_reported_by_cell_never_taken_as_zero(tmp_path: Path) -> None:
    rows = [list(r) for r in LEDGER]
    formulas = {(1, 2): ("=1/0", "#DIV/0!"), (2, 4): ("=#REF!", "#REF!")}
    path = builders.xlsx_cached(tmp_path / "错误值.xlsx", rows, formulas)
    result = load_file(path)
    errors = {(i.cell, i.code) for i in result.issues if i.severity == "error"}
    assert errors == {("C2", "cell-error"), ("E3", "cell-error")}
    first, second = result.ledger.projects
    assert first.total_investment is None and second.ytd_completed is None
    text = csv_file(tmp_path / "错误值.csv", [LEDGER[0], ["甲", "城关镇", "#REF!", 1, 1]])
    assert [(i.code, i.cell) for i in load_file(text).issues if i.severity == "error"] == [
        ("bad-number", "C2")
    ]


def test_external_links_are_named_and_never_followed(tmp_path: Path) -> None:
    other = tmp_path / "3月.xlsx"
    other.write_bytes(b"never opened")
    rels = (
        '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" '
        f'Target="file:///{other}" TargetMode="External"/></Relationships>'
    ).encode()
    link = (
        b'<?xml version="1.0"?><externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<ddeLink ddeService="cmd" ddeTopic="/C calc"/></externalLink>'
    )
    formulas = {(1, 4): ("=[1]台账!E2", 120.5)}
    good = builders.xlsx_cached(tmp_path / "好.xlsx", [list(r) for r in LEDGER], formulas)
    add = {
        "xl/externalLinks/externalLink1.xml": link,
        "xl/externalLinks/_rels/externalLink1.xml.rels": rels,
    }
    path = rezip(good, tmp_path / "外部链接.xlsx", add=add)
    opened = []

    def audit(event: str, args: tuple) -> None:
        if event == "open" and watching:
            opened.append(str(args[0]))

    sys.addaudithook(audit)  # hooks cannot be removed: this one only records while watching
    watching = True
    result = load_file(path)
    watching = False
    assert str(other) not in opened and not any("3月" in p for p in opened)
    assert result.status == "merged"
    assert result.ledger.projects[0].ytd_completed == Decimal("120.5")  # the saved value
    links = [i for i in result.issues if i.code == "external-link"]
    assert [i.severity for i in links] == ["warning", "warning"]
    assert str(other) in links[0].message and "cmd|/C calc" in links[1].message


def test_control_characters_and_very_long_cells(tmp_path: Path) -> None:
    long = "很长的说明" * 40_000  # 200,000: over Excel's 32,767 and csv's default 131,072
    rows = [
        ["项目名称", "总投资", "年度计划投资", "累计完成投资", "存在问题", "备注"],
        ["城关镇\x07老旧\x1b小区\x0b改造", 10, 5, 1, long, "响铃\x07"],
    ]
    folder = tmp_path / "2024-04"
    folder.mkdir()
    csv_file(folder / "城关镇.csv", rows, encoding="utf-8")
    result = merge_paths([folder])
    (project,) = result.files[0].ledger.projects
    assert project.name == "城关镇老旧小区改造"
    assert project.remark == "响铃"
    too_long = [i for i in result.issues if i.code == "text-too-long"]
    assert [(i.cell, i.severity) for i in too_long] == [("E2", "warning")]
    assert "200,000" in too_long[0].message
    out = tmp_path / "汇总.xlsx"
    write_workbook(result, out, "t")
    ws = openpyxl.load_workbook(out)["项目明细"]
    heads = [c.value for c in ws[2]]
    assert ws.cell(3, heads.index("项目名称") + 1).value == "城关镇老旧小区改造"
    problem = ws.cell(3, heads.index("存在问题") + 1).value
    assert len(problem) == 32_767 and problem.endswith("…")


def test_control_characters_in_a_workbook_are_dropped(tmp_path: Path) -> None:
    # Excel stores them escaped (_x0007_); calamine gives them back; they never reach the output
    rows = [LEDGER[0], ["城关镇\x00老旧\x07小区\x1f改造", "城关镇", 1, 1, 1]]
    result = load_file(text_xlsx(tmp_path / "城关镇.xlsx", rows))
    assert result.ledger.projects[0].name == "城关镇老旧小区改造"


_KILLED = """
import os, signal, sys
from pathlib import Path
import xlsxwriter
from ledgerkit.pipeline import merge_paths
from ledgerkit.workbook import write_workbook

def close(self):
    Path(self.filename).write_bytes(b"PK half a workbook")
    os.kill(os.getpid(), signal.SIGKILL)  # the power goes, half-way through the write

xlsxwriter.Workbook.close = close
write_workbook(merge_paths([Path(sys.argv[1])]), Path(sys.argv[2]), "t")
"""


def test_an_output_write_killed_half_way_leaves_the_previous_file(
    month: Path, tmp_path: Path
) -> None:
    out = tmp_path / "汇总.xlsx"
    out.write_bytes(b"last month's workbook")
    done = subprocess.run([sys.executable, "-c", _KILLED, str(month), str(out)], timeout=60)
    assert done.returncode == -9
    assert out.read_bytes() == b"last month's workbook"
    # the half-written temporary file is hidden (.ledgerkit-*) beside it, never the output
    assert {p.name for p in tmp_path.iterdir() if not p.name.startswith(".ledgerkit-")} >= {
        out.name
    }


INJECTIONS = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1", "=cmd|' /C calc'!A0"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "html"])
def test_injection_text_is_written_as_text(tmp_path: Path, fmt: str) -> None:
    rows = [["项目名称", "总投资", "年度计划投资", "累计完成投资", "形象进度"]]
    rows += [[f"{text}项目{n}", 1, 1, 1, text] for n, text in enumerate(INJECTIONS)]
    folder = tmp_path / "2024-04"
    folder.mkdir()
    if fmt == "csv":
        csv_file(folder / "城关镇.csv", rows, encoding="utf-8")
    elif fmt == "xlsx":
        text_xlsx(folder / "城关镇.xlsx", rows)
    else:
        builders.html_xls(folder / "城关镇.xls", rows)
    out = tmp_path / "汇总.xlsx"
    write_workbook(merge_paths([folder]), out, "t")
    with zipfile.ZipFile(out) as zf:
        detail = zf.read("xl/worksheets/sheet1.xml")
    assert detail.count(b"<f>") == len(INJECTIONS)  # only the 完成率 formulas ledgerkit writes
    ws = openpyxl.load_workbook(out)["项目明细"]
    heads = [c.value for c in ws[2]]
    names = [ws.cell(r, heads.index("项目名称") + 1) for r in range(3, 3 + len(INJECTIONS))]
    assert all(c.data_type == "s" for c in names)
    assert sorted(c.value for c in names) == sorted(
        f"{t.strip()}项目{n}" if fmt != "html" else " ".join(f"{t}项目{n}".split())
        for n, t in enumerate(INJECTIONS)
    )
    progress = [ws.cell(r, heads.index("形象进度") + 1) for r in range(3, 3 + len(INJECTIONS))]
    assert all(c.data_type == "s" and not str(c.value).startswith(("\t", "\r")) for c in progress)


def test_ledgerkit_writes_no_csv() -> None:
    # so no CSV of ours can carry a formula: the outputs are .xlsx, .docx, .md, .html and JSON
    source = Path(ledgerkit.__file__).parent  # the package and its subpackages (read/)
    modules = list(source.rglob("*.py"))
    assert source / "read" / "text.py" in modules
    writers = [p.name for p in modules if "csv.writer" in p.read_text(encoding="utf-8")]
    assert writers == []


# --- the month goes on ------------------------------------------------------------------------


def _shifted_xls(path: Path) -> Path:
    good = xls(path, TOWNSHIP_ROWS).read_bytes()
    path.write_bytes(good[:1550] + b"\n\x0c\xe2\xe9\x105\x0e\x97" * 2 + good[1550:])
    return path


BOMBS: list[tuple[str, Callable[[Path], Path]]] = [
    ("ratio", lambda d: rezip(ledger_xlsx(d, "a.xlsx"), d / "压缩比炸弹.xlsx", {"xl/worksheets/sheet1.xml": in_sheet(b" " * (24 * 2**20))})),
    ("declared", lambda d: declare_size(ledger_xlsx(d, "共享字符串.xlsx"), "xl/sharedStrings.xml", 3 * 2**30)),
    ("far cell", lambda d: rezip(ledger_xlsx(d, "b.xlsx"), d / "远处单元格.xlsx", {"xl/worksheets/sheet1.xml": in_sheet(b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')})),
    ("unique count", lambda d: rezip(ledger_xlsx(d, "c.xlsx"), d / "假计数.xlsx", {"xl/sharedStrings.xml": lambda x: x.replace(b'uniqueCount="', b'uniqueCount="400000000')})),
    ("laughs", lambda d: rezip(ledger_xlsx(d, "e.xlsx"), d / "实体炸弹.xlsx", {"xl/sharedStrings.xml": with_doctype(LAUGHS, "城关镇污水管网", b"&i;")})),
    ("ole", lambda d: _shifted_xls(d / "错位的xls.xls")),
    ("ods", lambda d: ods(d / "重复行.ods", ods_row("项目名称", "总投资", "年度计划投资", "累计完成投资") + ods_row("项目", 1, 1, 1, repeat=1_000_000))),
]  # fmt: skip

_MEASURE = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1536 * 2**20, 1536 * 2**20))
from pathlib import Path
import python_calamine
from ledgerkit.pipeline import load_file
parsed, real = [], python_calamine.CalamineWorkbook
class Book:  # a sheet laid out by calamine is a sheet parsed
    def __init__(self, book): self.book, self.sheets_metadata = book, book.sheets_metadata
    from_filelike = classmethod(lambda cls, data: cls(real.from_filelike(data)))
    def get_sheet_by_index(self, i): parsed.append(i); return self.book.get_sheet_by_index(i)
python_calamine.CalamineWorkbook = Book
out = [[Path(name).name, load_file(Path(name)).status] for name in sys.argv[1:]]
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(json.dumps({"files": out, "parsed": parsed, "max_rss_mb": peak}))
"""


def test_bombs_fail_in_bounded_time_and_memory_and_the_month_goes_on(tmp_path: Path) -> None:
    # bounded by what is checked: each bomb is refused before calamine lays out a sheet (a
    # tripwire counts them in the child), in a child with 1.5 GB of address space, where an allocation
    # past it would kill the child; the timeout only keeps a hang from stalling the test run
    folder = tmp_path / "2024-04"
    folder.mkdir()
    bombs = [make(folder) for _, make in BOMBS]
    for stray in folder.glob("[a-e].xlsx"):
        stray.unlink()
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *map(str, bombs)], capture_output=True, timeout=600
    )
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")[-2000:]
    report = json.loads(done.stdout)
    assert [status for _, status in report["files"]] == ["failed"] * len(bombs)
    assert report["parsed"] == [], report
    assert report["max_rss_mb"] < 400, report
    builders.xlsx(folder / "卧龙镇.xlsx", TOWNSHIP_ROWS, TOWNSHIP_MERGES)
    result = merge_paths([folder])
    assert {f.label: f.status for f in result.files}["卧龙镇.xlsx"] == "merged"
    assert len(result.projects) == 3
    assert sorted(i.file for i in result.issues if i.code == "file-unreadable") == sorted(
        p.name for p in bombs
    )


# --- the clerk's machine ------------------------------------------------------------------------


def test_paths_with_chinese_characters_and_spaces(tmp_path: Path, capsysbinary) -> None:
    folder = tmp_path / "重点 项目" / "2024-04 月报"
    folder.mkdir(parents=True)
    xlsx(folder / "卧龙 镇 台账.xlsx", TOWNSHIP_ROWS, TOWNSHIP_MERGES)
    out = tmp_path / "重点 项目" / "2024-04 汇总 表.xlsx"
    code, stdout, _ = run_cli(capsysbinary, "merge", str(folder), "-o", str(out), "--json")
    assert code in (0, 1)
    data = json.loads(stdout)
    assert data["files"][0]["status"] == "merged" and data["totals"]["projects"] == 3
    assert out.exists() and data["period"] == "2024-04"


def test_password_from_the_command_line_or_the_environment(
    tmp_path: Path, capsysbinary, monkeypatch
) -> None:
    folder = tmp_path / "2024-04"
    folder.mkdir()
    shutil.copy(DATA / "password-1234.xlsx", folder / "卧龙镇.xlsx")
    code, stdout, _ = run_cli(capsysbinary, "check", str(folder), "--json")
    assert code == 1 and "设有打开密码" in json.loads(stdout)["files"][0]["reason"]
    code, stdout, _ = run_cli(capsysbinary, "check", str(folder), "--json", "--password", "1234")
    assert json.loads(stdout)["files"][0]["status"] == "merged"
    monkeypatch.setenv("LEDGERKIT_PASSWORD", "1234")
    out = tmp_path / "o.xlsx"
    code, stdout, _ = run_cli(capsysbinary, "merge", str(folder), "-o", str(out), "--json")
    data = json.loads(stdout)
    assert data["files"][0]["status"] == "merged" and data["totals"]["projects"] == 1
    assert out.exists()


def test_output_that_cannot_be_replaced_exits_3_with_the_previous_file_intact(
    month: Path, tmp_path: Path, capsysbinary, monkeypatch
) -> None:
    # Windows refuses to replace a workbook Excel holds open, even without a ~$ lock file
    out = tmp_path / "o.xlsx"
    out.write_bytes(b"previous")

    def locked(src: Any, dst: Any) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", locked)
    code, _, err = run_cli(capsysbinary, "merge", str(month), "-o", str(out))
    assert code == 3 and "关闭" in err and "Traceback" not in err
    assert out.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".ledgerkit-")] == []
    with pytest.raises(OutputLocked):
        write_workbook(merge_paths([month]), out, "t")


def _temporaries(folder: Path) -> list[str]:
    return [p.name for p in folder.rglob(".ledgerkit-*")]


def _disk_full_while_writing(tmp: Path) -> None:
    """What a writer does when the disk fills: half a file, then the OSError, which
    xlsxwriter wraps in its own FileCreateError."""
    from xlsxwriter.exceptions import FileCreateError

    tmp.write_bytes(b"PK half a workbook")
    try:
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp))
    except OSError as exc:
        raise FileCreateError(exc) from None  # as xlsxwriter: the OSError is the context


def test_a_full_disk_exits_3_in_chinese_with_the_previous_workbook_intact(
    month: Path, tmp_path: Path, capsysbinary, monkeypatch
) -> None:
    out = tmp_path / "2024-04汇总.xlsx"
    assert run_cli(capsysbinary, "merge", str(month), "-o", str(out))[0] == 1
    before = out.read_bytes()
    monkeypatch.setattr(
        "ledgerkit.workbook._write", lambda result, tmp, *a: _disk_full_while_writing(tmp)
    )
    code, _, err = run_cli(capsysbinary, "merge", str(month), "-o", str(out))
    assert code == 3
    assert f"磁盘空间不足，未能写出“{out}”；原有的汇总表未改动" in "".join(err.split())
    assert "内部错误" not in err and "No space" not in err and "Errno" not in err
    assert out.read_bytes() == before
    assert _temporaries(tmp_path) == []


@pytest.mark.parametrize(
    ("code", "said"),
    [
        (errno.EROFS, "所在的磁盘是只读的"),
        (errno.EACCES, "没有在文件夹"),
        (errno.EPERM, "没有在文件夹"),
        (errno.EIO, "磁盘读写出错"),
        (errno.ENOTSUP, "错误代码ENOTSUP"),  # any other: its code, never the English text
    ],
)
def test_a_folder_that_refuses_the_output_is_named_in_chinese(
    month: Path, tmp_path: Path, capsysbinary, monkeypatch, code: int, said: str
) -> None:
    out = tmp_path / "只读" / "2024-04汇总.xlsx"

    def refused(path: Path) -> Path:
        raise OSError(code, os.strerror(code), str(path))

    monkeypatch.setattr("ledgerkit.output._temporary_beside", refused)
    exit_code, _, err = run_cli(capsysbinary, "merge", str(month), "-o", str(out))
    text = "".join(err.split())
    assert exit_code == 3 and said in text and f"未能写出“{out}”" in text
    assert "内部错误" not in err and os.strerror(code) not in err
    assert not out.exists() and _temporaries(tmp_path) == []


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() == 0,  # root writes in a 0o500 folder all the same
    reason="needs POSIX permissions that apply to this user",
)
def test_a_read_only_folder_for_real_exits_3_and_keeps_the_previous_workbook(
    month: Path, tmp_path: Path, capsysbinary
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "2024-04汇总.xlsx"
    run_cli(capsysbinary, "merge", str(month), "-o", str(out))
    before = out.read_bytes()
    folder.chmod(0o500)
    try:
        code, _, err = run_cli(capsysbinary, "merge", str(month), "-o", str(out))
    finally:
        folder.chmod(0o700)
    assert code == 3 and "没有在文件夹" in "".join(err.split()) and "内部错误" not in err
    assert out.read_bytes() == before and _temporaries(folder) == []


def test_a_writer_bug_is_not_taken_for_a_machine_fault(tmp_path: Path) -> None:
    from ledgerkit.output import atomic_write

    def buggy(tmp: Path) -> None:
        raise KeyError("x")

    with pytest.raises(KeyError):
        atomic_write(tmp_path / "o.xlsx", buggy)
    assert _temporaries(tmp_path) == []
    with pytest.raises(OutputFailed, match="磁盘空间不足"):
        atomic_write(tmp_path / "o.xlsx", _disk_full_while_writing)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_outputs_get_the_umask_permissions_and_a_rerun_never_narrows_them(
    month: Path, tmp_path: Path, capsysbinary
) -> None:
    out = tmp_path / "2024-04汇总.xlsx"
    docx, back = tmp_path / "通报.docx", tmp_path / "退回"

    def modes() -> list[int]:
        files = [out, docx, *back.iterdir()]
        return sorted({p.stat().st_mode & 0o777 for p in files})

    def run_all() -> None:
        run_cli(capsysbinary, "merge", str(month), "-o", str(out))
        run_cli(capsysbinary, "report", str(out), "-o", str(docx))
        run_cli(capsysbinary, "check", str(month), "--feedback", str(back))

    old = os.umask(0o002)  # a shared folder's: group-writable, as open() would make them
    try:
        run_all()
        assert modes() == [0o664]  # not tempfile's 0o600
        os.umask(0o077)  # a stricter umask later does not narrow files already there
        run_all()
        assert modes() == [0o664]
        out.chmod(0o644)  # what the clerk set is kept
        run_all()
        assert out.stat().st_mode & 0o777 == 0o644
    finally:
        os.umask(old)
    assert _temporaries(tmp_path) == []


def test_every_bad_file_in_one_folder_on_a_gbk_console(tmp_path: Path) -> None:
    folder = tmp_path / "2024-04"
    folder.mkdir()
    xlsx(folder / "卧龙镇✅.xlsx", TOWNSHIP_ROWS, TOWNSHIP_MERGES)
    shutil.copy(DATA / "password-1234.xlsx", folder / "加密.xlsx")
    _township_2003(folder / "2003.xls")
    (folder / "乱码.xls").write_bytes(os.urandom(3000))
    declare_size(ledger_xlsx(folder, "炸弹.xlsx"), "xl/sharedStrings.xml", 3 * 2**30)
    done = subprocess.run(
        [sys.executable, "-m", "ledgerkit", "check", str(folder)],
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "gbk", "COLUMNS": "200"},
        timeout=60,
    )
    assert done.returncode == 1 and b"Traceback" not in done.stderr + done.stdout
    shown = done.stdout.decode("gbk", "replace")
    assert "设有打开密码" in shown and "xl/sharedStrings.xml" in shown


def test_user_templates_cannot_reach_python(tmp_path: Path) -> None:
    # the rendering is sandboxed (see also test_bulletin.py::test_unit_text_appears_as_typed_and_runs_nothing)
    from docx import Document

    from ledgerkit.bulletin import TemplateError, render_docx
    from ledgerkit.settings import Settings

    for probe in (
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__.os.system('echo 1') }}",
        "{{ region.format_map }}{{ region.__class__ }}",
    ):
        template = tmp_path / "恶意.docx"
        doc = Document()
        doc.add_paragraph(probe)
        doc.save(str(template))
        with pytest.raises(TemplateError):
            render_docx(template, {"region": "襄城区"}, Settings())


def test_a_read_only_output_that_cannot_be_replaced_leaves_no_temporary(
    month: Path, tmp_path: Path, monkeypatch
) -> None:
    # Windows: replacing a read-only file fails, and the temporary file, which took the
    # output's read-only mode, cannot be deleted until it is made writable again
    out = tmp_path / "o.xlsx"
    out.write_bytes(b"previous")
    out.chmod(0o444)
    real_unlink = Path.unlink

    def replace_refused(src: Any, dst: Any) -> None:
        raise PermissionError(errno.EACCES, "Access is denied")

    def unlink_as_windows(self: Path, missing_ok: bool = False) -> None:
        if self.name.startswith(".ledgerkit-") and not self.stat().st_mode & 0o200:
            raise PermissionError(errno.EACCES, "Access is denied", str(self))
        real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(os, "replace", replace_refused)
    monkeypatch.setattr(Path, "unlink", unlink_as_windows)
    with pytest.raises(OutputLocked, match="只读"):
        write_workbook(merge_paths([month]), out, "t")
    assert out.read_bytes() == b"previous" and _temporaries(tmp_path) == []


def test_a_temporary_name_in_use_is_never_taken_over(tmp_path: Path, monkeypatch) -> None:
    from ledgerkit import output

    other = tmp_path / ".ledgerkit-aaa.docx"  # another run's, being written right now
    other.write_bytes(b"theirs")
    names = iter(["aaa", "bbb"])
    monkeypatch.setattr(output.secrets, "token_hex", lambda n: next(names))
    output.atomic_write(tmp_path / "通报.docx", lambda tmp: tmp.write_bytes(b"ours"))
    assert (tmp_path / "通报.docx").read_bytes() == b"ours" and other.read_bytes() == b"theirs"
    monkeypatch.setattr(output.secrets, "token_hex", lambda n: "aaa")  # a broken folder
    with pytest.raises(OutputFailed, match="EEXIST"):
        output.atomic_write(tmp_path / "通报.docx", lambda tmp: tmp.write_bytes(b"new"))
    assert (tmp_path / "通报.docx").read_bytes() == b"ours" and other.read_bytes() == b"theirs"


# --- issue 13: one bad file costs that file only ------------------------------------------------


def test_amounts_too_large_to_be_money_are_bad_numbers_and_the_month_is_written(
    tmp_path: Path, capsysbinary
) -> None:
    # 1e28 used to end the whole merge in Decimal.quantize (InvalidOperation)
    folder = tmp_path / "2024-04"
    folder.mkdir()
    rows = [
        LEDGER[0],
        ["误填的项目", "城关镇", 1e28, 300, 120],
        ["粘贴了身份证号", "城关镇", "110101199001011234", 300, 120],
        ["单位错了的项目", "城关镇", 300_000_000, 300, 120],
        ["正常项目", "城关镇", 800, 200, 50],
    ]
    xlsx(folder / "城关镇.xlsx", rows)
    xlsx(folder / "卧龙镇.xlsx", TOWNSHIP_ROWS, TOWNSHIP_MERGES)
    out = tmp_path / "汇总.xlsx"
    code, stdout, _ = run_cli(capsysbinary, "merge", str(folder), "-o", str(out), "--json")
    data = json.loads(stdout)
    assert code == 1 and out.exists()
    assert {f["status"] for f in data["files"]} == {"merged"}
    found = {(i["code"], i["file"], i["sheet"], i["cell"]): i["message"] for i in data["issues"]}
    assert "不可能是一个项目的金额" in found["bad-number", "城关镇.xlsx", "台账", "C2"]
    assert "不可能是一个项目的金额" in found["bad-number", "城关镇.xlsx", "台账", "C3"]
    assert "超过100,000,000万元" in found["implausible-money", "城关镇.xlsx", "台账", "C4"]
    assert not any(c == "implausible-money" and cell != "C4" for c, _, _, cell in found)
    detail = openpyxl.load_workbook(out, read_only=True)
    cells = {v for ws in detail.worksheets for row in ws.iter_rows(values_only=True) for v in row}
    assert "误填的项目" in cells  # kept as a project, its bad cell reported


def test_half_up_rounds_amounts_past_decimals_default_precision() -> None:
    from ledgerkit.fmt import half_up

    assert half_up(Decimal("1E+30"), 2) == Decimal(10**30)
    assert half_up(Decimal("12.345"), 2) == Decimal("12.35")


def test_an_html_table_nested_past_the_parsers_depth_fails_instead_of_losing_rows(
    tmp_path: Path,
) -> None:
    # libxml2 stops at 255 levels and used to return the rows before the deep cell only
    folder = tmp_path / "2024-04"
    folder.mkdir()
    rows = [*LEDGER, ["DEEP", "城关镇", 10, 5, 1], ["城关镇学校", "城关镇", 900, 100, 30]]
    page = builders.html_xls(folder / "城关镇.xls", rows)
    deep = "<span>" * 254 + "城关镇道路" + "</span>" * 254
    page.write_bytes(page.read_bytes().replace(b"DEEP", deep.encode()))
    xlsx(folder / "卧龙镇.xlsx", TOWNSHIP_ROWS, TOWNSHIP_MERGES)
    result = merge_paths([folder])
    status = {f.label: (f.status, f.reason) for f in result.files}
    assert status["卧龙镇.xlsx"][0] == "merged"
    assert status["城关镇.xls"][0] == "failed" and "嵌套过深" in status["城关镇.xls"][1]
    assert {p.unit for p in result.projects} == {"卧龙镇"}
    assert [i.file for i in result.issues if i.code == "file-unreadable"] == ["城关镇.xls"]
    # the same page nested less deeply is read whole
    page.write_bytes(page.read_bytes().replace(b"<span>" * 200, b"").replace(b"</span>" * 200, b""))
    assert len(load_file(page).ledger.projects) == 4


def _sheets_on_one_part(n: int) -> Callable[[bytes], bytes]:
    """workbook.xml with its one <sheet> repeated n times, each named anew, all on one part."""

    def change(xml: bytes) -> bytes:
        one = re.search(rb"<sheet\b[^>]*/>", xml)
        assert one is not None
        tag = one.group(0)
        many = b"".join(re.sub(rb'name="[^"]*"', b'name="S%d"' % i, tag) for i in range(n))
        return xml.replace(tag, many)

    return change


def test_two_hundred_thousand_sheets_on_one_part_are_refused_before_calamine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # calamine looks each sheet up by name in its list: 200,000 sheets took ten minutes
    many = {"xl/workbook.xml": _sheets_on_one_part(200_000)}
    path = rezip(ledger_xlsx(tmp_path), tmp_path / "二十万表.xlsx", many)

    def never(*args: Any) -> None:
        raise AssertionError("calamine must not see this file")

    with monkeypatch.context() as patched:
        patched.setattr("ledgerkit.read.xlsx._read_calamine", never)
        failed(path, "200,000 个工作表", f"上限 {limits.MAX_SHEETS:,}")
    # within the limit the one part is read for each sheet, each found by its position
    few = {"xl/workbook.xml": _sheets_on_one_part(300)}
    path = rezip(ledger_xlsx(tmp_path, "b.xlsx"), tmp_path / "三百表.xlsx", few)
    assert [s.name for s in read_book(path).sheets] == [f"S{i}" for i in range(300)]
