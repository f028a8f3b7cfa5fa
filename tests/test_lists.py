"""The three lists (and 收尾): each with its totals and its own figure; together the whole."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import builders
import openpyxl
from builders import run_cli

from ledgerkit.lists import three_lists
from ledgerkit.metrics import assess
from ledgerkit.period import Period
from ledgerkit.pipeline import merge_paths
from ledgerkit.settings import Settings

SAMPLES = Path(__file__).parent.parent / "samples" / "2024-04"
HEAD = [
    "项目名称",
    "项目类别",
    "总投资",
    "年度计划投资",
    "累计完成投资",
    "是否开工",
    "计划开工时间",
    "是否竣工",
    "是否投产",
]
ROWS = [
    ["前期甲", "前期", 1000, 100, 0, "否", "2024-03", "", ""],  # past its planned start: overdue
    ["前期乙", "储备", 2000, 200, 50, "是", "2024-02", "", ""],  # started
    ["前期丙", "前期", 3000, 300, 0, "否", "2024-10", "", ""],  # not due yet
    ["新建甲", "新建", 4000, 1000, 300, "是", "", "", ""],
    ["新建乙", "新开工", 5000, 1000, 100, "是", "", "", ""],
    ["续建甲", "续建", 6000, 1200, 600, "是", "", "", ""],
    ["收尾甲", "收尾", 7000, 500, 400, "是", "", "是", "是"],
    ["收尾乙", "竣工", 8000, 500, 200, "是", "", "是", "否"],
    ["某项目", "", 900, 90, 9, "是", "", "", ""],  # no category: a list of its own
]


def _lists(tmp_path: Path) -> dict:
    path = builders.xlsx(
        tmp_path / "卧龙镇.xlsx", [["卧龙镇2024年重点项目台账（1-6月）"], HEAD, *ROWS]
    )
    period = Period.parse("2024-06")
    result = merge_paths([path], period)
    return three_lists(assess(result.projects, period, Settings()), period)


def test_each_list_is_judged_by_its_own_figure(tmp_path):
    data = _lists(tmp_path)
    lists = {lst["key"]: lst["totals"] for lst in data["lists"]}
    # 前期: 甲 overdue, 乙 started, 丙 not due: due 2, started 1 → 50%, 1 overdue
    pre = lists["preliminary"]
    assert (pre["projects"], pre["due"], pre["done"], pre["overdue"]) == (3, 2, 1, 1)
    assert pre["judged"] == Decimal("0.5")
    # 新建: (300 + 100) / (1000 + 1000) = 20%
    assert lists["new"]["judged"] == Decimal("0.2")
    # 续建: 600 / 1200 = 50% against time progress 6/12 = 50%: 0 个百分点
    assert lists["continuing"]["judged"] == 0
    # 收尾: both finished, one in production: 50%
    fin = lists["finishing"]
    assert (fin["finished"], fin["done"], fin["judged"]) == (2, 1, Decimal("0.5"))
    assert lists["other"]["projects"] == 1


def test_the_lists_add_up_to_the_whole(tmp_path):
    data = _lists(tmp_path)
    assert data["adds_up"] is True
    for key in ("projects", "total_investment", "annual_plan", "ytd_completed"):
        assert sum(lst["totals"][key] for lst in data["lists"]) == data["whole"][key], key
    assert data["whole"]["projects"] == 9 and data["whole"]["total_investment"] == 36900


def test_the_lists_workbook_of_the_samples(tmp_path, capsysbinary, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run_cli(capsysbinary, "merge", str(SAMPLES), "-o", "m.xlsx")
    code, out, err = run_cli(
        capsysbinary, "report", "m.xlsx", "--lists", "-o", "三个清单.xlsx", "--json"
    )
    assert code == 1, err  # the samples carry errors on purpose; the lists are written
    data = json.loads(out)
    assert [(lst["title"], lst["totals"]["projects"]) for lst in data["lists"]] == [
        ("前期（储备）项目清单", 5),
        ("新开工项目清单", 22),
        ("续建（在建）项目清单", 18),
        ("收尾（竣工）项目清单", 0),
    ]
    wb = openpyxl.load_workbook(tmp_path / "三个清单.xlsx")
    assert wb.sheetnames[0] == "汇总"
    # each list sheet ends with its own 合计 row; those rows add up to the whole's money
    plans = []
    for lst in data["lists"]:
        ws = wb[lst["title"]]
        last = [c.value for c in ws[ws.max_row]]
        assert last[0] == "合计" and last[1] == f"{lst['totals']['projects']}个项目"
        plans.append(last[4])
    assert sum(plans) == data["whole"]["annual_plan"] == 230006
    overview = {r[0]: r for r in wb["汇总"].iter_rows(min_row=3, values_only=True)}
    assert overview["各清单合计"][1] == overview["全部项目"][1] == 45
    assert overview["各清单合计"][7] == "与全部项目一致"
    assert "开工率" in overview["前期（储备）项目清单"][7]
