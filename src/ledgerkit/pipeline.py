"""The only place where the stages are chained: one function per command, each returning a
result the command line renders (and whose `to_dict()` is what `--json` prints).

    read -> normalise -> validate -> merge -> metrics -> write
                                  \\-> the store: validate_months, trend, queries

The month from the units' files (`merge`, `check`) is chained in `month` (and one file's
reading, what each worker runs, in `loading`); this module chains the commands that start
from a merged workbook or the store, and names the month's functions too. Where the history
store lives is decided in `month.store_path` and nowhere else.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from ledgerkit.errors import (
    BadOutput,
    LedgerkitError,
    NoInputs,
    StoreProblem,
    UnknownUnit,
)
from ledgerkit.issues import CELL_CODES, Issue, issue
from ledgerkit.layout import is_merged_workbook
from ledgerkit.leaders import with_problem_ledger
from ledgerkit.loading import load_file
from ledgerkit.lock import workspace_lock
from ledgerkit.merging import FAILED, MERGED, SKIPPED
from ledgerkit.metrics import assess, to_json
from ledgerkit.month import (
    MonthRun,
    OnFile,
    check,
    discover,
    explain_month,
    kept_projects,
    ledger_title,
    merge,
    merge_month,
    merge_paths,
    output_file,
    output_folder,
    store_path,
)
from ledgerkit.nodes import Node, month_nodes
from ledgerkit.period import Period
from ledgerkit.photos import (
    PHOTO_FOLDER,
    PhotoIndex,
    index_photos,
)
from ledgerkit.problems import summary as problem_summary
from ledgerkit.project import Project, units_of
from ledgerkit.queries import expected_units, submissions
from ledgerkit.settings import Settings
from ledgerkit.store import (
    Kept,
    Store,
    files_from_workbook,
    project_key,
    rename_keys,
)
from ledgerkit.workspace import Workspace, ensure_new, init_workspace

__all__ = [
    "FAILED",
    "MERGED",
    "SKIPPED",
    "MonthRun",
    "OnFile",
    "check",
    "discover",
    "explain_month",
    "history",
    "init",
    "lists_report",
    "load_file",
    "merge",
    "merge_month",
    "merge_paths",
    "notices",
    "period_report",
    "photos",
    "problems",
    "rebuild",
    "report",
    "score",
    "screen",
    "status",
    "template",
]


def read_merged(ledger: Path, settings: Settings, period: Period | None) -> MonthRun:
    """A merged workbook read back (hand-corrected or not), with its figures and history."""
    store = store_path(settings, ledger.resolve().parent)
    month = merge_month([ledger], period, settings, store, merged_workbook=ledger)
    if month.figures is None:
        raise LedgerkitError("无法确定报告期，请用 --period YYYY-MM 指定，例如 --period 2024-04")
    try:
        problems = month_problems(settings, ledger.resolve().parent, month)
    except StoreProblem:  # said already as history-unreadable: the bulletin goes on without
        problems = []
    month.figures["problem_ledger"] = problem_summary(problems, month.figures["period"]["key"])
    month.figures["by_leader"] = with_problem_ledger(
        month.figures["by_leader"], month.kept, problems
    )
    return month


@dataclass(frozen=True)
class ReportRun:
    """`report`: the figures, a bulletin preview to show (md/html without -o), what was written."""

    month: MonthRun
    preview: bytes | None = None
    written: tuple[Path, ...] = ()

    @property
    def figures(self) -> dict[str, Any]:
        return self.month.figures or {}

    @property
    def ok(self) -> bool:
        return self.month.ok

    def to_dict(self) -> dict[str, Any]:
        return to_json(self.figures)


def report(
    ledger: Path,
    settings: Settings,
    *,
    period: Period | None = None,
    output: Path | None = None,
    fmt: str | None = None,
    xlsx: Path | None = None,
    by_leader: bool = False,
) -> ReportRun:
    """`ledgerkit report`: figures of a merged workbook; the bulletin to `output` (its format
    from the name's suffix unless `fmt` says) or, as md or html without an output, a preview;
    the summary workbook to `xlsx`. `by_leader`: `output` gets one page per 包抓领导 instead
    of the bulletin."""
    from ledgerkit.bulletin import bulletin
    from ledgerkit.output import atomic_write

    if by_leader:
        return _leader_report(ledger, settings, period, output)
    output, fmt = _bulletin_output(output, fmt, ledger)
    if xlsx is not None:
        xlsx = output_file(xlsx, (".xlsx",), f"{ledger.stem}（重写）.xlsx", "汇总表")
    month = read_merged(ledger, settings, period)
    written = []
    if xlsx:
        _rewrite(ledger, month, xlsx, settings)
    preview = None
    if output or fmt != "docx":
        data = bulletin(month.figures or {}, settings, fmt)
        if output:
            atomic_write(output, lambda tmp: tmp.write_bytes(data), "通报")
            written.append(output)
        else:
            preview = data
    if xlsx:
        written.append(xlsx)
    return ReportRun(month, preview, tuple(written))


def _leader_report(
    ledger: Path, settings: Settings, period: Period | None, output: Path | None
) -> ReportRun:
    """`report --by-leader -o 包抓领导.docx`: one page per 包抓领导 (template 包抓领导.docx)."""
    from ledgerkit.leaders import leader_pages
    from ledgerkit.output import atomic_write

    if output is None:
        raise BadOutput("--by-leader 要用 -o 指定写到哪个文件，例如 -o 包抓领导.docx")
    output = output_file(output, (".docx",), "包抓领导.docx", "包抓领导情况")
    month = read_merged(ledger, settings, period)
    if not (month.figures or {}).get("by_leader"):
        raise LedgerkitError(f"“{ledger.name}”的项目都没有填包抓领导，没有可写的内容")
    data = leader_pages(month.figures or {}, settings)
    atomic_write(output, lambda tmp: tmp.write_bytes(data), "包抓领导情况")
    return ReportRun(month, None, (output,))


def _rewrite(ledger: Path, month: MonthRun, out: Path, settings: Settings) -> None:
    """A merged workbook written again as it was read: its 问题清单 and 文件情况 kept (the
    checks across files and months were made when it was merged), plus what this reading
    found in its own cells (a value broken by hand)."""
    from ledgerkit.layout import FILES_SHEET, ISSUES_SHEET, read_table
    from ledgerkit.workbook import write_workbook

    kept = {name: t for name in (ISSUES_SHEET, FILES_SHEET) if (t := read_table(ledger, name))}
    found = tuple(i for i in month.result.issues if i.code in CELL_CODES)
    result = replace(month.result, issues=found)
    title = ledger_title(settings.region, result.period)
    write_workbook(result, out, title, month.figures, settings, kept, month.nodes)


BULLETIN_FORMATS = {".docx": "docx", ".md": "md", ".html": "html", ".htm": "html"}


def _bulletin_output(output: Path | None, fmt: str | None, ledger: Path) -> tuple[Path | None, str]:
    """The bulletin's file and format: the suffix tells the format; a --format that says
    otherwise is refused rather than writing a .docx called .md."""
    if output is None:
        return None, fmt or "docx"
    suffixes = tuple(s for s, f in BULLETIN_FORMATS.items() if fmt in (None, f))
    output = output_file(output, suffixes, f"{ledger.stem}通报.{fmt or 'docx'}", "通报")
    return output, BULLETIN_FORMATS[output.suffix.lower()]


@dataclass(frozen=True)
class ScreenRun:
    """`screen`: the pages made (their keys, in order), the HTML and any PNGs written."""

    month: MonthRun
    pages: tuple[str, ...]
    output: Path
    images: tuple[Path, ...] = ()

    @property
    def ok(self) -> bool:
        return self.month.ok

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.month.period_key,
            "output": str(self.output),
            "pages": list(self.pages),
            "images": [str(p) for p in self.images],
        }


def screen(
    ledger: Path,
    settings: Settings,
    output: Path,
    *,
    period: Period | None = None,
    png: Path | None = None,
    photos: Path | None = None,
) -> ScreenRun:
    """`ledgerkit screen`: the big screen of a merged workbook as one offline HTML file,
    and with `png` each page as a 1920×1080 image (needs Chromium, Chrome or Edge)."""
    from ledgerkit.output import atomic_write
    from ledgerkit.screen import pages, render

    output = output_file(output, (".html", ".htm"), f"{ledger.stem}大屏.html", "大屏")
    if png is not None:
        output_folder(png, "大屏图片")
    month = read_merged(ledger, settings, period)
    figures = month.figures or {}
    made = pages(figures, settings, screen_photos(month_photos(ledger, month, photos)))
    data = render(figures, settings, made)
    atomic_write(output, lambda tmp: tmp.write_bytes(data), "大屏")
    images: tuple[Path, ...] = ()
    if png is not None:
        from ledgerkit.browser import screenshots

        images = tuple(screenshots(output, [p.key for p in made], png))
    return ScreenRun(month, tuple(p.key for p in made), output, images)


def month_photos(ledger: Path, month: MonthRun, folder: Path | None) -> PhotoIndex | None:
    """The month's photos indexed again against the workbook's projects: from `folder`, or
    from the month's folder beside the workbook (2024-04/照片 beside 2024-04汇总.xlsx)."""
    if folder is None:
        period = month.result.period
        folder = ledger.resolve().parent / (period.key if period else "") / PHOTO_FOLDER
        if not folder.is_dir():
            return None
    elif not folder.is_dir():
        raise NoInputs(f"找不到照片文件夹“{folder}”")
    return index_photos(folder, month.result.projects)


def screen_photos(index: PhotoIndex | None) -> list[Any]:
    """One photo per project (its latest), downscaled for the screen; a photo that cannot be
    read now is left out (the merge named it)."""
    from ledgerkit.photos import BadPhoto, downscaled
    from ledgerkit.screen import PHOTO_PAGES, PHOTOS_PER_PAGE, ScreenPhoto

    if index is None:
        return []
    shown: list[ScreenPhoto] = []
    seen: set[tuple[str, str]] = set()
    for photo in index.photos:
        if (photo.unit, photo.project) in seen or len(shown) >= PHOTO_PAGES * PHOTOS_PER_PAGE:
            continue
        latest = index.of(photo.unit, photo.project)[0]
        try:
            data = downscaled(latest.path, SCREEN_PHOTO_SIDE, SCREEN_PHOTO_QUALITY)
        except (BadPhoto, OSError):
            continue
        seen.add((photo.unit, photo.project))
        shown.append(ScreenPhoto(photo.project, photo.unit, latest.taken, data))
    return shown


SCREEN_PHOTO_SIDE, SCREEN_PHOTO_QUALITY = 900, 70  # a quarter of the screen, ~60 KB each


@dataclass(frozen=True)
class PhotosRun:
    """`photos`: the photo book written, how many projects and photos it shows."""

    month: MonthRun
    output: Path
    projects: int
    photos: int
    skipped: tuple[tuple[Path, str], ...]

    @property
    def ok(self) -> bool:
        return self.month.ok

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.month.period_key,
            "output": str(self.output),
            "projects": self.projects,
            "photos": self.photos,
            "skipped": [{"path": str(p), "reason": r} for p, r in self.skipped],
        }


