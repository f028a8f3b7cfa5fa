"""Build messy ledger files the way units send them: merged titles and group headers, 合计
rows, text numbers, old .xls, HTML named .xls, CSV in GBK."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

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


def xlsx_book(
    path: Path, sheets: Sequence[tuple[str, Rows]], hidden: Sequence[tuple[str, Rows]] = ()
) -> Path:
    """An .xlsx of several sheets in tab order (a sheet per area, per stage, a view …); the
    `hidden` ones after them, hidden."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in [*sheets, *hidden]:
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(list(row))
        if (name, rows) in hidden:
            ws.sheet_state = "hidden"
    wb.active = 0
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


# TOWNSHIP_ROWS as an HTML page: (row, col) -> (rowspan, colspan), a rowspan header as office
# systems export it
TOWNSHIP_HTML_SPANS = {
    (0, 0): (1, 10),
    (2, 0): (2, 1),
    (2, 1): (2, 1),
    (2, 2): (2, 1),
    (2, 3): (2, 1),
    (2, 4): (1, 3),
    (2, 7): (2, 1),
    (2, 8): (2, 1),
    (2, 9): (2, 1),
    (5, 0): (1, 10),
    (8, 0): (1, 10),
    (9, 2): (2, 1),
}


def township_html(path: Path, rows: Rows) -> Path:
    """`rows` (TOWNSHIP_ROWS or a variant) as an HTML ".xls" with TOWNSHIP_HTML_SPANS."""
    rows = [list(r) for r in rows]
    for (r0, c0), (rs, cs) in TOWNSHIP_HTML_SPANS.items():
        for r in range(r0, r0 + rs):
            for c in range(c0, c0 + cs):
                if (r, c) != (r0, c0):
                    rows[r][c] = None
    return html_xls(path, rows, TOWNSHIP_HTML_SPANS)


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
    a row set aside as 未识别 is also reported (row-unrecognised, or missing-name)."""
    kinds = {"标题", "表头", "空行", "合计", "小计", "小节", "表尾", "未识别", "附属行"}
    assert ledger.rows_read == len(ledger.projects) + len(ledger.set_aside)
    rows = [p.source.row for p in ledger.projects] + [s.row for s in ledger.set_aside]
    assert sorted(rows) == list(range(1, ledger.rows_read + 1))
    assert {s.kind for s in ledger.set_aside} <= kinds
    reported = {i.cell for i in (*ledger.issues, *issues) if i.code == "row-unrecognised"}
    # a row with money and no name: reported at its name cell, its money left out of the sums
    reported |= {
        f"第{i.message[1 : i.message.index('行')]}行"
        for i in (*ledger.issues, *issues)
        if i.code == "missing-name"
    }
    for s in ledger.set_aside:
        if s.kind == "未识别":
            assert f"第{s.row}行" in reported, s


# --- the township ledger read back, and the stored test files --------------------------------
# Checks shared by the read and hardening tests: any format of TOWNSHIP_ROWS reads to these.

# Files that cannot be built here (a real password-protected workbook): tests/data.
DATA = Path(__file__).parent / "data"

# What the township ledger holds, whatever the format: name -> (category, total, plan, ytd)
TOWNSHIP_PROJECTS = {
    "卧龙镇污水处理厂及配套管网工程": ("续建", Decimal("1200"), Decimal("500"), Decimal("123.5")),
    "卧龙镇集镇道路改造工程": ("新建", Decimal("1800"), Decimal("500"), Decimal("300")),
    "卧龙镇农产品冷链物流中心": ("新建", Decimal("4300"), Decimal("1200"), Decimal("452")),
}
TOWNSHIP_SET_ASIDE = {"标题": 2, "表头": 2, "合计": 1, "小节": 2, "小计": 2, "表尾": 2}


def assert_township(path: Path, fmt: str, leader_merged: bool = True) -> None:
    """The township ledger read from any format gives the same projects and set-aside rows."""
    from ledgerkit.pipeline import load_file

    result = load_file(path)
    assert result.status == "merged", result.reason
    ledger = result.ledger
    assert ledger.format == fmt
    assert ledger.unit == "卧龙镇"
    assert ledger.header_rows == (3, 4)
    got = {
        p.name: (p.category, p.total_investment, p.annual_plan, p.ytd_completed)
        for p in ledger.projects
    }
    assert got == TOWNSHIP_PROJECTS
    assert [p.source.row for p in ledger.projects] == [7, 10, 11]
    assert all(p.started is True for p in ledger.projects)
    assert all(p.unit == "卧龙镇" for p in ledger.projects)
    leaders = [p.leader for p in ledger.projects]
    assert leaders == (["王建国", "李明", "李明"] if leader_merged else ["王建国", "李明", None])
    assert Counter(s.kind for s in ledger.set_aside) == TOWNSHIP_SET_ASIDE
    assert ledger.stated_total["total_investment"] == Decimal("7300")
    assert ledger.stated_total["ytd_completed"] == Decimal("875.5")
    assert not [i for i in result.issues if i.severity == "error"]
    assert_accounted(ledger, result.issues)


# --- hand-written workbooks: text that looks like a formula, Excel 2003 XML ------------------
# Used by the hardening and property tests.


def text_xlsx(path: Path, rows: Sequence[Sequence[Any]]) -> Path:
    """An .xlsx whose text cells are text even when they start with "=" (as Excel stores a
    cell typed as '=1+1)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False})
    ws = wb.add_worksheet("台账")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                ws.write(r, c, value)
    wb.close()
    return path


def xml2003(
    path: Path,
    rows: Sequence[Sequence[Any]],
    merges: Sequence[str] = (),
    sheet: str = "台账",
    hidden: Sequence[tuple[str, Sequence[Sequence[Any]]]] = (),
    prolog: str = '<?xml version="1.0" encoding="UTF-8"?>\n<?mso-application progid="Excel.Sheet"?>',
    encoding: str = "utf-8",
) -> Path:
    """An Excel 2003 "XML 表格": merges as ss:MergeAcross/MergeDown, gaps as ss:Index.
    A cell given as ("=RC[-1]*2",) is a formula without a value, ("#DIV/0!", "Error") an error."""
    from xml.sax.saxutils import escape

    def table(rows: Sequence[Sequence[Any]], merges: Sequence[str]) -> str:
        spans = {}
        covered = set()
        for rng in merges:
            c0, r0, c1, r1 = openpyxl.utils.range_boundaries(rng)
            spans[(r0 - 1, c0 - 1)] = (r1 - r0, c1 - c0)
            covered |= {(r, c) for r in range(r0 - 1, r1) for c in range(c0 - 1, c1)}
            covered.discard((r0 - 1, c0 - 1))
        out = ["<Table>"]
        for r, row in enumerate(rows):
            out.append("<Row>")
            gap = False
            for c, value in enumerate(row):
                if (r, c) in covered or (value is None and (r, c) not in spans):
                    gap = True
                    continue
                attrs = f' ss:Index="{c + 1}"' if gap else ""
                gap = False
                down, across = spans.get((r, c), (0, 0))
                attrs += f' ss:MergeAcross="{across}"' * bool(across)
                attrs += f' ss:MergeDown="{down}"' * bool(down)
                out.append(f"<Cell{attrs}>{data(value)}</Cell>")
            out.append("</Row>")
        return "".join(out) + "</Table>"

    def data(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, tuple) and len(value) == 1:
            return ""  # the formula is put on the Cell below
        if isinstance(value, tuple):
            return f'<Data ss:Type="Error">{value[0]}</Data>'
        if isinstance(value, bool):
            return f'<Data ss:Type="Boolean">{int(value)}</Data>'
        if isinstance(value, int | float):
            return f'<Data ss:Type="Number">{value}</Data>'
        if isinstance(value, dt.date):
            return f'<Data ss:Type="DateTime">{value.isoformat()}T00:00:00.000</Data>'
        return f'<Data ss:Type="String">{escape(str(value))}</Data>'

    def worksheet(
        name: str, rows: Sequence[Sequence[Any]], merges: Sequence[str], hide: bool
    ) -> str:
        body = table(rows, merges)
        for row in rows:
            for value in row:
                if isinstance(value, tuple) and len(value) == 1:
                    body = body.replace(
                        f"<Cell>{data(value)}</Cell>",
                        f'<Cell ss:Formula="{escape(value[0])}"></Cell>',
                        1,
                    )
        options = (
            '<WorksheetOptions xmlns="urn:schemas-microsoft-com:office:excel">'
            "<Visible>SheetHidden</Visible></WorksheetOptions>"
        )
        return f'<Worksheet ss:Name="{escape(name)}">{body}{options if hide else ""}</Worksheet>'

    sheets = [worksheet(n, r, (), True) for n, r in hidden] + [
        worksheet(sheet, rows, merges, False)
    ]
    text = (
        f"{prolog}\n"
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:html="http://www.w3.org/TR/REC-html40">' + "".join(sheets) + "</Workbook>"
    )
    path.write_bytes(text.encode(encoding))
    return path


# --- running ledgerkit ----------------------------------------------------------------------


def run_cli(capsysbinary: Any, *args: str) -> tuple[int, str, str]:
    """Run the console entry point in-process: (exit code, stdout, stderr)."""
    from ledgerkit.cli import main

    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsysbinary.readouterr()
    code = exc.value.code if isinstance(exc.value.code, int) else 0
    return code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def month_figures(projects: Any, period: Any, settings: Any) -> dict[str, Any]:
    """The figures of some merged projects, each judged once, as the pipeline does it."""
    from ledgerkit.metrics import assess, figures

    return figures(assess(projects, period, settings), period, settings)


# --- seeds/000 as a ledger --------------------------------------------------------------------

HEAD = [
    "序号",
    "项目名称",
    "责任单位",
    "项目级别",
    "建设性质",
    "行业领域",
    "总投资（万元）",
    "2024年计划投资（万元）",
    "1-4月完成投资（万元）",
    "是否开工",
    "计划开工时间",
    "存在问题",
]


def seed_000_rows() -> list[list]:
    """30 projects: 3 续建 + 27 新建, 122亿, plan 40亿, 25 started, 7.7亿 completed; 10 on the
    city's list (49.9亿, plan 13.7亿), 8 of them assessed (41.1亿, plan 12.8亿, 4.2亿 done)."""
    rows = [["襄城区2009年重点项目台账（1-4月）"], HEAD]
    n = 0

    def add(unit, level, cat, sector, total, plan, done, started, planned="2009-03", problem=""):
        nonlocal n
        n += 1
        rows.append(
            [
                n,
                f"项目{n:02d}",
                unit,
                level,
                cat,
                sector,
                total,
                plan,
                done,
                "是" if started else "否",
                planned,
                problem,
            ]
        )

    for i in range(8):  # assessed by the city: 41.1亿, plan 12.8亿, done 4.2亿
        add(
            "尹集乡" if i < 4 else "卧龙镇",
            "市级、列入市考核",
            "续建" if i < 3 else "新建",
            "工业",
            61000 if i == 0 else 50000,
            16000,
            5250,
            True,
        )
    for _ in range(2):  # on the city's list only: 8.8亿, plan 0.9亿, done 0.4亿
        add("庞公街道", "市级", "新建", "基础设施", 44000, 4500, 2000, True)
    for i in range(20):  # the district's own: 72.1亿, plan 26.3亿, done 3.1亿
        started = i < 15
        done = (3000 if i == 0 else 2000) if started else 0
        add(
            "欧庙镇" if i < 10 else "檀溪街道",
            "区级",
            "新建",
            "社会民生",
            36050,
            13150,
            done,
            started,
            "2009-03" if i < 18 else "2009-06",
            "征地拆迁难度大" if i == 5 else "",
        )
    return rows


# --- text snapshots of what the clerk sees ----------------------------------------------------
# Deterministic renderings of a written workbook and Word document, for golden-file tests: a
# refactor that changes a figure, a format, a page setting or a sentence changes the text.


def snapshot_value(value: Any) -> str:
    """A cell value as stable text: strings quoted (so "41" is not 41), floats rounded to 6
    decimals so float noise cannot flake, dates in ISO form."""
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        rounded = round(value, 6)
        return repr(rounded + 0.0)  # + 0.0: -0.0 prints as 0.0
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    text = getattr(value, "text", None)  # an openpyxl ArrayFormula
    return f"{type(value).__name__}({text!r})" if text is not None else repr(value)


def _ranges(cells: Sequence[tuple[int, int]]) -> str:
    """(row, column) pairs as A1 ranges, runs along a row joined: A2:N2 B5."""
    from openpyxl.utils import get_column_letter

    out: list[str] = []
    by_row: dict[int, list[int]] = {}
    for r, c in sorted(cells):
        by_row.setdefault(r, []).append(c)
    for r, cols in by_row.items():
        start = prev = cols[0]
        for c in [*cols[1:], None]:
            if c is not None and c == prev + 1:
                prev = c
                continue
            first, last = f"{get_column_letter(start)}{r}", f"{get_column_letter(prev)}{r}"
            out.append(first if first == last else f"{first}:{last}")
            if c is not None:
                start = prev = c
    return " ".join(out)


def _chart_title(chart: Any) -> str:
    try:
        runs = [run.t for p in chart.title.tx.rich.p for run in (p.r or [])]
    except AttributeError:
        return ""
    return "".join(runs)


def _chart_text(chart: Any) -> str:
    from openpyxl.utils import get_column_letter

    anchor = getattr(getattr(chart, "anchor", None), "_from", None)
    at = f"{get_column_letter(anchor.col + 1)}{anchor.row + 1}" if anchor is not None else "?"
    parts = [f"chart: {type(chart).__name__} at {at} title={_chart_title(chart)!r}"]
    for s in chart.series:
        name = s.tx.v if s.tx is not None and s.tx.v is not None else None
        if name is None and s.tx is not None and s.tx.strRef is not None:
            name = s.tx.strRef.f
        cat = s.cat.strRef or s.cat.numRef if s.cat is not None else None
        val = s.val.numRef if s.val is not None else None
        parts.append(
            f"  series {name!r}: categories={cat.f if cat else None} values={val.f if val else None}"
        )
    return "\n".join(parts)


def _header_footer(ws: Any) -> list[str]:
    out = []
    for kind in (
        "oddHeader",
        "oddFooter",
        "evenHeader",
        "evenFooter",
        "firstHeader",
        "firstFooter",
    ):
        item = getattr(ws, kind)
        for part in ("left", "center", "right"):
            text = getattr(item, part).text
            if text:
                out.append(f"{kind}.{part}={json.dumps(text, ensure_ascii=False)}")
    return out


def _print_text(ws: Any) -> str:
    setup = ws.page_setup
    fit = ws.sheet_properties.pageSetUpPr
    words = [f"paper={setup.paperSize}", f"orientation={setup.orientation}"]
    if fit is not None and fit.fitToPage:
        # an absent fitToWidth / fitToHeight means 1 (ECMA-376 default)
        width = 1 if setup.fitToWidth is None else setup.fitToWidth
        height = 1 if setup.fitToHeight is None else setup.fitToHeight
        words.append(f"fitToPage fitToWidth={width} fitToHeight={height}")
    if ws.print_title_rows:
        words.append(f"titleRows={ws.print_title_rows}")
    if ws.print_title_cols:
        words.append(f"titleCols={ws.print_title_cols}")
    if ws.print_area:
        words.append(f"area={ws.print_area}")
    if ws.print_options.gridLines:
        words.append("gridlines")
    m = ws.page_margins
    words.append(
        "margins(in)="
        + ",".join(f"{round(float(getattr(m, k)), 2)}" for k in ("left", "right", "top", "bottom"))
    )
    return " ".join([*words, *_header_footer(ws)])


def workbook_text(path: Path) -> str:
    """Every sheet of an .xlsx as text: order and names, each non-empty cell as
    `A1: value | number format` (formulas with their cached value), merged ranges, freeze panes,
    autofilter, print setup, column widths, fills and charts."""
    from openpyxl.utils import get_column_letter

    book = openpyxl.load_workbook(path)
    cached = openpyxl.load_workbook(path, data_only=True)
    lines = [
        f"title: {book.properties.title}",
        f"sheets: {', '.join(book.sheetnames)}",
        f"active: {book.active.title if book.active is not None else None}",
    ]
    for name, defined in sorted(book.defined_names.items()):
        lines.append(f"defined name: {name} = {defined.attr_text}")
    for ws in book.worksheets:
        values = cached[ws.title]
        lines += ["", f"== sheet {ws.title} =="]
        if ws.sheet_state != "visible":
            lines.append(f"state: {ws.sheet_state}")
        lines.append(f"dimensions: {ws.dimensions}")
        lines.append(f"freeze: {ws.freeze_panes}")
        lines.append(f"autofilter: {ws.auto_filter.ref}")
        merged = sorted(ws.merged_cells.ranges, key=lambda r: (r.min_row, r.min_col))
        lines.append(f"merged: {' '.join(str(r) for r in merged)}")
        lines.append(f"print: {_print_text(ws)}")
        # per column, then runs of equal width: however the file groups its <col> elements
        per_column: dict[int, str] = {}
        for dim in ws.column_dimensions.values():
            if dim.min is None or dim.width is None:
                continue
            shown = f"{round(float(dim.width), 1)}{' hidden' if dim.hidden else ''}"
            for c in range(dim.min, (dim.max or dim.min) + 1):
                per_column[c] = shown
        widths: list[str] = []
        runs: list[list[int]] = []
        for c in sorted(per_column):
            if runs and runs[-1][-1] == c - 1 and per_column[runs[-1][0]] == per_column[c]:
                runs[-1].append(c)
            else:
                runs.append([c])
        for run in runs:
            cols = get_column_letter(run[0])
            if len(run) > 1:
                cols += f":{get_column_letter(run[-1])}"
            widths.append(f"{cols}={per_column[run[0]]}")
        lines.append(f"widths: {' '.join(widths)}")
        heights = [
            f"{r}={round(float(d.height), 1)}"
            for r, d in sorted(ws.row_dimensions.items())
            if d.height is not None
        ]
        if heights:
            lines.append(f"heights: {' '.join(heights)}")
        fills: dict[str, list[tuple[int, int]]] = {}
        for row in ws.iter_rows():
            for cell in row:
                if cell.fill is not None and cell.fill.fill_type:
                    color = cell.fill.fgColor
                    key = (
                        f"{cell.fill.fill_type} {color.rgb if color.type == 'rgb' else color.value}"
                    )
                    fills.setdefault(key, []).append((cell.row, cell.column))
        for key, cells in sorted(fills.items()):
            lines.append(f"fill {key}: {_ranges(cells)}")
        for cf in ws.conditional_formatting:
            rules = "; ".join(f"{r.type} {r.operator} {r.formula}" for r in cf.rules)
            lines.append(f"conditional {cf.sqref}: {rules}")
        for dv in ws.data_validations.dataValidation:
            lines.append(f"validation {dv.sqref}: {dv.type} {dv.formula1} {dv.formula2}")
        lines += [_chart_text(chart) for chart in ws._charts]
        lines.append("cells:")
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None or cell.value == "":
                    continue
                text = snapshot_value(cell.value)
                if cell.data_type == "f":
                    text += f" -> {snapshot_value(values[cell.coordinate].value)}"
                if cell.number_format and cell.number_format != "General":
                    text += f" | {cell.number_format}"
                lines.append(f"{cell.coordinate}: {text}")
    return "\n".join(lines) + "\n"


def _docx_text(element: Any) -> str:
    """The visible text of a paragraph element, field results included; a line break as \\n,
    a tab as \\t (escaped, so one paragraph stays one line)."""
    from docx.oxml.ns import qn

    parts = []
    for node in element.iter(qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")):
        if node.tag == qn("w:t"):
            parts.append(node.text or "")
        elif node.tag == qn("w:tab"):
            parts.append("\\t")
        elif node.get(qn("w:type")) in (None, "textWrapping") or node.tag == qn("w:cr"):
            parts.append("\\n")
    return "".join(parts)


def _page_break_before(paragraph: Any) -> bool:
    if paragraph.paragraph_format.page_break_before is not None:
        return bool(paragraph.paragraph_format.page_break_before)
    style = paragraph.style
    while style is not None:
        if style.paragraph_format.page_break_before is not None:
            return bool(style.paragraph_format.page_break_before)
        style = style.base_style
    return False


def _cm(length: Any) -> str:
    return "None" if length is None else f"{length.cm:.2f}"


def docx_text(path: Path) -> str:
    """A .docx as text: each non-empty body paragraph as `[style] text`, page breaks as a
    marker line, each table as rows of cells joined with ` | `, and each section's page
    size, margins, header and footer (cm, 2 decimals)."""
    import docx
    from docx.oxml.ns import qn
    from docx.table import Table

    doc = docx.Document(str(path))
    lines = [f"title: {doc.core_properties.title}"]
    for n, s in enumerate(doc.sections, start=1):
        orientation = s.orientation.name if s.orientation is not None else None
        lines.append(
            f"section {n}: page {_cm(s.page_width)} x {_cm(s.page_height)} cm {orientation}; "
            f"margins top {_cm(s.top_margin)} bottom {_cm(s.bottom_margin)} "
            f"left {_cm(s.left_margin)} right {_cm(s.right_margin)} cm; "
            f"header {_cm(s.header_distance)} footer {_cm(s.footer_distance)} cm"
        )
        for label, part in (("header", s.header), ("footer", s.footer)):
            if part.is_linked_to_previous:
                continue
            text = " / ".join(t for p in part._element.iter(qn("w:p")) if (t := _docx_text(p)))
            if text:
                lines.append(f"  {label}: {text}")
    lines.append("")
    for item in doc.iter_inner_content():
        if isinstance(item, Table):
            style = item.style.name if item.style is not None else None
            lines.append(f"table ({style}, {len(item.rows)} rows):")
            for tr in item._tbl.tr_lst:
                cells = []
                for tc in tr.tc_lst:
                    text = "\\n".join(_docx_text(p) for p in tc.iterchildren(qn("w:p")))
                    if tc.grid_span > 1:
                        text += f" {{span {tc.grid_span}}}"
                    if tc.vMerge == "continue":
                        text += " {merged above}"
                    cells.append(text)
                lines.append("  " + " | ".join(cells))
            continue
        if _page_break_before(item):
            lines.append("--- page break ---")
        text = _docx_text(item._p)
        if text.strip():
            lines.append(f"[{item.style.name if item.style is not None else None}] {text}")
        if any(br.get(qn("w:type")) == "page" for br in item._p.iter(qn("w:br"))):
            lines.append("--- page break ---")
        if item._p.pPr is not None and item._p.pPr.find(qn("w:sectPr")) is not None:
            lines.append("--- section break ---")
    return "\n".join(lines) + "\n"


# --- hostile files: each fooled a regex pre-scan or made a parser reserve gigabytes ---------

HOSTILE_ROWS: Rows = [
    ["项目名称", "总投资", "年度计划投资", "累计完成投资"],
    ["城关镇污水管网", 100, 50, 20],
]
_FAR = b'r="XFD1048576"'


def rezip(src: Path, dst: Path, change: dict[str, Any]) -> Path:
    """A copy of a zip workbook with some parts changed (part -> bytes -> bytes)."""
    import zipfile

    with zipfile.ZipFile(src) as zin:
        parts = {i.filename: zin.read(i.filename) for i in zin.infolist()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in parts.items():
            zout.writestr(name, change[name](data) if name in change else data)
    dst.write_bytes(out.getvalue())
    src.unlink()
    return dst


def _in_sheet(cell: bytes) -> Any:
    """A cell put in the last row (which names no far row itself)."""
    return {
        "xl/worksheets/sheet1.xml": lambda x: x.replace(
            b"</row></sheetData>", cell + b"</row></sheetData>"
        )
    }


def _late_unique_count(xml: bytes) -> bytes:
    # the declared count after 4 KB of the start tag: a regex looking at the head misses it
    pad = b' xmlns:pad="' + b"p" * 5000 + b'"'
    return xml.replace(b'uniqueCount="', pad + b' uniqueCount="90000000', 1)


HOSTILE_XLSX: dict[str, Any] = {
    "迟到的计数.xlsx": {"xl/sharedStrings.xml": _late_unique_count},
    "属性里的尖括号.xlsx": _in_sheet(b'<c s="0" t="n" foo="a>b" ' + _FAR + b"><v>1</v></c>"),
    "重复的引用.xlsx": _in_sheet(b'<c r="E2" ' + _FAR + b"><v>1</v></c>"),
    "带前缀的单元格.xlsx": {
        "xl/worksheets/sheet1.xml": lambda x: x.replace(
            b"<worksheet ", b'<worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ', 1
        ).replace(b"</sheetData>", b'<x:row><x:c ' + _FAR + b"><x:v>1</x:v></x:c></x:row></sheetData>")
    },
    "没有引用的远处单元格.xlsx": _in_sheet(b"<c><v>1</v></c>" * 3 + b"<c " + _FAR + b"><v>1</v></c>"),
    # a comment holding half a tag: a pattern would take the real cell for an attribute value
    "注释里的半个标签.xlsx": _in_sheet(b'<!-- <c a="--><c r=\'XFD1048576\'><v>1</v></c><!--" > -->'),
    "字符引用的引用.xlsx": _in_sheet(b'<c r="XFD104857&#54;"><v>1</v></c>'),
}  # fmt: skip


def hostile_files(folder: Path) -> list[Path]:
    """Workbooks made to fool a pre-scan or to make a parser reserve gigabytes (each one
    crashed or stalled a run once), and an .xls whose cell records reach the far corner."""
    made = []
    for name, change in HOSTILE_XLSX.items():
        base = xlsx_cached(folder / f".base-{name}", HOSTILE_ROWS, {})
        made.append(rezip(base, folder / name, change))
    made.append(far_xls(folder / "远处的xls单元格.xls"))
    made.append(huge_dimensions_xls(folder / "声明40亿行的xls.xls"))
    return made


def huge_dimensions_xls(path: Path) -> Path:
    """A 10 KB .xls whose DIMENSIONS record declares 4 billion rows: calamine reserves memory
    for that many cells before reading one (it asked for 44 TB and aborted)."""
    import struct

    xls(path, HOSTILE_ROWS)
    data = bytearray(path.read_bytes())
    at = data.find(b"\x00\x02\x0e\x00")  # DIMENSIONS, 14 bytes: rows, rows, cols, cols
    assert at > 0
    struct.pack_into("<IIHH", data, at + 4, 0, 0xFFFFFFF0, 0, 0x100)
    path.write_bytes(bytes(data))
    return path


def far_xls(path: Path) -> Path:
    """An .xls with a text cell moved to row 65536, column IV: calamine lays out every cell
    from A1 to there (16.7 million cells) unless the extent is checked first."""
    xls(path, HOSTILE_ROWS)
    data = bytearray(path.read_bytes())
    # the first LABELSST record (0x00FD): its row and column moved to the far corner
    at = data.find(b"\xfd\x00\x0a\x00")
    assert at > 0
    data[at + 4 : at + 8] = b"\xff\xff\xff\x00"
    path.write_bytes(bytes(data))
    return path


# A district's ledgerkit.toml with two units' targets (卧龙镇 in 万元 with a start target,
# 尹集乡 in 亿元 split by quarter), for the tests of periods and scores.
TARGETS_TOML = """region = "襄城区"

[[targets]]
unit = "卧龙镇"
investment = 3000
starts = 2

[[targets]]
unit = "尹集乡"
investment = 1
money_unit = "亿元"
quarters = [0.1, 0.2, 0.3, 0.4]
"""
