"""Settings resolve once: defaults < ledgerkit.toml < environment < flags."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from builders import run_cli

from ledgerkit.errors import LedgerkitError
from ledgerkit.settings import (
    CONFIG_NAME,
    Settings,
    default_templates,
    load_settings,
    no_region,
)
from ledgerkit.workspace import init_workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    init_workspace(tmp_path, region="襄城区")
    (tmp_path / "2024-04").mkdir()
    return tmp_path


def test_defaults_without_a_workspace(tmp_path):
    s = load_settings(tmp_path, env={})
    assert s == Settings()
    assert (s.money_unit, s.display_unit, s.yellow_gap, s.red_gap) == ("万元", "亿元", 10, 30)


def test_the_commented_template_is_valid_and_found_from_a_subfolder(workspace):
    s = load_settings(workspace / "2024-04", env={})
    assert s.workspace == workspace and s.region == "襄城区"
    assert s.issuer == "襄城区重点项目建设指挥部办公室"
    assert s.bands == (Decimal(10), Decimal(5), Decimal(1))
    assert s.start_target is None  # target = 0 means: all projects
    assert s.roster == ()  # no other county's units: the units that report are counted
    assert s.canonical_unit("隆中街道") == "隆中街道"
    assert s.warnings == ()


def test_environment_beats_the_file_and_flags_beat_both(workspace):
    env = {"LEDGERKIT_REGION": "谷城县", "LEDGERKIT_RED_GAP": "25", "LEDGERKIT_YEAR": ""}
    s = load_settings(workspace, env=env)
    assert (s.region, s.red_gap, s.year) == ("谷城县", Decimal(25), None)
    s = load_settings(workspace, env=env, overrides={"region": "老河口市", "year": None})
    assert s.region == "老河口市"


def test_bad_values_say_which_setting(workspace):
    config = workspace / "ledgerkit.toml"
    config.write_text(config.read_text("utf-8").replace("red_gap = 30", "red_gap = 5"), "utf-8")
    with pytest.raises(LedgerkitError, match="yellow_gap"):
        load_settings(workspace, env={})
    with pytest.raises(LedgerkitError, match="decimals"):
        load_settings(workspace, env={"LEDGERKIT_RATE_DECIMALS": "一位"}, overrides={"red_gap": 40})
    config.write_text("region = 襄城区", "utf-8")
    with pytest.raises(LedgerkitError, match="TOML"):
        load_settings(workspace, env={})


def test_every_example_key_commented_out_in_the_template_is_known(tmp_path):
    """Uncommenting `# year = 2024` and the like must not give a warning: the template and the
    keys settings.py reads cannot drift apart."""
    text = (default_templates() / CONFIG_NAME).read_text("utf-8")
    example = re.compile(r"^#\s*([A-Za-z_][A-Za-z0-9_]*\s*=.*|\[\[?[a-z_]+\]\]?)$", re.MULTILINE)
    assert example.findall(text), "the template shows no commented-out example key any more"
    (tmp_path / CONFIG_NAME).write_text(example.sub(r"\1", text), "utf-8")
    s = load_settings(tmp_path, env={})
    # the one reminder left is the region's placeholder, which the clerk fills in
    assert s.warnings == (no_region(tmp_path / CONFIG_NAME),)
    assert s.year == 2024  # `# year = 2024` was read
    assert [u.name for u in s.roster] == ["某某镇"]  # the example unit is well formed


@pytest.mark.parametrize(
    ("toml", "named", "hint"),
    [
        ('region = "襄城区"\n[stauts]\nyellow_gap = 5\n', "“stauts”", "“status”"),
        (
            'region = "襄城区"\n[status]\nyelow_gap = 5\nred_gap = 30\n',
            "“status.yelow_gap”",
            "“status.yellow_gap”",
        ),
        (
            'region = "襄城区"\n[[units]]\nname = "卧龙镇"\nalias = ["卧龙"]\n'
            '[[units]]\nname = "尹集乡"\n',
            "第1个 [[units]]（卧龙镇）的设置项“alias”",
            "“aliases”",
        ),
    ],
    ids=["section", "key-in-section", "key-in-unit"],
)
def test_an_unknown_key_is_a_warning_naming_it_and_the_likely_key(tmp_path, toml, named, hint):
    (tmp_path / CONFIG_NAME).write_text(toml, "utf-8")
    s = load_settings(tmp_path, env={})
    assert len(s.warnings) == 1
    assert named in s.warnings[0] and "已忽略" in s.warnings[0]
    assert f"是否想写{hint}？" in s.warnings[0]
    assert s.yellow_gap == Decimal(10)  # the misspelt value is not used


def test_unknown_keys_without_a_likely_spelling_and_keys_in_the_wrong_place(tmp_path):
    (tmp_path / CONFIG_NAME).write_text(
        'region = "襄城区"\nyellow_gap = 5\nfont = "宋体"\n[status]\ntarget = 3\n'
        '[units]\nname = "卧龙镇"\n',
        "utf-8",
    )
    s = load_settings(tmp_path, env={})
    assert s.warnings == (
        "ledgerkit.toml 中的设置项“yellow_gap”无法识别，已忽略；是否想写“status.yellow_gap”？",
        "ledgerkit.toml 中的设置项“font”无法识别，已忽略。",
        "ledgerkit.toml 中的设置项“status.target”无法识别，已忽略；是否想写“start_rate.target”？",
        "ledgerkit.toml 中的责任单位名册应写成 [[units]]（两层方括号，每个单位一节），现在的写法已忽略。",
    )
    assert s.roster == () and s.start_target is None


def test_wrong_types_stay_errors_and_warnings_come_from_the_file_only(workspace):
    config = workspace / CONFIG_NAME
    config.write_text('[status]\nyellow_gap = "十"\n', "utf-8")
    with pytest.raises(LedgerkitError, match="yellow_gap"):
        load_settings(workspace, env={})
    config.write_text('[[units]]\nshort = "卧龙"\n', "utf-8")  # no name: an error, not a crash
    with pytest.raises(LedgerkitError, match="name"):
        load_settings(workspace, env={})
    config.write_text('region = "襄城区"\n', "utf-8")
    assert load_settings(workspace, env={"LEDGERKIT_WARNINGS": "x"}).warnings == ()


def test_the_cli_shows_the_warning_on_stderr_and_runs_as_before(
    clean_month, tmp_path, capsysbinary, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    config = tmp_path / CONFIG_NAME
    config.write_text('region = "襄城区"\n[status]\nred_gap = 30\n', "utf-8")
    code, out, err = run_cli(capsysbinary, "check", clean_month.name, "--json")
    assert (code, err) == (0, "")
    before = json.loads(out)
    config.write_text('region = "襄城区"\n[stauts]\nred_gap = 30\n', "utf-8")
    code, out, err = run_cli(capsysbinary, "check", clean_month.name, "--json")
    assert code == 0 and json.loads(out) == before  # stdout is still the one JSON object
    err = "".join(err.split())  # rich wraps long lines
    assert err.count("警告：") == 1
    assert "设置项“stauts”无法识别" in err and "是否想写“status”？" in err


def test_the_year_setting_dates_a_folder_named_by_month_only(tmp_path):
    from ledgerkit.period import Period, from_paths

    folder = tmp_path / "4月台账"
    assert from_paths([folder]) is None
    assert from_paths([folder], year=2024) == Period(2024, 4)
    assert from_paths([tmp_path / "2023年12月"], year=2024) == Period(2023, 12)


def test_the_period_from_the_units_titles_when_the_folder_does_not_say(tmp_path):
    import builders

    from ledgerkit.pipeline import merge_paths

    folder = tmp_path / "本月台账"
    folder.mkdir()
    builders.xlsx(folder / "卧龙镇.xlsx", builders.TOWNSHIP_ROWS, builders.TOWNSHIP_MERGES)
    assert merge_paths([folder]).period.key == "2024-04"  # '卧龙镇2024年重点项目推进台账（1-4月）'


def test_the_problem_ledgers_settings(workspace):
    s = load_settings(workspace, env={})
    assert (s.problem_days, s.problem_similarity, s.problem_stale_months) == (30, 0.6, 3)
    config = workspace / "ledgerkit.toml"
    text = config.read_text("utf-8")
    config.write_text(text.replace("days = 30", "days = 15").replace("0.6", "0.8"), "utf-8")
    s = load_settings(workspace, env={})
    assert (s.problem_days, s.problem_similarity) == (15, 0.8)
    with pytest.raises(LedgerkitError, match="problem_similarity"):
        load_settings(workspace, env={"LEDGERKIT_PROBLEM_SIMILARITY": "1.5"})
