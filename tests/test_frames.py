"""The analysts' interface: ledgerkit.merge() and the month as pandas DataFrames."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

import ledgerkit

SAMPLES = Path(__file__).parent.parent / "samples" / "2024-04"
pytest.importorskip("pandas")  # in the test extra; an analyst's install may lack it


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    return ledgerkit.merge(SAMPLES)


def test_projects_as_a_dataframe_with_exact_money_and_their_source(month):
    expected = json.loads((SAMPLES.parent / "expected-2024-04.json").read_text("utf-8"))
    df = month.to_pandas()
    assert len(df) == expected["projects"] == 45
    assert {"name", "unit", "annual_plan", "ytd_completed", "source_file", "source_row"} <= set(
        df.columns
    )
    assert sum(v for v in df["ytd_completed"] if v is not None) == Decimal(
        expected["ytd_completed"]
    )
    first = df.iloc[0]
    p = month.result.projects[0]
    assert (first["source_file"], first["source_sheet"], first["source_row"]) == (
        p.source.file,
        p.source.sheet,
        p.source.row,
    )
    floats = month.to_pandas(money="float")
    assert floats["total_investment"].dtype == "float64"
    assert floats["total_investment"].sum() == pytest.approx(float(expected["total_investment"]))


def test_figures_as_dataframes(month):
    units = month.figures_frame("by_unit")
    assert list(units["name"]) == [s["name"] for s in month.figures["by_unit"]]
    assert units["rank"].iloc[0] == 1
    lagging = month.figures_frame("lagging", money="float")
    assert len(lagging) == len(month.figures["lagging"]) and lagging["gap"].dtype == "float64"
    with pytest.raises(ledgerkit.errors.LedgerkitError):
        month.figures_frame("不存在")


def test_the_command_line_never_imports_pandas(tmp_path):
    out = tmp_path / "o.xlsx"
    code = (
        "import sys\nfrom ledgerkit.cli import main\n"
        f"try:\n    main(['merge', {str(SAMPLES)!r}, '-o', {str(out)!r}, '--json'])\n"
        "except SystemExit:\n    pass\n"
        "sys.stderr.write(str('pandas' in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, cwd=tmp_path, check=False
    )
    assert done.stderr.decode().strip().endswith("False") and out.exists()
