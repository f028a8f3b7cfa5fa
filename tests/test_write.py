"""The merged workbook, read back as the clerk sees it."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from ledgerkit.errors import OutputLocked
from ledgerkit.period import Period
from ledgerkit.pipeline import merge_paths
from ledgerkit.workbook import write_workbook


@pytest.fixture
def book(month: Path, tmp_path: Path) -> openpyxl.Workbook:
    out = tmp_path / "汇总.xlsx"
    write_workbook(merge_paths([month], Period(2024, 4)), out, "2024年1-4月重点项目汇总台账")
    return openpyxl.load_workbook(out)


def _table(ws) -> list[dict]:
    heads = [c.value for c in ws[2]]
    return [
        dict(zip(heads, (c.value for c in row), strict=True)) for row in ws.iter_rows(min_row=3)
    ]


def test_sheets_and_title(book):
    assert book.sheetnames == ["项目明细", "问题清单", "文件情况"]
    ws = book["项目明细"]
    assert ws["A1"].value == "2024年1-4月重点项目汇总台账"
    last = openpyxl.utils.get_column_letter(ws.max_column)
    assert {str(r) for r in ws.merged_cells.ranges} == {f"A1:{last}1"}


def test_detail_rows_in_wan_yuan_with_their_source(book):
    rows = _table(book["项目明细"])
    assert len(rows) == 8
    by_name = {r["项目名称"]: r for r in rows}
    park = by_name["襄城能源化工产业园"]  # 12 亿元 in a 亿元 column
    assert park["总投资（万元）"] == 120000
    assert park["年度计划投资（万元）"] == 30000
    assert park["累计完成投资（万元）"] == 12500
    assert park["责任单位"] == "襄城经济开发区"
    assert (park["来源文件"], park["来源工作表"], park["来源行"]) == (
        "襄城经济开发区.xlsx",
        "台账",
        3,
    )
    cold = by_name["卧龙镇农产品冷链物流中心"]
    assert cold["总投资（万元）"] == 4300 and cold["累计完成投资（万元）"] == 452
    assert cold["包抓领导"] == "李明"  # merged down from the row above
    assert cold["是否开工"] == "是"
    assert [r["序号"] for r in rows] == list(range(1, 9))


def test_text_from_units_is_never_a_formula(book):
    ws = book["项目明细"]
    heads = [c.value for c in ws[2]]
    name_col = heads.index("项目名称") + 1
    cells = [ws.cell(row=r, column=name_col) for r in range(3, ws.max_row + 1)]
    evil = [c for c in cells if str(c.value).startswith("=")]
    assert len(evil) == 1 and evil[0].data_type == "s"
    progress = heads.index("形象进度") + 1
    assert ws.cell(row=evil[0].row, column=progress).value == "@SUM(1)"
    assert ws.cell(row=evil[0].row, column=progress).data_type == "s"


def test_formats_for_reading_and_printing(book):
    ws = book["项目明细"]
    heads = [c.value for c in ws[2]]
    money = ws.cell(row=3, column=heads.index("总投资（万元）") + 1)
    rate = ws.cell(row=3, column=heads.index("完成率") + 1)
    assert money.number_format == "#,##0.00"
    assert rate.number_format == "0.0%" and str(rate.value).startswith("=IF(")
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref.startswith("A2:")
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.paperSize == 9
    # 28 columns shrunk to one page's width were 3 pt text: printed at a readable size
    # across pages instead, 序号 … 项目名称 repeated on each, a row's pages one after another
    assert ws.page_setup.fitToWidth == 3 and ws.page_setup.fitToHeight == 0
    name = openpyxl.utils.get_column_letter(heads.index("项目名称") + 1)
    assert ws.print_title_rows == "$1:$2" and ws.print_title_cols == f"$A:${name}"
    assert ws.page_setup.pageOrder == "overThenDown"
    assert ws.row_dimensions[2].height >= 32  # headers such as 年度计划投资（万元） wrap
    assert ws.print_options.gridLines  # the grid is printed, blank cells included
    assert ws.column_dimensions[name].width >= 20  # 项目名称 fitted to Chinese text


def test_issue_sheet_lists_every_finding(book):
    rows = _table(book["问题清单"])
    codes = {r["代码"] for r in rows}
    assert {"file-unreadable", "duplicate-project", "bad-number", "total-mismatch"} <= codes
    bad = next(r for r in rows if r["代码"] == "bad-number")
    assert (bad["文件"], bad["单元格"], bad["严重程度"]) == ("区交通运输局.csv", "C3", "错误")
    assert "待定" in bad["问题说明"]
    assert [r["序号"] for r in rows] == list(range(1, len(rows) + 1))


def test_file_sheet_accounts_for_every_row(book):
    rows = {r["文件"]: r for r in _table(book["文件情况"])}
    assert rows["欧庙镇.xlsx"]["状态"] == "读取失败"
    assert rows["~$卧龙镇.xlsx"]["状态"] == "已跳过"
    wl = rows["卧龙镇.xlsx"]
    assert wl["状态"] == "已汇总" and wl["项目数"] == 3 and wl["表头行"] == "3、4"
    parts = ["项目数", "合计行", "小计行", "小节行", "标题和表头行", "空行", "表尾行", "未识别行"]
    for r in rows.values():
        if r["状态"] == "已汇总":
            assert r["读取行数"] == sum(r[p] for p in parts), r["文件"]
    assert (wl["合计行"], wl["小计行"], wl["小节行"], wl["表尾行"]) == (1, 2, 2, 2)


def test_written_atomically_and_refuses_an_open_file(month: Path, tmp_path: Path):
    out = tmp_path / "汇总.xlsx"
    out.write_bytes(b"previous")
    (tmp_path / "~$汇总.xlsx").write_bytes(b"lock")
    with pytest.raises(OutputLocked, match="关闭"):
        write_workbook(merge_paths([month]), out, "t")
    assert out.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".ledgerkit-")] == []


def test_inputs_are_never_modified(month: Path, tmp_path: Path):
    before = {p.name: p.read_bytes() for p in month.iterdir()}
    write_workbook(merge_paths([month]), tmp_path / "o.xlsx", "t")
    assert {p.name: p.read_bytes() for p in month.iterdir()} == before


def test_fast_rows_write_what_xlsxwriter_writes(tmp_path: Path):
    """The detail sheet's rows skip xlsxwriter's per-cell write(); read back, every kind of
    value is the same cell as the one xlsxwriter's own path writes (charted sheets use it)."""
    import datetime as dt
    from decimal import Decimal

    import xlsxwriter

    from ledgerkit.settings import Settings
    from ledgerkit.tables import Styles, table_sheet
    from ledgerkit.xlsx_rows import Formula as _Formula
    from ledgerkit.xlsx_rows import close_fast

    class Text(str):
        pass

    long = "𠀀" * 20_000 + "尾"  # past Excel's 32,767 UTF-16 units only when counted in UTF-16
    rows = [
        [("文本", None), (True, None), (False, None), (Decimal("12345.6"), None), (7, None)],
        [(None, None), ("", None), (0.1 + 0.2, None), (Text("子类"), None), (Text(""), None)],
        [(_Formula('=IF(N(A1)=0,"",N(B1)/A1)', 0.25), None), (dt.date(2024, 3, 15), None)],
        [("a\x01b<&>", None), (long, None), ("=不是公式", None), (Decimal("-0"), None)],
        # amounts: a Decimal's own text where it is short, 16 digits where it is not
        [(Decimal("100.00"), None), (Decimal("1E+3"), None), (Decimal("-0.000001"), None)],
        [(Decimal("0.30000000000000004441"), None), (12345678901234567, None)],
    ]
    out = tmp_path / "t.xlsx"
    wb = xlsxwriter.Workbook(str(out), {"strings_to_formulas": False})
    styles = Styles(wb, Settings())
    for name, charted in (("fast", False), ("plain", True)):
        formatted = [[(v, styles.money) for v, _ in row] for row in rows]
        table_sheet(wb, styles, name, "标题", list("ABCDE"), formatted, charted=charted)
    close_fast(wb)
    cached = openpyxl.load_workbook(out, data_only=True)  # the formula's saved result too
    assert [[c.value for c in r] for r in cached["fast"].iter_rows()] == [
        [c.value for c in r] for r in cached["plain"].iter_rows()
    ]
    book = openpyxl.load_workbook(out)
    fast, plain = book["fast"], book["plain"]
    assert fast.dimensions == plain.dimensions
    for a, b in zip(fast.iter_rows(), plain.iter_rows(), strict=True):
        for x, y in zip(a, b, strict=True):
            if x.value is None:  # a chart's sheet writes its blanks too, for their border
                assert y.value is None
                continue
            assert (x.value, x.data_type, x.number_format) == (
                y.value,
                y.data_type,
                y.number_format,
            )
    widths = [(k, d.width) for k, d in fast.column_dimensions.items()]
    assert widths == [(k, d.width) for k, d in plain.column_dimensions.items()]
    assert (fast["B3"].value, fast["A4"].value, fast["D4"].value) == ("是", None, "子类")
    assert fast["A5"].value == '=IF(N(A1)=0,"",N(B1)/A1)'
    assert fast["C6"].value == "=不是公式" and fast["C6"].data_type == "s"


