"""One month from the units' files: discover them, read each in a worker (`loading`), merge,
judge every project against the plan and the stored months, and, for `merge`, work out the
figures, write the workbook and keep the month in the store.

`check` and `merge` import this module, not `pipeline` (which chains the commands that start
from a merged workbook or the store): `check` of one ledger stays near the cost of reading it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from ledgerkit.columns import ColumnRules, explain
from ledgerkit.errors import (
    BadOutput,
    LedgerkitError,
    NoInputs,
    StoreProblem,
)
from ledgerkit.isolation import Guard, default_workers, load_all
from ledgerkit.issues import Issue, issue
from ledgerkit.layout import DETAIL_SHEET, FEEDBACK_SUFFIX, is_merged_workbook
from ledgerkit.loading import load_file
from ledgerkit.merging import SKIPPED, FileResult, MergeResult, sheet_lines
from ledgerkit.merging import merge as merge_files
from ledgerkit.metrics import Assessed, assess, breakdown, figures, to_json, totals
from ledgerkit.nodes import SHEET as NODE_SHEET
from ledgerkit.nodes import Node, month_nodes, name_overdue
from ledgerkit.nodes import check as check_nodes
from ledgerkit.nodes import summary as node_summary
from ledgerkit.normalise import TITLE, SheetLedger
from ledgerkit.period import Period, from_paths, from_titles
from ledgerkit.photos import (
    PhotoIndex,
    index_photos,
    is_photo_path,
    photo_folder,
    photo_issues,
)
from ledgerkit.project import Project, name_key
from ledgerkit.read import LEDGER_SUFFIXES, is_lock_file
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
from ledgerkit.validate import check_duplicates
from ledgerkit.validate_months import compare_months, streak_issues

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
                if is_photo_path(child, path):  # the month's photos: indexed, not ledgers
                    continue
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


def reading_guard(settings: Settings, files: int = 0) -> Guard:
    """How `files` files are read: the settings' worker processes, one per core unless set.
    Unless set, one file alone is read in this process: there are no other units' files to
    protect from it, and starting a worker (a fresh Python importing the reading stage:
    0.11 s here, more on Windows) would be half of a `check` of one ledger. `[reading]
    workers = 1` reads it in a worker too."""
    if settings.read_workers is not None:
        workers = settings.read_workers
    else:
        workers = 0 if files == 1 else default_workers()
    return Guard(workers, float(settings.read_timeout), settings.read_memory_mb)


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
    known = period or from_paths(paths, settings.year)  # this year's columns are told by it
    rules = ColumnRules.of(settings.column_map, settings.header_aliases)
    load = partial(
        load_file,
        default_unit=settings.money_unit,
        password=password,
        rollup=rollup,
        period=known,
        rules=rules,
    )
    loaded = load_all(candidates, load, reading_guard(settings, len(candidates)), on_file)

    explicit = {p.resolve() for p in paths if p.is_file()}
    loaded = pick_versions(skip_own_outputs(loaded, explicit))
    files = loaded + skipped
    ledgers = [led for f in loaded for led in f.ledgers]
    period = known or from_titles(_titles(ledgers))
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
            f, status=SKIPPED, reason=OWN_OUTPUT, ledgers=(), issues=(replace(skip, file=f.label),)
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
    read = {i: f for i, f in enumerate(files) if f.ledgers}
    for i, f in read.items():
        # a unit per row (a department's file) has no one unit; a sheet per area, its areas
        if not any(led.letter_of("unit") for led in f.ledgers):
            by_unit.setdefault("、".join(sorted(f.units)), []).append(i)
    groups = [g for g in by_unit.values() if len(g) > 1] + _copy_pairs(files, read)
    for group in groups:
        names = {
            i: {name_key(p.name) for led in files[i].ledgers for p in led.projects} for i in group
        }
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


def _copy_pairs(files: list[FileResult], ledgers: dict[int, FileResult]) -> list[list[int]]:
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
    return replace(older, status=SKIPPED, reason=reason, ledgers=(), issues=(found,))


# --- a month with its figures and its history --------------------------------------------


@dataclass(frozen=True)
class MonthRun:
    """A merged month: the merge with its cross-month findings, each project judged, the
    figures (None when no period could be told, and for `check`), and what was written."""

    result: MergeResult
    assessed: tuple[Assessed, ...] = ()
    figures: dict[str, Any] | None = None
    kept: tuple[Kept, ...] = ()
    files: tuple[FileMeta, ...] = ()  # what the store keeps of the input files
    nodes: tuple[Node, ...] = ()  # the month's 节点, joined to its projects
    photos: PhotoIndex | None = None  # the month's 照片 folder, when it has one
    output: Path | None = None
    written: tuple[Path, ...] = ()

    @property
    def ok(self) -> bool:
        return self.result.ok

    @property
    def period_key(self) -> str | None:
        """'2024-04', or None when no period could be told (what `--json` prints as period)."""
        return self.result.period.key if self.result.period else None

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
            "period": self.period_key,
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
                    "sheets": [line.to_dict() for line in sheet_lines(f)],
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
    with_figures: bool = True,
    whole_month: bool = True,
) -> MonthRun:
    """Merge, judge every project, check against the stored months (a project gone, a
    cumulative that went down, 连续N个月…) and, unless not `with_figures` (`check`), work out
    the figures with 环比/同比 and who reported. Not the `whole_month` (some units' files
    checked), the stored months are compared for those units only: the others sent nothing
    because they were not asked about. The store is only read here, and never created.
    Reading back a `merged_workbook`, who reported comes from the store's record of the
    month, else from the workbook's 文件情况 sheet (the inputs are then one workbook)."""
    rollup = merged_workbook is None
    result = merge_paths(paths, period, settings, password=password, rollup=rollup, on_file=on_file)
    photos = None
    if (folder := photo_folder(paths)) is not None:
        photos = index_photos(folder, result.projects)
        found = tuple(photo_issues(photos, result.projects))
        result = replace(result, issues=result.issues + found)
    if result.period is None:
        return MonthRun(result, photos=photos)
    p = result.period
    assessed = tuple(assess(result.projects, p, settings))
    renames = rename_keys(settings.renames)
    kept = tuple(Kept(project_key(a.project, renames), a.status, a.project) for a in assessed)
    metas = tuple(file_meta(result.files))
    received: list[dict[str, Any]] = [] if merged_workbook else [m.__dict__ for m in metas]
    earlier: dict[Period, list[Kept]] = {}
    last_year, seen = None, []
    sheet_nodes = [
        replace(n, unit=settings.canonical_unit(n.unit)) for f in result.files for n in f.nodes
    ]
    if store.exists():  # no month kept yet: nothing to compare with, and nothing created
        try:
            units = None if whole_month else {p.unit or "" for p in result.projects}
            with Store(store, read_only=True) as s:
                for m in p.months()[:-1]:
                    if (stored := s.kept(m.key, units)) is not None:
                        earlier[m] = stored
                last_year = s.kept(p.a_year_before().key, units)
                seen = s.units()
                if merged_workbook is not None:
                    received = s.files(p.key)
                    # the workbook's own 节点 sheet, else (a workbook of before) the store's
                    sheet_nodes = sheet_nodes or [
                        n for n in s.nodes(p.key) if n.source == NODE_SHEET
                    ]
        except StoreProblem as exc:  # the month goes on without its history, and says so
            earlier, last_year, seen = {}, None, []
            problem = issue("history-unreadable", store.name, reason=str(exc))
            result = replace(result, issues=(*result.issues, problem))
        else:
            found = _across_months(p, kept, earlier, result, settings.streak_months)
            result = replace(result, issues=result.issues + found)
    nodes = month_nodes(sheet_nodes, kept)
    late = check_nodes(nodes, p, result.letters())
    result = replace(result, issues=result.issues + tuple(late))
    assessed = tuple(name_overdue(assessed, [k.key for k in kept], nodes, p))
    if not with_figures:
        return MonthRun(result, assessed, None, kept, metas, tuple(nodes), photos)
    if merged_workbook is not None and not received:  # the month is not in the store
        received = [m.__dict__ for m in files_from_workbook(merged_workbook)]
    history = _History(earlier, last_year, seen, received)
    month_figures, target_found = _month_figures(result, assessed, nodes, settings, history)
    if target_found:
        result = replace(result, issues=result.issues + target_found)
    return MonthRun(result, assessed, month_figures, kept, metas, tuple(nodes), photos)


