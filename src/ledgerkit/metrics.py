"""Metrics stage: the month's figures, one definition used by every table, bulletin and --json.

Rates are always computed from the sums of a slice, never averaged; money stays in exact
万元 Decimals; differences of rates are in 个百分点. Rounding for people (四舍五入) happens
only where figures are shown, never here.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from ledgerkit.fmt import half_up
from ledgerkit.period import Period, month_text
from ledgerkit.project import Project
from ledgerkit.schema import load_schema
from ledgerkit.settings import Settings
from ledgerkit.values import is_empty

SUMMED = ("total_investment", "annual_plan", "ytd_completed")  # the money a figure sums
NORMAL, LAGGING, SEVERE = "正常", "滞后", "严重滞后"
UNREPORTED = "未报送"  # the status of a unit that sent nothing: never a row of zeros
BLANK = "未填"
PRELIMINARY = "前期"  # the canonical category of 前期 / 储备 projects
EXCLUDING_PRELIMINARY = "不含前期"  # settings.start_rate_base: 开工率 without them
_TAG_SPLIT = re.compile(r"[、,，;；/／\s]+")


def totals(projects: Iterable[Project]) -> dict[str, Any]:
    """Projects, started, and the money sums of some projects (exact Decimals)."""
    n = started = 0
    total = plan = ytd = Decimal(0)  # the SUMMED sums, in one pass over the projects
    for p in projects:
        n += 1
        started += p.started is True
        if (v := p.total_investment) is not None:
            total += v
        if (v := p.annual_plan) is not None:
            plan += v
        if (v := p.ytd_completed) is not None:
            ytd += v
    return {
        "projects": n,
        "started": started,
        "total_investment": total,
        "annual_plan": plan,
        "ytd_completed": ytd,
    }


def breakdown(projects: Iterable[Project], by: str) -> dict[str, dict[str, Any]]:
    """`totals` for each value of a field, in order of first appearance; blanks as '未填'."""
    groups: dict[Any, list[Project]] = {}
    for p in projects:
        v = p.get(by)
        groups.setdefault(v if v not in (None, "") else BLANK, []).append(p)
    return {str(k): totals(rows) for k, rows in groups.items()}


# --- each project, once ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Assessed:
    """A project judged against the period: its rate, its gap to time progress, its status
    and why. Worked out once per run; the figures, the lists and the store all read it."""

    project: Project
    unit: str  # the unit as tables name it ('城关镇（襄城区）' when two districts have one)
    completion_rate: Decimal | None
    gap: Decimal | None  # 个百分点 against time progress; negative = behind
    status: str  # 正常 / 滞后 / 严重滞后
    reason: str
    low: bool  # under settings.low_rate % of its plan


def low_label(settings: Settings) -> str:
    """'完成不足30%的项目', with the workspace's own threshold."""
    return f"完成不足{settings.low_rate.normalize():f}%的项目"


def rate(numerator: Decimal, denominator: Decimal | int | None) -> Decimal | None:
    """A ratio as a fraction, or None when there is nothing to divide by."""
    if not denominator:
        return None
    return Decimal(numerator) / Decimal(denominator)


def status_of(gap: Decimal | None, settings: Settings) -> str:
    """正常 / 滞后 / 严重滞后 from the gap to time progress, in 个百分点 (negative = behind)."""
    if gap is None or gap >= -settings.yellow_gap:
        return NORMAL
    return LAGGING if gap >= -settings.red_gap else SEVERE


def assess(projects: Sequence[Project], period: Period, settings: Settings) -> list[Assessed]:
    """Every project's rate, gap and status for the period, in order."""
    # in a city's roll-up two districts may both have a 城关镇: those are told apart
    districts: dict[str, set[str]] = {}
    for p in projects:
        districts.setdefault(p.unit or "", set()).add(str(p.district or ""))
    twins = {u for u, ds in districts.items() if len(ds) > 1}
    out = []
    for p in projects:
        unit = p.unit or ""
        if unit in twins and p.district:
            unit = f"{unit}（{p.district}）"
        out.append(_assess(p, unit, period, settings))
    return out


