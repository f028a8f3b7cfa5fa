"""The supervision loop across four months: the problem ledger (split, recognised, overdue,
solved, the clerk's edits), 节点 through next month's form, per-unit letters, leaders, the
bulletin."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import builders
import openpyxl
import pytest
from builders import run_cli

from ledgerkit.pipeline import merge, problems
from ledgerkit.problem_book import SHEET
from ledgerkit.problems import split_problems
from ledgerkit.settings import Settings

HEAD = ["项目名称", "包抓领导", "项目类别", "总投资", "年度计划投资", "累计完成投资", "是否开工"]
HEAD += ["存在问题", "解决时限", "解决情况", "计划竣工时间", "形象进度"]
A, B, C, D = "卧龙镇污水处理厂", "卧龙镇道路工程", "尹集乡物流园", "尹集乡冷链物流中心"
# D: nothing done all year (red by April), no problem written; 张三 holds projects in both units
# month -> unit -> rows (name, leader, problems, 解决时限, 解决情况)
MONTHS = {
    "2024-01": {
        "卧龙镇": [
            (A, "张三", "1.征地拆迁未完成2.资金缺口较大", "", ""),
            (B, "王五", "施工队伍未进场", "", ""),
        ],
        "尹集乡": [(C, "张三、李四", "环评批复未下达", "2024-02-29", ""), (D, "张三", "", "", "")],
    },
    "2024-02": {
        "卧龙镇": [
            (A, "张三", "1.征地拆迁工作尚未完成；2.资金缺口较大", "", ""),
            (B, "王五", "无", "", ""),
        ],
        "尹集乡": [
            (C, "张三、李四", "环评批复未下达", "2024-02-29", "正在对接市生态环境局"),
            (D, "张三", "", "", ""),
        ],
    },
    "2024-03": {
        "卧龙镇": [
            (A, "张三", "①征地拆迁工作尚未完成②资金缺口较大", "", ""),
            (B, "王五", "", "", ""),
        ],
        "尹集乡": [(C, "张三、李四", "环评批复未下达", "2024-02-29", ""), (D, "张三", "", "", "")],
    },
    "2024-04": {
        "卧龙镇": [
            (A, "张三", "征地拆迁工作尚未完成；资金缺口较大", "", ""),
            (B, "王五", "", "", ""),
        ],
        "尹集乡": [
            (C, "张三、李四", "环评批复未下达", "2024-02-29", "已解决，4月10日取得批复"),
            (D, "张三", "", "", ""),
        ],
    },
}


FINISH = {C: "2024-03"}  # 计划竣工时间 column: C's planned finish passes in April's ledger
# 节点 sheets: January's as the units first write them; later months start from the form
# `template` writes (pre-filled from last month) and the unit fills in what was done
NODES = {
    "卧龙镇": [
        (A, "环评", "2024-02-15", ""),
        (A, "竣工", "2024-12", ""),
        (B, "施工许可", "2024-03", "2024-02-20"),
    ],
    "尹集乡": [(D, "环评", "2024-01-20", "")],
}
DONE = {"2024-03": {(A, "环评"): "2024-03-10"}}  # A's 环评 two weeks late


def after(name: str) -> list[str]:
    return [FINISH.get(name, ""), "施工"]  # 计划竣工时间, 形象进度


def ledger_file(
    folder: Path, unit: str, rows: list[tuple[str, ...]], nodes: list[list[object]] | None = None
) -> Path:
    body = [
        [n, who, "续建", 1000, 400, 0 if n == D else 100, "是", text, due, done, *after(n)]
        for n, who, text, due, done in rows
    ]
    path = builders.xlsx(folder / f"{unit}.xlsx", [[f"{unit}2024年重点项目台账"], HEAD, *body])
    if nodes:
        wb = openpyxl.load_workbook(path)
        ws = wb.create_sheet("节点")
        for row in nodes:
            ws.append(list(row))
        wb.save(path)
    return path


def node_rows(ws: Path, month: str, unit: str, settings: Settings) -> list[list[object]]:
    """The 节点 sheet of the unit's form for `month` (written by `template`), as filled."""
    from ledgerkit.pipeline import template

    form = next(
        p for p in template(settings, ws, _month(month), ws / f"{month}下发") if unit in p.name
    )
    rows = [[c.value for c in r] for r in openpyxl.load_workbook(form)["节点"].iter_rows()]
    for row in rows[3:]:
        if row[0] and (done := DONE.get(month, {}).get((row[0], row[1]))):
            row[3] = done
    return rows


