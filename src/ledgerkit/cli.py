"""The command line: resolve options, call one library function, render, pick the exit code.

Exit codes batch files rely on: 0 clean; 1 the data has errors or a file failed (outputs are
still written); 2 usage; 3 could not run. Heavy imports (readers, writers) happen inside the
commands so that `ledgerkit --help` stays fast.
"""

from __future__ import annotations

import contextlib
import gc
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ledgerkit import __version__
from ledgerkit.errors import BadOutput, LedgerkitError

if TYPE_CHECKING:
    from ledgerkit.period import Period
    from ledgerkit.pipeline import MonthRun, OnFile
    from ledgerkit.settings import Settings

EXIT_OK, EXIT_DATA, EXIT_USAGE, EXIT_FAILED = 0, 1, 2, 3

app = typer.Typer(
    help="重点项目台账工具：检查、汇总各单位报送的台账，生成汇总表。",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

Paths = Annotated[list[Path], typer.Argument(help="台账文件或文件夹（可多个）", show_default=False)]
JsonFlag = Annotated[bool, typer.Option("--json", help="只在标准输出打印一个 JSON 对象（UTF-8）")]
PeriodOption = Annotated[
    str | None,
    typer.Option("--period", help="报告期 YYYY-MM，默认从文件夹名推断", metavar="YYYY-MM"),
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ledgerkit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="显示版本号")
    ] = False,
) -> None:
    """重点项目台账工具。"""


Region = Annotated[
    str | None, typer.Option("--region", help="地区名称（覆盖 ledgerkit.toml 的 region）")
]
Password = Annotated[
    str | None,
    typer.Option(
        "--password",
        envvar="LEDGERKIT_PASSWORD",
        help="设有打开密码的工作簿用这个密码打开（也可用环境变量 LEDGERKIT_PASSWORD）",
        show_default=False,
    ),
]


@app.command()
def merge(
    paths: Paths,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="汇总表路径（.xlsx），默认“文件夹名汇总.xlsx”"),
    ] = None,
    period: PeriodOption = None,
    region: Region = None,
    as_json: JsonFlag = False,
    password: Password = None,
) -> None:
    """读取、检查并汇总各单位台账，写出汇总表（含分单位、分类别等汇总和滞后项目）。

    例：ledgerkit merge 2024-04/ -o 2024-04汇总.xlsx
    """
    from ledgerkit.pipeline import merge as merge_month

    settings = _settings(region=region)
    with _progress(as_json) as on_file:
        run = merge_month(
            paths,
            settings,
            period=_period(period),
            output=output,
            password=password,
            on_file=on_file,
        )
    _finish(run, as_json)


@app.command()
def check(
    paths: Paths,
    period: PeriodOption = None,
    as_json: JsonFlag = False,
    password: Password = None,
    feedback: Annotated[
        Path | None,
        typer.Option("--feedback", help="为每个有问题的单位写一份标注问题的副本到这个文件夹"),
    ] = None,
) -> None:
    """读取和检查台账，不写汇总表：在终端列出发现的问题；--feedback 写退回修改的副本。

    例：ledgerkit check 2024-04/卧龙镇.xlsx　　ledgerkit check 2024-04/ --feedback 2024-04退回
    """
    from ledgerkit.pipeline import check as check_month

    settings = _settings()
    with _progress(as_json) as on_file:
        run = check_month(
            paths,
            settings,
            period=_period(period),
            feedback=feedback,
            password=password,
            on_file=on_file,
        )
    for path in run.written:
        typer.echo(f"已写出 {path}", err=as_json)
    _finish(run, as_json)


@app.command()
def report(
    ledger: Annotated[Path, typer.Argument(help="merge 写出的汇总表（.xlsx），可以是手工改过的")],
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="写出通报（.docx；配合 --format 可为 .md/.html）"),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="通报格式：docx、md（纯文本预览）或 html（浏览器预览）；默认按 -o 的后缀，没有 -o 时为 docx",
        ),
    ] = None,
    xlsx: Annotated[
        Path | None, typer.Option("--xlsx", help="写出汇总表（各汇总表和滞后项目）")
    ] = None,
    period: PeriodOption = None,
    region: Region = None,
    as_json: JsonFlag = False,
) -> None:
    """从汇总台账出数、写通报：--json 打印指标，-o 写通报，--xlsx 写汇总表。

    例：ledgerkit report 2024-04汇总.xlsx -o 2024年1-4月通报.docx
    """
    from ledgerkit.pipeline import report as report_month

    if fmt not in (None, "docx", "md", "html"):
        raise typer.BadParameter(f"“{fmt}”不是 docx、md 或 html", param_hint="--format")
    settings = _settings(region=region)
    run = report_month(ledger, settings, period=_period(period), output=output, fmt=fmt, xlsx=xlsx)
    if run.preview is not None:
        _print_bytes(run.preview)
    if as_json:
        _print_json(run.to_dict())
    elif run.preview is None:
        from ledgerkit.console import render_figures

        render_figures(run.figures, settings, list(run.written))
    raise typer.Exit(EXIT_OK if run.ok else EXIT_DATA)


