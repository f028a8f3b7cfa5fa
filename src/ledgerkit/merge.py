"""Merge stage: every unit's understood table -> one district ledger (a DataFrame)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledgerkit.issues import Issue, has_errors
from ledgerkit.normalise import SheetLedger
from ledgerkit.schema import load_schema

if TYPE_CHECKING:
    import pandas as pd

MERGED, FAILED, SKIPPED = "merged", "failed", "skipped"
SOURCE_COLUMNS = ("_file", "_sheet", "_row")


@dataclass(frozen=True)
class FileResult:
    """What became of one input file."""

    path: Path
    status: str  # merged | failed | skipped
    reason: str = ""
    ledger: SheetLedger | None = None
    issues: tuple[Issue, ...] = ()

    @property
    def label(self) -> str:
        return self.path.name

    @property
    def projects(self) -> int:
        return len(self.ledger.projects) if self.ledger else 0


@dataclass(frozen=True)
class MergeResult:
    """A month merged: the files, the project rows, every finding."""

    period: str | None
    files: tuple[FileResult, ...]
    projects: pd.DataFrame
    issues: tuple[Issue, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """No error in the data and no file that failed to read."""
        return not has_errors(self.issues) and all(f.status != FAILED for f in self.files)

    @property
    def extra_columns(self) -> list[str]:
        """Headers the units used that match no canonical field, in first-seen order."""
        seen: dict[str, None] = {}
        for extras in self.projects.get("extras", []):
            seen.update(dict.fromkeys(extras))
        return list(seen)


def project_columns() -> list[str]:
    """The merged table's columns: unit, every canonical field, extras, the source."""
    keys = [k for k in load_schema().fields if k != "unit"]
    return ["unit", *keys, "extras", *SOURCE_COLUMNS]


def merge(
    files: list[FileResult],
    period: str | None,
    cross: tuple[Issue, ...],
    canonical_unit: Callable[[str], str] = str.strip,
) -> MergeResult:
    """Concatenate the merged files' projects in file order, keeping where each row came from;
    unit names are put the roster's way (尹集 and 尹集乡 are one unit)."""
    import pandas as pd

    records: list[dict[str, Any]] = [
        p for f in files if f.ledger is not None for p in f.ledger.projects
    ]
    frame = pd.DataFrame.from_records(records, columns=project_columns())
    frame = frame.astype(object).where(frame.notna(), None)
    frame["unit"] = frame["unit"].map(lambda u: canonical_unit(str(u or "")) or None)
    issues = tuple(i for f in files for i in f.issues) + cross
    return MergeResult(period, tuple(files), frame, issues)


def _money(value: Any) -> float | int:
    """A Decimal sum as a JSON number, without float noise: 12345.6 stays 12345.6."""
    number = float(value)
    return int(number) if number.is_integer() else number


def _figures(t: dict[str, Any]) -> dict[str, Any]:
    return {k: (_money(v) if k not in ("projects", "started") else v) for k, v in t.items()}


def result_dict(result: MergeResult, output: Path | None) -> dict[str, Any]:
    """The run as one JSON-ready dictionary (what `--json` prints); money in 万元."""
    from ledgerkit.metrics import breakdown, totals

    frame = result.projects
    return {
        "period": result.period,
        "output": str(output) if output else None,
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
        "totals": _figures(totals(frame)),
        "by_unit": {k: _figures(v) for k, v in breakdown(frame, "unit").items()},
        "by_category": {k: _figures(v) for k, v in breakdown(frame, "category").items()},
        "issues": [i.to_dict() for i in result.issues],
    }
