"""The monthly bulletin (通报) and the supervision notices (督办通知单), from Word templates.

The templates are Word documents with Jinja tags (docxtpl) that the clerk edits in Word or
WPS; a copy in the workspace's templates/ wins over the default. Rendering is sandboxed and
autoescaped: a unit's text such as "A&B<公司>" or "{{" appears as typed and runs nothing.
The Markdown and HTML previews are read back from the rendered document, so they are the
same bulletin, not a second template that could drift from it.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from ledgerkit.errors import LedgerkitError
from ledgerkit.fmt import change, pct, points_abs, vs_time, wan, yi
from ledgerkit.metrics import SEVERE
from ledgerkit.period import Period
from ledgerkit.rates import start_rule
from ledgerkit.schema import load_schema
from ledgerkit.settings import Settings, issuer_for

BULLETIN_TEMPLATE = "通报.docx"
PERIOD_TEMPLATE = "季度通报.docx"  # a quarter's, a half's or a year's bulletin
NOTICE_TEMPLATE = "督办通知单.docx"
CN_DIGITS = "零一二三四五六七八九"
DEFAULT_EAST_ASIAN = "仿宋_GB2312"
_UNDEFINED = re.compile(r"'([^']+)' is undefined|has no attribute '([^']+)'")


class TemplateError(LedgerkitError):
    """A template cannot be rendered: unknown variable, syntax error, or not a Word file."""


# --- filters --------------------------------------------------------------------------------


def cn_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 21 -> 二十一 (for 一是、（一） up to 99)."""
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return (CN_DIGITS[tens] if tens > 1 else "") + "十" + (CN_DIGITS[ones] if ones else "")


def filters(settings: Settings) -> dict[str, Callable[..., str]]:
    """The filters templates may use, with the workspace's decimals."""
    md, rd = settings.money_decimals, settings.rate_decimals
    return {
        "yi": lambda v, places=md: yi(v, places),
        "wan": lambda v, places=md: wan(v, places),
        "pct": lambda v, places=rd: pct(v, places),
        "pp": lambda v, places=rd: points_abs(v, places),
        "vs_time": lambda v, places=rd: vs_time(v, places),
        "ordinal": lambda n: f"{cn_number(int(n))}是",
        "cn_num": lambda n: cn_number(int(n)),
        "cn_month": lambda p: f"{p['year']}年{p['month']}月",
        "change_yi": lambda v, places=md: change(
            v, yi(abs(Decimal(v)), places) + "亿元", ("增加", "减少")
        ),
        "change_pp": lambda v, places=rd: change(v, points_abs(v, places), ("提高", "下降")),
        "points": lambda v: "—" if v is None else f"{Decimal(v).normalize():f}",
        "change_n": lambda v: change(v, f"{abs(int(v))}个", ("增加", "减少")),
        "growth": lambda v, places=rd: (
            "无法比较" if v is None else change(v, pct(abs(Decimal(v)), places), ("增长", "下降"))
        ),
    }


