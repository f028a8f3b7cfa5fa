"""考核 scores for three units in the second quarter, against a table worked by hand."""

from __future__ import annotations

import datetime as dt
import json
import os
from decimal import Decimal
from pathlib import Path

import builders
import openpyxl
import pytest
from builders import run_cli

from ledgerkit import scoring
from ledgerkit.period import Period
from ledgerkit.pipeline import merge, score
from ledgerkit.scoring import Measure
from ledgerkit.settings import load_settings

HEAD = ["项目名称", "项目类别", "年度计划投资", "累计完成投资", "是否开工", "形象进度"]
# unit -> project -> (category, plan, {month: (ytd, started)})
PROJECTS = {
    "卧龙镇": {
        "卧龙镇污水处理厂": ("续建", 1200, {m: (100 * m, "是") for m in range(3, 7)}),
        "卧龙镇道路工程": (
            "新建",
            800,
            {3: (0, "否"), 4: (100, "是"), 5: (300, "是"), 6: (500, "是")},
        ),
        "卧龙镇文旅综合体": ("前期", 400, {m: (0, "否") for m in range(3, 7)}),
    },
    "尹集乡": {
        "尹集乡物流园": ("续建", 4000, {m: (300 * m, "是") for m in range(3, 7)}),
        "尹集乡冷链中心": ("新建", 2000, {5: (250, "是"), 6: (400, "是")}),
    },
    "庞公街道": {
        "庞公街道棚户区改造": ("续建", 2400, {m: (150 * m, "是") for m in range(3, 7)}),
        "庞公街道农贸市场": ("新建", 600, {3: (150, "是")}),
    },
}
LATE = {("尹集乡", 5)}  # May's ledger came on 10 June, after the 5th
NO_TEXT = {("庞公街道", 4)}  # April's ledger: figures, no words
TOML = builders.TARGETS_TOML


def month_folder(root: Path, month: int) -> Path:
    folder = root / f"2024-{month:02d}"
    folder.mkdir()
    for unit, projects in PROJECTS.items():
        text = "" if (unit, month) in NO_TEXT else "施工中"
        rows = [
            [name, cat, plan, months[month][0], months[month][1], text]
            for name, (cat, plan, months) in projects.items()
            if month in months
        ]
        path = builders.xlsx(folder / f"{unit}.xlsx", [[f"{unit}2024年重点项目台账"], HEAD, *rows])
        day = 10 if (unit, month) in LATE else 3
        sent = dt.datetime(2024, month + 1, day).timestamp()
        os.utime(path, (sent, sent))
    return folder


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "ledgerkit.toml").write_text(TOML, "utf-8")
    settings = load_settings(tmp_path)
    for m in range(3, 7):
        merge([month_folder(tmp_path, m)], settings, output=tmp_path / f"2024-{m:02d}汇总.xlsx")
    return tmp_path


def points(run, unit: str) -> dict[str, Decimal | None]:
    row = next(t for t in run.scores["table"] if t["unit"] == unit)
    return {i["item"]: i["points"] for i in row["items"]} | {
        "总分": row["total"],
        "名次": row["rank"],
    }


def test_the_second_quarter_scored_by_hand(workspace):
    run = score(load_settings(workspace), workspace, Period.parse("2024-Q2"))
    assert run.issues == () and run.scores["unknown_items"] == []
    # the default 考核办法: 投资完成率 60, 开工率 20, 节点按期率 10, 问题办结率 10 (no data
    # yet: the 80 points scored are scaled to 100, ×1.25); +1 per project started in the
    # quarter; −2 per month late; −5 per month missing; −1 per month of figures only.
    #
    # 卧龙镇: own 800 (600−300 + 500−0) ÷ its Q2 target 750 (3000 × 25%) = 106.7% → 60;
    # 2 started ÷ 开工目标 2 → 20; (60 + 20) × 1.25 = 100; +1 (道路工程 started in April) = 101
    assert points(run, "卧龙镇") == {
        "投资完成率": 60,
        "开工率": 20,
        "节点按期率": None,
        "问题办结率": None,
        "新开工项目": 1,
        "逾期报送": 0,
        "未报送": 0,
        "只报数据": 0,
        "总分": 101,
        "名次": 1,
    }
    # 尹集乡: own 900 (1800−900; the 冷链中心 came in May, not in March) ÷ its Q2 target
    # 2000 (0.2亿元) = 45% → 27; 2 of 2 projects started → 20; (27 + 20) × 1.25 = 58.75;
    # +1 (冷链中心 started), −2 (May late) = 57.75
    yinji = points(run, "尹集乡")
    assert (yinji["投资完成率"], yinji["开工率"], yinji["新开工项目"], yinji["逾期报送"]) == (
        27,
        20,
        1,
        -2,
    )
    assert (yinji["总分"], yinji["名次"]) == (Decimal("57.75"), 3)
    # 庞公街道: no target: own 450 (900−450) ÷ 25% of its plans (2400) 600 = 75% → 45;
    # 1 of 1 started → 20; (45 + 20) × 1.25 = 81.25; −1 (April figures only) = 80.25
    panggong = points(run, "庞公街道")
    assert (panggong["投资完成率"], panggong["开工率"], panggong["只报数据"]) == (45, 20, -1)
    assert (panggong["总分"], panggong["名次"]) == (Decimal("80.25"), 2)
    # three units: one on each board
    assert [h["unit"] for h in run.scores["heroes"]] == ["卧龙镇"]
    assert [b["unit"] for b in run.scores["black"]] == ["尹集乡"]
    # every number traceable: the figures each item came from
    item = next(t for t in run.scores["table"] if t["unit"] == "卧龙镇")["items"][0]
    assert item["inputs"] == "本期完成800万元 ÷ 本期目标750万元"


