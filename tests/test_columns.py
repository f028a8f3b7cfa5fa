"""Which column is which field: chosen by meaning once per sheet, explained, correctable.

Every layout here is one seen in real ledgers: a since-start cumulative beside this year's
completion, plans for two years or an empty 二级计划, 概算 beside 批复, funding-source rows,
其中 lines, footnotes, 是/否 tag columns, a first project that mentions 进度."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from builders import assert_accounted, csv_file, html_xls, run_cli, xlsx

from ledgerkit.columns import ColumnRules, explain
from ledgerkit.leaders import leaders_of
from ledgerkit.merging import FileResult
from ledgerkit.metrics import level_tags
from ledgerkit.period import Period
from ledgerkit.pipeline import explain_month, load_file, merge_paths
from ledgerkit.project import FIELDS
from ledgerkit.schema import load_schema
from ledgerkit.settings import BadSettings, load_settings

APRIL = Period(2024, 4)


def load(path: Path, period: Period | None = APRIL, rules: ColumnRules | None = None) -> FileResult:
    result = load_file(path, period=period, rules=rules)
    assert result.status == "merged", result.reason
    assert_accounted(result.ledger, result.issues)
    return result


def fields(result: FileResult) -> dict[str, str | None]:
    return {c.header: c.field for c in result.ledger.columns}


def codes(result: FileResult, code: str) -> list[Any]:
    return [i for i in result.issues if i.code == code]


def test_the_since_start_field_is_on_project_and_in_schema() -> None:
    assert "cumulative_completed" in FIELDS
    field = load_schema().fields["cumulative_completed"]
    assert field.kind == "reference"  # read, never summed


def test_a_since_start_cumulative_beside_this_years_is_not_this_years(tmp_path: Path) -> None:
    rows = [
        ["某区2024年重点项目推进表"],
        ["序号", "项目名称", "总投资", "2024年计划投资", "至2023年底累计完成投资", "1-4月完成投资"],
        [1, "甲项目", 10000, 2000, 6000, 500],
        [2, "乙项目", 5000, 1000, 3500, 300],
    ]
    result = load(xlsx(tmp_path / "甲镇.xlsx", rows))
    assert fields(result)["至2023年底累计完成投资"] == "cumulative_completed"
    assert fields(result)["1-4月完成投资"] == "ytd_completed"
    projects = result.ledger.projects
    assert [p.ytd_completed for p in projects] == [Decimal(500), Decimal(300)]
    assert [p.cumulative_completed for p in projects] == [Decimal(6000), Decimal(3500)]
    assert not codes(result, "completed-over-plan")  # 6000 of a 2000 plan was the old misreading
    merged = merge_paths([tmp_path], APRIL)
    assert sum(p.ytd_completed for p in merged.projects) == Decimal(800)


@pytest.mark.parametrize(
    "since",
    [
        "开工至上一年度底累计完成投资",
        "开工累计完成投资",
        "截止到目前累计完成投资合计",
        "开工以来累计完成投资",
    ],
)
def test_since_start_spellings(tmp_path: Path, since: str) -> None:
    rows = [
        ["序号", "项目名称", "总投资", "年度计划投资", since, "今年已完成投资"],
        [1, "甲项目", 10000, 2000, 6000, 500],
    ]
    (p,) = load(xlsx(tmp_path / "甲镇.xlsx", rows)).ledger.projects
    assert (p.ytd_completed, p.cumulative_completed) == (Decimal(500), Decimal(6000))


def test_a_generic_cumulative_beside_this_years_is_the_since_start_one(tmp_path: Path) -> None:
    rows = [
        ["序号", "项目名称", "总投资", "年度计划投资", "累计完成投资", "本年累计完成投资"],
        [1, "甲项目", 10000, 2000, 6000, 500],
    ]
    result = load(xlsx(tmp_path / "甲镇.xlsx", rows))
    (p,) = result.ledger.projects
    assert (p.ytd_completed, p.cumulative_completed) == (Decimal(500), Decimal(6000))
    (choice,) = codes(result, "column-choice")
    assert choice.severity == "info"
    assert choice.cell == "F1"  # the header cell of the column used
    assert "“本年累计完成投资”（F列）" in choice.message and "E列未作累计完成投资" in choice.message


def test_an_empty_column_never_wins_over_a_filled_one(tmp_path: Path) -> None:
    rows = [
        ["序号", "项目名称", "总投资", "二级计划", "2024年计划投资", "1-4月完成投资"],
        [1, "甲项目", 10000, None, 2000, 500],
        [2, "乙项目", 8000, "", 1000, 100],
    ]
    result = load(xlsx(tmp_path / "甲镇.xlsx", rows))
    assert fields(result)["2024年计划投资"] == "annual_plan"
    assert fields(result)["二级计划"] is None
    assert [p.annual_plan for p in result.ledger.projects] == [Decimal(2000), Decimal(1000)]
    (choice,) = codes(result, "column-choice")
    assert "空列" in choice.message


def test_the_first_filled_column_wins_over_a_later_empty_one_of_any_rank(tmp_path: Path) -> None:
    rows = [
        ["序号", "项目名称", "总投资", "年度计划投资", "本年累计完成投资", "1-4月完成投资"],
        [1, "甲项目", 10000, 2000, 500, None],
    ]
    (p,) = load(xlsx(tmp_path / "甲镇.xlsx", rows)).ledger.projects
    assert p.ytd_completed == Decimal(500)


def test_a_plan_for_another_year_gives_way_to_this_years(tmp_path: Path) -> None:
    rows = [
        ["序号", "项目名称", "总投资", "2025年计划投资", "2024年计划投资", "1-4月完成投资"],
        [1, "甲项目", 10000, 3000, 2000, 500],
    ]
    result = load(xlsx(tmp_path / "甲镇.xlsx", rows))
    (p,) = result.ledger.projects
    assert p.annual_plan == Decimal(2000)
    assert p.extras["2025年计划投资"] == 3000  # kept as written, never summed
    assert not codes(result, "column-period")


def test_a_lone_column_of_another_period_is_read_and_questioned(tmp_path: Path) -> None:
    rows = [
        ["序号", "项目名称", "总投资", "2023年计划投资", "1-3月完成投资"],
        [1, "甲项目", 10000, 3000, 500],
    ]
    result = load(xlsx(tmp_path / "甲镇.xlsx", rows))
    (p,) = result.ledger.projects
    assert (p.annual_plan, p.ytd_completed) == (Decimal(3000), Decimal(500))
    found = {i.cell: i.message for i in codes(result, "column-period")}
    assert set(found) == {"D1", "E1"}
    assert "1-3月" in found["E1"] and "1-4月" in found["E1"]
    assert "2023年" in found["D1"] and "2024年" in found["D1"]


def test_the_period_comes_from_the_title_when_the_run_does_not_know_it(tmp_path: Path) -> None:
    rows = [
        ["某镇2024年重点项目台账（1-4月）"],
        ["序号", "项目名称", "总投资", "2024年计划投资", "2023年完成投资", "1-4月完成投资"],
        [1, "甲项目", 10000, 2000, 4000, 500],
    ]
    result = load(xlsx(tmp_path / "甲镇.xlsx", rows), period=None)
    (p,) = result.ledger.projects
    assert (p.ytd_completed, p.cumulative_completed) == (Decimal(500), Decimal(4000))
    assert result.ledger.understanding.period == "2024年1-4月"
    assert result.ledger.understanding.period_from == "标题"


@pytest.mark.parametrize(
    ("headers", "used"),
    [
        (["概算投资", "立项批复总投资"], "立项批复总投资"),
        (["估算投资", "投资总额"], "投资总额"),
        (["概算投资", "估算投资"], "概算投资"),
    ],
)
def test_the_more_final_total_wins(tmp_path: Path, headers: list[str], used: str) -> None:
    rows = [
        ["序号", "项目名称", *headers, "年度计划投资", "1-4月完成投资"],
        [1, "甲项目", 10000, 12000, 2000, 500],
    ]
    result = load(xlsx(tmp_path / "甲镇.xlsx", rows))
    (p,) = result.ledger.projects
    assert p.total_investment == Decimal(10000 if headers[0] == used else 12000)
    assert fields(result)[used] == "total_investment"
    (choice,) = codes(result, "column-choice")
    assert "总投资取更确定的一列" in choice.message


def test_this_months_figure_by_its_month(tmp_path: Path) -> None:
    rows = [
        [
            "序号",
            "项目名称",
            "总投资",
            "年度计划投资",
            "当月完成投资额",
            "4月完成投资",
            "1-4月完成投资",
        ],
        [1, "甲项目", 10000, 2000, 90, 100, 500],
    ]
    result = load(xlsx(tmp_path / "甲镇.xlsx", rows))
    (p,) = result.ledger.projects
    assert p.month_completed == Decimal(100)
    assert codes(result, "column-choice")


def test_stage_column_is_the_category_and_the_other_is_kept(tmp_path: Path) -> None:
    rows = [
        ["序号", "项目名称", "项目类别", "建设性质", "总投资", "年度计划投资"],
        [1, "甲项目", "产业项目", "续建", 100, 50],
        [2, "乙项目", "基础设施", "新建", 100, 50],
    ]
    result = load(xlsx(tmp_path / "甲镇.xlsx", rows))
    assert [p.category for p in result.ledger.projects] == ["续建", "新建"]
    assert [p.extras["项目类别"] for p in result.ledger.projects] == ["产业项目", "基础设施"]


# --- rows that carry numbers but are not projects -------------------------------------------


def test_funding_source_rows_belong_to_the_project_above(tmp_path: Path) -> None:
    rows = [
        ["序号", "项目名称", "资金来源", "总投资", "年度计划投资", "1-4月完成投资"],
        [1, "甲项目", "中央预算内", 1000, 500, 100],
        [None, None, "地方专项债", 1000, 500, 100],
        [None, None, None, 1000, 500, 100],
        [2, "乙项目", "自筹", 400, 200, 50],
        ["合计", None, None, 1400, 700, 150],
    ]
    result = load(xlsx(tmp_path / "甲镇.xlsx", rows))
    projects = result.ledger.projects
    assert [p.name for p in projects] == ["甲项目", "乙项目"]
    assert projects[0].extras["资金来源"] == "中央预算内；地方专项债"
    assert sum(p.total_investment for p in projects) == Decimal(1400)
    assert [s.row for s in result.ledger.set_aside if s.kind == "附属行"] == [3, 4]
    assert not codes(result, "missing-name") and not codes(result, "total-mismatch")


def test_indented_qizhong_lines_and_footnotes_are_set_aside(tmp_path: Path) -> None:
    rows = [
        ["序号", "项目名称", "总投资", "年度计划投资", "1-4月完成投资"],
        ["合计", None, 1500, 700, 150],
        ["其中：省重点项目（2项）", None, 1500, 700, 150],
        ["     预备重点项目（10项）", None, 800, 300, 0],
        [1, "甲项目", 1000, 500, 100],
        [2, "乙项目", 500, 200, 50],
        ["1、项目性质：指前期、续建、新开工项目"],
        ["填表说明：金额单位为万元"],
    ]
    result = load(xlsx(tmp_path / "甲镇.xlsx", rows))
    assert [p.name for p in result.ledger.projects] == ["甲项目", "乙项目"]
    kinds = {s.row: s.kind for s in result.ledger.set_aside}
    assert (kinds[3], kinds[4], kinds[7], kinds[8]) == ("小计", "小计", "表尾", "表尾")
    assert not codes(result, "missing-name")


@pytest.mark.parametrize("fmt", ["csv", "html"])
def test_a_first_project_mentioning_progress_is_not_a_header(tmp_path: Path, fmt: str) -> None:
    rows = [
        ["序号", "项目名称", "总投资", "年度计划投资", "1-4月完成投资", "形象进度", "存在问题"],
        ["1", "东方路改造", "1000", "500", "100", "受雨季影响，施工进度滞后", "资金问题"],
        ["2", "西湖公园", "2000", "800", "300", "主体完工", ""],
    ]
    if fmt == "csv":  # nothing but words: 进度滞后 under 形象进度, amounts not yet filled in
        rows[1] = ["1", "东方路改造", "", "", "", "进度滞后", "存在问题较多"]
    path = (
        csv_file(tmp_path / "甲镇.csv", rows)
        if fmt == "csv"
        else html_xls(tmp_path / "甲镇.xls", rows)
    )
    result = load(path)
    assert result.ledger.header_rows == (1,)
    assert [p.name for p in result.ledger.projects] == ["东方路改造", "西湖公园"]
    total = sum(p.total_investment or 0 for p in result.ledger.projects)
    assert total == Decimal(2000 if fmt == "csv" else 3000)


# --- tags and levels ------------------------------------------------------------------------


def test_yes_no_columns_are_level_tags(tmp_path: Path) -> None:
    rows = [
        [
            "序号",
            "项目名称",
            "层次",
            "列入市考核",
            "是否省重点",
            "亿元以上",
            "总投资",
            "年度计划投资",
        ],
        [1, "甲项目", "市重点", "是", "否", "√", 20000, 5000],
        [2, "乙项目", "省重点", "否", "是", "×", 8000, 2000],
        [3, "丙项目", "区级", None, None, None, 500, 100],
    ]
    result = load(xlsx(tmp_path / "甲镇.xlsx", rows))
    levels = [level_tags(p.level) for p in result.ledger.projects]
    assert levels == [["市级", "列入市考核", "亿元以上"], ["省级"], ["区级"]]
    notes = {c["header"]: c["became"] for c in explain(result.ledger)["columns"]}
    assert notes["列入市考核"] == "标签“列入市考核”"
    assert notes["层次"] == "项目级别"


def test_province_a_and_b_are_two_lists_under_the_province() -> None:
    assert level_tags("省A") == ["省级", "省A"]
    assert level_tags("省B、列入市考核") == ["省级", "省B", "列入市考核"]
    assert level_tags("省重点") == ["省级"]


# --- spellings and values seen in real files ------------------------------------------------


def test_real_spellings_and_values(tmp_path: Path) -> None:
    rows = [
        [
            "序号",
            "项目名称",
            "辖区",
            "挂点领导",
            "项目法人或责任单位",
            "行业领域名称",
            "项目类型名称",
            "建设起止年限",
            "总投资",
            "年度计划投资",
            "月完成投资",
            "年实际完成投资",
            "计划开工时间",
        ],
        [
            1,
            "甲项目",
            "区农业\n农村局",
            "张三\n李四",
            "某某公司",
            "农业农村",
            "续建",
            "09.10-11.3",
            1000,
            500,
            20,
            100,
            "2018/3/1 0:00:00",
        ],
    ]
    result = load(xlsx(tmp_path / "甲镇.xlsx", rows))
    (p,) = result.ledger.projects
    assert (p.unit, p.leader, p.owner) == ("区农业农村局", "张三、李四", "某某公司")
    assert leaders_of(p.leader) == ["张三", "李四"]  # counted for both, wherever leaders are
    assert (p.sector, p.category, p.build_period) == ("农业农村", "续建", "09.10-11.3")
    assert (p.month_completed, p.ytd_completed) == (Decimal(20), Decimal(100))
    assert p.planned_start == "2018-03-01"
    assert not codes(result, "bad-date")


# --- the clerk's corrections and --explain --------------------------------------------------


def _workspace(tmp_path: Path, toml: str) -> Path:
    (tmp_path / "ledgerkit.toml").write_text('region = "某区"\n' + toml, "utf-8")
    folder = tmp_path / "2024-04"
    folder.mkdir()
    rows = [
        ["某镇2024年重点项目台账"],
        ["序号", "项目名称", "总投资", "年度计划投资", "累计完成", "今年完成数", "备用列"],
        [1, "甲项目", 1000, 500, 3000, 100, 7],
    ]
    xlsx(folder / "甲镇.xlsx", rows)
    return folder


def test_columns_and_aliases_in_ledgerkit_toml(tmp_path: Path) -> None:
    toml = (
        '[columns]\n"累计完成" = "开工累计完成投资"\n"备用列" = "ignore"\n'
        '[aliases]\nytd_completed = ["今年完成数"]\n'
    )
    folder = _workspace(tmp_path, toml)
    settings = load_settings(tmp_path, env={})
    (p,) = merge_paths([folder], settings=settings).projects
    assert (p.ytd_completed, p.cumulative_completed) == (Decimal(100), Decimal(3000))
    assert "备用列" not in p.extras


def test_a_header_in_columns_matches_with_or_without_its_unit(tmp_path: Path) -> None:
    rows = [
        ["序号", "项目名称", "总投资", "年度计划投资（万元）", "完成数（万元）"],
        [1, "甲项目", 1000, 500, 80],
    ]
    rules = ColumnRules.of([("完成数", "ytd_completed"), ("年度计划投资(万元)", "ignore")], [])
    result = load(xlsx(tmp_path / "甲镇.xlsx", rows), rules=rules)
    (p,) = result.ledger.projects
    assert (p.ytd_completed, p.annual_plan) == (Decimal(80), None)
    assert not any("年度计划" in k for k in p.extras)  # ignored: not even kept


def test_a_wrong_field_in_columns_stops_with_the_list(tmp_path: Path) -> None:
    (tmp_path / "ledgerkit.toml").write_text('[columns]\n"累计完成" = "完成数"\n', "utf-8")
    with pytest.raises(BadSettings, match=r"完成数.*累计完成投资"):
        load_settings(tmp_path, env={})


def test_check_explain_prints_and_json_is_the_librarys(
    tmp_path: Path, capsysbinary: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    toml = '[columns]\n"备用列" = "ignore"\n[aliases]\nytd_completed = ["今年完成数"]\n'
    folder = _workspace(tmp_path, toml)
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli(capsysbinary, "check", str(folder), "--explain")
    assert code == 0
    assert "甲镇.xlsx 工作表“台账”的各列" in out and "按设置忽略" in out and "表头 2" in out
    code, out, _ = run_cli(capsysbinary, "check", str(folder), "--explain", "--json")
    data = json.loads(out)
    settings = load_settings(tmp_path, env={})
    assert data["explain"] == explain_month(merge_paths([folder], settings=settings))
    (sheet,) = data["explain"]
    assert sheet["rows"] == {"标题": "1", "表头": "2", "项目": "3"}
    assert sheet["period"] == "2024年1-4月" and sheet["period_from"] == "报告期"
    assert sheet["money_unit_from"] == "表中未注明，按默认万元"
    became = {c["header"]: c["became"] for c in sheet["columns"]}
    assert became["累计完成"] == "开工累计完成投资"  # generic, beside this year's 今年完成数
    assert became["备用列"] == "按设置忽略"


def test_a_unit_broken_over_two_lines_is_one_name_in_the_markdown_preview(tmp_path: Path) -> None:
    from ledgerkit.bulletin import bulletin
    from ledgerkit.metrics import assess, figures
    from ledgerkit.settings import Settings

    folder = tmp_path / "2024-04"
    folder.mkdir()
    rows = [
        ["序号", "项目名称", "责任单位", "总投资", "年度计划投资", "1-4月完成投资", "存在问题"],
        [1, "甲项目", "区农业\n农村局", 1000, 500, 10, "征地\n拆迁慢"],
        [2, "乙项目", "卧龙镇", 1000, 500, 200, None],
    ]
    xlsx(folder / "汇总.xlsx", rows)
    settings = Settings(region="某区")
    merged = merge_paths([folder], APRIL, settings)
    assert {p.unit for p in merged.projects} == {"区农业农村局", "卧龙镇"}
    got = figures(tuple(assess(merged.projects, APRIL, settings)), APRIL, settings)
    md = bulletin(got, settings, "md").decode("utf-8")
    assert "区农业农村局" in md and "区农业\n" not in md
    tables: list[list[str]] = [[]]
    for line in md.splitlines():
        if line.startswith("|"):
            tables[-1].append(line)
        elif tables[-1]:
            tables.append([])
    tables = [t for t in tables if t]
    assert tables
    for table in tables:  # every row is one line with the header's number of cells
        widths = {line.replace("\\|", "").count("|") for line in table}
        assert len(widths) == 1, table


def test_the_since_start_figure_survives_a_roll_up(tmp_path: Path) -> None:
    from ledgerkit.workbook import write_workbook

    folder = tmp_path / "2024-04"
    folder.mkdir()
    rows = [
        ["序号", "项目名称", "总投资", "年度计划投资", "开工累计完成投资", "1-4月完成投资"],
        [1, "甲项目", 10000, 2000, 6000, 500],
    ]
    xlsx(folder / "甲镇.xlsx", rows)
    out = tmp_path / "区" / "某区2024年1-4月汇总.xlsx"
    out.parent.mkdir()
    write_workbook(merge_paths([folder], APRIL), out, "某区2024年1-4月重点项目汇总台账")
    (p,) = merge_paths([out], APRIL).projects
    assert (p.ytd_completed, p.cumulative_completed) == (Decimal(500), Decimal(6000))


def test_explain_is_per_sheet_when_a_file_holds_several_lists(tmp_path: Path) -> None:
    head = ["序号", "项目名称", "总投资", "年度计划投资", "至2023年底累计完成投资", "1-4月完成投资"]
    first = [["甲开发区2024年项目"], head, [1, "甲项目", 1000, 500, 300, 100]]
    second = [["乙园区2024年项目"], head, [1, "乙项目", 2000, 800, 900, 200]]
    folder = tmp_path / "2024-04"
    folder.mkdir()
    xlsx(folder / "开发区.xlsx", second, sheet="乙园区", before=[("甲开发区", first)])
    result = merge_paths([folder], APRIL)
    assert sum(p.ytd_completed for p in result.projects) == Decimal(300)
    assert sum(p.cumulative_completed for p in result.projects) == Decimal(1200)
    sheets = explain_month(result)
    assert [s["sheet"] for s in sheets] == ["甲开发区", "乙园区"]
    for s in sheets:
        became = {c["header"]: c["became"] for c in s["columns"]}
        assert became["至2023年底累计完成投资"] == "开工累计完成投资"
