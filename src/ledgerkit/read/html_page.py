"""HTML pages saved as .xls by office systems: each innermost <table> becomes a sheet, its
rowspan/colspan laid out on the grid the way Excel opens such a file (parsed with lxml)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ledgerkit.errors import UnreadableFile
from ledgerkit.read import limits
from ledgerkit.read.book import Merge, RawBook, RawSheet
from ledgerkit.read.limits import _ENTITIES, _Budget
from ledgerkit.read.text import decode_text

_CHARSET_RE = re.compile(rb"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", re.I)


def read_html(path: Path, data: bytes) -> RawBook:
    """An ".xls" exported by an office system that is really an HTML page with tables."""
    import lxml.html

    declared = _CHARSET_RE.search(data[:4096])
    text = decode_text(data, declared.group(1).decode() if declared else None)
    if "<!ENTITY" in text:  # HTML has no use for them; lxml would not expand them either
        raise UnreadableFile(path.name, f"网页表格{_ENTITIES}")
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
    try:
        parser = lxml.html.HTMLParser(no_network=True, remove_comments=True)
        doc = lxml.html.document_fromstring(text, parser=parser)
    except Exception as exc:  # lxml raises several unrelated types on broken markup
        raise UnreadableFile(path.name, f"网页表格无法解析（{exc}）"[:200]) from exc
    _refuse_a_parser_that_gave_up(path, parser)
    tables = [t for t in doc.iter("table") if not t.xpath(".//table")]
    if not tables:
        raise UnreadableFile(path.name, "网页文件中没有表格")
    limits._check_sheets(path.name, len(tables))
    names = [""] if len(tables) == 1 else [f"表{i + 1}" for i in range(len(tables))]
    budget = _Budget(path.name)
    sheets = tuple(_html_table(name, t, budget) for name, t in zip(names, tables, strict=True))
    return RawBook(path, "html", sheets)


def _refuse_a_parser_that_gave_up(path: Path, parser: Any) -> None:
    """libxml2 recovers from broken markup, but at a fatal error (nesting past 255 levels, a
    resource limit) it stops and returns what it had: a table shorter than the file, with no
    exception. A parser that gave up fails the file, never loses its rows quietly."""
    fatal = parser.error_log.filter_from_fatals()
    if not fatal:
        return
    first = fatal[0]
    why = "元素嵌套过深" if "depth" in first.message.lower() else "内容超出解析器的限制或已损坏"
    raise UnreadableFile(
        path.name,
        f"网页表格在第{first.line}行{why}，解析器无法读完，其后的行都会丢失，因此不汇总此文件；"
        "请在 Excel 中打开并另存为 .xlsx 后重新报送",
    )


def _html_table(name: str, table: Any, budget: _Budget) -> RawSheet:
    """Lay out <td colspan rowspan> on a grid, the way Excel opens such a file."""
    grid: dict[tuple[int, int], str] = {}
    merged: list[Merge] = []
    for r, tr in enumerate(table.iter("tr")):
        c = 0
        for td in tr:
            if td.tag not in ("td", "th"):
                continue
            while (r, c) in grid:
                c += 1
            text = " ".join(td.text_content().split())
            rs, cs = _span(td.get("rowspan")), _span(td.get("colspan"))
            budget.spend(name, r + rs, c + cs, rs * cs)  # spans of 1000 x 1000 add up fast
            for dr in range(rs):
                for dc in range(cs):
                    grid[(r + dr, c + dc)] = text if (dr, dc) == (0, 0) else ""
            if rs > 1 or cs > 1:
                merged.append((r, c, r + rs - 1, c + cs - 1))
            c += cs
    height = max((k[0] for k in grid), default=-1) + 1
    width = max((k[1] for k in grid), default=-1) + 1
    budget.spend(name, height, width, max(height * width - len(grid), 0))
    rows = [[grid.get((r, c), "") for c in range(width)] for r in range(height)]
    return RawSheet(name, rows, tuple(merged))


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 1000))
    except ValueError:
        return 1