def test_text_shaped_like_a_rich_string_is_kept_as_typed(tmp_path: Path) -> None:
    """xlsxwriter writes any text "<r>…</r>" raw, as a rich string: "<r>A&B</r>" broke the
    workbook's XML and "<r>项目</r>" came back empty. A unit's text is text, in the merged
    workbook and in the forms sent back to the units."""
    import builders

    from ledgerkit.forms import write_forms
    from ledgerkit.settings import Settings

    folder = tmp_path / "2024-04"
    folder.mkdir()
    names = ["<r>A&B 项目</r>", "<r>项目</r>", "<r><t>x</t></r>"]
    rows = [["项目名称", "责任单位", "总投资", "年度计划投资", "累计完成投资"]]
    rows += [[name, "城关镇", 100, 50, 10] for name in names]
    builders.xlsx(folder / "城关镇.xlsx", rows)
    result = merge_paths([folder], Period(2024, 4))
    out = tmp_path / "汇总.xlsx"
    write_workbook(result, out, "t")
    detail = _table(openpyxl.load_workbook(out)["项目明细"])
    assert [r["项目名称"] for r in detail] == names
    (form,) = write_forms(result.projects, ["城关镇"], Period(2024, 5), Settings(), tmp_path)
    ws = openpyxl.load_workbook(form)["台账"]
    assert [ws.cell(r, 3).value for r in range(4, 7)] == names


