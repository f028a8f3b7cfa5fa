"""Terminal rendering with rich: the one module besides cli.py that may print."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from ledgerkit.fmt import amount, pct, vs_time, wan, yi
from ledgerkit.layout import FILE_STATUS_LABEL, SEVERITY_LABEL, SHEET_SET_ASIDE
from ledgerkit.merging import FAILED, MergeResult, sheet_lines
from ledgerkit.metrics import LAGGING, SEVERE, low_label, totals
from ledgerkit.period import Period
from ledgerkit.settings import Settings

MAX_ISSUES_SHOWN = 200
PROGRESS_FROM = 10  # files: fewer are read in a blink, and a bar would only flicker
_STYLE = {"error": "red", "warning": "yellow", "info": "dim"}
TEXT, NUMBER, WORD = "text", "number", "word"  # kinds of table column
# what a line may not be broken inside: a number with its sign, separators and unit sign
# (28.3%, 1,234.5, 2024-04, 1-4月's 1-4), or one character with the punctuation after it
_UNBREAKABLE = re.compile(r"[-+0-9A-Za-z.,%:/~_]+[，。；、：）]*|.[，。；、：）]*")


# what a terminal would obey rather than show: escape sequences (ESC … sets colours, titles,
# OSC 8 links), other C0/C1 controls, and the bidi controls that reorder a line
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """`text` with every control character written out (ESC as \\x1b): shown, never obeyed."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


class _LiteralConsole(Console):
    """A console that prints every text literally: a unit's name, a project's, a sheet's, a
    file's or a path are data, and rich would read "[/red]" in them as markup (a crash),
    "[link=…]" as a clickable link and ":thumbs_up:" as an emoji, and passes ESC and other
    controls to the terminal as they are. Colours come from styles and `Text` only."""

    def render_str(self, text: str, *args: Any, **kwargs: Any) -> Text:
        return super().render_str(visible(text), *args, **kwargs)


def _console(stderr: bool = False) -> Console:
    return _LiteralConsole(stderr=stderr, markup=False, emoji=False, highlight=False)


def error(message: str) -> None:
    _console(stderr=True).print(Sentence(message, lead=Text("错误：", "red")))


def warn(message: str) -> None:
    _console(stderr=True).print(Sentence(message, lead=Text("警告：", "yellow")))


def say(console: Console, text: str) -> None:
    console.print(Sentence(text))


class Sentence:
    """Chinese text that wraps between characters but never inside a number. Rich wraps at
    spaces only: a line of Chinese is one long word to it, folded anywhere, and 28.3% came out
    as "2" and "8.3%" on two lines. Usable anywhere rich takes a renderable (a table cell too);
    `lead` (such as a red 错误：) starts the first line."""

    def __init__(self, text: str, lead: Text | None = None) -> None:
        self.tokens = _UNBREAKABLE.findall(visible(text))
        self.lead = lead or Text()

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widths = [cell_len(t) for t in self.tokens] or [0]
        lead = self.lead.cell_len
        return Measurement(lead + max(widths), lead + sum(widths)).with_maximum(options.max_width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        lines, used = [self.lead.copy()], self.lead.cell_len
        for token in self.tokens:
            if used and used + cell_len(token) > options.max_width:
                lines.append(Text())
                used = 0
            lines[-1].append(token)
            used += cell_len(token)
        for line in lines:
            line.overflow = "fold"  # a token wider than the whole width, such as a long path
            yield line


def _table(title: str, *columns: tuple[str, str]) -> Table:
    """A table for a console of any width: numbers (and short words such as 严重滞后) never
    wrap and line up, only the text columns (names, messages) fold, so a figure is never split
    across lines. No outer frame and no rules between columns: 60 columns hold every table."""
    table = Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
    )
    for head, kind in columns:
        table.add_column(
            head,
            justify="right" if kind == NUMBER else "left",
            no_wrap=kind != TEXT,
            overflow="fold" if kind == TEXT else "ellipsis",
        )
    return table


