"""The feedback copy made part by part (feedback_zip): read back with openpyxl and with
python-calamine as Excel/WPS would show it, against the unit's own file and against the copy
openpyxl makes of the same file; and the packages it leaves to openpyxl."""

from __future__ import annotations

import copy
import dataclasses
import zipfile
from pathlib import Path

import builders
import openpyxl
import pytest
import python_calamine

import ledgerkit.feedback as fb
from ledgerkit.feedback import PRISTINE, feedback_state, write_feedback
from ledgerkit.feedback_zip import NotFast
from ledgerkit.issues import Issue
from ledgerkit.pipeline import merge_paths
from ledgerkit.read import read_book

RED, YELLOW, LIGHT_YELLOW = "FFC7CE", "FFEB9C", "FFF7DA"
UNCHANGED = ("xl/sharedStrings.xml", "xl/theme/theme1.xml", "docProps/app.xml")


def township_rows() -> list[list]:
    """卧龙镇's ledger with “待定” for the 总投资 of its first project (E7)."""
    rows = copy.deepcopy(builders.TOWNSHIP_ROWS)
    rows[6][4] = "待定"
    return rows


def excel_ledger(path: Path, rows: list[list] | None = None, extra: bool = True) -> Path:
    """The township ledger as Excel saves a formatted one (xlsxwriter writes the same
    parts): shared strings, bold bordered headers, a number format, widths, merged cells,
    frozen panes, print titles; and a second sheet, 说明, that nobody marks."""
    import xlsxwriter

    rows = rows if rows is not None else township_rows()
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("台账")
    title = wb.add_format({"bold": True, "font_size": 16, "align": "center"})
    head = wb.add_format({"bold": True, "border": 1, "bg_color": "#D9E1F2", "text_wrap": True})
    money = wb.add_format({"num_format": "#,##0.00", "border": 1})
    text = wb.add_format({"border": 1})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            look = title if r == 0 else head if r in (2, 3) else text
            if isinstance(value, int | float) and r > 3:
                look = money
            if value is not None:
                ws.write(r, c, value, look)
            elif r in (2, 3):
                ws.write_blank(r, c, None, look)
    for rng in builders.TOWNSHIP_MERGES:
        first = openpyxl.utils.cell.range_boundaries(rng)
        c0, r0, c1, r1 = (v - 1 for v in first)
        ws.merge_range(r0, c0, r1, c1, rows[r0][c0], title if r0 == 0 else head)
    ws.set_column(1, 1, 34)
    ws.set_column(4, 6, 12)
    ws.freeze_panes(4, 2)
    ws.repeat_rows(2, 3)
    if extra:
        notes = wb.add_worksheet("说明")
        notes.write(0, 0, "填表说明：金额单位万元")
        notes.write(1, 0, 42)
    wb.close()
    return path


def one_unit(tmp_path: Path, make=excel_ledger, name: str = "卧龙镇.xlsx") -> Path:
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    make(folder / name)
    return folder


def fast_and_slow(folder: Path, out: Path, monkeypatch, extra: tuple[Issue, ...] = ()):
    """The copy made part by part and the copy openpyxl makes of the same run."""
    result = merge_paths([folder])
    assert all(part_by_part(result, f.label) for f in result.files)
    if extra:
        result = dataclasses.replace(result, issues=(*result.issues, *extra))
    (fast,) = write_feedback(result, out / "fast").written
    with monkeypatch.context() as m:
        m.setattr(fb, "_zip_copy", _refuse)
        (slow,) = write_feedback(result, out / "slow").written
    return result, fast, slow


def part_by_part(result, label: str) -> bool:
    """Whether feedback_zip takes the file `label` of `result` (else openpyxl copies it)."""
    f = next(f for f in result.files if f.label == label)
    try:
        fb._zip_copy(f.path.read_bytes(), f, [i for i in f.issues if i.severity != "info"])
    except NotFast:
        return False
    return True


