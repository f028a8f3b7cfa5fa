"""The history store: every merged month kept in SQLite, and nothing else.

One transaction per merge: a run that dies leaves the store as it was. Re-merging a period
adds a new version and keeps the earlier one; merging the same files again adds nothing.
The store is a convenience: `history rebuild` makes it again from the merged workbooks, which
stay the clerk's source of truth. Money is kept as exact decimal text. What is computed from
the stored months lives elsewhere: checks in validate_months, figures in trend, the status
and history queries in queries.

The store carries its format version (`PRAGMA user_version`): a store of an older ledgerkit
(no version) is upgraded when next written, one of a newer ledgerkit is refused, never misread.
Commands that only read open it read-only (`mode=ro`), so they work from a read-only folder.
Every sqlite failure (a damaged file, a lock held too long, a read-only folder) comes out as
`StoreProblem`, whose message names the fix: `ledgerkit history rebuild`.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import operator
import sqlite3
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar
from urllib.parse import quote

from ledgerkit.errors import StoreProblem
from ledgerkit.layout import (
    FILE_NAME,
    FILE_PROJECTS,
    FILE_REASON,
    FILE_STATUS,
    FILE_UNIT,
    SHEET_SET_ASIDE,
    read_files_sheet,
    status_of_label,
)
from ledgerkit.nodes import Node
from ledgerkit.project import Project, Source, make, name_key

if TYPE_CHECKING:
    from ledgerkit.merging import FileResult
    from ledgerkit.normalise import SheetLedger

STORE_NAME = "ledgerkit-history.sqlite"
SCHEMA_VERSION = 2  # PRAGMA user_version of the stores this ledgerkit writes (0: before versions)
BUSY_SECONDS = 5.0  # how long a write waits for another connection's transaction to end
REBUILD_HINT = "可以运行 ledgerkit history rebuild 从各月汇总表重建汇总记录"
# the project columns kept, in the table's order: identity, figures, status, source
KEPT_FIELDS = (
    "code",
    "unit",
    "name",
    "leader",
    "category",
    "level",
    "sector",
    "total_investment",
    "annual_plan",
    "month_completed",
    "ytd_completed",
    "started",
    "planned_start",
)
KEPT_TEXT = ("problems", "progress")
# the problem ledger's columns of a row (负责解决问题责任单位、责任人、解决时限、解决情况): version 2
KEPT_PROBLEM = (
    "problem_unit",
    "problem_person",
    "problem_due",
    "problem_done",
    "actual_start",  # 开工 and 竣工 nodes from the ledger's columns (version 2)
    "planned_finish",
)
NODE_COLUMNS: tuple[str, ...] = ("key", "unit", "name", "node", "planned", "actual", "note")
NODE_COLUMNS += ("source", "file", "sheet", "row")
# the order _stored_row writes a row in
COLUMNS = ("key", *KEPT_FIELDS, "status", *KEPT_TEXT, "file", "sheet", "row", *KEPT_PROBLEM)
_MAX_PARAMS = 900  # units in one query's IN (…)
_MONEY = frozenset(("total_investment", "annual_plan", "month_completed", "ytd_completed"))
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
    row INTEGER, leader TEXT, problem_unit TEXT, problem_person TEXT, problem_due TEXT,
    problem_done TEXT, actual_start TEXT, planned_finish TEXT);
CREATE INDEX IF NOT EXISTS projects_by_snapshot ON projects(snapshot);
CREATE TABLE IF NOT EXISTS nodes (
    snapshot INTEGER NOT NULL REFERENCES snapshots(id), key TEXT, unit TEXT, name TEXT,
    node TEXT, planned TEXT, actual TEXT, note TEXT, source TEXT, file TEXT, sheet TEXT,
    row INTEGER);
CREATE INDEX IF NOT EXISTS nodes_by_snapshot ON nodes(snapshot);
CREATE TABLE IF NOT EXISTS problem_ids (
    id TEXT PRIMARY KEY, key TEXT NOT NULL, first_period TEXT NOT NULL, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS problem_edits (
    id TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL, source TEXT, recorded TEXT,
    PRIMARY KEY (id, field));
CREATE INDEX IF NOT EXISTS snapshots_by_period ON snapshots(period, current);
"""


@dataclass(frozen=True, slots=True)
class Kept:
    """A project as a month keeps it: its identity across months and its status then."""

    key: str
    status: str | None
    project: Project


