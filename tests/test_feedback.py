"""Feedback workbooks sent back to the units (退回修改), read back as the unit's clerk sees them."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
import zipfile
from pathlib import Path

import builders
import openpyxl
import pytest

from ledgerkit.feedback import write_feedback
from ledgerkit.issues import Issue
from ledgerkit.merging import MergeResult
from ledgerkit.pipeline import merge_paths
from ledgerkit.read import read_book

RED, YELLOW = "FFC7CE", "FFEB9C"


def township_rows() -> list[list]:
    """卧龙镇's ledger with “待定” for the 总投资 of its first project (E7)."""
    rows = copy.deepcopy(builders.TOWNSHIP_ROWS)
    rows[6][4] = "待定"
    return rows


def styled_township(path: Path) -> Path:
    """The township ledger as a unit formats it: a wide name column, a big bold title."""
    builders.xlsx(path, township_rows(), builders.TOWNSHIP_MERGES)
    wb = openpyxl.load_workbook(path)
    ws = wb["台账"]
    ws.column_dimensions["B"].width = 36
    ws["A1"].font = openpyxl.styles.Font(name="黑体", size=18, bold=True)
    ws.print_title_rows = "3:4"
    ws["E7"].comment = openpyxl.comments.Comment("总投资待可研批复后确定", "张三")
    wb.save(path)
    return path


XLS_ROWS = [
    ["襄城区欧庙镇重点项目台账", None, None, None, None],
    ["项目名称", "总投资", "年度计划投资", "累计完成投资", "形象进度"],
    ["欧庙镇农贸市场改造", "待定", 300, 120, "主体施工"],
    ["欧庙镇污水管网", 900, 400, 150, "管网铺设"],
]
CSV_ROWS = [
    ["项目名称", "责任单位", "总投资", "年度计划投资", "累计完成投资", "是否开工", "形象进度"],
    ["襄城区環城公路改建工程", "区交通运输局", "8,000", "2000", "６００", "是", "路面施工"],
    ["=cmd|' /C calc'!A0", "区交通运输局", "待定", "/", "—", "否", "@SUM(1)"],
]


@pytest.fixture
def month(tmp_path: Path) -> Path:
    """Messy files of one month: a styled .xlsx, an old .xls, a GBK CSV, a corrupt file and a
    clean ledger."""
    folder = tmp_path / "2024-04"
    folder.mkdir()
    styled_township(folder / "卧龙镇.xlsx")
    builders.xls(folder / "欧庙镇.xls", XLS_ROWS, merges=[(0, 0, 0, 4)])
    builders.csv_file(folder / "区交通运输局.csv", CSV_ROWS)
    (folder / "尹集乡.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    builders.csv_file(
        folder / "檀溪街道.csv",
        [
            ["项目名称", "总投资", "年度计划投资", "累计完成投资", "是否开工", "形象进度"],
            ["檀溪路改造", "1000", "400", "100", "是", "施工中"],
        ],
        encoding="utf-8-sig",
    )
    return folder


@pytest.fixture
def result(month: Path) -> MergeResult:
    return merge_paths([month])


@pytest.fixture
def out(result: MergeResult, tmp_path: Path) -> dict[str, openpyxl.Workbook]:
    """The feedback workbooks, by name."""
    paths = write_feedback(result, tmp_path / "反馈").written
    return {p.name: openpyxl.load_workbook(p) for p in paths}


def listed(wb: openpyxl.Workbook) -> list[tuple]:
    """The 问题清单 rows below the title and the header."""
    return [r for r in wb.worksheets[0].iter_rows(min_row=3, values_only=True)]


def reported(result: MergeResult, label: str) -> list[Issue]:
    return [i for i in result.issues if i.file == label and i.severity != "info"]


def test_one_workbook_per_file_with_problems(result, tmp_path):
    paths = write_feedback(result, tmp_path / "反馈").written
    assert sorted(p.name for p in paths) == sorted(
        f"{unit}_问题反馈.xlsx" for unit in ("卧龙镇", "区交通运输局", "尹集乡", "欧庙镇")
    )
    assert not reported(result, "檀溪街道.csv")  # clean: nothing to send back
    assert sorted(p.name for p in (tmp_path / "反馈").iterdir()) == sorted(p.name for p in paths)


