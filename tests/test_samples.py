"""The bundled samples against the figures worked out by hand when they were built (golden pair:
samples/2024-04/ with samples/expected-2024-04.json)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from ledgerkit.metrics import breakdown, totals
from ledgerkit.pipeline import MonthRun, merge_paths

SAMPLES = Path(__file__).parent.parent / "samples"


@pytest.fixture(scope="module")
def merged():
    return merge_paths([SAMPLES / "2024-04"])


@pytest.fixture(scope="module")
def expected():
    return json.loads((SAMPLES / "expected-2024-04.json").read_text("utf-8"))


def _money(figures):
    keys = ("projects", "started", "total_investment", "annual_plan", "ytd_completed")
    return {k: Decimal(str(figures[k])) for k in keys}


def test_totals_match_the_hand_count(merged, expected):
    assert _money(totals(merged.projects)) == _money(expected)


def test_every_file_matches(merged, expected):
    got = {f.label: f for f in merged.files}
    for name, figures in expected["by_file"].items():
        mine = [p for p in merged.projects if p.source.file == name]
        assert _money(totals(mine)) == _money(figures), name
        assert got[name].status == "merged"
    assert got["~$卧龙镇.xlsx"].status == "skipped"


def test_every_category_matches(merged, expected):
    by_category = breakdown(merged.projects, "category")
    assert {k: _money(v) for k, v in by_category.items()} == {
        k: _money(v) for k, v in expected["by_category"].items()
    }


def test_the_findings_are_exactly_the_planted_ones(merged):
    found = {(i.code, i.file, i.cell) for i in merged.issues}
    assert found == {
        ("sheet-hidden", "尹集乡.xlsx", ""),
        ("bad-number", "檀溪街道.xlsx", "D9"),
        ("formula-column-no-value", "檀溪街道.xlsx", ""),
        ("completed-over-total", "襄城经济开发区.xlsx", "J8"),
        ("completed-over-plan", "襄城经济开发区.xlsx", "J8"),
        ("total-mismatch", "隆中街道.xlsx", "H5"),
        ("no-text-analysis", "隆中街道.xlsx", ""),
        ("duplicate-project", "卧龙镇.xlsx", "B11"),
        ("duplicate-project", "襄城经济开发区.xlsx", "B4"),
        ("category-from-sheet", "余家湖街道.xlsx", ""),
        ("sheet-view", "余家湖街道.xlsx", ""),
        ("sheet-set-aside", "余家湖街道.xlsx", ""),
    }
    said = {(i.code, i.sheet) for i in merged.issues if i.file == "余家湖街道.xlsx"}
    assert said == {
        ("category-from-sheet", "续建项目"),
        ("category-from-sheet", "加速开工"),
        ("sheet-view", "分行业"),
        ("sheet-set-aside", "汇总"),
    }


def test_units_come_from_column_line_title_or_name(merged):
    units = {f.label: (f.ledger.unit, f.ledger.unit_source) for f in merged.files if f.ledger}
    assert units["卧龙镇.xlsx"] == ("卧龙镇", "填报单位")
    assert units["襄城经济开发区.xlsx"] == ("襄城经济开发区", "标题")
    assert units["余家湖街道.xlsx"] == ("余家湖街道", "标题")


def test_json_summary_is_the_same_figures(merged, expected):
    data = MonthRun(merged).to_dict()
    assert data["period"] == "2024-04"
    assert Decimal(str(data["totals"]["ytd_completed"])) == Decimal(expected["ytd_completed"])
    assert sum(f["projects"] for f in data["files"]) == expected["projects"]