@contextmanager
def file_progress() -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr for the files being read, as `on_file(done, total)` to give
    the pipeline; it appears on the first call for a run of PROGRESS_FROM files or more and is
    wiped when the run ends, so what is printed after it stays as it was."""
    with progress_bars(("读取台账", "检查、汇总")) as (on_file,):
        yield on_file


@contextmanager
def working(text: str) -> Iterator[None]:
    """A spinner with `text` on stderr while one long step runs (reading a merged workbook
    and writing a document have no count to show); wiped when it ends."""
    with _console(stderr=True).status(text):
        yield


@contextmanager
def progress_bars(*stages: tuple[str, str]) -> Iterator[list[Callable[[int, int], None]]]:
    """One bar on stderr for each stage of a run, as `on_done(done, total)` callbacks for the
    pipeline, in the order of `stages` (what it is doing, and what comes once it is done). A
    stage's bar appears on its first call for PROGRESS_FROM items or more; all are wiped when
    the run ends. One display for all: a terminal holds one live display at a time."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=_console(stderr=True),
        transient=True,
    )

    def follow(doing: str, then: str) -> Callable[[int, int], None]:
        task: list[Any] = []

        def on_done(done: int, total: int) -> None:
            if total < PROGRESS_FROM:
                return
            if not task:
                bar.start()  # once: a started display is left as it is
                task.append(bar.add_task(doing, total=total))
            bar.update(task[0], completed=done)
            if done == total:
                bar.update(task[0], description=then)

        return on_done

    try:
        yield [follow(doing, then) for doing, then in stages]
    finally:
        bar.stop()


def render_result(result: MergeResult, out: Path | None) -> None:
    """Files, the totals, and every finding, as a clerk reads them."""
    console = _console()
    files = _table(
        "报送文件",
        ("文件", TEXT),
        ("状态", WORD),
        ("责任单位", TEXT),
        ("项目数", NUMBER),
        ("说明", TEXT),
    )
    for f in result.files:
        style = "red" if f.status == FAILED else ("dim" if f.status == "skipped" else "")
        lines = sheet_lines(f)
        files.add_row(
            f.label,
            FILE_STATUS_LABEL[f.status],
            "、".join(f.units),
            str(f.projects),
            f.reason or (f"{len(lines)}张工作表" if len(lines) > 1 else ""),
            style=style,
        )
        for line in lines if len(lines) > 1 else ():  # each sheet, under its file
            led = line.ledger
            files.add_row(
                f"  工作表“{line.sheet}”",
                FILE_STATUS_LABEL[f.status] if led else SHEET_SET_ASIDE,
                led.unit if led else "",
                str(len(led.projects)) if led else "",
                line.reason,
                style=style if led else "dim",
            )
    console.print(files)
    t = totals(result.projects)
    say(
        console,
        f"项目 {t['projects']} 个，已开工 {t['started']} 个；总投资 {amount(t['total_investment'])} 万元，"
        f"年度计划投资 {amount(t['annual_plan'])} 万元，累计完成投资 {amount(t['ytd_completed'])} 万元",
    )
    _issues(console, result)
    if out:
        console.print(f"汇总表已写出：{out}")


def render_explain(sheets: list[dict[str, Any]]) -> None:
    """check --explain: for each sheet, what its rows were taken as and what each column
    became, and why (the data is month.explain_month's, as --json prints it)."""
    console = _console()
    for sheet in sheets:
        where = f"{sheet['file']} 工作表“{sheet['sheet']}”" if sheet["sheet"] else sheet["file"]
        say(
            console,
            f"{where}：责任单位 {sheet['unit']}"
            f"（取自{sheet['unit_from']}）；报告期 {sheet['period']}"
            + (f"（取自{sheet['period_from']}）" if sheet["period_from"] else "")
            + f"；金额单位 {sheet['money_unit']}（{sheet['money_unit_from']}）",
        )
        rows = "；".join(f"{kind} {where}" for kind, where in sheet["rows"].items())
        say(console, f"各行读作：{rows}")
        table = _table(
            f"{where}的各列",
            ("列", WORD),
            ("表头", TEXT),
            ("读作", TEXT),
            ("依据", TEXT),
        )
        for c in sheet["columns"]:
            became = c["became"] + (f"，{c['money_unit']}" if c["money_unit"] else "")
            table.add_row(c["column"], c["header"], Sentence(became), Sentence(c["why"]))
        console.print(table)


