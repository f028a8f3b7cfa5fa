"""The history store when the machine is at fault: a damaged, locked, read-only or newer
store never stops the month's workbook, and the commands that only read work read-only."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import builders
import pytest
from builders import run_cli

from ledgerkit import store as store_module
from ledgerkit.errors import StoreProblem, WorkspaceBusy
from ledgerkit.lock import lock_path
from ledgerkit.store import SCHEMA_VERSION, STORE_NAME, Store

HEAD = ["项目名称", "项目类别", "总投资", "年度计划投资", "累计完成投资", "本月完成投资"]
YTD = {"2024-01": 100, "2024-02": 80}  # February's cumulative went down: a cross-month finding


def month(root: Path, key: str) -> Path:
    folder = root / key
    folder.mkdir(exist_ok=True)
    row = ["卧龙镇污水处理厂", "续建", 1000, 400, YTD[key], 50]
    builders.xlsx(folder / "卧龙镇.xlsx", [["卧龙镇2024年重点项目台账"], HEAD, row])
    return folder


def merge(capsysbinary: Any, root: Path, key: str) -> tuple[int, dict, Path]:
    out = root / f"{key}汇总.xlsx"
    code, stdout, err = run_cli(
        capsysbinary, "merge", str(month(root, key)), "-o", str(out), "--json"
    )
    assert code in (0, 1), err
    return code, json.loads(stdout), out


def codes(data: dict) -> dict[str, str]:
    return {i["code"]: i["message"] for i in data["issues"]}


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "ledgerkit.toml").write_text('region = "襄城区"\n', "utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_store_of_garbage_bytes_warns_and_the_workbook_is_written(root, capsysbinary):
    (root / STORE_NAME).write_bytes(b"\x00garbage, not sqlite\xff" * 200)
    before = (root / STORE_NAME).read_bytes()
    _code, data, out = merge(capsysbinary, root, "2024-01")
    assert out.is_file()
    found = codes(data)
    assert "已损坏" in found["history-unreadable"]
    assert "ledgerkit history rebuild" in found["history-not-recorded"]
    assert (root / STORE_NAME).read_bytes() == before  # never "repaired" by overwriting
    code, _, err = run_cli(capsysbinary, "status")
    assert code == 3 and "已损坏" in err and "ledgerkit history rebuild" in err
    code, _, err = run_cli(capsysbinary, "history", "rebuild")
    assert code == 0
    with Store(root / STORE_NAME, read_only=True) as s:
        assert s.periods() == ["2024-01"]


def test_a_store_of_a_newer_ledgerkit_is_refused_never_misread(root, capsysbinary):
    merge(capsysbinary, root, "2024-01")
    with sqlite3.connect(root / STORE_NAME) as db:
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    _code, data, out = merge(capsysbinary, root, "2024-02")
    assert out.is_file()
    found = codes(data)
    assert (
        "较新版本" in found["history-unreadable"]
        and "请升级 ledgerkit" in found["history-unreadable"]
    )
    assert "history-not-recorded" in found and "ytd-decreased" not in found
    with sqlite3.connect(root / STORE_NAME) as db:  # untouched: still one month, still v+1
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
        assert db.execute("SELECT COUNT(*) FROM snapshots").fetchone()[0] == 1
    code, _, err = run_cli(capsysbinary, "status")
    assert code == 3 and "较新版本" in err
    with pytest.raises(StoreProblem):
        Store(root / STORE_NAME)


def test_a_store_without_a_version_is_read_as_it_is_and_upgraded_when_written(root, capsysbinary):
    merge(capsysbinary, root, "2024-01")
    with sqlite3.connect(root / STORE_NAME) as db:  # as ledgerkit 0.x left it
        db.execute("ALTER TABLE projects DROP COLUMN leader")
        db.execute("PRAGMA user_version=0")
    code, _, err = run_cli(capsysbinary, "status")  # read-only: read as it is
    assert code in (0, 1), err
    with sqlite3.connect(root / STORE_NAME) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 0
    _code, data, _ = merge(capsysbinary, root, "2024-02")
    assert "ytd-decreased" in codes(data)  # January was read from the old store
    with sqlite3.connect(root / STORE_NAME) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert "leader" in {r[1] for r in db.execute("PRAGMA table_info(projects)")}


def test_check_status_and_report_work_from_a_read_only_folder(root, capsysbinary, monkeypatch):
    merge(capsysbinary, root, "2024-01")
    month(root, "2024-02")
    before = (root / STORE_NAME).read_bytes()
    read_only_media(monkeypatch)
    code, out, err = run_cli(capsysbinary, "check", str(root / "2024-02"), "--json")
    assert code == 1, err  # the finding against January: the store was read
    assert "ytd-decreased" in codes(json.loads(out))
    code, out, err = run_cli(capsysbinary, "status", "--json")
    assert code == 0 and json.loads(out)["period"] == "2024-01", err
    code, out, err = run_cli(capsysbinary, "report", str(root / "2024-01汇总.xlsx"), "--json")
    assert code == 0 and json.loads(out)["period"]["key"] == "2024-01", err
    _code, data, out_book = merge(capsysbinary, root, "2024-02")
    assert out_book.is_file()
    assert "只读" in codes(data)["history-not-recorded"]
    assert (root / STORE_NAME).read_bytes() == before


def read_only_media(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every connection the store makes in sqlite's read-only mode, as on a read-only folder
    (chmod does not stop root, who runs the tests)."""
    real = sqlite3.connect

    def connect(database: Any, *args: Any, uri: bool = False, **kwargs: Any) -> sqlite3.Connection:
        if not uri:
            database, uri = Path(database).resolve().as_uri(), True
        return real(str(database).split("?")[0] + "?mode=ro", *args, uri=uri, **kwargs)

    monkeypatch.setattr(store_module.sqlite3, "connect", connect)


