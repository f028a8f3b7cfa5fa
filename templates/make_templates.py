"""Build the default Word templates: src/ledgerkit/templates/通报.docx, 督办通知单.docx,
季度通报.docx (a quarter's, a half's or a year's bulletin), 交办督办函.docx and 包抓领导.docx.

    python templates/make_templates.py

The clerk opens and edits them in Word or WPS; ledgerkit renders them with docxtpl. Every
``{{ … }}`` and ``{% … %}`` tag is written as one run, so Word never splits it. Control lines
(``{%p … %}`` paragraphs, ``{%tr … %}`` table rows) disappear from the rendered document.
Two of them need a word: headings are numbered by a counter (``{%p set sec.n = sec.n + 1 %}``
before each, ``{{ sec.n|cn_num }}、`` in it), so 一二三 has no gap when a section is left
out; and each 督办通知单 after the first starts with a title paragraph that has 段前分页
(pageBreakBefore), chosen by ``{%p if loop.first %}`` … ``{%p else %}`` … ``{%p endif %}``,
so no empty paragraph is left at the top of a page and the first page never breaks.
The output is byte-for-byte the same on every run: fixed core properties, fixed zip dates.

The 公文 look (GB/T 9704) lives in styles, not in direct formatting. Each style names its
Chinese font in w:eastAsia and Times New Roman in w:ascii/w:hAnsi (digits and Latin). The
font table gives every Chinese font an altName, the font Word uses when it is missing:

    style        font            size          when missing
    Normal 正文  仿宋_GB2312     三号 16 pt    仿宋
    Title 标题   方正小标宋简体  二号 22 pt    黑体
    Heading 1    黑体            三号 16 pt    (ships with Windows)
    Heading 2    楷体_GB2312     三号 16 pt 粗 楷体
    表格表头/表格居中/表格文字  宋体  小四 12 pt  (ships with Windows)
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt
from lxml import etree

# The templates ship inside the package; this script stays out of it (and out of what
# `ledgerkit init` copies): it is for whoever changes the defaults, not for the clerk.
OUT = Path(__file__).resolve().parents[1] / "src" / "ledgerkit" / "templates"
LATIN = "Times New Roman"
FANGSONG, XIAOBIAOSONG, HEITI, KAITI, SONGTI = (
    "仿宋_GB2312",
    "方正小标宋简体",
    "黑体",
    "楷体_GB2312",
    "宋体",
)
FALLBACKS = {
    FANGSONG: "仿宋",
    XIAOBIAOSONG: "黑体",
    KAITI: "楷体",
    HEITI: "SimHei",
    SONGTI: "SimSun",
}
FIXED_TIME = datetime(2000, 1, 1)
ZIP_TIME = (2000, 1, 1, 0, 0, 0)
TAG = re.compile(r"(\{\{.*?\}\}|\{%.*?%\})")


# --- styles ---------------------------------------------------------------------------------


def set_fonts(rpr_owner, east_asia: str, latin: str = LATIN) -> None:
    """Plain font names (no theme fonts, which would win over them) for every script."""
    rfonts = rpr_owner.get_or_add_rPr().get_or_add_rFonts()
    for name in list(rfonts.attrib):
        del rfonts.attrib[name]
    for attr, value in (("ascii", latin), ("hAnsi", latin), ("eastAsia", east_asia), ("cs", latin)):
        rfonts.set(qn(f"w:{attr}"), value)


def reset(style) -> None:
    """Drop the default template's look (theme fonts, colours, borders) from a style."""
    for child in list(style.element):
        if child.tag in (qn("w:pPr"), qn("w:rPr")):
            style.element.remove(child)


def indent_chars(style, first: int = 0, right: int = 0) -> None:
    """Indents in characters (hundredths), which follow the font size: 200 = 两字."""
    pf = style.paragraph_format
    pf.first_line_indent = Pt(style.font.size.pt * first / 100)  # for apps without *Chars
    ind = style.element.get_or_add_pPr().get_or_add_ind()
    ind.set(qn("w:firstLineChars"), str(first))
    if right:
        pf.right_indent = Pt(style.font.size.pt * right / 100)
        ind.set(qn("w:rightChars"), str(right))


def paragraph_style(
    doc,
    name,
    style_id,
    *,
    font,
    size,
    base="Normal",
    bold=False,
    align=None,
    line=28,
    first=200,
    right=0,
    before=0,
    after=0,
):
    styles = doc.styles
    if name in [s.name for s in styles]:
        style = styles[name]
        reset(style)
    else:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.element.styleId = style_id
        style.base_style = styles[base]
        style.quick_style = True
    set_fonts(style.element, font)
    style.font.size = Pt(size)
    style.font.bold = bold
    linked_character_style(doc, style)
    pf = style.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY if line else WD_LINE_SPACING.SINGLE
    if line:
        pf.line_spacing = Pt(line)
    pf.space_before, pf.space_after = Pt(before), Pt(after)
    pf.alignment = align
    pf.widow_control = False  # 公文 lines fill the page evenly
    indent_chars(style, first, right)
    return style


