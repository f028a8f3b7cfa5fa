"""Three months of ledgers through merge: the store, the checks across months, 环比, status."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from pathlib import Path

import builders
import openpyxl
import pytest
from builders import run_cli

from ledgerkit.store import STORE_NAME, Store

HEAD = [
    "项目名称",
    "项目类别",
    "总投资",
    "年度计划投资",
    "累计完成投资",
    "本月完成投资",
    "是否开工",
    "计划开工时间",
    "形象进度",
]


def ledger(folder: Path, unit: str, rows: list[list], received: str) -> Path:
    path = builders.xlsx(folder / f"{unit}.xlsx", [[f"{unit}2024年重点项目台账"], HEAD, *rows])
    stamp = dt.datetime.fromisoformat(received).timestamp()
    os.utime(path, (stamp, stamp))
    return path


MONTHS = {
    "2024-01": {
        "卧龙镇": (
            [
                ["卧龙镇污水处理厂", "续建", 1000, 400, 50, 50, "是", "", "施工"],
                ["卧龙镇道路工程", "新建", 2000, 600, 100, 100, "是", "", "施工"],
                ["卧龙镇冷链物流中心", "新建", 500, 200, 0, 0, "否", "2024-01", "前期"],
            ],
            "2024-02-03",
        ),
        "尹集乡": (
            [
                ["尹集乡物流园", "续建", 3000, 1000, 100, 100, "是", "", "施工"],
                ["尹集乡养老服务中心建设项目", "新建", 800, 300, 0, 0, "否", "2024-06", ""],
            ],
            "2024-02-04",
        ),
    },
    "2024-02": {
        "卧龙镇": (
            [
                ["卧龙镇污水处理厂", "续建", 1000, 400, 120, 70, "是", "", "施工"],
                ["卧龙镇道路工程", "新建", 2000, 600, 80, 30, "是", "", "施工"],
            ],
            "2024-03-01",
        ),
        "尹集乡": (
            [
                ["尹集乡物流园", "续建", 3000, 1200, 200, 100, "是", "", "施工"],
                ["尹集乡养老服务中心项目", "新建", 800, 300, 0, 0, "否", "2024-06", ""],
            ],
            "2024-03-10",
        ),  # after the 5th: late
    },
    "2024-03": {
        "卧龙镇": (
            [
                ["卧龙镇污水处理厂", "续建", 1000, 400, 200, 80, "是", "", "施工"],
                ["卧龙镇道路工程", "新建", 2000, 600, 150, 70, "是", "", "施工"],
            ],
            "2024-04-02",
        ),
    },
}


def build(root: Path, key: str) -> Path:
    folder = root / key
    folder.mkdir(parents=True, exist_ok=True)
    for unit, (rows, received) in MONTHS[key].items():
        ledger(folder, unit, rows, received)
    return folder


def merge(capsysbinary, root: Path, key: str) -> tuple[int, dict]:
    code, out, err = run_cli(
        capsysbinary, "merge", str(build(root, key)), "-o", str(root / f"{key}汇总.xlsx"), "--json"
    )
    assert code in (0, 1), err
    return code, json.loads(out)


@pytest.fixture
def root(tmp_path: Path, monkeypatch) -> Path:
    (tmp_path / "ledgerkit.toml").write_text('region = "襄城区"\n', "utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _found(data: dict) -> set[tuple[str, str, str]]:
    cross = {
        "ytd-decreased",
        "month-mismatch",
        "figure-changed",
        "project-missing",
        "suspected-rename",
        "idle-months",
        "lagging-months",
    }
    return {(i["code"], i["file"], i["cell"]) for i in data["issues"] if i["code"] in cross}


def test_three_months_give_exactly_the_planted_findings(root, capsysbinary):
    _, first = merge(capsysbinary, root, "2024-01")
    assert _found(first) == set()  # nothing to compare with
    code, second = merge(capsysbinary, root, "2024-02")
    assert code == 1  # a cumulative that went down is an error
    assert _found(second) == {
        ("ytd-decreased", "卧龙镇.xlsx", "E4"),  # 100 -> 80
        ("month-mismatch", "卧龙镇.xlsx", "F4"),  # reported 30, cumulative moved -20
        ("project-missing", "卧龙镇.xlsx", ""),  # 卧龙镇冷链物流中心
        ("figure-changed", "尹集乡.xlsx", "D3"),  # plan 1000 -> 1200
        ("suspected-rename", "尹集乡.xlsx", "A4"),  # 养老服务中心建设项目 -> 养老服务中心项目
    }
    messages = " ".join(i["message"] for i in second["issues"])
    assert "卧龙镇冷链物流中心" in messages and "疑似同一项目" in messages
    assert "由上月的100万元降为80万元" in messages
    assert "本月完成30万元，但累计完成较上月减少20万元" in messages  # never "增加的-20万元"
    _, third = merge(capsysbinary, root, "2024-03")
    # 尹集乡 sent nothing in March: one finding for the unit, not one per project of it
    assert not [i for i in third["issues"] if i["code"] == "project-missing"]
    (gone,) = [i for i in third["issues"] if i["code"] == "unit-missing"]
    assert "尹集乡" in gone["message"] and "上月2个项目" in gone["message"]
    assert gone["file"] == "尹集乡.xlsx"


def test_checking_one_units_file_compares_it_with_its_own_last_month_only(root, capsysbinary):
    # a unit re-sends its file and the clerk checks that file alone: its cumulative that went
    # down is found, but the units not asked about are not 未报送
    merge(capsysbinary, root, "2024-01")
    folder = build(root, "2024-02")
    one = str(folder / "卧龙镇.xlsx")
    code, out, _ = run_cli(capsysbinary, "check", one, "--period", "2024-02", "--json")
    found = json.loads(out)["issues"]
    assert code == 1 and ("ytd-decreased", "E4") in {(i["code"], i["cell"]) for i in found}
    assert not [i for i in found if i["code"] == "unit-missing"]
    gone = [i["message"] for i in found if i["code"] == "project-missing"]
    assert len(gone) == 1 and "卧龙镇冷链物流中心" in gone[0]  # its own project, dropped
    assert "尹集乡" not in " ".join(i["message"] for i in found)
    # the month's folder checked whole: a unit that sent nothing is named
    (folder / "尹集乡.xlsx").unlink()
    _code, out, _ = run_cli(capsysbinary, "check", str(folder), "--json")
    gone = [i for i in json.loads(out)["issues"] if i["code"] == "unit-missing"]
    assert len(gone) == 1 and "尹集乡" in gone[0]["message"]


def test_status_tells_late_and_missing_units(root, capsysbinary):
    for key in MONTHS:
        merge(capsysbinary, root, key)
    code, out, _ = run_cli(capsysbinary, "status", "--period", "2024-02", "--json")
    data = json.loads(out)
    assert code == 0 and data["deadline"] == "2024-03-05"
    units = {u["unit"]: u for u in data["units"]}
    assert units["卧龙镇"]["status"] == "已报送" and units["尹集乡"]["status"] == "逾期"
    assert units["尹集乡"]["text_analysis"] is True
    code, out, _ = run_cli(capsysbinary, "status", "--json")  # the latest month: 2024-03
    data = json.loads(out)
    assert code == 1 and data["period"] == "2024-03" and data["missing"] == ["尹集乡"]


def test_trend_mom_and_series(root, capsysbinary):
    merge(capsysbinary, root, "2024-01")
    merge(capsysbinary, root, "2024-02")
    _code, out, _ = run_cli(capsysbinary, "report", str(root / "2024-02汇总.xlsx"), "--json")
    trend = json.loads(out)["trend"]
    assert trend["mom"]["ytd_change"] == 150  # 400 - 250
    assert [s["month_completed"] for s in trend["series"]] == [250, 150]
    assert trend["yoy"] is None
    assert [s["ytd_completed"] for s in trend["unit_series"]["卧龙镇"]] == [150, 200]


def test_a_rerun_leaves_the_store_as_it_was(root, capsysbinary):
    merge(capsysbinary, root, "2024-01")
    before = (root / STORE_NAME).stat().st_size
    run_cli(capsysbinary, "merge", str(root / "2024-01"), "-o", str(root / "2024-01汇总.xlsx"))
    assert (root / STORE_NAME).stat().st_size == before
    with Store(root / STORE_NAME) as store:
        assert store.versions("2024-01") == 1
    ledger(
        root / "2024-01",
        "卧龙镇",
        [["卧龙镇污水处理厂", "续建", 1000, 400, 60, 60, "是", "", ""]],
        "2024-02-04",
    )
    run_cli(capsysbinary, "merge", str(root / "2024-01"), "-o", str(root / "2024-01汇总.xlsx"))
    with Store(root / STORE_NAME) as store:
        assert store.versions("2024-01") == 2  # the earlier version is kept ...
        current = store.kept("2024-01")  # ... and the new one is current
    assert {k.project.name: k.project.ytd_completed for k in current}["卧龙镇污水处理厂"] == 60


def test_a_rerun_with_other_settings_keeps_the_statuses_they_give(root, capsysbinary):
    # the same files, judged by other thresholds: the month is kept again, with the new status
    merge(capsysbinary, root, "2024-01")
    with Store(root / STORE_NAME) as store:
        before = {k.project.name: k.status for k in store.kept("2024-01")}
    (root / "ledgerkit.toml").write_text(
        'region = "襄城区"\n[status]\nyellow_gap = 1\nred_gap = 2\n', "utf-8"
    )
    again = ("merge", str(root / "2024-01"), "-o", str(root / "2024-01汇总.xlsx"))
    run_cli(capsysbinary, *again)  # the same files
    run_cli(capsysbinary, *again)  # the same files and settings once more: nothing new
    with Store(root / STORE_NAME) as store:
        assert store.versions("2024-01") == 2
        after = {k.project.name: k.status for k in store.kept("2024-01")}
    assert before.keys() == after.keys()
    assert before != after


def test_a_merge_killed_half_way_leaves_the_store_unchanged(root, capsysbinary, monkeypatch):
    merge(capsysbinary, root, "2024-01")
    before = sqlite3.connect(root / STORE_NAME).execute("SELECT COUNT(*) FROM projects").fetchone()

    def die(self, period, files, rows, nodes=(), *inputs):  # dies inside the open transaction
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute("UPDATE snapshots SET current=0")
        self.db.execute("DELETE FROM projects")
        raise RuntimeError("断电")

    monkeypatch.setattr(Store, "record", die)
    code, _, err = run_cli(
        capsysbinary, "merge", str(build(root, "2024-02")), "-o", str(root / "x.xlsx")
    )
    assert code == 3 and "断电" in err
    monkeypatch.undo()
    with Store(root / STORE_NAME) as store:
        assert store.periods() == ["2024-01"] and store.kept("2024-01")
    after = sqlite3.connect(root / STORE_NAME).execute("SELECT COUNT(*) FROM projects").fetchone()
    assert after == before


def test_history_series_and_rebuild(root, capsysbinary):
    for key in MONTHS:
        merge(capsysbinary, root, key)
    code, out, _ = run_cli(capsysbinary, "history", "污水处理厂", "--json")
    series = json.loads(out)
    assert [m["ytd_completed"] for m in series["卧龙镇污水处理厂（卧龙镇）"]] == [50, 120, 200]
    with Store(root / STORE_NAME) as store:
        merged = [k.project.source for k in store.kept("2024-02") or []]
    (root / STORE_NAME).unlink()
    code, out, _ = run_cli(capsysbinary, "history", "rebuild")
    assert code == 0 and "3 个月" in out
    with Store(root / STORE_NAME) as store:
        assert store.periods() == ["2024-01", "2024-02", "2024-03"]
        assert len(store.kept("2024-02")) == 4
        assert {f["unit"] for f in store.files("2024-02")} == {"卧龙镇", "尹集乡"}
        # rebuilt from the workbook, a project still says which unit's file it came from
        assert [k.project.source for k in store.kept("2024-02") or []] == merged


def test_versions_from_one_unit_use_the_newest(root, capsysbinary):
    folder = build(root, "2024-01")
    rows, _ = MONTHS["2024-01"]["卧龙镇"]
    newer = [r[:] for r in rows]
    newer[0][4] = 55
    path = builders.xlsx(
        folder / "卧龙镇（修改）.xlsx", [["卧龙镇2024年重点项目台账"], HEAD, *newer]
    )
    stamp = dt.datetime(2024, 2, 4, 12).timestamp()
    os.utime(path, (stamp, stamp))
    _, data = merge(capsysbinary, root, "2024-01")
    files = {Path(f["path"]).name: f for f in data["files"]}
    assert (
        files["卧龙镇.xlsx"]["status"] == "skipped"
        and "卧龙镇（修改）.xlsx" in files["卧龙镇.xlsx"]["reason"]
    )
    assert data["by_unit"]["卧龙镇"]["ytd_completed"] == 155
    assert not [i for i in data["issues"] if i["code"] == "duplicate-project"]
    wb = openpyxl.load_workbook(root / "2024-01汇总.xlsx")
    assert wb["文件情况"]["B3"].value in ("已跳过", "已汇总")


def test_the_workbook_and_bulletin_gain_the_trend(root, capsysbinary):
    from docx import Document

    merge(capsysbinary, root, "2024-01")
    merge(capsysbinary, root, "2024-02")
    wb = openpyxl.load_workbook(root / "2024-02汇总.xlsx")
    ws = wb["趋势"]
    assert [ws.cell(row=r, column=1).value for r in (3, 4)] == ["2024-01", "2024-02"]
    assert ws.cell(row=4, column=6).value == 0.02  # 本月完成 150万元 in 亿元, shown to 0.01
    units = {ws.cell(row=r, column=1).value: r for r in range(7, ws.max_row + 1)}
    assert ws.cell(row=units["卧龙镇"], column=3).value == 0.02  # 200万元 by February
    run_cli(capsysbinary, "report", str(root / "2024-02汇总.xlsx"), "-o", str(root / "通报.docx"))
    text = "\n".join(p.text for p in Document(str(root / "通报.docx")).paragraphs)
    assert "与上月相比，累计完成投资增加0.02亿元，完成率提高" in text


def test_change_filters():
    from decimal import Decimal

    from ledgerkit.bulletin import filters
    from ledgerkit.settings import Settings

    f = filters(Settings())
    assert f["change_yi"](Decimal(15000)) == "增加1.5亿元"
    assert f["change_yi"](Decimal(-3000)) == "减少0.3亿元"
    assert f["change_yi"](Decimal(1)) == "持平"
    assert f["change_pp"](Decimal("-2.04")) == "下降2个百分点"
    assert f["growth"](Decimal("0.123")) == "增长12.3%"
    assert f["growth"](None) == "无法比较"


def test_a_confirmed_rename_is_one_project(root, capsysbinary):
    (root / "ledgerkit.toml").write_text(
        'region = "襄城区"\n[history]\nsame_project = [["尹集乡养老服务中心建设项目", "尹集乡养老服务中心项目"]]\n',
        "utf-8",
    )
    merge(capsysbinary, root, "2024-01")
    _, data = merge(capsysbinary, root, "2024-02")
    codes = {(i["code"], i["file"]) for i in data["issues"]}
    assert ("suspected-rename", "尹集乡.xlsx") not in codes
    assert not any(
        "养老服务中心" in i["message"] for i in data["issues"] if i["code"] == "project-missing"
    )


def test_months_in_a_row_not_started_and_a_year_on_year_growth(root, capsysbinary):
    (root / "ledgerkit.toml").write_text(
        'region = "襄城区"\n[history]\nstreak_months = 2\n', "utf-8"
    )
    merge(capsysbinary, root, "2024-01")
    _, second = merge(capsysbinary, root, "2024-02")
    idle = [i for i in second["issues"] if i["code"] == "idle-months"]
    assert [i["message"] for i in idle] == []  # the renamed project starts a new run
    folder = root / "2025-02"
    folder.mkdir()
    ledger(
        folder,
        "卧龙镇",
        [["卧龙镇污水处理厂", "续建", 1000, 400, 300, 100, "是", "", "施工"]],
        "2025-03-01",
    )
    run_cli(capsysbinary, "merge", str(folder), "-o", str(root / "2025-02汇总.xlsx"))
    _code, out, _ = run_cli(capsysbinary, "report", str(root / "2025-02汇总.xlsx"), "--json")
    yoy = json.loads(out)["trend"]["yoy"]
    # like with like: only 卧龙镇 reported both years (120 + 80 then, 300 now); 尹集乡's 200
    # last year is not a fall of this year's figures, it is a unit named as missing
    assert yoy["period"] == "2024-02" and yoy["ytd_change"] == 300 - 200
    assert yoy["ytd_growth"] == 0.5
    assert (yoy["units_compared"], yoy["missing"], yoy["new"]) == (1, ["尹集乡"], [])


def test_a_project_idle_for_months_is_flagged(root, capsysbinary):
    (root / "ledgerkit.toml").write_text(
        'region = "襄城区"\n[history]\nstreak_months = 2\n', "utf-8"
    )
    for key in ("2024-01", "2024-02"):
        folder = root / key
        folder.mkdir()
        ledger(
            folder,
            "欧庙镇",
            [["欧庙镇游客中心", "新建", 900, 300, 0, 0, "否", "2024-09", "前期"]],
            f"{key}-20",
        )
        _code, out, _ = run_cli(
            capsysbinary, "merge", str(folder), "-o", str(root / f"{key}汇总.xlsx"), "--json"
        )
    idle = [i for i in json.loads(out)["issues"] if i["code"] == "idle-months"]
    assert [(i["cell"], i["message"]) for i in idle] == [
        ("G3", "“欧庙镇游客中心”已连续2个月未开工")
    ]


EIGHT = ["卧龙镇", "尹集乡", "欧庙镇", "檀溪街道", "隆中街道", "庞公街道", "真武山街道", "开发区"]


def _partial_months(root: Path, roster: bool, capsysbinary) -> None:
    """March: all eight units; April: only the first three in (the rest have not sent yet).
    Every unit's projects grow from March to April."""
    if roster:
        units = "".join(f'[[units]]\nname = "{u}"\n' for u in EIGHT)
        (root / "ledgerkit.toml").write_text(f'region = "襄城区"\n{units}', "utf-8")
    for key, units, ytd in (("2024-03", EIGHT, 100), ("2024-04", EIGHT[:3], 150)):
        folder = root / key
        folder.mkdir()
        for n, unit in enumerate(units):
            month_row = [f"{unit}重点项目", "续建", 5000, 1200, ytd + n, 50, "是", "", "施工"]
            ledger(folder, unit, [month_row], f"{key[:5]}{int(key[5:]) + 1:02d}-03")
        run_cli(capsysbinary, "merge", str(folder), "-o", str(root / f"{key}汇总.xlsx"))


