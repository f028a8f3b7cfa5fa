"""The raw table every reader returns, whatever the format: a `RawBook` of `RawSheet`s holding
cells from A1, merged ranges and bad cells; and cell addresses (A, AB) as column numbers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Cell = Any  # str | int | float | bool | date | datetime | time | None
Merge = tuple[int, int, int, int]  # first row, first col, last row, last col; 0-based, inclusive


@dataclass(frozen=True)
class RawSheet:
    """One sheet as stored: every cell from A1, merged ranges, and cells with no usable value."""

    name: str
    rows: list[list[Cell]]
    merged: tuple[Merge, ...] = ()
    # (row, col) -> "=F5/E5" for a formula with no cached value, or "#DIV/0!" for a stored error
    bad_cells: Mapping[tuple[int, int], str] = field(default_factory=dict)


@dataclass(frozen=True)
class RawBook:
    """A whole input file: its visible sheets in order, and the hidden ones by name."""

    path: Path
    format: str  # xlsx | xls | ods | html | csv | xml
    sheets: tuple[RawSheet, ...]
    hidden: tuple[str, ...] = ()
    # other files or programs the workbook refers to (external links, DDE); never opened
    links: tuple[str, ...] = ()
    sha256: str = ""  # of the very bytes parsed, so the history names what was merged
    mtime: float | None = None  # the file's modification time when those bytes were read

    @property
    def label(self) -> str:
        return self.path.name


def column_index(letters: str) -> int:
    """'A' -> 0, 'AB' -> 27."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def column_letter(index: int) -> str:
    """0 -> 'A', 27 -> 'AB'."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _clip_merges(merged: Any, height: int, width: int) -> tuple[Merge, ...]:
    """Merged ranges inside the grid; a range reaching past it (A1:XFD1048576) is cut to it."""
    out = []
    for r0, c0, r1, c1 in merged:
        if 0 <= r0 < height and 0 <= c0 < width and r1 >= r0 and c1 >= c0:
            out.append((r0, c0, min(r1, height - 1), min(c1, width - 1)))
    return tuple(out)