def linked_character_style(doc, style) -> None:
    """Word applies the linked 字符样式 (TitleChar…) to part of a paragraph: same font."""
    link = style.element.find(qn("w:link"))
    if link is None:
        return
    char = next((s for s in doc.styles if s.style_id == link.get(qn("w:val"))), None)
    if char is not None:
        reset(char)
        set_fonts(char.element, style.element.rPr.rFonts.get(qn("w:eastAsia")))
        char.font.size, char.font.bold = style.font.size, style.font.bold


def table_style(doc):
    """公文表格: all borders single 0.5 pt, centred on the page, header row bold."""
    style = doc.styles.add_style("公文表格", WD_STYLE_TYPE.TABLE)
    style.element.styleId = "GongwenTable"
    style.base_style = doc.styles["Normal Table"]
    set_fonts(style.element, SONGTI)
    style.font.size = Pt(12)
    border = '<w:{0} w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
    sides = "".join(
        border.format(s) for s in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    style.element.append(
        parse_xml(
            f'<w:tblPr {nsdecls("w")}><w:jc w:val="center"/><w:tblBorders>{sides}</w:tblBorders>'
            '<w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/>'
            "</w:tblCellMar></w:tblPr>"
        )
    )
    style.element.append(
        parse_xml(
            f'<w:tblStylePr {nsdecls("w")} w:type="firstRow"><w:rPr><w:b/><w:bCs/></w:rPr>'
            '<w:tcPr><w:vAlign w:val="center"/></w:tcPr>'
            "</w:tblStylePr>"
        )
    )


def define_styles(doc) -> None:
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rfonts = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
    for name in list(rfonts.attrib):
        del rfonts.attrib[name]
    for attr, value in (("ascii", LATIN), ("hAnsi", LATIN), ("eastAsia", FANGSONG), ("cs", LATIN)):
        rfonts.set(qn(f"w:{attr}"), value)
    defaults.find(f".//{qn('w:lang')}").set(qn("w:eastAsia"), "zh-CN")
    spacing = defaults.find(f".//{qn('w:spacing')}")
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), "240")

    center, right, both = (
        WD_ALIGN_PARAGRAPH.CENTER,
        WD_ALIGN_PARAGRAPH.RIGHT,
        WD_ALIGN_PARAGRAPH.JUSTIFY,
    )
    paragraph_style(doc, "Normal", "Normal", font=FANGSONG, size=16, align=both)
    paragraph_style(
        doc, "Title", "Title", font=XIAOBIAOSONG, size=22, align=center, line=36, first=0, after=28
    )
    for name, font, bold, level in (("Heading 1", HEITI, False, 0), ("Heading 2", KAITI, True, 1)):
        style = paragraph_style(doc, name, "", font=font, size=16, bold=bold, align=both)
        style.paragraph_format.keep_with_next = True
        outline = OxmlElement("w:outlineLvl")
        outline.set(qn("w:val"), str(level))
        style.element.get_or_add_pPr().append(outline)
    paragraph_style(
        doc, "主送", "Recipients", font=FANGSONG, size=16, align=WD_ALIGN_PARAGRAPH.LEFT, first=0
    )
    paragraph_style(doc, "落款", "Signoff", font=FANGSONG, size=16, align=right, first=0, right=200)
    paragraph_style(doc, "编号", "DocNumber", font=FANGSONG, size=16, align=right, first=0)
    for name, style_id, align, bold in (
        ("表格表头", "TableHead", center, True),
        ("表格居中", "TableCenter", center, False),
        ("表格文字", "TableText", both, False),
    ):
        paragraph_style(
            doc, name, style_id, font=SONGTI, size=12, bold=bold, align=align, line=0, first=0
        )
    footer = paragraph_style(doc, "Footer", "", font=SONGTI, size=14, align=center, line=0, first=0)
    set_fonts(footer.element, SONGTI, latin=SONGTI)  # 页码：四号半角宋体阿拉伯数字
    table_style(doc)


