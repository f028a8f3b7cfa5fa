"""Metrics stage: the month's figures, one definition used by every table, bulletin and --json.

Rates are always computed from the sums of a slice, never averaged; money stays in exact
万元 Decimals; differences of rates are in 个百分点. Rounding for people (四舍五入) happens
only where figures are shown, never here.
"""

from __future__ import annotations

import calendar
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

from ledgerkit.schema import load_schema
from ledgerkit.settings import Settings

if TYPE_CHECKING:
    from ledgerkit.merge import Projects

MONEY = ("total_investment", "annual_plan", "ytd_completed")
NORMAL, LAGGING, SEVERE = "正常", "滞后", "严重滞后"
CATEGORY_ORDER = ("续建", "新建", "前期", "竣工")
LEVEL_ORDER = ("省级", "市级", "区级")
BLANK = "未填"
_TAG_SPLIT = re.compile(r"[、,，;；/／\s]+")


@dataclass(frozen=True)
class Period:
    """1-M月 of a year."""

    year: int
    month: int

    @classmethod
    def parse(cls, key: str) -> Period:
        year, month = key.split("-")
        return cls(int(year), int(month))

    @property
    def key(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def span(self) -> str:
        """'1-4月' (or '1月')."""
        return "1月" if self.month == 1 else f"1-{self.month}月"

    @cached_property  # asked for every project: worked out once (a frozen dataclass allows it)
    def end(self) -> str:
        """The last day of the period, ISO: '2024-04-30'."""
        return f"{self.key}-{calendar.monthrange(self.year, self.month)[1]:02d}"

    @cached_property
    def time_progress(self) -> Decimal:
        """时间进度 = M / 12."""
        return Decimal(self.month) / Decimal(12)


def totals(frame: Projects) -> dict[str, Any]:
    """Projects, started, and the money sums of a set of project rows (exact Decimals)."""
    return row_totals(frame.records)


def row_totals(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """`totals` of project rows as dicts (the history store's rows, a slice's rows)."""
    started = 0
    total = plan = ytd = Decimal(0)  # the MONEY sums, in one pass over the rows
    for r in rows:
        started += r.get("started") is True
        if (v := r.get("total_investment")) is not None:
            total += v
        if (v := r.get("annual_plan")) is not None:
            plan += v
        if (v := r.get("ytd_completed")) is not None:
            ytd += v
    return {
        "projects": len(rows),
        "started": started,
        "total_investment": total,
        "annual_plan": plan,
        "ytd_completed": ytd,
    }


def breakdown(frame: Projects, by: str) -> dict[str, dict[str, Any]]:
    """`totals` for each value of a column, in order of first appearance; blanks as '未填'."""
    groups: dict[Any, list[dict[str, Any]]] = {}
    for r in frame.records:
        v = r.get(by)
        groups.setdefault(v if v not in (None, "") else BLANK, []).append(r)
    return {str(k): row_totals(rows) for k, rows in groups.items()}


# --- the figures ----------------------------------------------------------------------------


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


def slice_figures(
    name: str,
    rows: list[dict[str, Any]],
    period: Period,
    settings: Settings,
    start_base: int | None = None,
) -> dict[str, Any]:
    """Every figure of one slice of projects, from its sums."""
    sums = row_totals(rows)
    completion = rate(sums["ytd_completed"], sums["annual_plan"])
    gap = None if completion is None else (completion - period.time_progress) * 100
    return {
        "name": name,
        **sums,
        "start_rate": rate(Decimal(sums["started"]), start_base or len(rows)),
        "completion_rate": completion,
        "time_progress": period.time_progress,
        "gap": gap,
        "low": sum(1 for r in rows if r["low"]),
        "lagging": sum(1 for r in rows if r["status"] != NORMAL),
        "status": status_of(gap, settings),
    }


def project_status(p: dict[str, Any], period: Period, settings: Settings) -> dict[str, Any]:
    """A project's rate, gap, status and why: behind time progress, or not started after its
    planned start (always 严重滞后)."""
    plan, ytd = p.get("annual_plan"), p.get("ytd_completed") or Decimal(0)
    completion = rate(ytd, plan) if plan and plan > 0 else None
    gap = None if completion is None else (completion - period.time_progress) * 100
    status, reason = status_of(gap, settings), ""
    if status != NORMAL:
        reason = "投资完成进度落后于时间进度"
    planned = str(p.get("planned_start") or "")
    overdue = planned[:1].isdigit() and len(planned) >= 7 and planned <= period.end
    if p.get("started") is False and overdue:
        status, reason = SEVERE, f"计划{_month_text(planned)}开工，至今未开工"
    low = completion is not None and completion * 100 < settings.low_rate
    return {
        "completion_rate": completion,
        "gap": gap,
        "status": status,
        "reason": reason,
        "low": low,
    }


def _month_text(iso: str) -> str:
    parts = iso.split("-")
    return f"{parts[0]}年{int(parts[1])}月" if len(parts) > 1 else f"{parts[0]}年"


def level_tags(value: Any) -> list[str]:
    """'省重点、列入市考核' -> ['省级', '列入市考核']: each tag once, canonical where known."""
    levels = load_schema().levels
    tags = [levels.get(t, t) for t in _TAG_SPLIT.split(str(value or "")) if t]
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


def figures(frame: Projects, period: Period, settings: Settings) -> dict[str, Any]:
    """The month's figures for the whole and for every slice; pure: same rows, same figures."""
    rows = _rows_with_status(frame, period, settings)
    overall = slice_figures(
        settings.region or "全部", rows, period, settings, settings.start_target
    )
    by_unit = _ranked(
        _slices(
            rows,
            lambda r: [r["unit"] or BLANK],
            period,
            settings,
            [u.label for u in settings.roster],
            keep_empty=True,  # a unit on the roster with no project is still listed
        ),
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
            rows, lambda r: [r.get("category") or BLANK], period, settings, CATEGORY_ORDER
        ),
        "by_level": _slices(
            rows, lambda r: level_tags(r.get("level")), period, settings, LEVEL_ORDER
        ),
        "by_sector": _slices(rows, lambda r: [r.get("sector") or BLANK], period, settings),
        "by_band": _slices(
            rows,
            lambda r: [band_of(r.get("total_investment"), settings.bands)],
            period,
            settings,
            band_labels(settings.bands),
        ),
        "by_district": _slices(
            rows, lambda r: [r["district"]] if r.get("district") else [], period, settings
        ),
        "lagging": [_lagging_row(r) for r in rows if r["status"] != NORMAL],
        "problems": [
            {"unit": r["unit"], "name": r.get("name"), "text": r["problems"]}
            for r in rows
            if _has_text(r.get("problems"))
        ],
    }


# what the slices, the lagging list and the problems read of a project: a row of figures
# holds these and the project's status, not a copy of every column of every project
_ROW_FIELDS = (
    "unit",
    "name",
    "leader",
    "category",
    "level",
    "sector",
    "district",
    *MONEY,
    "started",
    "planned_start",
    "problems",
)


def _rows_with_status(frame: Projects, period: Period, settings: Settings) -> list[dict]:
    records = frame.records
    # in a city's roll-up two districts may both have a 城关镇: those are told apart
    districts: dict[str, set[str]] = {}
    for p in records:
        districts.setdefault(str(p.get("unit") or ""), set()).add(str(p.get("district") or ""))
    rows = []
    canonical: dict[str, str] = {}  # a few hundred units for tens of thousands of rows
    for p in records:
        written = str(p.get("unit") or "")
        if written not in canonical:
            canonical[written] = settings.canonical_unit(written)
        unit = canonical[written]
        if len(districts.get(written, ())) > 1 and p.get("district"):
            unit = f"{unit}（{p['district']}）"
        row = dict(zip(_ROW_FIELDS, map(p.get, _ROW_FIELDS), strict=True))
        row.update(project_status(p, period, settings), unit=unit)
        rows.append(row)
    return rows


def _slices(
    rows: list[dict[str, Any]],
    keys_of: Any,
    period: Period,
    settings: Settings,
    order: Iterable[str] = (),
    keep_empty: bool = False,
) -> list[dict[str, Any]]:
    """Group rows by the keys each row belongs to (a row may be in several: level tags)."""
    groups: dict[str, list[dict[str, Any]]] = {k: [] for k in order}
    for r in rows:
        for key in keys_of(r):
            groups.setdefault(str(key), []).append(r)
    return [slice_figures(k, g, period, settings) for k, g in groups.items() if g or keep_empty]


def _ranked(slices: list[dict[str, Any]], settings: Settings) -> list[dict[str, Any]]:
    """Rank by 完成率 as shown (rounded half up); equal rates share a rank (1, 2, 2, 4)."""
    from ledgerkit.fmt import half_up

    def shown(s: dict[str, Any]) -> Decimal | None:
        r = s["completion_rate"]
        return None if r is None else half_up(r * 100, settings.rate_decimals)

    ordered = sorted(slices, key=lambda s: (shown(s) is None, -(shown(s) or 0)))
    out, previous, rank = [], object(), 0
    for i, s in enumerate(ordered, start=1):
        if shown(s) != previous:
            rank, previous = i, shown(s)
        out.append({**s, "rank": rank if shown(s) is not None else None})
    position = {s["name"]: n for n, s in enumerate(slices)}
    return sorted(out, key=lambda s: (s["rank"] is None, s["rank"] or 0, position[s["name"]]))


def _lagging_row(r: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "unit",
        "name",
        "leader",
        "category",
        "total_investment",
        "annual_plan",
        "ytd_completed",
        "completion_rate",
        "gap",
        "status",
        "reason",
        "planned_start",
        "problems",
    )
    row = {k: r.get(k) for k in keys}
    row["ytd_completed"] = r.get("ytd_completed") or Decimal(0)  # as the rate counted it
    return row


def _has_text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() not in ("", "无", "暂无", "/", "—")


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
