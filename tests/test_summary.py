"""The summary workbook, read back: values as shown, number formats, fills, print set-up,
the chart; and `report` on a merged ledger, also after the clerk corrected it by hand."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import builders
import openpyxl
import pytest
from builders import run_cli, seed_000_rows

SHEETS = [
    "总体情况",
    "分单位",
    "分类别",
    "分级别",
    "分行业",
    "分投资规模",
    "滞后项目",
    "项目明细",
    "问题清单",
    "文件情况",
]


@pytest.fixture
def seed_book(tmp_path: Path, capsysbinary) -> Path:
    folder = tmp_path / "2009-04"
    folder.mkdir()
    builders.xlsx(folder / "襄城区.xlsx", seed_000_rows(), ["A1:L1"])
    out = tmp_path / "2009-04汇总.xlsx"
    code, _, err = run_cli(capsysbinary, "merge", str(folder), "-o", str(out), "--region", "襄城区")
    assert code in (0, 1), err
    return out


def _rows(ws, key: int = 1) -> dict[str, dict]:
    heads = [c.value for c in ws[2]]
    return {
        row[key].value: dict(zip(heads, row, strict=True))
        for row in ws.iter_rows(min_row=3)
        if row[key].value is not None
    }


def test_sheet_order_and_titles(seed_book):
    wb = openpyxl.load_workbook(seed_book)
    assert wb.sheetnames == SHEETS
    assert wb["分单位"]["A1"].value == "襄城区2009年1-4月重点项目推进情况（分单位）  金额单位：亿元"
    assert wb["项目明细"]["A1"].value == "襄城区2009年1-4月重点项目汇总台账"


def test_overview_as_the_bulletin_reads_it(seed_book):
    ws = openpyxl.load_workbook(seed_book)["总体情况"]
    values = {r[0].value: r[1] for r in ws.iter_rows(min_row=3)}
    assert values["项目个数"].value == 30
    assert values["其中"].value == "续建3个，新建27个"
    assert values["总投资"].value == 122 and values["年度计划投资"].value == 40
    assert (
        values["开工率"].value == pytest.approx(0.833) and values["开工率"].number_format == "0.0%"
    )
    assert values["累计完成投资"].value == 7.7
    assert values["年度投资完成率"].value == 0.193  # 19.25% rounded half up, as shown
    assert values["与时间进度差"].value == -14.1


def test_units_ranked_with_status_fills(seed_book):
    rows = _rows(openpyxl.load_workbook(seed_book)["分单位"])
    assert [r["排名"].value for r in rows.values()] == [1, 2, 2, 4, 5]
    assert rows["庞公街道"]["完成率"].value == 0.444
    tanxi = rows["檀溪街道"]
    assert tanxi["状态"].value == "滞后"  # 7.6% against 33.3%: 25.7 points behind (10-30)
    assert tanxi["状态"].fill.fgColor.rgb.endswith("FFEB9C")
    assert tanxi["完成率"].fill.fgColor.rgb.endswith("FFEB9C")
    assert rows["尹集乡"]["状态"].value == "正常"
    assert rows["尹集乡"]["年度计划投资（亿元）"].value == 6.4
    assert rows["尹集乡"]["年度计划投资（亿元）"].number_format == "#,##0.00"


def test_level_and_band_sheets(seed_book):
    wb = openpyxl.load_workbook(seed_book)
    levels = _rows(wb["分级别"])
    assert levels["列入市考核"]["项目个数"].value == 8
    assert levels["列入市考核"]["总投资（亿元）"].value == 41.1
    assert levels["列入市考核"]["完成率"].value == 0.328
    assert set(_rows(wb["分投资规模"])) == {"5-10亿元", "1-5亿元"}


def test_lagging_list_names_projects(seed_book):
    rows = _rows(openpyxl.load_workbook(seed_book)["滞后项目"], key=2)
    assert len(rows) == 20 and all(r["状态"].value in ("滞后", "严重滞后") for r in rows.values())
    never = [r for r in rows.values() if "至今未开工" in (r["原因"].value or "")]
    assert len(never) == 3 and never[0]["状态"].value == "严重滞后"
    assert never[0]["状态"].fill.fgColor.rgb.endswith("FFC7CE")


def test_print_setup_on_every_sheet(seed_book):
    wb = openpyxl.load_workbook(seed_book)
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
        assert ws.print_title_rows == "$1:$2" and ws.freeze_panes == "A3"
        # the detail sheet prints three pages across at a readable size; a summary on one
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert (ws.page_setup.fitToWidth or 1) == (3 if ws.title == "项目明细" else 1)


def test_native_chart_of_rates_against_time_progress(seed_book):
    with zipfile.ZipFile(seed_book) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        xml = z.read(charts[0]).decode("utf-8")
    assert len(charts) == 1
    assert "<c:barChart>" in xml and "<c:lineChart>" in xml
    assert "分单位!$I$3:$I$7" in xml and "分单位!$J$3:$J$7" in xml


def test_report_json_from_the_merged_ledger(seed_book, capsysbinary):
    code, out, _ = run_cli(capsysbinary, "report", str(seed_book), "--json", "--region", "襄城区")
    data = json.loads(out)
    assert code in (0, 1)
    assert data["overall"]["projects"] == 30 and data["overall"]["total_investment"] == 1220000
    assert data["overall"]["completion_rate"] == 0.1925
    assert data["period"]["key"] == "2009-04"  # from the file name
    assert next(u["name"] for u in data["by_unit"]) == "庞公街道"


def test_report_after_a_correction_by_hand(seed_book, tmp_path, capsysbinary):
    wb = openpyxl.load_workbook(seed_book)
    ws = wb["项目明细"]
    heads = [c.value for c in ws[2]]
    col = heads.index("累计完成投资（万元）") + 1
    ws.cell(row=3, column=col).value = 15250  # 项目01: 5250 -> 15250
    corrected = tmp_path / "改过的2009-04汇总.xlsx"
    wb.save(corrected)
    out = tmp_path / "again.xlsx"
    _code, stdout, _ = run_cli(capsysbinary, "report", str(corrected), "--json", "--xlsx", str(out))
    data = json.loads(stdout)
    assert data["overall"]["ytd_completed"] == 87000
    ws2 = openpyxl.load_workbook(out)["总体情况"]
    values = {r[0].value: r[1].value for r in ws2.iter_rows(min_row=3)}
    assert values["累计完成投资"] == 8.7


def test_init_makes_a_workspace_that_later_commands_find(tmp_path, capsysbinary, monkeypatch):
    code, out, _ = run_cli(capsysbinary, "init", str(tmp_path / "ws"), "--region", "谷城县")
    assert code == 0 and "ledgerkit.toml" in out
    month = tmp_path / "ws" / "2009-04"
    month.mkdir()
    builders.xlsx(month / "a.xlsx", seed_000_rows())
    monkeypatch.chdir(month)  # the workspace is found from a sub-folder
    code, out, _ = run_cli(capsysbinary, "merge", ".", "-o", str(tmp_path / "o.xlsx"))
    assert openpyxl.load_workbook(tmp_path / "o.xlsx")["总体情况"]["A1"].value.startswith(
        "谷城县2009年"
    )
    code, _, err = run_cli(capsysbinary, "init", str(tmp_path / "ws"))
    assert code == 3 and "已存在" in err
