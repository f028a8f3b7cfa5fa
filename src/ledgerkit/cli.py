"""The command line: resolve options, call one library function, render, pick the exit code.

Exit codes batch files rely on: 0 clean; 1 the data has errors or a file failed (outputs are
still written); 2 usage; 3 could not run. Heavy imports (readers, writers) happen inside the
commands so that `ledgerkit --help` stays fast. Help pages and usage errors are Chinese
(`cli_help.py`): every parameter has a Chinese metavar, and every command a docstring whose
first line says what it does and whose `例：` lines are its examples.
"""

from __future__ import annotations

import contextlib
import copy
import gc
import inspect
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from ledgerkit import __version__
from ledgerkit.cli_help import ChineseCommand, ChineseGroup, usage_error
from ledgerkit.errors import BadOutput, LedgerkitError

if TYPE_CHECKING:
    from ledgerkit.month import MonthRun, OnFile
    from ledgerkit.period import Period
    from ledgerkit.settings import Settings

EXIT_OK, EXIT_DATA, EXIT_USAGE, EXIT_FAILED = 0, 1, 2, 3

EXIT_CODES = f"""退出码（批处理里用 if errorlevel 判断）：
  {EXIT_OK}  没有问题
  {EXIT_DATA}  数据有错误或文件读取失败，输出照样写出（status：有单位未报送；history：没有找到）
  {EXIT_USAGE}  用法不对
  {EXIT_FAILED}  无法运行（找不到文件、汇总表正在 Excel 里打开等）"""

app = typer.Typer(
    cls=ChineseGroup,
    help="重点项目台账工具：检查、汇总各单位每月报来的重点项目台账，写出汇总表、通报和督办通知单。\n\n"
    "每月：把各单位报来的文件放进一个文件夹（如 2024-04），先用 check 查看问题，再用 merge 写出汇总表，"
    "然后用 report 写通报。第一次使用时先用 init 建立工作区。",
    epilog=EXIT_CODES,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

Paths = Annotated[
    list[Path],
    typer.Argument(
        help="各单位报来的台账文件，或放着它们的文件夹（可写多个）",
        metavar="台账文件或文件夹…",
        show_default=False,
    ),
]
JsonFlag = Annotated[
    bool,
    typer.Option("--json", help="标准输出只有一个 JSON 对象（UTF-8），供批处理和脚本读取"),
]
MonthPeriod = Annotated[
    str | None,
    typer.Option(
        "--period", help="报告期，如 2024-04；默认从文件夹名或表格标题推断", metavar="年月"
    ),
]
LedgerPeriod = Annotated[
    str | None,
    typer.Option(
        "--period", help="报告期，如 2024-04；默认从汇总表的文件名或标题推断", metavar="年月"
    ),
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
    # no docstring: the group's help is the app's help= (a docstring here would be a second one)
    return None


Region = Annotated[
    str | None,
    typer.Option(
        "--region", help="地区名称，如 襄城区（默认取 ledgerkit.toml 的 region）", metavar="地区"
    ),
]
Password = Annotated[
    str | None,
    typer.Option(
        "--password",
        envvar="LEDGERKIT_PASSWORD",
        help="设有打开密码的工作簿用这个密码打开（也可设环境变量 LEDGERKIT_PASSWORD）",
        metavar="密码",
        show_default=False,
    ),
]


@app.command(cls=ChineseCommand)
def merge(
    paths: Paths,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="汇总表写到这里（.xlsx）；默认写到文件夹旁边的“文件夹名汇总.xlsx”",
            metavar="文件",
        ),
    ] = None,
    period: MonthPeriod = None,
    region: Region = None,
    as_json: JsonFlag = False,
    password: Password = None,
) -> None:
    """汇总一个月的台账：检查各单位报来的文件，合并写出汇总表。

    汇总表里有总体情况，分单位、分类别等汇总，滞后项目、项目明细、问题清单和文件情况；本月的结果同时记入汇总记录，供下个月核对和 status、history 查询。

    例：ledgerkit merge 2024-04 -o 2024-04汇总.xlsx
    """
    from ledgerkit.month import merge as merge_month

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