def _issues(console: Console, result: MergeResult) -> None:
    counts = Counter(i.severity for i in result.issues)
    if not result.issues:
        console.print(Text("没有发现问题。", "green"))
        return
    table = _table("发现的问题", ("级别", WORD), ("位置", TEXT), ("问题", TEXT))
    for i in result.issues[:MAX_ISSUES_SHOWN]:
        style = _STYLE[i.severity]
        table.add_row(SEVERITY_LABEL[i.severity], i.where, Sentence(i.message), style=style)
    console.print(table)
    if len(result.issues) > MAX_ISSUES_SHOWN:
        console.print(f"……另有 {len(result.issues) - MAX_ISSUES_SHOWN} 条，见汇总表“问题清单”")
    console.print(
        f"错误 {counts['error']} 条，警告 {counts['warning']} 条，提示 {counts['info']} 条"
    )


def render_figures(figures: dict[str, Any], settings: Settings, written: list[Path]) -> None:
    """The month at a glance: the whole, then the units by rank."""
    console = _console()
    o, p = figures["overall"], figures["period"]
    d = settings.rate_decimals
    say(
        console,
        f"{Period.parse(p['key']).title(figures['region'], '：')}项目{o['projects']}个，"
        f"总投资{yi(o['total_investment'])}亿元，年度计划投资{yi(o['annual_plan'])}亿元；"
        f"已开工{o['started']}个，开工率{pct(o['start_rate'], d)}；"
        f"完成投资{yi(o['ytd_completed'])}亿元，占年度计划的{pct(o['completion_rate'], d)}，"
        f"{vs_time(o['gap'], d)}（时间进度{pct(figures['time_progress'], d)}）",
    )
    table = _table(
        "分单位（按完成率排名，金额单位：亿元）",
        ("排名", NUMBER),
        ("责任单位", TEXT),
        ("项目", NUMBER),
        ("开工率", NUMBER),
        ("年度\n计划", NUMBER),  # two lines: the column is as narrow as its figures
        ("完成\n投资", NUMBER),
        ("完成率", NUMBER),
        ("状态", WORD),
    )
    for s in figures["by_unit"]:
        style = {SEVERE: "red", LAGGING: "yellow"}.get(s["status"], "")
        table.add_row(
            str(s["rank"] or "—"),
            s["name"],
            "—" if s["projects"] is None else str(s["projects"]),
            pct(s["start_rate"], d),
            yi(s["annual_plan"]),
            yi(s["ytd_completed"]),
            pct(s["completion_rate"], d),
            s["status"],
            style=style,
        )
    console.print(table)
    console.print(f"滞后项目 {len(figures['lagging'])} 个，{low_label(settings)} {o['low']} 个")
    for path in written:
        console.print(f"已写出：{path}")


def render_status(data: dict[str, Any]) -> None:
    console = _console()
    table = _table(
        f"{data['period']} 报送情况（截止 {data['deadline']}）",
        ("责任单位", TEXT),
        ("状态", WORD),
        ("收到日期", WORD),
        ("采用的文件", TEXT),
        ("文件数", NUMBER),
        ("文字分析", WORD),
    )
    style = {"未报送": "red", "逾期": "yellow"}
    for u in data["units"]:
        table.add_row(
            u["unit"],
            u["status"],
            u["received"],
            u["used"] or "",
            str(len(u["files"])),
            {True: "有", False: "只报数据"}.get(u["text_analysis"], "—"),
            style=style.get(u["status"], ""),
        )
    console.print(table)
    if data["missing"]:
        console.print(Sentence(f"未报送：{'、'.join(data['missing'])}"), style="red")