def font_table(doc) -> None:
    """Name each Chinese font and the font Word falls back to (w:altName) when it is missing."""
    part = next(
        rel.target_part for rel in doc.part.rels.values() if rel.reltype.endswith("/fontTable")
    )
    root = parse_xml(part.blob)
    for name, alt in FALLBACKS.items():
        root.append(
            parse_xml(
                f'<w:font {nsdecls("w")} w:name="{name}"><w:altName w:val="{alt}"/>'
                '<w:charset w:val="86"/><w:family w:val="auto"/><w:pitch w:val="variable"/></w:font>'
            )
        )
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def page_setup(doc, page_numbers: bool) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    section.header_distance, section.footer_distance = Cm(1.5), Cm(2.5)
    if page_numbers:  # — 1 —
        p = section.footer.paragraphs[0]
        p.style = doc.styles["Footer"]
        p.add_run("— ")
        field = parse_xml(
            f'<w:fldSimple {nsdecls("w")} w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple>'
        )
        p._p.append(field)
        p.add_run(" —")


def settings_xml(doc) -> None:
    settings = doc.settings.element
    lang = settings.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")


def new_document(title: str, page_numbers: bool):
    doc = Document()
    define_styles(doc)
    font_table(doc)
    page_setup(doc, page_numbers)
    settings_xml(doc)
    props = doc.core_properties
    props.author = props.last_modified_by = "ledgerkit"
    props.title, props.subject, props.keywords, props.comments = title, "", "", ""
    props.created = props.modified = FIXED_TIME
    props.revision = 1
    return doc


# --- content helpers ------------------------------------------------------------------------


def para(container, text: str, style: str = "Normal"):
    """A paragraph whose every tag is a run of its own (literal text runs between them)."""
    p = container.add_paragraph(style=style)
    for piece in TAG.split(text):
        if piece:
            p.add_run(piece)
    return p


def cell_text(cell, text: str, style: str) -> None:
    p = cell.paragraphs[0]
    p.style = cell.part.document.styles[style]
    for piece in TAG.split(text):
        if piece:
            p.add_run(piece)


def new_table(doc, widths_cm: list[float], rows: int):
    table = doc.add_table(rows=rows, cols=len(widths_cm))
    table.style = doc.styles["公文表格"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    total = table._tbl.tblPr.find(qn("w:tblW"))
    total.set(qn("w:type"), "dxa")
    total.set(qn("w:w"), str(sum(Cm(w).twips for w in widths_cm)))
    for column, width in zip(table.columns, widths_cm, strict=True):
        column.width = Cm(width)
        for cell in column.cells:
            cell.width = Cm(width)
    for row in table.rows:
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        for cell in row.cells:
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    return table


def header_row(row) -> None:
    """Repeat this row at the top of every page the table runs onto."""
    row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))


def min_height(row, cm: float) -> None:
    height = OxmlElement("w:trHeight")
    height.set(qn("w:val"), str(round(cm * 567)))
    height.set(qn("w:hRule"), "atLeast")
    row._tr.get_or_add_trPr().append(height)


def heading(doc, text: str) -> None:
    """一、… numbered by the sections actually shown, so 一二三 has no gap."""
    para(doc, "{%p set sec.n = sec.n + 1 %}")
    para(doc, "{{ sec.n|cn_num }}、" + text, "Heading 1")


def loop_table(doc, columns, loop: str, style: str = "表格文字") -> None:
    """A table whose data row repeats: header, {%tr for %}, the row (in `style`),
    {%tr endfor %}."""
    table = new_table(doc, [w for _, w, _ in columns], rows=4)
    header, loop_start, data, loop_end = table.rows
    header_row(header)
    for n, (label, _, value) in enumerate(columns):
        cell_text(header.cells[n], label, "表格表头")
        cell_text(data.cells[n], value, style)
    cell_text(loop_start.cells[0], "{%tr for " + loop + " %}", "表格居中")
    cell_text(loop_end.cells[0], "{%tr endfor %}", "表格居中")


def next_steps(doc) -> None:
    """下步工作, when the settings give any: one numbered paragraph a step."""
    para(doc, "{%p if next_steps %}")
    heading(doc, "下步工作")
    para(doc, "{%p for step in next_steps %}")
    para(doc, "（{{ loop.index|cn_num }}）{{ step }}")
    para(doc, "{%p endfor %}")
    para(doc, "{%p endif %}")


def signature(doc) -> None:
    """An empty line under the text, then the issuer and the date, right-aligned (落款)."""
    para(doc, "")  # 正文下空一行
    para(doc, "{{ issuer }}", "落款")
    para(doc, "{%p if report_date %}")
    para(doc, "{{ report_date }}", "落款")
    para(doc, "{%p endif %}")


# --- 通报 -----------------------------------------------------------------------------------

