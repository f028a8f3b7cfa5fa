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
from ledgerkit.errors import LedgerkitError

if TYPE_CHECKING:
    from ledgerkit.merge import MergeResult
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
Period = Annotated[
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
    period: Period = None,
    region: Region = None,
    as_json: JsonFlag = False,
    password: Password = None,
) -> None:
    """读取、检查并汇总各单位台账，写出汇总表（含分单位、分类别等汇总和滞后项目）。

    例：ledgerkit merge 2024-04/ -o 2024-04汇总.xlsx
    """
    from ledgerkit.pipeline import merge_month, record_month
    from ledgerkit.write import write_workbook

    settings = _settings(region=region)
    out = output or _default_output(paths)
    near = out.resolve().parent
    month = merge_month(paths, _check_period(period), settings, near=near, password=password)
    title = _title(settings.region, month.result.period)
    write_workbook(month.result, out, title, month.figures, settings)
    record_month(month, settings, near=out.resolve().parent)
    _finish(month.result, out, as_json)


@app.command()
def check(
    paths: Paths,
    period: Period = None,
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
    from ledgerkit.pipeline import merge_month

    near = _default_output(paths).parent
    settings = _settings()
    month = merge_month(paths, _check_period(period), settings, near=near, password=password)
    if feedback is not None:
        from ledgerkit.feedback import write_feedback

        for path in write_feedback(month.result, feedback):
            typer.echo(f"已写出 {path}", err=as_json)
    _finish(month.result, None, as_json)


@app.command()
def report(
    ledger: Annotated[Path, typer.Argument(help="merge 写出的汇总表（.xlsx），可以是手工改过的")],
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="写出通报（.docx；配合 --format 可为 .md/.html）"),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="通报格式：docx、md（纯文本预览）或 html（浏览器预览）")
    ] = "docx",
    xlsx: Annotated[
        Path | None, typer.Option("--xlsx", help="写出汇总表（各汇总表和滞后项目）")
    ] = None,
    period: Period = None,
    region: Region = None,
    as_json: JsonFlag = False,
) -> None:
    """从汇总台账出数、写通报：--json 打印指标，-o 写通报，--xlsx 写汇总表。

    例：ledgerkit report 2024-04汇总.xlsx -o 2024年1-4月通报.docx
    """
    from ledgerkit.bulletin import bulletin
    from ledgerkit.metrics import to_json
    from ledgerkit.write import atomic_write, write_workbook

    if fmt not in ("docx", "md", "html"):
        raise typer.BadParameter(f"“{fmt}”不是 docx、md 或 html", param_hint="--format")
    settings = _settings(region=region)
    result, figures = _month(ledger, period, settings)
    if xlsx:
        write_workbook(result, xlsx, _title(settings.region, result.period), figures, settings)
    if output or fmt != "docx":
        data = bulletin(figures, settings, fmt)
        if output:
            atomic_write(output, lambda tmp: tmp.write_bytes(data))
        else:
            _print_bytes(data)
    if as_json:
        _print_json(to_json(figures))
    elif fmt == "docx" or output:
        from ledgerkit.console import render_figures

        render_figures(figures, settings, [p for p in (output, xlsx) if p])
    raise typer.Exit(EXIT_OK if result.ok else EXIT_DATA)


@app.command()
def notices(
    ledger: Annotated[Path, typer.Argument(help="merge 写出的汇总表（.xlsx）")],
    output: Annotated[Path, typer.Option("-o", "--output", help="督办通知单（.docx）")],
    period: Period = None,
    region: Region = None,
) -> None:
    """为每个严重滞后（红色）项目写一页督办通知单，合在一个 Word 文件里。

    例：ledgerkit notices 2024-04汇总.xlsx -o 2024-04督办通知单.docx
    """
    from ledgerkit.bulletin import notices_docx
    from ledgerkit.write import atomic_write

    settings = _settings(region=region)
    result, figures = _month(ledger, period, settings)
    data, count = notices_docx(figures, settings)
    if count:
        atomic_write(output, lambda tmp: tmp.write_bytes(data))
        typer.echo(f"严重滞后项目 {count} 个，督办通知单已写出：{output}")
    else:
        typer.echo("没有严重滞后项目，未写出督办通知单")
    raise typer.Exit(EXIT_OK if result.ok else EXIT_DATA)