def _refuse(*_args):
    raise NotFast("the openpyxl copy, for comparison")


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def calamine_rows(path: Path) -> dict[str, list[list]]:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def look(path: Path) -> dict:
    """What the clerk sees of a copy, sheet by sheet: values, fills, comments, links, merged
    ranges, frozen panes, print titles, widths; which tab is shown."""
    wb = openpyxl.load_workbook(path)
    seen: dict = {"sheets": wb.sheetnames, "active": wb.active.title}
    for ws in wb.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for cell in row:
                fill = cell.fill.fgColor.rgb[-6:] if cell.fill.fill_type == "solid" else None
                note = cell.comment.text if cell.comment else None
                link = cell.hyperlink.location if cell.hyperlink else None
                if cell.value is not None or fill or note or link:
                    cells[cell.coordinate] = (cell.value, fill, note, link)
        seen[ws.title] = {
            "cells": cells,
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "freeze": ws.freeze_panes,
            "titles": ws.print_title_rows,
            "selected": bool(ws.sheet_view.tabSelected),
            "widths": {k: d.width for k, d in ws.column_dimensions.items() if d.customWidth},
        }
    return seen


def test_the_copy_is_made_part_by_part_and_keeps_the_units_parts(tmp_path, monkeypatch):
    folder = one_unit(tmp_path)
    original = folder / "卧龙镇.xlsx"
    before = original.read_bytes()
    _, fast, _ = fast_and_slow(folder, tmp_path, monkeypatch)
    assert original.read_bytes() == before
    mine, theirs = parts(fast), parts(original)
    for name in UNCHANGED:  # never parsed into objects: the unit's bytes
        assert mine[name] == theirs[name], name
    assert "xl/worksheets/sheet2.xml" in theirs  # 说明: nobody marks it, so it is as it was
    assert mine["xl/worksheets/sheet2.xml"] == theirs["xl/worksheets/sheet2.xml"]
    assert feedback_state(fast) == PRISTINE
    with zipfile.ZipFile(fast) as zf:
        assert zf.testzip() is None
        assert {i.date_time for i in zf.infolist()} == {(2000, 1, 1, 0, 0, 0)}
    assert_sound_package(fast)


def assert_sound_package(path: Path) -> None:
    """Every part well-formed, every part typed in [Content_Types].xml, every relationship's
    target present: what Excel checks before it offers to repair a file."""
    import posixpath

    from lxml import etree

    found = parts(path)
    for name, data in found.items():
        if name.endswith((".xml", ".rels", ".vml")):
            etree.fromstring(data)
    types = etree.fromstring(found["[Content_Types].xml"])
    ns = "{http://schemas.openxmlformats.org/package/2006/content-types}"
    defaults = {e.get("Extension").lower() for e in types.iter(f"{ns}Default")}
    overrides = {e.get("PartName").lstrip("/") for e in types.iter(f"{ns}Override")}
    assert overrides <= set(found)
    for name in found:
        if name != "[Content_Types].xml":
            assert name in overrides or name.rsplit(".", 1)[-1].lower() in defaults, name
    for name, data in found.items():
        if not name.endswith(".rels"):
            continue
        source = posixpath.dirname(posixpath.dirname(name))
        for rel in etree.fromstring(data):
            if rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target")
            part = (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join(source, target))
            )
            assert part in found, (name, target)
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    styles = etree.fromstring(found["xl/styles.xml"])
    for kind in ("fonts", "fills", "borders", "cellXfs"):  # Excel trusts the counts
        (listed,) = styles.iter(main + kind)
        assert int(listed.get("count")) == len(listed), kind


def test_every_value_and_sheet_of_the_unit_is_kept(tmp_path, monkeypatch):
    folder = one_unit(tmp_path)
    _, fast, _ = fast_and_slow(folder, tmp_path, monkeypatch)
    theirs = calamine_rows(folder / "卧龙镇.xlsx")
    mine = calamine_rows(fast)
    assert list(mine) == ["问题清单", *theirs]
    for name, rows in theirs.items():
        assert mine[name] == rows, name
    wb = openpyxl.load_workbook(fast)
    unit = openpyxl.load_workbook(folder / "卧龙镇.xlsx")
    for ws in unit.worksheets:
        copied = wb[ws.title]
        for row in ws.iter_rows():
            for cell in row:
                twin = copied[cell.coordinate]
                assert twin.value == cell.value, cell.coordinate
                assert twin.number_format == cell.number_format, cell.coordinate
                for part in ("font", "border", "alignment"):
                    seen = copy.copy(getattr(twin, part))
                    assert seen == copy.copy(getattr(cell, part)), (cell.coordinate, part)
    assert wb["台账"].freeze_panes == "C5" and wb["台账"].print_title_rows == "$3:$4"
    assert wb["台账"].column_dimensions["B"].width == unit["台账"].column_dimensions["B"].width