RANKING = [
    ("排名", 1.2, "{{ u.rank or '—' }}"),
    ("责任单位", 3.6, "{{ u.name }}"),
    ("项目个数", 1.4, "{{ u.projects }}"),
    ("开工率", 1.7, "{{ u.start_rate|pct }}"),
    ("年度计划（亿元）", 2.0, "{{ u.annual_plan|yi }}"),
    ("完成投资（亿元）", 2.0, "{{ u.ytd_completed|yi }}"),
    ("完成率", 1.7, "{{ u.completion_rate|pct }}"),
    ("状态", 2.0, "{{ u.status }}"),
]

SLICE = (
    "总投资{{ s.total_investment|yi }}亿元，年度计划投资{{ s.annual_plan|yi }}亿元，"
    "完成投资{{ s.ytd_completed|yi }}亿元，占年度计划的{{ s.completion_rate|pct }}"
)


def bulletin() -> Document:
    doc = new_document("重点项目建设进展情况通报", page_numbers=True)
    para(doc, "{{ title }}", "Title")
    para(doc, "{{ recipients }}", "主送")
    para(
        doc,
        "根据全区重点项目月报制度，现将{{ period.year }}年{{ period.span }}重点项目建设进展情况通报如下：",
    )
    para(doc, "{%p set sec = namespace(n=0) %}")

    heading(doc, "总体情况")
    para(
        doc,
        "{{ period.year }}年全区列入重点项目{{ overall.projects }}个，"
        "总投资{{ overall.total_investment|yi }}亿元，年度计划投资{{ overall.annual_plan|yi }}亿元。"
        "{% if categories %}其中，{% for c in categories %}{{ c.name }}项目{{ c.projects }}个"
        "{% if not loop.last %}、{% endif %}{% endfor %}。{% endif %}",
    )
    para(
        doc,
        "截至{{ period.month }}月底，已开工项目{{ overall.started }}个，开工率{{ overall.start_rate|pct }}"
        "（{{ start_rule }}）；"
        "完成投资{{ overall.ytd_completed|yi }}亿元，占年度投资计划的{{ overall.completion_rate|pct }}，"
        "{{ overall.gap|vs_time }}。",
    )
    para(doc, "{%p if stages.finish or stages.production or stages.resume %}")
    para(
        doc,
        "{% set parts = [] %}"
        "{% if stages.finish %}{% set _ = parts.append('应竣工项目' ~ stages.finish.due ~ '个，已竣工'"
        " ~ stages.finish.done ~ '个，竣工率' ~ (stages.finish.rate|pct)) %}{% endif %}"
        "{% if stages.production %}{% set _ = parts.append('已竣工项目中投产' ~ stages.production.done"
        " ~ '个，投产率' ~ (stages.production.rate|pct)) %}{% endif %}"
        "{% if stages.resume %}{% set _ = parts.append('应复工项目' ~ stages.resume.due ~ '个，已复工'"
        " ~ stages.resume.done ~ '个，复工率' ~ (stages.resume.rate|pct)) %}{% endif %}"
        "{{ parts|join('；') }}。",
    )
    para(doc, "{%p endif %}")
    para(doc, "{%p if bands.above.projects %}")
    para(
        doc,
        "从投资规模看，{% for b in bands.bands if b.projects or b.last_year %}{{ b.name }}项目{{ b.projects }}个"
        "{% if b.change is not none %}（同比{{ b.change|change_n }}）{% endif %}"
        "{% if not loop.last %}，{% endif %}{% endfor %}"
        "{% if bands.unfilled %}，另有{{ bands.unfilled }}个项目未填总投资{% endif %}；"
        "{{ bands.above.name }}项目{{ bands.above.projects }}个，占总投资的{{ bands.above.share|pct }}。",
    )
    para(doc, "{%p endif %}")
    para(doc, "{%p if fixed_asset %}")
    para(
        doc,
        "重点项目年度计划投资占全区计划固定资产投资规模（{{ fixed_asset.plan|yi }}亿元）的"
        "{{ fixed_asset.share|pct }}，完成投资占{{ fixed_asset.ytd_share|pct }}。",
    )
    para(doc, "{%p endif %}")
    para(doc, "{%p if trend.mom or trend.yoy %}")
    para(
        doc,
        "{% if trend.mom %}与上月相比，累计完成投资{{ trend.mom.ytd_change|change_yi }}，"
        "完成率{{ trend.mom.rate_change|change_pp }}"
        "{% if trend.mom.started_change > 0 %}，新开工项目{{ trend.mom.started_change }}个{% endif %}"
        "{% if trend.mom.missing %}（按两个月都报送的{{ trend.mom.units_compared }}个单位比较，"
        "{{ trend.mom.missing|join('、') }}本月未报送）{% endif %}"
        "{% endif %}{% if trend.mom and trend.yoy %}；{% endif %}"
        "{% if trend.yoy %}与去年同期相比，完成投资{{ trend.yoy.ytd_growth|growth }}"
        "{% if trend.yoy.missing %}（按两年都报送的{{ trend.yoy.units_compared }}个单位比较）"
        "{% endif %}{% endif %}。",
    )
    para(doc, "{%p endif %}")
    para(doc, "{%p if submissions.missing or submissions.late or submissions.data_only %}")
    para(
        doc,
        "报送方面，{% if submissions.missing %}{{ submissions.missing|join('、') }}"
        "{{ submissions.missing|length }}个单位未报送台账{% endif %}"
        "{% if submissions.missing and submissions.late %}，{% endif %}"
        "{% if submissions.late %}{{ submissions.late|join('、') }}逾期报送{% endif %}"
        "{% if (submissions.missing or submissions.late) and submissions.data_only %}；{% endif %}"
        "{% if submissions.data_only %}{{ submissions.data_only|join('、') }}只报数据，"
        "没有文字分析{% endif %}。",
    )
    para(doc, "{%p endif %}")
    para(doc, "{%p for s in sub_lists %}")
    para(doc, "{{ s.name }}项目{{ s.projects }}个，" + SLICE + "。")
    para(doc, "{%p endfor %}")

    para(doc, "{%p if sectors %}")
    heading(doc, "分行业推进情况")
    para(
        doc,
        "{% for s in sectors %}{{ s.name }}项目{{ s.projects }}个，年度计划投资{{ s.annual_plan|yi }}亿元，"
        "完成投资{{ s.ytd_completed|yi }}亿元，占年度计划的{{ s.completion_rate|pct }}，"
        "{{ s.gap|vs_time }}{% if loop.last %}。{% else %}；{% endif %}{% endfor %}",
    )
    para(doc, "{%p endif %}")

    heading(doc, "各责任单位推进情况")
    para(doc, "按完成投资占年度计划的比例排名，各责任单位重点项目推进情况如下表：")
    loop_table(doc, RANKING, "u in units", "表格居中")

    para(doc, "{%p if lagging %}")
    heading(doc, "滞后项目情况")
    para(
        doc,
        "截至{{ period.month }}月底，完成率低于时间进度的滞后项目{{ lagging|length }}个"
        "{% if severe %}，其中严重滞后{{ severe|length }}个{% endif %}：",
    )
    para(doc, "{%p for p in lagging %}")
    para(
        doc,
        "{{ loop.index }}．{{ p.name }}（{{ p.unit }}）：完成投资{{ p.ytd_completed|wan }}万元，"
        "完成率{{ p.completion_rate|pct }}，{{ p.reason }}。",
    )
    para(doc, "{%p endfor %}")
    para(doc, "{%p endif %}")

    para(doc, "{%p if problem_ledger.total or nodes.due %}")
    heading(doc, "问题办理和节点推进情况")
    para(doc, "{%p if problem_ledger.total %}")
    para(
        doc,
        "截至{{ period.month }}月底，交办问题{{ problem_ledger.total }}个，已办结"
        "{{ problem_ledger.closed }}个，办结率{{ problem_ledger.closure_rate|pct }}；逾期未办结"
        "{{ problem_ledger.overdue|length }}个{% if problem_ledger.overdue %}："
        "{% for p in problem_ledger.overdue %}{{ p.project }}“{{ p.text }}”（{{ p.owner_unit }}，"
        "时限{{ p.due_text }}）{% if not loop.last %}；{% endif %}{% endfor %}{% endif %}。",
    )
    para(doc, "{%p endif %}")
    para(doc, "{%p if problem_ledger.stale %}")
    para(
        doc,
        "长期未解决的问题{{ problem_ledger.stale|length }}个："
        "{% for p in problem_ledger.stale %}{{ p.project }}“{{ p.text }}”已持续{{ p.months_open }}个月"
        "{% if not loop.last %}；{% endif %}{% endfor %}。",
    )
    para(doc, "{%p endif %}")
    para(doc, "{%p if nodes.due %}")
    para(
        doc,
        "计划{{ period.month }}月底前完成的项目节点{{ nodes.due }}个，已完成{{ nodes.done }}个，"
        "节点完成率{{ nodes.completion_rate|pct }}{% if nodes.overdue %}；逾期未完成"
        "{{ nodes.overdue|length }}个：{% for n in nodes.overdue %}{{ n.name }}{{ n.node }}"
        "（计划{{ n.planned_text }}）{% if not loop.last %}、{% endif %}{% endfor %}{% endif %}。",
    )
    para(doc, "{%p endif %}")
    para(doc, "{%p endif %}")

    para(doc, "{%p if problem_groups %}")
    heading(doc, "存在的问题")
    para(doc, "{%p for g in problem_groups %}")
    para(
        doc,
        "{{ loop.index|ordinal }}{{ g.topic }}。{{ g.texts|join('；') }}（{{ g.units|join('、') }}）。",
    )
    para(doc, "{%p endfor %}")
    para(doc, "{%p endif %}")

    next_steps(doc)

    signature(doc)
    return doc


