"""Workbooks holding several lists (issue 12, points 2 and 4): a sheet per area, per stage,
views of another sheet, summary sheets, hidden sheets, registration cards. Each is built,
merged, written, and read back."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from builders import run_cli, xlsx, xlsx_book

from ledgerkit.layout import read_files_sheet
from ledgerkit.pipeline import check, load_file, merge, merge_paths, read_merged, rebuild
from ledgerkit.settings import Settings, Unit
from ledgerkit.sheets import CARD_REFUSED, tab_stage, tab_unit
from ledgerkit.store import Store

HEAD = ["序号", "项目名称", "总投资", "年度计划投资", "累计完成投资", "形象进度"]
GRADED = [  # 分级管理
    HEAD,
    [1, "汉江大桥", 50000, 10000, 3000, "桩基施工"],
    [2, "智慧物流园", 30000, 8000, 2000, "主体施工"],
    [3, "城南污水处理厂", 12000, 5000, 1000, "管网铺设"],
]
BY_SECTOR = [HEAD, GRADED[2], GRADED[3], GRADED[1]]  # 分行业: the same projects, another order


def _sums(projects) -> tuple[int, Decimal, Decimal, Decimal]:
    return (
        len(projects),
        sum(p.total_investment or 0 for p in projects),
        sum(p.annual_plan or 0 for p in projects),
        sum(p.ytd_completed or 0 for p in projects),
    )


def _codes(issues) -> list[str]:
    return [i.code for i in issues]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    month = tmp_path / "2024-04"
    month.mkdir()
    return month


# --- a sheet per area ----------------------------------------------------------------------

AREAS = [
    (
        "襄城经济开发区2024年项目",
        [
            HEAD,
            [1, "汉江大桥", 50000, 10000, 3000, "桩基"],
            [2, "智慧物流园", 30000, 8000, 2000, "主体"],
        ],
    ),
    ("余家湖工业园区2024年项目", [HEAD, [1, "热电联产", 9000, 3000, 500, "设备安装"]]),
]


def test_each_area_sheet_is_read_with_the_unit_its_tab_names(folder: Path) -> None:
    xlsx_book(folder / "区发改局.xlsx", AREAS)
    result = merge_paths([folder])
    units = [(p.name, p.unit) for p in result.projects]
    assert units == [
        ("汉江大桥", "襄城经济开发区"),
        ("智慧物流园", "襄城经济开发区"),
        ("热电联产", "余家湖工业园区"),
    ]
    assert _sums(result.projects) == (3, 89000, 21000, 5500)
    (f,) = result.files
    assert [(led.sheet, led.unit_source) for led in f.ledgers] == [
        ("襄城经济开发区2024年项目", "工作表名"),
        ("余家湖工业园区2024年项目", "工作表名"),
    ]
    assert f.units == ["襄城经济开发区", "余家湖工业园区"] and f.projects == 3


def test_area_units_from_tabs_are_put_the_rosters_way(folder: Path) -> None:
    xlsx_book(folder / "区发改局.xlsx", AREAS)
    roster = (Unit("襄城经济开发区", "经开区"), Unit("余家湖工业园区", "余家湖", ("余家湖园区",)))
    result = merge_paths([folder], settings=Settings(roster=roster))
    assert {p.unit for p in result.projects} == {"经开区", "余家湖"}


def test_each_area_sheet_titled_with_its_area_takes_it(folder: Path) -> None:
    titled = [
        ("Sheet1", [["襄城经济开发区2024年重点项目台账"], *AREAS[0][1]]),
        ("Sheet2", [["余家湖工业园区2024年重点项目台账"], *AREAS[1][1]]),
    ]
    xlsx_book(folder / "区发改局.xlsx", titled)
    result = merge_paths([folder])
    assert [p.unit for p in result.projects] == ["襄城经济开发区"] * 2 + ["余家湖工业园区"]
    assert {led.unit_source for led in result.files[0].ledgers} == {"标题"}


def test_two_versions_of_a_file_of_several_areas_merge_once(folder: Path) -> None:
    import os

    xlsx_book(folder / "区发改局.xlsx", AREAS)
    newer = [(name, [row[:] for row in rows]) for name, rows in AREAS]
    newer[1][1][1][4] = 800
    path = xlsx_book(folder / "区发改局（修改）.xlsx", newer)
    os.utime(path, (2_000_000_000, 2_000_000_000))
    result = merge_paths([folder])
    assert _sums(result.projects) == (3, 89000, 21000, 5800)
    (older,) = [f for f in result.files if f.status == "skipped"]
    assert older.label == "区发改局.xlsx" and not older.ledgers


def test_a_one_sheet_file_keeps_the_unit_of_its_file_name(folder: Path) -> None:
    xlsx(folder / "卧龙镇.xlsx", GRADED, sheet="尹集乡")
    (p, *_) = merge_paths([folder]).projects
    assert p.unit == "卧龙镇"


def test_tabs_naming_areas_and_stages() -> None:
    assert tab_unit("襄城经济开发区2024年项目") == "襄城经济开发区"
    assert tab_unit("卧龙镇（4月）") == "卧龙镇"
    assert tab_unit("分级管理") is None and tab_unit("Sheet1") is None
    assert tab_unit("竣工投产") is None
    assert [tab_stage(t) for t in ("竣工投产", "加速开工", "加速报批", "续建项目", "分行业")] == [
        "竣工",
        "新建",
        "前期",
        "续建",
        None,
    ]


# --- a sheet per stage ---------------------------------------------------------------------

STAGES = [
    ("竣工投产", [HEAD, [1, "老厂技改", 3000, 1000, 1000, "已投产"]]),
    ("加速开工", [HEAD, [1, "新建仓储中心", 8000, 2000, 0, "办理施工许可"], [2, "老厂技改", 3000, 1000, 1000, "二期待开工"]]),
    ("加速报批", [[*HEAD, "项目类别"], [1, "文旅综合体", 20000, 500, 0, "可研编制", "储备"]]),
]  # fmt: skip


def test_stage_sheets_are_all_read_and_name_the_stage_rows_lack(folder: Path) -> None:
    xlsx_book(folder / "襄城区.xlsx", STAGES)
    result = merge_paths([folder])
    cats = [(p.name, p.category, p.started) for p in result.projects]
    assert cats == [
        ("老厂技改", "竣工", True),
        ("新建仓储中心", "新建", False),
        ("老厂技改", "新建", False),
        ("文旅综合体", "前期", False),  # its own column said 储备
    ]
    # the project in two stage sheets is a duplicate as between files: both kept, both named
    dups = [i for i in result.issues if i.code == "duplicate-project"]
    assert {(i.sheet, i.cell) for i in dups} == {("竣工投产", "B2"), ("加速开工", "B3")}
    assert "加速开工" in dups[0].message  # the same file: the other sheet is named
    said = [i for i in result.issues if i.code == "category-from-sheet"]
    assert [(i.sheet, i.severity) for i in said] == [("竣工投产", "info"), ("加速开工", "info")]
    assert said[1].message == "工作表“加速开工”的2个项目没有填写项目类别，按工作表名称计为“新建”"
    assert not [i for i in result.issues if i.code in ("sheet-view", "sheet-overlap")]


# --- views ---------------------------------------------------------------------------------


def test_a_view_and_a_copy_are_not_counted_again(folder: Path) -> None:
    xlsx_book(
        folder / "区发改局.xlsx",
        [("分级管理", GRADED), ("分行业", BY_SECTOR), ("分级管理 (2)", GRADED)],
    )
    result = merge_paths([folder])
    assert _sums(result.projects) == (3, 92000, 23000, 6000)
    assert {p.source.sheet for p in result.projects} == {"分级管理"}
    views = [i for i in result.issues if i.code == "sheet-view"]
    assert [(i.sheet, i.severity, i.message) for i in views] == [
        ("分行业", "info", "工作表“分行业”与“分级管理”为同一批项目，未重复计入"),
        ("分级管理 (2)", "info", "工作表“分级管理 (2)”与“分级管理”为同一批项目，未重复计入"),
    ]
    assert not [i for i in result.issues if i.code == "duplicate-project"]


def test_a_view_whose_figures_differ_is_a_warning(folder: Path) -> None:
    stale = [row[:] for row in BY_SECTOR]
    stale[1][4] = 900  # 城南污水处理厂: 1000 in 分级管理
    xlsx_book(folder / "区发改局.xlsx", [("分级管理", GRADED), ("分行业", stale)])
    result = merge_paths([folder])
    assert _sums(result.projects)[3] == 6000
    (differs,) = [i for i in result.issues if i.code == "sheet-view-differs"]
    assert differs.severity == "warning" and differs.sheet == "分行业"
    assert "累计完成投资" in differs.message and "4900" in differs.message
    assert "6000" in differs.message


def test_sheets_sharing_most_projects_are_both_counted_and_named(folder: Path) -> None:
    more = [*GRADED, [4, "城北学校", 6000, 2000, 100, "基础施工"]]
    xlsx_book(folder / "区发改局.xlsx", [("分级管理", GRADED), ("全部项目", more)])
    result = merge_paths([folder])
    assert len(result.projects) == 7  # nothing dropped on a guess
    (overlap,) = [i for i in result.issues if i.code == "sheet-overlap"]
    assert overlap.severity == "warning" and "3个项目相同" in overlap.message
    assert len([i for i in result.issues if i.code == "duplicate-project"]) == 6


# --- summaries, hidden sheets, sheets of no list --------------------------------------------

BY_AREA = [
    ["县区", "项目个数", "总投资", "累计完成投资"],
    ["卧龙镇", 3, 92000, 6000],
    ["尹集乡", 2, 9000, 500],
    ["合计", 5, 101000, 6500],
]
AREA_ROWS_UNDER_A_HEADER = [  # a summary with a 项目名称-like header: its rows are areas
    ["单位名称", "项目名称", "总投资", "年度计划投资", "累计完成投资"],
    ["", "卧龙镇", 92000, 23000, 6000],
    ["", "尹集乡", 9000, 3000, 500],
]
TOTALS_ONLY = [HEAD, ["合计", "", 101000, 26000, 6500]]
HELP = [["填表说明"], ["金额单位为万元"]]


def test_summary_sheets_are_set_aside_with_their_reason(folder: Path) -> None:
    xlsx_book(
        folder / "区发改局.xlsx",
        [
            ("说明", HELP),
            ("分级管理", GRADED),
            ("按县区汇总", BY_AREA),
            ("分单位", AREA_ROWS_UNDER_A_HEADER),
            ("合计", TOTALS_ONLY),
        ],
        hidden=[("3月", GRADED)],
    )
    result = merge_paths([folder])
    assert _sums(result.projects) == (3, 92000, 23000, 6000)
    (f,) = result.files
    assert [(n.sheet, n.kind) for n in f.notes] == [
        ("按县区汇总", "汇总表"),
        ("分单位", "汇总表"),
        ("合计", "汇总表"),
    ]
    reasons = {n.sheet: n.reason for n in f.notes}
    assert "卧龙镇、尹集乡" in reasons["按县区汇总"] and "未计入" in reasons["按县区汇总"]
    assert "各行是地区或单位" in reasons["分单位"]
    assert "只有合计、小计行" in reasons["合计"]
    found = {(i.code, i.sheet) for i in result.issues}
    assert ("sheet-set-aside", "按县区汇总") in found
    assert ("sheet-hidden", "3月") in found  # a hidden sheet is never read, and is named
    assert not any(i.sheet == "说明" for i in result.issues)  # nothing in it to count


def test_a_file_holding_only_a_summary_is_skipped_with_why(folder: Path) -> None:
    path = xlsx_book(folder / "汇总表.xlsx", [("按县区汇总", BY_AREA)])
    f = load_file(path)
    assert f.status == "skipped" and not f.ledgers
    assert "汇总表" in f.reason and "没有项目名称" in f.reason


def test_a_sheet_of_figures_with_no_name_column_is_named(folder: Path) -> None:
    figures = [["月份", "计划", "完成"], ["1月", 100, 80], ["2月", 100, 90]]
    xlsx_book(folder / "区发改局.xlsx", [("分级管理", GRADED), ("月度进度", figures)])
    (f,) = merge_paths([folder]).files
    (note,) = f.notes
    assert note.kind == "非项目清单" and "2行数字" in note.reason and "未读取" in note.reason


def test_a_sheet_that_cannot_be_understood_fails_alone(folder: Path) -> None:
    shifted = [
        ["项目名称", "总投资", "年度计划投资", "累计完成投资"],
        ["责任单位"],
        ["城北学校", 1, 1, 1],
    ]
    xlsx_book(folder / "区发改局.xlsx", [("分级管理", GRADED), ("新增", shifted)])
    result = merge_paths([folder])
    assert _sums(result.projects) == (3, 92000, 23000, 6000)
    (f,) = result.files
    assert f.status == "merged" and [(n.sheet, n.kind) for n in f.notes] == [("新增", "无法读取")]
    (bad,) = [i for i in result.issues if i.code == "sheet-unreadable"]
    assert (bad.severity, bad.sheet) == ("error", "新增") and "表头错位" in bad.message
    assert not result.ok  # the clerk must have it fixed: exit 1
    alone = load_file(xlsx_book(folder.parent / "新增.xlsx", [("新增", shifted)]))
    assert alone.status == "failed" and "表头错位" in alone.reason


# --- registration cards --------------------------------------------------------------------

CARD = [
    ["襄城区重点项目登记表"],
    ["项目名称", "城东九年一贯制学校"],
    ["项目业主", "区教育局"],
    ["项目总投资额（万元）", 8000],
    ["年度计划投资（万元）", 2000],
    ["累计完成投资（万元）", 500],
    ["形象进度", "主体封顶"],
    ["日期", "2024-04-30"],
]


def test_a_registration_card_is_one_project(folder: Path) -> None:
    xlsx_book(folder / "区教育局.xlsx", [("登记表", CARD)])
    result = merge_paths([folder])
    (p,) = result.projects
    assert (p.name, p.owner, p.progress, p.unit) == (
        "城东九年一贯制学校",
        "区教育局",
        "主体封顶",
        "区教育局",
    )
    assert _sums([p]) == (1, 8000, 2000, 500)
    assert (p.source.sheet, p.source.row) == ("登记表", 2)
    assert p.extras == {"日期": "2024-04-30"}
    (said,) = [i for i in result.issues if i.code == "sheet-card"]
    assert said.severity == "info" and "按一个项目“城东九年一贯制学校”读取" in said.message


def test_a_cards_bad_value_is_named_at_its_own_cell(folder: Path) -> None:
    card = [row[:] for row in CARD]
    card[3][1] = "八千"
    xlsx_book(folder / "区教育局.xlsx", [("登记表", card)])
    result = merge_paths([folder])
    (bad,) = [i for i in result.issues if i.code == "bad-number"]
    assert (bad.sheet, bad.cell) == ("登记表", "B4")
    assert result.projects[0].total_investment is None


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({1: ["项目名称", None]}, "没有填写项目名称"),
        ({7: ["项目名称", "城西小学"]}, "有2个“项目名称”"),
    ],
)
def test_a_card_naming_no_project_or_two_is_refused(folder: Path, change, why) -> None:
    card = [change.get(i, row) for i, row in enumerate(CARD)]
    f = load_file(xlsx_book(folder / "区教育局.xlsx", [("登记表", card)]))
    assert f.status == "skipped" and not f.ledgers
    assert f.reason.startswith(CARD_REFUSED) and why in f.reason


# --- the merged workbook, read back --------------------------------------------------------


def _month(folder: Path) -> None:
    xlsx_book(
        folder / "区发改局.xlsx",
        [*AREAS, ("分行业", [HEAD, AREAS[0][1][2], AREAS[1][1][1], AREAS[0][1][1]]), ("按县区汇总", BY_AREA)],
    )  # fmt: skip
    xlsx(folder / "卧龙镇.xlsx", GRADED[:2], sheet="台账")


def test_files_sheet_has_a_line_per_sheet_and_reads_back(folder: Path, tmp_path: Path) -> None:
    _month(folder)
    settings = Settings(region="襄城区", workspace=tmp_path)
    out = tmp_path / "2024-04汇总.xlsx"
    run = merge([folder], settings, output=out)
    assert len(run.result.projects) == 4
    lines = [
        (r["文件"], r["状态"], r["工作表"], r["责任单位"], r["项目数"], r["原因"])
        for r in read_files_sheet(out) or []
    ]
    view = "工作表“分行业”与“襄城经济开发区2024年项目”“余家湖工业园区2024年项目”合起来为同一批项目（3个），未重复计入"
    assert lines == [
        ("区发改局.xlsx", "已汇总", "襄城经济开发区2024年项目", "襄城经济开发区", 2, ""),
        ("区发改局.xlsx", "已汇总", "余家湖工业园区2024年项目", "余家湖工业园区", 1, ""),
        ("区发改局.xlsx", "未计入", "分行业", "", "", view),
        ("区发改局.xlsx", "未计入", "按县区汇总", "", "", lines[3][5]),
        ("卧龙镇.xlsx", "已汇总", "台账", "卧龙镇", 1, ""),
    ]
    assert "是汇总表（各行是地区或单位：卧龙镇、尹集乡" in lines[3][5]
    rows = read_files_sheet(out) or []
    assert [r["合计行"] for r in rows] == [0, 0, "", "", 0]  # a sheet set aside: no rows read
    with Store(tmp_path / "ledgerkit-history.sqlite") as store:
        units = sorted((f["name"], f["unit"], f["projects"]) for f in store.files("2024-04"))
    assert units == [
        ("区发改局.xlsx", "余家湖工业园区", 1),
        ("区发改局.xlsx", "襄城经济开发区", 2),
        ("卧龙镇.xlsx", "卧龙镇", 1),
    ]
    # read back (report): the same projects; rebuilt: the same files
    back = read_merged(out, settings, None)
    assert _sums(back.result.projects) == _sums(run.result.projects)
    assert [p.unit for p in back.result.projects] == [p.unit for p in run.result.projects]
    (tmp_path / "ledgerkit-history.sqlite").unlink()
    assert rebuild(settings, tmp_path, [out]).periods == ("2024-04",)
    with Store(tmp_path / "ledgerkit-history.sqlite") as store:
        assert (
            sorted((f["name"], f["unit"], f["projects"]) for f in store.files("2024-04")) == units
        )
        assert len(store.kept("2024-04") or []) == 4


def test_a_district_of_several_sheets_rolls_up(folder: Path, tmp_path: Path) -> None:
    _month(folder)
    out = tmp_path / "襄城区2024-04汇总.xlsx"
    merge([folder], Settings(region="襄城区", workspace=tmp_path), output=out)
    city = merge_paths([out], settings=Settings(region="襄阳市"))
    assert [(p.district, p.unit) for p in city.projects][:3] == [
        ("襄城区", "襄城经济开发区"),
        ("襄城区", "襄城经济开发区"),
        ("襄城区", "余家湖工业园区"),
    ]
    assert not [f for f in city.files if f.notes]


def test_check_json_and_console_show_each_sheet(folder: Path, capsysbinary) -> None:
    _month(folder)
    code, out, _ = run_cli(capsysbinary, "check", str(folder), "--json")
    assert code == 0  # views and summaries set aside are no errors
    data = json.loads(out)
    files = {Path(f["path"]).name: f for f in data["files"]}
    sheets = files["区发改局.xlsx"]["sheets"]
    assert [(s["sheet"], s["counted"], s["projects"], s["set_aside_as"]) for s in sheets] == [
        ("襄城经济开发区2024年项目", True, 2, None),
        ("余家湖工业园区2024年项目", True, 1, None),
        ("分行业", False, 0, "重复视图"),
        ("按县区汇总", False, 0, "汇总表"),
    ]
    assert files["区发改局.xlsx"]["projects"] == 3
    _, out, _ = run_cli(capsysbinary, "check", str(folder))
    assert "工作表“分行业”" in out and "4张工作表" in out


def test_feedback_copy_marks_problems_on_every_sheet(folder: Path, tmp_path: Path) -> None:
    areas = [(name, [row[:] for row in rows]) for name, rows in AREAS]
    areas[0][1][1][4] = "三千"  # C2 of the first sheet
    areas[1][1][1][3] = "一千"  # D2 of the second
    xlsx_book(folder / "区发改局.xlsx", areas)
    run = check([folder], Settings(), feedback=tmp_path / "反馈")
    assert not run.result.ok
    wb = openpyxl.load_workbook(tmp_path / "反馈" / "区发改局_问题反馈.xlsx")
    assert "问题清单" in wb.sheetnames
    assert wb["襄城经济开发区2024年项目"]["E2"].comment is not None
    assert wb["余家湖工业园区2024年项目"]["D2"].comment is not None


def test_a_rebuilt_feedback_copy_holds_every_sheet_counted(
    folder: Path, tmp_path: Path, monkeypatch
):
    import ledgerkit.feedback as fb

    def refuse(*_args):
        raise TypeError("an odd workbook")  # the unit's workbook cannot be copied as it is

    monkeypatch.setattr(fb, "_openpyxl_copy", refuse)
    monkeypatch.setattr(fb, "_zip_copy", refuse)  # nor part by part
    areas = [(name, [row[:] for row in rows]) for name, rows in AREAS]
    areas[0][1][1][4] = "三千"
    areas[1][1][1][3] = "一千"
    view = [HEAD, areas[0][1][2], areas[1][1][1], areas[0][1][1]]
    xlsx_book(folder / "区发改局.xlsx", [*areas, ("分行业", view)])
    run = check([folder], Settings(), feedback=tmp_path / "反馈")
    assert "feedback-rebuilt" in _codes(run.result.issues)
    wb = openpyxl.load_workbook(tmp_path / "反馈" / "区发改局_问题反馈.xlsx")
    assert wb.sheetnames == ["问题清单", "襄城经济开发区2024年项目", "余家湖工业园区2024年项目"]
    assert wb["襄城经济开发区2024年项目"]["E2"].comment is not None
    assert wb["余家湖工业园区2024年项目"]["D2"].comment is not None
    assert wb["余家湖工业园区2024年项目"]["B2"].value == "热电联产"
