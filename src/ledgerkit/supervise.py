"""交办督办函: one document per responsible unit, listing what it must answer for this month:
its open problems (problem ledger) with their 时限, its red projects, its overdue 节点.

What goes in comes from the figures (red projects), the problem ledger and the nodes; this
module only groups it by unit and renders the template (交办督办函.docx, editable like the
bulletin's: a copy in the workspace's templates/ wins).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ledgerkit.metrics import SEVERE
from ledgerkit.problems import OVERDUE, Problem, date_text
from ledgerkit.settings import Settings

UNIT_TEMPLATE = "交办督办函.docx"


@dataclass(frozen=True)
class UnitNotice:
    """A unit's 交办督办函 as the template sees it."""

    no: str
    unit: str
    problems: tuple[dict[str, Any], ...]
    red: tuple[dict[str, Any], ...]
    nodes: tuple[dict[str, Any], ...]
    reply_by: str

    @property
    def overdue(self) -> int:
        return sum(1 for p in self.problems if p["status"] == OVERDUE)

    def to_dict(self) -> dict[str, Any]:
        return {
            "no": self.no,
            "unit": self.unit,
            "problems": list(self.problems),
            "red": list(self.red),
            "nodes": list(self.nodes),
            "overdue": self.overdue,
            "reply_by": self.reply_by,
        }


def unit_notices(
    figures: dict[str, Any],
    problems: Sequence[Problem],
    nodes: Sequence[dict[str, Any]],
    settings: Settings,
) -> list[UnitNotice]:
    """One notice per unit with an open problem to solve (the problem's 责任单位), a red
    project or an overdue node; in the order of the figures' units, then the others."""
    parts: dict[str, dict[str, list[dict[str, Any]]]] = {}

    def of(unit: str) -> dict[str, list[dict[str, Any]]]:
        return parts.setdefault(unit, {"problems": [], "red": [], "nodes": []})

    for p in sorted(problems, key=lambda p: (p.status != OVERDUE, p.due, p.id)):
        if p.is_open:
            item = {**p.to_dict(), "due_text": date_text(p.due)}
            of(p.owner_unit or p.unit)["problems"].append(item)
    for row in figures.get("lagging", []):
        if row["status"] == SEVERE:
            of(str(row["unit"] or ""))["red"].append(row)
    for node in nodes:
        of(str(node.get("unit") or ""))["nodes"].append(node)
    known = [u["name"] for u in figures.get("by_unit", [])]
    order = sorted(parts, key=lambda u: (known.index(u) if u in known else len(known), u))
    key = figures["period"]["key"]
    reply_by = settings.reply_by or "收到通知后10个工作日内"
    return [
        UnitNotice(
            f"{key}-{n:02d}",
            unit,
            tuple(parts[unit]["problems"]),
            tuple(parts[unit]["red"]),
            tuple(parts[unit]["nodes"]),
            reply_by,
        )
        for n, unit in enumerate(order, start=1)
    ]


def unit_notice_docx(figures: dict[str, Any], notice: UnitNotice, settings: Settings) -> bytes:
    """A unit's 交办督办函 as .docx bytes, from the template."""
    from ledgerkit.bulletin import context, find_template, render_docx

    values = {**context(figures, settings), "u": notice.to_dict()}
    return render_docx(find_template(UNIT_TEMPLATE, settings), values, settings)