# --- 季度、半年、年度通报 ---------------------------------------------------------------------

PERIOD_RANKING = [
    ("排名", 1.1, "{{ u.rank or '—' }}"),
    ("责任单位", 2.6, "{{ u.name }}"),
    ("本期完成（亿元）", 1.9, "{{ u.own|yi if u.own is not none else '—' }}"),
    ("本期计划（亿元）", 1.9, "{{ u.period_plan|yi if u.period_plan is not none else '—' }}"),
    ("本期完成率", 1.7, "{{ u.own_rate|pct }}"),
    ("累计完成（亿元）", 1.9, "{{ u.ytd_completed|yi if u.ytd_completed is not none else '—' }}"),
    ("年度完成率", 1.7, "{{ u.completion_rate|pct }}"),
    ("目标完成率", 2.1, "{{ u.target.completion_rate|pct if u.target else '未下达' }}"),
]


def period_bulletin() -> Document:
    doc = new_document("重点项目建设情况季度通报", page_numbers=True)
    para(doc, "{{ title }}", "Title")
    para(doc, "{{ recipients }}", "主送")
    para(
        doc,
        "根据全区重点项目“月度统计、季度通报、年度考核”制度，现将{{ period.text }}重点项目建设情况通报如下：",
    )
    para(doc, "{%p set sec = namespace(n=0) %}")

    heading(doc, "总体情况")
    para(
        doc,
        "截至{{ period.month }}月底，全区重点项目{{ overall.projects }}个，"
        "总投资{{ overall.total_investment|yi }}亿元，年度计划投资{{ overall.annual_plan|yi }}亿元；"
        "已开工{{ overall.started }}个，开工率{{ overall.start_rate|pct }}（{{ start_rule }}）；"
        "{{ period.span }}累计完成投资{{ overall.ytd_completed|yi }}亿元，"
        "占年度计划的{{ overall.completion_rate|pct }}，{{ overall.gap|vs_time }}"
        "（时间进度{{ time_progress|pct }}）。",
    )
    para(doc, "{%p if kind != 'year' and overall.own is not none %}")
    para(
        doc,
        "{{ period.text }}完成投资{{ overall.own|yi }}亿元，占本期计划投资"
        "{{ overall.period_plan|yi }}亿元的{{ overall.own_rate|pct }}。{{ share_rule }}。",
    )
    para(doc, "{%p endif %}")
    para(doc, "{%p for n in notes %}")
    para(doc, "{{ n }}。")
    para(doc, "{%p endfor %}")

    heading(doc, "各责任单位完成情况")
    para(
        doc,
        "按{% if kind == 'quarter' %}本季度完成投资占本季度计划的比例{% else %}"
        "完成投资占计划的比例{% endif %}排名，各责任单位情况如下表：",
    )
    loop_table(doc, PERIOD_RANKING, "u in units", "表格居中")
    para(doc, "{%p if without_target %}")
    para(doc, "{{ without_target|join('、') }}未下达年度目标任务，目标完成率未计算。")
    para(doc, "{%p endif %}")

    para(doc, "{%p if scores %}")
    heading(doc, "考核排名")
    para(
        doc,
        "按{{ scores.rules_name }}，{{ period.text }}各单位得分依次为："
        "{% for t in scores.table %}{{ t.unit }}{{ t.total|points }}分"
        "{% if not loop.last %}、{% endif %}{% endfor %}"
        "{% if scores.no_data_text %}（{{ scores.no_data_text }}）{% endif %}。"
        "{% if scores.heroes %}{% for h in scores.heroes %}{{ h.unit }}{% if not loop.last %}、{% endif %}"
        "{% endfor %}列入红榜（英雄榜），予以通报表扬{% endif %}"
        "{% if scores.black %}；{% for b in scores.black %}{{ b.unit }}{% if not loop.last %}、"
        "{% endif %}{% endfor %}排名靠后，列入黑榜，予以通报批评{% endif %}。",
    )
    para(doc, "{%p endif %}")

    para(doc, "{%p if appeared or disappeared %}")
    heading(doc, "项目变动情况")
    para(doc, "{%p if appeared %}")
    para(
        doc,
        "本期新列入项目{{ appeared|length }}个："
        "{% for p in appeared %}{{ p.name }}（{{ p.unit }}）{% if not loop.last %}、{% endif %}"
        "{% endfor %}，其本期完成投资无法与{{ base_month_text }}比较，未计入本期完成。",
    )
    para(doc, "{%p endif %}")
    para(doc, "{%p if disappeared %}")
    para(
        doc,
        "{{ base_month_text }}台账中有、{{ end_month_text }}台账中没有的项目{{ disappeared|length }}个："
        "{% for p in disappeared %}{{ p.name }}（{{ p.unit }}）{% if not loop.last %}、{% endif %}"
        "{% endfor %}，请有关单位说明情况。",
    )
    para(doc, "{%p endif %}")
    para(doc, "{%p endif %}")

    next_steps(doc)

    signature(doc)
    return doc


