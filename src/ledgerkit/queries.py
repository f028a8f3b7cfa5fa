"""What `status` and `history` ask of the stored months: who has reported, and a project's
or a unit's figures month by month."""

from __future__ import annotations

from typing import Any

from ledgerkit.period import Period
from ledgerkit.settings import Settings
from ledgerkit.store import Store

SENT, LATE, MISSING = "已报送", "逾期", "未报送"
SERIES_FIELDS = ("ytd_completed", "annual_plan", "month_completed", "started")


def submission_status(store: Store, period: Period, settings: Settings) -> dict[str, Any]:
    """The roster (or every unit ever seen) against what was received for the period."""
    files = [f for f in store.files(period.key) if f["unit"]]
    roster = [u.label for u in settings.roster] or sorted(
        {f["unit"] for p in store.periods() for f in store.files(p) if f["unit"]}
    )
    due = period.deadline(settings.deadline_day)
    units = []
    for unit in dict.fromkeys([*roster, *(settings.canonical_unit(f["unit"]) for f in files)]):
        mine = [f for f in files if settings.canonical_unit(f["unit"]) == unit]
        used = next((f for f in mine if f["status"] == "merged"), None)
        received = used["received"][:10] if used and used["received"] else ""
        status = (
            MISSING if used is None else LATE if received and received > due.isoformat() else SENT
        )
        units.append(
            {
                "unit": unit,
                "status": status,
                "received": received,
                "files": [f["name"] for f in mine],
                "used": used["name"] if used else None,
                "text_analysis": bool(used and used["has_text"]),
            }
        )
    return {
        "period": period.key,
        "deadline": due.isoformat(),
        "units": units,
        "missing": [u["unit"] for u in units if u["status"] == MISSING],
    }


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
