"""Terminal rendering with rich: the one module besides cli.py that may print."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ledgerkit.fmt import amount, pct, vs_time, wan, yi
from ledgerkit.layout import FILE_STATUS_LABEL, SEVERITY_LABEL
from ledgerkit.merging import FAILED, MergeResult
from ledgerkit.metrics import LAGGING, SEVERE, low_label, totals
from ledgerkit.period import Period
from ledgerkit.settings import Settings

MAX_ISSUES_SHOWN = 200
PROGRESS_FROM = 10  # files: fewer are read in a blink, and a bar would only flicker
_STYLE = {"error": "red", "warning": "yellow", "info": "dim"}


def error(message: str) -> None:
    Console(stderr=True).print(f"[red]错误：[/red]{escape(message)}", highlight=False)


def warn(message: str) -> None:
    Console(stderr=True).print(f"[yellow]警告：[/yellow]{escape(message)}", highlight=False)


@contextmanager
def file_progress() -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr for the files being read, as `on_file(done, total)` to give
    the pipeline; it appears on the first call for a run of PROGRESS_FROM files or more and is
    wiped when the run ends, so what is printed after it stays as it was."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task: list[Any] = []

    def on_file(done: int, total: int) -> None:
        if total < PROGRESS_FROM:
            return
        if not task:
            bar.start()
            task.append(bar.add_task("读取台账", total=total))
        bar.update(task[0], completed=done)
        if done == total:
            bar.update(task[0], description="检查、汇总")

    try:
        yield on_file
    finally:
        bar.stop()


def render_result(result: MergeResult, out: Path | None) -> None:
    """Files, the totals, and every finding, as a clerk reads them."""
    console = Console(highlight=False)
    files = Table(title="报送文件", title_justify="left")
    for head in ("文件", "状态", "责任单位", "项目数", "说明"):
        files.add_column(head)
    for f in result.files:
        style = "red" if f.status == FAILED else ("dim" if f.status == "skipped" else "")
        files.add_row(
            f.label,
            FILE_STATUS_LABEL[f.status],
            f.ledger.unit if f.ledger else "",
            str(f.projects),
            f.reason,
            style=style,
        )
    console.print(files)
    t = totals(result.projects)
    console.print(
        f"项目 {t['projects']} 个，已开工 {t['started']} 个；总投资 {amount(t['total_investment'])} 万元，"
        f"年度计划投资 {amount(t['annual_plan'])} 万元，累计完成投资 {amount(t['ytd_completed'])} 万元"
    )
    _issues(console, result)
    if out:
        console.print(f"汇总表已写出：{out}")


def _issues(console: Console, result: MergeResult) -> None:
    counts = Counter(i.severity for i in result.issues)
    if not result.issues:
        console.print("[green]没有发现问题。[/green]")
        return
    table = Table(title="发现的问题", title_justify="left")
    for head in ("级别", "位置", "问题"):
        table.add_column(head, overflow="fold")
    for i in result.issues[:MAX_ISSUES_SHOWN]:
        table.add_row(SEVERITY_LABEL[i.severity], i.where, i.message, style=_STYLE[i.severity])
    console.print(table)
    if len(result.issues) > MAX_ISSUES_SHOWN:
        console.print(f"……另有 {len(result.issues) - MAX_ISSUES_SHOWN} 条，见汇总表“问题清单”")
    console.print(
        f"错误 {counts['error']} 条，警告 {counts['warning']} 条，提示 {counts['info']} 条"
    )


def render_figures(figures: dict[str, Any], settings: Settings, written: list[Path]) -> None:
    """The month at a glance: the whole, then the units by rank."""
    console = Console(highlight=False)
    o, p = figures["overall"], figures["period"]
    d = settings.rate_decimals
    console.print(
        f"{Period.parse(p['key']).title(figures['region'], '：')}项目{o['projects']}个，"
        f"总投资{yi(o['total_investment'])}亿元，年度计划投资{yi(o['annual_plan'])}亿元；"
        f"已开工{o['started']}个，开工率{pct(o['start_rate'], d)}；"
        f"完成投资{yi(o['ytd_completed'])}亿元，占年度计划的{pct(o['completion_rate'], d)}，"
        f"{vs_time(o['gap'], d)}（时间进度{pct(figures['time_progress'], d)}）"
    )
    table = Table(title="分单位（按完成率排名）", title_justify="left")
    for head in (
        "排名",
        "责任单位",
        "项目",
        "开工率",
        "年度计划（亿元）",
        "完成（亿元）",
        "完成率",
        "状态",
    ):
        table.add_column(head)
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
    console = Console(highlight=False)
    table = Table(
        title=f"{data['period']} 报送情况（截止 {data['deadline']}）", title_justify="left"
    )
    for head in ("责任单位", "状态", "收到日期", "采用的文件", "文件数", "文字分析"):
        table.add_column(head)
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
        console.print(f"[red]未报送：{'、'.join(data['missing'])}[/red]")


def render_series(series: dict[str, list[dict[str, Any]]]) -> None:
    console = Console(highlight=False)
    for label, months in series.items():
        table = Table(title=label, title_justify="left")
        for head in (
            "月份",
            "年度计划（万元）",
            "累计完成（万元）",
            "本月完成（万元）",
            "是否开工",
            "状态",
        ):
            table.add_column(head)
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
