"""The bulletin and the notices, rendered from the default Word templates and read back."""

from __future__ import annotations

import io
from pathlib import Path

import builders
import pytest
from builders import month_figures as figures
from builders import run_cli, seed_000_rows
from docx import Document
from docx.oxml.ns import qn

from ledgerkit.bulletin import (
    TemplateError,
    bulletin,
    cn_number,
    context,
    notices_docx,
    problem_groups,
    render_docx,
)
from ledgerkit.period import Period
from ledgerkit.pipeline import merge_paths
from ledgerkit.settings import Settings, default_templates

SETTINGS = Settings(region="襄城区", next_steps=("强化调度督办。", "加快前期工作。"))


def _figures(tmp_path: Path, rows: list[list]) -> dict:
    folder = tmp_path / "2009-04"
    folder.mkdir(exist_ok=True)
    builders.xlsx(folder / "襄城区.xlsx", rows)
    return figures(merge_paths([folder]).projects, Period(2009, 4), SETTINGS)


@pytest.fixture
def seed(tmp_path: Path) -> dict:
    return _figures(tmp_path, seed_000_rows())


def _text(data: bytes) -> tuple[list, list]:
    doc = Document(io.BytesIO(data))
    return doc.paragraphs, doc.tables


def test_the_bulletin_reads_out_seed_000s_numbers(seed):
    paragraphs, tables = _text(bulletin(seed, SETTINGS))
    text = "\n".join(p.text for p in paragraphs)
    for figure in (
        "30个",
        "122亿元",
        "40亿元",
        "续建项目3个",
        "新建项目27个",
        "已开工项目25个",
        "开工率83.3%",
        "7.7亿元",
        "19.3%",
        "49.9亿元",
        "13.7亿元",
        "41.1亿元",
        "12.8亿元",
        "4.2亿元",
        "32.8%",
        "低于时间进度14.1个百分点",
    ):
        assert figure in text, figure
    assert "截至4月底，已开工项目25个，开工率83.3%" in text
    assert paragraphs[0].text == "关于2009年1-4月襄城区重点项目建设进展情况的通报"
    ranking = tables[0]
    assert [c.text for c in ranking.rows[0].cells][:2] == ["排名", "责任单位"]
    assert [r.cells[1].text for r in ranking.rows[1:]] == [
        "庞公街道",
        "尹集乡",
        "卧龙镇",
        "欧庙镇",
        "檀溪街道",
    ]
    assert "（一）强化调度督办。" in text and "（二）加快前期工作。" in text
    assert "一是前期手续办理较慢" not in text and "征地拆迁难度大" in text


def test_fonts_are_set_for_word_and_wps(seed):
    doc = Document(io.BytesIO(bulletin(seed, SETTINGS)))
    normal = doc.styles["Normal"]
    assert normal.font.size.pt == 16  # 三号
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    runs = [(p, r) for p in doc.paragraphs for r in p.runs if r.text.strip()]
    assert runs and all(_east_asian(p, r) for p, r in runs)
    title_font = _east_asian(doc.paragraphs[0], doc.paragraphs[0].runs[0])
    assert title_font in ("方正小标宋简体", "黑体", "方正小标宋_GBK")
    section = doc.sections[0]
    assert round(section.top_margin.cm, 1) == 3.7 and round(section.left_margin.cm, 1) == 2.8


def _east_asian(paragraph, run) -> str | None:
    """The East Asian font Word shows a run in: its own, else its paragraph style's (a theme's
    font beside it would win, so there must be none)."""
    for rpr in (run._element.rPr, paragraph.style.element.rPr):
        fonts = rpr.rFonts if rpr is not None else None
        if fonts is not None and fonts.get(qn("w:eastAsia")):
            assert fonts.get(qn("w:eastAsiaTheme")) is None
            return fonts.get(qn("w:eastAsia"))
    return None


def test_a_template_with_theme_fonts_gets_chinese_ones(seed, tmp_path):
    # a clerk's template saved by Word: the theme's East Asian font, no named one
    doc = Document(str(default_templates() / "通报.docx"))
    for name in ("Normal", "Title"):
        fonts = doc.styles[name].element.rPr.rFonts
        fonts.attrib.pop(qn("w:eastAsia"))
        fonts.set(qn("w:eastAsiaTheme"), "minorEastAsia")
    defaults = doc.styles.element.find(f"{qn('w:docDefaults')}//{qn('w:rFonts')}")
    defaults.attrib.pop(qn("w:eastAsia"))
    template = tmp_path / "通报.docx"
    doc.save(str(template))
    out = Document(io.BytesIO(render_docx(template, context(seed, SETTINGS), SETTINGS)))
    title = out.paragraphs[0]
    assert title.style.style_id == "Title"
    assert _east_asian(title, title.runs[0]) == "仿宋_GB2312"  # Title's chain names none
    heading = next(p for p in out.paragraphs if p.style.style_id == "Heading1")
    assert _east_asian(heading, heading.runs[0]) == "黑体"  # named by its own style
    defaults = out.styles.element.find(f"{qn('w:docDefaults')}//{qn('w:rFonts')}")
    assert defaults.get(qn("w:eastAsia")) == "仿宋_GB2312"