def merge_month(ws: Path, month: str, settings: Settings) -> None:
    folder = ws / month
    folder.mkdir()
    for unit, rows in MONTHS[month].items():
        if month == "2024-01":
            nodes = [["项目名称", "节点", "计划完成时间", "实际完成时间"], *NODES[unit]]
        else:
            nodes = node_rows(ws, month, unit, settings)
        ledger_file(folder, unit, rows, nodes)
    merge([folder], settings, output=ws / f"{month}汇总.xlsx")


def by_text(run: object) -> dict[str, dict]:
    return {p["text"]: p for p in run.to_dict()["problems"]}  # type: ignore[attr-defined]


def edit_book(path: Path, changes: dict[str, dict[str, str]]) -> None:
    """The clerk's edits, typed into 问题台账.xlsx by header: {text: {header: value}}."""
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    header = [c.value for c in ws[3]]
    for row in ws.iter_rows(min_row=4):
        text = row[header.index("存在问题")].value
        for head, value in changes.get(text, {}).items():
            row[header.index(head)].value = value
    wb.save(path)


CLERK_EDITS = {
    "施工队伍未进场": {"状态": "已办结"},
    "资金缺口较大": {
        "问题责任单位": "区财政局",
        "时限": "2024年12月底",
        "办理情况": "已协调区财政局，拟列入专项债",
    },
}


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return tmp_path / "重点项目"


@pytest.fixture(scope="module")
def four_months(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Settings]:
    """The four months merged, `problems` run after each, the clerk's edits after February."""
    ws = tmp_path_factory.mktemp("loop") / "重点项目"
    ws.mkdir()
    settings = Settings(region="襄城区", workspace=ws)
    for month in MONTHS:
        merge_month(ws, month, settings)
        problems(settings, ws, output=ws / "问题台账.xlsx")
        if month == "2024-02":
            edit_book(ws / "问题台账.xlsx", CLERK_EDITS)
    return ws, settings


