"""History stage: every merged month kept in a SQLite store, and what it shows across months.

One transaction per merge: a run that dies leaves the store as it was. Re-merging a period
adds a new version and keeps the earlier one; merging the same files again adds nothing.
The store is a convenience: `rebuild` makes it again from the merged workbooks, which stay
the clerk's source of truth. Money is kept as exact decimal text.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import sqlite3
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledgerkit.fmt import amount
from ledgerkit.issues import Issue, issue
from ledgerkit.merge import MergeResult
from ledgerkit.metrics import NORMAL, Period, project_status, row_totals
from ledgerkit.settings import Settings
from ledgerkit.validate import name_key

if TYPE_CHECKING:
    from ledgerkit.merge import Projects

STORE_NAME = "ledgerkit-history.sqlite"
MONEY = ("total_investment", "annual_plan", "month_completed", "ytd_completed")
PROJECT_COLUMNS = (
    "key",
    "code",
    "unit",
    "name",
    "category",
    "level",
    "sector",
    "total_investment",
    "annual_plan",
    "month_completed",
    "ytd_completed",
    "started",
    "planned_start",
    "status",
    "problems",
    "progress",
    "file",
    "sheet",
    "row",
)
SCHEMA = """
CREATE TABLE IF NOT EXISTS snapshots (
    id INTEGER PRIMARY KEY, period TEXT NOT NULL, version INTEGER NOT NULL,
    current INTEGER NOT NULL, recorded TEXT NOT NULL, fingerprint TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    snapshot INTEGER NOT NULL REFERENCES snapshots(id), name TEXT, sha256 TEXT, unit TEXT,
    status TEXT, reason TEXT, received TEXT, projects INTEGER, has_text INTEGER);
CREATE TABLE IF NOT EXISTS projects (
    snapshot INTEGER NOT NULL REFERENCES snapshots(id), key TEXT, code TEXT, unit TEXT,
    name TEXT, category TEXT, level TEXT, sector TEXT, total_investment TEXT,
    annual_plan TEXT, month_completed TEXT, ytd_completed TEXT, started INTEGER,
    planned_start TEXT, status TEXT, problems TEXT, progress TEXT, file TEXT, sheet TEXT,
    row INTEGER);
