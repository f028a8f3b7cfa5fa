"""Validate stage, across months: this month's projects against the months before.

A cumulative that went down, 本月完成 that does not match the cumulatives, a plan or total
that changed, a project gone (or renamed), 连续N个月未开工 / 滞后. Pure: the months come in
as kept projects (the pipeline reads them from the store).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from typing import Any

from ledgerkit.fmt import amount, more_less
from ledgerkit.issues import Issue, issue
from ledgerkit.metrics import NORMAL
from ledgerkit.project import name_key
from ledgerkit.store import Kept

Letters = dict[tuple[str, str], str]  # (file, field) -> the column letter of the field there
RENAME_SIMILARITY = 0.6  # a new name this close to a vanished one is a suspected rename


def compare_months(
    current: Sequence[Kept], previous: Sequence[Kept] | None, letters: Letters
) -> list[Issue]:
    """Findings between this month's projects and last month's."""
    if previous is None:
        return []
    before = _Index(previous)
    found: list[Issue] = []
    matched: set[int] = set()
    for k in current:
        old = before.find(k)
        if old is not None:
            matched.add(id(old))
            found.extend(_changes(k, old, letters))
    missing = [k for k in previous if id(k) not in matched]
    new = [k for k in current if before.find(k) is None]
    reporting = {k.project.unit for k in current}
    gone = [k for k in missing if k.project.unit not in reporting]  # the whole unit is missing
    found.extend(_units_missing(gone))
    for old in (k for k in missing if k.project.unit in reporting):
        twin = _near_match(old, new)
        if twin is not None:
            p = twin.project
            found.append(
                _at(
                    twin,
                    "name",
                    letters,
                    "suspected-rename",
                    old=old.project.name,
                    new=p.name,
                    unit=p.unit,
                )
            )
        else:
            src = old.project.source
            found.append(
                issue(
                    "project-missing",
                    src.file,
                    src.sheet,
                    "",
                    name=old.project.name,
                    unit=old.project.unit,
                )
            )
    return found


def _units_missing(gone: Sequence[Kept]) -> list[Issue]:
    """One finding for a unit that reported last month and sent nothing now, not one per
    project of it."""
    by_unit: dict[str, list[Kept]] = {}
    for k in gone:
        by_unit.setdefault(str(k.project.unit or ""), []).append(k)
    found = []
    for unit, kept in by_unit.items():
        names = "、".join(str(k.project.name) for k in kept[:3]) + ("等" if len(kept) > 3 else "")
        src = kept[0].project.source
        found.append(issue("unit-missing", src.file, "", "", unit=unit, n=len(kept), names=names))
    return found


class _Index:
    """A month's projects found by identity: the key, or else the name within the unit (so a
    project that gained a code, e.g. from a ledgerkit template, is still the same project)."""

    def __init__(self, kept: Sequence[Kept]) -> None:
        self.by_key = {k.key: k for k in kept}
        self.by_name = {_name_id(k): k for k in kept}

    def find(self, k: Kept) -> Kept | None:
        return self.by_key.get(k.key) or self.by_name.get(_name_id(k))


def _name_id(k: Kept) -> str:
    return f"{k.project.unit or ''}|{name_key(k.project.name)}"


def _at(k: Kept, key: str, letters: Letters, code: str, **values: Any) -> Issue:
    """An issue at the cell of field `key` on the project's row."""
    src = k.project.source
    cell = f"{letters.get((src.file, key), '')}{src.row or ''}"
    return issue(code, src.file, src.sheet, cell, **values)


def _changes(k: Kept, old: Kept, letters: Letters) -> list[Issue]:
    p, q = k.project, old.project
    found = []
    ytd, last = p.ytd_completed, q.ytd_completed
    if ytd is not None and last is not None and ytd < last:
        found.append(
            _at(
                k,
                "ytd_completed",
                letters,
                "ytd-decreased",
                name=p.name,
                old=amount(last),
                new=amount(ytd),
            )
        )
    month = p.month_completed
    if month is not None and ytd is not None and last is not None and month != ytd - last:
        found.append(
            _at(
                k,
                "month_completed",
                letters,
                "month-mismatch",
                name=p.name,
                month=amount(month),
                change=more_less(ytd - last, ("增加", "减少"), "没有变化"),
            )
        )
    for field, label in (("annual_plan", "年度计划投资"), ("total_investment", "总投资")):
        new_value, old_value = getattr(p, field), getattr(q, field)
        if new_value is not None and old_value is not None and new_value != old_value:
            found.append(
                _at(
                    k,
                    field,
                    letters,
                    "figure-changed",
                    name=p.name,
                    field=label,
                    old=amount(old_value),
                    new=amount(new_value),
                )
            )
    return found


def _near_match(old: Kept, new: Sequence[Kept]) -> Kept | None:
    """A new project of the same unit whose name is close to a vanished one (a rename)."""
    best, score = None, 0.0
    for candidate in new:
        if candidate.project.unit != old.project.unit:
            continue
        ratio = difflib.SequenceMatcher(
            None, name_key(old.project.name), name_key(candidate.project.name)
        ).ratio()
        if ratio > score:
            best, score = candidate, ratio
    return best if score >= RENAME_SIMILARITY else None


def streak_issues(months: Sequence[Sequence[Kept]], streak: int, letters: Letters) -> list[Issue]:
    """连续N个月未开工 / 连续N个月滞后 (N = `streak`). `months` are this month's projects and
    then the stored months before it, the latest first, without a gap."""
    if len(months) < streak:  # too few months stored for any streak
        return []
    by_month = [_Index(kept) for kept in months]
    found = []
    for k in months[0]:
        idle = _run(by_month, k, lambda m: m.project.started is False)
        behind = _run(by_month, k, lambda m: m.status not in (None, NORMAL))
        if idle >= streak:
            found.append(_at(k, "started", letters, "idle-months", name=k.project.name, n=idle))
        if behind >= streak:
            found.append(
                _at(k, "ytd_completed", letters, "lagging-months", name=k.project.name, n=behind)
            )
    return found


def _run(by_month: list[_Index], current: Kept, test: Callable[[Kept], bool]) -> int:
    n = 0
    for month in by_month:
        found = month.find(current)
        if found is None or not test(found):
            break
        n += 1
    return n
