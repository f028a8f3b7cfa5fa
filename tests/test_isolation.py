"""Reading in worker processes: a file that aborts, hangs or floods its reader costs that file
only, named with the reason; the others are read and merged, in the order of their paths."""

from __future__ import annotations

import os
import time
from pathlib import Path

import builders
import pytest

from ledgerkit.isolation import Guard, load_all
from ledgerkit.pipeline import load_file, merge_paths
from ledgerkit.read import limits
from ledgerkit.settings import Settings

ROWS = [
    ["项目名称", "总投资", "年度计划投资", "累计完成投资"],
    ["城关镇污水管网", 100, 50, 20],
    ["城关镇集镇道路", 30, 10, 5],
]


# tasks a worker runs: module-level, so that a spawned worker can import them by name


def abort_on_crash(path: Path):  # type: ignore[no-untyped-def]
    if "崩溃" in path.name:
        os.abort()  # what a Rust allocation failure or panic=abort does to the process
    return load_file(path)


def hang_on_stall(path: Path):  # type: ignore[no-untyped-def]
    if "卡住" in path.name:
        time.sleep(3600)  # a parser that never returns; the worker is killed long before
    return load_file(path)


def grab_memory(path: Path):  # type: ignore[no-untyped-def]
    if "内存" in path.name:
        import python_calamine as pc

        # a real native allocation failure: calamine asked to lay out 16,384 x 1,048,576
        # cells of a hostile workbook, with no pre-scan in front of it
        pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    return load_file(path)


def raise_bug(path: Path):  # type: ignore[no-untyped-def]
    if "出错" in path.name:
        raise KeyError("a bug of ledgerkit")
    return load_file(path)


def _folder(tmp_path: Path, *odd: str) -> list[Path]:
    good = [builders.xlsx(tmp_path / f"{n}镇.xlsx", ROWS) for n in ("甲", "乙", "丙")]
    bad = [builders.xlsx(tmp_path / name, ROWS) for name in odd]
    return sorted(good + bad)


def _by_name(results):  # type: ignore[no-untyped-def]
    return {r.label: r for r in results}


def test_an_aborting_reader_costs_its_file_only(tmp_path: Path) -> None:
    paths = _folder(tmp_path, "崩溃.xlsx")
    progress: list[tuple[int, int]] = []
    results = load_all(
        paths, abort_on_crash, Guard(workers=2), lambda d, t: progress.append((d, t))
    )
    assert [r.path for r in results] == paths  # in the order given, whatever finished first
    crashed = _by_name(results)["崩溃.xlsx"]
    assert crashed.status == "failed" and "读取时程序异常退出" in crashed.reason
    assert [i.code for i in crashed.issues] == ["file-unreadable"]
    others = [r for r in results if r.label != "崩溃.xlsx"]
    assert [r.status for r in others] == ["merged"] * 3
    assert all(len(r.ledger.projects) == 2 for r in others)
    assert progress == [(n, 4) for n in range(1, 5)]


def test_a_reader_past_its_time_is_stopped_and_named(tmp_path: Path) -> None:
    # counted, not timed: the stalled file is named with the timeout, the others are read
    # (the limit counts a file's reading only: a worker's start-up and imports come before)
    paths = _folder(tmp_path, "卡住.xlsx")
    results = load_all(paths, hang_on_stall, Guard(workers=1, timeout=5))
    stalled = _by_name(results)["卡住.xlsx"]
    assert stalled.status == "failed" and "读取超过 5 秒仍未完成" in stalled.reason
    assert [r.status for r in results if r is not stalled] == ["merged"] * 3


@pytest.mark.skipif(os.name != "posix", reason="RLIMIT_AS is POSIX; Windows uses a Job Object")
def test_a_native_allocation_past_the_cap_is_named_as_memory(tmp_path: Path) -> None:
    [hostile] = [p for p in builders.hostile_files(tmp_path) if p.name == "属性里的尖括号.xlsx"]
    flood = hostile.rename(tmp_path / "内存.xlsx")
    paths = sorted([flood, *_folder(tmp_path)])
    results = load_all(paths, grab_memory, Guard(workers=2, memory_mb=1024))
    flooded = _by_name(results)["内存.xlsx"]
    assert flooded.status == "failed" and "读取所需内存超过 1,024 MB" in flooded.reason
    assert sum(r.status == "merged" for r in results) == 3