@app.command(cls=ChineseCommand)
def check(
    paths: Paths,
    period: MonthPeriod = None,
    as_json: JsonFlag = False,
    password: Password = None,
    feedback: Annotated[
        Path | None,
        typer.Option(
            "--feedback",
            help="为每个有问题的单位写一份标出问题的副本到这个文件夹，退回修改",
            metavar="文件夹",
        ),
    ] = None,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain",
            help="逐张工作表说明读法：哪些行是标题、表头、合计、项目，每一列读作什么字段、依据是什么，"
            "金额单位从哪里来；读错了可在 ledgerkit.toml 的 [columns] 中改",
        ),
    ] = False,
) -> None:
    """只检查、不汇总：列出台账里的问题，不写汇总表，也不记入汇总记录。

    单位改好后重新报来时，用它复查；加 --explain 看 ledgerkit 是怎样读懂每张表的。

    例：ledgerkit check 2024-04/卧龙镇.xlsx
    例：ledgerkit check 2024-04 --feedback 2024-04退回
    例：ledgerkit check 2024-04/卧龙镇.xlsx --explain
    """
    from ledgerkit.month import check as check_month
    from ledgerkit.month import explain_month

    settings = _settings()
    stages = [("读取台账", "检查"), ("写出问题反馈副本", "写完")]
    with _bars(as_json, stages) as (on_file, on_written):
        run = check_month(
            paths,
            settings,
            period=_period(period),
            feedback=feedback,
            password=password,
            on_file=on_file,
            on_written=on_written,
        )
    for path in run.written:
        typer.echo(f"已写出 {path}", err=as_json)
    explained = {"explain": explain_month(run.result)} if explain else {}
    if explained and not as_json:
        from ledgerkit.console import render_explain

        render_explain(explained["explain"])
    _finish(run, as_json, explained)


ReportPeriod = Annotated[
    str | None,
    typer.Option(
        "--period",
        help="报告期：2024-04（月，默认从汇总表推断）；2024-Q2（季度）、2024-H1（半年）、2024（全年）从汇总记录计算，不用给汇总表",
        metavar="报告期",
    ),
]


@app.command(cls=ChineseCommand)
def report(
    ledger: Annotated[
        Path | None,
        typer.Argument(
            help="merge 写出的汇总表（.xlsx），手工改过也可以；季度、半年、全年不用给",
            metavar="汇总表",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="通报写到这里（.docx；--format md 或 html 时为 .md 或 .html）",
            metavar="文件",
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="通报的格式：docx、md（纯文本）或 html（网页）；默认按 -o 的文件名，没有 -o 时为 docx，md、html 直接显示在终端",
            metavar="格式",
            show_default=False,
        ),
    ] = None,
    xlsx: Annotated[
        Path | None,
        typer.Option("--xlsx", help="重新写出汇总表（各汇总表和滞后项目）到这里", metavar="文件"),
    ] = None,
    lists: Annotated[
        bool,
        typer.Option(
            "--lists",
            help="写出三个清单（前期、新开工、续建，及收尾）：-o 为 .xlsx，各清单有合计和考核指标",
        ),
    ] = False,
    by_leader: Annotated[
        bool,
        typer.Option("--by-leader", help="-o 写每位包抓领导一页的推进情况，而不是通报"),
    ] = False,
    period: ReportPeriod = None,
    region: Region = None,
    as_json: JsonFlag = False,
) -> None:
    """从汇总表出数、写通报：在终端显示本月概况和各单位排名，-o 写月度通报。

    读的是 merge 写出的汇总表（手工改过也可以）；--json 打印全部指标。季度、半年、全年（--period 2024-Q2、2024-H1、2024）从汇总记录里已汇总的各月计算：本季度完成 = 季末月累计 − 上季末月累计。加 --by-leader 时 -o 写每位包抓领导一页（所包项目、计划、完成、滞后项目、存在问题）。

    例：ledgerkit report 2024-04汇总.xlsx -o 2024年1-4月通报.docx
    例：ledgerkit report 2024-04汇总.xlsx --format md
    例：ledgerkit report --period 2024-Q2 -o 2024年第二季度通报.docx
    例：ledgerkit report 2024-04汇总.xlsx --lists -o 2024-04三个清单.xlsx
    例：ledgerkit report 2024-04汇总.xlsx --by-leader -o 包抓领导.docx
    """
    from ledgerkit.pipeline import report as report_month

    if fmt not in (None, "docx", "md", "html"):
        raise typer.BadParameter(f"“{fmt}”不是 docx、md 或 html", param_hint="--format")
    wider = _wider_period(period)
    settings = _settings(region=region)
    if wider is not None:
        if xlsx is not None or lists or by_leader:
            raise typer.BadParameter(
                "季度、半年、全年没有汇总表可重写，三个清单也按月出：请给出某月的汇总表和 --period 2024-06",
                param_hint="--xlsx" if xlsx is not None else "--lists" if lists else "--by-leader",
            )
        _report_period(settings, wider, ledger, output, fmt, as_json)
    if ledger is None:
        raise typer.BadParameter(
            "请给出 merge 写出的汇总表；季度、半年、全年用 --period 2024-Q2 这样的写法",
            param_hint="汇总表",
        )
    if lists:
        _report_lists(settings, ledger, _period(period), output, as_json)
    with _working(as_json, "读取汇总表、出数" + ("、写出通报" if output else "")):
        run = report_month(
            ledger,
            settings,
            period=_period(period),
            output=output,
            fmt=fmt,
            xlsx=xlsx,
            by_leader=by_leader,
        )
    if run.preview is not None:
        _print_bytes(run.preview)
    if as_json:
        _print_json(run.to_dict())
    elif run.preview is None:
        from ledgerkit.console import render_figures

        render_figures(run.figures, settings, list(run.written))
    raise typer.Exit(EXIT_OK if run.ok else EXIT_DATA)