def test_four_months_of_problems_with_the_clerks_edits(ws: Path) -> None:
    ws.mkdir()
    settings = Settings(region="襄城区", workspace=ws)
    book = ws / "问题台账.xlsx"
    merge_month(ws, "2024-01", settings)
    first = by_text(problems(settings, ws, output=book))
    assert set(first) == {"征地拆迁未完成", "资金缺口较大", "施工队伍未进场", "环评批复未下达"}
    assert first["征地拆迁未完成"]["owner_unit"] == "卧龙镇"  # no column: the project's unit
    assert first["征地拆迁未完成"]["owner"] == "张三"  # and its 包抓领导
    assert first["环评批复未下达"]["due"] == "2024-02-29"  # from the 解决时限 column
    assert first["施工队伍未进场"]["due"] == "2024-03-01"  # 1月31日 + 30 days
    ids = {t: p["id"] for t, p in first.items()}
    assert sorted(ids.values()) == [f"WT202401-00{n}" for n in range(1, 5)]

    merge_month(ws, "2024-02", settings)
    feb = by_text(problems(settings, ws, output=book))
    land = feb["征地拆迁工作尚未完成"]
    assert land["id"] == ids["征地拆迁未完成"]  # renamed slightly: the same problem
    assert land["matched"].startswith("文字相近")
    assert feb["资金缺口较大"]["matched"] == "原文相同"
    assert feb["施工队伍未进场"]["status"] == "待核销"  # B reported, the problem no longer
    assert feb["环评批复未下达"]["status"] == "未办结"  # due 2月29日, the month's last day
    assert feb["环评批复未下达"]["handling"] == "正在对接市生态环境局"

    # the clerk confirms B's problem solved and hands the money problem to 区财政局
    edit_book(book, CLERK_EDITS)
    merge_month(ws, "2024-03", settings)
    mar_run = problems(settings, ws, output=book)
    assert mar_run.imported == 4
    mar = by_text(mar_run)
    assert mar["施工队伍未进场"]["status"] == "已办结"
    assert mar["环评批复未下达"]["status"] == "逾期"  # 2月29日 has passed
    assert mar["征地拆迁工作尚未完成"]["status"] == "逾期"  # 3月1日 has passed
    money = mar["资金缺口较大"]
    assert (money["status"], money["due"]) == ("未办结", "2024-12-31")
    assert money["owner_unit"] == "区财政局"
    assert money["edited"] == ["due", "owner_unit", "handling"]

    merge_month(ws, "2024-04", settings)
    apr = by_text(problems(settings, ws, output=book))  # nothing edited this time
    assert apr["资金缺口较大"]["handling"] == "已协调区财政局，拟列入专项债"  # kept
    assert apr["资金缺口较大"]["owner_unit"] == "区财政局"
    assert apr["环评批复未下达"]["status"] == "已办结"  # the unit wrote 已解决
    assert apr["施工队伍未进场"]["status"] == "已办结"
    assert apr["施工队伍未进场"]["months_open"] == 1  # closed on what January reported
    land = apr["征地拆迁工作尚未完成"]
    assert (land["status"], land["months_open"], land["stale"]) == ("逾期", 4, True)
    assert "已持续4个月未解决" in land["note"]
    assert {p["id"] for p in apr.values()} == set(ids.values())  # nothing renumbered

    # the written ledger shows the clerk's words and the overdue ones
    wb = openpyxl.load_workbook(book)
    rows = [[c.value for c in r] for r in wb[SHEET].iter_rows(min_row=4)]
    head = [c.value for c in wb[SHEET][3]]
    shown = {r[head.index("存在问题")]: r for r in rows}
    assert shown["资金缺口较大"][head.index("办理情况")] == "已协调区财政局，拟列入专项债"
    assert shown["征地拆迁工作尚未完成"][head.index("状态")] == "逾期"
    assert rows[0][head.index("状态")] == "逾期"  # open problems first
    assert wb["原值"].sheet_state == "veryHidden"

    # an earlier month read again: C was overdue then, B waiting for the clerk
    feb_again = by_text(problems(settings, ws, period=_month("2024-02")))
    assert feb_again["施工队伍未进场"]["status"] == "已办结"  # the clerk's word, whenever
    assert feb_again["环评批复未下达"]["status"] == "未办结"


def _month(key: str):
    from ledgerkit.period import Period

    return Period.parse(key)


def test_an_unknown_status_and_a_row_without_id_are_not_lost(ws: Path) -> None:
    ws.mkdir()
    settings = Settings(region="襄城区", workspace=ws)
    book = ws / "问题台账.xlsx"
    merge_month(ws, "2024-01", settings)
    problems(settings, ws, output=book)
    edit_book(book, {"资金缺口较大": {"状态": "基本解决"}})
    wb = openpyxl.load_workbook(book)
    wb[SHEET].append(["", "卧龙镇", A, "手工添加：电力接入慢"])
    wb.save(book)
    run = problems(settings, ws, output=book)
    money = by_text(run)["资金缺口较大"]
    assert money["status"] == "未办结"
    assert "状态填写为“基本解决”" in money["note"]
    assert any("没有 ledgerkit 的编号" in n for n in run.notes)
    kept = ws / "问题台账（上次）.xlsx"
    texts = [c.value for r in openpyxl.load_workbook(kept)[SHEET].iter_rows() for c in r]
    assert "手工添加：电力接入慢" in texts


