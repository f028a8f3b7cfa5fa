"""The only place where the stages are chained: one function per command, each returning a
result the command line renders (and whose `to_dict()` is what `--json` prints).

    read -> normalise -> validate -> merge -> metrics -> write
                                  \\-> the store: validate_months, trend, queries

Where the history store lives is decided here (`store_path`) and nowhere else.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from ledgerkit.errors import (
    BadOutput,
    LedgerkitError,
    NoInputs,
    NotALedger,
    StoreProblem,
    UnknownUnit,
    UnreadableFile,
)
from ledgerkit.isolation import Guard, default_workers, load_all
from ledgerkit.issues import CELL_CODES, Issue, issue
from ledgerkit.layout import DETAIL_SHEET, FEEDBACK_SUFFIX, is_merged_workbook
from ledgerkit.lock import workspace_lock
from ledgerkit.merging import FAILED, MERGED, SKIPPED, FileResult, MergeResult
from ledgerkit.merging import merge as merge_files
from ledgerkit.metrics import Assessed, assess, breakdown, figures, to_json, totals
from ledgerkit.normalise import TITLE, SheetLedger, normalise_book
from ledgerkit.period import Period, from_paths, from_titles
from ledgerkit.project import Project, name_key, units_of
from ledgerkit.queries import expected_units, submissions
from ledgerkit.read import LEDGER_SUFFIXES, RawBook, is_lock_file, read_book
from ledgerkit.settings import Settings
from ledgerkit.store import (
    STORE_NAME,
    FileMeta,
    Kept,
    Store,
    file_meta,
    files_from_workbook,
    project_key,
    rename_keys,
)
from ledgerkit.trend import trend
from ledgerkit.validate import check_duplicates, check_sheet
from ledgerkit.validate_months import compare_months, streak_issues
from ledgerkit.workspace import Workspace, ensure_new, init_workspace

__all__ = [
    "FAILED",
    "MERGED",
    "SKIPPED",
    "check",
    "discover",
    "history",
    "init",
    "load_file",
    "merge",
    "merge_month",
    "merge_paths",
    "notices",
    "rebuild",
    "report",
    "status",
    "template",
]

LEDGER_TITLE = "重点项目汇总台账"
OnFile = Callable[[int, int], None]  # progress: (files read so far, files to read)
STREAK_LOOKBACK = 12  # months of the year looked back through for 连续N个月…


# --- where things go ----------------------------------------------------------------------


def store_path(settings: Settings, folder: Path) -> Path:
    """The history store: the workspace's, or else the one in `folder`, the folder holding
    the month's merged workbook (the clerk's working folder)."""
    base = settings.workspace or folder
    name = Path(settings.history_file or STORE_NAME)
    return name if name.is_absolute() else base / name


def default_output(paths: list[Path]) -> Path:
    """'2024-04汇总.xlsx' beside the month's folder (or beside the folder of a file)."""
    first = paths[0].resolve()
    base = first if first.is_dir() else first.parent
    return base.parent / f"{base.name}汇总.xlsx"


def output_file(path: Path, suffixes: tuple[str, ...], default_name: str, what: str) -> Path:
    """Where a command writes a file: a folder given means `default_name` inside it; a name
    of another format is refused before any work (a workbook called .xls, a .docx called .md)."""
    if path.is_dir():
        return path / default_name
    if path.suffix.lower() not in suffixes:
        raise BadOutput(
            f"“{path.name}”不能保存{what}：文件名应以 {' 或 '.join(suffixes)} 结尾，例如“{default_name}”"
        )
    return path


def output_folder(path: Path, what: str) -> Path:
    """A folder a command writes files into; an existing file of that name is refused."""
    if path.exists() and not path.is_dir():
        raise BadOutput(f"“{path}”是一个文件，{what}要写到一个文件夹里，请换一个文件夹名")
    return path


def ledger_title(region: str, period: Period | None) -> str:
    """'襄城区2024年1-4月重点项目汇总台账', the merged workbook's title."""
    return period.title(region, LEDGER_TITLE) if period else f"{region}{LEDGER_TITLE}"


# --- one month from files ------------------------------------------------------------------


