"""`ledgerkit init` starts the clerk's own workspace: their region, their units, no stranger's."""

from __future__ import annotations

import shutil
from pathlib import Path

import builders
import openpyxl
import pytest
from builders import HEAD, run_cli

from ledgerkit.pipeline import merge_paths
from ledgerkit.settings import CONFIG_NAME, load_settings, no_region
from ledgerkit.workspace import init_workspace

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "2024-04"


def _units_seen(folder: Path) -> list[str]:
    """The units of a month's projects as a merge with no roster names them, first seen first."""
    return list(dict.fromkeys(str(p.unit) for p in merge_paths([folder]).projects))


def _ledger(path: Path, title: str, rows: list[tuple[str, str]]) -> None:
    """A unit's ledger: (project, 责任单位 as written) per row."""
    body = [
        [n, name, unit, "区级", "新建", "工业", 1000, 400, 100, "是", "2024-03", ""]
        for n, (name, unit) in enumerate(rows, 1)
    ]
    builders.xlsx(path, [[title], HEAD, *body])


def test_init_with_a_region_writes_its_settings_and_no_roster(tmp_path):
    made = init_workspace(tmp_path, region="樊城区")
    settings = load_settings(tmp_path, env={})
    assert (settings.region, settings.issuer) == ("樊城区", "樊城区重点项目建设指挥部办公室")
    assert settings.roster == () and settings.warnings == ()
    assert made.region == "樊城区" and made.config in made.written
    text = (tmp_path / CONFIG_NAME).read_text("utf-8")
    assert "襄城" not in text and "尹集" not in text  # no other county, not even in a comment

    init_workspace(tmp_path, force=True, region="樊城区", issuer="樊城区发展和改革局")
    assert load_settings(tmp_path, env={}).issuer == "樊城区发展和改革局"


def test_a_plain_init_leaves_a_placeholder_that_commands_point_out(tmp_path, capsysbinary):
    code, out, err = run_cli(capsysbinary, "init", str(tmp_path))
    config = tmp_path / CONFIG_NAME
    assert code == 0 and f"已写出 {config}" in out
    assert 'region = ""' in config.read_text("utf-8") and "region" in err
    settings = load_settings(tmp_path, env={})
    assert settings.region == "" and settings.issuer == "" and settings.roster == ()
    assert settings.warnings == (no_region(config),)
    assert str(config) in no_region(config) and 'region = "' in no_region(config)
    # the flag or the environment names the region: nothing to point out
    assert load_settings(tmp_path, env={"LEDGERKIT_REGION": "樊城区"}).warnings == ()
    assert load_settings(tmp_path, env={}, overrides={"region": "樊城区"}).warnings == ()


def test_template_after_a_plain_init_writes_forms_for_the_units_that_reported(
    tmp_path, capsysbinary, monkeypatch
):
    run_cli(capsysbinary, "init", str(tmp_path))  # no flag: no region, no roster
    shutil.copytree(SAMPLES, tmp_path / "2024-04")
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsysbinary, "merge", "2024-04", "-o", "2024-04汇总.xlsx")
    assert code == 1, err  # the samples carry errors on purpose
    sheet = openpyxl.load_workbook(tmp_path / "2024-04汇总.xlsx")["分单位"]
    ranked = [r[1] for r in sheet.iter_rows(min_row=3, values_only=True) if isinstance(r[0], int)]
    code, _, err = run_cli(capsysbinary, "template", "--period", "2024-05", "-o", "forms")
    assert code == 0, err
    forms = sorted(p.name for p in (tmp_path / "forms").iterdir())
    units = _units_seen(tmp_path / "2024-04")
    assert len(forms) == len(units) == 8
    assert sorted(f.split("2024年")[0] for f in forms) == sorted(units)
    assert sorted(ranked) == sorted(units)  # and 分单位 has no empty row of a stranger


@pytest.mark.parametrize("value", ['樊城区"东', "樊城\\区", "樊城区\t"])
def test_a_region_with_quotes_or_backslashes_is_written_as_valid_toml(tmp_path, value):
    init_workspace(tmp_path, region=value)
    assert load_settings(tmp_path, env={}).region == value.strip()