# --- 督办通知单 -----------------------------------------------------------------------------

NOTICE_ROWS = [
    ("项目名称", "{{ n.name }}"),
    ("责任单位", "{{ n.unit }}"),
    ("包抓领导", "{{ n.leader or '—' }}"),
    ("年度计划投资（万元）", "{{ n.annual_plan|wan }}"),
    ("累计完成投资（万元）", "{{ n.ytd_completed|wan }}"),
    ("完成率", "{{ n.completion_rate|pct }}"),
    ("时间进度", "{{ n.time_progress|pct }}"),
    ("与时间进度差", "{{ n.gap|vs_time }}"),
    ("滞后原因", "{{ n.reason or '—' }}"),
    ("存在问题", "{{ n.problems or '—' }}"),
    (
        "督办要求",
        "请于{{ n.reply_by }}{% if n.reply_by.endswith('日') %}前{% endif %}"
        "将整改措施和进展书面报送{{ issuer }}。",
    ),
    ("回复时限", "{{ n.reply_by }}"),
]


def notice() -> Document:
    doc = new_document("重点项目督办通知单", page_numbers=False)
    para(doc, "{%p for n in notices %}")
    para(doc, "{%p if loop.first %}")
    para(doc, "重点项目督办通知单", "Title")
    para(doc, "{%p else %}")
    para(doc, "重点项目督办通知单", "Title").paragraph_format.page_break_before = True  # 另起一页
    para(doc, "{%p endif %}")
    para(doc, "编号：{{ n.no }}", "编号")
    para(doc, "{{ n.unit }}：", "主送")
    para(
        doc,
        "根据{{ period.year }}年{{ period.span }}重点项目建设进展情况，你单位负责的下列项目"
        "投资完成进度滞后，现予督办，请抓紧整改落实。",
    )
    table = new_table(doc, [4.8, 10.8], rows=len(NOTICE_ROWS))
    for row, (label, value) in zip(table.rows, NOTICE_ROWS, strict=True):
        min_height(row, 0.9)
        cell_text(row.cells[0], label, "表格表头")
        cell_text(row.cells[1], value, "表格文字")
    signature(doc)
    para(doc, "{%p endfor %}")
    return doc