def test_problem_cells_list_and_marker_read_back(tmp_path, monkeypatch):
    folder = one_unit(tmp_path)
    result, fast, _ = fast_and_slow(folder, tmp_path, monkeypatch)
    found = [i for i in result.issues if i.severity != "info"]
    wb = openpyxl.load_workbook(fast)
    assert wb.sheetnames == ["问题清单", "台账", "说明"] and wb.active.title == "问题清单"
    assert wb["问题清单"].sheet_view.tabSelected and not wb["台账"].sheet_view.tabSelected
    ws = wb["台账"]
    bad = next(i for i in found if i.code == "bad-number")
    assert (bad.cell, ws["E7"].value) == ("E7", "待定")
    assert ws["E7"].fill.fgColor.rgb.endswith(RED)
    assert ws["E7"].comment.text == f"错误：{bad.message}"
    assert ws["E7"].comment.author == "ledgerkit"
    assert ws["E7"].number_format == "General" and ws["E7"].border.left.style == "thin"
    assert ws["E8"].comment is None and ws["E8"].fill.fgColor.rgb.endswith("000000")
    listing = wb["问题清单"]
    assert listing["A1"].value == f"卧龙镇台账问题清单（共{len(found)}条，请逐条修改后重新报送）"
    assert [c.value for c in listing[2]] == ["序号", "严重程度", "工作表", "单元格", "问题说明"]
    assert all(c.font.bold and c.fill.fgColor.rgb.endswith("DDEBF7") for c in listing[2])
    rows = list(listing.iter_rows(min_row=3, values_only=True))
    assert [r[0] for r in rows] == list(range(1, len(found) + 1))
    labels = {"error": "错误", "warning": "警告"}
    assert {(r[1], r[3], r[4]) for r in rows} == {
        (labels[i.severity], i.cell, i.message) for i in found
    }
    row = next(r for r in listing.iter_rows(min_row=3) if r[3].value == "E7")
    assert row[3].hyperlink.location == "'台账'!E7" and row[3].font.underline == "single"
    assert row[1].fill.fgColor.rgb.endswith(RED)
    assert listing.freeze_panes == "A3" and listing.print_title_rows == "$1:$2"
    assert listing.auto_filter.ref == f"A2:E{2 + len(found)}"
    assert listing.page_setup.orientation == "landscape" and listing.merged_cells.ranges
    assert wb.properties.keywords == "ledgerkit-feedback" and wb.properties.creator == "ledgerkit"
    on_disk = calamine_rows(fast)["问题清单"]  # inline strings, as calamine reads them
    assert on_disk[1] == ["序号", "严重程度", "工作表", "单元格", "问题说明"]
    assert [r[3] for r in on_disk[2:]] == [r[3] for r in rows]


def test_the_fast_copy_shows_what_the_openpyxl_copy_shows(tmp_path, monkeypatch):
    folder = one_unit(tmp_path)
    row_issue = Issue("row-unrecognised", "warning", "卧龙镇.xlsx", "台账", "第10行", "看不懂")
    merged = Issue("bad-started", "warning", "卧龙镇.xlsx", "台账", "C11", "包抓领导看不懂")
    _, fast, slow = fast_and_slow(folder, tmp_path, monkeypatch, (row_issue, merged))
    assert parts(fast)["xl/sharedStrings.xml"] != parts(slow).get("xl/sharedStrings.xml")
    assert look(fast) == look(slow)
    ws = openpyxl.load_workbook(fast)["台账"]
    assert "看不懂" in ws["A10"].comment.text  # the row's first used cell
    assert ws["B10"].fill.fgColor.rgb.endswith(LIGHT_YELLOW) and ws["B10"].comment is None
    assert ws["D10"].fill.fgColor.rgb.endswith(LIGHT_YELLOW)
    assert ws["J10"].fill.fill_type is None  # empty: not a used cell of the row
    assert "包抓领导看不懂" in ws["C10"].comment.text  # C11 is covered by C10:C11


