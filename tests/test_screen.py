"""The big screen: which pages exist, the figures it shows, escaping, its size, and the pages
rendered by a real headless Chromium (skipped, with the reason, where there is none)."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import builders
import pytest
from cdp import Page, browser_or_reason
from lxml import html as lxml_html
from PIL import Image

from ledgerkit import pipeline
from ledgerkit.fmt import pct, yi
from ledgerkit.metrics import to_json
from ledgerkit.screen import COLOURS, pages
from ledgerkit.settings import Settings

EVIL = "<script>alert(1)</script>"
HEAD = ["项目名称", "责任单位", "包抓领导", "项目类别", "总投资", "年度计划投资",
        "累计完成投资", "是否开工", "形象进度", "存在问题"]  # fmt: skip
BROWSER, NO_BROWSER = browser_or_reason()
needs_browser = pytest.mark.skipif(BROWSER is None, reason=NO_BROWSER)


def unit_rows(unit: str, count: int, done_share: float, first: int = 0) -> list[list[Any]]:
    """A unit's ledger: `count` projects, each plan 1000 万元 and `done_share` of it done."""
    rows: list[list[Any]] = [[f"{unit}重点项目台账"], HEAD]
    for n in range(first, first + count):
        done = round(1000 * done_share * (0.6 + (n % 5) / 5), 1)
        rows.append([f"{unit}第{n + 1}号项目", unit, "张三", "新建", 5000, 1000, done,
                     "是" if done else "否", "主体施工", "用地手续未完成"])  # fmt: skip
    return rows


def build_month(folder: Path, units: int = 5, per_unit: int = 4) -> Path:
    """A month of `units` ledgers with rates from well ahead to far behind, one of whose
    projects is named like a script and one unit like markup."""
    folder.mkdir(parents=True)
    shares = [0.45, 0.35, 0.25, 0.12, 0.02, 0.5, 0.3, 0.2]
    for u in range(units):
        name = "A&B<镇>" if u == 1 else f"第{u + 1}镇"
        rows = unit_rows(name, per_unit, shares[u % len(shares)])
        if u == units - 1:
            rows[2][0] = EVIL
        builders.xlsx(folder / f"单位{u + 1}.xlsx", rows, ["A1:J1"])
    return folder


def merged(tmp_path: Path, period: str = "2024-04", **kw: int) -> tuple[Path, Settings]:
    settings = Settings(region="襄城区", workspace=tmp_path)
    folder = build_month(tmp_path / period, **kw)
    from ledgerkit.period import Period

    run = pipeline.merge([folder], settings, period=Period.parse(period))
    assert run.output is not None
    return run.output, settings


def doc(path: Path) -> Any:
    return lxml_html.fromstring(path.read_bytes())


# --- the file ------------------------------------------------------------------------------


def test_the_pages_follow_the_data(tmp_path: Path) -> None:
    ledger, settings = merged(tmp_path)
    run = pipeline.screen(ledger, settings, tmp_path / "大屏.html")
    assert run.pages == ("kpi", "ranking-1", "boards", "lagging-1", "lagging-2")
    # the supervision data, when the figures carry it, brings its own page (the hook)
    figures = pipeline.read_merged(ledger, settings, None).figures or {}
    problem = {"id": "WT202404-001", "unit": "第1镇", "project": "第1镇第1号项目",
               "text": "用地未批", "owner_unit": "区自然资源局", "due_text": "2024年5月31日"}  # fmt: skip
    shown = pages(
        {**figures, "problem_ledger": {"overdue": [problem], "stale": [problem]}}, settings
    )
    assert [p.key for p in shown][-1] == "problems"
    assert "用地未批" in str(shown[-1].body) and shown[-1].title == "逾期和久拖未决问题 1 个"
    assert "overdue-nodes" not in [p.key for p in shown]


def test_a_second_month_stored_brings_the_trend(tmp_path: Path) -> None:
    merged(tmp_path / "a", "2024-03")
    # the same workspace: its store now holds March when April is merged
    settings = Settings(region="襄城区", workspace=tmp_path / "a")
    from ledgerkit.period import Period

    folder = build_month(tmp_path / "a" / "2024-04")
    ledger = pipeline.merge([folder], settings, period=Period.parse("2024-04")).output
    assert ledger is not None
    run = pipeline.screen(ledger, settings, tmp_path / "大屏.html")
    assert "trend" in run.pages
    page = doc(run.output).get_element_by_id("page-trend")
    labels = page.xpath(".//svg//text/text()")
    assert "3月" in labels and "4月" in labels