def test_empty_sections_are_left_out(tmp_path):
    rows = [r[:] for r in seed_000_rows()]
    for r in rows[2:]:
        r[8], r[9], r[11] = r[7], "是", ""  # everyone done on plan, started, no problems
    got = _figures(tmp_path, rows)
    text = "\n".join(p.text for p in _text(bulletin(got, Settings(region="襄城区")))[0])
    assert got["lagging"] == [] and "滞后项目" not in text
    assert "存在的问题" not in text and "下步工作" not in text
    assert "滞后项目0个" not in text


def test_unit_text_appears_as_typed_and_runs_nothing(tmp_path):
    rows = seed_000_rows()
    rows[7][11] = "A&B<公司> 资金缺口 {{ 7*7 }} {% raw %}"
    got = _figures(tmp_path, rows)
    text = "\n".join(p.text for p in _text(bulletin(got, SETTINGS))[0])
    assert (
        "A&B<公司> 资金缺口 {{ 7*7 }} {% raw %}" in text
        and "49" not in text.split("资金缺口")[1][:8]
    )


def test_markdown_and_html_previews_are_the_same_bulletin(seed):
    md = bulletin(seed, SETTINGS, "md").decode("utf-8")
    assert md.startswith("# 关于2009年1-4月襄城区重点项目建设进展情况的通报")
    assert "开工率83.3%" in md and "| 排名 | 责任单位 |" in md
    page = bulletin(seed, SETTINGS, "html").decode("utf-8")
    assert "<h1>关于2009年1-4月" in page and "开工率83.3%" in page and "<table>" in page


def test_notices_one_page_per_red_project(seed):
    data, count = notices_docx(seed, SETTINGS)
    red = [p for p in seed["lagging"] if p["status"] == "严重滞后"]
    # 3 not started after a planned start in March, 2 more planned for June but at 0%
    assert count == len(red) == 5
    doc = Document(io.BytesIO(data))
    titles = [p for p in doc.paragraphs if p.text.strip() == "重点项目督办通知单"]
    assert len(titles) == 5
    assert not titles[0].paragraph_format.page_break_before
    assert all(t.paragraph_format.page_break_before for t in titles[1:])
    cells = " ".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    for p in red:
        assert p["name"] in cells
    assert "2009-04-01" in " ".join(p.text for p in doc.paragraphs) + cells


def test_a_workspace_template_overrides_the_default(seed, tmp_path):
    ws = tmp_path / "ws"
    (ws / "templates").mkdir(parents=True)
    doc = Document(str(default_templates() / "通报.docx"))
    doc.paragraphs[0].runs[0].text = "{{ region }}重点项目月报"
    for run in doc.paragraphs[0].runs[1:]:
        run.text = ""
    doc.save(str(ws / "templates" / "通报.docx"))
    settings = Settings(region="襄城区", workspace=ws)
    paragraphs, _ = _text(bulletin(seed, settings))
    assert paragraphs[0].text == "襄城区重点项目月报"


def test_an_unknown_variable_names_the_template_and_paragraph(seed, tmp_path):
    bad = tmp_path / "坏模板.docx"
    doc = Document()
    doc.add_paragraph("第一段")
    doc.add_paragraph("本月完成{{ overall.nosuch|yi }}亿元")
    doc.save(str(bad))
    with pytest.raises(TemplateError, match=r"坏模板\.docx.*第2段.*nosuch"):
        render_docx(bad, context(seed, SETTINGS), SETTINGS)
    doc = Document()
    doc.add_paragraph("{% if %}")
    doc.save(str(bad))
    with pytest.raises(TemplateError, match="语法"):
        render_docx(bad, context(seed, SETTINGS), SETTINGS)


def test_report_and_notices_commands(seed, tmp_path, capsysbinary):
    folder = tmp_path / "2009-04"
    out = tmp_path / "2009-04汇总.xlsx"
    run_cli(capsysbinary, "merge", str(folder), "-o", str(out), "--region", "襄城区")
    code, stdout, err = run_cli(capsysbinary, "report", str(out), "-o", str(tmp_path / "通报.docx"))
    assert code in (0, 1), err
    text = "\n".join(p.text for p in Document(str(tmp_path / "通报.docx")).paragraphs)
    assert "已开工项目25个" in text
    code, stdout, _ = run_cli(capsysbinary, "report", str(out), "--format", "md")
    assert "开工率83.3%" in stdout
    code, stdout, _ = run_cli(capsysbinary, "notices", str(out), "-o", str(tmp_path / "督办.docx"))
    assert "5 个" in stdout and (tmp_path / "督办.docx").exists()


def test_filters():
    assert [cn_number(n) for n in (1, 9, 10, 12, 20, 21)] == [
        "一",
        "九",
        "十",
        "十二",
        "二十",
        "二十一",
    ]


def test_problems_are_grouped_by_topic():
    groups = problem_groups(
        [
            {"unit": "卧龙镇", "name": "a", "text": "资金缺口较大"},
            {"unit": "尹集乡", "name": "b", "text": "征地拆迁难度大。"},
            {"unit": "卧龙镇", "name": "c", "text": "融资未到位"},
            {"unit": "欧庙镇", "name": "d", "text": "设计单位变更"},
        ]
    )
    assert [(g["topic"], g["units"]) for g in groups] == [
        ("资金保障不足", ["卧龙镇"]),
        ("用地和征迁制约", ["尹集乡"]),
        ("其他问题", ["欧庙镇"]),
    ]
    assert groups[1]["texts"] == ["征地拆迁难度大"]


def test_default_templates_exist():
    for name in ("通报.docx", "督办通知单.docx", "交办督办函.docx", "包抓领导.docx"):
        assert (default_templates() / name).is_file()