def discover(paths: list[Path]) -> tuple[list[Path], list[FileResult]]:
    """Candidate ledgers (sorted, so any order of inputs merges alike) and files skipped."""
    candidates: list[Path] = []
    skipped: list[FileResult] = []
    for path in paths:
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                if child.suffix.lower() not in LEDGER_SUFFIXES:
                    skipped.append(FileResult(child, SKIPPED, "不是表格文件"))
                else:
                    candidates.append(child)
        elif path.is_file():
            candidates.append(path)
        else:
            raise NoInputs(f"找不到“{path}”，请检查路径是否正确")
    for path in [p for p in candidates if is_lock_file(p)]:
        candidates.remove(path)
        skipped.append(
            FileResult(path, SKIPPED, "Excel/WPS 打开文件时留下的临时锁文件（或未写完的临时文件）")
        )
    if not candidates and not skipped:
        raise NoInputs("给出的路径中没有任何台账文件（.xlsx .xls .csv 等）")
    unique = sorted(dict.fromkeys(candidates), key=lambda p: (p.name, str(p)))
    return unique, skipped


def load_file(
    path: Path,
    default_unit: str = "万元",
    *,
    password: str | None = None,
    rollup: bool = True,
) -> FileResult:
    """Read, understand and check one file; a bad file becomes a FileResult, never a crash.
    `password` opens workbooks protected by an open password; without `rollup`, a workbook
    ledgerkit wrote is read back as written, not as a district's ledger."""
    book: RawBook | None = None
    try:
        book = read_book(path, password)
        ledger = normalise_book(book, default_unit, rollup)
    except NotALedger as exc:
        skipped = (issue("file-skipped", path.name, reason=exc.reason),)
        sha256, mtime = _read(book, exc)
        return FileResult(path, SKIPPED, exc.reason, None, skipped, sha256, mtime)
    except UnreadableFile as exc:
        failed = (issue("file-unreadable", path.name, reason=exc.reason),)
        sha256, mtime = _read(book, exc)
        return FileResult(path, FAILED, exc.reason, None, failed, sha256, mtime)
    hidden = tuple(issue("sheet-hidden", path.name, name, name=name) for name in book.hidden)
    found = ledger.issues + check_sheet(ledger) + hidden
    return FileResult(path, MERGED, "", ledger, found, book.sha256, book.mtime)


def reading_guard(settings: Settings) -> Guard:
    """How files are read: the settings' worker processes (one per core unless set)."""
    workers = default_workers() if settings.read_workers is None else settings.read_workers
    return Guard(workers, float(settings.read_timeout), settings.read_memory_mb)


def _read(book: RawBook | None, exc: UnreadableFile) -> tuple[str, float | None]:
    """The hash of the bytes read and the file's time when they were: the book's when it
    was read, else the refused bytes'."""
    return (book.sha256, book.mtime) if book is not None else (exc.sha256, exc.mtime)


def merge_paths(
    paths: list[Path],
    period: Period | None = None,
    settings: Settings | None = None,
    *,
    password: str | None = None,
    rollup: bool = True,
    on_file: OnFile | None = None,
) -> MergeResult:
    """Merge every ledger under `paths` into one checked ledger. The period is the one given,
    else the folder's, else the one most titles name. Workbooks ledgerkit wrote are districts'
    ledgers to roll up, unless `rollup` is False (one read back as written). Each file is read
    in a worker process (`reading_guard`), so a file that crashes, hangs or floods the memory
    of its reader is that file's `file-unreadable`. `on_file(done, total)` is called once per
    file read, from this thread (the command line draws a progress bar)."""
    settings = settings or Settings()
    candidates, skipped = discover(paths)
    load = partial(load_file, default_unit=settings.money_unit, password=password, rollup=rollup)
    loaded = load_all(candidates, load, reading_guard(settings), on_file)

    explicit = {p.resolve() for p in paths if p.is_file()}
    loaded = pick_versions(skip_own_outputs(loaded, explicit))
    files = loaded + skipped
    ledgers = [f.ledger for f in loaded if f.ledger is not None]
    period = period or from_paths(paths, settings.year) or from_titles(_titles(ledgers))
    return merge_files(files, period, check_duplicates(ledgers), settings.canonical_unit)


OWN_OUTPUT = (
    "ledgerkit 写出的汇总表（从工作簿属性和“项目明细”“文件情况”两张工作表认出），不是单位的台账，"
    "未汇总；要把几个区的汇总表再汇总，把它们单独放进一个文件夹，或在命令行上逐个写出"
)