def _month(ledger: Path, period: str | None, settings: Settings) -> tuple[MergeResult, dict]:
    """A merged ledger read back, and its figures (with 环比/同比 from the store)."""
    from ledgerkit.pipeline import merge_month

    month = merge_month([ledger], _check_period(period), settings, ledger.resolve().parent)
    if month.figures is None:
        raise LedgerkitError("无法确定报告期，请用 --period YYYY-MM 指定，例如 --period 2024-04")
    return month.result, month.figures


@app.command()
def status(period: Period = None, as_json: JsonFlag = False) -> None:
    """各单位本月报送情况：已报送 / 逾期 / 未报送，同一单位的多个版本，只报数据没有文字分析。

    例：ledgerkit status --period 2024-04
    """
    from ledgerkit.history import submission_status
    from ledgerkit.metrics import Period as Month

    settings = _settings()
    with _open_store(settings) as store:
        key = _check_period(period) or (store.periods() or [None])[-1]
        if key is None:
            raise LedgerkitError("汇总记录里还没有任何月份，请先运行 ledgerkit merge")
        data = submission_status(store, Month.parse(key), settings)
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
    from ledgerkit.history import project_series, store_path

    settings = _settings()
    if target == "rebuild":
        from ledgerkit.pipeline import rebuild_history

        base = settings.workspace or Path.cwd()
        books = workbooks or sorted(base.rglob("*汇总.xlsx"))
        periods = rebuild_history(books, settings, store_path(settings, Path.cwd()))
        typer.echo(
            f"已从 {len(books)} 个汇总表重建 {len(periods)} 个月的记录：{'、'.join(periods)}"
        )
        raise typer.Exit(EXIT_OK)
    with _open_store(settings) as store:
        series = project_series(store, target)
    if not series:
        raise LedgerkitError(f"汇总记录里没有名称含“{target}”的项目或单位")
    if as_json:
        from ledgerkit.metrics import to_json

        _print_json(to_json(series))
    else:
        from ledgerkit.console import render_series

        render_series(series)
    raise typer.Exit(EXIT_OK)


def _open_store(settings: Settings) -> Any:
    from ledgerkit.history import Store, store_path

    path = store_path(settings, Path.cwd())
    if not path.exists():
        raise LedgerkitError(f"还没有汇总记录（{path}），请先在工作区运行 ledgerkit merge")
    return Store(path)


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
    from ledgerkit.pipeline import unit_forms

    settings = _settings()
    key = _check_period(period) or period
    written = unit_forms(key, unit or [], settings, Path.cwd(), output, source)
    for path in written:
        typer.echo(f"已写出 {path}")


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(help="工作区文件夹，默认当前文件夹")] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="覆盖已有的设置和模板")] = False,
) -> None:
    """建立工作区：带注释的 ledgerkit.toml 和一份可修改的默认模板。

    例：ledgerkit init 重点项目
    """
    from ledgerkit.workspace import init_workspace

    for path in init_workspace(folder, force):
        typer.echo(f"已写出 {path}")


def _settings(**overrides: object) -> Settings:
    from ledgerkit.settings import load_settings

    settings = load_settings(overrides=overrides)
    if settings.warnings:
        from ledgerkit.console import warn

        for message in settings.warnings:
            warn(message)
    return settings


def _check_period(period: str | None) -> str | None:
    import re

    if period is not None and not re.fullmatch(r"20\d{2}-(0[1-9]|1[0-2])", period):
        raise typer.BadParameter(
            f"“{period}”不是 YYYY-MM 格式，例如 2024-04", param_hint="--period"
        )
    return period


def _default_output(paths: list[Path]) -> Path:
    first = paths[0].resolve()
    base = first if first.is_dir() else first.parent
    return base.parent / f"{base.name}汇总.xlsx"


def _title(region: str, period: str | None) -> str:
    if not period:
        return f"{region}重点项目汇总台账"
    from ledgerkit.metrics import Period

    p = Period.parse(period)
    return f"{region}{p.year}年{p.span}重点项目汇总台账"


def _finish(result: MergeResult, out: Path | None, as_json: bool) -> None:
    from ledgerkit.merge import result_dict

    if as_json:
        _print_json(result_dict(result, out))
    else:
        from ledgerkit.console import render_result

        render_result(result, out)
    raise typer.Exit(EXIT_OK if result.ok else EXIT_DATA)


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
