"""`ledgerkit init` starts the clerk's own workspace: their region, their units, no stranger's."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import builders
import openpyxl
import pytest
from builders import HEAD, run_cli

from ledgerkit.pipeline import merge_paths
from ledgerkit.settings import CONFIG_NAME, load_settings, no_region
from ledgerkit.workspace import group_spellings, init_workspace

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
    assert made.region == "樊城区" and made.roster == () and made.config in made.written
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


def test_init_from_a_month_makes_its_units_the_roster(tmp_path, capsysbinary, monkeypatch):
    ws = tmp_path / "ws"
    code, out, err = run_cli(
        capsysbinary, "init", str(ws), "--region", "襄城区", "--from", str(SAMPLES)
    )
    assert code == 0, err
    settings = load_settings(ws, env={})
    units = _units_seen(SAMPLES)
    assert len(units) == 9
    assert [u.name for u in settings.roster] == units
    assert settings.warnings == () and settings.region == "襄城区"
    assert "责任单位名册 9 个" in out and all(u in out for u in units)

    # merged in that workspace, 分单位 lists the eight units and no empty stranger
    monkeypatch.chdir(ws)
    code, out, _ = run_cli(
        capsysbinary, "merge", str(SAMPLES), "-o", str(tmp_path / "x汇总.xlsx"), "--json"
    )
    assert sorted(json.loads(out)["by_unit"]) == sorted(units)


def test_spellings_of_one_unit_become_aliases_and_guesses_are_not_made(
    tmp_path, capsysbinary, monkeypatch
):
    month = tmp_path / "2024-04"
    month.mkdir()
    _ledger(
        month / "尹集.xlsx",
        "尹集乡人民政府2024年重点项目台账（1-4月）",
        [("尹集乡养老中心", "尹集"), ("尹集乡道路", "尹集")],
    )
    _ledger(
        month / "区发改局.xlsx",  # a department's file: its sender is no unit of a project
        "区发展和改革局2024年重点项目台账（1-4月）",
        [
            ("卧龙镇污水厂", "卧龙镇人民政府"),
            ("卧龙镇集镇改造", "卧龙镇"),
            ("城关镇广场", "城关镇"),
            ("城关街道菜市场", "城关街道"),
            ("城关片区管网", "城关"),  # 城关镇 or 城关街道? not told: kept apart
            ("牛首镇物流园", "樊城区牛首镇"),
            ("牛首镇产业园", "牛首镇"),
        ],
    )
    code, _, err = run_cli(
        capsysbinary, "init", str(tmp_path), "--region", "樊城区", "--from", str(month)
    )
    assert code == 0, err
    settings = load_settings(tmp_path, env={})
    assert {u.name: u.aliases for u in settings.roster} == {
        "卧龙镇": ("卧龙镇人民政府",),
        "城关镇": (),
        "城关街道": (),
        "城关": (),
        "牛首镇": ("樊城区牛首镇",),
        "尹集乡": ("尹集",),
    }
    assert settings.warnings == ()
    assert settings.canonical_unit("尹集") == "尹集乡"
    text = (tmp_path / CONFIG_NAME).read_text("utf-8")
    assert "# 以下名册按2024-04报来的台账生成（6个单位），请核对：" in text

    monkeypatch.chdir(tmp_path)  # merged in the workspace: its roster applies
    code, out, _ = run_cli(
        capsysbinary, "merge", str(month), "-o", str(tmp_path / "m汇总.xlsx"), "--json"
    )
    by_unit = json.loads(out)["by_unit"]
    assert sorted(by_unit) == sorted(u.name for u in settings.roster)
    assert by_unit["尹集乡"]["projects"] == 2 and by_unit["卧龙镇"]["projects"] == 2


def test_grouping_keeps_the_plainest_spelling_and_drops_senders():
    units = group_spellings(
        {"尹集乡人民政府": 3, "尹集": 1, "区发改局": 0, "隆中街道办事处": 2, "隆中街道": 0},
        own={"尹集乡人民政府", "尹集", "隆中街道办事处"},
    )
    assert [(u.name, u.aliases) for u in units] == [
        ("尹集", ("尹集乡人民政府",)),  # only spellings seen are used: 尹集乡 is not invented
        ("隆中街道", ("隆中街道办事处",)),
    ]


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
    assert len(forms) == len(units) == 9
    assert sorted(f.split("2024年")[0] for f in forms) == sorted(units)
    assert sorted(ranked) == sorted(units)  # and 分单位 has no empty row of a stranger


@pytest.mark.parametrize("value", ['樊城区"东', "樊城\\区", "樊城区\t"])
def test_a_region_with_quotes_or_backslashes_is_written_as_valid_toml(tmp_path, value):
    init_workspace(tmp_path, region=value)
    assert load_settings(tmp_path, env={}).region == value.strip()


def test_a_file_of_the_month_that_cannot_be_read_is_named(tmp_path, capsysbinary):
    month = tmp_path / "2024-04"
    month.mkdir()
    _ledger(month / "卧龙镇.xlsx", "卧龙镇2024年重点项目台账（1-4月）", [("污水厂", "卧龙镇")])
    shutil.copyfile(builders.DATA / "password-1234.xlsx", month / "欧庙镇.xlsx")
    ws = tmp_path / "ws"
    code, out, err = run_cli(
        capsysbinary, "init", str(ws), "--region", "樊城区", "--from", str(month)
    )
    assert code == 0 and "责任单位名册 1 个：卧龙镇" in out
    assert "欧庙镇.xlsx" in err and "未列入名册" in err  # the clerk adds it by hand


def test_init_from_a_folder_that_is_not_there_writes_nothing(tmp_path, capsysbinary):
    code, _, err = run_cli(
        capsysbinary, "init", str(tmp_path / "ws"), "--from", str(tmp_path / "没有")
    )
    assert code == 3 and "找不到" in err
    assert not (tmp_path / "ws").exists()


def test_init_on_a_read_only_disk_says_so_and_leaves_nothing(tmp_path, capsysbinary, monkeypatch):
    import errno
    import os

    def refused(path: Path) -> Path:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))

    monkeypatch.setattr("ledgerkit.output._temporary_beside", refused)
    code, _, err = run_cli(capsysbinary, "init", str(tmp_path / "ws"), "--region", "樊城区")
    assert code == 3 and "所在的磁盘是只读的" in "".join(err.split())
    assert "内部错误" not in err and "Read-only" not in err
    assert [p for p in (tmp_path / "ws").rglob("*") if p.is_file()] == []