CREATE INDEX IF NOT EXISTS projects_by_snapshot ON projects(snapshot);
CREATE INDEX IF NOT EXISTS snapshots_by_period ON snapshots(period, current);
"""


def store_path(settings: Settings, near: Path) -> Path:
    """The store of the workspace (or, without one, of the folder the clerk works in)."""
    base = settings.workspace or near
    name = Path(settings.history_file or STORE_NAME)
    return name if name.is_absolute() else base / name


def project_key(p: dict[str, Any], renames: dict[str, str]) -> str:
    """A project's identity across months: its code, else its normalised name in its unit.
    A rename the clerk confirmed in settings maps the new name to the old one."""
    code = str(p.get("code") or "").strip()
    if code:
        return f"code:{code}"
    name = name_key(p.get("name"))
    return f"name:{p.get('unit') or ''}|{renames.get(name, name)}"


def _renames(settings: Settings) -> dict[str, str]:
    return {name_key(new): name_key(old) for old, new in settings.renames}


@dataclass(frozen=True)
class FileMeta:
    """What the store keeps of an input file."""

    name: str
    sha256: str
    unit: str
    status: str
    reason: str
    received: str
    projects: int
    has_text: bool


def file_meta(result: MergeResult) -> list[FileMeta]:
    """Hash and received time (the file's modification time) of every input file."""
    metas = []
    for f in result.files:
        try:
            data = f.path.read_bytes()
            received = dt.datetime.fromtimestamp(f.path.stat().st_mtime).isoformat(
                timespec="seconds"
            )
        except OSError:
            data, received = b"", ""
        led = f.ledger
        has_text = bool(led and any(p.get("progress") or p.get("problems") for p in led.projects))
        metas.append(
            FileMeta(
                f.label,
                hashlib.sha256(data).hexdigest(),
                led.unit if led else "",
                f.status,
                f.reason,
                received,
                f.projects,
                has_text,
            )
        )
    return metas


def project_rows(frame: Projects, period: Period, settings: Settings) -> list[dict[str, Any]]:
    """The merged rows as the store keeps them: identity, money as text, status."""
    renames = _renames(settings)
    kept = [k for k in PROJECT_COLUMNS if k in frame.columns]
    rows = []
    for p in frame.records:
        row = {k: p.get(k) for k in kept}
        row.update(
            key=project_key(p, renames),
            status=project_status(p, period, settings)["status"],
            file=p.get("_file"),
            sheet=p.get("_sheet"),
            row=p.get("_row"),
        )
        row["started"] = None if p.get("started") is None else bool(p["started"])
        rows.append(row)
    return rows


class Store:
    """The SQLite history: snapshots of merged months."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path), isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def record(self, period: str, files: list[FileMeta], rows: list[dict[str, Any]]) -> bool:
        """Keep a merged month, in one transaction. False when it is the same as the current
        version (a rerun on the same files), so reruns leave the store unchanged."""
        fingerprint = _fingerprint(files, rows)
        current = self.db.execute(
            "SELECT id, fingerprint, version FROM snapshots WHERE period=? AND current=1", (period,)
        ).fetchone()
        if current and current["fingerprint"] == fingerprint:
            return False
        try:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("UPDATE snapshots SET current=0 WHERE period=?", (period,))
            version = (current["version"] + 1) if current else 1
            sid = self.db.execute(
                "INSERT INTO snapshots (period, version, current, recorded, fingerprint)"
                " VALUES (?, ?, 1, ?, ?)",
                (period, version, dt.datetime.now().isoformat(timespec="seconds"), fingerprint),
            ).lastrowid
            self.db.executemany(
                "INSERT INTO files VALUES (?,?,?,?,?,?,?,?,?)",
                [
                    (
                        sid,
                        f.name,
                        f.sha256,
                        f.unit,
                        f.status,
                        f.reason,
                        f.received,
                        f.projects,
                        int(f.has_text),
                    )
                    for f in files
                ],
            )
            columns = ", ".join(PROJECT_COLUMNS)
            marks = ", ".join("?" * (len(PROJECT_COLUMNS) + 1))
            self.db.executemany(
                f"INSERT INTO projects (snapshot, {columns}) VALUES ({marks})",
                ((sid, *(_stored(c, r.get(c)) for c in PROJECT_COLUMNS)) for r in rows),
            )
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return True

    def periods(self) -> list[str]:
        rows = self.db.execute("SELECT DISTINCT period FROM snapshots ORDER BY period")
        return [r["period"] for r in rows]

    def projects(self, period: str) -> list[dict[str, Any]] | None:
        """The current version of a period's project rows (money as Decimal), or None."""
        sid = self._current(period)
        if sid is None:
            return None
        rows = self.db.execute("SELECT * FROM projects WHERE snapshot=? ORDER BY rowid", (sid,))
        return [_decoded(dict(r)) for r in rows]

    def files(self, period: str) -> list[dict[str, Any]]:
        sid = self._current(period)
        if sid is None:
            return []
        return [dict(r) for r in self.db.execute("SELECT * FROM files WHERE snapshot=?", (sid,))]

    def versions(self, period: str) -> int:
        row = self.db.execute("SELECT COUNT(*) AS n FROM snapshots WHERE period=?", (period,))
        return int(row.fetchone()["n"])

    def _current(self, period: str) -> int | None:
        row = self.db.execute(
            "SELECT id FROM snapshots WHERE period=? AND current=1", (period,)
        ).fetchone()
        return None if row is None else int(row["id"])


def _stored(column: str, value: Any) -> Any:
    """Money as exact decimal text, flags as 0/1, the rest as it is."""
    if value is None:
        return None
    if column in MONEY:
        return str(value)
    return int(value) if isinstance(value, bool) else value


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    for k in MONEY:
        row[k] = None if row[k] is None else Decimal(row[k])
    row["started"] = None if row["started"] is None else bool(row["started"])
    return row


def _fingerprint(files: list[FileMeta], rows: list[dict[str, Any]]) -> str:
    """sha256 of the JSON text of [files, rows], made a thousand rows at a time: the whole
    text of 200,000 rows would hold hundreds of MB at once for a hash."""
    digest = hashlib.sha256()

    def dumps(value: Any) -> bytes:
        return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False).encode("utf-8")

    digest.update(b"[" + dumps([f.__dict__ for f in files]) + b", [")
    for start in range(0, len(rows), 1000):
        if start:
            digest.update(b", ")
        digest.update(dumps(rows[start : start + 1000])[1:-1])  # the rows, without [ ]
    digest.update(b"]]")
    return digest.hexdigest()


