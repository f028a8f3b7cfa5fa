"""What `status` and `history` ask of the stored months: who has reported, and a project's
or a unit's figures month by month."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ledgerkit.period import Period
from ledgerkit.settings import Settings
from ledgerkit.store import Store

SENT, LATE, MISSING = "已报送", "逾期", "未报送"
LATE_WINDOW_DAYS = 31  # a file dated later than this after the deadline is a later copy
SERIES_FIELDS = ("ytd_completed", "annual_plan", "month_completed", "started")


def submission_status(store: Store, period: Period, settings: Settings) -> dict[str, Any]:
    """The roster (or every unit ever seen) against what was received for the period."""
    return submissions(
        store.files(period.key), expected_units(settings, store.units()), period, settings
    )


def expected_units(settings: Settings, seen: Iterable[str]) -> list[str]:
    """The units that should report: the roster, else every unit ever seen, in the roster's
    spelling."""
    roster = [u.label for u in settings.roster]
    return roster or sorted({settings.canonical_unit(u) for u in seen if u})


def submissions(
    files: Sequence[Mapping[str, Any]], expected: Sequence[str], period: Period, settings: Settings
) -> dict[str, Any]:
    """Each expected unit (and any other that sent a file) with 已报送 / 逾期 / 未报送, the file
    used, and whether it wrote any text analysis ('text_analysis' is None when it sent
    nothing: no file has no text). `files` are as the store keeps them (name, unit, status,
    received, has_text)."""
    by_unit: dict[str, list[Mapping[str, Any]]] = {}  # each unit's files, in their order
    for f in files:
        if f["unit"]:
            by_unit.setdefault(settings.canonical_unit(f["unit"]), []).append(f)
    due = period.deadline(settings.deadline_day)
    units = []
    for unit in dict.fromkeys([*expected, *by_unit]):
        mine = by_unit.get(unit, [])
        used = next((f for f in mine if f["status"] == "merged"), None)
        received = used["received"][:10] if used and used["received"] else ""
        status = MISSING if used is None else LATE if _late(received, due) else SENT
        units.append(
            {
                "unit": unit,
                "status": status,
                "received": received,
                "files": [f["name"] for f in mine],
                "used": used["name"] if used else None,
                "text_analysis": None if used is None else bool(used["has_text"]),
            }
        )
    return {
        "period": period.key,
        "deadline": due.isoformat(),
        "units": units,
        "missing": [u["unit"] for u in units if u["status"] == MISSING],
        "late": [u["unit"] for u in units if u["status"] == LATE],
        "data_only": [u["unit"] for u in units if u["text_analysis"] is False],
    }


def _late(received: str, due: dt.date) -> bool:
    """Received (the file's time) after the deadline, within the reporting cycle. A file
    dated months after its period is a copy made later (an archive, a checkout), not a
    late report: its time says nothing about when the unit sent it."""
    if not received:
        return False
    day = dt.date.fromisoformat(received)
    return due < day <= due + dt.timedelta(days=LATE_WINDOW_DAYS)


def project_series(store: Store, query: str) -> dict[str, list[dict[str, Any]]]:
    """Month by month, every stored project whose name contains `query` (or whose unit or
    code is `query`): {'name（unit）': [{period, ytd_completed, annual_plan, …, status}]}."""
    out: dict[str, list[dict[str, Any]]] = {}
    for period in store.periods():
        for k in store.kept(period) or []:
            p = k.project
            if query == p.unit or query in str(p.name or "") or query == p.code:
                out.setdefault(f"{p.name}（{p.unit}）", []).append(
                    {
                        "period": period,
                        **{f: getattr(p, f) for f in SERIES_FIELDS},
                        "status": k.status,
                    }
                )
    return out