def skip_own_outputs(files: list[FileResult], explicit: set[Path]) -> list[FileResult]:
    """ledgerkit's merged workbooks found by walking a folder that also holds units' ledgers
    are its own outputs saved among the inputs (41 projects would become 82 next month): they
    are skipped and named. Merged workbooks named on the command line, or a folder holding
    nothing but merged workbooks, are districts' ledgers rolled up into a city's."""
    ours = {
        i
        for i, f in enumerate(files)
        if f.ledger and f.ledger.sheet == DETAIL_SHEET and is_merged_workbook(f.path)
    }
    walked = {i for i in ours if files[i].path.resolve() not in explicit}
    units = [f for i, f in enumerate(files) if f.ledger and i not in ours]
    if not walked or not units:
        return files
    skip = issue("file-skipped", "", reason=OWN_OUTPUT)
    return [
        replace(
            f, status=SKIPPED, reason=OWN_OUTPUT, ledger=None, issues=(replace(skip, file=f.label),)
        )
        if i in walked
        else f
        for i, f in enumerate(files)
    ]


def _titles(ledgers: list[SheetLedger]) -> list[str]:
    return [row.text for led in ledgers for row in led.set_aside if row.kind == TITLE]


def pick_versions(files: list[FileResult]) -> list[FileResult]:
    """Two files from one unit with mostly the same projects are two versions of its ledger
    (卧龙镇.xlsx and 卧龙镇（修改）.xlsx): the newest is merged, the other set aside and named.
    So are a file and the feedback copy made from it (卧龙镇_问题反馈.xlsx, returned by the
    unit corrected): the newer wins, and a copy nobody has saved since ledgerkit wrote it
    always yields to the other. Files of one unit with different projects are both kept:
    nothing is dropped on a guess."""
    kept = list(files)
    by_unit: dict[str, list[int]] = {}  # only files of one unit can be versions of each other
    ledgers: dict[int, SheetLedger] = {}
    for i, f in enumerate(files):
        if f.ledger is None:
            continue
        ledgers[i] = f.ledger
        if not f.ledger.letter_of("unit"):  # a unit per row: a department's file
            by_unit.setdefault(f.ledger.unit, []).append(i)
    groups = [g for g in by_unit.values() if len(g) > 1] + _copy_pairs(files, ledgers)
    for group in groups:
        names = {i: {name_key(p.name) for p in ledgers[i].projects} for i in group}
        for i in group:
            for j in group:
                if i == j or kept[i] is not files[i] or kept[j] is not files[j]:
                    continue
                a, b = names[i], names[j]
                if len(a & b) * 2 < min(len(a), len(b)):
                    continue
                older, newer = sorted((i, j), key=lambda k: _recency(files[k]))
                kept[older] = _set_aside(files[older], files[newer])
    return kept


def _copy_pairs(files: list[FileResult], ledgers: dict[int, SheetLedger]) -> list[list[int]]:
    """Each feedback copy read as a ledger with the files it was made from, by name:
    卧龙镇_问题反馈.xlsx and 卧龙镇（xls）_问题反馈.xlsx go with 卧龙镇.xls."""
    groups = []
    for i in ledgers:
        name = files[i].path.name
        if not name.endswith(FEEDBACK_SUFFIX):
            continue
        stem = name[: -len(FEEDBACK_SUFFIX)]
        sources = {stem.casefold(), re.sub(r"（[^（）]*）$", "", stem).casefold()}
        pair = [j for j in ledgers if j != i and files[j].path.stem.casefold() in sources]
        if pair:
            groups.append([i, *pair])
    return groups


def _recency(f: FileResult) -> tuple[bool, float, str]:
    """Older first: a feedback copy as ledgerkit wrote it, then by time saved, then name."""
    from ledgerkit.feedback import PRISTINE, feedback_state

    copy = f.path.name.endswith(FEEDBACK_SUFFIX) and feedback_state(f.path) == PRISTINE
    return (not copy, f.path.stat().st_mtime, f.label)


