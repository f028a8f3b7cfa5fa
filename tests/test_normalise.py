"""Normalise stage: headers, money units, rows that are not projects, values as units type them,
formulas without values, the reporting unit; every row accounted for."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from builders import (
    TOWNSHIP_MERGES,
    TOWNSHIP_ROWS,
    assert_accounted,
    csv_file,
    html_xls,
    xls,
    xlsx,
    xlsx_cached,
)

from ledgerkit.merging import FileResult
from ledgerkit.pipeline import load_file, merge_paths

HEAD = [
    "序号",
    "项目名称",
    "责任单位",
    "项目类别",
    "总投资",
    "年度计划投资",
    "累计完成投资",
    "是否开工",
    "形象进度",
]


def load(path: Path) -> FileResult:
    """load_file, checked: merged, every row accounted for."""
    result = load_file(path)
    assert result.status == "merged", result.reason
    assert_accounted(result.ledger, result.issues)
    return result


def by_name(result: FileResult) -> dict[str, dict[str, Any]]:
    return {p.name: p for p in result.ledger.projects}


def codes(result: FileResult) -> Counter[str]:
    return Counter(i.code for i in result.issues)


def kinds(result: FileResult) -> Counter[str]:
    return Counter(s.kind for s in result.ledger.set_aside)


def fields(result: FileResult) -> dict[str, str | None]:
    return {c.header: c.field for c in result.ledger.columns}


# --- where the header is ------------------------------------------------------------------


def test_header_below_title_and_unit_line(tmp_path: Path) -> None:
    rows = [
        ["城关镇2024年重点项目推进台账（1-4月）", *[None] * 8],
        ["单位：万元", *[None] * 8],
        HEAD,
        [1, "城关镇老旧小区改造", "城关镇", "续建", 3000, 1000, 400, "是", "外墙保温"],
        [2, "城关镇农贸市场提升", "城关镇", "新建", 800, 800, 0, "否", "前期手续"],
    ]
    result = load(xlsx(tmp_path / "城关镇.xlsx", rows, ["A1:I1"]))
    ledger = result.ledger
    assert ledger.header_rows == (3,)
    assert [(s.row, s.kind) for s in ledger.set_aside] == [(1, "标题"), (2, "标题"), (3, "表头")]
    assert [p.source.row for p in ledger.projects] == [4, 5]
    projects = by_name(result)
    assert projects["城关镇老旧小区改造"].total_investment == Decimal(3000)
    assert projects["城关镇农贸市场提升"].ytd_completed == Decimal(0)  # a typed 0 stays 0
    assert projects["城关镇农贸市场提升"].started is False


def test_one_row_header_on_the_first_row(tmp_path: Path) -> None:
    rows = [HEAD, [1, "甲项目", "甲镇", "续建", 100, 50, 25, "是", "施工"]]
    result = load(xlsx(tmp_path / "甲镇.xlsx", rows))
    assert result.ledger.header_rows == (1,)
    assert [c.field for c in result.ledger.columns] == [
        "seq",
        "name",
        "unit",
        "category",
        "total_investment",
        "annual_plan",
        "ytd_completed",
        "started",
        "progress",
    ]
    (project,) = result.ledger.projects
    assert project.ytd_completed == Decimal(25)


def test_two_row_header_with_merged_group_cell(tmp_path: Path) -> None:
    result = load(xlsx(tmp_path / "卧龙镇.xlsx", TOWNSHIP_ROWS, TOWNSHIP_MERGES))
    ledger = result.ledger
    assert ledger.header_rows == (3, 4)
    headers = fields(result)
    assert headers["序号"] == "seq"  # merged down over both header rows
    assert headers["投资情况(万元)/总投资"] == "total_investment"
    assert headers["投资情况(万元)/2024年计划投资"] == "annual_plan"
    assert headers["投资情况(万元)/1-4月完成投资"] == "ytd_completed"
    assert headers["是否开工"] == "started"
    assert [p.ytd_completed for p in ledger.projects] == [
        Decimal("123.5"),
        Decimal("300"),
        Decimal("452"),
    ]


GROUP_ABOVE = [
    ["开发区2024年重点项目台账", *[None] * 7],
    [None, None, None, None, "投资情况（亿元）", None, None, None],
    [
        "序号",
        "项目名称",
        "责任单位",
        "建设性质",
        "总投资",
        "年度计划投资",
        "累计完成投资",
        "是否开工",
    ],
    [1, "智能装备产业园", "开发区", "续建", 1.23, 0.5, 0.1, "是"],
    [2, "标准化厂房二期", "开发区", "新建", "2", "0.3", "0.25", "否"],
]


def test_group_row_above_a_complete_header_row(tmp_path: Path) -> None:
    result = load(xlsx(tmp_path / "开发区.xlsx", GROUP_ABOVE, ["A1:H1", "E2:G2"]))
    ledger = result.ledger
    assert ledger.header_rows == (2, 3)
    assert [(s.row, s.kind) for s in ledger.set_aside] == [(1, "标题"), (2, "表头"), (3, "表头")]
    money = [
        c for c in ledger.columns if c.field in ("total_investment", "annual_plan", "ytd_completed")
    ]
    assert [c.money_unit for c in money] == ["亿元", "亿元", "亿元"]
    assert ledger.unit == "开发区"
    a, b = ledger.projects
    assert (a.total_investment, a.annual_plan, a.ytd_completed) == (
        Decimal("12300"),
        Decimal("5000"),
        Decimal("1000"),
    )
    assert (b.total_investment, b.annual_plan, b.ytd_completed) == (
        Decimal("20000"),
        Decimal("3000"),
        Decimal("2500"),
    )


def test_group_row_with_two_labels_above_header_in_html(tmp_path: Path) -> None:
    rows = [
        ["基本情况", None, None, "投资情况（亿元）", None, None, "进展情况", None],
        [
            "序号",
            "项目名称",
            "建设性质",
            "总投资",
            "年度计划投资",
            "累计完成投资",
            "是否开工",
            "形象进度",
        ],
        ["1", "文旅综合体", "在建", "3.5", "1", "0.42", "是", "主体施工"],
    ]
    spans = {(0, 0): (1, 3), (0, 3): (1, 3), (0, 6): (1, 2)}
    for c in (1, 2, 4, 5, 7):
        rows[0][c] = None
    result = load(html_xls(tmp_path / "文旅局.xls", rows, spans))
    assert result.ledger.header_rows == (1, 2)
    (project,) = result.ledger.projects
    assert project.total_investment == Decimal("35000")
    assert project.annual_plan == Decimal("10000")
    assert project.ytd_completed == Decimal("4200")
    assert project.category == "续建"
    assert project.progress == "主体施工"


def test_line_with_a_colon_above_the_header_is_not_a_group_row(tmp_path: Path) -> None:
    rows = [
        ["填报单位：白河镇人民政府", None, None, None, None, None, None, "填报日期：2024.5.5"],
        HEAD[:8],
        [1, "白河镇光伏电站", None, "新建", 500, 200, 50, "是"],
    ]
    result = load(xlsx(tmp_path / "台账.xlsx", rows))
    assert result.ledger.header_rows == (2,)
    # the office's full name "白河镇人民政府" is the unit 白河镇
    assert (result.ledger.unit, result.ledger.unit_source) == ("白河镇", "填报单位")
    assert by_name(result)["白河镇光伏电站"].unit == "白河镇"


# --- header spellings ----------------------------------------------------------------------

ALIASES = {
    "序号": "seq",
    "建设项目名称": "name",
    "牵头单位": "unit",
    "分包领导": "leader",
    "建设单位": "owner",
    "建设性质": "category",
    "项目级别": "level",
    "行业领域": "sector",
    "建设内容及规模": "content",
    "建设起止年限": "build_period",
    "总投资（万元）": "total_investment",
    "2024年计划投资": "annual_plan",
    "4月完成投资": "month_completed",
    "1-4月完成投资": "ytd_completed",
    "完成率": "completion_rate",
    "开工情况": "started",
    "计划开工时间": "planned_start",
    "实际开工时间": "actual_start",
    "计划竣工时间": "planned_finish",
    "工程进展": "progress",
    "存在的问题及建议": "problems",
    "下步工作计划": "next_steps",
    "联系人及电话": "contact",
    "用地面积（亩）": None,
    "是否列入市考核": None,
}


def test_header_aliases_map_to_fields(tmp_path: Path) -> None:
    header = list(ALIASES)
    row = [
        1,
        "白河镇光伏电站",
        "白河镇",
        "王副镇长",
        "白河新能源公司",
        "新开工",
        "市级",
        "基础设施",
        "装机20MW",
        "2024-2025",
        "8,000",
        "3000",
        "200",
        "900",
        None,
        "已开工",
        "2024.2",
        "2024-03-15",
        "2025年6月",
        "支架安装",
        "电网接入慢",
        "组件进场",
        "张三 13800000000",
        120,
        "是",
    ]
    result = load(xlsx(tmp_path / "白河镇.xlsx", [header, row]))
    assert [c.field for c in result.ledger.columns] == list(ALIASES.values())
    (p,) = result.ledger.projects
    assert p.name == "白河镇光伏电站"
    assert p.unit == "白河镇"
    assert p.leader == "王副镇长"
    assert p.owner == "白河新能源公司"
    assert p.category == "新建"
    assert p.level == "市级、列入市考核"  # the 是 of 是否列入市考核 is a tag
    assert p.sector == "基础设施"
    assert p.build_period == "2024-2025"
    assert p.total_investment == Decimal(8000)
    assert p.annual_plan == Decimal(3000)
    assert p.month_completed == Decimal(200)
    assert p.ytd_completed == Decimal(900)
    assert p.started is True
    assert p.planned_start == "2024-02"
    assert p.actual_start == "2024-03-15"
    assert p.planned_finish == "2025-06"
    assert p.progress == "支架安装"
    assert p.problems == "电网接入慢"
    assert p.next_steps == "组件进场"
    assert p.contact == "张三 13800000000"
    # columns ledgerkit does not know are kept, under the unit's own header
    assert p.extras == {"用地面积(亩)": 120, "是否列入市考核": "是"}


@pytest.mark.parametrize(
    ("header", "field", "unit"),
    [
        ("总投资（万元）", "total_investment", "万元"),
        ("总投资\n（万元）", "total_investment", "万元"),
        ("总投资\r\n(亿元)", "total_investment", "亿元"),
        ("计划总投资【万元】", "total_investment", "万元"),
        ("２０２４年计划投资", "annual_plan", "万元"),
        ("2024年度计划投资（亿元）", "annual_plan", "亿元"),
        ("1-4月完成投资", "ytd_completed", "万元"),
        ("1—4月累计完成投资", "ytd_completed", "万元"),
        ("1至4月完成投资（万元）", "ytd_completed", "万元"),
        ("本年累计完成", "ytd_completed", "万元"),
        ("4月完成投资", "month_completed", "万元"),
        ("4月份完成投资", "month_completed", "万元"),
        ("本月完成", "month_completed", "万元"),
    ],
)
def test_header_normalisation(tmp_path: Path, header: str, field: str, unit: str) -> None:
    rows = [["项目名称", "责任单位", "形象进度", header], ["甲项目", "甲镇", "施工", "2"]]
    result = load(xlsx(tmp_path / "甲镇.xlsx", rows))
    column = result.ledger.columns[3]
    assert (column.field, column.money_unit) == (field, unit)
    expected = Decimal(20000) if unit == "亿元" else Decimal(2)
    assert getattr(result.ledger.projects[0], field) == expected


def test_unmatched_columns_are_kept_in_extras(tmp_path: Path) -> None:
    rows = [
        ["项目名称", "总投资", "年度计划投资", "累计完成投资", "用地（亩）", "招商来源地"],
        ["甲项目", 100, 50, 20, 35.5, "深圳"],
        ["乙项目", 200, 60, 10, None, "—"],
    ]
    result = load(xlsx(tmp_path / "甲镇.xlsx", rows))
    assert [c.field for c in result.ledger.columns][4:] == [None, None]
    a, b = result.ledger.projects
    assert a.extras == {"用地(亩)": 35.5, "招商来源地": "深圳"}
    assert b.extras == {}  # empty cells and "—" are not kept


# --- money units ----------------------------------------------------------------------------


def _money_rows(title: list[Any] | None, group: str | None, total_header: str) -> list[list[Any]]:
    rows: list[list[Any]] = []
    if title:
        rows.append(title)
    if group:
        rows.append([None, group, None, None])
        rows.append(["项目名称", total_header, "年度计划投资", "累计完成投资"])
    else:
        rows.append(["项目名称", total_header, "年度计划投资", "累计完成投资"])
    rows.append(["甲项目", 1.23, 0.45, 0.1])
    rows.append(["乙项目", "2.5", "0.6", "0.2"])
    return rows


@pytest.mark.parametrize(
    ("title", "group", "total_header", "factor", "units"),
    [
        (None, None, "总投资（亿元）", 10000, ["亿元", "万元", "万元"]),
        (None, "投资情况（亿元）", "总投资", 10000, ["亿元"] * 3),
        (["单位：亿元", None, None, None], None, "总投资", 10000, ["亿元"] * 3),
        (
            ["2024年重点项目台账（单位：亿元）", None, None, None],
            None,
            "总投资",
            10000,
            ["亿元"] * 3,
        ),
        (None, None, "总投资", 1, ["万元"] * 3),
        (["单位：元", None, None, None], None, "总投资", Decimal("0.0001"), ["元"] * 3),
    ],
    ids=["header", "group", "line", "title", "default", "yuan"],
)
def test_money_unit_sources(
    tmp_path: Path, title: Any, group: Any, total_header: str, factor: Any, units: list[str]
) -> None:
    rows = _money_rows(title, group, total_header)
    merges = [f"B{2 if title else 1}:D{2 if title else 1}"] if group else []
    result = load(xlsx(tmp_path / "甲镇.xlsx", rows, merges))
    money = [c for c in result.ledger.columns if c.field != "name"]
    assert [c.money_unit for c in money] == units
    a, b = result.ledger.projects
    first = Decimal(factor)
    rest = Decimal(factor) if units[1] != "万元" else Decimal(1)
    assert a.total_investment == Decimal("1.23") * first
    assert a.annual_plan == Decimal("0.45") * rest
    assert b.total_investment == Decimal("2.5") * first
    assert a.ytd_completed + b.ytd_completed == Decimal("0.3") * rest


def test_amounts_in_yiyuan_are_stored_exactly_in_wanyuan(tmp_path: Path) -> None:
    rows = [
        ["项目名称", "总投资（亿元）", "年度计划投资（亿元）", "累计完成投资（亿元）"],
        ["甲项目", 1.23, 0.1, 0.1],
        ["乙项目", 4.56, 0.2, 0.2],
        ["丙项目", 0.07, 0.7, "0.0001"],
    ]
    result = load(xlsx(tmp_path / "开发区.xlsx", rows))
    projects = result.ledger.projects
    assert [p.total_investment for p in projects] == [
        Decimal("12300"),
        Decimal("45600"),
        Decimal("700"),
    ]
    assert all(isinstance(p.total_investment, Decimal) for p in projects)
    assert sum(p.annual_plan for p in projects) == Decimal("10000")  # 0.1+0.2+0.7 亿
    assert projects[0].ytd_completed + projects[1].ytd_completed == Decimal("3000")
    assert projects[2].ytd_completed == Decimal("1")


def test_float_tenths_sum_exactly(tmp_path: Path) -> None:
    rows = [["项目名称", "总投资", "年度计划投资", "累计完成投资"]]
    rows += [[f"项目{i}", 0.1, 0.2, 0.3] for i in range(10)]
    result = load(xlsx(tmp_path / "甲镇.xlsx", rows))
    projects = result.ledger.projects
    assert sum(p.total_investment for p in projects) == Decimal("1")
    assert sum(p.annual_plan for p in projects) == Decimal("2")
    assert sum(p.ytd_completed for p in projects) == Decimal("3")
    assert projects[0].total_investment + projects[0].annual_plan == Decimal("0.3")


# --- rows that are not projects ----------------------------------------------------------------


def test_totals_sections_blanks_and_footers_are_never_projects(tmp_path: Path) -> None:
    rows = [
        ["东城街道2024年重点项目台账", *[None] * 8],
        HEAD,
        ["总计", None, None, None, 10000, 3000, 1000, None, None],
        ["一、续建项目（2个）", *[None] * 8],
        [1, "东城安置小区", None, None, 6000, 2000, 800, "是", "主体封顶"],
        [2, "东城道路提升", None, None, 2000, 500, 100, "是", "路面施工"],
        ["小计", None, None, None, 8000, 2500, 900, None, None],
        ["其中：省级重点项目", None, None, None, 6000, 2000, 800, None, None],
        [None] * 9,
        ["二、新开工项目（1个）", *[None] * 8],
        [3, "东城社区养老中心", None, None, 2000, 500, 100, "是", "基础施工"],
        ["合计", None, None, None, 10000, 3000, 1000, None, None],
        [None] * 9,
        ["—", "/", None, None, None, None, None, None, None],
        ["填报人：王五", None, None, None, "审核人：赵六", None, None, None, None],
        ["审核人：赵六", *[None] * 8],
        ["日期：2024年5月6日", *[None] * 8],
        ["填报日期：2024.5.6", *[None] * 8],
        ["注：1.金额单位为万元；2.续建项目按实际进度填写。", *[None] * 8],
    ]
    result = load(xlsx(tmp_path / "东城街道.xlsx", rows, ["A1:I1", "A4:I4", "A10:I10"]))
    ledger = result.ledger
    assert [p.name for p in ledger.projects] == [
        "东城安置小区",
        "东城道路提升",
        "东城社区养老中心",
    ]
    assert kinds(result) == Counter(
        {"标题": 1, "表头": 1, "合计": 2, "小计": 2, "小节": 2, "空行": 3, "表尾": 5}
    )
    set_aside = {s.row: s.kind for s in ledger.set_aside}
    assert (set_aside[3], set_aside[7], set_aside[8], set_aside[12]) == (
        "合计",
        "小计",
        "小计",
        "合计",
    )
    assert set_aside[14] == "空行"  # only empty markers
    # the first total row is the unit's own total, for the cross-check
    assert ledger.stated_total == {
        "_row": 3,
        "total_investment": Decimal(10000),
        "annual_plan": Decimal(3000),
        "ytd_completed": Decimal(1000),
    }
    assert "total-mismatch" not in codes(result)
    assert "row-unrecognised" not in codes(result)
    assert sum(p.total_investment for p in ledger.projects) == Decimal(10000)


def test_section_rows_give_the_category_of_the_rows_under_them(tmp_path: Path) -> None:
    rows = [
        ["序号", "项目名称", "总投资", "年度计划投资", "累计完成投资", "形象进度"],
        ["一、续建项目（2个）", None, None, None, None, None],
        [1, "续建甲", 100, 50, 10, "施工"],
        [2, "续建乙", 100, 50, 10, "施工"],
        ["（二）新开工项目（1个）", None, None, None, None, None],
        [3, "新建丙", 100, 50, None, "前期"],
        ["三", "储备项目", None, None, None, None],  # numeral in 序号, label in 项目名称
        [4, "前期丁", 100, None, None, "谋划"],
        ["四、竣工项目", None, None, None, None, None],
        [5, "竣工戊", 100, 50, 50, "已完工"],
    ]
    result = load(xlsx(tmp_path / "甲镇.xlsx", rows))
    projects = by_name(result)
    assert {n: p.category for n, p in projects.items()} == {
        "续建甲": "续建",
        "续建乙": "续建",
        "新建丙": "新建",
        "前期丁": "前期",
        "竣工戊": "竣工",
    }
    assert kinds(result)["小节"] == 4
    sections = [s.text for s in result.ledger.set_aside if s.kind == "小节"]
    assert sections[2] == "三 储备项目"
    # 续建 and 竣工 projects count as started
    assert projects["续建甲"].started is True
    assert projects["竣工戊"].started is True


def test_own_category_wins_over_section(tmp_path: Path) -> None:
    rows = [
        ["序号", "项目名称", "项目类别", "总投资", "年度计划投资"],
        ["一、续建项目", None, None, None, None],
        [1, "甲", None, 100, 50],
        [2, "乙", "新开工", 100, 50],
    ]
    result = load(xlsx(tmp_path / "甲镇.xlsx", rows, ["A2:E2"]))
    assert [p.category for p in result.ledger.projects] == ["续建", "新建"]


def test_leader_merged_down_is_filled_but_money_merged_down_is_not_duplicated(
    tmp_path: Path,
) -> None:
    rows = [
        ["序号", "项目名称", "责任单位", "包抓领导", "总投资", "年度计划投资", "累计完成投资"],
        [1, "产业园一期", "开发区", "刘副区长", 5000, 1000, 300],
        [2, "产业园二期", None, None, None, 800, 200],
        [3, "产业园三期", None, None, None, 700, 100],
        [4, "污水处理厂", "城关镇", "陈副区长", 900, 300, 30],
    ]
    # one leader and one unit for three projects; one total investment for the whole park
    merges = ["C2:C4", "D2:D4", "E2:E4"]
    for path in (
        xlsx(tmp_path / "开发区.xlsx", rows, merges),
        xls(tmp_path / "开发区.xls", rows, [(1, 3, 2, 2), (1, 3, 3, 3), (1, 3, 4, 4)]),
    ):
        result = load(path)
        projects = result.ledger.projects
        assert [p.leader for p in projects] == ["刘副区长"] * 3 + ["陈副区长"]
        assert [p.unit for p in projects] == ["开发区"] * 3 + ["城关镇"]
        assert [p.total_investment for p in projects] == [
            Decimal(5000),
            None,
            None,
            Decimal(900),
        ]
        assert sum(p.total_investment or 0 for p in projects) == Decimal(5900)


def test_row_with_only_a_number_is_set_aside_and_reported(tmp_path: Path) -> None:
    rows = [
        ["序号", "项目名称", "总投资", "年度计划投资", "备注"],
        [1, "甲项目", 100, 50, None],
        [2, None, None, None, None],
        [None, None, None, None, "以下为新增项目"],
        [3, "乙项目", 200, 60, None],
    ]
    result = load(xlsx(tmp_path / "甲镇.xlsx", rows))
    assert [p.name for p in result.ledger.projects] == ["甲项目", "乙项目"]
    unrecognised = [(s.row, s.text) for s in result.ledger.set_aside if s.kind == "未识别"]
    assert unrecognised == [(3, "2"), (4, "以下为新增项目")]
    reported = [i for i in result.issues if i.code == "row-unrecognised"]
    assert [i.cell for i in reported] == ["第3行", "第4行"]
    assert "以下为新增项目" in reported[1].message


def test_money_without_a_name_is_an_error_and_left_out_of_the_sums(tmp_path: Path) -> None:
    rows = [
        ["序号", "项目名称", "总投资", "年度计划投资"],
        [1, "甲项目", 100, 50],
        ["合计", None, 500, 200],
        [2, None, 300, 80],
    ]
    result = load(xlsx(tmp_path / "甲镇.xlsx", rows))
    assert [p.name for p in result.ledger.projects] == ["甲项目"]
    assert sum(p.total_investment for p in result.ledger.projects) == Decimal(100)
    (missing,) = [i for i in result.issues if i.code == "missing-name"]
    assert (missing.cell, missing.severity) == ("B4", "error")
    assert "金额未计入汇总" in missing.message
    assert (4, "未识别") in [(s.row, s.kind) for s in result.ledger.set_aside]


def test_column_number_row_under_header_is_part_of_header(tmp_path: Path) -> None:
    rows = [
        ["序号", "项目名称", "总投资", "年度计划投资", "累计完成投资"],
        ["1", "2", "3", "4", "5"],
        [1, "甲项目", 100, 50, 20],
    ]
    result = load(csv_file(tmp_path / "甲镇.csv", rows))
    assert [(s.row, s.kind) for s in result.ledger.set_aside] == [(1, "表头"), (2, "表头")]
    assert [p.name for p in result.ledger.projects] == ["甲项目"]


# --- values as typed ------------------------------------------------------------------------


def test_numbers_typed_as_text(tmp_path: Path) -> None:
    rows = [
        ["项目名称", "总投资", "年度计划投资", "累计完成投资", "本月完成投资"],
        ["甲", "1,200", "１２３．５", " 300 ", "120万元"],
        ["乙", "1.2亿元", "12,345.67", "\t45\n", "0.5万元"],
        ["丙", "１，０００", "-5", "+7", "3千元"],
    ]
    for path in (
        xlsx(tmp_path / "甲镇.xlsx", rows),
        csv_file(tmp_path / "甲镇.csv", rows, encoding="gbk"),
        html_xls(tmp_path / "甲镇-html.xls", rows),
    ):
        result = load(path)
        a, b, c = result.ledger.projects
        assert (a.total_investment, a.annual_plan, a.ytd_completed) == (
            Decimal(1200),
            Decimal("123.5"),
            Decimal(300),
        )
        assert a.month_completed == Decimal(120)
        assert b.total_investment == Decimal(12000)
        assert b.annual_plan == Decimal("12345.67")
        assert b.ytd_completed == Decimal(45)
        assert b.month_completed == Decimal("0.5")
        assert c.total_investment == Decimal(1000)
        assert c.annual_plan == Decimal(-5)
        assert c.ytd_completed == Decimal(7)
        assert c.month_completed == Decimal("0.3")
        assert "negative-money" in codes(result)


@pytest.mark.parametrize("marker", ["—", "——", "-", "/", "／", "无", "暂无", "", "  ", None])
def test_empty_markers_are_none_not_zero(tmp_path: Path, marker: Any) -> None:
    rows = [
        ["项目名称", "总投资", "年度计划投资", "累计完成投资", "计划开工时间", "是否开工"],
        ["甲项目", 500, marker, marker, marker, marker],
    ]
    result = load(xlsx(tmp_path / "甲镇.xlsx", rows))
    (project,) = result.ledger.projects
    assert project.total_investment == Decimal(500)
    for key in ("annual_plan", "ytd_completed", "planned_start"):
        assert project.get(key) is None
    assert project.started is None
    assert not [i for i in result.issues if i.severity == "error"]


def test_dates_in_every_form(tmp_path: Path) -> None:
    rows = [
        ["项目名称", "总投资", "计划开工时间", "实际开工时间", "计划竣工时间"],
        ["甲", 1, dt.datetime(2024, 3, 15), dt.date(2024, 4, 1), 45657],
        ["乙", 1, "2024-03-15", "2024/4/1", "2025.12"],
        ["丙", 1, "2024.3", "2024年3月", "2025年"],
        ["丁", 1, "2024年3月15日", "已开工", "2025年6月底"],
        ["戊", 1, "2024.03", "未开工", None],
    ]
    result = load(xlsx(tmp_path / "甲镇.xlsx", rows))
    p = by_name(result)
    assert (p["甲"].planned_start, p["甲"].actual_start) == ("2024-03-15", "2024-04-01")
    assert p["甲"].planned_finish == "2024-12-31"  # an Excel serial number
    assert (p["乙"].planned_start, p["乙"].actual_start) == ("2024-03-15", "2024-04-01")
    assert p["乙"].planned_finish == "2025-12"
    assert (p["丙"].planned_start, p["丙"].actual_start) == ("2024-03", "2024-03")
    assert p["丙"].planned_finish == "2025"
    assert p["丁"].planned_start == "2024-03-15"
    # words in the date column say whether it started, and are not dates
    assert p["丁"].actual_start is None
    assert p["丁"].started is True
    assert p["戊"].actual_start is None
    assert p["戊"].started is False
    assert p["戊"].planned_start == "2024-03"
    # an actual start date means started
    assert all(p[n].started is True for n in ("甲", "乙", "丙"))
    # a text that is not a date is kept as typed, with a warning naming the cell
    assert p["丁"].planned_finish == "2025年6月底"
    (bad,) = [i for i in result.issues if i.code == "bad-date"]
    assert (bad.cell, bad.severity) == ("E5", "warning")
    assert "2025年6月底" in bad.message


@pytest.mark.parametrize(
    ("header", "yes", "no"),
    [
        ("是否开工", "是", "否"),
        ("开工情况", "已开工", "未开工"),
        ("是否开工", "√", "×"),
        ("开工状态", "已经开工", "尚未开工"),
    ],
)
def test_started_from_a_column(tmp_path: Path, header: str, yes: str, no: str) -> None:
    rows = [
        ["项目名称", "项目类别", "总投资", header],
        ["甲", "新建", 100, yes],
        ["乙", "续建", 100, no],
        ["丙", "新建", 100, None],
    ]
    result = load(xlsx(tmp_path / "甲镇.xlsx", rows))
    p = by_name(result)
    assert p["甲"].started is True
    assert p["乙"].started is False  # stated wins over 续建
    assert p["丙"].started is False  # 新建 with nothing stated


def test_started_word_that_cannot_be_read_is_reported(tmp_path: Path) -> None:
    rows = [["项目名称", "总投资", "年度计划投资", "是否开工"], ["甲", 100, 50, "看情况"]]
    result = load(xlsx(tmp_path / "甲镇.xlsx", rows))
    (bad,) = [i for i in result.issues if i.code == "bad-started"]
    assert bad.cell == "D2"
    assert "看情况" in bad.message
    assert result.ledger.projects[0].started is None


def test_started_from_actual_start_date_only(tmp_path: Path) -> None:
    rows = [
        ["项目名称", "总投资", "年度计划投资", "实际开工时间"],
        ["甲", 100, 50, "2024.3"],
        ["乙", 100, 50, None],
    ]
    result = load(xlsx(tmp_path / "甲镇.xlsx", rows))
    p = by_name(result)
    assert p["甲"].started is True
    assert p["乙"].started is None  # nothing known


@pytest.mark.parametrize(
    ("typed", "category"),
    [
        ("新开工", "新建"),
        ("新建", "新建"),
        ("计划新开工", "新建"),
        ("在建", "续建"),
        ("续建项目", "续建"),
        ("储备", "前期"),
        ("前期", "前期"),
        ("已竣工", "竣工"),
        ("收尾", "竣工"),
        (" 在 建 ", "续建"),
    ],
)
def test_categories_are_normalised(tmp_path: Path, typed: str, category: str) -> None:
    rows = [["项目名称", "项目类别", "总投资", "年度计划投资"], ["甲", typed, 100, 50]]
    result = load(xlsx(tmp_path / "甲镇.xlsx", rows))
    assert result.ledger.projects[0].category == category


def test_unknown_category_is_kept_as_typed_and_reported(tmp_path: Path) -> None:
    rows = [["项目名称", "项目类别", "总投资", "年度计划投资"], ["甲", "技改", 100, 50]]
    result = load(xlsx(tmp_path / "甲镇.xlsx", rows))
    assert result.ledger.projects[0].category == "技改"
    (bad,) = [i for i in result.issues if i.code == "unknown-category"]
    assert (bad.cell, bad.severity) == ("B2", "warning")


# --- formulas and error values --------------------------------------------------------------

FORMULA_ROWS = [
    ["龙门镇2024年重点项目台账", None, None, None, None, None, None],
    ["单位：万元", None, None, None, None, None, None],
    ["序号", "项目名称", "责任单位", "总投资", "年度计划投资", "累计完成投资", "完成率"],
    ["合计", None, None, "=SUM(D5:D7)", "=SUM(E5:E7)", "=SUM(F5:F7)", "=F4/E4"],
    [1, "龙门镇污水管网", "龙门镇", 1000, 400, "=E5/2", "=F5/E5"],
    [2, "龙门镇卫生院", "龙门镇", 600, 300, 100, "=F6/E6"],
    [3, "龙门镇文化站", "龙门镇", 200, 100, 30, "=F7/E7"],
]


def test_formula_without_cached_value_is_an_error_not_zero(tmp_path: Path) -> None:
    result = load(xlsx(tmp_path / "龙门镇.xlsx", FORMULA_ROWS, ["A1:G1"]))
    p = by_name(result)
    assert p["龙门镇污水管网"].ytd_completed is None  # absent, not 0
    assert p["龙门镇卫生院"].ytd_completed == Decimal(100)
    assert not hasattr(p["龙门镇卫生院"], "completion_rate")  # recomputed, never read
    (err,) = [i for i in result.issues if i.code == "formula-no-value"]
    assert (err.cell, err.severity, err.sheet, err.file) == ("F5", "error", "台账", "龙门镇.xlsx")
    assert "=E5/2" in err.message
    assert "累计完成投资" in err.message
    # the 完成率 column of formulas: one warning for the column, not one per cell
    (warn,) = [i for i in result.issues if i.code == "formula-column-no-value"]
    assert warn.severity == "warning"
    assert "G5:G7" in warn.message
    assert "完成率" in warn.message
    # the formula total row is set aside; its sums are unknown
    assert kinds(result)["合计"] == 1
    assert result.ledger.stated_total["total_investment"] is None


def test_formulas_with_cached_values_are_read(tmp_path: Path) -> None:
    formulas = {(4, 5): ("=E5/2", 200), (4, 6): ("=F5/E5", 0.5), (5, 6): ("=F6/E6", 1 / 3)}
    formulas[(6, 6)] = ("=F7/E7", 0.3)
    rows = [list(r) for r in FORMULA_ROWS]
    rows[3] = ["合计", None, None, 1800, 800, 330, None]
    result = load(xlsx_cached(tmp_path / "龙门镇.xlsx", rows, formulas))
    p = by_name(result)
    assert p["龙门镇污水管网"].ytd_completed == Decimal(200)
    assert not [i for i in result.issues if i.code.startswith("formula")]
    assert "total-mismatch" not in codes(result)


def test_stored_error_value_is_a_cell_error(tmp_path: Path) -> None:
    rows = [list(r) for r in FORMULA_ROWS]
    rows[3] = ["合计", None, None, 1800, 800, 130, None]
    formulas = {
        (4, 5): ("=E5/0", "#DIV/0!"),
        (5, 3): ("=X6*1", "#REF!"),
        (4, 6): ("=F5/E5", "#DIV/0!"),
        (5, 6): ("=F6/E6", 0.33),
        (6, 6): ("=F7/E7", 0.3),
    }
    result = load(xlsx_cached(tmp_path / "龙门镇.xlsx", rows, formulas))
    p = by_name(result)
    assert p["龙门镇污水管网"].ytd_completed is None
    assert p["龙门镇卫生院"].total_investment is None
    errors = sorted((i.cell, i.severity) for i in result.issues if i.code == "cell-error")
    assert errors == [("D6", "error"), ("F5", "error")]
    messages = {i.cell: i.message for i in result.issues if i.code == "cell-error"}
    assert "#DIV/0!" in messages["F5"]
    assert "#REF!" in messages["D6"]
    # a stored #DIV/0! in the 完成率 column has a value (an error): recomputed, not reported
    # as a formula without a result, and never a money error
    assert "formula-column-no-value" not in codes(result)
    assert "G5" not in messages


def test_unreadable_money_is_reported_with_cell_and_row_kept(tmp_path: Path) -> None:
    rows = [
        ["城关镇2024年重点项目台账", *[None] * 8],
        ["单位：万元", *[None] * 8],
        HEAD,
        *[[i, f"项目{i}", "城关镇", "续建", 100, 50, 10, "是", "施工"] for i in range(1, 6)],
        [6, "城关镇游客服务中心", "城关镇", "新建", 800, 300, "待定", "否", "设计"],
    ]
    result = load(xlsx(tmp_path / "城关镇.xlsx", rows, ["A1:I1"]))
    p = by_name(result)
    assert len(result.ledger.projects) == 6
    project = p["城关镇游客服务中心"]
    assert project.source.row == 9
    assert project.ytd_completed is None
    assert project.total_investment == Decimal(800)
    (bad,) = [i for i in result.issues if i.code == "bad-number"]
    assert (bad.cell, bad.sheet, bad.file, bad.severity) == ("G9", "台账", "城关镇.xlsx", "error")
    assert "待定" in bad.message
    assert "累计完成投资" in bad.message
    assert bad.where == "城关镇.xlsx 台账!G9"


# --- the reporting unit ---------------------------------------------------------------------


def _unit_rows(above: list[list[Any]], with_column: bool = False) -> list[list[Any]]:
    head = ["序号", "项目名称", "总投资", "年度计划投资", "累计完成投资"]
    rows = [
        [1, "甲项目", 100, 50, 10],
        [2, "乙项目", 200, 80, 20],
    ]
    if with_column:
        head = [*head, "责任单位"]
        rows = [[*rows[0], "东关街道"], [*rows[1], "西关街道"]]
    return [*above, head, *rows]


def test_unit_from_the_unit_column(tmp_path: Path) -> None:
    rows = _unit_rows([["襄城经济开发区2024年重点项目台账"]], with_column=True)
    result = load(xlsx(tmp_path / "汇总.xlsx", rows))
    assert [p.unit for p in result.ledger.projects] == ["东关街道", "西关街道"]


def test_unit_from_a_reporter_line(tmp_path: Path) -> None:
    rows = _unit_rows(
        [["2024年重点项目台账"], ["填报单位：茨沟乡人民政府（盖章）", None, None, "单位：万元"]]
    )
    result = load(xlsx(tmp_path / "台账.xlsx", rows))
    assert (result.ledger.unit, result.ledger.unit_source) == ("茨沟乡", "填报单位")
    assert [p.unit for p in result.ledger.projects] == ["茨沟乡"] * 2


def test_unit_from_a_reporter_line_in_the_footer(tmp_path: Path) -> None:
    rows = _unit_rows([["重点项目推进情况表"]])
    rows.append(["填报单位：麦岭镇    填报人：张三"])
    result = load(xlsx(tmp_path / "台账.xlsx", rows))
    assert (result.ledger.unit, result.ledger.unit_source) == ("麦岭镇", "填报单位")
    assert kinds(result)["表尾"] == 1


def test_unit_from_the_title(tmp_path: Path) -> None:
    rows = _unit_rows([["襄城经济开发区2024年重点项目台账"], ["单位：万元"]])
    result = load(xlsx(tmp_path / "台账.xlsx", rows, ["A1:E1"]))
    assert (result.ledger.unit, result.ledger.unit_source) == ("襄城经济开发区", "标题")
    assert [p.unit for p in result.ledger.projects] == ["襄城经济开发区"] * 2


@pytest.mark.parametrize(
    ("file_name", "unit"),
    [
        ("库庄镇.xlsx", "库庄镇"),
        ("库庄镇2024年4月重点项目台账.xlsx", "库庄镇"),
        ("2024年1-4月库庄镇重点项目台账(1).xlsx", "库庄镇"),
        ("库庄镇-副本.csv", "库庄镇"),
    ],
)
def test_unit_from_the_file_name(tmp_path: Path, file_name: str, unit: str) -> None:
    rows = _unit_rows([["2024年重点项目台账"], ["单位：万元"]])
    path = tmp_path / file_name
    path = csv_file(path, rows) if path.suffix == ".csv" else xlsx(path, rows)
    result = load(path)
    assert (result.ledger.unit, result.ledger.unit_source) == (unit, "文件名")
    assert [p.unit for p in result.ledger.projects] == [unit] * 2


# --- across files ---------------------------------------------------------------------------


def test_same_project_in_two_units_files_is_flagged_on_both(tmp_path: Path) -> None:
    folder = tmp_path / "2024-04"
    folder.mkdir()
    xlsx(folder / "卧龙镇.xlsx", TOWNSHIP_ROWS, TOWNSHIP_MERGES)
    rows = [
        ["襄城经济开发区2024年重点项目台账"],
        ["序号", "项目名称", "总投资", "年度计划投资", "累计完成投资"],
        [1, "卧龙镇 集镇道路改造工程", 1800, 500, 300],
        [2, "开发区标准化厂房", 9000, 3000, 1000],
    ]
    xlsx(folder / "开发区.xlsx", rows)
    result = merge_paths([folder])
    assert len(result.projects) == 5
    dups = sorted(
        (i.file, i.cell, i.severity) for i in result.issues if i.code == "duplicate-project"
    )
    assert dups == [("卧龙镇.xlsx", "B10", "warning"), ("开发区.xlsx", "B3", "warning")]
    messages = [i.message for i in result.issues if i.code == "duplicate-project"]
    assert any("开发区.xlsx" in m for m in messages)
    assert any("卧龙镇.xlsx" in m for m in messages)
    # both rows are kept
    assert sorted(p.unit for p in result.projects) == sorted(
        ["卧龙镇"] * 3 + ["襄城经济开发区"] * 2
    )
    for f in result.files:
        assert_accounted(f.ledger, f.issues)