def test_kpi_figures_are_report_json(tmp_path: Path, capsysbinary: Any) -> None:
    ledger, _ = merged(tmp_path)
    code, out, _ = builders.run_cli(capsysbinary, "report", str(ledger), "--json")
    assert code in (0, 1)
    overall = json.loads(out)["overall"]
    code, out, _ = builders.run_cli(
        capsysbinary, "screen", str(ledger), "-o", str(tmp_path / "s.html"), "--json"
    )
    assert code in (0, 1) and json.loads(out)["pages"][0] == "kpi"
    settings = Settings(region="襄城区", workspace=tmp_path)
    assert json.loads(out) == pipeline.screen(ledger, settings, tmp_path / "s.html").to_dict()
    page = doc(tmp_path / "s.html").get_element_by_id("page-kpi")
    shown = {e.get("data-kpi"): e for e in page.xpath(".//*[@data-kpi]")}
    for key in ("projects", "total_investment", "annual_plan", "ytd_completed", "start_rate"):
        assert json.loads(shown[key].get("data-value")) == overall[key]
    text = {k: e.xpath("string(.//*[@class='value'])") for k, e in shown.items()}
    assert text["total_investment"] == f"{yi(overall['total_investment'])}亿元"
    assert text["ytd_completed"].startswith(yi(overall["ytd_completed"]))
    assert text["completion_rate"] == pct(overall["completion_rate"])
    assert text["projects"] == f"{overall['projects']}个"


def test_unit_text_is_text(tmp_path: Path) -> None:
    ledger, settings = merged(tmp_path)
    out = pipeline.screen(ledger, settings, tmp_path / "大屏.html").output
    page = doc(out)
    assert len(page.xpath("//script")) == 1  # ours; the project's name is not a script
    assert EVIL in page.text_content()
    assert "A&B<镇>" in page.text_content()
    assert b"<script>alert" not in out.read_bytes()


def test_nothing_outside_the_file(tmp_path: Path) -> None:
    ledger, settings = merged(tmp_path)
    out = pipeline.screen(ledger, settings, tmp_path / "大屏.html").output
    page = doc(out)
    csp = page.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")
    assert csp and "default-src 'none'" in csp[0]
    assert not page.xpath("//link | //iframe | //object | //embed")
    sources = page.xpath("//@src | //@href")
    assert all(s.startswith("data:") for s in sources)
    urls = [u for u in page.xpath("//@*") if "://" in u]
    assert urls == ["http://www.w3.org/2000/svg"] * len(urls)  # the SVG namespace, not a fetch


def test_three_hundred_projects_and_a_year_stay_small(tmp_path: Path) -> None:
    settings = Settings(region="襄城区", workspace=tmp_path)
    from ledgerkit.period import Period

    folder = tmp_path / "台账"
    folder.mkdir()
    for u in range(20):
        rows = unit_rows(f"第{u + 1}镇", 15, 0.05 * (u % 8))
        builders.xlsx(folder / f"单位{u + 1}.xlsx", rows, ["A1:J1"])
    for month in range(1, 13):
        ledger = pipeline.merge([folder], settings, period=Period(2024, month)).output
    assert ledger is not None
    run = pipeline.screen(ledger, settings, tmp_path / "大屏.html")
    size = run.output.stat().st_size
    assert "trend" in run.pages and "ranking-2" in run.pages  # 20 units: two ranking pages
    assert size < 1_000_000, size


def test_a_png_without_a_browser_is_said(
    tmp_path: Path, capsysbinary: Any, monkeypatch: Any
) -> None:
    ledger, _ = merged(tmp_path)
    monkeypatch.setenv("LEDGERKIT_BROWSER", str(tmp_path / "没有这个浏览器.exe"))
    out = tmp_path / "大屏.html"
    code, _, err = builders.run_cli(
        capsysbinary, "screen", str(ledger), "-o", str(out), "--png", str(tmp_path / "图")
    )
    assert code == 3 and "找不到 Chromium" in err
    assert out.is_file()  # the page itself is written


# --- in a real browser ---------------------------------------------------------------------


@pytest.fixture
def browser() -> Any:
    assert BROWSER is not None
    page = Page(BROWSER)
    yield page
    page.close()


def status_pixels(png: Path, box: tuple[int, int, int, int]) -> dict[str, int]:
    """How many pixels of each status colour the box of a screenshot holds."""
    image = Image.open(png).convert("RGB").crop(box)
    wanted = {s: tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for s, c in COLOURS.items()}
    counts = dict.fromkeys(wanted, 0)
    for n, colour in image.getcolors(maxcolors=1 << 24) or []:
        for status, rgb in wanted.items():
            if colour == rgb:
                counts[status] += n
    return counts


@needs_browser
def test_every_page_renders_offline_without_errors(tmp_path: Path, browser: Page) -> None:
    ledger, settings = merged(tmp_path)
    out = pipeline.screen(ledger, settings, tmp_path / "大屏.html").output
    run_pages = pipeline.screen(ledger, settings, out).pages
    for key in run_pages:
        browser.open(f"{out.as_uri()}#page={key}")
        assert browser.js("[innerWidth, innerHeight]") == [1920, 1080]
        visible = browser.js("document.querySelector('.page.on').dataset.key")
        assert visible == key
        # nothing spills out of the 1920×1080 page
        assert browser.js("document.querySelector('.page.on').scrollHeight") <= 1080
        shot = browser.screenshot(tmp_path / f"{key}.png")
        assert Image.open(shot).size == (1920, 1080)
        assert browser.errors() == []
        assert browser.requests() == [f"{out.as_uri()}"]  # the file itself, nothing else