def _set_aside(older: FileResult, newer: FileResult) -> FileResult:
    """`older` as a version not merged, saying which file was taken instead."""
    if _recency(older)[0]:
        reason = f"同一单位的较早版本，已采用“{newer.label}”"
        found = issue("older-version", older.label, newer=newer.label)
    else:
        reason = f"ledgerkit 写出后未经修改的问题反馈副本，已采用“{newer.label}”"
        found = issue("feedback-unchanged", older.label, original=newer.label)
    return replace(older, status=SKIPPED, reason=reason, ledger=None, issues=(found,))


# --- a month with its figures and its history --------------------------------------------


@dataclass(frozen=True)
class MonthRun:
    """A merged month: the merge with its cross-month findings, each project judged, the
    figures (None when no period could be told), and what was written."""

    result: MergeResult
    assessed: tuple[Assessed, ...] = ()
    figures: dict[str, Any] | None = None
    kept: tuple[Kept, ...] = ()
    files: tuple[FileMeta, ...] = ()  # what the store keeps of the input files
    output: Path | None = None
    written: tuple[Path, ...] = ()

    @property
    def ok(self) -> bool:
        return self.result.ok

    def to_pandas(self, money: str = "decimal") -> Any:
        """The month's projects as a pandas DataFrame (analysts' use; pandas is imported here
        only): canonical columns, the units' extra columns, source file/sheet/row."""
        from ledgerkit.frames import projects_frame

        return projects_frame(self.result.projects, money)

    def figures_frame(self, table: str = "by_unit", money: str = "decimal") -> Any:
        """One table of the figures (by_unit, by_category, by_level, by_sector, by_band,
        lagging) as a pandas DataFrame."""
        from ledgerkit.frames import figures_frame

        if self.figures is None or table not in self.figures:
            raise LedgerkitError(f"没有“{table}”这张表（报告期未定时没有指标）")
        return figures_frame(self.figures[table], money)

    def to_dict(self) -> dict[str, Any]:
        """The run as `merge --json` / `check --json` print it; money in 万元."""
        result = self.result
        return {
            "period": result.period.key if result.period else None,
            "output": str(self.output) if self.output else None,
            "ok": result.ok,
            "files": [
                {
                    "path": str(f.path),
                    "unit": f.ledger.unit if f.ledger else None,
                    "sheet": f.ledger.sheet if f.ledger else None,
                    "status": f.status,
                    "projects": f.projects,
                    "reason": f.reason,
                }
                for f in result.files
            ],
            "totals": to_json(totals(result.projects)),
            "by_unit": to_json(breakdown(result.projects, "unit")),
            "by_category": to_json(breakdown(result.projects, "category")),
            "issues": [i.to_dict() for i in result.issues],
        }


def merge_month(
    paths: list[Path],
    period: Period | None,
    settings: Settings,
    store: Path,
    *,
    password: str | None = None,
    merged_workbook: Path | None = None,
    on_file: OnFile | None = None,
) -> MonthRun:
    """Merge, judge every project, check against the stored months (a project gone, a
    cumulative that went down, 连续N个月…) and work out the figures with 环比/同比 and who
    reported. The store is only read here, and never created. Reading back a
    `merged_workbook`, who reported comes from the store's record of the month, else from
    the workbook's 文件情况 sheet (the inputs are then one workbook, not the units' files)."""
    rollup = merged_workbook is None
    result = merge_paths(paths, period, settings, password=password, rollup=rollup, on_file=on_file)
    if result.period is None:
        return MonthRun(result)
    p = result.period
    assessed = tuple(assess(result.projects, p, settings))
    renames = rename_keys(settings.renames)
    kept = tuple(Kept(project_key(a.project, renames), a.status, a.project) for a in assessed)
    metas = tuple(file_meta(result.files))
    received: list[dict[str, Any]] = [] if merged_workbook else [m.__dict__ for m in metas]
    earlier: dict[Period, list[Kept]] = {}
    last_year, seen = None, []
    if store.exists():  # no month kept yet: nothing to compare with, and nothing created
        try:
            with Store(store, read_only=True) as s:
                for m in p.months()[:-1]:
                    if (stored := s.kept(m.key)) is not None:
                        earlier[m] = stored
                last_year = s.kept(p.a_year_before().key)
                seen = s.units()
                if merged_workbook is not None:
                    received = s.files(p.key)
        except StoreProblem as exc:  # the month goes on without its history, and says so
            earlier, last_year, seen = {}, None, []
            problem = issue("history-unreadable", store.name, reason=str(exc))
            result = replace(result, issues=(*result.issues, problem))
        else:
            found = _across_months(p, kept, earlier, result, settings.streak_months)
            result = replace(result, issues=result.issues + found)
    if merged_workbook is not None and not received:  # the month is not in the store
        received = [m.__dict__ for m in files_from_workbook(merged_workbook)]
    expected = expected_units(settings, [*seen, *(str(f["unit"]) for f in received)])
    reported = submissions(received, expected, p, settings)
    month_figures = figures(assessed, p, settings, unreported=reported["missing"])
    month_figures["submissions"] = reported
    month_figures["trend"] = trend(
        p,
        result.projects,
        [(m, _projects(ks)) for m, ks in earlier.items()],
        _projects(last_year) if last_year is not None else None,
        expected,
    )
    return MonthRun(result, assessed, month_figures, kept, metas)