# --- checks against last month ---------------------------------------------------------------


def previous_period(period: Period) -> Period | None:
    """The month before, within the same year (cumulative figures restart in January)."""
    return Period(period.year, period.month - 1) if period.month > 1 else None


def compare_months(
    current: list[dict[str, Any]],
    previous: list[dict[str, Any]] | None,
    letters: dict[tuple[str, str], str],
) -> list[Issue]:
    """Findings between this month's rows and last month's (both as the store keeps them).
    `letters` maps (file, field) to the column letter of that field in that file."""
    if previous is None:
        return []
    before = _Index(previous)
    found: list[Issue] = []
    matched: set[int] = set()
    for row in current:
        old = before.find(row)
        if old is not None:
            matched.add(id(old))
            found.extend(_changes(row, old, letters))
    missing = [r for r in previous if id(r) not in matched]
    new = [r for r in current if before.find(r) is None]
    for old in missing:
        twin = _near_match(old, new)
        if twin is not None:
            found.append(
                _at(
                    twin,
                    "name",
                    letters,
                    "suspected-rename",
                    old=old["name"],
                    new=twin["name"],
                    unit=twin["unit"],
                )
            )
        else:
            found.append(
                issue(
                    "project-missing",
                    old["file"] or "",
                    old["sheet"] or "",
                    "",
                    name=old["name"],
                    unit=old["unit"],
                )
            )
    return found


class _Index:
    """Last month's rows found by identity: the key, or else the name within the unit (so a
    project that gained a code, e.g. from a ledgerkit template, is still the same project)."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.by_key = {r["key"]: r for r in rows}
        self.by_name = {_name_id(r): r for r in rows}

    def find(self, row: dict[str, Any]) -> dict[str, Any] | None:
        return self.by_key.get(row["key"]) or self.by_name.get(_name_id(row))


def _name_id(row: dict[str, Any]) -> str:
    return f"{row.get('unit') or ''}|{name_key(row.get('name'))}"


def _at(
    row: dict[str, Any], column: str, letters: dict[tuple[str, str], str], code: str, **values: Any
) -> Issue:
    cell = f"{letters.get((row['file'], column), '')}{row['row'] or ''}"
    return issue(code, row["file"] or "", row["sheet"] or "", cell, **values)


def _changes(
    row: dict[str, Any], old: dict[str, Any], letters: dict[tuple[str, str], str]
) -> list[Issue]:
    found = []
    ytd, last = row.get("ytd_completed"), old.get("ytd_completed")
    if ytd is not None and last is not None and ytd < last:
        found.append(
            _at(
                row,
                "ytd_completed",
                letters,
                "ytd-decreased",
                name=row["name"],
                old=amount(last),
                new=amount(ytd),
            )
        )
    month = row.get("month_completed")
    if month is not None and ytd is not None and last is not None and month != ytd - last:
        found.append(
            _at(
                row,
                "month_completed",
                letters,
                "month-mismatch",
                name=row["name"],
                month=amount(month),
                diff=amount(ytd - last),
            )
        )
    for field, label in (("annual_plan", "年度计划投资"), ("total_investment", "总投资")):
        new_value = row.get(field)
        if new_value is not None and old.get(field) is not None and new_value != old[field]:
            found.append(
                _at(
                    row,
                    field,
                    letters,
                    "figure-changed",
                    name=row["name"],
                    field=label,
                    old=amount(old[field]),
                    new=amount(new_value),
                )
            )
    return found


def _near_match(old: dict[str, Any], new: list[dict[str, Any]]) -> dict[str, Any] | None:
    """A new project of the same unit whose name is close to a vanished one (a rename)."""
    best, score = None, 0.0
    for candidate in new:
        if candidate["unit"] != old["unit"]:
            continue
        ratio = difflib.SequenceMatcher(
            None, name_key(old["name"]), name_key(candidate["name"])
        ).ratio()
        if ratio > score:
            best, score = candidate, ratio
    return best if score >= 0.6 else None


def streak_issues(
    store: Store,
    period: Period,
    current: list[dict[str, Any]],
    settings: Settings,
    letters: dict[tuple[str, str], str],
) -> list[Issue]:
    """连续N个月未开工 / 连续N个月滞后, counting back through the year's stored months."""
    months = [current]
    p = previous_period(period)
    while p is not None and len(months) < 12:
        rows = store.projects(p.key)
        if rows is None:
            break
        months.append(rows)
        p = previous_period(p)
    if len(months) < settings.streak_months:  # too few months stored for any streak
        return []
    by_month = [_Index(rows) for rows in months]
    found = []
    for row in current:
        idle = _run(by_month, row, lambda r: r.get("started") in (False, 0))
        behind = _run(by_month, row, lambda r: r.get("status") not in (None, NORMAL))
        if idle >= settings.streak_months:
            found.append(_at(row, "started", letters, "idle-months", name=row["name"], n=idle))
        if behind >= settings.streak_months:
            found.append(
                _at(row, "ytd_completed", letters, "lagging-months", name=row["name"], n=behind)
            )
    return found


