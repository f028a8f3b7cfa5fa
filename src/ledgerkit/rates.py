"""The honest rates (issue 16): 竣工率, 投产率 and 复工率 over the projects that should have
reached that stage, the investment bands with their share of the whole and their 同比, and the
share of the region's fixed-asset investment plan.

A rate is worked out only when the ledgers carry its column (是否竣工 / 实际竣工时间, 是否投产,
是否停工 / 是否复工); without one it is None, said "无数据", never 0%. Pure: rows in, figures out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from ledgerkit.metrics import Assessed, band_labels, band_of, rate
from ledgerkit.period import Period
from ledgerkit.project import Project
from ledgerkit.settings import Settings

FINISHED_CATEGORY = "竣工"  # 竣工 / 收尾 projects are due to finish this year


def _due_by(value: Any, period: Period) -> bool:
    """A date text ('2024-05', '2024-05-31') on or before the period's end."""
    text = str(value or "")
    return text[:1].isdigit() and len(text) >= 7 and text[:10] <= period.end


def is_finished(p: Project, period: Period) -> bool | None:
    """是否竣工 as stated, else an actual finish date by the period's end; None: not said."""
    if p.finished is not None:
        return p.finished
    if p.actual_finish is not None:
        return _due_by(p.actual_finish, period)
    return None


def stage_rates(projects: Sequence[Project], period: Period) -> dict[str, Any]:
    """竣工率: finished ÷ the projects due to finish by the period's end (planned finish passed,
    or on the 竣工/收尾 list, or finished early). 投产率: in production ÷ the finished ones.
    复工率: resumed ÷ the projects that stopped (or whose 复工 is stated). Each is None when no
    ledger has the column; `due` and `done` say what it was counted from."""
    finished = {id(p): is_finished(p, period) for p in projects}
    out: dict[str, Any] = {"finish": None, "production": None, "resume": None}
    if any(v is not None for v in finished.values()):
        due = [
            p
            for p in projects
            if _due_by(p.planned_finish, period)
            or p.category == FINISHED_CATEGORY
            or finished[id(p)]
        ]
        out["finish"] = _counted(
            due, lambda p: finished[id(p)] is True, "计划竣工时间已到或列入竣工（收尾）的项目"
        )
    if any(p.in_production is not None for p in projects):
        done = [p for p in projects if finished[id(p)] or p.in_production]
        out["production"] = _counted(done, lambda p: p.in_production is True, "已竣工的项目")
    if any(p.resumed is not None for p in projects):
        stopped = [p for p in projects if p.stopped or p.resumed is not None]
        out["resume"] = _counted(
            stopped, lambda p: p.resumed is True and not p.stopped, "停工或应复工的项目"
        )
    return out


def _counted(due: list[Project], done: Any, basis: str) -> dict[str, Any]:
    n = sum(1 for p in due if done(p))
    return {"done": n, "due": len(due), "rate": rate(Decimal(n), len(due)), "basis": basis}


def band_summary(
    projects: Sequence[Project],
    settings: Settings,
    last_year: Sequence[Project] | None = None,
    by_band: Sequence[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Each band's projects, total investment and share of the whole's total, with the change of
    its count against the same month of last year when that month is stored; and the 亿元以上
    line (every band from the smallest boundary up). `by_band`, the month's figures by band
    when the caller has them, saves banding every project a second time."""
    labels = band_labels(settings.bands)
    whole = sum((p.total_investment or Decimal(0) for p in projects), Decimal(0))
    before = _counts(last_year, settings) if last_year is not None else None
    counts: dict[str, int] = {}
    sums: dict[str, Decimal] = {}
    if by_band is not None:
        counts = {b["name"]: b["projects"] for b in by_band}
        sums = {b["name"]: b["total_investment"] for b in by_band}
    for p in projects if by_band is None else ():  # one pass: a band per project
        label = band_of(p.total_investment, settings.bands)
        counts[label] = counts.get(label, 0) + 1
        sums[label] = sums.get(label, Decimal(0)) + (p.total_investment or Decimal(0))
    bands: list[dict[str, Any]] = []
    for label in labels:
        total = sums.get(label, Decimal(0))
        bands.append(
            {
                "name": label,
                "projects": counts.get(label, 0),
                "total_investment": total,
                "share": rate(total, whole),
                "last_year": None if before is None else before.get(label, 0),
                "change": None if before is None else counts.get(label, 0) - before.get(label, 0),
            }
        )
    above = bands[:-1]  # every band but the one under the smallest boundary
    over = sum((b["total_investment"] for b in above), Decimal(0))
    return {
        "bands": bands,
        "above": {
            "name": f"{labels[-1].removesuffix('以下')}以上",
            "projects": sum(b["projects"] for b in above),
            "total_investment": over,
            "share": rate(over, whole),
        },
        "unfilled": sum(1 for p in projects if p.total_investment is None),  # no band
        "compared_with": None if before is None else "去年同期",
    }


def _counts(projects: Iterable[Project], settings: Settings) -> dict[str, int]:
    counts: dict[str, int] = {}
    for p in projects:
        label = band_of(p.total_investment, settings.bands)
        counts[label] = counts.get(label, 0) + 1
    return counts


def fixed_asset_share(overall: dict[str, Any], settings: Settings) -> dict[str, Any] | None:
    """The key projects' annual plan against the region's fixed-asset investment plan (seeds/000:
    “占全区计划固定资产投资规模的60%”); None when `[fixed_asset] plan` is not set."""
    plan = settings.fixed_asset_plan
    if not plan:
        return None
    return {
        "plan": plan,
        "annual_plan": overall["annual_plan"],
        "share": rate(overall["annual_plan"], plan),
        "ytd_share": rate(overall["ytd_completed"], plan),
    }


def honest_rates(
    rows: Sequence[Assessed],
    period: Period,
    settings: Settings,
    month: dict[str, Any],
    last_year: Sequence[Project] | None = None,
) -> dict[str, Any]:
    """The figures this module adds to a month's (`month`, from metrics.figures): `stages`,
    `bands`, `fixed_asset`, `start_rule`."""
    projects = [a.project for a in rows]
    return {
        "stages": stage_rates(projects, period),
        "bands": band_summary(projects, settings, last_year, month["by_band"]),
        "fixed_asset": fixed_asset_share(month["overall"], settings),
        "start_rule": start_rule(settings),
    }


def start_rule(settings: Settings) -> str:
    """What 开工率 is divided by, said in the bulletin beside it."""
    if settings.start_target:
        return f"按下达的开工目标{settings.start_target}个计算"
    if settings.start_rate_base == "不含前期":
        return "按全部项目扣除前期（储备）项目计算"
    return "按全部项目个数计算"