def jinja_env(settings: Settings) -> Any:
    """A sandboxed environment: templates can format values, never reach Python."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=True)
    env.filters.update({name: _strict(f) for name, f in filters(settings).items()})
    return env


def _strict(fn: Callable[..., str]) -> Callable[..., str]:
    """An unknown variable given to a filter is reported by name, not as a TypeError."""
    from jinja2 import Undefined

    def checked(value: Any, *args: Any) -> str:
        if isinstance(value, Undefined):
            value._fail_with_undefined_error()
        return fn(value, *args)

    return checked


# --- the context ----------------------------------------------------------------------------


def context(figures: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """Everything a bulletin or notice template can use (see templates/README.md)."""
    period = Period.parse(figures["period"]["key"])
    region = figures["region"] or "全区"
    lagging = figures["lagging"]
    return {
        **figures,
        "title": f"关于{period.text}{region}重点项目建设进展情况的通报",
        "issuer": settings.issuer or issuer_for(figures["region"]),
        "report_date": settings.report_date,
        "recipients": "各乡镇（街道）、区直各部门，各重点项目责任单位：",
        "categories": [s for s in figures["by_category"] if s["projects"]],
        "sub_lists": [s for s in figures["by_level"] if s["projects"]],
        "sectors": [s for s in figures["by_sector"] if s["projects"] and s["name"] != "未填"],
        "units": [s for s in figures["by_unit"] if s["projects"]],
        "severe": [p for p in lagging if p["status"] == SEVERE],
        "problem_groups": problem_groups(figures["problems"]),
        "next_steps": list(settings.next_steps),
        "notices": notices(figures, settings),
        "submissions": figures.get("submissions") or {"missing": [], "late": [], "data_only": []},
        "start_rule": figures.get("start_rule") or start_rule(settings),
        "stages": figures.get("stages") or {"finish": None, "production": None, "resume": None},
        "bands": figures.get("bands") or {"bands": [], "above": {"projects": 0}},
        "fixed_asset": figures.get("fixed_asset"),
        "trend": figures.get("trend")
        or {"mom": None, "yoy": None, "series": [], "unit_series": {}},
        # the loop (问题台账, 节点, 包抓领导): figures from merge carry them; others have none
        "problem_ledger": figures.get("problem_ledger")
        or {
            "total": 0,
            "closed": 0,
            "closure_rate": None,
            "overdue": [],
            "stale": [],
            "pending": 0,
        },
        "nodes": figures.get("nodes")
        or {"due": 0, "done": 0, "completion_rate": None, "on_time_rate": None, "overdue": []},
        "by_leader": figures.get("by_leader") or [],
    }


def problem_groups(problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """存在问题 texts grouped by topic (schema.toml [problem_topics]), units named once each."""
    topics = load_schema().problem_topics
    groups: dict[str, dict[str, Any]] = {}
    for item in problems:
        text = str(item["text"]).strip().rstrip("。；;")
        topic = next(
            (t for t, words in topics.items() if any(w in text for w in words)), "其他问题"
        )
        group = groups.setdefault(topic, {"topic": topic, "units": [], "texts": []})
        if item["unit"] and item["unit"] not in group["units"]:
            group["units"].append(item["unit"])
        if text not in group["texts"]:
            group["texts"].append(text)
    order = [*topics, "其他问题"]
    return sorted(groups.values(), key=lambda g: order.index(g["topic"]))


def notices(figures: dict[str, Any], settings: Settings) -> list[dict[str, Any]]:
    """One 督办通知单 per red (严重滞后) project, numbered within the period."""
    key = figures["period"]["key"]
    red = [p for p in figures["lagging"] if p["status"] == SEVERE]
    return [
        {
            **p,
            "no": f"{key}-{n:02d}",
            "time_progress": figures["time_progress"],
            "reply_by": settings.reply_by or "收到通知后10个工作日内",
        }
        for n, p in enumerate(red, start=1)
    ]


# --- rendering ------------------------------------------------------------------------------


def find_template(name: str, settings: Settings) -> Path:
    """The workspace's copy of a template if there is one, else the default."""
    for folder in settings.template_dirs():
        if (folder / name).is_file():
            return folder / name
    # the default ships inside the package: only a broken install gets here, and init (which
    # copies from that same folder) cannot mend it
    raise TemplateError(
        f"找不到模板“{name}”：工作区里没有，ledgerkit 自带的默认模板也缺失（安装不完整），"
        "请重新安装 ledgerkit"
    )


def render_docx(template: Path, values: dict[str, Any], settings: Settings) -> bytes:
    """Render a Word template; returns the .docx bytes. Raises TemplateError naming the
    template and the paragraph holding the offending tag."""
    from docxtpl import DocxTemplate
    from jinja2 import TemplateError as JinjaError

    try:
        tpl = DocxTemplate(str(template))
        tpl.render(values, jinja_env=jinja_env(settings), autoescape=True)
    except JinjaError as exc:
        raise TemplateError(_explain(template, exc)) from exc
    except (KeyError, ValueError, OSError) as exc:  # not a Word file, or a broken one
        raise TemplateError(f"模板“{template}”无法打开：{exc}") from exc
    set_east_asian_fonts(tpl.docx)
    out = io.BytesIO()
    tpl.docx.core_properties.author = "ledgerkit"
    tpl.save(out)
    return out.getvalue()


