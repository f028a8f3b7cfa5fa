"""The figures, checked on seeds/000 (襄城区, 1-4月): a whole monthly bulletin's numbers."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import builders
import pytest
from builders import month_figures as figures
from builders import seed_000_rows

from ledgerkit.fmt import pct, vs_time, yi
from ledgerkit.metrics import band_of, level_tags, to_json
from ledgerkit.period import Period
from ledgerkit.pipeline import merge_paths
from ledgerkit.settings import Settings


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
    assert vs_time(o["gap"]) == "低于时间进度14.1个百分点"  # 19.25 - 33.33 = -14.08
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
    # 省A and 省B are lists of their own under 省级 (issue 12): counted under both
    assert level_tags("省A；市级") == ["省级", "省A", "市级"]
    assert level_tags(None) == []


def test_json_has_money_in_wan_and_rates_as_fractions(seed):
    data = to_json(seed)
    assert data["overall"]["total_investment"] == 1220000
    assert data["overall"]["completion_rate"] == 0.1925
    assert data["period"] == {"key": "2009-04", "year": 2009, "month": 4, "span": "1-4月"}
