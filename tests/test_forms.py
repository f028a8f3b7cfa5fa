"""Next month's forms: pre-filled, validated, protected; filled in and merged, they read back."""

from __future__ import annotations

import json
from pathlib import Path

import builders
import openpyxl
import pytest
from builders import month_figures as figures
from builders import run_cli

from ledgerkit.forms import project_code
from ledgerkit.period import Period
from ledgerkit.pipeline import merge_paths
from ledgerkit.settings import Settings

HEAD = [
    "项目编码",
    "项目名称",
    "项目类别",
    "项目级别",
    "行业领域",
    "总投资",
    "年度计划投资",
    "累计完成投资",
    "是否开工",
    "计划开工时间",
    "形象进度",
]


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch, capsysbinary) -> Path:
    (tmp_path / "ledgerkit.toml").write_text(
        'region = "襄城区"\n[[units]]\nname = "卧龙镇"\n[[units]]\nname = "尹集乡"\n'
        '[[units]]\nname = "欧庙镇"\n',
        "utf-8",
    )
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "2024-04"
    folder.mkdir()
    builders.xlsx(
        folder / "卧龙镇.xlsx",
        [
            ["卧龙镇2024年重点项目台账（1-4月）"],
            HEAD,
            [
                "WL-001",
                "卧龙镇污水处理厂",
                "续建",
                "市级、列入市考核",
                "基础设施",
                1200,
                500,
                123.5,
                "是",
                "2023-03",
                "主体完工",
            ],
            [
                "",
                "卧龙镇农产品冷链物流中心",
                "新建",
                "区级",
                "农业农村",
                4300,
                1200,
                0,
                "否",
                "2024-06",
                "前期",
            ],
        ],
    )
    builders.xlsx(
        folder / "尹集乡.xlsx",
        [
            ["尹集乡2024年重点项目台账（1-4月）"],
            HEAD,
            ["", "尹集物流园", "续建", "省级", "服务业", 30000, 8000, 2600, "是", "", "施工"],
        ],
    )
    code, _, err = run_cli(
        capsysbinary, "merge", str(folder), "-o", str(tmp_path / "2024-04汇总.xlsx")
    )
    assert code in (0, 1), err
    return tmp_path


def _forms(workspace: Path, capsysbinary) -> dict[str, Path]:
    code, _out, err = run_cli(
        capsysbinary, "template", "--period", "2024-05", "-o", str(workspace / "下发")
    )
    assert code == 0, err
    return {p.name.split("2024")[0]: p for p in (workspace / "下发").iterdir()}


def test_each_unit_gets_its_own_prefilled_form(workspace, capsysbinary):
    forms = _forms(workspace, capsysbinary)
    assert set(forms) == {"卧龙镇", "尹集乡", "欧庙镇"}  # 欧庙镇: on the roster, no history
    wb = openpyxl.load_workbook(forms["卧龙镇"])
    assert wb.sheetnames == ["台账", "节点", "填表说明"]
    ws = wb["台账"]
    assert ws["A1"].value == "卧龙镇2024年重点项目推进台账（1-5月）"
    heads = [c.value for c in ws[3]]
    rows = [dict(zip(heads, (c.value for c in r), strict=True)) for r in ws.iter_rows(min_row=4)]
    first, second = rows[0], rows[1]
    assert (first["项目编码"], first["项目名称"], first["项目类别"]) == (
        "WL-001",
        "卧龙镇污水处理厂",
        "续建",
    )
    assert first["上月累计完成投资（万元）"] == 123.5 and first["累计完成投资（万元）"] is None
    assert second["项目编码"] == project_code("卧龙镇", "卧龙镇农产品冷链物流中心")
    assert ws.column_dimensions["A"].hidden  # the code column
    assert "2024年6月5日" in wb["填表说明"]["A2"].value
    empty = openpyxl.load_workbook(forms["欧庙镇"])["台账"]
    assert [c.value for c in empty[3]] == heads and empty["C4"].value is None


def test_validation_and_protection(workspace, capsysbinary):
    ws = openpyxl.load_workbook(_forms(workspace, capsysbinary)["卧龙镇"])["台账"]
    assert ws.protection.sheet
    heads = [c.value for c in ws[3]]
    name_col = heads.index("项目名称") + 1
    ytd_col = heads.index("累计完成投资（万元）") + 1
    assert ws.cell(row=4, column=name_col).protection.locked
    assert not ws.cell(row=4, column=ytd_col).protection.locked
    rules = {str(dv.sqref).split(":")[0][:1]: dv for dv in ws.data_validations.dataValidation}
    letter = openpyxl.utils.get_column_letter
    assert (
        rules[letter(ytd_col)].type == "decimal"
        and rules[letter(ytd_col)].operator == "greaterThanOrEqual"
    )
    assert rules[letter(heads.index("是否开工") + 1)].formula1 == '"是,否"'
    assert rules[letter(heads.index("项目类别") + 1)].formula1 == '"续建,新建,前期,竣工"'