def test_a_bug_on_one_file_is_named_not_a_crash_of_the_run(tmp_path: Path) -> None:
    results = load_all(_folder(tmp_path, "出错.xlsx"), raise_bug, Guard(workers=2))
    bugged = _by_name(results)["出错.xlsx"]
    assert "内部出错（KeyError" in bugged.reason and "发给维护人员" in bugged.reason
    assert sum(r.status == "merged" for r in results) == 3


def test_limits_lowered_here_hold_in_the_workers(tmp_path: Path, monkeypatch) -> None:
    paths = _folder(tmp_path)
    monkeypatch.setattr(limits, "MAX_CELLS", 5)
    results = load_all(paths, load_file, Guard(workers=2))
    assert all(r.status == "failed" and "5 个单元格的上限" in r.reason for r in results)


def test_hostile_files_are_named_and_the_month_merges(tmp_path: Path) -> None:
    # each of these fooled the old pre-scan or made calamine reserve gigabytes and abort
    folder = tmp_path / "2024-04"
    folder.mkdir()
    hostile = builders.hostile_files(folder)
    builders.xlsx(folder / "卧龙镇.xlsx", ROWS)
    result = merge_paths([folder], settings=Settings(read_workers=2))
    status = {f.label: f.status for f in result.files}
    assert status.pop("卧龙镇.xlsx") == "merged"
    assert status == {p.name: "failed" for p in hostile}
    assert len(result.projects) == 2
    reasons = {i.file: i.message for i in result.issues if i.code == "file-unreadable"}
    assert sorted(reasons) == sorted(p.name for p in hostile)
    assert "异常退出" not in "".join(reasons.values())  # refused by the pre-scan, not by a crash


def test_in_process_reading_gives_the_same_results(tmp_path: Path) -> None:
    folder = tmp_path / "2024-04"
    folder.mkdir()
    builders.hostile_files(folder)
    _folder(folder)
    apart = merge_paths([folder], settings=Settings(read_workers=2))
    here = merge_paths([folder], settings=Settings(read_workers=0))
    assert apart.files == here.files and apart.projects == here.projects


def test_workers_start_from_an_unguarded_script_and_from_python_m(tmp_path: Path) -> None:
    # spawn makes a worker import the main script: an analyst's script without the
    # `if __name__ == "__main__":` guard must neither fail nor run twice
    import json
    import subprocess
    import sys

    import ledgerkit

    src = str(Path(ledgerkit.__file__).parent.parent)
    folder = tmp_path / "2024-04"
    folder.mkdir()
    _folder(folder)
    script = tmp_path / "analyst.py"
    script.write_text(
        "from pathlib import Path\nimport ledgerkit.pipeline as p\n"
        f"r = p.merge_paths([Path({str(folder)!r})])\nprint('merged', len(r.projects))\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": src}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, env=env)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")[-2000:]
    assert done.stdout.decode().splitlines() == ["merged 6"]
    done = subprocess.run(
        [sys.executable, "-m", "ledgerkit", "check", str(folder), "--json"],
        capture_output=True,
        env=env,
        cwd=tmp_path,
    )
    files = json.loads(done.stdout)["files"]
    assert sorted(f["status"] for f in files) == ["merged"] * 3


def test_one_file_alone_is_read_here_unless_workers_are_asked_for(
    tmp_path: Path, monkeypatch
) -> None:
    # a reader patched in this process reaches the file only when it is read here: a `check`
    # of one ledger pays no worker's start; asked for, one worker reads it all the same
    import ledgerkit.loading as loading
    from ledgerkit.errors import UnreadableFile

    def refuse(path, password=None):  # type: ignore[no-untyped-def]
        raise UnreadableFile(path.name, "在本进程读取")

    monkeypatch.setattr(loading, "read_book", refuse)
    [one] = _folder(tmp_path)[:1]
    here = merge_paths([one])
    assert [(f.status, f.reason) for f in here.files] == [("failed", "在本进程读取")]
    apart = merge_paths([one], settings=Settings(read_workers=1))
    assert [f.status for f in apart.files] == ["merged"] and len(apart.projects) == 2
    (tmp_path / "三个").mkdir()
    three = merge_paths(_folder(tmp_path / "三个"), settings=Settings())
    assert [f.status for f in three.files] == ["merged"] * 3  # several files: in workers
