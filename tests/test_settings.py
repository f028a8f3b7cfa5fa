"""Settings resolve once: defaults < ledgerkit.toml < environment < flags."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from ledgerkit.errors import LedgerkitError
from ledgerkit.settings import Settings, load_settings
from ledgerkit.workspace import init_workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    init_workspace(tmp_path)
    (tmp_path / "2024-04").mkdir()
    return tmp_path


def test_defaults_without_a_workspace(tmp_path):
    s = load_settings(tmp_path, env={})
    assert s == Settings()
    assert (s.money_unit, s.display_unit, s.yellow_gap, s.red_gap) == ("万元", "亿元", 10, 30)


def test_the_commented_template_is_valid_and_found_from_a_subfolder(workspace):
    s = load_settings(workspace / "2024-04", env={})
    assert s.workspace == workspace and s.region == "襄城区"
    assert s.bands == (Decimal(10), Decimal(5), Decimal(1))
    assert s.start_target is None  # target = 0 means: all projects
    assert s.canonical_unit("尹集") == "尹集乡" and s.canonical_unit("经济开发区") == "开发区"
    assert s.canonical_unit("隆中街道") == "隆中街道"


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


def test_the_year_setting_dates_a_folder_named_by_month_only(tmp_path):
    from ledgerkit.pipeline import infer_period

    folder = tmp_path / "4月台账"
    assert infer_period([folder]) is None
    assert infer_period([folder], year=2024) == "2024-04"
    assert infer_period([tmp_path / "2023年12月"], year=2024) == "2023-12"


def test_the_period_from_the_units_titles_when_the_folder_does_not_say(tmp_path):
    import builders

    from ledgerkit.pipeline import merge_paths

    folder = tmp_path / "本月台账"
    folder.mkdir()
    builders.xlsx(folder / "卧龙镇.xlsx", builders.TOWNSHIP_ROWS, builders.TOWNSHIP_MERGES)
    assert merge_paths([folder]).period == "2024-04"  # '卧龙镇2024年重点项目推进台账（1-4月）'