def _report_lists(
    settings: Settings, ledger: Path, period: Period | None, output: Path | None, as_json: bool
) -> NoReturn:
    from ledgerkit.pipeline import lists_report

    with _working(as_json, "读取汇总表、列出三张清单"):
        run = lists_report(ledger, settings, period=period, output=output)
    if as_json:
        _print_json(run.to_dict())
    else:
        from ledgerkit.console import render_lists

        render_lists(run.lists, settings, run.output)
    raise typer.Exit(EXIT_OK if run.ok else EXIT_DATA)


def _wider_period(key: str | None) -> Period | None:
    """A quarter, a half or a year given as --period (None for a month or nothing)."""
    from ledgerkit.period import MONTH, BadPeriod, Period

    if key is None:
        return None
    try:
        period = Period.parse(key)
    except BadPeriod as exc:
        raise typer.BadParameter(str(exc), param_hint="--period") from exc
    return None if period.kind == MONTH else period


def _report_period(
    settings: Settings,
    period: Period,
    ledger: Path | None,
    output: Path | None,
    fmt: str | None,
    as_json: bool,
) -> NoReturn:
    """report for a quarter, a half or a year: from the store (beside `ledger` if given)."""
    from ledgerkit.pipeline import period_report

    here = ledger.resolve().parent if ledger else Path.cwd()
    with _working(as_json, f"从汇总记录计算{period.text}" + ("、写出通报" if output else "")):
        run = period_report(settings, here, period, output=output, fmt=fmt)
    if run.preview is not None:
        _print_bytes(run.preview)
    if as_json:
        _print_json(run.to_dict())
    elif run.preview is None:
        from ledgerkit.console import render_period

        render_period(run.figures, run.issues, settings, list(run.written))
    raise typer.Exit(EXIT_OK if run.ok else EXIT_DATA)


