"""Findings about the data: stable codes, severities and Chinese message templates."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]

# code -> (severity, message template). Codes are stable: batch scripts and tests rely on them.
CODES: dict[str, tuple[Severity, str]] = {
    "file-unreadable": ("error", "文件无法读取：{reason}"),
    "file-skipped": ("info", "已跳过：{reason}"),
    "sheet-hidden": ("info", "隐藏的工作表“{name}”未汇总"),
    "sheet-view": ("info", "{reason}"),
    "sheet-view-differs": (
        "warning",
        "工作表“{tab}”与“{other}”是同一批项目，但“{field}”不同（{here}万元，“{other}”为{there}万元）："
        "汇总采用“{other}”，请核实",
    ),
    "sheet-overlap": (
        "warning",
        "工作表“{tab}”与“{other}”有{n}个项目相同（“{tab}”共{a}个，“{other}”共{b}个），两张表都已计入；"
        "如果其中一张是另一张的重排或摘录，请删去后重新报送",
    ),
    "sheet-set-aside": ("info", "{reason}"),
    "sheet-unreadable": ("error", "{reason}；该表未汇总，其余工作表照常汇总"),
    "sheet-card": ("info", "工作表“{tab}”是单个项目的登记表，按一个项目“{name}”读取"),
    "category-from-sheet": (
        "info",
        "工作表“{tab}”的{n}个项目没有填写项目类别，按工作表名称计为“{category}”",
    ),
    "no-money-columns": ("warning", "没有找到投资金额列（总投资、年度计划投资、累计完成投资）"),
    "missing-name": (
        "error",
        "第{row}行有金额但没有项目名称，这一行的金额未计入汇总；请补上项目名称后重新报送",
    ),
    "continuation-row": (
        "info",
        "第{row}行没有项目名称，是上一项目“{name}”的附属行（{text}），金额不重复计入",
    ),
    "column-choice": (
        "info",
        "“{used}”（{used_col}列）和“{other}”（{other_col}列）都可作{field}：用{used_col}列，"
        "{other_col}列未作{field}（{why}）；如需改用另一列，在 ledgerkit.toml 的 [columns] 中指定",
    ),
    "column-period": (
        "warning",
        "“{header}”写的是“{named}”，与报告期{period}不符，请核实是否报错了月份",
    ),
    "bad-number": ("error", "“{field}”的值“{text}”{problem}，请改为数字（单位{money_unit}）"),
    "formula-no-value": (
        "error",
        "“{field}”是公式 {formula}但没有计算结果，请在 Excel 中打开并保存后重新报送",
    ),
    "formula-column-no-value": (
        "warning",
        "“{field}”列是公式但没有计算结果（{cells}），该列不参与汇总，由 ledgerkit 按金额重新计算",
    ),
    "cell-error": ("error", "“{field}”的值是错误值 {text}，请改正公式或填写数字"),
    "bad-date": ("warning", "“{field}”的值“{text}”不是日期，已原样保留"),
    "bad-started": ("warning", "“是否开工”的值“{text}”无法判断，请填“是”或“否”"),
    "bad-flag": ("warning", "“{field}”的值“{text}”无法判断，请填“是”或“否”"),
    "unknown-category": ("warning", "项目类别“{text}”不是续建/新建/前期/竣工之一，已原样保留"),
    "row-unrecognised": ("warning", "第{row}行既不是项目也不是合计、小节或表尾，未计入：{text}"),
    "negative-money": ("error", "“{field}”为负数（{value}万元）"),
    "implausible-money": (
        "warning",
        "“{field}”为{value}万元，超过{limit}万元，一个项目不大可能有这么多，"
        "请核实单位（元/万元/亿元）和数字",
    ),
    "completed-over-total": ("error", "累计完成投资{ytd}万元超过总投资{total}万元"),
    "plan-over-total": ("warning", "年度计划投资{plan}万元超过总投资{total}万元"),
    "completed-over-plan": (
        "warning",
        "累计完成投资{ytd}万元超过年度计划{plan}万元（完成率{rate}）",
    ),
    "money-not-started": ("warning", "标为未开工，但已完成投资{ytd}万元"),
    "total-mismatch": (
        "warning",
        "本表合计行“{field}”为{stated}万元，各项目之和为{actual}万元，合计行{difference}",
    ),
    "duplicate-project": (
        "warning",
        "项目“{name}”同时出现在{others}，两处都已保留，请核实由谁填报",
    ),
    "no-text-analysis": ("warning", "只报数据，没有文字分析：形象进度、存在问题全部为空"),
    "external-link": (
        "warning",
        "工作簿的公式引用了外部文件或程序“{target}”：汇总用的是单位保存时的计算结果，"
        "没有打开该文件，请核实数字是否最新",
    ),
    "text-too-long": (
        "warning",
        "“{field}”有{length}个字符，超过 Excel 单元格 {limit} 个字符的上限，汇总表中只保留前面部分",
    ),
    "older-version": ("info", "与“{newer}”是同一单位的两个版本，已采用较新的“{newer}”"),
    "feedback-unchanged": (
        "info",
        "是 ledgerkit 写出后未经修改的问题反馈副本，与“{original}”是同一份台账，已采用“{original}”",
    ),
    "feedback-unwritten": ("warning", "未能写出问题反馈副本：{reason}"),
    "feedback-rebuilt": ("info", "问题反馈副本按单元格重建，未保留原格式：{reason}"),
    "feedback-list-only": ("info", "问题反馈副本只含问题清单，没有附上原表：{reason}"),
    "feedback-renamed": (
        "info",
        "“{name}”已存在，且不是 ledgerkit 写出后未经修改的问题反馈副本，未覆盖；"
        "本次的副本另存为“{new}”",
    ),
    "node-overdue": (
        "warning",
        "“{name}”的“{node}”节点计划于{planned}完成，至{end}底尚未完成",
    ),
    "finish-overdue": ("warning", "“{name}”计划于{planned}竣工，至{end}底尚未竣工"),
    "ytd-decreased": (
        "error",
        "“{name}”累计完成投资由上月的{old}万元降为{new}万元，同一年度内累计数不应减少",
    ),
    "month-mismatch": (
        "warning",
        "“{name}”本月完成{month}万元，但累计完成较上月{change}，两者不符",
    ),
    "figure-changed": ("warning", "“{name}”的{field}由上月的{old}万元改为{new}万元，请核实"),
    "unit-missing": (
        "warning",
        "上月报送的“{unit}”本月没有报送台账（上月{n}个项目：{names}），本月汇总不含该单位",
    ),
    "project-missing": ("warning", "上月台账中的项目“{name}”（{unit}）本月没有报送"),
    "suspected-rename": (
        "warning",
        "疑似同一项目：“{new}”（{unit}）可能是上月“{old}”改名；"
        "确认后请在 ledgerkit.toml 的 [history] same_project 中登记",
    ),
    "idle-months": ("warning", "“{name}”已连续{n}个月未开工"),
    "lagging-months": ("warning", "“{name}”已连续{n}个月落后于时间进度"),
    # the history store, not the data: the month's outputs are written all the same
    "history-unreadable": ("warning", "本月没有与往月核对：{reason}"),
    "history-not-recorded": ("warning", "汇总表已照常写出，但本月没有记入汇总记录：{reason}"),
    # periods, targets and scores (issue 16)
    "period-month-missing": (
        "error",
        "{month}没有汇总记录，{what}；请先用 ledgerkit merge 汇总该月（或 history rebuild）",
    ),
    "period-month-absent": (
        "warning",
        "{month}没有汇总记录（本期数据用不到该月，但该月的报送情况无从查考）",
    ),
    "target-twice": (
        "warning",
        "“{unit}”在 ledgerkit.toml 的 [[targets]] 和目标任务表里都有目标，采用 ledgerkit.toml 的",
    ),
    "target-unreadable": ("error", "“{unit}”的目标“{text}”不是数字，该项目标未采用"),
    "targets-file-unreadable": ("error", "{reason}；本月各单位的目标完成率未计算"),
}


# findings about the value in one cell (not across rows, files or months): what a hand edit
# of a merged workbook can introduce, and what report --xlsx adds to the kept 问题清单
CELL_CODES = frozenset(
    {
        "bad-number",
        "bad-date",
        "bad-started",
        "bad-flag",
        "unknown-category",
        "cell-error",
        "formula-no-value",
        "missing-name",
        "negative-money",
        "implausible-money",
        "row-unrecognised",
        "text-too-long",
    }
)


@dataclass(frozen=True)
class Issue:
    """One finding: where it is (file, sheet, cell as the clerk sees it) and what is wrong."""

    code: str
    severity: Severity
    file: str
    sheet: str
    cell: str
    message: str

    @property
    def where(self) -> str:
        """`卧龙镇.xlsx 台账!F12`, the way a clerk looks a cell up."""
        place = f"{self.sheet}!{self.cell}" if self.sheet and self.cell else self.sheet or self.cell
        return f"{self.file} {place}".strip()

    def to_dict(self) -> dict[str, str]:
        return {f: getattr(self, f) for f in _FIELDS}  # asdict() deep-copies: slow for thousands


_FIELDS = tuple(f.name for f in fields(Issue))


def issue(code: str, file: str = "", sheet: str = "", cell: str = "", **values: Any) -> Issue:
    """Build an Issue from its code; the message template is filled from `values`."""
    severity, template = CODES[code]
    return Issue(code, severity, file, sheet, cell, template.format(**values))


def has_errors(issues: tuple[Issue, ...] | list[Issue]) -> bool:
    return any(i.severity == "error" for i in issues)