def test_problems_command_json_equals_the_library(ws: Path, capsysbinary, monkeypatch) -> None:
    import json

    ws.mkdir()
    (ws / "ledgerkit.toml").write_text('region = "襄城区"\n[problems]\ndays = 10\n', "utf-8")
    settings = Settings(region="襄城区", workspace=ws, problem_days=10)
    merge_month(ws, "2024-01", settings)
    merge_month(ws, "2024-02", settings)
    monkeypatch.chdir(ws)
    code, out, _ = run_cli(capsysbinary, "problems", "--json")
    data = json.loads(out)
    assert data == problems(settings, ws).to_dict()
    assert code == 1  # 卧龙镇's two are overdue 10 days after January; 尹集乡's is due 2月29日
    assert (data["counts"]["逾期"], data["counts"]["待核销"]) == (2, 1)


@pytest.mark.parametrize(
    ("cell", "items"),
    [
        ("1.资金缺口较大2.用地手续未批", ["资金缺口较大", "用地手续未批"]),
        ("1、资金缺口较大；2、用地手续未批。", ["资金缺口较大", "用地手续未批"]),
        ("（1）融资难（2）审批慢", ["融资难", "审批慢"]),
        ("①征地拆迁未完成；②环评未批复", ["征地拆迁未完成", "环评未批复"]),
        ("一是资金紧张，二是用地指标不足", ["资金紧张", "用地指标不足"]),
        ("资金不到位；用地未落实\n施工队伍未进场", ["资金不到位", "用地未落实", "施工队伍未进场"]),
        ("存在问题：1.资金2.用地", ["资金", "用地"]),
        ("总投资1.5亿元，资金缺口2.3亿元", ["总投资1.5亿元，资金缺口2.3亿元"]),
        ("今年3.资金", ["今年3.资金"]),  # a lone 3. is no list
        ("无", []),
        ("暂无问题", []),
        (None, []),
    ],
)
def test_a_cell_is_split_into_its_problems(cell: str | None, items: list[str]) -> None:
    assert split_problems(cell) == items


def test_each_unit_gets_its_notice_of_problems_and_red_projects(
    four_months: tuple[Path, Settings],
) -> None:
    from ledgerkit.pipeline import notices

    ws, settings = four_months
    run = notices(ws / "2024-04汇总.xlsx", settings, ws / "2024-04交办", by_unit=True)
    files = {n.unit: path for n, path in run.units}
    assert set(files) == {"卧龙镇", "区财政局", "尹集乡"}
    assert files["卧龙镇"].name == "卧龙镇交办督办函.docx"
    assert run.output == ws / "2024-04交办" / "督办通知单.docx"  # D, one page per project
    wolong = builders.docx_text(files["卧龙镇"])
    assert "[主送] 卧龙镇：" in wolong
    assert "共1个，其中已超过办结时限1个，请立即办结：" in wolong
    assert "征地拆迁工作尚未完成 | 2024年3月1日 | 逾期（已4个月）" in wolong
    assert "施工队伍未进场" not in wolong and "资金缺口较大" not in wolong  # closed; handed on
    assert "严重滞后项目" not in wolong  # an empty section vanishes
    finance = builders.docx_text(files["区财政局"])
    assert "资金缺口较大 | 2024年12月31日 | 未办结" in finance
    yinji = builders.docx_text(files["尹集乡"])
    assert "一、交办问题" not in yinji and "一、严重滞后项目" in yinji  # C was solved in April
    assert f"{D} | 0.0% | 低于时间进度33.3个百分点" in yinji
    assert f"{D} | 环评 | 2024年1月20日 | —" in yinji  # its overdue node
    assert f"{C} | 竣工 | 2024年3月 | —" in yinji
    assert "逾期节点2个" in yinji
    data = run.to_dict()
    assert [u["unit"] for u in data["units"]] == ["卧龙镇", "尹集乡", "区财政局"]