def test_no_data_at_full_marks_and_an_item_wired_later(workspace, monkeypatch):
    config = workspace / "ledgerkit.toml"
    config.write_text(TOML + '\n[score]\nno_data = "满分"\n', "utf-8")
    run = score(load_settings(workspace), workspace, Period.parse("2024-Q2"))
    # 60 + 20 + 10 + 10 + 1 = 101; 27 + 20 + 20 + 1 − 2 = 66; 45 + 20 + 20 − 1 = 84
    assert [(t["unit"], t["total"]) for t in run.scores["table"]] == [
        ("卧龙镇", 101),
        ("庞公街道", 84),
        ("尹集乡", 66),
    ]
    # the milestones ledger plugs its rate in: half the milestones on time → 5 of 10 points
    monkeypatch.setitem(
        scoring.ITEMS,
        "节点按期率",
        (scoring.RATE, lambda u: Measure(Decimal("0.5"), "按期2个 ÷ 4个")),
    )
    config.write_text(TOML, "utf-8")
    run = score(load_settings(workspace), workspace, Period.parse("2024-Q2"))
    # 卧龙镇: 60 + 20 + 5 = 85 of 90 → × 100/90 = 94.44; + 1 = 95.44
    assert points(run, "卧龙镇")["节点按期率"] == 5
    assert points(run, "卧龙镇")["总分"] == Decimal("95.44")


def test_rules_from_ledgerkit_toml(workspace):
    (workspace / "ledgerkit.toml").write_text(
        TOML
        + """
[score]
name = "襄城区重点项目考核办法"
items = [
  { item = "投资完成率", weight = 70, full_at = 90 },
  { item = "报送及时率", weight = 30 },
  { item = "逾期报送", per = -3, max = 5 },
]
""",
        "utf-8",
    )
    run = score(load_settings(workspace), workspace, Period.parse("2024-Q2"))
    # 尹集乡: 45% of 90% → 35 of 70; on time 2 of 3 months → 20 of 30; −3 → 52
    assert points(run, "尹集乡") == {
        "投资完成率": 35,
        "报送及时率": 20,
        "逾期报送": -3,
        "总分": 52,
        "名次": 3,
    }
    assert run.scores["rules"][0] == "投资完成率70分：达到90%得满分，不足按比例计分"


def test_the_score_command_and_its_workbook(workspace, capsysbinary, monkeypatch):
    monkeypatch.chdir(workspace)
    code, out, err = run_cli(
        capsysbinary, "score", "--period", "2024-Q2", "-o", "考核.xlsx", "--json"
    )
    assert code == 0, err
    library = score(
        load_settings(workspace), workspace, Period.parse("2024-Q2"), output=Path("考核.xlsx")
    )
    assert json.loads(out) == json.loads(json.dumps(library.to_dict()))
    wb = openpyxl.load_workbook(workspace / "考核.xlsx")
    assert wb.sheetnames == ["考核得分", "得分明细", "考核规则"]
    head = [c.value for c in wb["考核得分"][2]]
    rows = {r[1]: r for r in wb["考核得分"].iter_rows(min_row=3, values_only=True)}
    assert (
        rows["卧龙镇"][head.index("总分")] == 101 and rows["卧龙镇"][head.index("榜单")] == "红榜"
    )
    assert rows["尹集乡"][head.index("总分")] == 57.75
    details = [r for r in wb["得分明细"].iter_rows(min_row=3, values_only=True) if r[1] == "总分"]
    assert "折算系数1.25" in details[0][4]

    code, out, _ = run_cli(capsysbinary, "report", "--period", "2024-Q2", "--format", "md")
    assert "卧龙镇101分、庞公街道80.25分、尹集乡57.75分" in out
    assert "卧龙镇列入红榜（英雄榜）" in out and "尹集乡排名靠后，列入黑榜" in out


def test_a_unit_silent_at_the_end_scores_nothing_from_its_figures():
    from ledgerkit.scoring import UnitData, score_units
    from ledgerkit.settings import Settings

    silent = UnitData(
        "欧庙镇",
        {"status": "未报送", "own": None, "target": None, "start_rate": None},
        months=[
            ("2024-04", "已报送", True),
            ("2024-05", "已报送", True),
            ("2024-06", "未报送", None),
        ],
    )
    scores = score_units([silent], Settings())
    row = scores["table"][0]
    # 0 of 100 rate points (no rescaling of a silence), −5 for June not reported
    assert [i["points"] for i in row["items"][:4]] == [0, 0, 0, 0]
    assert row["extra"] == -5 and row["total"] == -5
    assert row["items"][0]["note"] == "末月未报送，不得分"