def _assess(p: Project, unit: str, period: Period, settings: Settings) -> Assessed:
    """Behind time progress, or not started after its planned start (always 严重滞后)."""
    plan, ytd = p.annual_plan, p.ytd_completed or Decimal(0)
    completion = rate(ytd, plan) if plan and plan > 0 else None
    gap = None if completion is None else (completion - period.time_progress) * 100
    status, reason = status_of(gap, settings), ""
    if status != NORMAL:
        reason = "投资完成进度落后于时间进度"
    planned = str(p.planned_start or "")
    overdue = planned[:1].isdigit() and len(planned) >= 7 and planned <= period.end
    if p.started is False and overdue:
        status, reason = SEVERE, f"计划{month_text(planned)}开工，至今未开工"
    low = completion is not None and completion * 100 < settings.low_rate
    return Assessed(p, unit, completion, gap, status, reason, low)


# --- the figures ----------------------------------------------------------------------------


def slice_figures(
    name: str,
    rows: Sequence[Assessed],
    period: Period,
    settings: Settings,
    start_base: int | None = None,
) -> dict[str, Any]:
    """Every figure of one slice of projects, from its sums. 开工率 is over `start_base` (a
    target count handed down) when given, else over the slice's projects, less its 前期 ones
    when `[start_rate] base = "不含前期"` (储备 projects cannot start this year)."""
    sums = totals(a.project for a in rows)
    completion = rate(sums["ytd_completed"], sums["annual_plan"])
    gap = None if completion is None else (completion - period.time_progress) * 100
    started, base = sums["started"], start_base
    if not start_base and settings.start_rate_base == EXCLUDING_PRELIMINARY:
        eligible = [a.project for a in rows if a.project.category != PRELIMINARY]
        started, base = sum(1 for p in eligible if p.started is True), len(eligible)
    elif not start_base:
        base = len(rows)
    return {
        "name": name,
        **sums,
        "start_base": base,
        "start_rate": rate(Decimal(started), base),
        "completion_rate": completion,
        "time_progress": period.time_progress,
        "gap": gap,
        "low": sum(1 for a in rows if a.low),
        "lagging": sum(1 for a in rows if a.status != NORMAL),
        "status": status_of(gap, settings),
    }


def level_tags(value: Any) -> list[str]:
    """'省重点、列入市考核' -> ['省级', '列入市考核']: each tag once, canonical where known;
    '省A' -> ['省级', '省A'] (a sub-list counted under its level and on its own)."""
    schema = load_schema()
    levels, sublists = schema.levels, schema.level_sublists
    tags = []
    for t in _TAG_SPLIT.split(str(value or "")):
        if t:
            tags.append(levels.get(t, t))
            if t in sublists:
                tags.append(t)
    return list(dict.fromkeys(tags))


def band_labels(bands: tuple[Decimal, ...]) -> list[str]:
    """[10, 5, 1] 亿元 -> '10亿元以上', '5-10亿元', '1-5亿元', '1亿元以下'."""
    return list(_band_labels(tuple(bands)))


@cache  # asked for every project
def _band_labels(bands: tuple[Decimal, ...]) -> tuple[str, ...]:
    inner = [f"{_n(low)}-{_n(high)}亿元" for high, low in itertools.pairwise(bands)]
    return (f"{_n(bands[0])}亿元以上", *inner, f"{_n(bands[-1])}亿元以下")


def band_of(total: Decimal | None, bands: tuple[Decimal, ...]) -> str:
    """The band of a total investment in 万元; a boundary belongs to the band above it."""
    if total is None:
        return "未填总投资"
    yi = total / Decimal(10000)
    labels = _band_labels(tuple(bands))
    return next((labels[i] for i, low in enumerate(bands) if yi >= low), labels[-1])


def _n(value: Decimal) -> str:
    return f"{value.normalize():f}"


