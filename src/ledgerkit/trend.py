"""Metrics over months: the year's monthly series, 环比 and 同比, for the district and each unit.

Pure: the months come in as projects (the pipeline reads them from the store). Comparisons
are like with like: a change between two months counts only the units that reported in both,
and names the units that did not, so a month with three of eight units in never reads as
"累计完成投资减少". 本月完成 is derived from the cumulative figures the same way: this month's
minus last month's over the units in both (January: the cumulative itself). Money in 万元,
rate changes in 个百分点, growth as a fraction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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
    expected: Iterable[str] = (),
) -> dict[str, Any]:
    """The series of `earlier` months of the year (stored ones, in order) and this one, with
    the changes against last month and against the same month of last year. `expected` are
    the units that should report (the roster); without one, every unit seen this year."""
    months: list[Month] = [*earlier, (period, current)]
    by_unit = [(p, _by_unit(rows)) for p, rows in months]
    seen = sorted({u for _, groups in by_unit for u in groups})
    due = list(dict.fromkeys(expected)) or seen
    series = _series(by_unit, due)
    # a unit's own series holds only the months it reported: a month it missed is no zero
    unit_series = {
        u: _series([(p, {u: groups[u]}) for p, groups in by_unit if u in groups], [u]) for u in seen
    }
    now = by_unit[-1][1]
    before = period.previous()
    previous = next((g for p, g in by_unit if p == before), None)
    yoy = None
    if last_year:
        yoy = _change(now, _by_unit(last_year), period.a_year_before())
    return {
        "series": series,
        "unit_series": unit_series,
        "mom": _change(now, previous, before) if previous is not None and before else None,
        "yoy": yoy,
    }


Groups = dict[str, list[Project]]


def _by_unit(rows: Sequence[Project]) -> Groups:
    groups: Groups = {}
    for p in rows:
        groups.setdefault(p.unit or "", []).append(p)
    return groups


def _sums(groups: Groups, units: Iterable[str] | None = None) -> dict[str, Any]:
    """Totals and the completion rate of the given units (default: all)."""
    wanted = groups if units is None else [u for u in units if u in groups]
    sums = totals(p for u in wanted for p in groups[u])
    plan = sums["annual_plan"]
    return {**sums, "completion_rate": sums["ytd_completed"] / plan if plan else None}


def _common(now: Groups, before: Groups) -> list[str]:
    """The units (blank included: projects with no unit) in both months."""
    return [u for u in now if u in before]


def _series(months: Sequence[tuple[Period, Groups]], due: Sequence[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    last: tuple[Period, Groups] | None = None
    for period, groups in months:
        reported = [u for u in groups if u]
        if period.month == 1:
            month = _sums(groups)["ytd_completed"]
        elif last is not None and period.follows(last[0]) and (common := _common(groups, last[1])):
            month = _sums(groups, common)["ytd_completed"] - _sums(last[1], common)["ytd_completed"]
        else:
            month = None
        out.append(
            {
                "period": period.key,
                **_sums(groups),
                "month_completed": month,
                "units": len(reported),
                "missing": [u for u in due if u not in groups],
            }
        )
        last = (period, groups)
    return out


def _change(now: Groups, before: Groups, period: Period | None) -> dict[str, Any] | None:
    """Differences over the units in both months: money in 万元, rates in 个百分点, growth
    as a fraction; the units left out are named."""
    if period is None:
        return None
    common = _common(now, before)
    a, b = _sums(now, common), _sums(before, common)
    rate_now, rate_before = a["completion_rate"], b["completion_rate"]
    return {
        "period": period.key,
        "ytd_change": a["ytd_completed"] - b["ytd_completed"],
        "ytd_growth": (
            (a["ytd_completed"] - b["ytd_completed"]) / b["ytd_completed"]
            if b["ytd_completed"]
            else None
        ),
        "rate_change": (rate_now - rate_before) * 100
        if None not in (rate_now, rate_before)
        else None,
        "started_change": a["started"] - b["started"],
        "projects_change": a["projects"] - b["projects"],
        "units_compared": len([u for u in common if u]),
        "missing": [u for u in before if u and u not in now],  # reported then, not now
        "new": [u for u in now if u and u not in before],  # reported now, not then
    }