@app.command(cls=ChineseCommand)
def notices(
    ledger: Annotated[Path, typer.Argument(help="merge 写出的汇总表（.xlsx）", metavar="汇总表")],
    output: Annotated[
        Path,
        typer.Option(
            "-o",
            "--output",
            help="督办通知单写到这里（.docx）；--by-unit 时为文件夹",
            metavar="文件",
        ),
    ],
    by_unit: Annotated[
        bool,
        typer.Option("--by-unit", help="另为每个责任单位写一份交办督办函（问题、滞后项目、节点）"),
    ] = False,
    period: LedgerPeriod = None,
    region: Region = None,
    as_json: JsonFlag = False,
) -> None:
    """写督办通知单：每个严重滞后的项目一页，合在一个 Word 文件里。

    没有严重滞后的项目时不写文件。加 --by-unit 时 -o 是文件夹：里面是督办通知单.docx，和每个责任单位一份“交办督办函”，列出该单位负责解决的未办结问题（含时限，取自问题台账）、严重滞后项目和逾期节点。

    例：ledgerkit notices 2024-04汇总.xlsx -o 2024-04督办通知单.docx
    例：ledgerkit notices 2024-04汇总.xlsx --by-unit -o 2024-04交办
    """
    from ledgerkit.pipeline import notices as write_notices

    settings = _settings(region=region)
    with _working(as_json, "读取汇总表、写出督办通知单"):
        run = write_notices(ledger, settings, output, period=_period(period), by_unit=by_unit)
    if as_json:
        _print_json(run.to_dict())
        raise typer.Exit(EXIT_OK if run.ok else EXIT_DATA)
    if run.count:
        typer.echo(f"严重滞后项目 {run.count} 个，督办通知单已写出：{run.output}")
    else:
        typer.echo("没有严重滞后项目，未写出督办通知单")
    for notice, path in run.units:
        typer.echo(
            f"{notice.unit}：问题{len(notice.problems)}个、严重滞后项目{len(notice.red)}个、"
            f"逾期节点{len(notice.nodes)}个，交办督办函已写出：{path}"
        )
    raise typer.Exit(EXIT_OK if run.ok else EXIT_DATA)


PhotosFolder = Annotated[
    Path | None,
    typer.Option(
        "--photos",
        help="本月的照片文件夹；默认为汇总表旁边月份文件夹里的“照片”（如 2024-04/照片）",
        metavar="文件夹",
    ),
]


@app.command(cls=ChineseCommand)
def screen(
    ledger: Annotated[Path, typer.Argument(help="merge 写出的汇总表（.xlsx）", metavar="汇总表")],
    output: Annotated[
        Path,
        typer.Option("-o", "--output", help="大屏网页写到这里（.html）", metavar="文件"),
    ],
    png: Annotated[
        Path | None,
        typer.Option(
            "--png",
            help="同时把每一页导出为 1920×1080 的图片，写到这个文件夹（需要本机装有 Chromium、Chrome 或 Edge）",
            metavar="文件夹",
        ),
    ] = None,
    photos: PhotosFolder = None,
    period: LedgerPeriod = None,
    region: Region = None,
    as_json: JsonFlag = False,
) -> None:
    """写大屏：一个网页文件，在会议室大屏或 LED 屏上轮播本月的指标、排名、滞后项目和照片。

    网页不联网、不用另外的文件，复制到大屏电脑上用浏览器打开即可（按 F11 全屏）；每页停留的秒数见 ledgerkit.toml 的 [screen]。左右方向键翻页，空格暂停；打印时每屏一页。

    例：ledgerkit screen 2024-04汇总.xlsx -o 2024-04大屏.html
    例：ledgerkit screen 2024-04汇总.xlsx -o 大屏.html --png 大屏图片
    """
    from ledgerkit.pipeline import screen as make_screen

    settings = _settings(region=region)
    with _working(as_json, "读取汇总表、写出大屏" + ("、截图" if png else "")):
        run = make_screen(ledger, settings, output, period=_period(period), png=png, photos=photos)
    if as_json:
        _print_json(run.to_dict())
    else:
        typer.echo(f"大屏共 {len(run.pages)} 页，已写出 {run.output}")
        for image in run.images:
            typer.echo(f"已写出 {image}")
    raise typer.Exit(EXIT_OK if run.ok else EXIT_DATA)


@app.command(cls=ChineseCommand)
def photos(
    ledger: Annotated[Path, typer.Argument(help="merge 写出的汇总表（.xlsx）", metavar="汇总表")],
    output: Annotated[
        Path,
        typer.Option("-o", "--output", help="图册写到这里（.docx）", metavar="文件"),
    ],
    folder: PhotosFolder = None,
    period: LedgerPeriod = None,
    region: Region = None,
    as_json: JsonFlag = False,
) -> None:
    """写形象进度图册：每个有照片的项目一页（项目概况和最多四张照片），合在一个 Word 文件里。

    照片放在月份文件夹的“照片”里，每个项目一个文件夹（以项目名称或编码命名），也可以先按单位分文件夹。照片已缩小，文件便于发送。

    例：ledgerkit photos 2024-04汇总.xlsx -o 2024-04形象进度图册.docx
    """
    from ledgerkit.pipeline import photos as photo_book

    settings = _settings(region=region)
    with _working(as_json, "读取汇总表和照片、写出图册"):
        run = photo_book(ledger, settings, output, period=_period(period), folder=folder)
    if as_json:
        _print_json(run.to_dict())
    else:
        typer.echo(f"{run.projects} 个项目、{run.photos} 张照片，图册已写出：{run.output}")
        for path, reason in run.skipped:
            typer.echo(f"未采用 {path.name}：{reason}")
    raise typer.Exit(EXIT_OK if run.ok else EXIT_DATA)


