"""Metrics over months: the year's monthly series, 环比 and 同比, for the district and each unit.

Pure: the months come in as projects (the pipeline reads them from the store). 本月完成 is
derived from the cumulative figures: this month's minus last month's (January: the
cumulative itself). Money in 万元, rate changes in 个百分点, growth as a fraction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ledgerkit.metrics import totals
from ledgerkit.period import Period
from ledgerkit.project import Project

Month = tuple[Period, Sequence[Project]]


def trend(
    period: Period,
    current: Sequence[Project],
    earlier: Sequence[Month] = (),
    last_year: Sequence[Project] | None = None,
) -> dict[str, Any]:
    """The series of `earlier` months of the year (stored ones, in order) and this one, with
    the changes against last month and against the same month of last year."""
    months: list[Month] = [*earlier, (period, current)]
    series = _series(months)
    unit_months = [(p, _by_unit(rows)) for p, rows in months]
    units = sorted({u for _, groups in unit_months for u in groups})
    unit_series = {u: _series([(p, groups.get(u, [])) for p, groups in unit_months]) for u in units}
    before = period.previous()
    previous = next((s for s in series if before and s["period"] == before.key), None)
    yoy = None
    if last_year:
        yoy = {**_sums(last_year), "period": period.a_year_before().key}
    return {
        "series": series,
        "unit_series": unit_series,
        "mom": _change(series[-1], previous),
        "yoy": _change(series[-1], yoy),
    }


def _by_unit(rows: Sequence[Project]) -> dict[str, list[Project]]:
    groups: dict[str, list[Project]] = {}
    for p in rows:
        if p.unit:
            groups.setdefault(p.unit, []).append(p)
    return groups


def _sums(rows: Sequence[Project]) -> dict[str, Any]:
    sums = totals(rows)
    plan = sums["annual_plan"]
    return {**sums, "completion_rate": sums["ytd_completed"] / plan if plan else None}


def _series(months: Sequence[Month]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    last: Period | None = None
    for period, rows in months:
        sums = _sums(rows)
        before = out[-1] if out and last is not None and period.follows(last) else None
        if period.month == 1:
            month = sums["ytd_completed"]
        else:
            month = sums["ytd_completed"] - before["ytd_completed"] if before else None
        out.append({"period": period.key, **sums, "month_completed": month})
        last = period
    return out


def _change(now: dict[str, Any], before: dict[str, Any] | None) -> dict[str, Any] | None:
    """Differences: money in 万元, rates in 个百分点, growth as a fraction."""
    if before is None:
        return None
    rate_now, rate_before = now["completion_rate"], before["completion_rate"]
    return {
        "period": before["period"],
        "ytd_change": now["ytd_completed"] - before["ytd_completed"],
        "ytd_growth": (
            (now["ytd_completed"] - before["ytd_completed"]) / before["ytd_completed"]
            if before["ytd_completed"]
            else None
        ),
        "rate_change": (rate_now - rate_before) * 100
        if None not in (rate_now, rate_before)
        else None,
        "started_change": now["started"] - before["started"],
        "projects_change": now["projects"] - before["projects"],
    }