# --- 交办督办函（每个责任单位一份） ---------------------------------------------------------

UNIT_PROBLEMS = [
    ("编号", 3.3, "{{ p.id }}"),
    ("项目名称", 3.4, "{{ p.project }}"),
    ("存在问题", 4.5, "{{ p.text }}"),
    ("办结时限", 2.6, "{{ p.due_text }}"),
    ("状态", 1.8, "{{ p.status }}{% if p.stale %}（已{{ p.months_open }}个月）{% endif %}"),
]
UNIT_RED = [
    ("项目名称", 4.2, "{{ r.name }}"),
    ("完成率", 2.0, "{{ r.completion_rate|pct }}"),
    ("与时间进度差", 3.2, "{{ r.gap|vs_time }}"),
    ("滞后原因", 6.2, "{{ r.reason or '—' }}"),
]
UNIT_NODES = [
    ("项目名称", 4.6, "{{ d.name }}"),
    ("节点", 2.6, "{{ d.node }}"),
    ("计划完成时间", 3.2, "{{ d.planned_text }}"),
    ("说明", 5.2, "{{ d.note or '—' }}"),
]


def unit_notice() -> Document:
    doc = new_document("重点项目交办督办函", page_numbers=True)
    para(doc, "重点项目交办督办函", "Title")
    para(doc, "编号：{{ u.no }}", "编号")
    para(doc, "{{ u.unit }}：", "主送")
    para(
        doc,
        "根据{{ period.year }}年{{ period.span }}重点项目建设进展情况和问题台账，现将由你单位负责的"
        "{% if u.problems %}问题{{ u.problems|length }}个{% endif %}"
        "{% if u.problems and (u.red or u.nodes) %}、{% endif %}"
        "{% if u.red %}严重滞后项目{{ u.red|length }}个{% endif %}"
        "{% if u.red and u.nodes %}、{% endif %}"
        "{% if u.nodes %}逾期节点{{ u.nodes|length }}个{% endif %}"
        "交办如下，请逐项落实、按时限办结。对交办问题不落实、落实不力的，将予以通报问责。",
    )
    para(doc, "{%p set sec = namespace(n=0) %}")
    para(doc, "{%p if u.problems %}")
    heading(doc, "交办问题")
    para(
        doc,
        "共{{ u.problems|length }}个{% if u.overdue %}，其中已超过办结时限{{ u.overdue }}个，"
        "请立即办结{% endif %}：",
    )
    loop_table(doc, UNIT_PROBLEMS, "p in u.problems")
    para(doc, "{%p endif %}")
    para(doc, "{%p if u.red %}")
    heading(doc, "严重滞后项目")
    para(doc, "截至{{ period.month }}月底，时间进度{{ time_progress|pct }}，下列项目严重滞后：")
    loop_table(doc, UNIT_RED, "r in u.red")
    para(doc, "{%p endif %}")
    para(doc, "{%p if u.nodes %}")
    heading(doc, "逾期节点")
    para(doc, "下列项目节点已过计划完成时间、尚未完成：")
    loop_table(doc, UNIT_NODES, "d in u.nodes")
    para(doc, "{%p endif %}")
    heading(doc, "办理要求")
    para(
        doc,
        "请于{{ u.reply_by }}{% if u.reply_by.endswith('日') %}前{% endif %}将办理情况"
        "（已办结的写明办结时间和结果，未办结的写明原因、措施和预计办结时间）书面报送{{ issuer }}。",
    )
    signature(doc)
    return doc


