"""Merge stage: every unit's understood table -> one district ledger (a tuple of projects).

(Named merging, not merge: `ledgerkit.merge()` is the analysts' entry point.)"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ledgerkit.issues import Issue, has_errors
from ledgerkit.normalise import SheetLedger
from ledgerkit.period import Period
from ledgerkit.project import Project

MERGED, FAILED, SKIPPED = "merged", "failed", "skipped"


@dataclass(frozen=True)
class FileResult:
    """What became of one input file."""

    path: Path
    status: str  # merged | failed | skipped
    reason: str = ""
    ledger: SheetLedger | None = None
    issues: tuple[Issue, ...] = ()
    sha256: str = ""  # of the bytes read; "" when the file was never read (skipped unseen)
    mtime: float | None = None  # the file's modification time when those bytes were read

    @property
    def label(self) -> str:
        return self.path.name

    @property
    def projects(self) -> int:
        return len(self.ledger.projects) if self.ledger else 0


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
            if f.ledger is not None:
                for col in f.ledger.columns:
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
    for f in files:
        for p in f.ledger.projects if f.ledger is not None else ():
            written = p.unit
            key = (written.__class__, written)
            if key not in units:
                units[key] = canonical_unit(str(written or "")) or None
            unit = units[key]
            # NaN (an XML 2003 "Number" in a text column) is blank
            blanks = [k for k, v in vars(p).items() if v.__class__ is float and v != v]
            if blanks or unit.__class__ is not written.__class__ or unit != written:
                changes: dict[str, Any] = {**dict.fromkeys(blanks), "unit": unit}
                p = replace(p, **changes)
            projects.append(p)
    issues = tuple(i for f in files for i in f.issues) + cross
    return MergeResult(period, tuple(files), tuple(projects), issues)
