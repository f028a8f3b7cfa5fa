"""The only place where the stages are chained: read -> normalise -> validate -> merge."""

from __future__ import annotations

import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ledgerkit.errors import NoInputs, NotALedger, UnreadableFile
from ledgerkit.feedback import SUFFIX as FEEDBACK_SUFFIX
from ledgerkit.issues import issue
from ledgerkit.merge import FAILED, MERGED, SKIPPED, FileResult, MergeResult, merge
from ledgerkit.normalise import TITLE, SheetLedger, normalise_book
from ledgerkit.read import LEDGER_SUFFIXES, is_lock_file, read_book
from ledgerkit.settings import Settings
from ledgerkit.validate import check_duplicates, check_sheet

_TITLE_PERIOD = re.compile(r"(20\d{2})\s*年.*?(?:1\s*[-—~至]\s*)?(\d{1,2})\s*月")
_MONTH_ONLY = re.compile(r"(?<!\d)(\d{1,2})\s*月")
_PERIOD = re.compile(r"(20\d{2})\s*[-年._]?\s*(\d{1,2})(?!\d)")


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
    for path in [p for p in candidates if p.name.endswith(FEEDBACK_SUFFIX)]:
        candidates.remove(path)  # a copy marked for a unit must never count its projects twice
        skipped.append(FileResult(path, SKIPPED, "ledgerkit 写出的问题反馈副本，不是台账"))
    if not candidates and not skipped:
        raise NoInputs("给出的路径中没有任何台账文件（.xlsx .xls .csv 等）")
    unique = sorted(dict.fromkeys(candidates), key=lambda p: (p.name, str(p)))
    return unique, skipped


def load_file(path: Path, default_unit: str = "万元", *, password: str | None = None) -> FileResult:
    """Read, understand and check one file; a bad file becomes a FileResult, never a crash.
    `password` opens workbooks protected by an open password."""
    try:
        book = read_book(path, password)
        ledger = normalise_book(book, default_unit)
    except NotALedger as exc:
        return FileResult(
            path, SKIPPED, exc.reason, issues=(issue("file-skipped", path.name, reason=exc.reason),)
        )
    except UnreadableFile as exc:
        return FileResult(
            path,
            FAILED,
            exc.reason,
            issues=(issue("file-unreadable", path.name, reason=exc.reason),),
        )
    hidden = tuple(issue("sheet-hidden", path.name, name, name=name) for name in book.hidden)
    return FileResult(path, MERGED, "", ledger, ledger.issues + check_sheet(ledger) + hidden)


def merge_paths(
    paths: list[Path],
    period: str | None = None,
    settings: Settings | None = None,
    workers: int = 2,
    *,
    password: str | None = None,
) -> MergeResult:
    """Merge every ledger under `paths` into one checked ledger."""
    settings = settings or Settings()
    candidates, skipped = discover(paths)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        loaded = list(
            pool.map(lambda p: load_file(p, settings.money_unit, password=password), candidates)
        )
    loaded = pick_versions(loaded)
    files = loaded + skipped
    ledgers = [f.ledger for f in loaded if f.ledger is not None]
    period = period or infer_period(paths, settings.year) or period_in_titles(ledgers)
    return merge(files, period, check_duplicates(ledgers), settings.canonical_unit)


def period_in_titles(ledgers: list[SheetLedger]) -> str | None:
    """'2024-04' from titles such as '卧龙镇2024年重点项目推进台账（1-4月）', the most common."""
    found = Counter(
        f"{m.group(1)}-{int(m.group(2)):02d}"
        for ledger in ledgers
        for row in ledger.set_aside
        if row.kind == TITLE
        and (m := _TITLE_PERIOD.search(row.text))
        and 1 <= int(m.group(2)) <= 12
    )
    return found.most_common(1)[0][0] if found else None


def infer_period(paths: list[Path], year: int | None = None) -> str | None:
    """'2024-04' from a folder or file name such as 2024-04/ or 2024年4月台账/; with the
    workspace's year set, a folder named just 4月/ will do."""
    for path in paths:
        name = path.resolve().name
        m = _PERIOD.search(name)
        if m and 1 <= int(m.group(2)) <= 12:
            return f"{m.group(1)}-{int(m.group(2)):02d}"
        m = _MONTH_ONLY.search(name)
        if year and m and 1 <= int(m.group(1)) <= 12:
            return f"{year}-{int(m.group(1)):02d}"
    return None


__all__ = ["FAILED", "MERGED", "SKIPPED", "discover", "load_file", "merge_paths"]


@dataclass(frozen=True)
class Month:
    """A merged month with its cross-month findings, its figures and the rows to store."""

    result: MergeResult
    figures: dict[str, Any] | None
    rows: tuple[dict[str, Any], ...] = ()