def photos(
    ledger: Path,
    settings: Settings,
    output: Path,
    *,
    period: Period | None = None,
    folder: Path | None = None,
) -> PhotosRun:
    """`ledgerkit photos`: the photo book (形象进度图册) of a merged month, a page per project."""
    from ledgerkit.output import atomic_write
    from ledgerkit.photobook import PHOTOS_PER_PAGE, photo_book

    output = output_file(output, (".docx",), "形象进度图册.docx", "形象进度图册")
    month = read_merged(ledger, settings, period)
    index = month_photos(ledger, month, folder)
    if index is None:
        raise NoInputs(
            f"没有找到本月的照片文件夹（{ledger.resolve().parent}/{month.period_key or ''}/{PHOTO_FOLDER}），"
            "请用 --photos 指明"
        )
    title = (month.result.period.title(settings.region, "重点项目形象进度图册")
             if month.result.period else "重点项目形象进度图册")  # fmt: skip
    data = photo_book(title, month.assessed, index, settings.rate_decimals)
    atomic_write(output, lambda tmp: tmp.write_bytes(data), "形象进度图册")
    counts = [
        min(index.count(a.unit, str(a.project.name or "")), PHOTOS_PER_PAGE) for a in month.assessed
    ]
    return PhotosRun(month, output, sum(1 for c in counts if c), sum(counts), index.skipped)