def _across_months(
    period: Period,
    kept: tuple[Kept, ...],
    earlier: dict[Period, list[Kept]],
    result: MergeResult,
    streak: int,
) -> tuple[Issue, ...]:
    """Findings against last month, and the streaks back through the months stored."""
    letters = result.letters()
    before = period.previous()
    found = compare_months(kept, earlier.get(before) if before else None, letters)
    run: list[tuple[Kept, ...] | list[Kept]] = [kept]
    while before is not None and before in earlier and len(run) < STREAK_LOOKBACK:
        run.append(earlier[before])
        before = before.previous()
    return tuple(found + streak_issues(run, streak, letters))


def _projects(kept: list[Kept]) -> list[Project]:
    return [k.project for k in kept]


def record_month(month: MonthRun, store: Path) -> bool:
    """Keep a merged month in the store (one transaction); False if nothing changed.
    Raises StoreProblem when the store cannot be written."""
    period = month.result.period
    if period is None:
        return False
    with Store(store) as s:
        return s.record(period.key, month.files or file_meta(month.result.files), month.kept)


def _recorded(month: MonthRun, store: Path) -> MonthRun:
    """The month kept in the store; a store that cannot take it is a warning on the run (the
    workbook is already written: the store is a convenience, rebuilt from the workbooks)."""
    try:
        record_month(month, store)
    except StoreProblem as exc:
        problem = issue("history-not-recorded", store.name, reason=str(exc))
        return replace(month, result=replace(month.result, issues=(*month.result.issues, problem)))
    return month


# --- the commands ---------------------------------------------------------------------------


def merge(
    paths: list[Path],
    settings: Settings,
    *,
    period: Period | None = None,
    output: Path | None = None,
    password: str | None = None,
    on_file: OnFile | None = None,
) -> MonthRun:
    """`ledgerkit merge`: the month merged, written to `output` (default: beside the month's
    folder) and kept in the store; `on_file` follows the reading (see `merge_paths`).
    Raises WorkspaceBusy while another merge holds the workspace's lock."""
    from ledgerkit.workbook import write_workbook

    default = default_output(paths)
    out = output_file(output, (".xlsx",), default.name, "汇总表") if output else default
    store = store_path(settings, out.resolve().parent)
    with workspace_lock(store):  # a second merge here would leave workbook and store apart
        month = merge_month(paths, period, settings, store, password=password, on_file=on_file)
        title = ledger_title(settings.region, month.result.period)
        write_workbook(month.result, out, title, month.figures, settings)
        return replace(_recorded(month, store), output=out)


def check(
    paths: list[Path],
    settings: Settings,
    *,
    period: Period | None = None,
    feedback: Path | None = None,
    password: str | None = None,
    on_file: OnFile | None = None,
) -> MonthRun:
    """`ledgerkit check`: the month read and checked, nothing merged or kept; with
    `feedback`, each unit's file with its problems marked, written to that folder; a copy
    written otherwise than asked, or not at all, is a finding of its file."""
    if feedback is not None:
        output_folder(feedback, "问题反馈副本")
    store = store_path(settings, default_output(paths).parent)
    month = merge_month(paths, period, settings, store, password=password, on_file=on_file)
    if feedback is None:
        return month
    from ledgerkit.feedback import write_feedback

    done = write_feedback(month.result, feedback)
    result = replace(month.result, issues=month.result.issues + done.issues)
    return replace(month, result=result, written=done.written)