def _run(by_month: list[_Index], current: dict[str, Any], test: Any) -> int:
    n = 0
    for month in by_month:
        row = month.find(current)
        if row is None or not test(row):
            break
        n += 1
    return n


def column_letters(result: MergeResult) -> dict[tuple[str, str], str]:
    """(file, field) -> the column letter of that field in that file."""
    out: dict[tuple[str, str], str] = {}
    for f in result.files:
        if f.ledger is not None:
            for col in f.ledger.columns:
                if col.field:
                    out.setdefault((f.label, col.field), col.letter)
    return out


# --- figures over time ----------------------------------------------------------------------


def _sums(rows: list[dict[str, Any]]) -> dict[str, Any]:
    sums = row_totals(rows)
    plan = sums["annual_plan"]
    return {**sums, "completion_rate": sums["ytd_completed"] / plan if plan else None}


def trend(store: Store | None, period: Period, current: list[dict[str, Any]]) -> dict[str, Any]:
    """环比 (against last month), 同比 (against the same months of last year) and the year's
    monthly series, for the district and for each unit. 本月完成 is derived from the
    cumulative figures: this month's minus last month's (January: the cumulative itself)."""
    months: list[tuple[str, list[dict[str, Any]]]] = []
    for m in range(1, period.month if store else 1):
        rows = store.projects(Period(period.year, m).key) if store else None
        if rows is not None:
            months.append((Period(period.year, m).key, rows))
    months.append((period.key, current))
    series = _series(months)
    by_unit: list[tuple[str, dict[Any, list[dict[str, Any]]]]] = []
    for k, rows in months:
        groups: dict[Any, list[dict[str, Any]]] = {}
        for r in rows:
            if r.get("unit"):
                groups.setdefault(r["unit"], []).append(r)
        by_unit.append((k, groups))
    units = sorted({u for _, groups in by_unit for u in groups})
    unit_series = {u: _series([(k, groups.get(u, [])) for k, groups in by_unit]) for u in units}
    prev_key = Period(period.year, period.month - 1).key if period.month > 1 else None
    previous = next((s for s in series if s["period"] == prev_key), None)
    last_year_rows = store.projects(Period(period.year - 1, period.month).key) if store else None
    return {
        "series": series,
        "unit_series": unit_series,
        "mom": _change(series[-1], previous),
        "yoy": _change(
            series[-1],
            {**_sums(last_year_rows), "period": f"{period.year - 1}-{period.month:02d}"}
            if last_year_rows
            else None,
        ),
    }