@app.command(cls=ChineseCommand)
def score(
    period: Annotated[
        str,
        typer.Option(
            "--period",
            help="考核期：2024-Q2（季度）、2024-H1（半年）、2024（全年）或 2024-04",
            metavar="报告期",
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="考核表写到这里（.xlsx）", metavar="文件"),
    ] = None,
    region: Region = None,
    as_json: JsonFlag = False,
) -> None:
    """考核打分：按 ledgerkit.toml 的 [score] 规则（没写时用默认考核办法）给各单位打分、排名。

    数据取自汇总记录里已汇总的各月；得分明细写明每一项用的数字。某项没有数据（如本期没有到期的节点）时不计分，其余各项按权重折算。

    例：ledgerkit score --period 2024-Q2
    例：ledgerkit score --period 2024 -o 2024年度考核.xlsx
    """
    from ledgerkit.period import BadPeriod, Period
    from ledgerkit.pipeline import score as score_period

    try:
        wanted = Period.parse(period)
    except BadPeriod as exc:
        raise typer.BadParameter(str(exc), param_hint="--period") from exc
    settings = _settings(region=region)
    with _working(as_json, "从汇总记录打分" + ("、写出考核表" if output else "")):
        run = score_period(settings, Path.cwd(), wanted, output=output)
    if as_json:
        _print_json(run.to_dict())
    else:
        from ledgerkit.console import render_scores

        render_scores(run.scores, run.issues, settings, run.output)
    raise typer.Exit(EXIT_OK if run.ok else EXIT_DATA)