@needs_browser
def test_the_browser_shows_report_figures_and_text_as_text(
    tmp_path: Path, browser: Page, capsysbinary: Any
) -> None:
    ledger, settings = merged(tmp_path)
    _code, out, _ = builders.run_cli(capsysbinary, "report", str(ledger), "--json")
    overall = json.loads(out)["overall"]
    html = pipeline.screen(ledger, settings, tmp_path / "大屏.html").output
    browser.open(f"{html.as_uri()}#page=kpi")
    shown = browser.js(
        "Object.fromEntries([...document.querySelectorAll('#page-kpi [data-kpi]')]"
        ".map(e => [e.dataset.kpi, e.querySelector('.value') ? "
        "e.querySelector('.value').innerText : e.innerText]))"
    )
    assert shown["total_investment"].replace("\n", "") == f"{yi(overall['total_investment'])}亿元"
    assert shown["completion_rate"] == pct(overall["completion_rate"])
    assert shown["start_rate"] == pct(overall["start_rate"])
    browser.open(f"{html.as_uri()}#page=lagging-1")
    assert browser.js("document.scripts.length") == 1
    assert EVIL in browser.js("document.querySelector('.page.on').innerText")
    assert browser.js("typeof window.alert_called") == "undefined"


@needs_browser
def test_the_chart_is_drawn(tmp_path: Path, browser: Page) -> None:
    ledger, settings = merged(tmp_path)
    html = pipeline.screen(ledger, settings, tmp_path / "大屏.html").output
    browser.open(f"{html.as_uri()}#page=ranking-1")
    shot = browser.screenshot(tmp_path / "ranking.png")
    figures = to_json(pipeline.read_merged(ledger, settings, None).figures)
    statuses = {u["status"] for u in figures["by_unit"]}
    counts = status_pixels(shot, (340, 180, 1900, 1000))
    swatch = 28 * 28  # the legend's square of each colour
    for status in statuses:  # each status among the units is drawn as bars, beyond the legend
        assert counts[status] > swatch + 1000, (status, counts)
    for status in set(COLOURS) - statuses:
        assert counts[status] <= swatch, (status, counts)


@needs_browser
def test_keys_and_print(tmp_path: Path, browser: Page) -> None:
    ledger, settings = merged(tmp_path)
    run = pipeline.screen(ledger, settings, tmp_path / "大屏.html")
    browser.open(run.output.as_uri())
    on = "document.querySelector('.page.on').dataset.key"
    assert browser.js(on) == "kpi"
    for key, expected in (("ArrowRight", run.pages[1]), ("ArrowLeft", "kpi"),
                          ("ArrowLeft", run.pages[-1])):  # fmt: skip
        browser.call("Input.dispatchKeyEvent", {"type": "keyDown", "key": key})
        assert browser.js(on) == expected
    browser.call("Input.dispatchKeyEvent", {"type": "keyDown", "key": " ", "text": " "})
    assert browser.js("document.body.classList.contains('paused')")
    pdf = browser.call("Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True})
    data = base64.b64decode(pdf["data"])
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", data)) == len(run.pages)


@needs_browser
def test_png_pages(tmp_path: Path, capsysbinary: Any) -> None:
    ledger, _ = merged(tmp_path)
    folder = tmp_path / "图片"
    code, out, _ = builders.run_cli(
        capsysbinary, "screen", str(ledger), "-o", str(tmp_path / "s.html"),
        "--png", str(folder), "--json",
    )  # fmt: skip
    assert code in (0, 1)
    result = json.loads(out)
    assert len(result["images"]) == len(result["pages"])
    for image in result["images"]:
        assert Image.open(image).size == (1920, 1080)
    assert Path(result["images"][0]).name == "01-kpi.png"


def test_a_long_unit_name_is_cut_on_the_ranking(tmp_path: Path) -> None:
    ledger, settings = merged(tmp_path)
    figures = pipeline.read_merged(ledger, settings, None).figures or {}
    long_name = "襄阳市襄城区自然资源和规划局分局办公室"
    by_unit = [{**figures["by_unit"][0], "name": long_name}, *figures["by_unit"][1:]]
    ranking = next(
        p for p in pages({**figures, "by_unit": by_unit}, settings) if p.key == "ranking-1"
    )
    labels = lxml_html.fromstring(str(ranking.body)).xpath("//text[@class='unit']/text()")
    assert any(label.endswith(" 襄阳市襄城区自然资源和…") for label in labels)