@dataclass(frozen=True)
class _History:
    """What the store (or the merged workbook) told of the months before and who reports."""

    earlier: dict[Period, list[Kept]]
    last_year: list[Kept] | None
    seen: list[str]  # every unit that ever sent a file
    received: list[dict[str, Any]]  # the files of this month, as the store keeps them


def _month_figures(
    result: MergeResult,
    assessed: tuple[Assessed, ...],
    nodes: list[Node],
    settings: Settings,
    history: _History,
) -> tuple[dict[str, Any], tuple[Issue, ...]]:
    """The month's figures with 环比/同比, who reported, the targets, the nodes and the
    leaders; and a finding when the targets workbook cannot be read. Its modules are imported
    here: `check` never works out figures, and never pays for importing them."""
    from ledgerkit.leaders import by_leader
    from ledgerkit.problems import summary as problem_summary
    from ledgerkit.queries import expected_units, submissions
    from ledgerkit.rates import honest_rates
    from ledgerkit.targets import add_targets, targets_or_finding
    from ledgerkit.trend import trend

    p = result.period
    assert p is not None
    last_year = kept_projects(history.last_year) if history.last_year is not None else None
    units = [*history.seen, *(str(f["unit"]) for f in history.received)]
    expected = expected_units(settings, units)
    reported = submissions(history.received, expected, p, settings)
    month_figures = figures(assessed, p, settings, unreported=reported["missing"])
    month_figures["submissions"] = reported
    month_figures.update(honest_rates(assessed, p, settings, month_figures, last_year))
    with_targets, target_found = targets_or_finding(settings)
    month_figures = add_targets(month_figures, with_targets, p)
    month_figures["nodes"] = node_summary(nodes, p)
    month_figures["by_leader"] = by_leader(assessed, p, settings)
    month_figures["problem_ledger"] = problem_summary([], "")  # from the store: read_merged
    earlier = [(m, kept_projects(ks)) for m, ks in history.earlier.items()]
    month_figures["trend"] = trend(p, result.projects, earlier, last_year, expected)
    return month_figures, target_found


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


