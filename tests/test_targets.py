"""Units' targets (责任状) from ledgerkit.toml and from a 目标任务 workbook, beside their plans."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import builders
import openpyxl
from builders import run_cli

from ledgerkit.settings import load_settings
from ledgerkit.targets import read_targets_book

HEAD = ["项目名称", "项目类别", "总投资", "年度计划投资", "累计完成投资", "是否开工"]
LEDGERS = {
    "卧龙镇": [
        ["卧龙镇污水处理厂", "续建", 5000, 1200, 400, "是"],
        ["卧龙镇道路", "新建", 3000, 800, 100, "否"],
    ],
    "尹集乡": [["尹集乡物流园", "续建", 20000, 4000, 1500, "是"]],
    "庞公街道": [["庞公街道棚改", "续建", 12000, 2400, 800, "是"]],
    "欧庙镇": [["欧庙镇码头", "新建", 6000, 1000, 300, "是"]],
}
TOML = """region = "襄城区"

[assessment]
targets_file = "目标任务.xlsx"

[[targets]]
unit = "卧龙镇"
investment = 0.25
money_unit = "亿元"
starts = 2
"""


def workspace(root: Path) -> Path:
    (root / "ledgerkit.toml").write_text(TOML, "utf-8")
    # the clerk's own sheet: a title, columns in its own order, money in 亿元 in the header,
    # a 合计 row, a unit also in ledgerkit.toml, and a target typed as words
    builders.xlsx(
        root / "目标任务.xlsx",
        [
            ["2024年重点项目目标任务分解表"],
            [
                "序号",
                "开工个数目标",
                "责任单位",
                "年度投资目标（亿元）",
                "一季度",
                "二季度",
                "三季度",
                "四季度",
            ],
            [1, 1, "尹集乡", 0.5, 0.1, 0.1, 0.15, 0.15],
            [2, 1, "卧龙镇", 0.3, None, None, None, None],
            [3, 2, "庞公街道", "待定", None, None, None, None],
            ["合计", 4, "", 1.1, None, None, None, None],
        ],
    )
    folder = root / "2024-06"
    folder.mkdir()
    for unit, rows in LEDGERS.items():
        builders.xlsx(
            folder / f"{unit}.xlsx", [[f"{unit}2024年重点项目台账（1-6月）"], HEAD, *rows]
        )
    return folder


def test_the_workbook_is_read_by_its_headers(tmp_path):
    workspace(tmp_path)
    targets, found = read_targets_book(tmp_path / "目标任务.xlsx")
    by_unit = {t.unit: t for t in targets}
    assert set(by_unit) == {"尹集乡", "卧龙镇", "庞公街道"}  # the 合计 row is no unit
    # 0.5 亿元 = 5000 万元; the quarter columns name no unit: they are in the year's, 亿元
    assert by_unit["尹集乡"].investment == 5000 and by_unit["尹集乡"].starts == 1
    assert by_unit["尹集乡"].quarters == (1000, 1000, 1500, 1500)
    assert by_unit["卧龙镇"].quarters == ()  # blank quarters: no split
    assert by_unit["庞公街道"].investment is None and by_unit["庞公街道"].starts == 2
    assert [(i.code, i.cell) for i in found] == [("target-unreadable", "D5")]
    assert "待定" in found[0].message


def test_completion_against_the_target_beside_the_plans(tmp_path, capsysbinary, monkeypatch):
    folder = workspace(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsysbinary, "merge", str(folder), "-o", "2024-06汇总.xlsx", "--json")
    assert code == 1, err  # the unreadable target is an error of the run
    data = json.loads(out)
    codes = [(i["code"], i["file"]) for i in data["issues"] if i["code"].startswith("target")]
    assert codes == [("target-unreadable", "目标任务.xlsx"), ("target-twice", "目标任务.xlsx")]

    code, out, _ = run_cli(capsysbinary, "report", "2024-06汇总.xlsx", "--json")
    units = {u["name"]: u for u in json.loads(out)["by_unit"]}
    # 卧龙镇: the toml's 0.25 亿元 = 2500 万元 wins over the workbook's 0.3; done 400 + 100 = 500
    # → 20% of the target, 25% of its plans (1200 + 800); 1 of 2 projects to start started
    wolong = units["卧龙镇"]["target"]
    assert wolong["investment"] == 2500 and wolong["completion_rate"] == 0.2
    assert wolong["plan_sum"] == 2000 and units["卧龙镇"]["completion_rate"] == 0.25
    assert wolong["start_rate"] == 0.5 and wolong["source"] == "ledgerkit.toml"
    # 尹集乡: 1500 of 5000 = 30%; 庞公街道: no investment target read, its 开工 target 2
    assert units["尹集乡"]["target"]["completion_rate"] == 0.3
    assert units["尹集乡"]["target"]["source"] == "目标任务.xlsx 第3行"
    assert units["庞公街道"]["target"]["completion_rate"] is None
    assert units["庞公街道"]["target"]["start_rate"] == 0.5
    assert units["欧庙镇"]["target"] is None
    assert json.loads(out)["without_target"] == ["欧庙镇"]

    ws = openpyxl.load_workbook(tmp_path / "2024-06汇总.xlsx")["分单位"]
    header = [c.value for c in ws[2]]
    rows = {r[1]: r for r in ws.iter_rows(min_row=3, values_only=True) if r[1]}
    at = header.index("目标完成率")
    assert header[at - 1] == "年度投资目标（亿元）"
    assert rows["卧龙镇"][at - 1] == Decimal("0.25") or rows["卧龙镇"][at - 1] == 0.25
    assert rows["卧龙镇"][at] == 0.2 and rows["欧庙镇"][at - 1] == "未下达"


def test_a_misspelt_target_key_is_named(tmp_path):
    (tmp_path / "ledgerkit.toml").write_text(
        'region = "襄城区"\n[[targets]]\nunit = "卧龙镇"\ninvestmnet = 3000\n', "utf-8"
    )
    settings = load_settings(tmp_path)
    assert any("investmnet" in w and "investment" in w for w in settings.warnings)
    assert settings.targets[0].investment is None