@app.command(cls=ChineseCommand)
def problems(
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="问题台账写到这里（.xlsx）", metavar="文件"),
    ] = None,
    source: Annotated[
        Path | None,
        typer.Option(
            "--from", help="先读入这个问题台账里的修改（默认读 -o 指向的旧台账）", metavar="文件"
        ),
    ] = None,
    period: Annotated[
        str | None,
        typer.Option("--period", help="截至哪个月，如 2024-04；默认为最近的月份", metavar="年月"),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """问题台账：各单位报的存在问题逐月跟踪到办结，逾期和长期未解决的点名。

    在工作区里运行，读每次 merge 记下的各月台账。-o 指向的问题台账已存在时，先读回其中修改过的状态、时限、责任单位、责任人、办理情况和备注（以修改为准，下月照样保留），再写出新的台账。有逾期问题时退出码为 1。

    例：ledgerkit problems -o 问题台账.xlsx
    例：ledgerkit problems --period 2024-04 --json
    """
    from ledgerkit.pipeline import problems as problem_ledger

    with _working(as_json, "从汇总记录整理问题台账" + ("、写出问题台账" if output else "")):
        run = problem_ledger(
            _settings(), Path.cwd(), period=_period(period), output=output, source=source
        )
    if as_json:
        _print_json(run.to_dict())
    else:
        from ledgerkit.console import render_problems

        render_problems(run.to_dict())
    raise typer.Exit(EXIT_DATA if run.to_dict()["counts"]["逾期"] else EXIT_OK)


@app.command(cls=ChineseCommand)
def status(
    period: Annotated[
        str | None,
        typer.Option(
            "--period", help="要查看的月份，如 2024-04；默认为汇总记录里最近的月份", metavar="年月"
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """查看报送情况：各单位已报送、逾期还是未报送。

    不用写文件夹：在工作区（没有工作区时在汇总表所在的文件夹）里运行，读每次 merge 记下的汇总记录。也列出同一单位报来的几个版本，和只报数据、没有文字分析的单位。有单位未报送时退出码为 1。

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


@app.command(cls=ChineseCommand)
def history(
    target: Annotated[
        str,
        typer.Argument(
            help="项目名称（或其中几个字）、项目编码或责任单位；写 rebuild 则重建汇总记录",
            metavar="项目或单位",
        ),
    ],
    workbooks: Annotated[
        list[Path] | None,
        typer.Argument(
            help="rebuild 时从这些汇总表重建（默认为工作区里 ledgerkit 写出的全部 *汇总.xlsx）",
            metavar="汇总表…",
            show_default=False,
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """查看逐月进度：一个项目，或一个单位的各个项目，每月的计划、完成和状态。

    在工作区（没有工作区时在汇总表所在的文件夹）里运行，读汇总记录；没有找到时退出码为 1。history rebuild 从各月汇总表重建汇总记录。

    例：ledgerkit history 卧龙镇
    例：ledgerkit history rebuild
    """
    from ledgerkit import pipeline

    settings = _settings()
    if target == "rebuild":
        with _working(as_json, "从汇总表重建汇总记录"):
            run = pipeline.rebuild(settings, Path.cwd(), workbooks)
        if as_json:
            _print_json(run.to_dict())
        else:
            for path, reason in run.skipped:
                typer.echo(f"已跳过 {path}：{reason}")
            typer.echo(f"已重建 {len(run.periods)} 个月的记录：{'、'.join(run.periods)}")
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


@app.command(cls=ChineseCommand)
def template(
    period: Annotated[
        str, typer.Option("--period", help="要填报的月份，如 2024-05", metavar="年月")
    ],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="填报表写到这个文件夹", metavar="文件夹")
    ],
    unit: Annotated[
        list[str] | None,
        typer.Option(
            "--unit",
            help="只为这个单位生成（可写多次）；默认为单位名册里的全部单位",
            metavar="单位",
            show_default=False,
        ),
    ] = None,
    source: Annotated[
        Path | None,
        typer.Option(
            "--from", help="从这个汇总表取项目（默认取汇总记录里上个月的）", metavar="汇总表"
        ),
    ] = None,
) -> None:
    """生成下个月的填报表：每个单位一个 Excel 文件，预填本单位的项目。

    表里带下拉选项、数字校验、保护和填表说明。在工作区里运行：项目取自汇总记录里上个月的汇总（或 --from 的汇总表），单位取自 ledgerkit.toml 的单位名册（没有名册时为上个月的单位）。

    例：ledgerkit template --period 2024-05 -o 2024-05下发
    例：ledgerkit template --period 2024-05 -o 2024-05下发 --unit 卧龙镇
    """
    from ledgerkit.errors import UnknownUnit
    from ledgerkit.pipeline import template as unit_forms

    month = _period(period)
    assert month is not None  # a required option
    try:
        with _bars(False, [("写出填报表", "写完")]) as (on_written,):
            written = unit_forms(
                _settings(), Path.cwd(), month, output, unit or [], source, on_written
            )
    except UnknownUnit as exc:
        raise typer.BadParameter(str(exc), param_hint="--unit") from None
    for path in written:
        typer.echo(f"已写出 {path}")


@app.command(cls=ChineseCommand)
def init(
    folder: Annotated[
        Path,
        typer.Argument(help="工作区文件夹，默认为当前文件夹", metavar="文件夹", show_default=False),
    ] = Path("."),
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

    with _progress(False) as on_file:  # reading a month's folder for the roster
        made = make_workspace(
            folder, force, region=region or "", issuer=issuer or "", source=source, on_file=on_file
        )
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
    """A month given as --period 2024-04 (usage error otherwise)."""
    if key is None:
        return None
    from ledgerkit.period import MONTH, BadPeriod, Period

    try:
        period = Period.parse(key)
    except BadPeriod:
        period = None
    if period is None or period.kind != MONTH:
        raise typer.BadParameter(f"“{key}”不是年月，请写成 2024-04 这样", param_hint="--period")
    return period


def _progress(as_json: bool) -> contextlib.AbstractContextManager[OnFile | None]:
    """A progress bar on stderr while the files are read, only for a person at a terminal:
    nothing when stderr is piped or redirected, nothing with --json."""
    if as_json or not sys.stderr.isatty():
        return contextlib.nullcontext()
    from ledgerkit.console import file_progress

    return file_progress()


def _working(as_json: bool, text: str) -> contextlib.AbstractContextManager[None]:
    """A spinner on stderr during one long step, as _progress: only for a person at a
    terminal."""
    if as_json or not sys.stderr.isatty():
        return contextlib.nullcontext()
    from ledgerkit.console import working

    return working(text)


def _bars(
    as_json: bool, stages: list[tuple[str, str]]
) -> contextlib.AbstractContextManager[list[OnFile | None]]:
    """A progress bar on stderr for each stage of a run (what it does, what follows it), as
    _progress: only for a person at a terminal."""
    if as_json or not sys.stderr.isatty():
        return contextlib.nullcontext([None] * len(stages))
    from ledgerkit.console import progress_bars

    return progress_bars(*stages)  # type: ignore[return-value]  # list is invariant


def _finish(run: MonthRun, as_json: bool, more: dict[str, Any] | None = None) -> None:
    if as_json:
        _print_json({**run.to_dict(), **(more or {})})
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
    if getattr(sys, "frozen", False):  # a frozen ledgerkit.exe is also its reading workers
        import multiprocessing

        multiprocessing.freeze_support()
    _safe_streams()
    args = sys.argv[1:] if argv is None else list(argv)
    # a run is short and leaves next to no reference cycles, while the cycle collector's passes
    # over every project row kept in memory would cost a fifth of a merge
    gc.disable()
    try:
        if not args:  # the help page for a person; 2 for a .bat whose %1 came out empty
            _run(["--help"])
            sys.exit(EXIT_USAGE)
        sys.exit(_run(args))
    except typer.TyperException as exc:  # typer's usage errors (its click's UsageError)
        code = getattr(exc, "exit_code", EXIT_USAGE)
        if code == EXIT_USAGE:
            typer.echo(usage_error(exc), err=True)
            sys.exit(code)
        _fail(exc.format_message(), code)
    except BadOutput as exc:  # asked for something it cannot write: a usage error
        _fail(str(exc), EXIT_USAGE)
    except LedgerkitError as exc:
        _fail(str(exc), EXIT_FAILED)
    except Exception as exc:  # a bug of ours: still a message and a stable code, no traceback
        name = type(exc).__name__
        _fail(
            f"ledgerkit 内部错误（{name}: {exc}）。请把这条信息和输入文件发给维护人员。",
            EXIT_FAILED,
        )
    finally:
        gc.enable()


def _fail(message: str, code: int) -> NoReturn:
    """The error on stderr, in Chinese, and the exit code a .bat reads."""
    from ledgerkit.console import error

    error(message)
    sys.exit(code)


def _run(args: list[str]) -> int:
    """Run the app without typer's own error printing (English): its usage errors come out
    as exceptions, rendered by `main`; a command's typer.Exit comes back as its code."""
    code = _app_for(args)(args=args, prog_name="ledgerkit", standalone_mode=False)
    return code if isinstance(code, int) else EXIT_OK


def _app_for(args: list[str]) -> typer.Typer:
    """The app with as much of it as this run uses. Typer turns every command's signature
    into click parameters on every run (18 ms for the twelve commands: more than ledgerkit's
    own start-up on `--help`); a command's run needs only its own. Any other run (`--help`,
    `--version`, a mistyped command) needs of each command only its name and docstring: there
    it gets commands with their docstrings and no parameters, which cannot be run (the group's
    only options, --help and --version, end the run before a command could be)."""
    from typer.main import get_command_name

    named = {
        info.name or get_command_name(info.callback.__name__): info
        for info in app.registered_commands
        if info.callback is not None
    }
    some = copy.copy(app)
    if args and args[0] in named:
        some.registered_commands = [named[args[0]]]
    else:
        some.registered_commands = [_listed(name, info) for name, info in named.items()]
    return some


def _listed(name: str, info: Any) -> Any:
    """A command as the group's help lists it: its name and docstring, no parameters."""
    listed = copy.copy(info)
    listed.name, listed.help = name, inspect.getdoc(info.callback)
    listed.callback = _not_run
    return listed


def _not_run() -> NoReturn:
    raise AssertionError("a command listed for the help page was run")


if __name__ == "__main__":
    main()
