"""Golden text snapshots of what the clerk sees for the bundled samples: the merged workbook
(every sheet), the bulletin (通报) and the supervision notices (督办通知单), each rendered as
text and compared with tests/snapshots/. A refactor that changes no output passes unchanged.

To accept a deliberate change, regenerate the files and review the diff:

    LEDGERKIT_UPDATE_SNAPSHOTS=1 PYTHONPATH=src python -m pytest tests/test_snapshots.py
    git diff tests/snapshots/
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import shutil
from pathlib import Path

import builders
import pytest
from builders import run_cli

from ledgerkit.settings import find_workspace

SAMPLES = Path(__file__).parent.parent / "samples" / "2024-04"
SNAPSHOTS = Path(__file__).parent / "snapshots"
# read at import: the fixture clears every LEDGERKIT_* variable before the CLI runs
UPDATE = os.environ.get("LEDGERKIT_UPDATE_SNAPSHOTS") == "1"
MAX_DIFF_LINES = 60
MERGED = "2024-04汇总.xlsx"


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tmp folder holding a copy of the samples, made the current folder, with no workspace
    and no LEDGERKIT_* settings from the environment: only the defaults apply."""
    for name in list(os.environ):
        if name.upper().startswith("LEDGERKIT_"):
            monkeypatch.delenv(name)
    folder = tmp_path / "work"
    folder.mkdir()
    shutil.copytree(SAMPLES, folder / "2024-04")
    monkeypatch.chdir(folder)
    assert find_workspace(folder) is None, "a ledgerkit.toml above the tmp folder would apply"
    return folder


def _run(capsysbinary, *args: str) -> None:
    code, out, err = run_cli(capsysbinary, *args)
    # the samples carry planted errors by design: every command still writes, and exits 1
    assert code == 1, f"ledgerkit {' '.join(args)} exited {code}\n{out}\n{err}"


@pytest.fixture
def merged(work: Path, capsysbinary) -> Path:
    out = work / MERGED
    _run(capsysbinary, "merge", str(work / "2024-04"), "-o", str(out))
    assert out.is_file()
    return out


def _today_strings() -> list[str]:
    today = dt.date.today()
    return [
        today.isoformat(),
        today.strftime("%Y/%m/%d"),
        today.strftime("%Y.%m.%d"),
        today.strftime("%Y%m%d"),
        f"{today.year}年{today.month}月{today.day}日",
        f"{today.year}-{today.month}-{today.day}",
        f"{today.year}/{today.month}/{today.day}",
    ]


def check_snapshot(name: str, text: str, work: Path) -> None:
    """Compare `text` with tests/snapshots/`name`; with LEDGERKIT_UPDATE_SNAPSHOTS=1 write it."""
    leaked = [p for p in {str(work.parent), str(work.parent.resolve())} if p in text]
    assert not leaked, f"the tmp path {leaked} is in the output: it differs every run"
    dated = [s for s in _today_strings() if s in text]
    assert not dated, f"today's date {dated} is in the output: it would change every day"
    path = SNAPSHOTS / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        return
    assert path.is_file(), f"{path} is missing: run with LEDGERKIT_UPDATE_SNAPSHOTS=1 to write it"
    expected = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    if text == expected:
        return
    diff = list(
        difflib.unified_diff(
            expected.splitlines(),
            text.splitlines(),
            f"tests/snapshots/{name} (expected)",
            f"{name} (this run)",
            lineterm="",
        )
    )
    shown = "\n".join(diff[:MAX_DIFF_LINES])
    more = (
        f"\n... {len(diff) - MAX_DIFF_LINES} more diff lines" if len(diff) > MAX_DIFF_LINES else ""
    )
    pytest.fail(
        f"{name} differs from the snapshot (LEDGERKIT_UPDATE_SNAPSHOTS=1 accepts it):\n"
        f"{shown}{more}",
        pytrace=False,
    )


def test_workbook_snapshot(work: Path, merged: Path) -> None:
    check_snapshot("samples-workbook.txt", builders.workbook_text(merged), work)


def test_bulletin_snapshot(work: Path, merged: Path, capsysbinary) -> None:
    out = work / "通报.docx"
    _run(capsysbinary, "report", str(merged), "-o", str(out))
    check_snapshot("samples-bulletin.txt", builders.docx_text(out), work)


def test_notices_snapshot(work: Path, merged: Path, capsysbinary) -> None:
    out = work / "督办.docx"
    _run(capsysbinary, "notices", str(merged), "-o", str(out))
    check_snapshot("samples-notices.txt", builders.docx_text(out), work)
