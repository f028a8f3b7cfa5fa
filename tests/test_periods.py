"""A stored half-year of months in a workspace: the quarter's own figures, worked by hand."""

from __future__ import annotations

import datetime as dt
import json
import os
from decimal import Decimal
from pathlib import Path

import builders
import pytest
from builders import run_cli
from docx import Document

from ledgerkit.period import Period
from ledgerkit.pipeline import merge, period_data, period_report
from ledgerkit.settings import load_settings

HEAD = [
    "项目名称",
    "项目类别",
    "总投资",
    "年度计划投资",
    "累计完成投资",
    "是否开工",
    "计划开工时间",
]

# unit -> project -> (category, total, plan, {month: (ytd, started)}); a month a project is
# not in is a month its unit's ledger does not list it
PROJECTS = {
    "卧龙镇": {
        "卧龙镇污水处理厂": ("续建", 5000, 1200, {m: (100 * m, "是") for m in range(1, 13)}),
        "卧龙镇道路工程": (
            "新建",
            3000,
            800,
            {
                1: (0, "否"),
                2: (0, "否"),
                3: (0, "否"),
                4: (100, "是"),
                5: (300, "是"),
                6: (500, "是"),
            },
        ),
        "卧龙镇文旅综合体": ("前期", 2000, 400, {m: (0, "否") for m in range(1, 13)}),
    },
    "尹集乡": {
        "尹集乡物流园": ("续建", 20000, 4000, {m: (300 * m, "是") for m in range(1, 13)}),
        "尹集乡冷链中心": ("新建", 8000, 2000, {5: (250, "是"), 6: (400, "是")}),
    },
    "庞公街道": {
        "庞公街道棚户区改造": ("续建", 12000, 2400, {m: (150 * m, "是") for m in range(1, 13)}),
        "庞公街道农贸市场": ("新建", 1500, 600, {1: (50, "是"), 2: (100, "是"), 3: (150, "是")}),
    },
}

TOML = builders.TARGETS_TOML


def write_month(root: Path, month: int) -> Path:
    folder = root / f"2024-{month:02d}"
    folder.mkdir()
    for unit, projects in PROJECTS.items():
        rows = [
            [name, cat, total, plan, months[month][0], months[month][1], ""]
            for name, (cat, total, plan, months) in projects.items()
            if month in months
        ]
        path = builders.xlsx(folder / f"{unit}.xlsx", [[f"{unit}2024年重点项目台账"], HEAD, *rows])
        sent = dt.datetime(2024 + month // 12, month % 12 + 1, 3).timestamp()  # before the 5th
        os.utime(path, (sent, sent))
    return folder


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "ledgerkit.toml").write_text(TOML, "utf-8")
    return tmp_path


def merged(root: Path, months: range) -> None:
    settings = load_settings(root)
    for m in months:
        merge([write_month(root, m)], settings, output=root / f"2024-{m:02d}汇总.xlsx")


def by_name(rows: list[dict]) -> dict[str, dict]:
    return {r["name"]: r for r in rows}


def test_the_second_quarter_worked_by_hand(workspace):
    merged(workspace, range(1, 7))
    figures, found = period_data(load_settings(workspace), workspace, Period.parse("2024-Q2"))
    assert found == ()
    assert figures["end_month"] == "2024-06" and figures["base_month"] == "2024-03"
    assert figures["time_progress"] == Decimal(6) / 12  # 时间进度 50%
    assert figures["share"] == Decimal("0.25")  # equal quarters
    units = by_name(figures["by_unit"])

    # 卧龙镇: plans 1200 + 800 + 400 = 2400, the quarter's share 600.
    # own: 污水处理厂 600 − 300 = 300; 道路工程 500 − 0 = 500; 文旅综合体 0 → 800 = 133.3%
    a = units["卧龙镇"]
    assert (a["annual_plan"], a["period_plan"], a["own"]) == (2400, 600, 800)
    assert a["own_rate"] == Decimal(800) / 600
    assert a["ytd_completed"] == 1100 and a["completion_rate"] == Decimal(1100) / 2400
    # its target: 3000 万元 for the year, a quarter is 750; 1100 / 3000 = 36.7%, 800 / 750
    assert a["target"]["completion_rate"] == Decimal(1100) / 3000
    assert a["target"]["period_target"] == 750 and a["target"]["own_rate"] == Decimal(800) / 750

    # 尹集乡: plans 4000 + 2000 = 6000, share 1500. own: 物流园 1800 − 900 = 900; the 冷链中心
    # came in May, not in March's ledger: named, not counted → 900 / 1500 = 60%
    b = units["尹集乡"]
    assert (b["annual_plan"], b["period_plan"], b["own"]) == (6000, 1500, 900)
    assert b["not_in_base"] == 1
    # its target is 1 亿元 with quarters 0.1/0.2/0.3/0.4 亿元: Q2 owes 2000 万元 → 45%
    assert b["target"]["investment"] == 10000 and b["target"]["period_target"] == 2000
    assert b["target"]["own_rate"] == Decimal(900) / 2000
    assert b["target"]["completion_rate"] == Decimal(2200) / 10000

    # 庞公街道: 棚户区改造 only in June: plan 2400, share 600, own 900 − 450 = 450 → 75%;
    # the 农贸市场 was in March (150) and is gone in June: named, not a zero
    c = units["庞公街道"]
    assert (c["annual_plan"], c["period_plan"], c["own"]) == (2400, 600, 450)
    assert c["target"] is None and figures["without_target"] == ["庞公街道"]

    assert [(u["rank"], u["name"]) for u in figures["by_unit"]] == [
        (1, "卧龙镇"),  # 133.3%
        (2, "庞公街道"),  # 75.0%
        (3, "尹集乡"),  # 60.0%
    ]
    whole = figures["overall"]
    # 800 + 900 + 450 = 2150 against (2400 + 6000 + 2400) × 25% = 2700: 79.6%
    assert (whole["own"], whole["period_plan"]) == (2150, 2700)
    assert whole["ytd_completed"] == 1100 + 2200 + 900
    assert [p["name"] for p in figures["appeared"]] == ["尹集乡冷链中心"]
    assert [(p["name"], p["base_ytd"]) for p in figures["disappeared"]] == [
        ("庞公街道农贸市场", 150)
    ]


