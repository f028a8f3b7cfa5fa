"""Figures of a quarter, a half or a year, from the months kept in the history store.

A month's ledger holds cumulative figures (1-M月). A period's own investment is therefore a
difference of two stored months, project by project: Q2 = June's cumulative − March's, H1 =
June's, the year = December's (or the last month stored, said so). Only projects present in
both months are differenced; a project that appears after the base month or is gone by the end
month is named with its figures, never counted as a zero. The period's own completion is set
against the period's share of the annual plan: equal quarters unless `[assessment]
quarter_shares` (or a unit's own per-quarter targets) say otherwise. Cumulative figures are
compared with 时间进度 = end month / 12 as every month is.

Pure: the months come in as `Kept` lists; the pipeline reads them from the store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ledgerkit.fmt import half_up
from ledgerkit.metrics import assess, ranked_by, rate, slice_figures, status_of
from ledgerkit.period import MONTH, Period
from ledgerkit.settings import Settings
from ledgerkit.store import Kept
from ledgerkit.targets import target_figures

ZERO = Decimal(0)


@dataclass(frozen=True)
class PeriodMonths:
    """The stored months a period needs: its end month (the cumulative figures), its base
    month (the cumulative subtracted: March for Q2; None when the period starts in January)
    and the period's other months that are not stored (named, not needed for the figures)."""

    period: Period
    end: Period | None
    base: Period | None
    missing: tuple[str, ...]  # months of the period (and its base) not in the store
    notes: tuple[str, ...]


def months_needed(period: Period, stored: Sequence[str]) -> PeriodMonths:
    """Which stored months a period is worked out from, and which of its months are missing.
    A year whose December is not stored is worked out to the last month stored, and says so."""
    have = set(stored)
    end: Period | None = Period(period.year, period.month)
    notes: list[str] = []
    if end is not None and end.key not in have and period.kind != MONTH:
        if period.kind == "year":
            last = [Period.parse(k) for k in stored if k[:4] == str(period.year) and len(k) == 7]
            end = max(last, key=lambda p: p.month) if last else None
            if end is not None:
                notes.append(
                    f"{period.year}年12月尚未汇总，全年数据按已汇总的最后一个月"
                    f"（{end.month}月，1-{end.month}月累计）计算"
                )
        else:
            end = None
    base = Period(period.year, period.first_month - 1) if period.first_month > 1 else None
    wanted = [Period(period.year, m) for m in range(period.first_month, period.month + 1)]
    if base is not None:
        wanted.insert(0, base)
    missing = tuple(p.key for p in wanted if p.key not in have)
    return PeriodMonths(period, end, base, missing, tuple(notes))


def period_figures(
    period: Period,
    months: PeriodMonths,
    end: Sequence[Kept],
    base: Sequence[Kept] | None,
    settings: Settings,
) -> dict[str, Any]:
    """The period's figures: the whole and each unit (ranked by the period's own completion),
    each project's own investment, the projects that appeared or went, and what is missing."""
    assert months.end is not None
    last = months.end
    assessed = assess([k.project for k in end], last, settings)
    unit_of = {id(a.project): a.unit or "未填" for a in assessed}
    before = {k.key: k for k in base} if base is not None else None
    rows, appeared = _own_rows(end, before, unit_of)
    differenced = months.base is not None  # a base month missing leaves every own blank
    if differenced and before is None:
        rows = [{**r, "own": None} for r in rows]
    disappeared = _gone(end, before)
    share = period_share(period, settings.quarter_shares)
    by_unit: dict[str, list[Any]] = {}
    for a in assessed:
        by_unit.setdefault(unit_of[id(a.project)], []).append(a)
    roster = [u.label for u in settings.roster]
    names = list(dict.fromkeys([*roster, *by_unit, *(g["unit"] for g in disappeared)]))
    units = [
        _unit_row(n, by_unit.get(n, []), rows, period, last, share, settings, differenced)
        for n in names
    ]
    overall = _unit_row(
        settings.region or "全部",
        list(assessed),
        rows,
        period,
        last,
        share,
        settings,
        differenced,
        whole=True,
    )
    return {
        "region": settings.region,
        "kind": period.kind,
        "period": {
            "key": period.key,
            "year": period.year,
            "month": last.month,
            "first_month": period.first_month,
            "span": last.span,
            "text": period.text,
        },
        "end_month": last.key,
        "base_month": months.base.key if months.base else None,
        "time_progress": last.time_progress,
        "share": share,
        "share_rule": share_rule(period, settings),
        "overall": overall,
        "by_unit": _ranked(units, settings),
        "projects": rows,
        "appeared": appeared,
        "disappeared": disappeared,
        "missing_months": list(months.missing),
        "notes": list(months.notes) + _base_note(months, before is not None),
    }