def read_merged(ledger: Path, settings: Settings, period: Period | None) -> MonthRun:
    """A merged workbook read back (hand-corrected or not), with its figures and history."""
    store = store_path(settings, ledger.resolve().parent)
    month = merge_month([ledger], period, settings, store, merged_workbook=ledger)
    if month.figures is None:
        raise LedgerkitError("无法确定报告期，请用 --period YYYY-MM 指定，例如 --period 2024-04")
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
) -> ReportRun:
    """`ledgerkit report`: figures of a merged workbook; the bulletin to `output` (its format
    from the name's suffix unless `fmt` says) or, as md or html without an output, a preview;
    the summary workbook to `xlsx`."""
    from ledgerkit.bulletin import bulletin
    from ledgerkit.output import atomic_write

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
    write_workbook(result, out, title, month.figures, settings, kept)


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
class NoticesRun:
    """`notices`: how many 督办通知单 were written, and where (None: no red project)."""

    month: MonthRun
    count: int
    output: Path | None

    @property
    def ok(self) -> bool:
        return self.month.ok

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.month.result.period.key if self.month.result.period else None,
            "notices": self.count,
            "output": str(self.output) if self.output else None,
        }


def notices(
    ledger: Path, settings: Settings, output: Path, *, period: Period | None = None
) -> NoticesRun:
    """`ledgerkit notices`: one 督办通知单 per red project, in one Word file (none written
    when no project is red)."""
    from ledgerkit.bulletin import notices_docx
    from ledgerkit.output import atomic_write

    output = output_file(output, (".docx",), "督办通知单.docx", "督办通知单")
    month = read_merged(ledger, settings, period)
    data, count = notices_docx(month.figures or {}, settings)
    if count:
        atomic_write(output, lambda tmp: tmp.write_bytes(data), "督办通知单")
    return NoticesRun(month, count, output if count else None)


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
                new.record(result.period.key, files_from_workbook(book), kept)
                periods.append(result.period.key)
        for suffix in ("-wal", "-shm"):
            Path(str(store) + suffix).unlink(missing_ok=True)
        os.replace(tmp, store)
    return RebuildRun(tuple(periods), tuple(skipped))


def template(
    settings: Settings,
    here: Path,
    period: Period,
    folder: Path,
    units: list[str] | None = None,
    source: Path | None = None,
) -> list[Path]:
    """`ledgerkit template`: next period's forms, pre-filled with projects from `source` (a
    merged workbook) or else from the latest stored month before `period`; for the units
    given (each one known: on the roster, else among those projects' units; `UnknownUnit`
    lists them otherwise), else the roster, else the units of those projects."""
    from ledgerkit.forms import write_forms

    output_folder(folder, "下月台账")
    projects, origin = _last_projects(settings, here, period, source)
    if settings.roster:
        known, where = [u.label for u in settings.roster], "ledgerkit.toml 的单位名册"
    else:
        known, where = units_of(projects), f"{origin}中的单位"
    names = _asked_units(units or [], known, where, settings) or known
    if not names:
        raise NoInputs("没有可用的单位：请用 --unit 指定，或在 ledgerkit.toml 中登记单位名册")
    return write_forms(projects, names, period, settings, folder)


def _last_projects(
    settings: Settings, here: Path, period: Period, source: Path | None
) -> tuple[list[Project], str]:
    """The projects a form starts from, and where they come from (for messages): `source`,
    else the latest stored month before `period`."""
    if source is not None:
        return list(merge_paths([source], None, settings, rollup=False).projects), source.name
    if not store_path(settings, here).exists():
        return [], ""
    with Store(store_path(settings, here), read_only=True) as store:
        earlier = [k for k in store.periods() if k < period.key]
        if not earlier:
            return [], ""
        return _projects(store.kept(earlier[-1]) or []), f"{earlier[-1]}汇总记录"


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
) -> Workspace:
    """`ledgerkit init`: a workspace for `region`; with `source` (a month's folder), its roster
    is the units of that month's ledgers, each spelling as the units wrote it."""
    ensure_new(folder, force)  # before reading a month that would not be used
    month = merge_paths([source], settings=Settings(region=region.strip())) if source else None
    return init_workspace(folder, force, region=region, issuer=issuer, month=month)