def test_nodes_travel_through_the_form_and_come_back_overdue(
    four_months: tuple[Path, Settings],
) -> None:
    from ledgerkit.nodes import completion_rate, on_time_rate
    from ledgerkit.pipeline import read_merged
    from ledgerkit.store import STORE_NAME, Store

    ws, settings = four_months
    form = openpyxl.load_workbook(next((ws / "2024-04下发").glob("*卧龙镇*")))
    rows = [[c.value for c in r] for r in form["节点"].iter_rows(min_row=4, max_col=4)]
    assert [A, "环评", "2024-02-15", "2024-03-10"] in rows  # pre-filled from March
    assert [B, "施工许可", "2024-03", "2024-02-20"] in rows
    month = read_merged(ws / "2024-04汇总.xlsx", settings, None)
    listed = openpyxl.load_workbook(ws / "2024-04汇总.xlsx")["问题清单"]  # as merge found them
    found = {
        (r[2], f"{r[3]} {r[4]}!{r[5]}", r[6])
        for r in listed.iter_rows(min_row=3, values_only=True)
        if "overdue" in str(r[2])
    }
    assert found == {
        (
            "node-overdue",
            "尹集乡.xlsx 节点!A5",
            f"“{D}”的“环评”节点计划于2024年1月20日完成，至2024年4月底尚未完成",
        ),
        (
            "finish-overdue",
            "尹集乡.xlsx 台账!K3",
            f"“{C}”计划于2024年3月竣工，至2024年4月底尚未竣工",
        ),
    }
    red = {a.project.name: a.reason for a in month.assessed if a.status != "正常"}
    assert red[D] == "投资完成进度落后于时间进度；环评节点逾期（计划2024年1月20日）"
    nodes = month.figures["nodes"]
    assert (nodes["due"], nodes["done"]) == (4, 2)  # A 环评 late, B on time, C and D not done
    with Store(ws / STORE_NAME, read_only=True) as store:
        assert completion_rate(store, "2024-04") == 50.0
        assert on_time_rate(store, "2024-04") == 25.0
        assert on_time_rate(store, "2024-04", "卧龙镇") == 50.0
        assert completion_rate(store, "2024-01") == 0.0  # D's 环评, due 1月20日
        assert completion_rate(store, "2024-01", "卧龙镇") is None  # nothing due yet
    feb = read_merged(ws / "2024-02汇总.xlsx", settings, None)
    assert "环评" in {n["node"] for n in feb.figures["nodes"]["overdue"] if n["name"] == A}