def _values(path: Path) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(path)
    return {name: list(wb[name].iter_rows(values_only=True)) for name in wb.sheetnames}


def test_what_ledgerkit_writes_it_reads_back_as_written(month, tmp_path, capsysbinary):
    """report --xlsx of a merged workbook writes the same workbook: the same sheets (no 分县区
    or 县区 column for one district), the same rows with the units' own sources, the same
    问题清单 and 文件情况; its own 完成率 formulas are not taken for formulas without values.
    A cell broken by hand afterwards is added to the kept 问题清单, by its place."""
    from builders import run_cli

    book = tmp_path / "2024-04汇总.xlsx"
    code, _, _ = run_cli(capsysbinary, "merge", str(month), "-o", str(book))
    assert code == 1
    again = tmp_path / "重写.xlsx"
    code, _, _ = run_cli(capsysbinary, "report", str(book), "--xlsx", str(again))
    assert code in (0, 1)
    assert _values(again) == _values(book)
    assert "分县区" not in openpyxl.load_workbook(again).sheetnames
    back = merge_paths([book], rollup=False)
    assert not [i for i in back.issues if i.code.startswith("formula")]
    assert {p.origin.file for p in back.projects if p.origin} >= {"卧龙镇.xlsx"}

    wb = openpyxl.load_workbook(book)
    ws = wb["项目明细"]
    heads = [c.value for c in ws[2]]
    col = heads.index("总投资（万元）") + 1
    ws.cell(row=3, column=col).value = "待定"
    edited = tmp_path / "2024-04汇总（改）.xlsx"
    wb.save(edited)
    code, _, _ = run_cli(capsysbinary, "report", str(edited), "--xlsx", str(again))
    assert code == 1  # the broken cell is an error in the data
    issues = _values(again)["问题清单"]
    original = _values(book)["问题清单"]
    assert issues[: len(original)] == original
    (added,) = issues[len(original) :]
    letter = openpyxl.utils.get_column_letter(col)
    assert added[2:6] == ("bad-number", edited.name, "项目明细", f"{letter}3")
