"""Units' responsibility targets (责任状): read from `[[targets]]` in ledgerkit.toml or from a
目标任务 workbook the clerk keeps, and each unit's completion against its target.

The workbook is found by its headers, whatever their order: 责任单位 (or 单位), 年度投资目标
(its money unit in the header, "（亿元）", else 万元), 开工个数目标 (or 开工目标), and optional
一季度 … 四季度 columns. A cell that cannot be read is a finding with its cell, never a 0.
A unit in the workbook and in ledgerkit.toml keeps the toml's entry (named in a finding).
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from ledgerkit.errors import LedgerkitError
from ledgerkit.issues import Issue, issue
from ledgerkit.period import MONTH, Period
from ledgerkit.schema import load_schema
from ledgerkit.settings import MONEY_FACTORS, Settings, Target
from ledgerkit.values import parse_money

UNIT_HEADERS = ("责任单位", "单位名称", "牵头单位", "单位")
INVESTMENT_HEADERS = ("年度投资目标", "投资目标", "年度目标投资", "目标投资")
STARTS_HEADERS = ("开工个数目标", "开工目标", "新开工目标", "开工个数")
QUARTER_HEADERS = ("一季度", "二季度", "三季度", "四季度")
_MONEY_IN_HEADER = re.compile(r"(亿元|万元)")


def load_targets(settings: Settings) -> tuple[Settings, tuple[Issue, ...]]:
    """The settings with the targets workbook's units added (when `targets_file` is set), and
    what reading it found. A workbook that cannot be read at all stops the run (the clerk
    asked for it by name)."""
    if not settings.targets_file:
        return settings, ()
    path = Path(settings.targets_file)
    if not path.is_absolute() and settings.workspace is not None:
        path = settings.workspace / path
    read, found = read_targets_book(path)
    in_toml = {settings.canonical_unit(t.unit) for t in settings.targets}
    added = []
    for t in read:
        if settings.canonical_unit(t.unit) in in_toml:
            found.append(issue("target-twice", path.name, unit=t.unit))
        else:
            added.append(t)
    return replace(settings, targets=(*settings.targets, *added)), tuple(found)


def read_targets_book(path: Path) -> tuple[list[Target], list[Issue]]:
    """Every unit's row of a 目标任务 workbook, its columns found by header."""
    from ledgerkit.read import read_book

    try:
        book = read_book(path)
    except LedgerkitError as exc:
        raise LedgerkitError(
            f"目标任务表“{path}”无法读取：{exc}。请检查 ledgerkit.toml 中 [assessment] targets_file"
        ) from exc
    for sheet in book.sheets:
        rows = [list(r) for r in sheet.rows]
        for r, row in enumerate(rows[:10]):
            columns = _columns(row)
            if "unit" in columns and ("investment" in columns or "starts" in columns):
                return _targets(path.name, sheet.name, rows, r, columns)
    raise LedgerkitError(
        f"目标任务表“{path}”里找不到表头：应有“责任单位”列和“年度投资目标（万元）”或“开工个数目标”列"
    )


def _columns(row: list[Any]) -> dict[str, tuple[int, Decimal]]:
    """Header text -> (column, money factor) for the columns a targets sheet may hold. A
    quarter column whose header names no unit is in the year's target's unit."""
    found: dict[str, tuple[int, Decimal | None]] = {}
    for c, cell in enumerate(row):
        text = re.sub(r"\s+", "", str(cell or ""))
        unit = _MONEY_IN_HEADER.search(text)
        factor = MONEY_FACTORS[unit.group(1)] if unit else None
        for key, words in (
            ("unit", UNIT_HEADERS),
            ("investment", INVESTMENT_HEADERS),
            ("starts", STARTS_HEADERS),
            *((f"q{i}", (w,)) for i, w in enumerate(QUARTER_HEADERS)),
        ):
            if key not in found and any(text.startswith(w) for w in words):
                found[key] = (c, factor)
                break
    year = found.get("investment", (0, None))[1] or Decimal(1)
    return {
        k: (c, f if f is not None else year if k.startswith("q") else Decimal(1))
        for k, (c, f) in found.items()
    }