def _explain(template: Path, exc: Exception) -> str:
    """'模板“通报.docx”第12段：未知的变量 foo' — the paragraph a clerk can find in Word."""
    message = getattr(exc, "message", None) or str(exc)
    match = _UNDEFINED.search(message)
    name = (match.group(1) or match.group(2)) if match else None
    where = _paragraph_of(template, name) if name else ""
    what = f"未知的变量或属性“{name}”" if name else f"模板语法错误（{message}）"
    return f"模板“{template}”{where}：{what}。请在 Word 中打开模板改正后重试。"


def _paragraph_of(template: Path, word: str) -> str:
    from docx import Document

    for n, paragraph in enumerate(_all_paragraphs(Document(str(template))), start=1):
        if word in paragraph.text:
            return f"第{n}段（“{paragraph.text.strip()[:40]}”）"
    return ""


def _all_paragraphs(doc: Any) -> list[Any]:
    """Paragraphs of the body and of every table cell, in document order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    out: list[Any] = []
    for block in doc.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            out.append(Paragraph(block, doc))
        elif tag == "tbl":
            for row in Table(block, doc).rows:
                for cell in row.cells:
                    out.extend(cell.paragraphs)
    return out


def set_east_asian_fonts(doc: Any) -> None:
    """Name an East Asian font in the document's defaults and in every paragraph style (the
    one its style chain names, else 仿宋_GB2312), so Word and WPS show 仿宋 and 黑体 rather
    than a theme's or a Western font's idea of Chinese. Done in the styles, once: a run
    without a font of its own takes its paragraph style's (run by run, this was most of the
    time of a bulletin of 22,000 projects)."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml.ns import qn

    fonts = doc.styles.element
    for tag in ("w:docDefaults", "w:rPrDefault", "w:rPr", "w:rFonts"):  # made where missing
        child = fonts.find(qn(tag))
        fonts = child if child is not None else _first(fonts, tag)
    if not fonts.get(qn("w:eastAsia")):
        _east_asian(fonts, DEFAULT_EAST_ASIAN)
    for style in doc.styles:
        if style.type == WD_STYLE_TYPE.PARAGRAPH:
            font = _style_east_asian(style) or DEFAULT_EAST_ASIAN
            _east_asian(style.element.get_or_add_rPr().get_or_add_rFonts(), font)


def _first(parent: Any, tag: str) -> Any:
    """A new first child `tag` of `parent` (docDefaults and rFonts come first in theirs)."""
    from docx.oxml.parser import OxmlElement

    child = OxmlElement(tag)
    parent.insert(0, child)
    return child


def _east_asian(fonts: Any, font: str) -> None:
    """An rFonts element naming `font` for Chinese; a theme's East Asian font would win over
    it, so none is left beside it."""
    from docx.oxml.ns import qn

    fonts.set(qn("w:eastAsia"), font)
    fonts.attrib.pop(qn("w:eastAsiaTheme"), None)


def _style_east_asian(style: Any) -> str | None:
    from docx.oxml.ns import qn

    while style is not None:
        rpr = style.element.rPr
        if rpr is not None and rpr.rFonts is not None and rpr.rFonts.get(qn("w:eastAsia")):
            return str(rpr.rFonts.get(qn("w:eastAsia")))
        style = style.base_style
    return None


# --- previews -------------------------------------------------------------------------------