def test_a_filled_form_merges_back_exactly(workspace, capsysbinary):
    forms = _forms(workspace, capsysbinary)
    month = workspace / "2024-05"
    month.mkdir()
    for unit, path in forms.items():
        wb = openpyxl.load_workbook(path)
        ws = wb["台账"]
        heads = [c.value for c in ws[3]]
        col = {h: heads.index(h) + 1 for h in heads}
        for r in range(4, ws.max_row + 1):
            if ws.cell(row=r, column=col["项目名称"]).value:
                last = ws.cell(row=r, column=col["上月累计完成投资（万元）"]).value or 0
                ws.cell(row=r, column=col["本月完成投资（万元）"]).value = 100
                ws.cell(row=r, column=col["累计完成投资（万元）"]).value = last + 100
                ws.cell(row=r, column=col["是否开工"]).value = "是"
                ws.cell(row=r, column=col["形象进度"]).value = "按计划推进"
        if unit == "欧庙镇":  # a unit adds a project in an empty row
            ws.cell(row=4, column=col["项目名称"]).value = "欧庙镇游客中心"
            ws.cell(row=4, column=col["年度计划投资（万元）"]).value = 300
            ws.cell(row=4, column=col["累计完成投资（万元）"]).value = 50
        wb.save(month / f"{unit}.xlsx")
    result = merge_paths([month], settings=Settings(region="襄城区"))
    assert result.period.key == "2024-05"
    assert [f.status for f in result.files] == ["merged"] * 3
    by = {p.name: p for p in result.projects}
    assert set(by) == {
        "卧龙镇污水处理厂",
        "卧龙镇农产品冷链物流中心",
        "尹集物流园",
        "欧庙镇游客中心",
    }
    assert by["卧龙镇污水处理厂"].code == "WL-001"
    assert str(by["卧龙镇污水处理厂"].ytd_completed) == "223.5"
    assert str(by["尹集物流园"].last_ytd) == "2600" and by["尹集物流园"].unit == "尹集乡"
    assert by["卧龙镇农产品冷链物流中心"].level == "区级" and by["尹集物流园"].started is True
    got = figures(result.projects, Period(2024, 5), Settings())
    assert got["overall"]["ytd_completed"] == 223.5 + 100 + 2700 + 50
    assert not [i for i in result.issues if i.severity == "error"]
    _code, out, _ = run_cli(
        capsysbinary, "merge", str(month), "-o", str(workspace / "5.xlsx"), "--json"
    )
    issues = json.loads(out)["issues"]
    assert not [i for i in issues if i["code"] in ("project-missing", "ytd-decreased")]


def test_a_form_carries_last_month_forward_and_has_room_for_new_projects(workspace, capsysbinary):
    """包抓领导, 是否开工 and 计划开工时间 come from last month's record; a unit can add projects
    below the bordered rows as far as it needs, each cell open and checked."""
    folder = workspace / "2024-05"
    folder.mkdir()
    builders.xlsx(
        folder / "卧龙镇.xlsx",
        [
            ["卧龙镇2024年重点项目台账（1-5月）"],
            [*HEAD, "包抓领导"],
            ["WL-001", "卧龙镇污水处理厂", "续建", "市级", "基础设施", 1200, 500, 150, "是",
             "2023-03", "主体完工", "王建国"],
            ["", "卧龙镇农产品冷链物流中心", "新建", "区级", "农业农村", 4300, 1200, 0, "否",
             "2024-06", "前期", "李明"],
        ],
    )  # fmt: skip
    code, _, err = run_cli(capsysbinary, "merge", str(folder), "-o", str(workspace / "5.xlsx"))
    assert code in (0, 1), err
    code, _, err = run_cli(
        capsysbinary, "template", "--period", "2024-06", "--unit", "卧龙镇", "-o", "六月"
    )
    assert code == 0, err
    (form,) = (workspace / "六月").iterdir()
    ws = openpyxl.load_workbook(form)["台账"]
    heads = [c.value for c in ws[3]]
    rows = [dict(zip(heads, (c.value for c in r), strict=True)) for r in ws.iter_rows(min_row=4)]
    got = [(r["项目名称"], r["包抓领导"], r["是否开工"], r["计划开工时间"]) for r in rows[:2]]
    assert got == [
        ("卧龙镇污水处理厂", "王建国", "是", "2023-03"),
        ("卧龙镇农产品冷链物流中心", "李明", "否", "2024-06"),
    ]
    # far below the ten bordered rows: still open (the column's own style), still checked
    letter = openpyxl.utils.get_column_letter
    for col in (heads.index("项目名称") + 1, heads.index("累计完成投资（万元）") + 1):
        assert not _column_locked(form, col)
    far = f"{letter(heads.index('累计完成投资（万元）') + 1)}{4 + 2 + 10 + 500}"
    rules = [dv for dv in ws.data_validations.dataValidation if dv.type == "decimal"]
    assert any(far in dv.sqref for dv in rules)


