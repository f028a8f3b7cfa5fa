"""考核 scores: each unit's points for a period, item by item, from rules in ledgerkit.toml.

An item is a name, a function from a unit's data for the period to a `Measure` (a rate, a
count, or no data) and the rule that turns it into points:

- a **rate item** (投资完成率, 开工率, 报送及时率, 节点按期率, 问题办结率) scores
  `weight × min(rate ÷ full_at, 1)`: 60 points at 100 % of the target, 45 at 75 %;
- a **count item** (新开工项目, 逾期报送, 未报送, 只报数据) scores `per × count`, capped at `max`
  points either way: +1 per project started, −2 per month reported late.

A rate item with no data for a unit (节点按期率 before the milestones ledger exists) is
**not scored**: that unit's rate points are scaled to the full weight of the rate items
(`no_data = "折算"`, the default: 80 of 80 points become 100), or the item is given full marks
(`no_data = "满分"`); either way the breakdown says so. A unit that did not report the
period's last month gets no points from its figures, never a rescaling.

Items are pluggable: `register_item(name, function, kind)` adds one (the milestones and
problems ledgers wire 节点按期率 and 问题办结率 this way). Every number is traceable: each
item's breakdown keeps the figures it came from (`inputs`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ledgerkit.fmt import half_up, wan
from ledgerkit.period import Period
from ledgerkit.settings import ScoreRule, Settings

RATE, COUNT = "rate", "count"
NO_DATA = "无数据"
RESCALE, FULL = "折算", "满分"


@dataclass(frozen=True)
class Measure:
    """What an item found for a unit: a rate (fraction) or a count, or None (无数据), with
    the figures it came from in words and a note."""

    value: Decimal | int | None
    inputs: str
    note: str = ""


@dataclass(frozen=True)
class UnitData:
    """What the items read of one unit for the period: its row of the period's figures, its
    reporting month by month, and the projects it started in the period."""

    name: str
    row: Mapping[str, Any]
    months: Sequence[tuple[str, str, bool | None]] = ()  # (month, 已报送/逾期/未报送, has text)
    new_starts: Sequence[str] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)  # for items wired later


ItemFn = Callable[[UnitData], Measure]
ITEMS: dict[str, tuple[str, ItemFn]] = {}


def register_item(name: str, fn: ItemFn, kind: str = RATE) -> None:
    """Make an item available to the rules in ledgerkit.toml (a later one replaces it)."""
    ITEMS[name] = (kind, fn)


def _money(v: Any) -> str:
    return f"{wan(v)}万元"


def investment_rate(u: UnitData) -> Measure:
    """The period's own investment against the unit's target for the period, else against the
    period's share of its projects' plans."""
    row, target = u.row, u.row.get("target")
    if row.get("own") is None:
        return Measure(None, "本期完成投资无法算出")
    if target and target.get("own_rate") is not None:
        due = target["period_target"]
        return Measure(target["own_rate"], f"本期完成{_money(row['own'])} ÷ 本期目标{_money(due)}")
    if row.get("own_rate") is None:
        return Measure(None, "没有年度计划投资")
    note = (
        "未下达目标，按项目年度计划之和" if not target else "目标中没有投资目标，按项目年度计划之和"
    )
    return Measure(
        row["own_rate"],
        f"本期完成{_money(row['own'])} ÷ 本期计划{_money(row['period_plan'])}",
        note,
    )


def start_rate(u: UnitData) -> Measure:
    """Projects started against the unit's 开工个数目标, else its 开工率."""
    row, target = u.row, u.row.get("target")
    if target and target.get("starts"):
        return Measure(
            target["start_rate"], f"已开工{row['started']}个 ÷ 开工目标{target['starts']}个"
        )
    if row.get("start_rate") is None:
        return Measure(None, "没有应开工的项目")
    return Measure(
        row["start_rate"],
        f"已开工{row['started']}个 ÷ {row['start_base']}个项目",
        "未下达开工目标，按开工率",
    )


def timely_rate(u: UnitData) -> Measure:
    """Months reported by the deadline over the period's months stored."""
    if not u.months:
        return Measure(None, "本期各月都没有汇总记录")
    on_time = sum(1 for _, status, _ in u.months if status == "已报送")
    return Measure(Decimal(on_time) / len(u.months), f"按时报送{on_time}个月 ÷ {len(u.months)}个月")


def _counter(status: str, what: str) -> ItemFn:
    def count(u: UnitData) -> Measure:
        months = [m for m, s, _ in u.months if s == status]
        return Measure(len(months), f"{what}：{_months(months)}" if months else f"没有{what}")

    return count


def data_only(u: UnitData) -> Measure:
    months = [m for m, s, text in u.months if s != "未报送" and text is False]
    return Measure(len(months), f"只报数据：{_months(months)}" if months else "每月都有文字分析")


def new_starts(u: UnitData) -> Measure:
    names = list(u.new_starts)
    return Measure(len(names), "、".join(names) if names else "本期没有新开工项目")


def node_rate(u: UnitData) -> Measure:
    """节点按期率: the unit's nodes done by their planned date over the nodes due by the end
    of the period (the 节点 sheets of its forms, and its ledgers' 计划开工/竣工 dates)."""
    end = u.extra.get("end_month")
    due = [n for n in u.extra.get("nodes", ()) if end and n.due_by(Period.parse(end))]
    if not due:
        return Measure(None, "本期没有到期的项目节点")
    on_time = sum(1 for n in due if n.on_time())
    return Measure(Decimal(on_time) / len(due), f"按期完成节点{on_time}个 ÷ 到期节点{len(due)}个")