def figures(
    rows: Sequence[Assessed],
    period: Period,
    settings: Settings,
    unreported: Iterable[str] = (),
) -> dict[str, Any]:
    """The period's figures for the whole and for every slice; pure: same rows, same figures.
    A unit in `unreported` (on the roster, no file this period) with no project is listed as
    未报送 with no figures, not as a unit of zeros."""
    schema = load_schema()
    absent = set(unreported)
    overall = slice_figures(
        settings.region or "全部", rows, period, settings, settings.start_target
    )
    by_unit = _ranked(
        [
            _unreported(s["name"]) if s["name"] in absent and not s["projects"] else s
            for s in _slices(
                rows,
                lambda a: [a.unit or BLANK],
                period,
                settings,
                [u.label for u in settings.roster],
                keep_empty=True,  # a unit on the roster with no project is still listed
            )
        ],
        settings,
    )
    return {
        "region": settings.region,
        "period": {
            "key": period.key,
            "year": period.year,
            "month": period.month,
            "span": period.span,
        },
        "time_progress": period.time_progress,
        "overall": overall,
        "by_unit": by_unit,
        "by_category": _slices(
            rows,
            lambda a: [a.project.category or BLANK],
            period,
            settings,
            schema.category_names,
        ),
        "by_level": _slices(
            rows, lambda a: level_tags(a.project.level), period, settings, schema.level_names
        ),
        "by_sector": _slices(rows, lambda a: [a.project.sector or BLANK], period, settings),
        "by_band": _slices(
            rows,
            lambda a: [band_of(a.project.total_investment, settings.bands)],
            period,
            settings,
            band_labels(settings.bands),
        ),
        "by_district": _slices(
            rows, lambda a: [a.project.district] if a.project.district else [], period, settings
        ),
        "lagging": [_lagging_row(a) for a in rows if a.status != NORMAL],
        "problems": [
            {"unit": a.unit, "name": a.project.name, "text": a.project.problems}
            for a in rows
            if _has_text(a.project.problems)
        ],
    }


def _unreported(name: str) -> dict[str, Any]:
    """A unit that sent nothing: named, with no figure (None, never 0)."""
    keys = (
        "projects",
        "started",
        *SUMMED,
        "start_base",
        "start_rate",
        "completion_rate",
        "time_progress",
    )
    return {
        "name": name,
        **dict.fromkeys(keys),
        "gap": None,
        "low": None,
        "lagging": None,
        "status": UNREPORTED,
    }


def _slices(
    rows: Sequence[Assessed],
    keys_of: Callable[[Assessed], Iterable[Any]],
    period: Period,
    settings: Settings,
    order: Iterable[str] = (),
    keep_empty: bool = False,
) -> list[dict[str, Any]]:
    """Group rows by the keys each row belongs to (a row may be in several: level tags)."""
    groups: dict[str, list[Assessed]] = {k: [] for k in order}
    for a in rows:
        for key in keys_of(a):
            groups.setdefault(str(key), []).append(a)
    return [slice_figures(k, g, period, settings) for k, g in groups.items() if g or keep_empty]


def _ranked(slices: list[dict[str, Any]], settings: Settings) -> list[dict[str, Any]]:
    """Rank by 完成率 as shown (rounded half up); equal rates share a rank (1, 2, 2, 4)."""
    return ranked_by(slices, "completion_rate", settings)


def ranked_by(
    rows: list[dict[str, Any]], rate_key: str, settings: Settings
) -> list[dict[str, Any]]:
    """`rows` ordered by `rate_key` as shown (rounded half up), each with its "rank"; equal
    rates share a rank (1, 2, 2, 4) and keep their order; rows with no rate come last, unranked."""

    def shown(s: dict[str, Any]) -> Decimal | None:
        r = s[rate_key]
        return None if r is None else half_up(r * 100, settings.rate_decimals)

    ordered = sorted(rows, key=lambda s: (shown(s) is None, -(shown(s) or 0)))  # stable
    out, previous, rank = [], object(), 0
    for i, s in enumerate(ordered, start=1):
        if shown(s) != previous:
            rank, previous = i, shown(s)
        out.append({**s, "rank": rank if shown(s) is not None else None})
    return out


def _lagging_row(a: Assessed) -> dict[str, Any]:
    p = a.project
    return {
        "unit": a.unit,
        "name": p.name,
        "leader": p.leader,
        "category": p.category,
        "total_investment": p.total_investment,
        "annual_plan": p.annual_plan,
        "ytd_completed": p.ytd_completed or Decimal(0),  # as the rate counted it
        "completion_rate": a.completion_rate,
        "gap": a.gap,
        "status": a.status,
        "reason": a.reason,
        "planned_start": p.planned_start,
        "problems": p.problems,
    }


def _has_text(value: Any) -> bool:
    return isinstance(value, str) and not is_empty(value, load_schema())


def to_json(value: Any) -> Any:
    """Figures as JSON: Decimals to numbers (money in 万元, rates as fractions)."""
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, Decimal):
        number = float(value)
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    return value
