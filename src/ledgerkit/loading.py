"""One file read, understood and checked: the stage each reading worker runs (`isolation`).

A worker imports this module and what it needs, nothing of the month's figures, the store or
the writers: a worker's start (a fresh Python on Windows and under `spawn`) is paid once per
core on every merge, and every module it imports is in that price.
"""

from __future__ import annotations

from pathlib import Path

from ledgerkit.columns import ColumnRules
from ledgerkit.errors import NotALedger, UnreadableFile
from ledgerkit.issues import issue
from ledgerkit.merging import FAILED, MERGED, SKIPPED, FileResult
from ledgerkit.nodes import read_nodes
from ledgerkit.period import Period
from ledgerkit.read import RawBook, read_book
from ledgerkit.sheets import read_book_ledgers
from ledgerkit.validate import check_sheet


def load_file(
    path: Path,
    default_unit: str = "万元",
    *,
    password: str | None = None,
    rollup: bool = True,
    period: Period | None = None,
    rules: ColumnRules | None = None,
) -> FileResult:
    """Read, understand and check one file; a bad file becomes a FileResult, never a crash.
    `password` opens workbooks protected by an open password; without `rollup`, a workbook
    ledgerkit wrote is read back as written, not as a district's ledger. `period` (when known
    before reading) and `rules` (the clerk's [columns], [aliases]) tell which column is which."""
    book: RawBook | None = None
    try:
        book = read_book(path, password)
        read = read_book_ledgers(book, default_unit, rollup, period=period, rules=rules)
    except NotALedger as exc:
        skipped = (issue("file-skipped", path.name, reason=exc.reason),)
        sha256, mtime = _read(book, exc)
        return FileResult(path, SKIPPED, exc.reason, (), skipped, sha256, mtime)
    except UnreadableFile as exc:
        failed = (issue("file-unreadable", path.name, reason=exc.reason),)
        sha256, mtime = _read(book, exc)
        return FileResult(path, FAILED, exc.reason, (), failed, sha256, mtime)
    hidden = tuple(issue("sheet-hidden", path.name, name, name=name) for name in book.hidden)
    found = [i for led in read.ledgers for i in (*led.issues, *check_sheet(led))]
    # its 节点 sheet, if it has one, for the unit of its (first) list
    nodes, bad_dates = read_nodes(book, read.ledgers[0].unit if read.ledgers else "")
    return FileResult(
        path,
        MERGED,
        "",
        read.ledgers,
        (*found, *read.issues, *hidden, *bad_dates),
        sha256=book.sha256,
        mtime=book.mtime,
        nodes=nodes,
        notes=read.notes,
    )


def _read(book: RawBook | None, exc: UnreadableFile) -> tuple[str, float | None]:
    """The hash of the bytes read and the file's time when they were: the book's when it
    was read, else the refused bytes'."""
    return (book.sha256, book.mtime) if book is not None else (exc.sha256, exc.mtime)