@dataclass(frozen=True)
class NoticesRun:
    """`notices`: how many 督办通知单 were written, and where (None: no red project); with
    `--by-unit`, each unit's 交办督办函 (unit, file, what it holds)."""

    month: MonthRun
    count: int
    output: Path | None
    units: tuple[tuple[Any, Path], ...] = ()  # (supervise.UnitNotice, its file)

    @property
    def ok(self) -> bool:
        return self.month.ok

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "period": self.month.period_key,
            "notices": self.count,
            "output": str(self.output) if self.output else None,
        }
        if self.units:
            data["units"] = to_json([{**n.to_dict(), "file": str(path)} for n, path in self.units])
        return data


def notices(
    ledger: Path,
    settings: Settings,
    output: Path,
    *,
    period: Period | None = None,
    by_unit: bool = False,
) -> NoticesRun:
    """`ledgerkit notices`: one 督办通知单 per red project, in one Word file (none written
    when no project is red). `by_unit`: `output` is a folder that gets that file as
    督办通知单.docx and one 交办督办函 per responsible unit (its open problems from the
    problem ledger, its red projects, its overdue nodes)."""
    from ledgerkit.bulletin import notices_docx
    from ledgerkit.output import atomic_write

    if by_unit:
        output = output_folder(output, "交办督办函") / "督办通知单.docx"
    else:
        output = output_file(output, (".docx",), "督办通知单.docx", "督办通知单")
    month = read_merged(ledger, settings, period)
    data, count = notices_docx(month.figures or {}, settings)
    if count:
        output.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(output, lambda tmp: tmp.write_bytes(data), "督办通知单")
    units = _unit_notices(ledger, month, settings, output.parent) if by_unit else ()
    return NoticesRun(month, count, output if count else None, units)