# --- 包抓领导（每位领导一页） -------------------------------------------------------------------

LEADER_PROJECTS = [
    ("项目名称", 4.4, "{{ p.name }}"),
    ("责任单位", 2.6, "{{ p.unit }}"),
    ("年度计划（万元）", 2.4, "{{ p.annual_plan|wan }}"),
    ("累计完成（万元）", 2.4, "{{ p.ytd_completed|wan }}"),
    ("完成率", 1.8, "{{ p.completion_rate|pct }}"),
    ("状态", 2.0, "{{ p.status }}"),
]


def leader_pages() -> Document:
    doc = new_document("包抓领导重点项目推进情况", page_numbers=True)
    para(doc, "{%p for l in leaders %}")
    para(doc, "{%p if loop.first %}")
    para(doc, "{{ l.name }}同志包抓重点项目推进情况", "Title")
    para(doc, "{%p else %}")
    para(
        doc, "{{ l.name }}同志包抓重点项目推进情况", "Title"
    ).paragraph_format.page_break_before = True
    para(doc, "{%p endif %}")
    para(
        doc,
        "截至{{ period.year }}年{{ period.month }}月底，{{ l.name }}同志包抓重点项目{{ l.projects }}个"
        "（{{ l.units|join('、') }}），年度计划投资{{ l.annual_plan|wan }}万元，累计完成投资"
        "{{ l.ytd_completed|wan }}万元，完成率{{ l.completion_rate|pct }}，{{ l.gap|vs_time }}，"
        "总体{{ l.status }}。",
    )
    loop_table(doc, LEADER_PROJECTS, "p in l.project_rows")
    para(doc, "{%p if l.lagging_projects %}")
    para(
        doc,
        "滞后项目{{ l.lagging_projects|length }}个：{% for p in l.lagging_projects %}{{ p.name }}"
        "（{{ p.unit }}，{{ p.reason }}）{% if not loop.last %}；{% endif %}{% endfor %}。",
    )
    para(doc, "{%p endif %}")
    para(doc, "{%p if l.problem_items %}")
    para(
        doc,
        "存在问题{{ l.open_problems }}个：{% for q in l.problem_items %}{{ q.project }}：{{ q.text }}"
        "{% if q.status == '逾期' %}（已逾期）{% endif %}{% if not loop.last %}；{% endif %}{% endfor %}。",
    )
    para(doc, "{%p endif %}")
    para(doc, "{%p endfor %}")
    return doc


# --- saving ---------------------------------------------------------------------------------


def save(doc, path: Path) -> None:
    """Save with fixed zip dates, so the same script gives the same bytes."""
    raw = io.BytesIO()
    doc.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    path.write_bytes(out.getvalue())


def main() -> None:
    for name, build in (
        ("通报.docx", bulletin),
        ("督办通知单.docx", notice),
        ("季度通报.docx", period_bulletin),
        ("交办督办函.docx", unit_notice),
        ("包抓领导.docx", leader_pages),
    ):
        save(build(), OUT / name)
        print(OUT / name)


if __name__ == "__main__":
    main()