def docx_blocks(data: bytes) -> list[tuple[str, Any]]:
    """The rendered document as ('title'|'heading'|'p', text) and ('table', rows) blocks."""
    from docx import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    doc = Document(io.BytesIO(data))
    blocks: list[tuple[str, Any]] = []
    for block in doc.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            p = Paragraph(block, doc)
            if p.text.strip():
                blocks.append((_kind(p.style.name if p.style is not None else ""), p.text.strip()))
        elif tag == "tbl":
            table = Table(block, doc)
            blocks.append(("table", [[c.text.strip() for c in r.cells] for r in table.rows]))
    return blocks


def _kind(style: str) -> str:
    lowered = style.lower()
    if lowered == "title" or style == "标题":
        return "title"
    return "heading" if lowered.startswith("heading") or style.startswith("标题") else "p"


def to_markdown(data: bytes) -> str:
    lines: list[str] = []
    for kind, value in docx_blocks(data):
        if kind == "table":
            lines += ["| " + " | ".join(value[0]) + " |", "|" + "---|" * len(value[0])]
            lines += ["| " + " | ".join(r) + " |" for r in value[1:]]
        else:
            lines.append({"title": "# ", "heading": "## "}.get(kind, "") + value)
        lines.append("")
    return "\n".join(lines)


def to_html(data: bytes) -> str:
    parts = [
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>通报</title>',
        "<style>body{font-family:FangSong,仿宋,serif;max-width:48em;margin:2em auto;"
        "font-size:16pt;line-height:1.75}h1{text-align:center}table{border-collapse:collapse}"
        "td{border:1px solid #888;padding:2px 6px}</style></head><body>",
    ]
    for kind, value in docx_blocks(data):
        if kind == "table":
            rows = "".join(
                "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in value
            )
            parts.append(f"<table>{rows}</table>")
        else:
            tag = {"title": "h1", "heading": "h2"}.get(kind, "p")
            parts.append(f"<{tag}>{html.escape(value)}</{tag}>")
    parts.append("</body></html>")
    return "\n".join(parts)


# --- outputs --------------------------------------------------------------------------------


def bulletin(figures: dict[str, Any], settings: Settings, fmt: str = "docx") -> bytes:
    """The month's bulletin as .docx bytes, or its Markdown / HTML preview as UTF-8."""
    data = render_docx(
        find_template(BULLETIN_TEMPLATE, settings), context(figures, settings), settings
    )
    if fmt == "md":
        return to_markdown(data).encode("utf-8")
    if fmt == "html":
        return to_html(data).encode("utf-8")
    return data


def period_context(figures: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """What the quarterly / half-year / annual bulletin template can use (templates/README.md)."""
    region = figures["region"] or "全区"
    period = figures["period"]
    base, end = figures["base_month"], figures["end_month"]
    return {
        **figures,
        "title": f"关于{period['text']}{region}重点项目建设情况的通报",
        "issuer": settings.issuer or issuer_for(figures["region"]),
        "report_date": settings.report_date,
        "recipients": "各乡镇（街道）、区直各部门，各重点项目责任单位：",
        "units": figures["by_unit"],
        "start_rule": start_rule(settings),
        "base_month_text": _month_text(base),
        "end_month_text": _month_text(end),
        "next_steps": list(settings.next_steps),
        "scores": figures.get("scores"),
        "without_target": figures.get("without_target", []),
    }


def _month_text(key: str | None) -> str:
    return f"{int(key[5:7])}月" if key else ""


def period_bulletin(figures: dict[str, Any], settings: Settings, fmt: str = "docx") -> bytes:
    """A quarter's, a half's or a year's bulletin, as .docx bytes or its md/html preview."""
    values = period_context(figures, settings)
    data = render_docx(find_template(PERIOD_TEMPLATE, settings), values, settings)
    if fmt == "md":
        return to_markdown(data).encode("utf-8")
    if fmt == "html":
        return to_html(data).encode("utf-8")
    return data


def notices_docx(figures: dict[str, Any], settings: Settings) -> tuple[bytes, int]:
    """One .docx with a 督办通知单 per red project, and how many there are."""
    values = context(figures, settings)
    template = find_template(NOTICE_TEMPLATE, settings)
    return render_docx(template, values, settings), len(values["notices"])
