"""包抓领导: each leader answers for his projects ("三定四包"). The month's figures by leader
(a cell naming two leaders counts the project for both), for the 分领导 sheet of the merged
workbook and for `report --by-leader`, one page per leader.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

from ledgerkit.metrics import NORMAL, Assessed, slice_figures
from ledgerkit.period import Period
from ledgerkit.problems import Problem, split_problems
from ledgerkit.settings import Settings
from ledgerkit.store import Kept

LEADER_TEMPLATE = "包抓领导.docx"
_SPLIT = re.compile(r"[、，,；;/／\n]+")
# what follows a name in a 包抓领导 cell and is no one: "张三（副区长）" is 张三
_TITLE = re.compile(r"[（(][^）)]*[）)]")


def leaders_of(cell: Any) -> list[str]:
    """The leaders a 包抓领导 cell names: split on 、，; / line breaks and spaces, titles in
    brackets dropped, each once, in order. A space inside a name ("王  五", padded to line
    up with three-character names) is no separator: spaces split only into whole names."""
    return list(_names(str(cell or "")))


@functools.lru_cache(maxsize=4096)
def _names(cell: str) -> tuple[str, ...]:
    """leaders_of for one cell's text; a district has a few dozen leaders, each named in
    hundreds of rows, so each spelling is split once."""
    text = _TITLE.sub("", cell.replace("\u3000", " "))
    names: list[str] = []
    for part in _SPLIT.split(text):
        words = part.split()
        if len(words) > 1 and any(len(w) < 2 for w in words):
            words = ["".join(words)]
        names += words
    return tuple(dict.fromkeys(names))


def by_leader(
    assessed: Sequence[Assessed], period: Period, settings: Settings
) -> list[dict[str, Any]]:
    """One row per leader, in order of first appearance: the slice figures of his projects
    (plan, completed, rate, status …), his units, his lagging projects and the problems his
    projects report this month. Empty when no project names a leader."""
    groups: dict[str, list[Assessed]] = {}
    for a in assessed:
        for name in leaders_of(a.project.leader):
            groups.setdefault(name, []).append(a)
    out = []
    for name, rows in groups.items():
        figures = slice_figures(name, rows, period, settings)
        problems = [
            {"project": str(a.project.name or ""), "unit": a.unit, "text": text}
            for a in rows
            for text in split_problems(a.project.problems)
        ]
        out.append(
            {
                **figures,
                "units": list(dict.fromkeys(a.unit for a in rows if a.unit)),
                "project_rows": [_project(a) for a in rows],
                "lagging_projects": [_project(a) for a in rows if a.status != NORMAL],
                "open_problems": len(problems),
                "problem_items": problems,
            }
        )
    return out


def with_problem_ledger(
    rows: Sequence[dict[str, Any]], kept: Sequence[Kept], problems: Sequence[Problem]
) -> list[dict[str, Any]]:
    """The leaders' rows with their open problems taken from the problem ledger (what the
    clerk closed is closed; what is overdue says so) instead of this month's 存在问题 cells."""
    if not problems:
        return list(rows)
    keys: dict[str, set[str]] = {}
    for k in kept:
        for name in leaders_of(k.project.leader):
            keys.setdefault(name, set()).add(k.key)
    out = []
    for row in rows:
        mine = [p for p in problems if p.is_open and p.key in keys.get(row["name"], set())]
        items = [
            {"project": p.project, "unit": p.unit, "text": p.text, "status": p.status, "id": p.id}
            for p in mine
        ]
        out.append({**row, "open_problems": len(items), "problem_items": items})
    return out


def _project(a: Assessed) -> dict[str, Any]:
    p = a.project
    return {
        "name": p.name,
        "unit": a.unit,
        "annual_plan": p.annual_plan,
        "ytd_completed": p.ytd_completed,
        "completion_rate": a.completion_rate,
        "gap": a.gap,
        "status": a.status,
        "reason": a.reason,
    }


def leader_pages(figures: dict[str, Any], settings: Settings) -> bytes:
    """`report --by-leader`: one page per leader, from the template 包抓领导.docx."""
    from ledgerkit.bulletin import context, find_template, render_docx

    values = {**context(figures, settings), "leaders": figures.get("by_leader") or []}
    return render_docx(find_template(LEADER_TEMPLATE, settings), values, settings)
