"""The only place where the stages are chained: read -> normalise -> validate -> merge."""

from __future__ import annotations

import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ledgerkit.errors import NoInputs, NotALedger, UnreadableFile
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
        skipped.append(FileResult(path, SKIPPED, "Excel/WPS 打开文件时留下的临时锁文件"))
    if not candidates and not skipped:
        raise NoInputs("给出的路径中没有任何台账文件（.xlsx .xls .csv 等）")
    unique = sorted(dict.fromkeys(candidates), key=lambda p: (p.name, str(p)))
    return unique, skipped


def load_file(path: Path, default_unit: str = "万元") -> FileResult:
    """Read, understand and check one file; a bad file becomes a FileResult, never a crash."""
    try:
        book = read_book(path)
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
) -> MergeResult:
    """Merge every ledger under `paths` into one checked ledger."""
    settings = settings or Settings()
    candidates, skipped = discover(paths)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        loaded = list(pool.map(lambda p: load_file(p, settings.money_unit), candidates))
    files = loaded + skipped
    ledgers = [f.ledger for f in loaded if f.ledger is not None]
    period = period or infer_period(paths, settings.year) or period_in_titles(ledgers)
    return merge(files, period, check_duplicates(ledgers), settings.canonical_unit)


def month_figures(result: MergeResult, settings: Settings) -> dict[str, Any] | None:
    """The figures of a merged month, or None when its period is not known."""
    from ledgerkit.metrics import Period, figures

    if not result.period:
        return None
    return figures(result.projects, Period.parse(result.period), settings)


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