def test_a_leader_of_two_units_gets_his_row_and_his_page(
    four_months: tuple[Path, Settings],
) -> None:
    from ledgerkit.pipeline import report

    ws, settings = four_months
    book = openpyxl.load_workbook(ws / "2024-04汇总.xlsx")
    sheet = book["分领导"]
    head = [c.value for c in sheet[2]]
    rows = {r[1]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert list(rows) == ["张三", "王五", "李四"]  # in order of first appearance
    zhang = dict(zip(head, rows["张三"], strict=True))
    assert zhang["项目个数"] == 3  # A in 卧龙镇; C (with 李四) and D in 尹集乡
    assert zhang["责任单位"] == "卧龙镇、尹集乡"
    assert zhang["滞后项目"] == D
    assert zhang["存在问题（本月所报）"] == 3  # A's two and C's one, as April reports them
    assert rows["李四"][2] == 1  # C counts for both of its leaders

    out = ws / "包抓领导.docx"
    run = report(ws / "2024-04汇总.xlsx", settings, output=out, by_leader=True)
    assert run.written == (out,)
    text = builders.docx_text(out)
    assert "[Title] 张三同志包抓重点项目推进情况" in text
    assert "包抓重点项目3个（卧龙镇、尹集乡），年度计划投资1,200万元，累计完成投资200万元" in text
    assert f"滞后项目1个：{D}（尹集乡，投资完成进度落后于时间进度；环评节点逾期" in text
    # from the problem ledger: C's 环评 was solved in April, A's land problem is overdue
    assert f"存在问题2个：{A}：征地拆迁工作尚未完成（已逾期）；{A}：资金缺口较大。" in text
    assert text.count("同志包抓重点项目推进情况") == 3
    assert text.count("--- page break ---") == 2  # a page each


def test_the_bulletin_reads_the_loop(four_months: tuple[Path, Settings]) -> None:
    from ledgerkit.pipeline import report

    ws, settings = four_months
    out = ws / "2024-04通报.docx"
    report(ws / "2024-04汇总.xlsx", settings, output=out)
    text = builders.docx_text(out)
    assert "[Heading 1] 四、问题办理和节点推进情况" in text
    assert (
        "截至4月底，交办问题4个，已办结2个，办结率50.0%；逾期未办结1个："
        f"{A}“征地拆迁工作尚未完成”（卧龙镇，时限2024年3月1日）。"
    ) in text
    assert (
        f"长期未解决的问题2个：{A}“征地拆迁工作尚未完成”已持续4个月；{A}“资金缺口较大”已持续4个月。"
        in text
    )
    assert (
        "计划4月底前完成的项目节点4个，已完成2个，节点完成率50.0%；逾期未完成2个："
        f"{D}环评（计划2024年1月20日）、{C}竣工（计划2024年3月）。"
    ) in text
    march = ws / "2024-03通报.docx"
    report(ws / "2024-03汇总.xlsx", settings, output=march)
    assert "交办问题4个，已办结1个，办结率25.0%；逾期未办结2个" in builders.docx_text(march)


def test_the_loop_on_the_command_line(four_months: tuple[Path, Settings], capsysbinary) -> None:
    import json

    from ledgerkit.pipeline import notices

    ws, settings = four_months
    book = str(ws / "2024-04汇总.xlsx")
    code, out, _ = run_cli(
        capsysbinary, "notices", book, "--by-unit", "-o", str(ws / "交办2"), "--json"
    )
    data = json.loads(out)
    assert code == 0
    assert data == notices(ws / "2024-04汇总.xlsx", settings, ws / "交办2", by_unit=True).to_dict()
    assert {u["unit"]: u["overdue"] for u in data["units"]} == {
        "卧龙镇": 1,
        "尹集乡": 0,
        "区财政局": 0,
    }
    code, _, err = run_cli(capsysbinary, "report", book, "--by-leader")
    assert code == 2 and "-o" in err
    code, out, _ = run_cli(capsysbinary, "report", book, "--by-leader", "-o", str(ws / "领导.docx"))
    assert code == 0 and (ws / "领导.docx").is_file()


def test_a_project_not_reported_keeps_its_problems_open(tmp_path: Path) -> None:
    from ledgerkit.problems import ledger
    from ledgerkit.project import Source, make
    from ledgerkit.store import Kept, Store

    def kept(name: str, problems: str) -> Kept:
        p = make(
            Source("卧龙镇.xlsx", "台账", 3),
            {"name": name, "unit": "卧龙镇", "problems": problems},
            {},
        )
        return Kept(f"name:卧龙镇|{name}", "正常", p)

    with Store(tmp_path / "h.sqlite") as store:
        store.record("2024-01", [], [kept(A, "资金缺口较大"), kept(B, "施工队伍未进场")])
        store.record("2024-02", [], [kept(B, "")])  # A's unit left A out this month
        found = {p.text: p for p in ledger(store, "2024-02", Settings()).problems}
    assert found["资金缺口较大"].status == "未办结"  # nobody said anything about it
    assert found["资金缺口较大"].matched == "本月未报告"
    assert found["施工队伍未进场"].status == "待核销"  # B reported, without it


def test_history_rebuild_keeps_nodes_ids_and_the_clerks_edits(
    four_months: tuple[Path, Settings], tmp_path: Path
) -> None:
    import shutil

    from ledgerkit.nodes import on_time_rate
    from ledgerkit.pipeline import problems, rebuild
    from ledgerkit.store import STORE_NAME, Store

    ws, _ = four_months
    copy = tmp_path / "重点项目"
    shutil.copytree(ws, copy)
    settings = Settings(region="襄城区", workspace=copy)
    sheet = openpyxl.load_workbook(copy / "2024-04汇总.xlsx")["节点"]
    rows = [r[1:] for r in sheet.iter_rows(min_row=3, values_only=True)]
    assert ("尹集乡", D, "环评", "2024-01-20", None, None, "逾期", "尹集乡.xlsx", "节点", 5) in rows
    before = {p["id"]: p for p in problems(settings, copy).to_dict()["problems"]}
    assert rebuild(settings, copy).periods == ("2024-01", "2024-02", "2024-03", "2024-04")
    with Store(copy / STORE_NAME, read_only=True) as store:
        assert on_time_rate(store, "2024-04") == 25.0  # the 节点 sheet came back
    after = {p["id"]: p for p in problems(settings, copy).to_dict()["problems"]}
    assert after == before  # same IDs, the clerk's edits kept


def test_a_problem_ledger_that_is_not_ours_is_kept_and_a_bad_from_stops(
    ws: Path, capsysbinary, monkeypatch
) -> None:
    ws.mkdir()
    settings = Settings(region="襄城区", workspace=ws)
    merge_month(ws, "2024-01", settings)
    book = ws / "问题台账.xlsx"
    builders.xlsx(book, [["我自己的问题台账"], ["项目", "问题"]])  # the clerk's own file
    run = problems(settings, ws, output=book)
    assert any("不是 ledgerkit 写出的问题台账" in n for n in run.notes)
    kept = openpyxl.load_workbook(ws / "问题台账（上次）.xlsx").active
    assert kept["A1"].value == "我自己的问题台账"
    bad = ws / "坏的.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    monkeypatch.chdir(ws)
    code, _, err = run_cli(capsysbinary, "problems", "--from", str(bad), "-o", str(book))
    assert code == 3 and "坏的.xlsx" in err


def test_the_scores_read_the_nodes_and_the_problems(four_months: tuple[Path, Settings]) -> None:
    """考核's 节点按期率 and 问题办结率 come from the month's nodes and the problem ledger:
    卧龙镇's nodes due by April: A's 环评 done late, B's 施工许可 on time (1 of 2); its problems
    of the year: 征地拆迁 (逾期), 资金缺口 (handed to 区财政局, still open), 施工队伍 (closed)
    (1 of 3). 尹集乡: C's 竣工 and D's 环评 not done (0 of 2); 环评批复 closed (1 of 1)."""
    from ledgerkit.period import Period
    from ledgerkit.pipeline import score

    ws, settings = four_months
    run = score(settings, ws, Period.parse("2024-04"))
    items = {(t["unit"], i["item"]): i for t in run.scores["table"] for i in t["items"]}
    assert items["卧龙镇", "节点按期率"]["inputs"] == "按期完成节点1个 ÷ 到期节点2个"
    assert items["卧龙镇", "问题办结率"]["inputs"] == "已办结1个 ÷ 本年交办问题3个"
    assert items["尹集乡", "节点按期率"]["inputs"] == "按期完成节点0个 ÷ 到期节点2个"
    assert items["尹集乡", "问题办结率"]["inputs"] == "已办结1个 ÷ 本年交办问题1个"
    rules = {r.item: r for r in settings.score_rules}
    for (unit, item), rate in {
        ("卧龙镇", "节点按期率"): Decimal(1) / 2,
        ("卧龙镇", "问题办结率"): Decimal(1) / 3,
        ("尹集乡", "节点按期率"): Decimal(0),
        ("尹集乡", "问题办结率"): Decimal(1),
    }.items():
        rule = rules[item]
        earned = rule.weight * min(rate * 100 / rule.full_at, Decimal(1))
        assert abs(items[unit, item]["points"] - earned) < Decimal("0.01")
