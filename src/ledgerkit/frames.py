"""The analysts' interface: projects and figures as pandas DataFrames.

pandas is imported here, when a DataFrame is asked for, and nowhere on the command line's path
(its import alone costs a third of a second). Money stays exact Decimal 万元 unless the
analyst asks for floats.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ledgerkit.errors import LedgerkitError
from ledgerkit.project import FIELDS, Project
from ledgerkit.schema import load_schema

if TYPE_CHECKING:
    import pandas as pd

SOURCE_COLUMNS = ("source_file", "source_sheet", "source_row")


def _pandas() -> Any:
    try:
        import pandas
    except ImportError as exc:
        raise LedgerkitError(
            "需要 pandas 才能得到 DataFrame：请运行 python -m pip install pandas"
        ) from exc
    return pandas


def projects_frame(projects: Sequence[Project], money: str = "decimal") -> pd.DataFrame:
    """One row per project: the canonical fields (schema.toml's keys), the units' own extra
    columns, and where the row came from. `money`: 'decimal' (exact 万元) or 'float'."""
    if money not in ("decimal", "float"):
        raise ValueError("money is 'decimal' or 'float'")
    pd = _pandas()
    amounts = {k for k, f in load_schema().fields.items() if f.kind in ("money", "reference")}
    extras = list(dict.fromkeys(h for p in projects for h in p.extras))
    rows = []
    for p in projects:
        row = {k: getattr(p, k) for k in FIELDS}
        if money == "float":
            row.update({k: float(row[k]) for k in amounts if row[k] is not None})
        row.update({h: p.extras.get(h) for h in extras})
        src = p.origin or p.source
        row.update(zip(SOURCE_COLUMNS, (src.file, src.sheet, src.row), strict=True))
        rows.append(row)
    return pd.DataFrame(rows, columns=[*FIELDS, *extras, *SOURCE_COLUMNS])


def figures_frame(slices: Sequence[dict[str, Any]], money: str = "decimal") -> pd.DataFrame:
    """One row per slice (unit, category, level …) with every figure: money in 万元, rates as
    fractions, gaps in 个百分点."""
    pd = _pandas()
    if money == "float":
        slices = [
            {k: float(v) if isinstance(v, Decimal) else v for k, v in s.items()} for s in slices
        ]
    return pd.DataFrame(list(slices))