def test_a_store_locked_by_another_writer_warns_and_the_workbook_is_written(
    root, capsysbinary, monkeypatch
):
    merge(capsysbinary, root, "2024-01")
    monkeypatch.setattr(store_module, "BUSY_SECONDS", 0.05)
    other = sqlite3.connect(root / STORE_NAME, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE snapshots SET recorded = recorded")
    try:
        _code, data, out = merge(capsysbinary, root, "2024-02")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert out.is_file()
    found = codes(data)
    assert "ytd-decreased" in found  # readers are not blocked by the writer
    assert "占用" in found["history-not-recorded"]
    assert "ledgerkit history rebuild" in found["history-not-recorded"]
    with Store(root / STORE_NAME, read_only=True) as s:
        assert s.periods() == ["2024-01"]


def test_a_second_merge_in_the_workspace_is_refused_while_the_first_holds_the_lock(
    root, capsysbinary
):
    merge(capsysbinary, root, "2024-01")
    lock = lock_path(root / STORE_NAME)
    holder = {"pid": os.getpid(), "host": socket.gethostname(), "since": "2024-05-06T09:00:00"}
    lock.write_text(json.dumps(holder), "utf-8")  # this test process is the other ledgerkit
    out = root / "2024-02汇总.xlsx"
    code, _, err = run_cli(capsysbinary, "merge", str(month(root, "2024-02")), "-o", str(out))
    assert code == 3 and not out.exists()
    assert "另一个 ledgerkit 正在汇总此工作区" in err and str(os.getpid()) in err
    assert str(lock) in err.replace("\n", "")  # the file to delete if nothing else runs
    with Store(root / STORE_NAME, read_only=True) as s:
        assert s.periods() == ["2024-01"]
    code, _, err = run_cli(capsysbinary, "check", str(root / "2024-02"))  # reading is fine
    assert code == 1, err
    assert lock.exists()  # the refused run left the other's lock alone


def test_a_lock_left_by_a_dead_run_is_broken(root, capsysbinary):
    dead = subprocess.Popen([sys.executable, "-c", ""])
    dead.wait()
    lock = lock_path(root / STORE_NAME)
    lock.write_text(json.dumps({"pid": dead.pid, "host": socket.gethostname()}), "utf-8")
    _code, _data, out = merge(capsysbinary, root, "2024-01")
    assert out.is_file() and not lock.exists()


def test_a_lock_of_another_computer_or_unreadable_is_never_broken(root, capsysbinary):
    lock = lock_path(root / STORE_NAME)
    for text in ('{"pid": 1, "host": "另一台电脑"}', ""):
        lock.write_text(text, "utf-8")
        code, _, err = run_cli(capsysbinary, "merge", str(month(root, "2024-01")))
        assert code == 3 and "另一个 ledgerkit" in err


def test_rebuild_takes_only_the_workbooks_ledgerkit_wrote_and_names_the_others(root, capsysbinary):
    merge(capsysbinary, root, "2024-01")
    row = ["卧龙镇道路工程", "新建", 2000, 600, 100, 100]
    own = builders.xlsx(root / "2024-01" / "卧龙镇汇总.xlsx", [["卧龙镇2024年1月汇总"], HEAD, row])
    (root / STORE_NAME).unlink()
    code, out, err = run_cli(capsysbinary, "history", "rebuild", "--json")
    data = json.loads(out)
    assert code == 0 and data["periods"] == ["2024-01"], err
    assert [Path(s["path"]).name for s in data["skipped"]] == [own.name]
    assert "不是 ledgerkit 写出的汇总表" in data["skipped"][0]["reason"]
    with Store(root / STORE_NAME, read_only=True) as s:
        names = {k.project.name for k in s.kept("2024-01") or []}
    assert names == {"卧龙镇污水处理厂"}  # the unit's own 汇总 file was not taken
    code, out, _ = run_cli(capsysbinary, "history", "rebuild")
    assert code == 0 and "已跳过" in out and own.name in out.replace("\n", "")


def test_the_store_is_read_read_only_from_a_folder_with_uri_characters_in_its_name(
    tmp_path, capsysbinary, monkeypatch
):
    root = tmp_path / "重点 项目 #1?a=b%20"
    root.mkdir()
    (root / "ledgerkit.toml").write_text('region = "襄城区"\n', "utf-8")
    monkeypatch.chdir(root)
    merge(capsysbinary, root, "2024-01")
    code, out, err = run_cli(capsysbinary, "status", "--json")
    assert code == 0 and json.loads(out)["period"] == "2024-01", err
    with Store(root / STORE_NAME, read_only=True) as s:
        assert s.path == root / STORE_NAME and s.periods() == ["2024-01"]


def test_a_dead_runs_lock_is_broken_by_one_run_only(root, monkeypatch):
    from ledgerkit import lock as lock_module

    dead = subprocess.Popen([sys.executable, "-c", ""])
    dead.wait()
    lock = lock_path(root / STORE_NAME)
    lock.write_text(json.dumps({"pid": dead.pid, "host": socket.gethostname()}), "utf-8")
    real_holder = lock_module._holder
    raced = []

    def holder(path: Path) -> dict:
        seen = real_holder(path)
        if not raced:  # between this run finding the lock stale and breaking it, a racing
            raced.append(True)  # run breaks it and takes the workspace
            lock.unlink()
            lock.write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname()}))
        return seen

    monkeypatch.setattr(lock_module, "_holder", holder)
    with pytest.raises(WorkspaceBusy), lock_module.workspace_lock(root / STORE_NAME):
        pass
    assert json.loads(lock.read_text())["pid"] == os.getpid()  # the racer's lock stands
    assert not lock.with_name(lock.name + ".break").exists()