def _unit_notices(
    ledger: Path, month: MonthRun, settings: Settings, folder: Path
) -> tuple[tuple[Any, Path], ...]:
    """Each unit's 交办督办函 written into `folder`, named after the unit."""
    from ledgerkit.output import atomic_write, file_stem, unique_stem
    from ledgerkit.supervise import unit_notice_docx, unit_notices

    figures = month.figures or {}
    problems = month_problems(settings, ledger.resolve().parent, month)
    late_nodes = (figures.get("nodes") or {}).get("overdue", [])
    found = unit_notices(figures, problems, late_nodes, settings)
    folder.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    written = []
    for n in found:
        path = folder / f"{unique_stem(file_stem(n.unit or '未填单位') + '交办督办函', taken)}.docx"
        data = unit_notice_docx(figures, n, settings)
        atomic_write(path, partial(Path.write_bytes, data=data), "交办督办函")
        written.append((n, path))
    return tuple(written)


def month_problems(settings: Settings, here: Path, month: MonthRun) -> list[Any]:
    """The problem ledger as of the month (empty without a store or a period): what the
    clerk last confirmed in 问题台账.xlsx is in the store (`ledgerkit problems` reads it)."""
    from ledgerkit.problems import ledger

    path = store_path(settings, here)
    if month.result.period is None or not path.exists():
        return []
    with Store(path, read_only=True) as store:
        return list(ledger(store, month.result.period.key, settings).problems)


def _open_store(settings: Settings, here: Path) -> Store:
    path = store_path(settings, here)
    if not path.exists():
        raise LedgerkitError(f"还没有汇总记录（{path}），请先在工作区运行 ledgerkit merge")
    return Store(path, read_only=True)


def status(settings: Settings, here: Path, period: Period | None = None) -> dict[str, Any]:
    """`ledgerkit status`: who has reported the period (default: the latest stored)."""
    from ledgerkit.queries import submission_status

    with _open_store(settings, here) as store:
        if period is None:
            stored = store.periods()
            if not stored:
                raise LedgerkitError("汇总记录里还没有任何月份，请先运行 ledgerkit merge")
            period = Period.parse(stored[-1])
        return submission_status(store, period, settings)


def history(settings: Settings, here: Path, query: str) -> dict[str, list[dict[str, Any]]]:
    """`ledgerkit history PROJECT|UNIT`: the stored months of matching projects (empty when
    nothing matches: a query that finds nothing is an answer, not a failure)."""
    from ledgerkit.queries import project_series

    with _open_store(settings, here) as store:
        return project_series(store, query)


NOT_OURS = "不是 ledgerkit 写出的汇总表（工作簿属性的作者不是 ledgerkit，或没有“项目明细”“文件情况”工作表）"


