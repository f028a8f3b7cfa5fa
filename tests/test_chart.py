"""The units' completion chart in the bulletin ([bulletin] chart = true)."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import builders
import pytest
from docx import Document
from PIL import Image

from ledgerkit.bulletin import bulletin
from ledgerkit.chart import PRINT_COLOURS, cjk_font, unit_chart_png
from ledgerkit.metrics import to_json
from ledgerkit.period import Period
from ledgerkit.pipeline import merge_paths
from ledgerkit.settings import Settings, load_settings

SETTINGS = Settings(region="襄城区")
needs_font = pytest.mark.skipif(cjk_font() is None, reason="no Chinese font on this computer")


def seed_figures(tmp_path: Path) -> dict:
    folder = tmp_path / "2009-04"
    folder.mkdir()
    builders.xlsx(folder / "襄城区.xlsx", builders.seed_000_rows())
    return builders.month_figures(merge_paths([folder]).projects, Period(2009, 4), SETTINGS)


def test_the_setting_is_read(tmp_path: Path) -> None:
    (tmp_path / "ledgerkit.toml").write_text("[bulletin]\nchart = true\n", encoding="utf-8")
    assert load_settings(tmp_path, env={}).bulletin_chart
    assert not load_settings(tmp_path, env={"LEDGERKIT_BULLETIN_CHART": "否"}).bulletin_chart


@needs_font
def test_the_bulletin_carries_the_chart_after_the_ranking(tmp_path: Path) -> None:
    figures = seed_figures(tmp_path)
    plain = Document(io.BytesIO(bulletin(figures, SETTINGS)))
    assert not plain.inline_shapes
    doc = Document(io.BytesIO(bulletin(figures, replace(SETTINGS, bulletin_chart=True))))
    assert len(doc.inline_shapes) == 1
    body = list(doc.element.body.iterchildren())
    ranking = next(t for t in doc.tables if "排名" in t.rows[0].cells[0].text)
    after = body[body.index(ranking._tbl) + 1]
    assert after.xpath(".//pic:pic")  # the picture is the paragraph right after the table


@needs_font
def test_the_chart_draws_each_unit_in_its_status_colour(tmp_path: Path) -> None:
    figures = seed_figures(tmp_path)
    png = unit_chart_png(figures)
    assert png is not None
    image = Image.open(io.BytesIO(png)).convert("RGB")
    colours = {c: n for n, c in image.getcolors(1 << 24) or []}
    units = [u for u in to_json(figures)["by_unit"] if u["projects"]]
    for status in {u["status"] for u in units}:
        rgb = tuple(int(PRINT_COLOURS[status][i : i + 2], 16) for i in (1, 3, 5))
        assert colours.get(rgb, 0) > 1000, status
