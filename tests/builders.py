"""Build messy ledger files the way units send them: merged titles and group headers, 合计
rows, text numbers, old .xls, HTML named .xls, CSV in GBK."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl

Rows = Sequence[Sequence[Any]]
Merges = Sequence[str]  # "A1:J1"


def xlsx(
    path: Path,
    rows: Rows,
    merges: Merges = (),
    sheet: str = "台账",
    before: Sequence[tuple[str, Rows]] = (),
    hidden: Sequence[tuple[str, Rows]] = (),
) -> Path:
    """An .xlsx written by openpyxl: formulas have no cached values (never opened in Excel)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, extra in before:
        ws = wb.create_sheet(name)
        for row in extra:
            ws.append(list(row))
    for name, extra in hidden:
        ws = wb.create_sheet(name)
        ws.sheet_state = "hidden"
        for row in extra:
            ws.append(list(row))
    ws = wb.create_sheet(sheet)
    for row in rows:
        ws.append(list(row))
    for rng in merges:
        ws.merge_cells(rng)
    if hidden and not before:  # the hidden sheet must not be the active one
        wb.active = len(wb.sheetnames) - 1
    wb.save(path)
    return path


def xls(path: Path, rows: Rows, merges: Sequence[tuple[int, int, int, int]] = ()) -> Path:
    """A real BIFF8 .xls written by xlwt; merges as (r0, r1, c0, c1), 0-based inclusive."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    merged_cells = {
        (r, c)
        for r0, r1, c0, c1 in merges
        for r in range(r0, r1 + 1)
        for c in range(c0, c1 + 1)
        if (r, c) != (r0, c0)
    }
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None or (r, c) in merged_cells:
                continue
            if isinstance(value, dt.date):
                ws.write(r, c, value, date_style)
            else:
                ws.write(r, c, value)
    for r0, r1, c0, c1 in merges:
        ws.merge(r0, r1, c0, c1)
        # xlwt's merge keeps the top-left value already written above
    wb.save(str(path))
    return path


def html_xls(
    path: Path,
    rows: Rows,
    spans: dict[tuple[int, int], tuple[int, int]] | None = None,
    encoding: str = "utf-8",
) -> Path:
    """An ".xls" that is an HTML table, as office systems export; spans: (r,c) -> (rowspan,colspan).
    Cells covered by a span must be given as None in `rows` and are left out of the markup."""
    spans = spans or {}
    out = [
        f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={encoding}">'
        "</head><body><table border=1>"
    ]
    for r, row in enumerate(rows):
        out.append("<tr>")
        for c, value in enumerate(row):
            if (
                value is None
                and (r, c) not in spans
                and any(
                    r0 <= r < r0 + rs and c0 <= c < c0 + cs and (r0, c0) != (r, c)
                    for (r0, c0), (rs, cs) in spans.items()
                )
            ):
                continue
            rs, cs = spans.get((r, c), (1, 1))
            attrs = (f' rowspan="{rs}"' if rs > 1 else "") + (f' colspan="{cs}"' if cs > 1 else "")
            text = "" if value is None else str(value)
            out.append(f"<td{attrs}>{text.replace('&', '&amp;').replace('<', '&lt;')}</td>")
        out.append("</tr>")
    out.append("</table></body></html>")
    path.write_bytes("".join(out).encode(encoding))
    return path


def csv_file(path: Path, rows: Rows, encoding: str = "gbk", delimiter: str = ",") -> Path:
    """A CSV as Excel on a Chinese Windows saves it: GBK unless told otherwise."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