def test_problem_list_is_first_and_lists_every_issue(result, out):
    wb = out["卧龙镇_问题反馈.xlsx"]
    assert wb.sheetnames[0] == "问题清单"
    assert wb.active.title == "问题清单"
    assert wb.active.sheet_view.tabSelected and not wb["台账"].sheet_view.tabSelected
    ws = wb["问题清单"]
    issues = reported(result, "卧龙镇.xlsx")
    assert ws["A1"].value == f"卧龙镇台账问题清单（共{len(issues)}条，请逐条修改后重新报送）"
    assert "A1:E1" in {str(r) for r in ws.merged_cells.ranges}
    assert [c.value for c in ws[2]] == ["序号", "严重程度", "工作表", "单元格", "问题说明"]
    assert all(c.font.bold for c in ws[2])
    assert ws.freeze_panes == "A3"
    rows = listed(wb)
    assert [r[0] for r in rows] == list(range(1, len(issues) + 1))
    wanted = {({"error": "错误", "warning": "警告"}[i.severity], i.cell, i.message) for i in issues}
    assert {(r[1], r[3], r[4]) for r in rows} == wanted
    assert ("错误", "台账", "E7") in {r[1:4] for r in rows}
    assert ws.column_dimensions["E"].width > 30  # fitted to the Chinese messages


def test_problem_cell_is_coloured_and_commented(result, out):
    ws = out["卧龙镇_问题反馈.xlsx"]["台账"]
    bad = next(i for i in result.issues if i.code == "bad-number" and i.file == "卧龙镇.xlsx")
    assert bad.cell == "E7"
    assert ws["E7"].value == "待定"
    assert ws["E7"].fill.fgColor.rgb.endswith(RED)
    assert bad.message in ws["E7"].comment.text
    assert ws["E7"].comment.author == "ledgerkit"
    assert "总投资待可研批复后确定" in ws["E7"].comment.text  # the unit's own note is kept
    assert ws["E8"].comment is None and ws["E8"].fill.fgColor.rgb != f"00{RED}"


