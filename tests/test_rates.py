"""The honest rates: 开工率 both ways, 竣工率/投产率/复工率 from optional columns, the bands
with their share and 同比, the share of the region's fixed-asset plan."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import builders
from builders import month_figures, run_cli

from ledgerkit.period import Period
from ledgerkit.pipeline import merge_paths
from ledgerkit.rates import band_summary, fixed_asset_share, stage_rates
from ledgerkit.settings import Settings

SAMPLES = Path(__file__).parent.parent / "samples" / "2024-04"


def test_start_rate_over_all_projects_or_without_the_preliminary_ones():
    result = merge_paths([SAMPLES])
    period = Period.parse("2024-04")
    # the samples: 45 projects, 34 started, 5 of them 前期 (none started)
    every = month_figures(result.projects, period, Settings())["overall"]
    assert (every["started"], every["start_base"]) == (34, 45)
    assert round(every["start_rate"] * 1000) == 756  # 75.6%
    without = month_figures(result.projects, period, Settings(start_rate_base="不含前期"))
    assert (without["overall"]["started"], without["overall"]["start_base"]) == (34, 40)
    assert round(without["overall"]["start_rate"] * 1000) == 850  # 85.0%
    # a target count handed down still wins over both
    target = month_figures(result.projects, period, Settings(start_target=40))["overall"]
    assert target["start_base"] == 40


HEAD = ["项目名称", "项目类别", "总投资", "年度计划投资", "累计完成投资", "是否开工"]
STAGES = [*HEAD, "计划竣工时间", "是否竣工", "实际竣工时间", "是否投产", "是否停工", "是否复工"]


def test_stage_rates_count_only_the_projects_due(tmp_path):
    rows = [
        # due to finish by June (planned 2024-05), finished, in production
        ["甲", "续建", 1000, 300, 100, "是", "2024-05", "是", "", "是", "", "是"],
        # due (planned 2024-06), not finished
        ["乙", "续建", 1000, 300, 100, "是", "2024-06", "否", "", "", "", "是"],
        # 收尾 list: due whatever its date; finished by an actual date, not in production yet
        ["丙", "收尾", 1000, 300, 100, "是", "2024-12", "", "2024-03-20", "否", "", ""],
        # not due (2025), finished early: counted as due and done
        ["丁", "续建", 1000, 300, 100, "是", "2025-06", "已竣工", "", "", "", ""],
        # not due, not finished: not in 竣工率 at all; stopped and not back
        ["戊", "新建", 1000, 300, 100, "是", "2025-12", "否", "", "", "是", "否"],
        # a word the flags do not know: a warning with its cell, and no value
        ["己", "新建", 1000, 300, 100, "是", "2025-12", "差不多", "", "", "", ""],
    ]
    path = builders.xlsx(
        tmp_path / "卧龙镇.xlsx", [["卧龙镇2024年重点项目台账（1-6月）"], STAGES, *rows]
    )
    result = merge_paths([path], Period.parse("2024-06"))
    assert [(i.code, i.cell) for i in result.issues if i.code == "bad-flag"] == [("bad-flag", "H8")]
    stages = stage_rates(result.projects, Period.parse("2024-06"))
    # 竣工: due = 甲, 乙 (planned by June), 丙 (收尾), 丁 (finished early) = 4; done 甲, 丙, 丁 = 3
    assert (stages["finish"]["due"], stages["finish"]["done"]) == (4, 3)
    # 投产: over the finished ones (甲, 丙, 丁): 甲 only
    assert (stages["production"]["due"], stages["production"]["done"]) == (3, 1)
    # 复工: 甲, 乙 stated 是, 戊 stopped with 否 → 2 of 3
    assert (stages["resume"]["due"], stages["resume"]["done"]) == (3, 2)
    # a ledger without those columns: no rate at all, never 0%
    plain = merge_paths([SAMPLES])
    assert stage_rates(plain.projects, Period.parse("2024-04")) == {
        "finish": None,
        "production": None,
        "resume": None,
    }


def test_bands_with_their_share_and_the_year_before(tmp_path):
    def ledger(folder: Path, totals: list[int]) -> list:
        rows = [[f"项目{n}", "续建", t, 100, 10, "是"] for n, t in enumerate(totals)]
        path = builders.xlsx(folder / "卧龙镇.xlsx", [["卧龙镇重点项目台账"], HEAD, *rows])
        return list(merge_paths([path], Period.parse("2024-04")).projects)

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    # this year: 12亿 (10亿元以上), 6亿, 2亿, 1亿 (1-5: a boundary belongs to the band above),
    # 0.5亿 → total 21.5亿 = 215000 万元
    now = ledger(tmp_path / "a", [120000, 60000, 20000, 10000, 5000])
    before = ledger(tmp_path / "b", [20000, 5000, 3000])
    bands = band_summary(now, Settings(), before)
    rows = {b["name"]: b for b in bands["bands"]}
    assert [rows[k]["projects"] for k in ("10亿元以上", "5-10亿元", "1-5亿元", "1亿元以下")] == [
        1,
        1,
        2,
        1,
    ]
    assert rows["10亿元以上"]["share"] == Decimal(120000) / 215000
    assert rows["1-5亿元"]["change"] == 1 and rows["1亿元以下"]["change"] == -1  # 2 - 1, 1 - 2
    # 亿元以上: 4 projects, 210000 of 215000 = 97.7%
    assert bands["above"]["projects"] == 4 and bands["above"]["share"] == Decimal(210000) / 215000
    assert band_summary(now, Settings())["bands"][0]["change"] is None  # no last year stored


def test_the_share_of_the_fixed_asset_plan():
    overall = {"annual_plan": Decimal(240000), "ytd_completed": Decimal(60000)}
    assert fixed_asset_share(overall, Settings()) is None
    share = fixed_asset_share(overall, replace(Settings(), fixed_asset_plan=Decimal(400000)))
    assert share is not None and share["share"] == Decimal("0.6")  # 24亿 of 40亿


def test_the_bulletin_says_which_start_rate_and_the_bands(tmp_path, capsysbinary, monkeypatch):
    (tmp_path / "ledgerkit.toml").write_text(
        'region = "襄城区"\n[start_rate]\nbase = "不含前期"\n[fixed_asset]\nplan = 40\nunit = "亿元"\n',
        "utf-8",
    )
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsysbinary, "merge", str(SAMPLES), "-o", "m.xlsx")
    assert code == 1, err  # the samples carry errors on purpose
    code, out, _ = run_cli(capsysbinary, "report", "m.xlsx", "--format", "md")
    assert code == 1
    assert "开工率85.0%（按全部项目扣除前期（储备）项目计算）" in out
    assert "1亿元以上项目18个，占总投资的86.6%" in out
    # 23.00亿 of 40亿 = 57.5%
    assert "占全区计划固定资产投资规模（40亿元）的57.5%" in out
    _, out, _ = run_cli(capsysbinary, "report", "m.xlsx", "--json")
    data = json.loads(out)
    assert data["start_rule"] == "按全部项目扣除前期（储备）项目计算"
    assert data["fixed_asset"]["plan"] == 400000


def test_bands_year_on_year_through_the_store(tmp_path, capsysbinary, monkeypatch):
    (tmp_path / "ledgerkit.toml").write_text('region = "襄城区"\n', "utf-8")
    monkeypatch.chdir(tmp_path)
    for year, totals in ((2023, [20000, 5000]), (2024, [120000, 20000, 30000])):
        folder = tmp_path / f"{year}-04"
        folder.mkdir()
        rows = [[f"项目{n}", "续建", t, 100, 10, "是"] for n, t in enumerate(totals)]
        builders.xlsx(folder / "卧龙镇.xlsx", [["卧龙镇重点项目台账"], HEAD, *rows])
        code, _, err = run_cli(capsysbinary, "merge", str(folder), "-o", f"{year}-04汇总.xlsx")
        assert code == 0, err
    code, out, err = run_cli(capsysbinary, "report", "2024-04汇总.xlsx", "--format", "md")
    assert code == 0, err
    # 2024: one of 10亿+ (none in 2023), two of 1-5亿 (one in 2023), none under 1亿 (one)
    assert (
        "10亿元以上项目1个（同比增加1个），1-5亿元项目2个（同比增加1个），"
        "1亿元以下项目0个（同比减少1个）；"
        "1亿元以上项目3个，占总投资的100.0%" in out
    )


def test_a_wider_period_takes_no_workbook_options(tmp_path, capsysbinary, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsysbinary, "report", "--period", "2024-Q2", "--lists")
    assert code == 2 and "三个清单也按月出" in err.replace("\n", "")
