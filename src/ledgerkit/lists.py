"""The three lists (三个清单): 前期(储备), 新开工 and 续建(在建), and the 收尾(竣工) list, each
judged by its own figure — "前期项目抓开工、新建项目抓投资、续建项目抓进度、收尾项目抓投产".

Every project is on exactly one list, by its category; a project with no category (or one
ledgerkit does not know) goes on a list of its own, so the lists' totals always add up to the
whole. Pure: assessed rows in, lists out; `write_lists` (in `lists_xlsx`) writes them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ledgerkit.metrics import NORMAL, Assessed, rate, totals
from ledgerkit.period import Period
from ledgerkit.rates import is_finished


@dataclass(frozen=True)
class ListSpec:
    key: str
    title: str
    category: str | None  # None: every project no other list takes
    judged_by: str  # the figure the list is judged by, in words


LISTS = (
    ListSpec("preliminary", "前期（储备）项目清单", "前期", "抓开工：应开工项目中已开工的比例"),
    ListSpec("new", "新开工项目清单", "新建", "抓投资：完成投资占年度计划的比例"),
    ListSpec("continuing", "续建（在建）项目清单", "续建", "抓进度：完成率与时间进度相比"),
    ListSpec("finishing", "收尾（竣工）项目清单", "竣工", "抓投产：已竣工项目中投产的比例"),
    ListSpec("other", "未分类项目", None, "台账没有填写或无法识别项目类别，请核实后归入上面的清单"),
)
NOT_DUE, OVERDUE, STARTED, NO_DATE = "未到计划开工时间", "逾期未开工", "已开工", "未填计划开工时间"


def start_state(a: Assessed, period: Period) -> str:
    """Where a project stands against its planned start."""
    p = a.project
    if p.started:
        return STARTED
    planned = str(p.planned_start or "")
    if not (planned[:1].isdigit() and len(planned) >= 7):
        return NO_DATE
    return OVERDUE if planned[:10] <= period.end else NOT_DUE


def three_lists(rows: Sequence[Assessed], period: Period) -> dict[str, Any]:
    """Each list's projects, totals and judged figure; the whole; and whether they add up."""
    known = {s.category for s in LISTS if s.category}
    out = []
    for spec in LISTS:
        mine = [
            a
            for a in rows
            if a.project.category == spec.category
            or (spec.category is None and a.project.category not in known)
        ]
        if spec.category is None and not mine:
            continue
        out.append(_one(spec, mine, period))
    whole = _sums([a for a in rows])
    added = {k: sum((lst["totals"][k] for lst in out), Decimal(0)) for k in _ADDED}
    return {
        "period": period.key,
        "time_progress": period.time_progress,
        "lists": out,
        "whole": whole,
        "adds_up": all(added[k] == whole[k] for k in _ADDED),
    }


_ADDED = ("projects", "total_investment", "annual_plan", "ytd_completed")


def _sums(rows: Sequence[Assessed]) -> dict[str, Any]:
    sums = totals(a.project for a in rows)
    return {**sums, "completion_rate": rate(sums["ytd_completed"], sums["annual_plan"])}


def _one(spec: ListSpec, rows: Sequence[Assessed], period: Period) -> dict[str, Any]:
    judge: dict[str, Callable[[Sequence[Assessed], Period], dict[str, Any]]] = {
        "preliminary": _starts,
        "new": _investment,
        "continuing": _progress,
        "finishing": _production,
        "other": lambda r, p: {},
    }
    return {
        "key": spec.key,
        "title": spec.title,
        "judged_by": spec.judged_by,
        "totals": {**_sums(rows), **judge[spec.key](rows, period)},
        "projects": [_row(a, period) for a in rows],
    }


def _starts(rows: Sequence[Assessed], period: Period) -> dict[str, Any]:
    states = [start_state(a, period) for a in rows]
    due = sum(1 for s in states if s in (STARTED, OVERDUE))
    done = states.count(STARTED)
    return {
        "due": due,
        "done": done,
        "overdue": states.count(OVERDUE),
        "judged": rate(Decimal(done), due),  # 已开工 ÷ 应开工 (started, or past its date)
    }


def _investment(rows: Sequence[Assessed], period: Period) -> dict[str, Any]:
    sums = _sums(rows)
    return {"judged": sums["completion_rate"], "lagging": _lagging(rows)}


def _progress(rows: Sequence[Assessed], period: Period) -> dict[str, Any]:
    rate_ = _sums(rows)["completion_rate"]
    gap = None if rate_ is None else (rate_ - period.time_progress) * 100
    return {"judged": gap, "lagging": _lagging(rows)}


def _production(rows: Sequence[Assessed], period: Period) -> dict[str, Any]:
    said = [a for a in rows if a.project.in_production is not None]
    finished = [a for a in rows if is_finished(a.project, period)]
    done = sum(1 for a in finished if a.project.in_production)
    return {
        "finished": len(finished),
        "done": done,
        # None, never 0 %, when no ledger says 是否投产
        "judged": rate(Decimal(done), len(finished)) if said else None,
    }


def _lagging(rows: Sequence[Assessed]) -> int:
    return sum(1 for a in rows if a.status != NORMAL)


def _row(a: Assessed, period: Period) -> dict[str, Any]:
    p = a.project
    return {
        "unit": a.unit,
        "name": p.name,
        "category": p.category,
        "total_investment": p.total_investment,
        "annual_plan": p.annual_plan,
        "ytd_completed": p.ytd_completed,
        "completion_rate": a.completion_rate,
        "gap": a.gap,
        "status": a.status,
        "started": p.started,
        "planned_start": p.planned_start,
        "start_state": start_state(a, period),
        "planned_finish": p.planned_finish,
        "finished": is_finished(p, period),
        "in_production": p.in_production,
        "source": _where(p.origin or p.source),
    }


def _where(src: Any) -> str:
    return f"{src.file} {src.sheet}!{src.row}" if src.row else f"{src.file} {src.sheet}".strip()
