"""Validate stage: findings about one unit's table and across all units' tables."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from ledgerkit.fmt import amount, more_less, percent
from ledgerkit.issues import Issue, issue
from ledgerkit.normalise import SheetLedger
from ledgerkit.project import Project, name_key
from ledgerkit.schema import load_schema
from ledgerkit.values import PLAUSIBLE_MONEY


def check_sheet(ledger: SheetLedger) -> tuple[Issue, ...]:
    """Every per-project and per-file check on one unit's table."""
    found: list[Issue] = []
    for project in ledger.projects:
        found.extend(check_project(ledger, project))
    found.extend(check_stated_total(ledger))
    found.extend(check_text_analysis(ledger))
    money = load_schema().money_fields()
    if not any(c.field in money for c in ledger.columns):
        found.append(issue("no-money-columns", ledger.file, ledger.sheet))
    return tuple(found)


def check_project(ledger: SheetLedger, p: Project) -> list[Issue]:
    """Money that cannot be right (negative, more completed than the whole project) and money
    that is probably wrong (plan over total, completed over plan, money without a start)."""
    row = p.source.row

    def at(code: str, key: str, **values: Any) -> Issue:
        return issue(code, ledger.file, ledger.sheet, f"{ledger.letter_of(key)}{row}", **values)

    found = []
    schema = load_schema()
    for key in schema.money_fields():
        value = getattr(p, key)
        if value is not None and value < 0:
            found.append(
                at("negative-money", key, field=schema.fields[key].label, value=amount(value))
            )
        if value is not None and value > PLAUSIBLE_MONEY:
            label = schema.fields[key].label
            limit = amount(PLAUSIBLE_MONEY)
            found.append(
                at("implausible-money", key, field=label, value=amount(value), limit=limit)
            )
    total, plan, ytd = p.total_investment, p.annual_plan, p.ytd_completed
    if total is not None and ytd is not None and ytd > total > 0:
        found.append(
            at("completed-over-total", "ytd_completed", ytd=amount(ytd), total=amount(total))
        )
    if total is not None and plan is not None and plan > total > 0:
        found.append(at("plan-over-total", "annual_plan", plan=amount(plan), total=amount(total)))
    if plan and ytd is not None and ytd > plan > 0:
        found.append(
            at(
                "completed-over-plan",
                "ytd_completed",
                ytd=amount(ytd),
                plan=amount(plan),
                rate=percent(ytd, plan),
            )
        )
    if p.started is False and ytd:
        key = "started" if ledger.letter_of("started") else "ytd_completed"
        found.append(at("money-not-started", key, ytd=amount(ytd)))
    return found


def check_stated_total(ledger: SheetLedger) -> list[Issue]:
    """The unit's own 合计 row against the sum of its projects, for each money column."""
    stated = ledger.stated_total
    if not stated:
        return []
    found = []
    schema = load_schema()
    for key in schema.money_fields():
        if stated.get(key) is None:
            continue
        amounts = (getattr(p, key) for p in ledger.projects)
        actual = sum((v for v in amounts if v is not None), Decimal(0))
        diff = stated[key] - actual
        if abs(diff) > max(Decimal("0.01"), abs(stated[key]) * Decimal("0.0005")):
            found.append(
                issue(
                    "total-mismatch",
                    ledger.file,
                    ledger.sheet,
                    f"{ledger.letter_of(key)}{stated['_row']}",
                    field=schema.fields[key].label,
                    stated=amount(stated[key]),
                    actual=amount(actual),
                    difference=more_less(diff),
                )
            )
    return found


def check_text_analysis(ledger: SheetLedger) -> list[Issue]:
    """000: '有的单位月报只报数据，没有文字分析'."""
    if not ledger.projects:
        return []
    if any(p.has_text for p in ledger.projects):
        return []
    return [issue("no-text-analysis", ledger.file, ledger.sheet)]


def check_duplicates(ledgers: list[SheetLedger]) -> tuple[Issue, ...]:
    """The same project reported twice (by two units, or twice by one): both rows are kept."""
    places: dict[str, list[tuple[SheetLedger, Project]]] = defaultdict(list)
    for ledger in ledgers:
        for p in ledger.projects:
            key = name_key(p.name)
            if key:
                places[key].append((ledger, p))
    found = []
    for rows in places.values():
        if len(rows) < 2:
            continue
        for ledger, p in rows:
            others = "、".join(
                f"{o.file}{_other_sheet(o, ledger)}（{q.unit or ''}）第{q.source.row}行"
                for o, q in rows
                if q is not p
            )
            found.append(
                issue(
                    "duplicate-project",
                    ledger.file,
                    ledger.sheet,
                    f"{ledger.letter_of('name')}{p.source.row}",
                    name=p.name,
                    others=others,
                )
            )
    return tuple(found)


def _other_sheet(other: SheetLedger, ledger: SheetLedger) -> str:
    """The other sheet's name when both rows are in one file (a project in two stage sheets)."""
    return (
        f"工作表“{other.sheet}”"
        if other.file == ledger.file and other.sheet != ledger.sheet
        else ""
    )