def kept_projects(kept: list[Kept]) -> list[Project]:
    return [k.project for k in kept]


def record_month(month: MonthRun, store: Path, settings: Settings) -> bool:
    """Keep a merged month in the store (one transaction); False if nothing changed.
    Raises StoreProblem when the store cannot be written."""
    period = month.result.period
    if period is None:
        return False
    with Store(store) as s:
        files = month.files or file_meta(month.result.files)
        return s.record(period.key, files, month.kept, month.nodes, made_with(settings))


def made_with(settings: Settings) -> str:
    """What besides its files' bytes makes a month's kept rows: ledgerkit's version and the
    settings (all of them, less where they were found: a setting that changes nothing kept
    costs one more version in the store, a missed one would keep stale rows)."""
    from ledgerkit import __version__

    return f"{__version__} {replace(settings, workspace=None, warnings=())!r}"


def _recorded(month: MonthRun, store: Path, settings: Settings) -> MonthRun:
    """The month kept in the store; a store that cannot take it is a warning on the run (the
    workbook is already written: the store is a convenience, rebuilt from the workbooks)."""
    try:
        record_month(month, store, settings)
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
    from ledgerkit.lock import workspace_lock
    from ledgerkit.workbook import write_workbook

    default = default_output(paths)
    out = output_file(output, (".xlsx",), default.name, "汇总表") if output else default
    store = store_path(settings, out.resolve().parent)
    with workspace_lock(store):  # a second merge here would leave workbook and store apart
        month = merge_month(paths, period, settings, store, password=password, on_file=on_file)
        title = ledger_title(settings.region, month.result.period)
        write_workbook(
            month.result,
            out,
            title,
            month.figures,
            settings,
            nodes=month.nodes,
            photos=month.photos,
        )
        return replace(_recorded(month, store, settings), output=out)


def check(
    paths: list[Path],
    settings: Settings,
    *,
    period: Period | None = None,
    feedback: Path | None = None,
    password: str | None = None,
    on_file: OnFile | None = None,
    on_written: OnFile | None = None,
    with_figures: bool = False,
) -> MonthRun:
    """`ledgerkit check`: the month read and checked, nothing merged or kept; with
    `feedback`, each unit's file with its problems marked, written to that folder; a copy
    written otherwise than asked, or not at all, is a finding of its file. `on_file` follows
    the reading, `on_written` the copies written. The figures only `with_figures` (the
    analysts' `ledgerkit.merge()`): the command line does not show them. Files named one by
    one are some units' files, not the month: the stored months are compared for their
    units only (no 未报送 for the units not asked about)."""
    if feedback is not None:
        output_folder(feedback, "问题反馈副本")
    store = store_path(settings, default_output(paths).parent)
    month = merge_month(
        paths,
        period,
        settings,
        store,
        password=password,
        on_file=on_file,
        with_figures=with_figures,
        whole_month=any(path.is_dir() for path in paths),
    )
    if feedback is None:
        return month
    from ledgerkit.feedback import write_feedback

    done = write_feedback(month.result, feedback, on_written)
    result = replace(month.result, issues=month.result.issues + done.issues)
    return replace(month, result=result, written=done.written)


def explain_month(result: MergeResult) -> list[dict[str, Any]]:
    """`check --explain`: how each sheet read was understood (its rows, its columns, its
    money unit and period), in file order; `--json` prints this list as it is."""
    return [explain(led) for f in result.files for led in f.ledgers]