def test_units_formatting_is_kept(out):
    ws = out["卧龙镇_问题反馈.xlsx"]["台账"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert set(builders.TOWNSHIP_MERGES) <= merged
    assert ws.column_dimensions["B"].width == 36
    assert ws["A1"].font.bold and ws["A1"].font.sz == 18
    assert ws.print_title_rows == "$3:$4"  # still the ledger's own rows with a sheet in front
    assert ws["B7"].value == "卧龙镇污水处理厂及配套管网工程"


def test_warning_is_yellow_and_several_issues_share_one_comment(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    rows = [
        ["项目名称", "总投资", "年度计划投资", "累计完成投资", "是否开工", "形象进度"],
        ["甲项目", 100, 50, 80, "是", "施工"],  # 80 > 50: completed-over-plan (warning)
        ["乙项目", 100, 150, 200, "是", "施工"],  # 200 > 100 and > 150 in D3
    ]
    builders.xlsx(folder / "伙牌镇.xlsx", rows)
    result = merge_paths([folder])
    (path,) = write_feedback(result, tmp_path / "out").written
    ws = openpyxl.load_workbook(path)["台账"]
    assert ws["D2"].fill.fgColor.rgb.endswith(YELLOW)
    on_d3 = [i for i in result.issues if i.cell == "D3"]
    assert len(on_d3) >= 2 and any(i.severity == "error" for i in on_d3)
    assert ws["D3"].fill.fgColor.rgb.endswith(RED)  # the worst of the cell's problems
    assert ws["D3"].comment.text.split("\n") == [
        f"{'错误' if i.severity == 'error' else '警告'}：{i.message}" for i in on_d3
    ]


def test_xls_is_rebuilt_cell_for_cell(month, result, out):
    wb = out["欧庙镇_问题反馈.xlsx"]
    raw = read_book(month / "欧庙镇.xls").sheets[0]
    assert wb.sheetnames == ["问题清单", raw.name]
    ws = wb[raw.name]
    for r, row in enumerate(raw.rows, start=1):
        for c, value in enumerate(row, start=1):
            assert ws.cell(r, c).value == (None if value == "" else value), (r, c)
    assert {str(r) for r in ws.merged_cells.ranges} == {"A1:E1"}
    bad = next(i for i in reported(result, "欧庙镇.xls") if i.code == "bad-number")
    assert (bad.sheet, bad.cell) == (raw.name, "B3")
    assert ws["B3"].fill.fgColor.rgb.endswith(RED)
    assert bad.message in ws["B3"].comment.text
    assert ws.column_dimensions["A"].width >= 18  # fitted to the project names


def test_gbk_csv_is_rebuilt_as_text_never_formulas(month, result, out, tmp_path):
    wb = out["区交通运输局_问题反馈.xlsx"]
    assert wb.sheetnames == ["问题清单", "台账"]
    ws = wb["台账"]
    for r, row in enumerate(CSV_ROWS, start=1):
        for c, value in enumerate(row, start=1):
            assert ws.cell(r, c).value == value, (r, c)
    assert ws["A3"].data_type == "s" and ws["G3"].data_type == "s"
    with zipfile.ZipFile(tmp_path / "反馈" / "区交通运输局_问题反馈.xlsx") as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets and not any(b"<f>" in zf.read(n) for n in sheets)
    bad = next(i for i in reported(result, "区交通运输局.csv") if i.code == "bad-number")
    assert (bad.sheet, bad.cell) == ("", "C3")
    assert ws["C3"].fill.fgColor.rgb.endswith(RED) and bad.message in ws["C3"].comment.text
    assert ("错误", "台账", "C3", bad.message) in {r[1:] for r in listed(wb)}


def test_html_xls_keeps_its_spans(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    rows = [
        ["东津新区重点项目台账", None, None, None],
        ["项目名称", "总投资", "年度计划投资", "累计完成投资"],
        ["东津大道", "待定", 100, 20],
    ]
    builders.html_xls(folder / "东津新区.xls", rows, spans={(0, 0): (1, 4)})
    (path,) = write_feedback(merge_paths([folder]), tmp_path / "out").written
    ws = openpyxl.load_workbook(path).worksheets[1]
    assert ws.title == "台账"
    assert {str(r) for r in ws.merged_cells.ranges} == {"A1:D1"}
    assert ws["A3"].value == "东津大道" and ws["C3"].value in (100, "100")
    assert ws["B3"].fill.fgColor.rgb.endswith(RED)


def test_failed_file_gets_the_list_alone(result, out):
    wb = out["尹集乡_问题反馈.xlsx"]
    assert wb.sheetnames == ["问题清单"]
    (failed,) = reported(result, "尹集乡.xlsx")
    assert failed.code == "file-unreadable"
    assert listed(wb) == [(1, "错误", "—", "—", failed.message)]
    assert wb["问题清单"]["A1"].value.startswith("尹集乡台账问题清单（共1条")


def test_originals_are_never_touched(month, result, tmp_path):
    before = {p.name: p.read_bytes() for p in month.iterdir()}
    write_feedback(result, month)  # even when the feedback goes beside them
    after = {p.name: p.read_bytes() for p in month.iterdir() if p.name in before}
    assert after == before


def test_no_problems_no_feedback(clean_month, tmp_path):
    assert write_feedback(merge_paths([clean_month]), tmp_path / "out").written == ()
    assert not (tmp_path / "out").exists()


def test_row_issue_marks_the_row_and_texts_stay_text(result, tmp_path):
    row_issue = Issue(
        "row-unrecognised", "warning", "卧龙镇.xlsx", "台账", "第10行", "=第10行看不懂"
    )
    merged = Issue("bad-started", "warning", "卧龙镇.xlsx", "台账", "C11", "包抓领导看不懂")
    extended = dataclasses.replace(result, issues=(*result.issues, row_issue, merged))
    paths = write_feedback(extended, tmp_path / "out").written
    wb = openpyxl.load_workbook(next(p for p in paths if p.name.startswith("卧龙镇")))
    ws = wb["台账"]
    assert "=第10行看不懂" in ws["A10"].comment.text  # the row's first used cell
    assert ws["B10"].fill.fgColor.rgb.endswith("FFF7DA")  # the row, lightly
    assert ws["B10"].comment is None
    assert "包抓领导看不懂" in ws["C10"].comment.text  # C11 is covered by C10:C11
    row = next(r for r in wb["问题清单"].iter_rows(min_row=3) if r[3].value == "第10行")
    assert row[4].value == "=第10行看不懂" and row[4].data_type == "s"


def test_deterministic_with_fixed_properties(result, tmp_path):
    first = write_feedback(result, tmp_path / "a").written
    second = write_feedback(result, tmp_path / "b").written
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    for path in first:  # no time stamp anywhere, so a run a minute later agrees too
        with zipfile.ZipFile(path) as zf:
            assert {i.date_time for i in zf.infolist()} == {(2000, 1, 1, 0, 0, 0)}
    props = openpyxl.load_workbook(first[0]).properties
    assert props.creator == "ledgerkit"
    assert props.created == props.modified == dt.datetime(2000, 1, 1)


def test_names_never_collide_nor_overwrite_an_input(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    builders.xlsx(folder / "卧龙镇.xlsx", township_rows(), builders.TOWNSHIP_MERGES)
    builders.csv_file(folder / "卧龙镇.csv", CSV_ROWS)
    builders.csv_file(folder / "卧龙镇_问题反馈.xlsx", CSV_ROWS)  # an old feedback left there
    kept = (folder / "卧龙镇_问题反馈.xlsx").read_bytes()
    result = merge_paths([folder])
    # a file named like a copy is read as a ledger: here a second version of 卧龙镇.csv
    versions = [f for f in result.files if f.label in ("卧龙镇_问题反馈.xlsx", "卧龙镇.csv")]
    assert sorted(f.status for f in versions) == ["merged", "skipped"]
    paths = write_feedback(result, folder).written
    assert len({p.name.casefold() for p in paths}) == len(paths) == 2
    assert "卧龙镇_问题反馈.xlsx" not in {p.name for p in paths}
    assert (folder / "卧龙镇_问题反馈.xlsx").read_bytes() == kept


def test_xlsm_comes_back_as_plain_xlsx(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    builders.xlsm(folder / "卧龙镇.xlsm", township_rows(), builders.TOWNSHIP_MERGES)
    (path,) = write_feedback(merge_paths([folder]), tmp_path / "out").written
    assert path.name == "卧龙镇_问题反馈.xlsx"
    with zipfile.ZipFile(path) as zf:
        assert b"macroEnabled" not in zf.read("[Content_Types].xml")
    assert openpyxl.load_workbook(path)["台账"]["E7"].fill.fgColor.rgb.endswith(RED)


def test_a_sheet_named_like_the_list_is_kept(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    builders.xlsx(
        folder / "卧龙镇.xlsx",
        township_rows(),
        builders.TOWNSHIP_MERGES,
        before=[("问题清单", [["上次的问题已改"]])],
    )
    (path,) = write_feedback(merge_paths([folder]), tmp_path / "out").written
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["问题清单(2)", "问题清单", "台账"]
    assert wb["问题清单"]["A1"].value == "上次的问题已改"


def test_check_feedback_from_the_command_line_and_an_unchanged_copy_counts_once(
    tmp_path, capsysbinary
):
    from builders import run_cli

    folder = tmp_path / "2024-04"
    folder.mkdir()
    builders.xlsx(folder / "卧龙镇.xlsx", builders.TOWNSHIP_ROWS, builders.TOWNSHIP_MERGES)
    builders.csv_file(
        folder / "区交通运输局.csv",
        [
            ["项目名称", "总投资", "年度计划投资", "累计完成投资", "是否开工", "形象进度"],
            ["環城公路", "待定", "2000", "600", "是", "施工"],
        ],
    )
    code, out, err = run_cli(
        capsysbinary, "check", str(folder), "--feedback", str(folder), "--json"
    )
    assert code == 1 and "问题反馈" in err
    assert json.loads(out)["files"]  # stdout stays one JSON object
    written = sorted(p.name for p in folder.glob("*_问题反馈.xlsx"))
    assert written == ["区交通运输局_问题反馈.xlsx"]
    code, out, _ = run_cli(capsysbinary, "check", str(folder), "--json")
    files = {Path(f["path"]).name: f for f in json.loads(out)["files"]}
    copy = files["区交通运输局_问题反馈.xlsx"]  # read, and known as the copy it is
    assert copy["status"] == "skipped" and "未经修改的问题反馈副本" in copy["reason"]
    assert sum(f["projects"] for f in files.values()) == 4


# --- issue 13: one file never stops the others ---------------------------------------------


def test_html_with_rowspan_header_is_rebuilt(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    builders.township_html(folder / "卧龙镇.xls", township_rows())
    # a rowspan running past the header into the rows, and one overlapping a colspan
    (folder / "东津新区.xls").write_text(
        "<html><body><table><tr><td rowspan=2>项目名称</td><td rowspan=2>总投资</td>"
        "<td>年度计划投资</td><td rowspan=3>累计完成投资</td></tr><tr><td>x</td></tr>"
        "<tr><td>东津大道</td><td>待定</td><td>1</td></tr>"
        "<tr><td colspan=3 rowspan=2>合计</td></tr></table></body></html>",
        encoding="utf-8",
    )
    done = write_feedback(merge_paths([folder]), tmp_path / "out")
    assert sorted(p.name for p in done.written) == [
        "东津新区_问题反馈.xlsx",
        "卧龙镇_问题反馈.xlsx",
    ]
    assert done.issues == ()
    ws = openpyxl.load_workbook(tmp_path / "out" / "卧龙镇_问题反馈.xlsx")["台账"]
    assert {"A3:A4", "E3:G3", "C10:C11"} <= {str(r) for r in ws.merged_cells.ranges}
    assert ws.freeze_panes == "A5"
    assert ws["E7"].fill.fgColor.rgb.endswith(RED)
    ws = openpyxl.load_workbook(tmp_path / "out" / "东津新区_问题反馈.xlsx")["台账"]
    ranges = [r for r in ws.merged_cells.ranges]
    assert all(a is b or a.isdisjoint(b) for a in ranges for b in ranges)  # Excel needs it


def test_characters_xml_cannot_hold_are_dropped(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    rows = [
        [*CSV_ROWS[0]],
        ["環城\ufffe公路", "区交通运输局", "待定", "1", "1", "是", "施工\uffff"],
    ]
    builders.csv_file(folder / "区交通运输局.csv", rows, encoding="utf-8")
    builders.html_xls(
        folder / "东津新区.xls",
        [["项目名称", "总投资", "年度计划投资", "累计完成投资"], ["东津\ufffe大道", "待定", 1, 2]],
    )
    done = write_feedback(merge_paths([folder]), tmp_path / "out")
    assert len(done.written) == 2 and done.issues == ()
    csv_copy = openpyxl.load_workbook(tmp_path / "out" / "区交通运输局_问题反馈.xlsx")["台账"]
    assert csv_copy["A2"].value == "環城公路" and csv_copy["G2"].value == "施工"
    html_copy = openpyxl.load_workbook(tmp_path / "out" / "东津新区_问题反馈.xlsx")["台账"]
    assert html_copy["A2"].value == "东津大道"


def test_a_copy_that_cannot_be_written_is_named_and_the_others_are_written(month, tmp_path):
    out = tmp_path / "反馈"
    out.mkdir()
    (out / "~$卧龙镇_问题反馈.xlsx").write_bytes(b"lock")  # the clerk has last month's open
    done = write_feedback(merge_paths([month]), out)
    assert sorted(p.name for p in done.written) == sorted(
        f"{unit}_问题反馈.xlsx" for unit in ("区交通运输局", "尹集乡", "欧庙镇")
    )
    (unwritten,) = done.issues
    assert (unwritten.code, unwritten.file, unwritten.severity) == (
        "feedback-unwritten",
        "卧龙镇.xlsx",
        "warning",
    )
    assert "正在 Excel/WPS 中打开" in unwritten.message
    assert not [p for p in out.iterdir() if p.name.startswith(".ledgerkit-")]


def test_a_copy_openpyxl_cannot_save_falls_back_to_the_list(month, tmp_path, monkeypatch):
    import ledgerkit.feedback as fb

    def broken(raw, header_rows):
        raise TypeError("'MergedCell' object is not iterable")

    monkeypatch.setattr(fb, "_raw_copy", broken)  # every rebuilt copy fails as in issue 13
    done = write_feedback(merge_paths([month]), tmp_path / "out")
    assert len(done.written) == 4  # the .xlsx is still copied, the others are the list alone
    fallback = {i.file: i for i in done.issues}
    assert set(fallback) == {"欧庙镇.xls", "区交通运输局.csv"}
    assert {i.code for i in fallback.values()} == {"feedback-list-only"}
    assert "原表无法写入新的工作簿（TypeError）" in fallback["欧庙镇.xls"].message
    wb = openpyxl.load_workbook(tmp_path / "out" / "欧庙镇_问题反馈.xlsx")
    assert wb.sheetnames == ["问题清单"]


def test_check_feedback_names_the_unwritten_copy_in_json(tmp_path, capsysbinary):
    from builders import run_cli

    folder = tmp_path / "2024-04"
    folder.mkdir()
    builders.xlsx(folder / "卧龙镇.xlsx", township_rows(), builders.TOWNSHIP_MERGES)
    builders.csv_file(folder / "区交通运输局.csv", CSV_ROWS)
    out = tmp_path / "退回"
    out.mkdir()
    (out / "~$卧龙镇_问题反馈.xlsx").write_bytes(b"lock")
    code, stdout, _ = run_cli(capsysbinary, "check", str(folder), "--feedback", str(out), "--json")
    assert code == 1
    found = [i for i in json.loads(stdout)["issues"] if i["code"] == "feedback-unwritten"]
    assert [i["file"] for i in found] == ["卧龙镇.xlsx"]
    assert (out / "区交通运输局_问题反馈.xlsx").exists()


# --- issue 13: the size caps openpyxl is held to -------------------------------------------


def padded_styles(path: Path, pad: int) -> Path:
    """A ledger whose styles.xml carries `pad` bytes of text that does not compress (as a
    60 MB styles.xml would, at a scale a test can build)."""
    import random

    plain = path.with_name("plain.xlsx")
    builders.xlsx(plain, township_rows(), builders.TOWNSHIP_MERGES)
    noise = "".join(random.Random(13).choices("abcdefghijklmnopqrstuvwxyz0123456789", k=pad))
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/styles.xml":
                data = data.replace(b"</styleSheet>", f"<!-- {noise} --></styleSheet>".encode())
            zout.writestr(info.filename, data)
    plain.unlink()
    return path


def test_past_the_copy_cap_openpyxl_never_opens_it(tmp_path, monkeypatch):
    import ledgerkit.read.limits as limits

    folder = tmp_path / "in"
    folder.mkdir()
    padded_styles(folder / "卧龙镇.xlsx", 300_000)
    result = merge_paths([folder])
    monkeypatch.setattr(limits, "MAX_COPY_UNZIPPED_BYTES", 200_000)
    opened: list[object] = []
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: opened.append(a))
    done = write_feedback(result, tmp_path / "out")
    monkeypatch.undo()
    assert opened == []  # refused from the zip directory, before openpyxl parsed anything
    (note,) = done.issues
    assert (note.code, note.file) == ("feedback-rebuilt", "卧龙镇.xlsx")
    assert "按原样复制的上限 195.3 KB" in note.message
    wb = openpyxl.load_workbook(done.written[0])
    assert wb.sheetnames == ["问题清单", "台账"]
    assert wb["台账"]["E7"].value == "待定" and wb["台账"]["E7"].fill.fgColor.rgb.endswith(RED)


def test_within_the_cap_the_unit_formatting_is_kept(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    padded_styles(folder / "卧龙镇.xlsx", 300_000)
    done = write_feedback(merge_paths([folder]), tmp_path / "out")
    assert done.issues == ()  # copied as it is: no finding


def test_past_the_cell_cap_the_list_comes_alone(month, tmp_path, monkeypatch):
    import ledgerkit.read.limits as limits

    result = merge_paths([month])
    monkeypatch.setattr(limits, "MAX_COPY_CELLS", 10)
    done = write_feedback(result, tmp_path / "out")
    notes = {i.file: i for i in done.issues}
    assert notes["区交通运输局.csv"].code == "feedback-list-only"
    assert "超过附上原表的上限 10 个" in notes["区交通运输局.csv"].message
    assert "卧龙镇.xlsx" not in notes  # its own .xlsx is copied, not rebuilt
    wb = openpyxl.load_workbook(tmp_path / "out" / "区交通运输局_问题反馈.xlsx")
    assert wb.sheetnames == ["问题清单"] and len(listed(wb)) >= 1


# --- issue 13: never overwrite a file ledgerkit did not write -------------------------------


def test_a_copy_is_marked_and_a_rerun_replaces_only_its_own(result, tmp_path):
    from ledgerkit.feedback import EDITED, PRISTINE, feedback_state

    out = tmp_path / "退回"
    first = write_feedback(result, out)
    assert {feedback_state(p) for p in first.written} == {PRISTINE}
    again = write_feedback(result, out)
    assert again.written == first.written and again.issues == ()
    wb = openpyxl.load_workbook(out / "卧龙镇_问题反馈.xlsx")
    wb.properties.lastModifiedBy = "卧龙镇张三"  # what Excel stamps when the unit saves it
    wb.save(out / "卧龙镇_问题反馈.xlsx")
    assert feedback_state(out / "卧龙镇_问题反馈.xlsx") == EDITED
    assert feedback_state(next(p for p in result.files if p.label == "卧龙镇.xlsx").path) is None


def test_a_file_ledgerkit_did_not_write_is_never_overwritten(result, tmp_path):
    out = tmp_path / "退回"
    out.mkdir()
    theirs = out / "卧龙镇_问题反馈.xlsx"
    builders.xlsx(theirs, [["卧龙镇自己写的问题反馈"]])
    edited = out / "欧庙镇_问题反馈.xlsx"
    write_feedback(result, out)
    wb = openpyxl.load_workbook(edited)
    wb.properties.lastModifiedBy = "欧庙镇李四"
    wb.save(edited)
    kept = {p: p.read_bytes() for p in (theirs, edited)}
    done = write_feedback(result, out)
    assert {p: p.read_bytes() for p in kept} == kept
    names = {p.name for p in done.written}
    assert {"卧龙镇（xlsx）_问题反馈.xlsx", "欧庙镇（xls）_问题反馈.xlsx"} <= names
    renamed = {i.file: i.message for i in done.issues if i.code == "feedback-renamed"}
    assert renamed["卧龙镇.xlsx"] == (
        "“卧龙镇_问题反馈.xlsx”已存在，且不是 ledgerkit 写出后未经修改的问题反馈副本，未覆盖；"
        "本次的副本另存为“卧龙镇（xlsx）_问题反馈.xlsx”"
    )


# --- issue 13: a unit returns its corrected copy ----------------------------------------------


def corrected_copy(tmp_path: Path) -> tuple[Path, Path]:
    """卧龙镇.xlsx in a month folder, and its feedback copy as the unit returns it: 总投资
    filled in (E7), saved in Excel (who saved it is stamped), an hour after the original."""
    import os

    folder = tmp_path / "2024-04"
    folder.mkdir()
    original = styled_township(folder / "卧龙镇.xlsx")
    (copy,) = write_feedback(merge_paths([folder]), tmp_path / "退回").written
    wb = openpyxl.load_workbook(copy)
    wb["台账"]["E7"] = 1200
    wb.properties.lastModifiedBy = "卧龙镇张三"
    wb.save(copy)
    stamp = original.stat().st_mtime
    os.utime(copy, (stamp + 3600, stamp + 3600))
    return original, copy


def test_a_corrected_copy_is_read_as_the_units_ledger(tmp_path):
    _, copy = corrected_copy(tmp_path)
    (only,) = merge_paths([copy]).files
    assert only.status == "merged", only.reason
    assert only.ledger.sheet == "台账"  # the 问题清单 sheet in front is never read
    assert only.ledger.unit == "卧龙镇"  # not 卧龙镇问题反馈
    assert len(only.ledger.projects) == 3
    assert only.ledger.projects[0].total_investment == 1200
    assert not [i for i in only.issues if i.code == "bad-number"]


def test_a_corrected_copy_beside_its_original_is_a_newer_version(tmp_path):
    original, copy = corrected_copy(tmp_path)
    copy = Path(copy.replace(original.parent / copy.name))
    result = merge_paths([original.parent])
    status = {f.label: f.status for f in result.files}
    assert status == {"卧龙镇.xlsx": "skipped", "卧龙镇_问题反馈.xlsx": "merged"}
    assert len(result.projects) == 3  # one unit, counted once
    (older,) = [i for i in result.issues if i.code == "older-version"]
    assert older.file == "卧龙镇.xlsx"


def test_an_unchanged_copy_yields_to_its_original_even_when_newer(tmp_path):
    import os

    folder = tmp_path / "2024-04"
    folder.mkdir()
    original = styled_township(folder / "卧龙镇.xlsx")
    builders.csv_file(folder / "区交通运输局.csv", CSV_ROWS)  # a department: units per row
    written = write_feedback(merge_paths([folder]), folder).written
    stamp = original.stat().st_mtime
    for path in written:
        os.utime(path, (stamp + 3600, stamp + 3600))
    result = merge_paths([folder])
    status = {f.label: f.status for f in result.files}
    assert status == {
        "卧龙镇.xlsx": "merged",
        "区交通运输局.csv": "merged",
        "卧龙镇_问题反馈.xlsx": "skipped",
        "区交通运输局_问题反馈.xlsx": "skipped",
    }
    assert len(result.projects) == 3 + 2
    unchanged = {i.file: i.message for i in result.issues if i.code == "feedback-unchanged"}
    assert unchanged["卧龙镇_问题反馈.xlsx"] == (
        "是 ledgerkit 写出后未经修改的问题反馈副本，与“卧龙镇.xlsx”是同一份台账，已采用“卧龙镇.xlsx”"
    )


def test_the_problem_list_sheet_is_recognised_by_its_layout(tmp_path):
    from ledgerkit.normalise import is_feedback_list

    _, copy = corrected_copy(tmp_path)
    book = read_book(copy)
    assert [is_feedback_list(s) for s in book.sheets] == [True, False]


@pytest.mark.parametrize("name", ["檀溪街道_问题反馈.xlsx", "檀溪街道（csv）_问题反馈.xlsx"])
def test_a_copy_named_for_the_unit_gives_the_unit(tmp_path, name):
    from ledgerkit.pipeline import load_file

    rows = [
        ["项目名称", "总投资", "年度计划投资", "累计完成投资"],
        ["檀溪路改造", "1000", "400", "100"],
    ]
    path = builders.csv_file(tmp_path / name, rows, encoding="utf-8-sig")
    assert load_file(path).ledger.unit == "檀溪街道"


def test_a_file_name_windows_cannot_hold_is_made_valid(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    builders.csv_file(folder / 'a:b?"c".csv', CSV_ROWS)  # a valid name here, sent on to Windows
    (path,) = write_feedback(merge_paths([folder]), tmp_path / "退回").written
    assert path.parent == tmp_path / "退回" and path.name == "a_b__c__问题反馈.xlsx"


def _copies(folder: Path, out: Path) -> dict[str, bytes]:
    written = write_feedback(merge_paths([folder]), out).written
    return {p.name: p.read_bytes() for p in written}


def test_copies_made_on_every_core_are_those_made_one_by_one(tmp_path, monkeypatch):
    from ledgerkit import parallel

    folder = tmp_path / "in"
    folder.mkdir()
    for unit in ("卧龙镇", "尹集乡", "欧庙镇", "东津镇", "太平店镇", "石桥镇", "张家湾", "龙王镇"):
        rows = [
            [c.replace("卧龙", unit[:2]) if isinstance(c, str) else c for c in r]
            for r in township_rows()
        ]
        builders.xlsx(folder / f"{unit}.xlsx", rows, builders.TOWNSHIP_MERGES)
    assert len(list(folder.iterdir())) >= parallel.MIN_ITEMS
    together = _copies(folder, tmp_path / "together")
    monkeypatch.setattr(parallel, "MIN_ITEMS", 10**6)  # all in this process
    alone = _copies(folder, tmp_path / "alone")
    assert list(together) == list(alone) and len(alone) == 8  # in the order of the files
    assert together == alone  # byte for byte


def test_a_merged_range_keeps_the_borders_it_was_saved_with(tmp_path):
    # the bottom-right cell of a merged 包抓领导 block has its own bottom border in the file
    folder = tmp_path / "in"
    folder.mkdir()
    path = builders.xlsx(folder / "卧龙镇.xlsx", township_rows(), builders.TOWNSHIP_MERGES)
    wb = openpyxl.load_workbook(path)
    ws = wb["台账"]
    thick = openpyxl.styles.Side(style="thick", color="FF0000")
    ws.merge_cells("A6:A8")
    ws["A8"].border = openpyxl.styles.Border(bottom=thick)  # as Excel saves a merged block
    wb.save(path)
    (copy_path,) = write_feedback(merge_paths([folder]), tmp_path / "out").written
    ws = openpyxl.load_workbook(copy_path)["台账"]
    assert "A6:A8" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["A8"].border.bottom.style == "thick"