def _targets(
    file: str, sheet: str, rows: list[list[Any]], header: int, cols: dict[str, tuple[int, Decimal]]
) -> tuple[list[Target], list[Issue]]:
    schema = load_schema()
    out, found = [], []
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

    def cell(row: list[Any], key: str) -> Any:
        c = cols[key][0]
        return row[c] if c < len(row) else None

    for r, row in enumerate(rows[header + 1 :], start=header + 2):
        unit = str(cell(row, "unit") or "").strip()
        if not unit or unit in ("合计", "总计"):
            continue
        values: dict[str, Any] = {}
        for key in ("investment", "starts", "q0", "q1", "q2", "q3"):
            if key not in cols:
                continue
            try:
                values[key] = parse_money(cell(row, key), cols[key][1], schema)
            except ValueError:
                where = f"{letters[cols[key][0]] if cols[key][0] < 26 else '?'}{r}"
                found.append(
                    issue("target-unreadable", file, sheet, where, unit=unit, text=cell(row, key))
                )
        quarters = tuple(values.get(f"q{i}") for i in range(4))
        out.append(
            Target(
                unit,
                values.get("investment"),
                None if values.get("starts") is None else int(values["starts"]),
                tuple(q for q in quarters if q is not None) if None not in quarters else (),
                f"{file} 第{r}行",
            )
        )
    return out, found


def period_target(target: Target, period: Period, share: Decimal) -> Decimal | None:
    """The investment a unit owes by the period: its own quarters' targets when it has them,
    else its year's target times the period's share (equal quarters by default)."""
    if period.kind == MONTH:
        return target.investment
    if target.quarters:
        return sum(target.quarters[period.first_month // 3 : period.month // 3], Decimal(0))
    return None if target.investment is None else target.investment * share


def target_figures(
    unit: str,
    settings: Settings,
    period: Period,
    cumulative: dict[str, Any],
    share: Decimal | None = None,
) -> dict[str, Any] | None:
    """A unit's completion against its targets beside the sum of its projects' plans; None
    when it has no target (the caller names those units)."""
    t = settings.target_of(unit)
    if t is None:
        return None
    ytd, started = cumulative["ytd_completed"], cumulative["started"]
    due = period_target(t, period, share) if share is not None else None
    return {
        "investment": t.investment,
        "starts": t.starts,
        "quarters": list(t.quarters),
        "source": t.source,
        "plan_sum": cumulative["annual_plan"],
        "completion_rate": None if not t.investment or ytd is None else ytd / t.investment,
        "start_rate": None if not t.starts or started is None else Decimal(started) / t.starts,
        "period_target": due,
    }


def without_target(units: list[str], settings: Settings) -> list[str]:
    """The units that have no target, when any unit has one (none set: no list)."""
    if not settings.targets:
        return []
    return [u for u in units if settings.target_of(u) is None]


def add_targets(figures: dict[str, Any], settings: Settings, period: Period) -> dict[str, Any]:
    """The month's figures with each unit's completion against its target (`target`, None for
    a unit without one) and the units without a target named (`without_target`)."""
    units = []
    for row in figures["by_unit"]:
        has = row["projects"] is not None
        units.append(
            {**row, "target": target_figures(row["name"], settings, period, row) if has else None}
        )
    names = [u["name"] for u in units]
    return {**figures, "by_unit": units, "without_target": without_target(names, settings)}


def targets_or_finding(settings: Settings) -> tuple[Settings, tuple[Issue, ...]]:
    """`load_targets` for a month's merge: a targets workbook that cannot be read is a finding
    of the run (the month is merged all the same), not the end of it."""
    try:
        return load_targets(settings)
    except LedgerkitError as exc:
        return settings, (issue("targets-file-unreadable", settings.targets_file, reason=str(exc)),)