def test_a_cell_not_in_the_xml_is_added_to_its_row(tmp_path, monkeypatch):
    folder = one_unit(tmp_path)
    # J8 is empty (no <c> in row 8); K7 is past the last column of the sheet
    empty = Issue("missing-value", "error", "卧龙镇.xlsx", "台账", "J8", "存在问题未填写")
    # a message quoting a unit's text with characters XML cannot hold
    far = Issue("missing-value", "warning", "卧龙镇.xlsx", "台账", "K7", "备注\x01未填写\ufffe")
    _, fast, slow = fast_and_slow(folder, tmp_path, monkeypatch, (empty, far))
    assert look(fast) == look(slow)
    ws = openpyxl.load_workbook(fast)["台账"]
    assert ws["J8"].value is None and ws["J8"].fill.fgColor.rgb.endswith(RED)
    assert (
        ws["K7"].fill.fgColor.rgb.endswith(YELLOW) and ws["K7"].comment.text == "警告：备注未填写"
    )
    assert fb._CONTROL.pattern == openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE.pattern
    assert ws.dimensions.endswith("K14")
    mine, theirs = calamine_rows(fast)["台账"], calamine_rows(folder / "卧龙镇.xlsx")["台账"]
    for r, row in enumerate(theirs):  # the same values; the new column K is empty
        assert mine[r][: len(row)] == row and set(mine[r][len(row) :]) <= {""}, r