def merge_month(
    paths: list[Path],
    period: str | None,
    settings: Settings,
    near: Path,
    *,
    password: str | None = None,
) -> Month:
    """Merge, then check against the stored months (a project gone, a cumulative that went
    down, 连续N个月…) and add 环比/同比 to the figures. The store is only read here.
    `password` opens workbooks protected by an open password."""
    from ledgerkit.history import (
        Store,
        column_letters,
        compare_months,
        previous_period,
        project_rows,
        store_path,
        streak_issues,
        trend,
    )
    from ledgerkit.metrics import Period, figures

    result = merge_paths(paths, period, settings, password=password)
    if not result.period:
        return Month(result, None)
    p = Period.parse(result.period)
    rows = project_rows(result.projects, p, settings)
    path = store_path(settings, near)
    if not path.exists():  # no month kept yet: nothing to compare with, and nothing created
        month_figures = figures(result.projects, p, settings)
        month_figures["trend"] = trend(None, p, rows)
        return Month(result, month_figures, tuple(rows))
    with Store(path) as store:
        letters = column_letters(result)
        before = previous_period(p)
        found = compare_months(rows, store.projects(before.key) if before else None, letters)
        found += streak_issues(store, p, rows, settings, letters)
        result = replace(result, issues=result.issues + tuple(found))
        month_figures = figures(result.projects, p, settings)
        month_figures["trend"] = trend(store, p, rows)
    return Month(result, month_figures, tuple(rows))


def record_month(month: Month, settings: Settings, near: Path) -> bool:
    """Keep a merged month in the store (one transaction); False if nothing changed."""
    from ledgerkit.history import Store, file_meta, store_path

    if not month.result.period:
        return False
    with Store(store_path(settings, near)) as store:
        return store.record(month.result.period, file_meta(month.result), list(month.rows))


def pick_versions(files: list[FileResult]) -> list[FileResult]:
    """Two files from one unit with mostly the same projects are two versions of its ledger
    (卧龙镇.xlsx and 卧龙镇（修改）.xlsx): the newest is merged, the other set aside and named.
    Files of one unit with different projects are both kept: nothing is dropped on a guess."""
    from ledgerkit.validate import name_key

    kept = list(files)
    by_unit: dict[str, list[int]] = {}  # only files of one unit can be versions of each other
    ledgers: dict[int, SheetLedger] = {}
    for i, f in enumerate(files):
        if f.ledger and not f.ledger.letter_of("unit"):  # a unit per row: a department's file
            by_unit.setdefault(f.ledger.unit, []).append(i)
            ledgers[i] = f.ledger
    for group in (g for g in by_unit.values() if len(g) > 1):
        names = {i: {name_key(p.get("name")) for p in ledgers[i].projects} for i in group}
        for i in group:
            for j in group:
                if i == j or kept[i] is not files[i] or kept[j] is not files[j]:
                    continue
                a, b = names[i], names[j]
                if len(a & b) * 2 < min(len(a), len(b)):
                    continue
                older, newer = sorted(
                    (i, j), key=lambda k: (files[k].path.stat().st_mtime, files[k].label)
                )
                kept[older] = replace(
                    files[older],
                    status=SKIPPED,
                    reason=f"同一单位的较早版本，已采用“{files[newer].label}”",
                    ledger=None,
                    issues=(issue("older-version", files[older].label, newer=files[newer].label),),
                )
    return kept


def rebuild_history(workbooks: list[Path], settings: Settings, store: Path) -> list[str]:
    """Make the store again from merged workbooks (the clerk's source of truth), in a new
    file that replaces the old one only when complete. Returns the periods rebuilt."""
    import os

    from ledgerkit.history import Store, file_meta_from_workbook, project_rows
    from ledgerkit.metrics import Period

    tmp = store.with_name(store.name + ".rebuild")
    tmp.unlink(missing_ok=True)
    periods = []
    with Store(tmp) as new:
        for book in sorted(workbooks):
            result = merge_paths([book], None, settings)
            if not result.period or result.projects.empty:
                continue
            rows = project_rows(result.projects, Period.parse(result.period), settings)
            new.record(result.period, file_meta_from_workbook(book), rows)
            periods.append(result.period)
    for suffix in ("-wal", "-shm"):
        Path(str(store) + suffix).unlink(missing_ok=True)
    os.replace(tmp, store)
    return periods


def unit_forms(
    period: str,
    units: list[str],
    settings: Settings,
    near: Path,
    folder: Path,
    source: Path | None = None,
) -> list[Path]:
    """Write next month's forms: projects from `source` (a merged workbook) or else from the
    latest stored month before `period`; units as given, else the roster, else those seen."""
    from ledgerkit.forms import write_forms
    from ledgerkit.history import Store, project_rows, store_path
    from ledgerkit.metrics import Period

    target = Period.parse(period)
    rows: list[dict[str, Any]] = []
    if source is not None:
        result = merge_paths([source], None, settings)
        rows = project_rows(result.projects, Period.parse(result.period or period), settings)
        rows = [{**r, **p} for r, p in zip(rows, result.projects.to_dict("records"), strict=True)]
    elif store_path(settings, near).exists():
        with Store(store_path(settings, near)) as store:
            earlier = [p for p in store.periods() if p < target.key]
            rows = (store.projects(earlier[-1]) or []) if earlier else []
    names = (
        units
        or [u.label for u in settings.roster]
        or list(dict.fromkeys(str(r["unit"]) for r in rows if r.get("unit")))
    )
    if not names:
        raise NoInputs("没有可用的单位：请用 --unit 指定，或在 ledgerkit.toml 中登记单位名册")
    return write_forms(rows, names, target, settings, folder)