# A ledger as a township lays it out: title, unit line, two-row header with a group cell,
# 合计 first, sections with 小计, a leader merged down, text numbers, a footer.
TOWNSHIP_ROWS: list[list[Any]] = [
    ["卧龙镇2024年重点项目推进台账（1-4月）", None, None, None, None, None, None, None, None, None],
    ["单位：万元", None, None, None, None, None, None, None, None, None],
    [
        "序号",
        "项目名称",
        "包抓领导",
        "建设性质",
        "投资情况（万元）",
        None,
        None,
        "是否开工",
        "形象进度",
        "存在问题",
    ],
    [None, None, None, None, "总投资", "2024年计划投资", "1-4月完成投资", None, None, None],
    ["合计", None, None, None, 7300, 2200, 875.5, None, None, None],
    ["一、续建项目（1个）", None, None, None, None, None, None, None, None, None],
    [
        1,
        "卧龙镇污水处理厂及配套管网工程",
        "王建国",
        "在建",
        "1,200",
        "５００",
        "１２３．５",
        "是",
        "主体完工",
        "资金缺口",
    ],
    ["小计", None, None, None, 1200, 500, 123.5, None, None, None],
    ["二、新建项目（2个）", None, None, None, None, None, None, None, None, None],
    [2, "卧龙镇集镇道路改造工程", "李明", "新开工", 1800, 500, " 300 ", "是", "路基施工", None],
    [
        3,
        "卧龙镇农产品冷链物流中心",
        None,
        "新建",
        "0.43亿元",
        1200,
        "452万元",
        "已开工",
        "钢结构",
        "用地报批慢",
    ],
    ["小计", None, None, None, 6100, 1700, 752, None, None, None],
    [
        "填报人：张三    审核人：李四    填报日期：2024年5月5日",
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
    ],
    ["注：本表金额单位为万元。", None, None, None, None, None, None, None, None, None],
]
TOWNSHIP_MERGES = [
    "A1:J1",
    "A3:A4",
    "B3:B4",
    "C3:C4",
    "D3:D4",
    "E3:G3",
    "H3:H4",
    "I3:I4",
    "J3:J4",
    "C10:C11",
    "A6:J6",
    "A9:J9",
]


# --- more ways units send files, and the accounting check -------------------------------------

_XLSX_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_XLSM_MAIN = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"


def xlsm(path: Path, rows: Rows, merges: Merges = ()) -> Path:
    """A macro-enabled workbook (.xlsm): an xlsx whose content type says macroEnabled."""
    import zipfile

    plain = xlsx(path.with_suffix(".tmp.xlsx"), rows, merges)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                assert _XLSX_MAIN in data
                data = data.replace(_XLSX_MAIN, _XLSM_MAIN)
            dst.writestr(item, data)
    plain.unlink()
    return path


def xlsx_cached(
    path: Path, rows: Rows, formulas: dict[tuple[int, int], tuple[str, Any]], sheet: str = "台账"
) -> Path:
    """An .xlsx written by xlsxwriter where formulas carry a cached value, as Excel saves them;
    formulas: (row, col) 0-based -> ("=F5/E5", cached value such as 0.4 or "#DIV/0!")."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(sheet)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if (r, c) in formulas:
                formula, cached = formulas[(r, c)]
                ws.write_formula(r, c, formula, None, cached)
            elif value is not None:
                ws.write(r, c, value)
    wb.close()
    return path


def lock_file(folder: Path, name: str) -> Path:
    """`~$name.xlsx`: what Excel leaves beside an open workbook (165 bytes, owner's name)."""
    path = folder / f"~${name}"
    owner = "张三".encode("utf-16-le")
    path.write_bytes(bytes([len("张三")]) + owner + b"\x00" * (165 - 1 - len(owner)))
    return path


def encrypted_ole(path: Path) -> Path:
    """What a password-protected .xlsx looks like from outside: an OLE container whose
    directory names the EncryptionInfo and EncryptedPackage streams."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    directory = "EncryptionInfo".encode("utf-16-le") + b"\x00" * 50
    directory += "EncryptedPackage".encode("utf-16-le") + b"\x00" * 50
    path.write_bytes(header + directory + bytes(range(256)) * 8)
    return path


def assert_accounted(ledger: Any, issues: Sequence[Any] = ()) -> None:
    """Every row of the sheet is a project or a row set aside with its kind, exactly once;
    a row set aside as 未识别 is also reported (row-unrecognised)."""
    kinds = {"标题", "表头", "空行", "合计", "小计", "小节", "表尾", "未识别"}
    assert ledger.rows_read == len(ledger.projects) + len(ledger.set_aside)
    rows = [p["_row"] for p in ledger.projects] + [s.row for s in ledger.set_aside]
    assert sorted(rows) == list(range(1, ledger.rows_read + 1))
    assert {s.kind for s in ledger.set_aside} <= kinds
    reported = {i.cell for i in (*ledger.issues, *issues) if i.code == "row-unrecognised"}
    for s in ledger.set_aside:
        if s.kind == "未识别":
            assert f"第{s.row}行" in reported, s