def test_the_bulletin_says_the_quarter(workspace, capsysbinary, monkeypatch):
    merged(workspace, range(1, 7))
    monkeypatch.chdir(workspace)
    code, out, err = run_cli(capsysbinary, "report", "--period", "2024-Q2", "-o", "q2.docx")
    assert code == 0, err
    text = "\n".join(p.text for p in Document(str(workspace / "q2.docx")).paragraphs)
    assert "关于2024年第二季度襄城区重点项目建设情况的通报" in text
    # 2150 万元 = 0.215 亿元, shown with two decimals half up; 2700 万元 = 0.27 亿元
    assert "2024年第二季度完成投资0.22亿元，占本期计划投资0.27亿元的79.6%" in text
    assert "按四个季度平均分配" in text
    assert "尹集乡冷链中心（尹集乡）" in text and "庞公街道农贸市场（庞公街道）" in text
    table = Document(str(workspace / "q2.docx")).tables[0]
    rows = [[c.text for c in r.cells] for r in table.rows]
    assert rows[1][:2] == ["1", "卧龙镇"] and rows[1][4] == "133.3%"
    assert rows[3][1] == "尹集乡" and rows[3][7] == "22.0%"  # 2200 / 10000 against its target

    code, out, _ = run_cli(capsysbinary, "report", "--period", "2024-Q2", "--json")
    library = period_report(load_settings(workspace), workspace, Period.parse("2024-Q2"))
    assert json.loads(out) == json.loads(json.dumps(library.to_dict()))


def test_a_quarter_with_its_base_month_missing_says_so(workspace, capsysbinary, monkeypatch):
    merged(workspace, range(4, 7))  # April to June: March, the base of Q2, was never merged
    monkeypatch.chdir(workspace)
    code, out, _ = run_cli(capsysbinary, "report", "--period", "2024-Q2", "--json")
    data = json.loads(out)
    assert code == 1
    assert [(i["code"], i["file"]) for i in data["issues"]] == [("period-month-missing", "2024-03")]
    assert data["overall"]["own"] is None and data["overall"]["ytd_completed"] == 4200
    assert "3月没有汇总记录" in data["notes"][0]


def test_a_quarter_whose_end_is_not_stored_cannot_be_worked_out(
    workspace, capsysbinary, monkeypatch
):
    merged(workspace, range(1, 5))
    monkeypatch.chdir(workspace)
    code, _, err = run_cli(capsysbinary, "report", "--period", "2024-Q2")
    assert code == 3
    err = err.replace("\n", "")  # wrapped to the console's width
    assert "末月（2024年6月）没有汇总记录" in err and "缺少的月份：2024年5月、2024年6月" in err


def test_the_year_before_december_is_stored_uses_the_last_month(workspace):
    merged(workspace, range(1, 7))
    figures, found = period_data(load_settings(workspace), workspace, Period.parse("2024"))
    assert figures["end_month"] == "2024-06" and figures["time_progress"] == Decimal("0.5")
    assert "按已汇总的最后一个月（6月" in figures["notes"][0]
    assert [i.code for i in found] == ["period-month-absent"] * 6  # July … December named
    # the year's own is its cumulative: 4200 against the whole plan 10800
    assert figures["overall"]["own"] == 4200 and figures["overall"]["period_plan"] == 10800
    half, _ = period_data(load_settings(workspace), workspace, Period.parse("2024-H1"))
    assert half["overall"]["own"] == 4200 and half["overall"]["period_plan"] == 5400