def render_series(series: dict[str, list[dict[str, Any]]]) -> None:
    console = _console()
    for label, months in series.items():
        table = _table(
            f"{label}（金额单位：万元）",
            ("月份", WORD),
            ("年度\n计划", NUMBER),
            ("累计\n完成", NUMBER),
            ("本月\n完成", NUMBER),
            ("是否\n开工", WORD),
            ("状态", WORD),
        )
        for m in months:
            started = {True: "是", False: "否"}.get(m["started"], "")
            table.add_row(
                m["period"],
                wan(m["annual_plan"]),
                wan(m["ytd_completed"]),
                wan(m["month_completed"]),
                started,
                m["status"] or "",
            )
        console.print(table)


def render_period(
    figures: dict[str, Any], issues: Any, settings: Settings, written: list[Path]
) -> None:
    """A quarter, a half or a year at a glance: the whole, the units by the period's own
    completion, what is missing."""
    console = _console()
    o, p = figures["overall"], figures["period"]
    d = settings.rate_decimals
    own = (
        ""
        if o["own"] is None
        else (
            f"{p['text']}完成投资{yi(o['own'])}亿元，占本期计划{yi(o['period_plan'])}亿元的"
            f"{pct(o['own_rate'], d)}（{figures['share_rule']}）；"
        )
    )
    say(
        console,
        f"{figures['region']}{p['text']}（{figures['end_month']}汇总记录）：项目{o['projects']}个，"
        f"已开工{o['started']}个，开工率{pct(o['start_rate'], d)}；{own}"
        f"{p['span']}累计完成{yi(o['ytd_completed'])}亿元，占年度计划的{pct(o['completion_rate'], d)}，"
        f"{vs_time(o['gap'], d)}（时间进度{pct(figures['time_progress'], d)}）",
    )
    table = _table(
        "分单位（按本期完成率排名，金额单位：亿元）",
        ("排名", NUMBER),
        ("责任单位", TEXT),
        ("本期\n完成", NUMBER),
        ("本期\n计划", NUMBER),
        ("本期\n完成率", NUMBER),
        ("累计\n完成", NUMBER),
        ("年度\n完成率", NUMBER),
        ("目标\n完成率", NUMBER),
    )
    for s in figures["by_unit"]:
        target = s["target"]
        table.add_row(
            str(s["rank"] or "—"),
            s["name"],
            "—" if s["own"] is None else yi(s["own"]),
            "—" if s["period_plan"] is None else yi(s["period_plan"]),
            pct(s["own_rate"], d),
            "—" if s["ytd_completed"] is None else yi(s["ytd_completed"]),
            pct(s["completion_rate"], d),
            "未下达" if target is None else pct(target["completion_rate"], d),
        )
    console.print(table)
    for note in figures["notes"]:
        say(console, note)
    for what, rows in (
        ("新列入", figures["appeared"]),
        ("本期末已不在台账中", figures["disappeared"]),
    ):
        if rows:
            names = "、".join(f"{r['name']}（{r['unit']}）" for r in rows)
            say(console, f"{what}的项目{len(rows)}个：{names}")
    if figures.get("without_target"):
        say(console, f"未下达目标任务的单位：{'、'.join(figures['without_target'])}")
    for found in issues:
        say(console, f"[{SEVERITY_LABEL.get(found.severity, found.severity)}] {found.message}")
    for path in written:
        console.print(f"已写出：{path}")