def _column_locked(form: Path, col: int) -> bool:
    """Whether the empty cells of a column (its <col> style) are locked: Excel's default."""
    import re
    import zipfile

    with zipfile.ZipFile(form) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        styles = z.read("xl/styles.xml").decode()
    cols = re.findall(r'<col min="(\d+)" max="(\d+)"[^>]*?style="(\d+)"', sheet)
    index = next(int(st) for lo, hi, st in cols if int(lo) <= col <= int(hi))
    xfs = re.search(r"<cellXfs[^>]*>(.*?)</cellXfs>", styles, re.S).group(1)
    xf = re.findall(r"<xf\b[^>]*/>|<xf\b[^>]*>.*?</xf>", xfs, re.S)[index]
    return 'locked="0"' not in xf


def test_a_unit_nobody_knows_is_an_error_that_lists_the_units(workspace):
    from ledgerkit.errors import UnknownUnit
    from ledgerkit.pipeline import template
    from ledgerkit.settings import load_settings

    settings = load_settings()
    with pytest.raises(UnknownUnit) as exc:
        template(settings, workspace, Period(2024, 5), workspace / "下发", ["卧龙镇", "不存在"])
    assert exc.value.unknown == ["不存在"] and exc.value.known == ["卧龙镇", "尹集乡", "欧庙镇"]
    assert "单位名册" in str(exc.value) and "卧龙镇、尹集乡、欧庙镇" in str(exc.value)
    assert not (workspace / "下发").exists()  # nothing written for the units that are known
    written = template(settings, workspace, Period(2024, 5), workspace / "下发", [" 尹集乡"])
    assert [p.name for p in written] == ["尹集乡2024年1-5月重点项目台账.xlsx"]


HOSTILE_UNITS = [
    "../../escaped",
    "/tmp/absolute",
    "C:\\Windows\\x",
    'a/b\\c:d*e?f"g<h>i|j',
    "..",
    "CON",
    "a_b",
    "a/b",  # sanitises to a_b too
    "A_B",  # the same name on Windows, which ignores case
    "镇" * 300,  # longer than a file name may be
]


def test_unit_text_never_leaves_the_output_folder(tmp_path):
    from ledgerkit.forms import write_forms

    folder = tmp_path / "deep" / "下发"
    written = write_forms([], HOSTILE_UNITS, Period(2024, 5), Settings(), folder)
    inside = sorted(p.relative_to(folder) for p in folder.rglob("*"))
    assert inside == sorted(Path(p.name) for p in written)  # every file directly in -o
    assert not (tmp_path / "escaped2024年1-5月重点项目台账.xlsx").exists()
    assert len({p.name.casefold() for p in written}) == len(HOSTILE_UNITS)  # none overwritten
    titles = [openpyxl.load_workbook(p)["台账"]["A2"].value for p in written]
    assert titles == [f"填报单位：{u}" for u in HOSTILE_UNITS]  # each form is its unit's
    names = [p.name for p in written]
    assert "a_b_c_d_e_f_g_h_i_j2024年1-5月重点项目台账.xlsx" in names
    assert "a_b2024年1-5月重点项目台账（2）.xlsx" in names
    assert "A_B2024年1-5月重点项目台账（3）.xlsx" in names  # Windows: a_b and A_B are one
    assert all(len(n.encode()) <= 255 for n in names)


@pytest.mark.parametrize(
    ("text", "stem"),
    [
        ("CON", "_CON"),
        ("nul.tar", "_nul.tar"),
        ("com1 ", "_com1"),
        ("LPT9.x", "_LPT9.x"),
        ("CONSOLE", "CONSOLE"),  # only the device names themselves are reserved
        ("..", "未命名"),
        ("", "未命名"),
        (" . 卧龙镇. ", "卧龙镇"),
        ("C:\\x", "C__x"),
        ("../../x", "_.._x"),
        ("a\x00b\x1b", "a_b_"),
    ],
)
def test_file_stem_is_a_plain_name_on_windows(text, stem):
    from ledgerkit.output import file_stem

    assert file_stem(text) == stem