def test_problems_on_two_sheets_each_get_their_comments(tmp_path, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    head = ["项目名称", "总投资", "年度计划投资", "累计完成投资", "是否开工", "形象进度"]
    builders.xlsx_book(
        folder / "区住建局.xlsx",
        [
            ("城建", [head, ["老旧小区改造", "待定", 300, 100, "是", "施工"]]),
            ("市政", [head, ["雨污分流", "约500", 200, 50, "是", "施工"]]),
        ],
    )
    result, fast, slow = fast_and_slow(folder, tmp_path, monkeypatch)
    assert {i.sheet for i in result.issues if i.code == "bad-number"} == {"城建", "市政"}
    assert look(fast) == look(slow)
    assert_sound_package(fast)
    names = parts(fast)
    assert {n for n in names if n.endswith(".vml")} == {
        "xl/drawings/vmlDrawing1.vml",
        "xl/drawings/vmlDrawing2.vml",
    }
    idmaps = [names[f"xl/drawings/vmlDrawing{n}.vml"] for n in (1, 2)]
    assert b'data="1"' in idmaps[0] and b'data="2"' in idmaps[1]  # no shape id twice
    wb = openpyxl.load_workbook(fast)
    assert wb["城建"]["B2"].fill.fgColor.rgb.endswith(RED)
    assert wb["市政"]["B2"].comment.text.startswith("错误：")


def test_an_xlsm_loses_its_macros_and_becomes_an_xlsx(tmp_path, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    path = builders.xlsm(folder / "卧龙镇.xlsm", township_rows(), builders.TOWNSHIP_MERGES)
    with_vba = {  # a macro project as Excel keeps one: the part, its relationship, its type
        "[Content_Types].xml": lambda x: x.replace(
            b"</Types>",
            b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
            b"</Types>",
        ),
        "xl/_rels/workbook.xml.rels": lambda x: x.replace(
            b"</Relationships>",
            b'<Relationship Id="rId99" Type="http://schemas.microsoft.com/office/2006/'
            b'relationships/vbaProject" Target="vbaProject.bin"/></Relationships>',
        ),
    }
    builders.rezip(path, path.with_suffix(".tmp"), with_vba)
    with zipfile.ZipFile(path.with_suffix(".tmp")) as zin, zipfile.ZipFile(path, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info))
        zout.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 not run")
    path.with_suffix(".tmp").unlink()
    _, fast, _ = fast_and_slow(folder, tmp_path, monkeypatch)
    assert fast.name == "卧龙镇_问题反馈.xlsx"
    mine = parts(fast)
    assert "xl/vbaProject.bin" not in mine
    assert b"vbaProject" not in mine["xl/_rels/workbook.xml.rels"]
    assert b"macroEnabled" not in mine["[Content_Types].xml"]
    assert b"vbaProject" not in mine["[Content_Types].xml"]
    assert_sound_package(fast)
    ws = openpyxl.load_workbook(fast)["台账"]
    assert ws["E7"].fill.fgColor.rgb.endswith(RED) and ws["E7"].comment is not None


def test_an_excel_365_package_is_still_copied_part_by_part(tmp_path, monkeypatch):
    """What Excel 365 adds to workbook.xml and the rows (markup compatibility, revision ids,
    x14ac row heights) is kept as it is."""
    folder = one_unit(tmp_path)
    path = folder / "卧龙镇.xlsx"
    mc = (
        b' xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
        b' mc:Ignorable="x14ac xr" xmlns:x14ac="http://schemas.microsoft.com/office/'
        b'spreadsheetml/2009/9/ac" xmlns:xr="http://schemas.microsoft.com/office/'
        b'spreadsheetml/2014/revision"'
    )
    change = {
        "xl/workbook.xml": lambda x: x.replace(b"<workbook ", b"<workbook" + mc + b" ", 1).replace(
            b"<bookViews>",
            b'<xr:revisionPtr revIDLastSave="0" documentId="8_{1}"/><bookViews>',
        ),
        "xl/worksheets/sheet1.xml": lambda x: x.replace(
            b"<worksheet ", b"<worksheet" + mc + b" ", 1
        ).replace(b'<row r="7" ', b'<row r="7" x14ac:dyDescent="0.25" '),
    }
    builders.rezip(path, path.with_suffix(".x"), change).rename(path)
    _, fast, slow = fast_and_slow(folder, tmp_path, monkeypatch)
    assert not by_openpyxl(fast, path)
    assert b"xr:revisionPtr" in parts(fast)["xl/workbook.xml"]
    assert b'x14ac:dyDescent="0.25"' in parts(fast)["xl/worksheets/sheet1.xml"]
    assert look(fast) == look(slow)


def test_a_chart_on_the_marked_sheet_is_kept_as_it_was(tmp_path, monkeypatch):
    import xlsxwriter

    def with_chart(path: Path) -> Path:
        excel_ledger(path)
        plain = openpyxl.load_workbook(path)  # the same ledger, and a chart of its plans
        wb = xlsxwriter.Workbook(str(path))
        for ws_in in plain.worksheets:
            ws = wb.add_worksheet(ws_in.title)
            for row in ws_in.iter_rows():
                for cell in row:
                    if cell.value is not None:
                        ws.write(cell.row - 1, cell.column - 1, cell.value)
        chart = wb.add_chart({"type": "column"})
        chart.add_series({"values": "='台账'!$F$7:$F$8", "name": "年度计划"})
        wb.get_worksheet_by_name("台账").insert_chart("L2", chart)
        wb.close()
        return path

    folder = one_unit(tmp_path, with_chart)
    path = folder / "卧龙镇.xlsx"
    _, fast, _ = fast_and_slow(folder, tmp_path, monkeypatch)
    mine, theirs = parts(fast), parts(path)
    assert mine["xl/charts/chart1.xml"] == theirs["xl/charts/chart1.xml"]
    assert mine["xl/drawings/drawing1.xml"] == theirs["xl/drawings/drawing1.xml"]
    sheet = mine["xl/worksheets/sheet1.xml"]
    assert sheet.index(b"<drawing ") < sheet.index(b"<legacyDrawing ")  # CT_Worksheet's order
    rels = mine["xl/worksheets/_rels/sheet1.xml.rels"]
    assert b"drawing1.xml" in rels and b"vmlDrawing" in rels and b"comments" in rels
    ws = openpyxl.load_workbook(fast)["台账"]
    assert ws["E7"].fill.fgColor.rgb.endswith(RED) and len(ws._charts) == 1


def test_only_the_list_is_selected_when_the_unit_left_another_tab_open(tmp_path, monkeypatch):
    def notes_open(path: Path) -> Path:
        excel_ledger(path)
        tagged = {  # 说明 was the sheet on screen when the unit saved
            "xl/worksheets/sheet1.xml": lambda x: x.replace(b' tabSelected="1"', b""),
            "xl/worksheets/sheet2.xml": lambda x: x.replace(
                b"<sheetView ", b'<sheetView tabSelected="1" ', 1
            ),
            "xl/workbook.xml": lambda x: x.replace(
                b"<workbookView ", b'<workbookView activeTab="1" '
            ),
        }
        return builders.rezip(path, path.with_suffix(".x"), tagged).rename(path)

    folder = one_unit(tmp_path, notes_open)
    _, fast, slow = fast_and_slow(folder, tmp_path, monkeypatch)
    assert look(fast) == look(slow)
    wb = openpyxl.load_workbook(fast)
    assert wb.active.title == "问题清单"
    assert [ws.title for ws in wb.worksheets if ws.sheet_view.tabSelected] == ["问题清单"]


def test_a_problem_in_a_row_the_sheet_does_not_have_is_marked_by_openpyxl(tmp_path):
    folder = one_unit(tmp_path)
    far = Issue("missing-value", "error", "卧龙镇.xlsx", "台账", "B40", "第40行缺项目名称")
    result = merge_paths([folder])
    result = dataclasses.replace(result, issues=(*result.issues, far))
    done = write_feedback(result, tmp_path / "out")
    assert done.issues == ()
    (copy_path,) = done.written
    assert by_openpyxl(copy_path, folder / "卧龙镇.xlsx")
    ws = openpyxl.load_workbook(copy_path)["台账"]
    assert ws["B40"].fill.fgColor.rgb.endswith(RED) and "第40行" in ws["B40"].comment.text


# --- what is left to openpyxl --------------------------------------------------------------


def by_openpyxl(path: Path, original: Path) -> bool:
    """Whether openpyxl made the copy: it writes every sheet anew, the unmarked 说明 too."""
    kept = parts(original)["xl/worksheets/sheet2.xml"]
    return kept not in parts(path).values()


def test_a_sheet_with_the_units_comments_is_copied_by_openpyxl(tmp_path):
    folder = one_unit(tmp_path)
    path = folder / "卧龙镇.xlsx"
    wb = openpyxl.load_workbook(path)
    wb["台账"]["E7"].comment = openpyxl.comments.Comment("总投资待可研批复后确定", "张三")
    wb.save(path)
    result = merge_paths([folder])
    assert not part_by_part(result, "卧龙镇.xlsx")
    done = write_feedback(result, tmp_path / "out")
    assert done.issues == ()  # said nothing: the copy is the same to the clerk
    (copy_path,) = done.written
    assert feedback_state(copy_path) == PRISTINE
    ws = openpyxl.load_workbook(copy_path)["台账"]
    assert ws["E7"].fill.fgColor.rgb.endswith(RED)
    assert "（原批注）总投资待可研批复后确定" in ws["E7"].comment.text  # the unit's note kept


@pytest.mark.parametrize(
    "change",
    [
        # a comment inside the sheet's XML: the patterns are not trusted there
        {"xl/worksheets/sheet1.xml": lambda x: x.replace(b"<sheetData>", b"<!-- x --><sheetData>")},
        # the SpreadsheetML namespace under a prefix
        {
            "xl/worksheets/sheet1.xml": lambda x: (
                x.replace(b"<worksheet ", b"<x:worksheet ", 1)
                .replace(b"</worksheet>", b"</x:worksheet>")
                .replace(
                    b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
                    b'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
                    b' xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
                )
            )
        },
        # strict OOXML's namespace for the workbook
        {
            "xl/workbook.xml": lambda x: x.replace(
                b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                b"http://purl.oclc.org/ooxml/spreadsheetml/main",
            )
        },
        # a row written without its number
        {"xl/worksheets/sheet1.xml": lambda x: x.replace(b'<row r="7" ', b"<row ")},
        # a VML drawing elsewhere in the workbook (a button on another sheet)
        {"xl/drawings/vmlDrawing9.vml": lambda x: x},
    ],
    ids=["xml-comment", "prefixed", "strict", "row-without-number", "vml-elsewhere"],
)
def test_what_the_fast_copy_is_unsure_of_is_copied_by_openpyxl(tmp_path, change):
    folder = one_unit(tmp_path)
    path = folder / "卧龙镇.xlsx"
    if "xl/drawings/vmlDrawing9.vml" in change:
        with zipfile.ZipFile(path, "a") as zf:
            zf.writestr("xl/drawings/vmlDrawing9.vml", b"<xml/>")
    else:
        builders.rezip(path, path.with_suffix(".x"), change).rename(path)
    before = path.read_bytes()
    result = merge_paths([folder])
    (f,) = result.files
    if f.status == "merged":  # else the file itself could not be read: never a fast copy
        assert not part_by_part(result, "卧龙镇.xlsx")
    done = write_feedback(result, tmp_path / "out")
    assert path.read_bytes() == before
    (copy_path,) = done.written
    assert by_openpyxl(copy_path, path) or done.issues
    assert feedback_state(copy_path) == PRISTINE
    wb = openpyxl.load_workbook(copy_path)
    assert wb.sheetnames[0] == "问题清单"


def test_a_part_that_fails_its_checksum_still_gets_a_copy(tmp_path):
    folder = one_unit(tmp_path)
    path = folder / "卧龙镇.xlsx"
    stored = path.with_suffix(".stored")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(stored, "w") as zout:  # not compressed
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info), zipfile.ZIP_STORED)
    data = bytearray(stored.read_bytes())
    at = data.find(b"<a:theme") + 200
    data[at] = ord("X") if data[at] != ord("X") else ord("Y")  # the theme's CRC no longer holds
    path.write_bytes(bytes(data))
    stored.unlink()
    result = merge_paths([folder])
    assert not part_by_part(result, "卧龙镇.xlsx")
    done = write_feedback(result, tmp_path / "out")
    (copy_path,) = done.written
    assert [i.code for i in done.issues] == ["feedback-rebuilt"]  # openpyxl fails on it too
    ws = openpyxl.load_workbook(copy_path)["台账"]
    assert ws["E7"].value == "待定" and ws["E7"].fill.fgColor.rgb.endswith(RED)


