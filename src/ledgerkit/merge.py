"""Merge stage: every unit's understood table -> one district ledger (a table of projects)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ledgerkit.issues import Issue, has_errors
from ledgerkit.normalise import SheetLedger
from ledgerkit.schema import load_schema

MERGED, FAILED, SKIPPED = "merged", "failed", "skipped"
SOURCE_COLUMNS = ("_file", "_sheet", "_row")


class Column:
    """One column of a Projects table: iterable values; `==` and `notna()` give masks."""

    def __init__(self, values: Iterable[Any]) -> None:
        self.values = list(values)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, i: int) -> Any:
        return self.values[i]

    def __eq__(self, other: object) -> Column:  # type: ignore[override]
        return Column(v == other for v in self.values)

    def __ne__(self, other: object) -> Column:  # type: ignore[override]
        return Column(v != other for v in self.values)

    __hash__ = None  # type: ignore[assignment]

    def __bool__(self) -> bool:
        raise ValueError("a column has no single truth value: use any() or all()")

    def map(self, fn: Callable[[Any], Any]) -> Column:
        return Column(map(fn, self.values))

    def notna(self) -> Column:
        return Column(v is not None for v in self.values)

    def any(self) -> bool:
        return any(self.values)

    def all(self) -> bool:
        return all(self.values)

    def tolist(self) -> list[Any]:
        return list(self.values)


class Projects:
    """The merged project rows. `records` are read-only dicts holding the columns a project
    has: a column it lacks is blank (read them with .get). They are the normalised projects
    themselves unless merging changed something (the unit's name): no copy of every row.

    The few DataFrame manners callers rely on, without pandas' import time on every run:
    `len`, `.empty`, `"col" in t`, `t["col"]` (a Column), `t[mask]`, `.get` and
    `.to_dict("records")` (copies holding every column, None when blank)."""

    def __init__(self, records: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
        self.records = tuple(records)
        self.columns = list(columns)

    def __len__(self) -> int:
        return len(self.records)

    @property
    def empty(self) -> bool:
        return not self.records

    def __contains__(self, key: object) -> bool:
        return key in self.columns

    def __iter__(self) -> Iterator[str]:  # as a DataFrame: its column names
        return iter(self.columns)

    def __getitem__(self, key: str | Column | Sequence[bool]) -> Any:
        if isinstance(key, str):
            if key not in self.columns:
                raise KeyError(key)
            return Column(r.get(key) for r in self.records)
        rows = [r for r, keep in zip(self.records, key, strict=True) if keep]
        return Projects(rows, self.columns)

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self.columns else default

    def to_dict(self, orient: str = "records") -> list[dict[str, Any]]:
        if orient != "records":
            raise ValueError(f"only 'records' is supported, not {orient!r}")
        return [{c: r.get(c) for c in self.columns} for r in self.records]


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
    projects: Projects
    issues: tuple[Issue, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """No error in the data and no file that failed to read."""
        return not has_errors(self.issues) and all(f.status != FAILED for f in self.files)

    @property
    def extra_columns(self) -> list[str]:
        """Headers the units used that match no canonical field, in first-seen order."""
        seen: dict[str, None] = {}
        for p in self.projects.records:
            seen.update(dict.fromkeys(p["extras"]))
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
    units: dict[tuple[type, Any], str | None] = {}  # a few hundred units, thousands of rows
    records = []
    for f in files:
        for p in f.ledger.projects if f.ledger is not None else ():
            written = p.get("unit")
            key = (written.__class__, written)
            if key not in units:
                units[key] = canonical_unit(str(written or "")) or None
            unit = units[key]
            # NaN (an XML 2003 "Number" in a text column) is blank
            blanks = [k for k, v in p.items() if v.__class__ is float and v != v]
            if blanks or unit.__class__ is not written.__class__ or unit != written:
                p = {**p, **dict.fromkeys(blanks), "unit": unit}
            records.append(p)
    issues = tuple(i for f in files for i in f.issues) + cross
    return MergeResult(period, tuple(files), Projects(records, project_columns()), issues)


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