@app.command()
def notices(
    ledger: Annotated[Path, typer.Argument(help="merge 写出的汇总表（.xlsx）")],
    output: Annotated[Path, typer.Option("-o", "--output", help="督办通知单（.docx）")],
    period: PeriodOption = None,
    region: Region = None,
    as_json: JsonFlag = False,
) -> None:
    """为每个严重滞后（红色）项目写一页督办通知单，合在一个 Word 文件里。

    例：ledgerkit notices 2024-04汇总.xlsx -o 2024-04督办通知单.docx
    """
    from ledgerkit.pipeline import notices as write_notices

    settings = _settings(region=region)
    run = write_notices(ledger, settings, output, period=_period(period))
    if as_json:
        _print_json(run.to_dict())
    elif run.count:
        typer.echo(f"严重滞后项目 {run.count} 个，督办通知单已写出：{output}")
    else:
        typer.echo("没有严重滞后项目，未写出督办通知单")
    raise typer.Exit(EXIT_OK if run.ok else EXIT_DATA)


@app.command()
def status(period: PeriodOption = None, as_json: JsonFlag = False) -> None:
    """各单位本月报送情况：已报送 / 逾期 / 未报送，同一单位的多个版本，只报数据没有文字分析。

    例：ledgerkit status --period 2024-04
    """
    from ledgerkit.pipeline import status as submissions

    data = submissions(_settings(), Path.cwd(), _period(period))
    if as_json:
        _print_json(data)
    else:
        from ledgerkit.console import render_status

        render_status(data)
    raise typer.Exit(EXIT_DATA if data["missing"] else EXIT_OK)


