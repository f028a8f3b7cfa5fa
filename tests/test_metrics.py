"""The figures, checked on seeds/000 (襄城区, 1-4月): a whole monthly bulletin's numbers."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import builders
import pytest

from ledgerkit.fmt import pct, points, yi
from ledgerkit.metrics import Period, band_of, figures, level_tags, to_json
from ledgerkit.pipeline import merge_paths
from ledgerkit.settings import Settings

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


@pytest.fixture
def seed(tmp_path: Path) -> dict:
    folder = tmp_path / "2009-04"
    folder.mkdir()
    builders.xlsx(folder / "襄城区.xlsx", seed_000_rows(), ["A1:L1"])
    result = merge_paths([folder])
    return figures(result.projects, Period(2009, 4), Settings(region="襄城区"))


def _by(slices: list[dict], name: str) -> dict:
    return next(s for s in slices if s["name"] == name)


def test_the_portfolio(seed):
    o = seed["overall"]
    assert o["projects"] == 30
    assert (
        _by(seed["by_category"], "续建")["projects"],
        _by(seed["by_category"], "新建")["projects"],
    ) == (3, 27)
    assert o["total_investment"] == Decimal(1220000) and yi(o["total_investment"]) == "122"
    assert o["annual_plan"] == Decimal(400000) and yi(o["annual_plan"]) == "40"


def test_progress_against_time(seed):
    o = seed["overall"]
    assert o["started"] == 25 and pct(o["start_rate"]) == "83.3%"
    assert yi(o["ytd_completed"]) == "7.7"
    assert o["completion_rate"] == Decimal("0.1925") and pct(o["completion_rate"]) == "19.3%"
    assert pct(seed["time_progress"]) == "33.3%"
    assert points(o["gap"]) == "-14.1个百分点"  # 19.25 - 33.33 = -14.08
    assert o["status"] == "滞后"


def test_the_city_list_and_its_assessed_projects(seed):
    city = _by(seed["by_level"], "市级")
    assert (city["projects"], yi(city["total_investment"]), yi(city["annual_plan"])) == (
        10,
        "49.9",
        "13.7",
    )
    assessed = _by(seed["by_level"], "列入市考核")
    assert (
        assessed["projects"],
        yi(assessed["total_investment"]),
        yi(assessed["annual_plan"]),
    ) == (8, "41.1", "12.8")
    assert yi(assessed["ytd_completed"]) == "4.2" and pct(assessed["completion_rate"]) == "32.8%"
    assert _by(seed["by_level"], "区级")["projects"] == 20
    assert [s["name"] for s in seed["by_level"]][:3] == ["市级", "区级", "列入市考核"]


def test_units_ranked_by_completion_rate_from_sums(seed):
    ranks = {s["name"]: (s["rank"], pct(s["completion_rate"])) for s in seed["by_unit"]}
    assert ranks == {
        "庞公街道": (1, "44.4%"),  # 4000 / 9000
        "尹集乡": (2, "32.8%"),  # equal rates share a rank ...
        "卧龙镇": (2, "32.8%"),
        "欧庙镇": (4, "16.0%"),  # ... and the next rank is skipped
        "檀溪街道": (5, "7.6%"),  # 10000 / 131500
    }
    assert [s["name"] for s in seed["by_unit"]] == [
        "庞公街道",
        "尹集乡",
        "卧龙镇",
        "欧庙镇",
        "檀溪街道",
    ]


def test_lagging_projects_and_reasons(seed):
    lag = {p["name"]: p for p in seed["lagging"]}
    # all 20 区级 projects are far behind (done ≤ 3000 of 13150 = 22.8% < 33.3% - 10)
    never = [p for p in lag.values() if p["reason"].startswith("计划")]
    assert len(never) == 3  # not started after a planned start in March; two plan June
    assert never[0]["status"] == "严重滞后" and "2009年3月" in never[0]["reason"]
    assert seed["overall"]["low"] == 20
    assert "项目01" not in lag


def test_bands_and_sectors(seed):
    bands = {s["name"]: s["projects"] for s in seed["by_band"]}
    assert bands == {"5-10亿元": 8, "1-5亿元": 22}  # 4.4亿 and 3.6亿 fall in 1-5亿元
    assert [s["name"] for s in seed["by_sector"]] == ["工业", "基础设施", "社会民生"]
    assert band_of(Decimal(100000), (Decimal(10), Decimal(5), Decimal(1))) == "10亿元以上"


def test_start_rate_against_a_target(tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    builders.xlsx(folder / "a.xlsx", seed_000_rows())
    result = merge_paths([folder])
    got = figures(result.projects, Period(2009, 4), Settings(start_target=20))
    assert pct(got["overall"]["start_rate"]) == "125.0%"  # 25 started against a target of 20


def test_level_tags_overlap_and_normalise():
    assert level_tags("省重点、列入市考核") == ["省级", "列入市考核"]
    assert level_tags("省A；市级") == ["省级", "市级"]
    assert level_tags(None) == []


def test_json_has_money_in_wan_and_rates_as_fractions(seed):
    data = to_json(seed)
    assert data["overall"]["total_investment"] == 1220000
    assert data["overall"]["completion_rate"] == 0.1925
    assert data["period"] == {"key": "2009-04", "year": 2009, "month": 4, "span": "1-4月"}
