"""Merge stage: every unit's understood table -> one district ledger (a tuple of projects).

(Named merging, not merge: `ledgerkit.merge()` is the analysts' entry point.)"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ledgerkit.issues import Issue, has_errors
from ledgerkit.nodes import Node
from ledgerkit.normalise import SheetLedger
from ledgerkit.period import Period
from ledgerkit.project import Project, evolve
from ledgerkit.sheets import SheetNote

MERGED, FAILED, SKIPPED = "merged", "failed", "skipped"


@dataclass(frozen=True)
class FileResult:
    """What became of one input file: the sheets counted (one ledger each, in tab order) and
    the sheets set aside with why (views, summaries, cards)."""

    path: Path
    status: str  # merged | failed | skipped
    reason: str = ""
    ledgers: tuple[SheetLedger, ...] = ()
    issues: tuple[Issue, ...] = ()
    sha256: str = ""  # of the bytes read; "" when the file was never read (skipped unseen)
    mtime: float | None = None  # the file's modification time when those bytes were read
    nodes: tuple[Node, ...] = ()  # its 节点 sheet's rows, for its ledger's unit
    notes: tuple[SheetNote, ...] = ()

    @property
    def label(self) -> str:
        return self.path.name

    @property
    def ledger(self) -> SheetLedger | None:
        """The first sheet counted (a one-sheet file's only one)."""
        return self.ledgers[0] if self.ledgers else None

    @property
    def projects(self) -> int:
        return sum(len(led.projects) for led in self.ledgers)

    @property
    def units(self) -> list[str]:
        """The units of the sheets counted, in tab order, each once."""
        return list(dict.fromkeys(led.unit for led in self.ledgers if led.unit))


@dataclass(frozen=True)
class SheetLine:
    """One sheet of a file as 文件情况, the console and --json show it: counted (its ledger),
    or set aside (the kind of sheet, and why)."""

    sheet: str
    ledger: SheetLedger | None = None
    kind: str = ""  # sheets.VIEW / SUMMARY / NOT_A_LIST / CARD / UNREADABLE: not counted
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        led = self.ledger
        return {
            "sheet": self.sheet,
            "counted": led is not None,
            "unit": led.unit if led else None,
            "unit_source": led.unit_source if led else None,
            "projects": len(led.projects) if led else 0,
            "set_aside_as": self.kind or None,
            "reason": self.reason,
        }


def sheet_lines(f: FileResult) -> list[SheetLine]:
    """The sheets of a file that was read: those counted, then those set aside."""
    return [SheetLine(led.sheet, led) for led in f.ledgers] + [
        SheetLine(n.sheet, None, n.kind, n.reason) for n in f.notes
    ]


@dataclass(frozen=True)
class MergeResult:
    """A month merged: the files, the projects, every finding."""

    period: Period | None
    files: tuple[FileResult, ...]
    projects: tuple[Project, ...]
    issues: tuple[Issue, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """No error in the data and no file that failed to read."""
        return not has_errors(self.issues) and all(f.status != FAILED for f in self.files)

    @property
    def extra_columns(self) -> list[str]:
        """Headers the units used that match no canonical field, in first-seen order."""
        seen: dict[str, None] = {}
        for p in self.projects:
            seen.update(dict.fromkeys(p.extras))
        return list(seen)

    def letters(self) -> dict[tuple[str, str], str]:
        """(file, field) -> the column letter of that field in that file."""
        out: dict[tuple[str, str], str] = {}
        for f in self.files:
            for led in f.ledgers:
                for col in led.columns:
                    if col.field:
                        out.setdefault((f.label, col.field), col.letter)
        return out


def merge(
    files: list[FileResult],
    period: Period | None,
    cross: tuple[Issue, ...],
    canonical_unit: Callable[[str], str] = str.strip,
) -> MergeResult:
    """Concatenate the merged files' projects in file order, keeping where each row came from;
    unit names are put the roster's way, here and only here (尹集 and 尹集乡 are one unit)."""
    units: dict[tuple[type, Any], str | None] = {}  # a few hundred units, thousands of rows
    projects = []
    for p in (p for f in files for led in f.ledgers for p in led.projects):
        written = p.unit
        key = (written.__class__, written)
        if key not in units:
            units[key] = canonical_unit(str(written or "")) or None
        unit = units[key]
        # NaN (an XML 2003 "Number" in a text column) is blank
        blanks = [k for k, v in vars(p).items() if v.__class__ is float and v != v]
        if blanks or unit.__class__ is not written.__class__ or unit != written:
            changes: dict[str, Any] = {**dict.fromkeys(blanks), "unit": unit}
            p = evolve(p, **changes)
        projects.append(p)
    issues = tuple(i for f in files for i in f.issues) + cross
    return MergeResult(period, tuple(files), tuple(projects), issues)
