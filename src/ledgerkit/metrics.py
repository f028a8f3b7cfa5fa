"""Metrics stage: the figures, computed from sums (never averaged rates), money in 万元."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

MONEY = ("total_investment", "annual_plan", "ytd_completed")


def totals(frame: pd.DataFrame) -> dict[str, Any]:
    """Projects, started, and the money sums of a set of project rows (exact Decimals)."""
    out: dict[str, Any] = {
        "projects": len(frame),
        "started": int(sum(1 for v in frame["started"] if v is True)),
    }
    for key in MONEY:
        out[key] = sum((v for v in frame[key] if v is not None), Decimal(0))
    return out


def breakdown(frame: pd.DataFrame, by: str) -> dict[str, dict[str, Any]]:
    """`totals` for each value of a column, in order of first appearance; blanks as '未填'."""
    keys = frame[by].map(lambda v: v if v not in (None, "") else "未填")
    return {str(k): totals(frame[keys == k]) for k in dict.fromkeys(keys)}