@dataclass(frozen=True)
class RebuildRun:
    """`history rebuild`: the periods rebuilt, and the workbooks not taken, each with why."""

    periods: tuple[str, ...]
    skipped: tuple[tuple[Path, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "periods": list(self.periods),
            "skipped": [{"path": str(p), "reason": r} for p, r in self.skipped],
        }


def rebuild(settings: Settings, here: Path, workbooks: list[Path] | None = None) -> RebuildRun:
    """`ledgerkit history rebuild`: the store made again from the merged workbooks ledgerkit
    wrote (default: every *汇总.xlsx in the workspace; a unit's own 汇总 file, or any workbook
    not told by `is_merged_workbook`, is skipped and named), in a new file that replaces the
    old one only when complete, under the workspace's lock."""
    store = store_path(settings, here)
    books = sorted(workbooks or (settings.workspace or here).rglob("*汇总.xlsx"))
    ours = [b for b in books if is_merged_workbook(b)]
    skipped = [(b, NOT_OURS) for b in books if b not in ours]
    tmp = store.with_name(store.name + ".rebuild")
    periods = []
    renames = rename_keys(settings.renames)
    with workspace_lock(store):
        tmp.unlink(missing_ok=True)
        with Store(tmp) as new:
            for book in ours:
                result = merge_paths([book], None, settings, rollup=False)  # as written
                if result.period is None or not result.projects:
                    skipped.append((book, "读不出报告期或没有项目"))
                    continue
                kept = [
                    Kept(project_key(a.project, renames), a.status, a.project)
                    for a in assess(result.projects, result.period, settings)
                ]
                sheet_nodes = [n for f in result.files for n in f.nodes]
                nodes = month_nodes(sheet_nodes, kept)  # the workbook's 节点 sheet
                new.record(result.period.key, files_from_workbook(book), kept, nodes)
                periods.append(result.period.key)
            _carry_problems(store, new)
        for suffix in ("-wal", "-shm"):
            Path(str(store) + suffix).unlink(missing_ok=True)
        os.replace(tmp, store)
    return RebuildRun(tuple(periods), tuple(skipped))


def _carry_problems(old: Path, new: Store) -> None:
    """The problem ledger's IDs and the clerk's edits are in no workbook: they come over from
    the old store when it can still be read (a damaged one loses them)."""
    if not old.exists():
        return
    try:
        with Store(old, read_only=True) as before:
            ids = [(r["id"], r["key"], r["first_period"], r["text"]) for r in before.problem_ids()]
            edits = before.problem_edits()
    except StoreProblem:
        return
    changes = [(pid, name, value) for pid, e in edits.items() for name, value in e.items()]
    new.keep_problems(ids, changes, "history rebuild")


def template(
    settings: Settings,
    here: Path,
    period: Period,
    folder: Path,
    units: list[str] | None = None,
    source: Path | None = None,
    on_written: OnFile | None = None,
) -> list[Path]:
    """`ledgerkit template`: next period's forms, pre-filled with projects from `source` (a
    merged workbook) or else from the latest stored month before `period`; for the units
    given (each one known: on the roster, else among those projects' units; `UnknownUnit`
    lists them otherwise), else the roster, else the units of those projects. `on_written`
    follows the forms written."""
    from ledgerkit.forms import write_forms

    output_folder(folder, "下月台账")
    projects, origin, nodes = _last_projects(settings, here, period, source)
    if settings.roster:
        known, where = [u.label for u in settings.roster], "ledgerkit.toml 的单位名册"
    else:
        known, where = units_of(projects), f"{origin}中的单位"
    names = _asked_units(units or [], known, where, settings) or known
    if not names:
        raise NoInputs("没有可用的单位：请用 --unit 指定，或在 ledgerkit.toml 中登记单位名册")
    return write_forms(projects, names, period, settings, folder, nodes, on_written)


def _last_projects(
    settings: Settings, here: Path, period: Period, source: Path | None
) -> tuple[list[Project], str, list[Node]]:
    """The projects a form starts from, where they come from (for messages) and their 节点:
    `source`, else the latest stored month before `period`. A merged workbook given as
    `source` brings its month's stored 节点 when the store has that month."""
    path = store_path(settings, here)
    if source is not None:
        result = merge_paths([source], None, settings, rollup=False)
        nodes = []
        if result.period is not None and path.exists():
            with Store(path, read_only=True) as store:
                nodes = store.nodes(result.period.key)
        return list(result.projects), source.name, nodes
    if not path.exists():
        return [], "", []
    with Store(path, read_only=True) as store:
        earlier = [k for k in store.periods() if k < period.key]
        if not earlier:
            return [], "", []
        kept = store.kept(earlier[-1]) or []
        return kept_projects(kept), f"{earlier[-1]}汇总记录", store.nodes(earlier[-1])


PROBLEM_BOOK = "问题台账.xlsx"


@dataclass(frozen=True)
class ProblemsRun:
    """`problems`: the ledger as of a month, the clerk's edits taken in, what was written."""

    ledger: Any  # problems.Ledger
    imported: int = 0  # edits taken from the clerk's 问题台账.xlsx
    source: Path | None = None
    output: Path | None = None
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = self.ledger.to_dict()
        data["notes"] = [*self.notes, *data["notes"]]
        data.update(
            imported=self.imported,
            source=str(self.source) if self.source else None,
            output=str(self.output) if self.output else None,
        )
        return data


def problems(
    settings: Settings,
    here: Path,
    *,
    period: Period | None = None,
    output: Path | None = None,
    source: Path | None = None,
) -> ProblemsRun:
    """`ledgerkit problems`: the problem ledger from the stored months. The clerk's edits are
    read first from `source`, else from the 问题台账.xlsx about to be replaced at `output`,
    and kept in the store (they win over what ledgerkit infers); then the ledger is written.
    Rows of the clerk's file that cannot be taken are named, and that file kept beside as
    “（上次）”. Holds the workspace lock: it writes the store."""
    from ledgerkit.problem_book import is_problem_book, keep_copy, read_edits, write_ledger
    from ledgerkit.problems import ledger

    if output is not None:
        output = output_file(output, (".xlsx",), PROBLEM_BOOK, "问题台账")
    path = store_path(settings, settings.workspace or here)
    if not path.exists():
        raise LedgerkitError(f"还没有汇总记录（{path}），请先在工作区运行 ledgerkit merge")
    notes: tuple[str, ...] = ()
    if source is None and output is not None and output.exists():
        if is_problem_book(output):
            source = output
        else:  # a file of the clerk's, or a damaged one: kept, never silently replaced
            notes = (
                f"“{output.name}”不是 ledgerkit 写出的问题台账（或已损坏），没有读取其中的修改，"
                f"原文件已另存为 {keep_copy(output).name}",
            )
    edits = read_edits(source) if source else None
    if edits and edits.left and source == output and output is not None:
        notes = (*edits.left, f"原文件已另存为 {keep_copy(output).name}")
    elif edits:
        notes = (*notes, *edits.left)
    with workspace_lock(path), Store(path) as store:
        if edits and edits.changes:
            store.keep_problems([], edits.changes, source.name if source else "")
        led = ledger(store, period.key if period else None, settings)
        if not led.period:
            raise LedgerkitError("汇总记录里还没有任何月份，请先运行 ledgerkit merge")
        store.keep_problems(led.new_ids, [], "")
    if output is not None:
        asof = Period.parse(led.period)
        title = f"{settings.region}重点项目问题台账（截至{asof.year}年{asof.month}月）"
        write_ledger(led, output, title)
    imported = len(edits.changes) if edits else 0
    return ProblemsRun(led, imported, source, output, notes)


def _asked_units(asked: list[str], known: list[str], where: str, settings: Settings) -> list[str]:
    """The units asked for, in the roster's spelling; one nobody knows is an error that lists
    the known ones (with nothing known yet, any name is taken as given: a first month)."""
    names = list(dict.fromkeys(settings.canonical_unit(u) for u in asked))
    unknown = [u for u in names if known and u not in known]
    if unknown:
        raise UnknownUnit(unknown, known, where)
    return names


def init(
    folder: Path,
    force: bool = False,
    *,
    region: str = "",
    issuer: str = "",
    source: Path | None = None,
    on_file: OnFile | None = None,
) -> Workspace:
    """`ledgerkit init`: a workspace for `region`; with `source` (a month's folder), its roster
    is the units of that month's ledgers, each spelling as the units wrote it (`on_file`
    follows the reading)."""
    ensure_new(folder, force)  # before reading a month that would not be used
    settings = Settings(region=region.strip())
    month = merge_paths([source], settings=settings, on_file=on_file) if source else None
    return init_workspace(folder, force, region=region, issuer=issuer, month=month)


# --- a quarter, a half or a year, from the stored months (issue 16) --------------------------


@dataclass(frozen=True)
class PeriodRun:
    """`report --period 2024-Q2|2024-H1|2024`: the period's figures from the stored months,
    the findings about months missing or targets unreadable, and what was written."""

    figures: dict[str, Any]
    issues: tuple[Issue, ...] = ()
    preview: bytes | None = None
    written: tuple[Path, ...] = ()

    @property
    def ok(self) -> bool:
        return not any(i.severity == "error" for i in self.issues)

    def to_dict(self) -> dict[str, Any]:
        return {**to_json(self.figures), "issues": [i.to_dict() for i in self.issues]}


def period_report(
    settings: Settings,
    here: Path,
    period: Period,
    *,
    output: Path | None = None,
    fmt: str | None = None,
) -> PeriodRun:
    """`ledgerkit report --period 2024-Q2`: the period worked out from the months kept in the
    store (Q2 = June's cumulative − March's, project by project); its bulletin to `output`
    or, as md/html without one, a preview. A period whose end month is not stored cannot be
    worked out (LedgerkitError names the months to merge); a missing base month leaves the
    period's own figures blank and is an error finding; other missing months are named."""
    from ledgerkit.bulletin import period_bulletin
    from ledgerkit.output import atomic_write
    from ledgerkit.scoring import score_units

    output, fmt = _bulletin_output(output, fmt, Path(f"{period.key}"))
    figures, found = period_data(settings, here, period)
    figures["scores"] = score_units(score_inputs(settings, here, period, figures), settings)
    preview, written = None, []
    if output or fmt != "docx":
        data = period_bulletin(figures, settings, fmt)
        if output:
            atomic_write(output, lambda tmp: tmp.write_bytes(data), "通报")
            written.append(output)
        else:
            preview = data
    return PeriodRun(figures, found, preview, tuple(written))


def period_data(
    settings: Settings, here: Path, period: Period
) -> tuple[dict[str, Any], tuple[Issue, ...]]:
    """The period's figures and findings, from the store (read only)."""
    from ledgerkit.periods import months_needed, period_figures
    from ledgerkit.targets import load_targets, without_target

    settings, found = load_targets(settings)
    with _open_store(settings, here) as store:
        months = months_needed(period, store.periods())
        if months.end is None:
            raise LedgerkitError(
                f"{period.text}的末月（{period.year}年{period.month}月）没有汇总记录，无法计算；"
                f"缺少的月份：{_months_text(months.missing)}。请先用 ledgerkit merge 汇总这些月份"
            )
        end = store.kept(months.end.key) or []
        base = store.kept(months.base.key) if months.base else None
    issues = list(found)
    for key in months.missing:
        what = Period.parse(key)
        label = f"{what.year}年{what.month}月"
        if months.base is not None and key == months.base.key:
            need = f"无法算出{period.text}自身完成的投资（{months.end.month}月累计 − {what.month}月累计）"
            issues.append(issue("period-month-missing", key, month=label, what=need))
        elif key != months.end.key:
            issues.append(issue("period-month-absent", key, month=label))
    figures = period_figures(period, months, end, base, settings)
    figures["without_target"] = without_target([u["name"] for u in figures["by_unit"]], settings)
    return figures, tuple(issues)


def _months_text(keys: tuple[str, ...]) -> str:
    return "、".join(f"{k[:4]}年{int(k[5:7])}月" for k in keys) or "无"


@dataclass(frozen=True)
class ListsRun:
    """`report --lists`: the three lists of a merged month, and where they were written."""

    month: MonthRun
    lists: dict[str, Any]
    output: Path | None = None

    @property
    def ok(self) -> bool:
        return self.month.ok and bool(self.lists["adds_up"])

    def to_dict(self) -> dict[str, Any]:
        return {**to_json(self.lists), "output": str(self.output) if self.output else None}


def lists_report(
    ledger: Path, settings: Settings, *, period: Period | None = None, output: Path | None = None
) -> ListsRun:
    """`ledgerkit report 汇总表 --lists -o 三个清单.xlsx`: the 前期, 新开工, 续建 and 收尾 lists
    of a merged month, each with its totals and the figure it is judged by."""
    from ledgerkit.lists import three_lists
    from ledgerkit.lists_xlsx import write_lists

    if output is not None:
        output = output_file(output, (".xlsx",), f"{ledger.stem}三个清单.xlsx", "三个清单")
    month = read_merged(ledger, settings, period)
    p = month.result.period
    assert p is not None  # read_merged raises without one
    lists = three_lists(month.assessed, p)
    if output is not None:
        write_lists(lists, output, p.title(settings.region, "重点项目三个清单"), settings)
    return ListsRun(month, lists, output)


# --- 考核 scores (issue 16) ---------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreRun:
    """`ledgerkit score`: each unit's points item by item, the ranking and the 红黑榜; the
    period's findings (months missing) and what was written."""

    period: Period
    scores: dict[str, Any]
    issues: tuple[Issue, ...] = ()
    output: Path | None = None

    @property
    def ok(self) -> bool:
        return (
            not any(i.severity == "error" for i in self.issues) and not self.scores["unknown_items"]
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period.key,
            **to_json(self.scores),
            "issues": [i.to_dict() for i in self.issues],
            "output": str(self.output) if self.output else None,
        }


def score(
    settings: Settings, here: Path, period: Period, *, output: Path | None = None
) -> ScoreRun:
    """`ledgerkit score --period 2024-Q2`: the units' 考核 scores from the stored months, by the
    rules of `[score]` in ledgerkit.toml (the default 考核办法 otherwise); to `output` (.xlsx)."""
    from ledgerkit.scores_xlsx import write_scores
    from ledgerkit.scoring import score_units

    if output is not None:
        output = output_file(output, (".xlsx",), f"{period.key}考核.xlsx", "考核表")
    figures, found = period_data(settings, here, period)
    scores = score_units(score_inputs(settings, here, period, figures), settings)
    if output is not None:
        write_scores(scores, output, period.title(settings.region, "重点项目考核得分"), settings)
    return ScoreRun(period, scores, found, output)


def score_inputs(
    settings: Settings, here: Path, period: Period, figures: dict[str, Any]
) -> list[Any]:
    """What the score items read for each unit: its row of the period's figures, how it
    reported each stored month of the period, and the projects it started in the period."""
    from ledgerkit.scoring import UnitData

    with _open_store(settings, here) as store:
        expected = expected_units(settings, store.units())
        stored = set(store.periods())
        months: dict[str, list[tuple[str, str, bool | None]]] = {}
        for m in range(period.first_month, figures["period"]["month"] + 1):
            month = Period(period.year, m)
            if month.key not in stored:
                continue
            sent = submissions(store.files(month.key), expected, month, settings)
            for u in sent["units"]:
                months.setdefault(u["unit"], []).append(
                    (month.key, u["status"], u["text_analysis"])
                )
        end = store.kept(figures["end_month"]) or []
        base = store.kept(figures["base_month"]) if figures["base_month"] else None
        extra = _supervision_inputs(store, figures["end_month"], settings)
    started = _new_starts(end, base)
    return [
        UnitData(
            row["name"],
            row,
            months.get(row["name"], []),
            started.get(row["name"], []),
            {
                "nodes": extra["nodes"].get(row["name"], ()),
                "problems": extra["problems"].get(row["name"], ()),
                "end_month": figures["end_month"],
            },
        )
        for row in figures["by_unit"]
    ]


def _supervision_inputs(store: Store, end_month: str, settings: Settings) -> dict[str, Any]:
    """Each unit's milestones as of the period's end month and its 交办问题 of the year (the
    problem's 责任单位 and the project's unit both answer for it), read once for all units."""
    from ledgerkit.problems import ledger as problem_ledger
    from ledgerkit.problems import of_year

    nodes: dict[str, list[Any]] = {}
    for n in store.nodes(end_month):
        nodes.setdefault(n.unit, []).append(n)
    problems: dict[str, list[Any]] = {}
    for p in of_year(problem_ledger(store, end_month, settings).problems, end_month):
        for unit in {p.unit, p.owner_unit} - {""}:
            problems.setdefault(unit, []).append(p)
    return {"nodes": nodes, "problems": problems}


def _new_starts(end: list[Kept], base: list[Kept] | None) -> dict[str, list[str]]:
    """Each unit's projects started in the period: started at its end and not at its base
    month; with no base month (a period from January), the started ones that are not 续建."""
    before = {k.key: k.project for k in base} if base is not None else {}
    out: dict[str, list[str]] = {}
    for k in end:
        p = k.project
        if p.started is not True:
            continue
        was = before.get(k.key)
        if was is not None and was.started is True:
            continue
        if was is None and p.category == "续建":
            continue  # begun before this year: no new start
        out.setdefault(p.unit or "未填", []).append(str(p.name))
    return out