def closure_rate(u: UnitData) -> Measure:
    """问题办结率: of the 交办问题 first reported this year that the unit answers for (as the
    problem's 责任单位 or the project's unit), the share 已办结 by the period's end."""
    from ledgerkit.problems import CLOSED

    items = list(u.extra.get("problems", ()))
    if not items:
        return Measure(None, "本年没有交办问题")
    closed = sum(1 for p in items if p.status == CLOSED)
    return Measure(Decimal(closed) / len(items), f"已办结{closed}个 ÷ 本年交办问题{len(items)}个")


def _months(keys: Sequence[str]) -> str:
    return "、".join(f"{int(k[5:7])}月" for k in keys)


register_item("投资完成率", investment_rate)
register_item("开工率", start_rate)
register_item("报送及时率", timely_rate)
register_item("节点按期率", node_rate)
register_item("问题办结率", closure_rate)
register_item("新开工项目", new_starts, COUNT)
register_item("逾期报送", _counter("逾期", "逾期报送"), COUNT)
register_item("未报送", _counter("未报送", "未报送"), COUNT)
register_item("只报数据", data_only, COUNT)


# --- the points --------------------------------------------------------------------------------


def score_units(units: Sequence[UnitData], settings: Settings) -> dict[str, Any]:
    """Every unit's breakdown, total and rank; the 英雄榜 (heroes) and 黑榜 (black)."""
    rules = settings.score_rules
    unknown = [r.item for r in rules if r.item not in ITEMS]
    table = [_score(u, rules, settings) for u in units]
    ranked = _rank(table)
    scored = [t for t in ranked if t["total"] is not None]
    # a board names at most half of the units scored: with three units, one hero, one black
    half = max(len(scored) // 2, 1)
    heroes = scored[: min(settings.score_heroes, half)]
    black = scored[len(scored) - min(settings.score_black, half) :] if settings.score_black else []
    black = [t for t in black if t not in heroes]
    lacking = list(
        dict.fromkeys(i["item"] for t in table for i in t["items"] if i["value"] is None)
    )
    how = "不计分，其余各项按权重折算到满分" if settings.score_no_data == RESCALE else "按满分计"
    return {
        "rules_name": settings.score_name,
        "no_data_text": f"{'、'.join(lacking)}暂无数据，{how}" if lacking else "",
        "no_data_rule": settings.score_no_data,
        "rules": [_rule_text(r) for r in rules],
        "unknown_items": unknown,
        "table": ranked,
        "heroes": [{"unit": t["unit"], "total": t["total"], "rank": t["rank"]} for t in heroes],
        "black": [{"unit": t["unit"], "total": t["total"], "rank": t["rank"]} for t in black],
    }


def _score(u: UnitData, rules: Sequence[ScoreRule], settings: Settings) -> dict[str, Any]:
    unreported = u.row.get("status") == "未报送"
    items, rate_points, rate_weight, weight_with_data = [], Decimal(0), Decimal(0), Decimal(0)
    extra = Decimal(0)
    for rule in rules:
        if rule.item not in ITEMS:
            continue
        kind, fn = ITEMS[rule.item]
        m = fn(u)
        note = m.note
        points: Decimal | None
        if kind == RATE:
            rate_weight += rule.weight
            if unreported:
                points, note = Decimal(0), "末月未报送，不得分"
                weight_with_data += rule.weight
            elif m.value is None:
                points = rule.weight if settings.score_no_data == FULL else None
                note = (
                    f"{NO_DATA}，按满分计"
                    if points is not None
                    else f"{NO_DATA}，不计分，其余各项按权重折算"
                )
                if points is not None:
                    weight_with_data += rule.weight
            else:
                ratio = Decimal(m.value) * 100 / rule.full_at
                points = rule.weight * min(ratio, Decimal(1))
                weight_with_data += rule.weight
            if points is not None:
                rate_points += points
        else:
            points = Decimal(rule.per or 0) * Decimal(m.value or 0) + 0  # + 0: never “-0”
            if rule.max is not None:
                points = max(min(points, abs(rule.max)), -abs(rule.max))
            extra += points
        items.append(
            {
                "item": rule.item,
                "kind": kind,
                "weight": rule.weight if kind == RATE else None,
                "per": rule.per if kind == COUNT else None,
                "value": m.value,
                "inputs": m.inputs,
                "points": None if points is None else half_up(points, 2),
                "note": note,
            }
        )
    factor = rate_weight / weight_with_data if weight_with_data else None
    base = None if factor is None else rate_points * factor
    total = None if base is None else half_up(base + extra, 2)
    return {
        "unit": u.name,
        "items": items,
        "rate_points": half_up(rate_points, 2),
        "factor": factor,
        "rescaled": None if base is None else half_up(base, 2),
        "extra": half_up(extra, 2),
        "total": total,
    }


def _rank(table: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ordered = sorted(table, key=lambda t: (t["total"] is None, -(t["total"] or 0)))
    out, previous, rank = [], object(), 0
    for i, t in enumerate(ordered, start=1):
        if t["total"] != previous:
            rank, previous = i, t["total"]
        out.append({**t, "rank": rank if t["total"] is not None else None})
    return out


def _rule_text(rule: ScoreRule) -> str:
    """One rule in words, for the bulletin, the workbook and --json."""
    kind, _ = ITEMS.get(rule.item, (RATE, None))
    if kind == RATE:
        full = f"{rule.full_at.normalize():f}%"
        return f"{rule.item}{rule.weight.normalize():f}分：达到{full}得满分，不足按比例计分"
    per = Decimal(rule.per or 0)
    verb = "加" if per >= 0 else "扣"
    cap = f"，最多{verb}{abs(rule.max).normalize():f}分" if rule.max is not None else ""
    return f"{rule.item}：每个（次）{verb}{abs(per).normalize():f}分{cap}"