def render_lists(data: dict[str, Any], settings: Settings, out: Path | None) -> None:
    """Each list's count, money and the figure it is judged by; whether they add up."""
    from ledgerkit.lists_xlsx import judged_text

    console = _console()
    table = _table(
        "三个清单（金额单位：亿元）",
        ("清单", TEXT),
        ("项目", NUMBER),
        ("年度\n计划", NUMBER),
        ("完成\n投资", NUMBER),
        ("完成率", NUMBER),
        ("考核指标", TEXT),
    )
    for lst in data["lists"]:
        t = lst["totals"]
        table.add_row(
            lst["title"],
            str(t["projects"]),
            yi(t["annual_plan"]),
            yi(t["ytd_completed"]),
            pct(t["completion_rate"], settings.rate_decimals),
            Sentence(judged_text(lst["key"], t, settings.rate_decimals)),
        )
    w = data["whole"]
    table.add_row(
        "全部项目",
        str(w["projects"]),
        yi(w["annual_plan"]),
        yi(w["ytd_completed"]),
        pct(w["completion_rate"], settings.rate_decimals),
        "",
    )
    console.print(table)
    if not data["adds_up"]:
        say(console, "各清单合计与全部项目不一致，请核对")
    if out is not None:
        console.print(f"已写出：{out}")


def render_scores(
    scores: dict[str, Any], issues: Any, settings: Settings, out: Path | None
) -> None:
    """The ranking with each item's points, then the 红榜 / 黑榜 and what was not scored."""
    console = _console()
    grid = _table(
        f"考核得分（{scores['rules_name']}）",
        ("排名", NUMBER),
        ("责任单位", TEXT),
        ("比率项\n得分", NUMBER),
        ("折算后", NUMBER),
        ("加减分", NUMBER),
        ("总分", NUMBER),
        ("未计分的项目", TEXT),
    )
    for t in scores["table"]:
        missing = [i["item"] for i in t["items"] if i["points"] is None]
        grid.add_row(
            str(t["rank"] or "—"),
            t["unit"],
            f"{t['rate_points']:f}",
            "—" if t["rescaled"] is None else f"{t['rescaled']:f}",
            f"{t['extra']:f}",
            "—" if t["total"] is None else f"{t['total']:f}",
            Sentence("、".join(missing) + "（无数据）" if missing else ""),
        )
    console.print(grid)
    if scores["heroes"]:
        say(console, "红榜（英雄榜）：" + "、".join(h["unit"] for h in scores["heroes"]))
    if scores["black"]:
        say(console, "黑榜：" + "、".join(b["unit"] for b in scores["black"]))
    if scores["unknown_items"]:
        say(console, "无法识别的考核项目（未计分）：" + "、".join(scores["unknown_items"]))
    say(
        console,
        "无数据的考核项目不计分，其余各项按权重折算到满分"
        if scores["no_data_rule"] == "折算"
        else "无数据的考核项目按满分计",
    )
    for found in issues:
        say(console, f"[{SEVERITY_LABEL.get(found.severity, found.severity)}] {found.message}")
    if out is not None:
        console.print(f"已写出：{out}")


def render_problems(data: dict[str, Any]) -> None:
    """The problem ledger: the open problems as a table, the counts and what to check."""
    console = _console()
    counts = data["counts"]
    table = _table(
        f"问题台账（截至 {data['period']}）",
        ("编号", WORD),
        ("项目", TEXT),
        ("存在问题", TEXT),
        ("责任单位", TEXT),
        ("时限", WORD),
        ("状态", WORD),
        ("月数", NUMBER),
    )
    style = {"逾期": "red", "待核销": "yellow"}
    for p in data["problems"]:
        if p["status"] == "已办结":
            continue
        table.add_row(
            p["id"],
            p["project"],
            p["text"],
            p["owner_unit"],
            p["due"],
            p["status"],
            str(p["months_open"]),
            style=style.get(p["status"], ""),
        )
    console.print(table)
    rate = "—" if data["closure_rate"] is None else f"{data['closure_rate']:.1f}%"
    console.print(
        Sentence(
            f"共{counts['total']}个问题：未办结{counts['未办结']}个，逾期{counts['逾期']}个，"
            f"待核销{counts['待核销']}个，已办结{counts['已办结']}个，办结率{rate}"
        )
    )
    if data["imported"]:
        console.print(Sentence(f"已读回问题台账里的 {data['imported']} 处修改（{data['source']}）"))
    for note in data["notes"]:
        console.print(Sentence(note), style="yellow")
    if data["output"]:
        console.print(Sentence(f"问题台账已写出：{data['output']}"))