def period_share(period: Period, shares: Sequence[Decimal]) -> Decimal:
    """The period's share of the year's plan: a quarter's own share, a half's two, a month's
    cumulative M/12 is not used here (a month has no own plan)."""
    quarters = range(period.first_month // 3, period.month // 3)  # 0-based quarter indexes
    total = sum((shares[q] for q in quarters), ZERO)
    whole = sum(shares, ZERO)
    return total / whole if whole else ZERO


def share_rule(period: Period, settings: Settings) -> str:
    """How the period's share of the plan was set, for the bulletin and --json."""
    if period.kind == "year":
        return "全年计划"
    equal = len(set(settings.quarter_shares)) == 1
    how = (
        "按四个季度平均分配" if equal else "按 ledgerkit.toml 中 [assessment] quarter_shares 的比例"
    )
    share = half_up(period_share(period, settings.quarter_shares) * 100, settings.rate_decimals)
    return f"本期计划为年度计划投资的{share.normalize():f}%（{how}）"


def _own_rows(
    end: Sequence[Kept], before: Mapping[str, Kept] | None, unit_of: Mapping[int, str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Each project's own investment in the period, and the projects not in the base month."""
    rows, appeared = [], []
    for k in end:
        p = k.project
        ytd = p.ytd_completed or ZERO
        row = {
            "key": k.key,
            "unit": unit_of[id(p)],
            "name": p.name,
            "category": p.category,
            "annual_plan": p.annual_plan,
            "ytd_completed": ytd,
            "base_ytd": None,
            "own": ytd if before is None else None,
        }
        if before is not None:
            if k.key in before:
                base_ytd = before[k.key].project.ytd_completed or ZERO
                row.update(base_ytd=base_ytd, own=ytd - base_ytd)
            else:
                appeared.append(row)
        rows.append(row)
    return rows, appeared


def _gone(end: Sequence[Kept], before: Mapping[str, Kept] | None) -> list[dict[str, Any]]:
    if before is None:
        return []
    now = {k.key for k in end}
    return [
        {
            "key": key,
            "unit": k.project.unit or "未填",
            "name": k.project.name,
            "base_ytd": k.project.ytd_completed,
        }
        for key, k in before.items()
        if key not in now
    ]


def _unit_row(
    name: str,
    assessed: list[Any],
    rows: list[dict[str, Any]],
    period: Period,
    last: Period,
    share: Decimal,
    settings: Settings,
    differenced: bool,
    whole: bool = False,
) -> dict[str, Any]:
    """A unit's (or the whole's) cumulative figures at the end month and its own in the period."""
    mine = [r for r in rows if whole or r["unit"] == name]
    cumulative = slice_figures(
        name, assessed, last, settings, settings.start_target if whole else None
    )
    counted = [r for r in mine if r["own"] is not None]
    own = sum((r["own"] for r in counted), ZERO) if counted or not differenced else None
    plan = cumulative["annual_plan"]
    target = None if whole else target_figures(name, settings, period, cumulative, share)
    period_plan = plan * share if plan else None
    own_rate = rate(own, period_plan) if own is not None else None
    if target is not None:
        due = target["period_target"]
        target["own_rate"] = rate(own, due) if own is not None and due else None
    row = {
        **cumulative,
        "own": own,
        "period_plan": period_plan,
        "own_rate": own_rate,
        "own_gap": None if own_rate is None else (own_rate - 1) * 100,
        "not_in_base": sum(1 for r in mine if differenced and r["base_ytd"] is None),
        "target": target,
    }
    if not whole and not assessed:
        row["status"] = "未报送"
    elif row["gap"] is not None:
        row["status"] = status_of(row["gap"], settings)
    return row


def _ranked(units: list[dict[str, Any]], settings: Settings) -> list[dict[str, Any]]:
    """Rank by the period's own completion as shown (a quarter: its own investment against its
    share of the plan; a half or a year: the cumulative rate); equal rates share a rank."""
    return ranked_by(units, "own_rate", settings)


def _base_note(months: PeriodMonths, differenced: bool) -> list[str]:
    if months.base is None or differenced:
        return []
    return [
        f"{months.base.year}年{months.base.month}月没有汇总记录，无法算出本期自身完成的投资"
        f"（{months.period.text}完成 = {months.end.month if months.end else '?'}月累计 − "
        f"{months.base.month}月累计），只列累计数"
    ]