def project_key(p: Project, renames: dict[str, str]) -> str:
    """A project's identity across months: its code, else its normalised name in its unit.
    `renames` (new name key -> old, as the clerk confirmed them) maps a new name to the old."""
    code = str(p.code or "").strip()
    if code:
        return f"code:{code}"
    name = name_key(p.name)
    return f"name:{p.unit or ''}|{renames.get(name, name)}"


def rename_keys(renames: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The confirmed renames (old, new) as name keys: new -> old."""
    return {name_key(new): name_key(old) for old, new in renames}


def _digest(path: Path) -> str:
    with path.open("rb") as fh:  # in chunks: a file refused for its size may be huge
        return hashlib.file_digest(fh, "sha256").hexdigest()


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


def file_meta(files: Sequence[FileResult]) -> list[FileMeta]:
    """Hash and received time (the file's modification time) of every input file. Both are
    of the bytes that were parsed, carried from the one read; only a file never read (skipped
    by its name, refused for its size) is hashed and dated here, from the disk."""
    metas = []
    for f in files:
        try:
            sha256 = f.sha256 or _digest(f.path)
            # the time of the version read, taken with its bytes; a file never read: now's
            mtime = f.mtime if f.mtime is not None else f.path.stat().st_mtime
            received = dt.datetime.fromtimestamp(mtime).isoformat(timespec="seconds")
        except OSError:
            sha256, received = hashlib.sha256(b"").hexdigest(), ""
        for unit, ledgers in _by_unit(f):  # a file of a sheet per area reports for each
            metas.append(
                FileMeta(
                    f.label,
                    sha256,
                    unit,
                    f.status,
                    f.reason,
                    received,
                    sum(len(led.projects) for led in ledgers),
                    any(p.has_text for led in ledgers for p in led.projects),
                )
            )
    return metas


def _by_unit(f: FileResult) -> list[tuple[str, list[SheetLedger]]]:
    """The sheets counted of a file, by unit ('' and none for a file not read)."""
    if not f.ledgers:
        return [("", [])]
    groups: dict[str, list[SheetLedger]] = {}
    for led in f.ledgers:
        groups.setdefault(led.unit, []).append(led)
    return list(groups.items())


def files_from_workbook(book: Path) -> list[FileMeta]:
    """The 文件情况 sheet of a merged workbook, as the store keeps files (hashes and receive
    times are not in the workbook and stay empty). The lines of one file's sheets with one
    unit are that unit's file; a sheet not counted is no file."""
    out: dict[tuple[str, str], FileMeta] = {}
    for r in read_files_sheet(book) or []:
        if r.get(FILE_STATUS) == SHEET_SET_ASIDE:
            continue
        name, unit = str(r.get(FILE_NAME, "")), str(r.get(FILE_UNIT, ""))
        projects = int(float(str(r.get(FILE_PROJECTS) or 0)))
        if (name, unit) in out:
            before = out[(name, unit)]
            out[(name, unit)] = replace(before, projects=before.projects + projects)
            continue
        status = status_of_label(r.get(FILE_STATUS, ""))
        out[(name, unit)] = FileMeta(
            name, "", unit, status, str(r.get(FILE_REASON, "")), "", projects, True
        )
    return list(out.values())


_P = ParamSpec("_P")
_T = TypeVar("_T")


@contextmanager
def _translated(path: Path) -> Iterator[None]:
    """sqlite's and the file system's failures as a StoreProblem the clerk can act on."""
    try:
        yield
    except sqlite3.Error as exc:
        raise StoreProblem(_explain(path, exc)) from exc
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise StoreProblem(
                f"汇总记录“{path}”所在的磁盘空间不足（汇总记录未改动），请腾出空间后重新运行"
            ) from exc
        raise StoreProblem(
            f"汇总记录“{path}”无法打开或写入（{exc.strerror or exc}）；{REBUILD_HINT}"
        ) from exc


def _explain(path: Path, exc: sqlite3.Error) -> str:
    name = getattr(exc, "sqlite_errorname", "")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        what = "正被另一个程序占用（可能另一个 ledgerkit 正在写入），请稍后重试"
    elif name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM")):
        what = "所在的文件夹或文件是只读的，无法写入"
    elif name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")):
        what = "已损坏，不是有效的汇总记录"
    elif name.startswith("SQLITE_FULL"):
        what = "所在的磁盘空间不足（汇总记录未改动），请腾出空间后重新运行"
    else:
        what = f"无法使用（{exc}）"
    return f"汇总记录“{path}”{what}；{REBUILD_HINT}"


def _guarded(method: Callable[_P, _T]) -> Callable[_P, _T]:
    """A Store method whose sqlite failures come out as StoreProblem."""

    def run(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        store = args[0]
        assert isinstance(store, Store)
        with _translated(store.path):
            return method(*args, **kwargs)

    run.__doc__, run.__name__ = method.__doc__, method.__name__
    return run


class Store:
    """The SQLite history: snapshots of merged months. `read_only` opens it for reading only
    (it must exist), which never writes a byte, nor upgrades it."""

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only
        with _translated(path):
            self.db = _connect(path, read_only)
            try:
                self._check_version()
                if not read_only:
                    self.db.execute("PRAGMA journal_mode=WAL")
                    self._upgrade()
            except BaseException:
                self.db.close()
                raise

    def _check_version(self) -> None:
        version = int(self.db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise StoreProblem(
                f"汇总记录“{self.path}”是较新版本的 ledgerkit 写的（格式版本 {version}，"
                f"本版本只认识到 {SCHEMA_VERSION}），没有读取也没有改动它。请升级 ledgerkit；"
                f"或者{REBUILD_HINT}"
            )

    def _upgrade(self) -> None:
        """A new store's tables, or an older one's columns added since (leader: for next
        month's forms; version 2: the problem columns, and the problem ledger's tables of
        IDs and the clerk's edits); then its version. A current store is not written to."""
        if int(self.db.execute("PRAGMA user_version").fetchone()[0]) == SCHEMA_VERSION:
            return
        self.db.executescript(SCHEMA)
        have = {r["name"] for r in self.db.execute("PRAGMA table_info(projects)")}
        for column in ("leader", *KEPT_PROBLEM):
            if column not in have:
                self.db.execute(f"ALTER TABLE projects ADD COLUMN {column} TEXT")
        self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @_guarded
    def record(
        self,
        period: str,
        files: Sequence[FileMeta],
        kept: Sequence[Kept],
        nodes: Sequence[Node] = (),
        inputs: str = "",
    ) -> bool:
        """Keep a merged month (and its 节点), in one transaction. False when it is the same
        as the current version (a rerun on the same files), so reruns leave the store
        unchanged. `inputs` names what else the kept rows were made from (the settings,
        ledgerkit's version): the month is then told by its files' hashes and `inputs`, not by
        its rows."""
        node_rows = [_NODE_OF(n) for n in nodes]
        fingerprint = _fingerprint(files, kept, inputs, node_rows)
        current = self.db.execute(
            "SELECT id, fingerprint, version FROM snapshots WHERE period=? AND current=1", (period,)
        ).fetchone()
        if current and current["fingerprint"] == fingerprint:
            return False
        self.db.execute("BEGIN IMMEDIATE")  # a lock not had is no transaction to roll back
        try:
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
            marks = ", ".join("?" * (len(COLUMNS) + 1))
            self.db.executemany(
                f"INSERT INTO projects (snapshot, {', '.join(COLUMNS)}) VALUES ({marks})",
                (_stored_row(sid, k) for k in kept),
            )
            marks = ", ".join("?" * (len(NODE_COLUMNS) + 1))
            self.db.executemany(
                f"INSERT INTO nodes (snapshot, {', '.join(NODE_COLUMNS)}) VALUES ({marks})",
                ((sid, *r) for r in node_rows),
            )
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return True

    @_guarded
    def periods(self) -> list[str]:
        rows = self.db.execute("SELECT DISTINCT period FROM snapshots ORDER BY period")
        return [r["period"] for r in rows]

    @_guarded
    def kept(self, period: str, units: Collection[str] | None = None) -> list[Kept] | None:
        """The current version of a period's projects (those of `units` only, when given), or
        None when it is not stored."""
        sid = self._current(period)
        if sid is None:
            return None
        some = sorted(units or ())
        rows = self.db.cursor()
        rows.row_factory = None  # plain tuples: a month is 22,000 rows or more, read each month
        if units is None or len(some) > _MAX_PARAMS:  # (an old sqlite takes 999 parameters)
            rows.execute("SELECT * FROM projects WHERE snapshot=? ORDER BY rowid", (sid,))
            return _kept_rows(rows, None if units is None else set(units))
        rows.execute(
            "SELECT * FROM projects WHERE snapshot=? AND unit IN"
            f" ({', '.join('?' * len(some))}) ORDER BY rowid",
            (sid, *some),
        )
        return _kept_rows(rows, None)

    @_guarded
    def nodes(self, period: str) -> list[Node]:
        """The 节点 kept with the current version of a period (none for an older store)."""
        sid = self._current(period)
        if sid is None or not self._has("nodes"):
            return []
        rows = self.db.execute("SELECT * FROM nodes WHERE snapshot=? ORDER BY rowid", (sid,))
        return [_node(r) for r in rows]

    @_guarded
    def files(self, period: str) -> list[dict[str, Any]]:
        sid = self._current(period)
        if sid is None:
            return []
        return [dict(r) for r in self.db.execute("SELECT * FROM files WHERE snapshot=?", (sid,))]

    @_guarded
    def units(self) -> list[str]:
        """Every unit that ever sent a file, as written then."""
        rows = self.db.execute("SELECT DISTINCT unit FROM files WHERE unit <> '' ORDER BY unit")
        return [r["unit"] for r in rows]

    @_guarded
    def versions(self, period: str) -> int:
        row = self.db.execute("SELECT COUNT(*) AS n FROM snapshots WHERE period=?", (period,))
        return int(row.fetchone()["n"])

    @_guarded
    def problem_ids(self) -> list[dict[str, str]]:
        """The problem ledger's IDs given so far (id, key, first_period, text)."""
        if not self._has("problem_ids"):  # an older store read without upgrading
            return []
        rows = self.db.execute("SELECT id, key, first_period, text FROM problem_ids ORDER BY id")
        return [dict(r) for r in rows]

    @_guarded
    def problem_edits(self) -> dict[str, dict[str, str]]:
        """The clerk's edits of the problem ledger: id -> field -> value, as typed."""
        edits: dict[str, dict[str, str]] = {}
        if not self._has("problem_edits"):
            return edits
        for r in self.db.execute("SELECT id, field, value FROM problem_edits ORDER BY rowid"):
            edits.setdefault(r["id"], {})[r["field"]] = r["value"]
        return edits

    @_guarded
    def keep_problems(
        self,
        ids: Sequence[tuple[str, str, str, str]],
        edits: Sequence[tuple[str, str, str | None]],
        source: str,
    ) -> None:
        """New problem IDs (id, key, first period, text) and the clerk's edits (id, field,
        value; None takes the edit back), in one transaction. An ID once given is kept."""
        now = dt.datetime.now().isoformat(timespec="seconds")
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.executemany("INSERT OR IGNORE INTO problem_ids VALUES (?,?,?,?)", ids)
            for pid, name, value in edits:
                self.db.execute("DELETE FROM problem_edits WHERE id=? AND field=?", (pid, name))
                if value is not None:
                    self.db.execute(
                        "INSERT INTO problem_edits VALUES (?,?,?,?,?)",
                        (pid, name, value, source, now),
                    )
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def _has(self, table: str) -> bool:
        row = self.db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (table,))
        return row.fetchone() is not None

    def _current(self, period: str) -> int | None:
        row = self.db.execute(
            "SELECT id FROM snapshots WHERE period=? AND current=1", (period,)
        ).fetchone()
        return None if row is None else int(row["id"])


def _connect(path: Path, read_only: bool) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit). Read-only: sqlite's
    `mode=ro`; on read-only media where a WAL store's shared-memory file cannot be made, the
    file is read as it stands (`immutable=1`: a finished merge leaves nothing in the WAL)."""
    if read_only:
        uri = _uri(path)
        db = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None)
        try:
            db.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        except sqlite3.OperationalError as exc:
            db.close()
            # no -shm can be made (SQLITE_CANTOPEN, or SQLITE_READONLY_CANTINIT and kin)
            if not getattr(exc, "sqlite_errorname", "").startswith(
                ("SQLITE_CANTOPEN", "SQLITE_READONLY")
            ):
                raise
            db = sqlite3.connect(f"{uri}?immutable=1", uri=True, isolation_level=None)
        except BaseException:
            db.close()  # a damaged file is not held open (Windows could not replace it)
            raise
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(str(path), isolation_level=None, timeout=BUSY_SECONDS)
    db.row_factory = sqlite3.Row
    return db


def _uri(path: Path) -> str:
    """sqlite's URI of a file: `file:` and the path with ? # % and the rest percent-encoded.
    Not Path.as_uri(): a network share's \\\\server\\share becomes file://server/share, and
    sqlite refuses any URI authority but localhost; an empty authority first keeps it a path."""
    posix = path.resolve().as_posix()
    return "file:" + ("//" if posix.startswith("//") else "") + quote(posix, safe="/:")


def _row(k: Kept) -> dict[str, Any]:
    """A kept project as the table's columns (the values also fingerprint the month)."""
    p = k.project
    row: dict[str, Any] = {c: getattr(p, c) for c in KEPT_FIELDS}
    row.update({c: getattr(p, c) for c in KEPT_TEXT})
    # the problem columns only when a row has one: a month stored before version 2, merged
    # again from the same files, keeps its fingerprint (and so adds no version)
    row.update({c: v for c in KEPT_PROBLEM if (v := getattr(p, c)) is not None})
    src = p.origin or p.source  # a month rebuilt from its workbook keeps the units' files
    row.update(key=k.key, status=k.status, file=src.file, sheet=src.sheet)
    row["row"] = src.row
    return row


def _kept_rows(rows: sqlite3.Cursor, units: set[str] | None) -> list[Kept]:
    """The kept projects of a query's rows (plain tuples), of `units` only when given. The
    columns are looked up once: a store of an older ledgerkit, read without upgrading, has
    no leader column, and its rows are read without it."""
    at = {d[0]: i for i, d in enumerate(rows.description)}
    held = [(c, at[c]) for c in (*KEPT_FIELDS, *KEPT_TEXT, *KEPT_PROBLEM) if c in at]
    money = [c for c, _ in held if c in _MONEY]
    key, status, unit = at["key"], at["status"], at["unit"]
    file, sheet, row = at["file"], at["sheet"], at["row"]
    out = []
    for r in rows:
        if units is not None and r[unit] not in units:
            continue
        values = {c: v for c, i in held if (v := r[i]) is not None}
        for c in money:
            if c in values:
                values[c] = Decimal(values[c])
        if "started" in values:
            values["started"] = bool(values["started"])
        source = Source(r[file] or "", r[sheet] or "", r[row] or 0)
        out.append(Kept(r[key], r[status], make(source, values, {})))
    return out


def _node(row: sqlite3.Row) -> Node:
    text = {c: str(row[c] or "") for c in NODE_COLUMNS if c != "row"}
    return Node(**text, row=int(row["row"] or 0))


# the projects table's columns a project holds, read in one call each (money as exact decimal
# text, flags as 0/1: sqlite stores a bool as an integer, a None as NULL)
_FIELDS_OF = operator.attrgetter(*KEPT_FIELDS)
_TEXT_OF = operator.attrgetter(*KEPT_TEXT)
_PROBLEM_OF = operator.attrgetter(*KEPT_PROBLEM)
_MONEY_AT = tuple(i for i, c in enumerate(KEPT_FIELDS) if c in _MONEY)
_NODE_OF = operator.attrgetter(*NODE_COLUMNS)


def _stored_row(sid: int | None, k: Kept) -> tuple[Any, ...]:
    """A kept project as the projects table's row (what `_row` holds, in COLUMNS' order):
    22,000 projects a month, 28 columns each."""
    p = k.project
    src = p.origin or p.source
    fields = list(_FIELDS_OF(p))
    for i in _MONEY_AT:
        if (v := fields[i]) is not None:
            fields[i] = str(v)
    return (
        sid,
        k.key,
        *fields,
        k.status,
        *_TEXT_OF(p),
        src.file,
        src.sheet,
        src.row,
        *_PROBLEM_OF(p),
    )


def _fingerprint(
    files: Sequence[FileMeta],
    kept: Sequence[Kept],
    inputs: str,
    nodes: Sequence[tuple[Any, ...]] = (),
) -> str:
    """sha256 of what made the month: the files as kept (each with the hash of its bytes) and
    `inputs`. Rows (and 节点) follow from those, so they are hashed only when something else
    may have made them: no `inputs` given, or a file without a hash (a month rebuilt from its
    workbook). Rows go in as JSON a thousand at a time: the whole text of 200,000 rows would
    hold hundreds of MB at once for a hash."""
    digest = hashlib.sha256()

    def dumps(value: Any) -> bytes:
        return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False).encode("utf-8")

    digest.update(b"[" + dumps([f.__dict__ for f in files]) + b", [")
    if inputs and all(f.sha256 for f in files):
        digest.update(b"]" + dumps(inputs) + b"]")
        return digest.hexdigest()
    rows = [_row(k) for k in kept]
    for start in range(0, len(rows), 1000):
        if start:
            digest.update(b", ")
        digest.update(dumps(rows[start : start + 1000])[1:-1])  # the rows, without [ ]
    digest.update(b"]]")
    if nodes:  # a month with no 节点 keeps the fingerprint it had before nodes were kept
        digest.update(dumps(list(nodes)))
    return digest.hexdigest()