@pytest.mark.parametrize("roster", [False, True])
def test_a_month_with_three_of_eight_units_in_says_so(root, capsysbinary, roster):
    """The issue's case: with 3 of 8 units in, the month must not read as a fall, nor its
    missing units as zeros; it names them, once each."""
    _partial_months(root, roster, capsysbinary)
    book = root / "2024-04汇总.xlsx"
    _code, out, _ = run_cli(capsysbinary, "report", str(book), "--json")
    data = json.loads(out)
    missing = EIGHT[3:]
    mom = data["trend"]["mom"]
    # like with like: the three units that reported both months grew by 50 each
    assert (mom["ytd_change"], mom["units_compared"]) == (150, 3)
    assert sorted(mom["missing"]) == sorted(missing)
    april = data["trend"]["series"][-1]
    assert (april["month_completed"], april["units"]) == (150, 3)
    assert sorted(april["missing"]) == sorted(data["submissions"]["missing"]) == sorted(missing)
    units = {u["name"]: u for u in data["by_unit"]}
    if roster:  # a unit on the roster that sent nothing: 未报送, no figure, never a zero
        assert {units[u]["status"] for u in missing} == {"未报送"}
        assert {units[u]["projects"] for u in missing} == {None}
        assert {units[u]["ytd_completed"] for u in missing} == {None}
    else:
        assert set(units) == set(EIGHT[:3])
    # the bulletin compares like with like and names who has not reported
    _code, text, _ = run_cli(capsysbinary, "report", str(book), "--format", "md")
    assert "累计完成投资增加0.02亿元" in text and "减少" not in text
    assert "按两个月都报送的3个单位比较" in text
    assert "5个单位未报送台账" in text and all(u in text for u in missing)
    # merge said it once per unit, not once per project
    _code, out, _ = run_cli(capsysbinary, "check", str(root / "2024-04"), "--json")
    found = json.loads(out)["issues"]
    assert not [i for i in found if i["code"] == "project-missing"]
    gone = [i["message"] for i in found if i["code"] == "unit-missing"]
    assert len(gone) == 5 and all(any(u in m for m in gone) for u in missing)
    # the 总体情况 and 趋势 sheets name them
    wb = openpyxl.load_workbook(book)
    overview = {r[0]: r[1] for r in wb["总体情况"].iter_rows(min_row=3, values_only=True)}
    named = overview["未报送单位"]
    assert named.endswith("（5个）") and sorted(named[:-4].split("、")) == sorted(missing)
    trend_rows = list(wb["趋势"].iter_rows(min_row=3, max_row=4, values_only=True))
    assert trend_rows[1][5] == 0.02  # 本月完成 150万元 = 0.015亿元, shown half up: not negative
    assert sorted(trend_rows[1][8].split("、")) == sorted(missing)
    # status: a unit that sent nothing has no text analysis to judge
    _code, out, _ = run_cli(capsysbinary, "status", "--period", "2024-04", "--json")
    status = {u["unit"]: u for u in json.loads(out)["units"]}
    assert status["开发区"]["text_analysis"] is None and status["卧龙镇"]["text_analysis"] is True
    code, out, _ = run_cli(capsysbinary, "status", "--period", "2024-04")
    assert code == 1 and "开发区" in out