def test_a_full_disk_under_the_store_is_a_chinese_warning_and_the_workbook_is_written(
    root, capsysbinary, monkeypatch
):
    # sqlite's own "database or disk is full" (SQLITE_FULL), made real by capping the pages
    # the store's connection may use at what a new store holds
    real = store_module._connect

    def full_disk(path: Path, read_only: bool) -> sqlite3.Connection:
        db = real(path, read_only)
        db.execute("PRAGMA max_page_count=1")
        return db

    monkeypatch.setattr(store_module, "_connect", full_disk)
    _code, data, out = merge(capsysbinary, root, "2024-01")
    assert out.is_file()
    message = codes(data)["history-not-recorded"]
    assert "磁盘空间不足" in message and "disk is full" not in message


def test_a_version_1_store_gains_the_loops_columns_and_tables_when_written(root, capsysbinary):
    merge(capsysbinary, root, "2024-01")
    with sqlite3.connect(root / STORE_NAME) as db:  # as the ledgerkit before issue 15 left it
        for column in ("problem_unit", "problem_person", "problem_due", "problem_done"):
            db.execute(f"ALTER TABLE projects DROP COLUMN {column}")
        db.execute("ALTER TABLE projects DROP COLUMN actual_start")
        db.execute("ALTER TABLE projects DROP COLUMN planned_finish")
        for table in ("nodes", "problem_ids", "problem_edits"):
            db.execute(f"DROP TABLE {table}")
        db.execute("PRAGMA user_version=1")
    with Store(root / STORE_NAME, read_only=True) as store:  # read as it is
        assert store.kept("2024-01")
        assert (store.nodes("2024-01"), store.problem_ids(), store.problem_edits()) == ([], [], {})
    merge(capsysbinary, root, "2024-02")
    with sqlite3.connect(root / STORE_NAME) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
        columns = {r[1] for r in db.execute("PRAGMA table_info(projects)")}
        assert {"problem_due", "problem_done", "planned_finish"} <= columns
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"nodes", "problem_ids", "problem_edits"} <= tables
