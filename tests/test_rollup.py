"""Roll-up: a city merges its districts' merged ledgers and gets the same figures as merging
every unit's file at once, plus a 县区 level to slice by."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from builders import month_figures as figures
from builders import run_cli

from ledgerkit.period import Period
from ledgerkit.pipeline import merge_paths
from ledgerkit.settings import Settings

SAMPLES = Path(__file__).parent.parent / "samples" / "2024-04"
DISTRICTS = {
    "襄城区": ["卧龙镇.xlsx", "尹集乡.xlsx", "庞公街道.xls", "欧庙镇.xls"],
    "樊城区": [
        "区交通运输局.csv",
        "檀溪街道.xlsx",
        "襄城经济开发区.xlsx",
        "隆中街道.xlsx",
        "余家湖街道.xlsx",
    ],
}
SLICES = ("by_unit", "by_category", "by_level", "by_sector", "by_band")
KEYS = ("projects", "started", "total_investment", "annual_plan", "ytd_completed")


@pytest.fixture
def city(tmp_path: Path, capsysbinary) -> dict:
    outputs = []
    for district, names in DISTRICTS.items():
        folder = tmp_path / district / "2024-04"
        folder.mkdir(parents=True)
        for name in names:
            shutil.copy(SAMPLES / name, folder / name)
        out = tmp_path / "市" / f"{district}2024-04汇总.xlsx"
        code, _, err = run_cli(
            capsysbinary, "merge", str(folder), "-o", str(out), "--region", district
        )
        assert code in (0, 1), err
        outputs.append(out)
    rolled = merge_paths(outputs, Period(2024, 4))
    at_once = merge_paths([SAMPLES], Period(2024, 4))
    period = Period(2024, 4)
    return {
        "rolled": rolled,
        "at_once": at_once,
        "outputs": outputs,
        "f_rolled": figures(rolled.projects, period, Settings(region="襄阳市")),
        "f_at_once": figures(at_once.projects, period, Settings(region="襄阳市")),
    }


def _table(slices: list[dict]) -> dict:
    return {s["name"]: tuple(s[k] for k in KEYS) for s in slices}


def test_same_totals_and_slices_as_merging_every_unit_at_once(city):
    a, b = city["f_rolled"], city["f_at_once"]
    assert tuple(a["overall"][k] for k in KEYS) == tuple(b["overall"][k] for k in KEYS)
    assert a["overall"]["projects"] == 45
    for key in SLICES:
        assert _table(a[key]) == _table(b[key]), key
    assert [s["name"] for s in a["by_unit"]] == [s["name"] for s in b["by_unit"]]


def test_values_survive_the_round_trip(city):
    def rows(result):
        return sorted(
            (
                p.unit,
                p.name,
                p.total_investment,
                p.annual_plan,
                p.ytd_completed,
                p.started,
                p.category,
                p.level,
                p.planned_start,
            )
            for p in result.projects
        )

    assert rows(city["rolled"]) == rows(city["at_once"])


def test_the_district_is_a_level_above_the_unit(city, capsysbinary, tmp_path):
    by_district = _table(city["f_rolled"]["by_district"])
    assert set(by_district) == {"襄城区", "樊城区"}
    assert sum(v[0] for v in by_district.values()) == 45
    files = {f.label: f for f in city["rolled"].files}
    assert {f.ledger.unit for f in files.values()} == {"襄城区", "樊城区"}
    out = tmp_path / "襄阳市汇总.xlsx"
    run_cli(
        capsysbinary,
        "merge",
        *map(str, city["outputs"]),
        "-o",
        str(out),
        "--period",
        "2024-04",
        "--region",
        "襄阳市",
    )
    wb = openpyxl.load_workbook(out)
    assert "分县区" in wb.sheetnames
    heads = [c.value for c in wb["项目明细"][2]]
    assert "县区" in heads and "原来源文件" in heads and heads.count("来源文件") == 1
    district = {
        r[heads.index("项目名称")].value: r[heads.index("县区")].value
        for r in wb["项目明细"].iter_rows(min_row=3)
    }
    assert district["襄阳绿能新材料产业园项目"] in ("襄城区", "樊城区")


def test_the_same_unit_name_in_two_districts_is_told_apart(tmp_path, capsysbinary):
    outputs = []
    for district in ("襄城区", "樊城区"):
        folder = tmp_path / district / "2024-04"
        folder.mkdir(parents=True)
        shutil.copy(SAMPLES / "卧龙镇.xlsx", folder / "卧龙镇.xlsx")
        out = tmp_path / f"{district}汇总.xlsx"
        run_cli(capsysbinary, "merge", str(folder), "-o", str(out), "--region", district)
        outputs.append(out)
    got = figures(merge_paths(outputs, Period(2024, 4)).projects, Period(2024, 4), Settings())
    assert sorted(s["name"] for s in got["by_unit"]) == ["卧龙镇（樊城区）", "卧龙镇（襄城区）"]


def test_a_folder_of_merged_workbooks_only_is_a_roll_up(city):
    folder = city["outputs"][0].parent  # 市/, holding the two districts' merged workbooks
    rolled = merge_paths([folder], Period(2024, 4))
    books = [f for f in rolled.files if f.path.suffix == ".xlsx"]  # (the store is there too)
    assert len(rolled.projects) == 45 and {f.status for f in books} == {"merged"}


def test_an_output_saved_in_the_month_folder_is_never_merged_again(tmp_path):
    from ledgerkit import pipeline

    folder = tmp_path / "2024-04"
    shutil.copytree(SAMPLES, folder)
    settings = Settings(region="襄城区")
    first = pipeline.merge([folder], settings, output=folder / "2024-04汇总.xlsx")
    (folder / "2024-04汇总.xlsx").rename(folder / "四月定稿.xlsx")  # told by content, not name
    second = pipeline.merge([folder], settings, output=folder / "2024-04汇总.xlsx")
    third = pipeline.merge([folder], settings, output=tmp_path / "x.xlsx")
    assert len(first.result.projects) == len(second.result.projects) == 45
    assert len(third.result.projects) == 45  # not 90, not 135
    skipped = {f.label: f for f in third.result.files if f.status == "skipped"}
    for name in ("四月定稿.xlsx", "2024-04汇总.xlsx"):
        assert "ledgerkit 写出的汇总表" in skipped[name].reason
        assert [i.code for i in skipped[name].issues] == ["file-skipped"]
    rolled = pipeline.merge_paths([folder / "四月定稿.xlsx"], Period(2024, 4))  # named: taken
    assert len(rolled.projects) == 45


def test_a_units_ledger_named_like_an_output_is_merged(tmp_path):
    folder = tmp_path / "2024-04"
    folder.mkdir()
    shutil.copy(SAMPLES / "卧龙镇.xlsx", folder / "卧龙镇汇总.xlsx")
    shutil.copy(SAMPLES / "尹集乡.xlsx", folder / "尹集乡.xlsx")
    result = merge_paths([folder], Period(2024, 4))
    assert all(f.status == "merged" for f in result.files)