def test_the_stored_hash_is_of_the_bytes_that_were_merged(root, capsysbinary, monkeypatch):
    # a unit re-sends its file while the month is read: the store must not keep the hash of
    # the new version beside the projects of the old one
    import hashlib

    import ledgerkit.loading as loading

    folder = build(root, "2024-01")
    (folder / "坏.xlsx").write_bytes(b"PK\x03\x04 not finished")
    parsed: dict[str, str] = {}
    real = loading.read_book

    def read_then_replaced(path: Path, password: str | None = None):
        data = path.read_bytes()
        parsed[path.name] = hashlib.sha256(data).hexdigest()
        try:
            return real(path, password)
        finally:  # the file changes on disk once its bytes were read
            path.write_bytes(data + b"\x00 a later version")

    monkeypatch.setattr(loading, "read_book", read_then_replaced)
    monkeypatch.setenv("LEDGERKIT_READ_WORKERS", "0")  # the patch lives in this process
    _, data = merge(capsysbinary, root, "2024-01")
    now = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    with Store(root / STORE_NAME) as store:
        stored = {f["name"]: f["sha256"] for f in store.files("2024-01")}
    assert stored == parsed and set(stored) == {"卧龙镇.xlsx", "尹集乡.xlsx", "坏.xlsx"}
    assert not set(stored.values()) & set(now.values())
    assert {Path(f["path"]).name: f["status"] for f in data["files"]}["坏.xlsx"] == "failed"