def _series(months: list[tuple[str, list[dict[str, Any]]]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for key, rows in months:
        sums = _sums(rows)
        before = out[-1] if out and _follows(out[-1]["period"], key) else None
        if key.endswith("-01"):
            month = sums["ytd_completed"]
        else:
            month = sums["ytd_completed"] - before["ytd_completed"] if before else None
        out.append({"period": key, **sums, "month_completed": month})
    return out


def _follows(earlier: str, later: str) -> bool:
    a, b = Period.parse(earlier), Period.parse(later)
    return a.year == b.year and a.month + 1 == b.month


def _change(now: dict[str, Any], before: dict[str, Any] | None) -> dict[str, Any] | None:
    """Differences: money in 万元, rates in 个百分点, growth as a fraction."""
    if before is None:
        return None
    rate_now, rate_before = now["completion_rate"], before["completion_rate"]
    return {
        "period": before["period"],
        "ytd_change": now["ytd_completed"] - before["ytd_completed"],
        "ytd_growth": (
            (now["ytd_completed"] - before["ytd_completed"]) / before["ytd_completed"]
            if before["ytd_completed"]
            else None
        ),
        "rate_change": (rate_now - rate_before) * 100
        if None not in (rate_now, rate_before)
        else None,
        "started_change": now["started"] - before["started"],
        "projects_change": now["projects"] - before["projects"],
    }


# --- submissions ----------------------------------------------------------------------------

SENT, LATE, MISSING = "已报送", "逾期", "未报送"


def deadline(period: Period, day: int) -> dt.date:
    """Units report month M by day `day` of month M+1."""
    year, month = (period.year + 1, 1) if period.month == 12 else (period.year, period.month + 1)
    return dt.date(year, month, min(day, 28))


def submission_status(store: Store, period: Period, settings: Settings) -> dict[str, Any]:
    """The roster (or every unit ever seen) against what was received for the period."""
    files = [f for f in store.files(period.key) if f["unit"]]
    roster = [u.label for u in settings.roster] or sorted(
        {f["unit"] for p in store.periods() for f in store.files(p) if f["unit"]}
    )
    due = deadline(period, settings.deadline_day)
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
    """Month by month, every stored project whose name contains `query` (or whose unit is
    `query`): {project name (unit): [{period, ytd_completed, annual_plan, status …}]}."""
    out: dict[str, list[dict[str, Any]]] = {}
    for period in store.periods():
        for row in store.projects(period) or []:
            if query == row["unit"] or query in (row["name"] or "") or query == row["code"]:
                label = f"{row['name']}（{row['unit']}）"
                out.setdefault(label, []).append(
                    {
                        "period": period,
                        **{
                            k: row[k]
                            for k in (
                                "ytd_completed",
                                "annual_plan",
                                "month_completed",
                                "started",
                                "status",
                            )
                        },
                    }
                )
    return out


def file_meta_from_workbook(book: Path) -> list[FileMeta]:
    """The 文件情况 sheet of a merged workbook, as the store keeps files (hashes and receive
    times are not in the workbook and stay empty)."""
    import python_calamine as pc

    status = {"已汇总": "merged", "读取失败": "failed", "已跳过": "skipped"}
    wb = pc.CalamineWorkbook.from_path(str(book))
    if "文件情况" not in wb.sheet_names:
        return []
    rows = wb.get_sheet_by_name("文件情况").to_python()
    heads = [str(h) for h in rows[1]] if len(rows) > 1 else []
    out = []
    for row in rows[2:]:
        r = dict(zip(heads, row, strict=False))
        out.append(
            FileMeta(
                str(r.get("文件", "")),
                "",
                str(r.get("责任单位", "")),
                status.get(str(r.get("状态", "")), "merged"),
                str(r.get("原因", "")),
                "",
                int(float(str(r.get("项目数") or 0))),
                True,
            )
        )
    return out
