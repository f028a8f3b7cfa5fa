"""ledgerkit: 重点项目台账的校验、汇总与通报。

For analysts, in Python::

    import ledgerkit
    month = ledgerkit.merge("2024-04/")   # read and check, nothing written
    month.to_pandas()                      # the projects, one row each
    month.figures_frame("by_unit")         # the units' figures, ranked
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ledgerkit.month import MonthRun

__version__ = "0.1.0"


def merge(*paths: str | Path, period: str | None = None) -> MonthRun:
    """A month's ledgers read, checked and merged, with its figures (the workspace's
    settings, as `ledgerkit check` uses them); nothing is written."""
    from ledgerkit.month import check
    from ledgerkit.period import Period
    from ledgerkit.settings import load_settings

    month = Period.parse(period) if period else None
    return check([Path(p) for p in paths], load_settings(), period=month, with_figures=True)