@app.command()
def history(
    target: Annotated[
        str, typer.Argument(help="项目名称（或其中几个字）、项目编码、责任单位，或 rebuild")
    ],
    workbooks: Annotated[
        list[Path] | None, typer.Argument(help="rebuild 时：汇总表（默认工作区内全部 *汇总.xlsx）")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """逐月查看项目或单位的投资进度；history rebuild 从各月汇总表重建汇总记录。

    例：ledgerkit history 卧龙镇　　ledgerkit history rebuild
    """
    from ledgerkit import pipeline

    settings = _settings()
    if target == "rebuild":
        periods = pipeline.rebuild(settings, Path.cwd(), workbooks)
        if as_json:
            _print_json({"periods": periods})
        else:
            typer.echo(f"已重建 {len(periods)} 个月的记录：{'、'.join(periods)}")
        raise typer.Exit(EXIT_OK)
    series = pipeline.history(settings, Path.cwd(), target)
    if as_json:
        from ledgerkit.metrics import to_json

        _print_json(to_json(series))
    elif series:
        from ledgerkit.console import render_series

        render_series(series)
    else:
        from ledgerkit.console import error

        error(f"汇总记录里没有名称含“{target}”的项目，也没有叫“{target}”的单位或项目编码")
    raise typer.Exit(EXIT_OK if series else EXIT_DATA)  # finding nothing is about the data


@app.command()
def template(
    period: Annotated[
        str, typer.Option("--period", help="要填报的月份 YYYY-MM", metavar="YYYY-MM")
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="写到这个文件夹")],
    unit: Annotated[
        list[str] | None, typer.Option("--unit", help="只为这个单位生成（可多次）")
    ] = None,
    source: Annotated[
        Path | None, typer.Option("--from", help="从这个汇总表取项目（默认取汇总记录中上个月的）")
    ] = None,
) -> None:
    """为各单位生成下月台账：预填本单位的项目，带下拉选项、数字校验、保护和填表说明。

    例：ledgerkit template --period 2024-05 -o 2024-05下发
    """
    from ledgerkit.errors import UnknownUnit
    from ledgerkit.pipeline import template as unit_forms

    month = _period(period)
    assert month is not None  # a required option
    try:
        written = unit_forms(_settings(), Path.cwd(), month, output, unit or [], source)
    except UnknownUnit as exc:
        raise typer.BadParameter(str(exc), param_hint="--unit") from None
    for path in written:
        typer.echo(f"已写出 {path}")


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(help="工作区文件夹，默认当前文件夹")] = Path("."),
    region: Annotated[
        str | None,
        typer.Option("--region", help="本地区名称，写进标题和通报，如 樊城区", metavar="地区"),
    ] = None,
    source: Annotated[
        Path | None,
        typer.Option("--from", help="按这个月报来的台账文件夹生成责任单位名册", metavar="文件夹"),
    ] = None,
    issuer: Annotated[
        str | None,
        typer.Option(
            "--issuer", help="通报落款，默认“地区名称重点项目建设指挥部办公室”", metavar="落款"
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖已有的设置和模板")] = False,
) -> None:
    """建立工作区：本地区的 ledgerkit.toml（带注释）和一份可修改的默认模板。

    例：ledgerkit init 重点项目 --region 樊城区 --from 重点项目/2024-04
    """
    from ledgerkit.console import warn
    from ledgerkit.pipeline import init as make_workspace
    from ledgerkit.settings import no_region

    made = make_workspace(folder, force, region=region or "", issuer=issuer or "", source=source)
    for path in made.written:
        typer.echo(f"已写出 {path}")
    if made.roster:
        names = "、".join(u.name for u in made.roster)
        typer.echo(f"责任单位名册 {len(made.roster)} 个：{names}（请在 {made.config} 中核对）")
    for unread in made.unread:
        warn(f"{unread} 无法读取，其单位可能未列入名册")
    if not made.region:
        warn(no_region(made.config))


def _settings(**overrides: object) -> Settings:
    """The settings of this run; what ledgerkit.toml holds that nothing reads is named."""
    from ledgerkit.settings import load_settings

    settings = load_settings(overrides=overrides)
    if settings.warnings:
        from ledgerkit.console import warn

        for message in settings.warnings:
            warn(message)
    return settings


def _period(key: str | None) -> Period | None:
    """A month given as --period YYYY-MM (usage error otherwise)."""
    if key is None:
        return None
    from ledgerkit.period import MONTH, BadPeriod, Period

    try:
        period = Period.parse(key)
    except BadPeriod:
        period = None
    if period is None or period.kind != MONTH:
        raise typer.BadParameter(f"“{key}”不是 YYYY-MM 格式，例如 2024-04", param_hint="--period")
    return period


def _progress(as_json: bool) -> contextlib.AbstractContextManager[OnFile | None]:
    """A progress bar on stderr while the files are read, only for a person at a terminal:
    nothing when stderr is piped or redirected, nothing with --json."""
    if as_json or not sys.stderr.isatty():
        return contextlib.nullcontext()
    from ledgerkit.console import file_progress

    return file_progress()


def _finish(run: MonthRun, as_json: bool) -> None:
    if as_json:
        _print_json(run.to_dict())
    else:
        from ledgerkit.console import render_result

        render_result(run.result, run.output)
    raise typer.Exit(EXIT_OK if run.ok else EXIT_DATA)


def _print_bytes(data: bytes) -> None:
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def _print_json(data: object) -> None:
    """One JSON object on stdout, UTF-8 whatever the console's code page (batch files parse it)."""
    sys.stdout.flush()
    sys.stdout.buffer.write((json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    sys.stdout.buffer.flush()


def _safe_streams() -> None:
    """A GBK console or a pipe must never crash on a character it cannot show."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="replace")  # type: ignore[union-attr]


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point: every failure ends in a Chinese message and an exit code."""
    _safe_streams()
    # a run is short and leaves next to no reference cycles, while the cycle collector's passes
    # over every project row kept in memory would cost a fifth of a merge
    gc.disable()
    try:
        return app(args=argv, prog_name="ledgerkit", standalone_mode=True)
    except BadOutput as exc:  # asked for something it cannot write: a usage error
        from ledgerkit.console import error

        error(str(exc))
        sys.exit(EXIT_USAGE)
    except LedgerkitError as exc:
        from ledgerkit.console import error

        error(str(exc))
        sys.exit(EXIT_FAILED)
    except Exception as exc:  # a bug of ours: still a message and a stable code, no traceback
        from ledgerkit.console import error

        error(
            f"ledgerkit 内部错误（{type(exc).__name__}: {exc}）。请把这条信息和输入文件发给维护人员。"
        )
        sys.exit(EXIT_FAILED)
    finally:
        gc.enable()


if __name__ == "__main__":
    main()