def test_hostile_workbooks_still_get_a_copy(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    made = builders.hostile_files(folder)
    result = merge_paths([folder])
    done = write_feedback(result, tmp_path / "out")
    with_problems = {i.file for i in result.issues if i.severity != "info"}
    assert len(done.written) == len(with_problems)
    for copy_path in done.written:
        wb = openpyxl.load_workbook(copy_path)
        assert wb.sheetnames[0] == "问题清单" and feedback_state(copy_path) == PRISTINE
        calamine_rows(copy_path)  # opens in another reader too
    assert {p.name for p in made} >= {f.label for f in result.files if f.label.endswith(".xlsx")}


def test_an_unchanged_fast_copy_is_known_and_yields_to_its_original(tmp_path):
    import os

    folder = one_unit(tmp_path)
    original = folder / "卧龙镇.xlsx"
    (copy_path,) = write_feedback(merge_paths([folder]), folder).written
    assert not by_openpyxl(copy_path, original)
    stamp = original.stat().st_mtime
    os.utime(copy_path, (stamp + 3600, stamp + 3600))
    result = merge_paths([folder])
    status = {f.label: f.status for f in result.files}
    assert status == {"卧龙镇.xlsx": "merged", "卧龙镇_问题反馈.xlsx": "skipped"}
    assert [i.code for i in result.issues if i.file == "卧龙镇_问题反馈.xlsx"] == [
        "feedback-unchanged"
    ]


def test_a_fast_copy_saved_by_the_unit_is_read_as_its_ledger(tmp_path):
    from ledgerkit.normalise import is_feedback_list

    folder = one_unit(tmp_path)
    (copy_path,) = write_feedback(merge_paths([folder]), tmp_path / "退回").written
    assert [is_feedback_list(s) for s in read_book(copy_path).sheets][:2] == [True, False]
    wb = openpyxl.load_workbook(copy_path)
    wb["台账"]["E7"] = 1200
    wb.properties.lastModifiedBy = "卧龙镇张三"
    wb.save(copy_path)
    (only,) = merge_paths([copy_path]).files
    assert only.status == "merged" and only.ledger.sheet == "台账"
    assert only.ledger.projects[0].total_investment == 1200
