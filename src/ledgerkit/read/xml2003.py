"""Excel 2003 XML spreadsheets ("XML 表格"), still exported by some office systems: streamed
with defusedxml, which refuses a DTD, rows laid out as they pass."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ledgerkit.errors import UnreadableFile
from ledgerkit.read.book import Cell, Merge, RawBook, RawSheet, _clip_merges
from ledgerkit.read.limits import _ENTITIES, _Budget

_SS = "urn:schemas-microsoft-com:office:spreadsheet"


def read_xml_spreadsheet(path: Path, data: bytes) -> RawBook:
    """An Excel 2003 XML workbook, parsed with defusedxml: a DTD (entity bombs, external
    entities) is refused, never expanded or fetched."""
    import defusedxml.ElementTree as DET
    from defusedxml import DefusedXmlException

    budget = _Budget(path.name)
    visible: list[RawSheet] = []
    hidden: list[str] = []
    try:
        events = DET.iterparse(io.BytesIO(data), events=("start", "end"), forbid_dtd=True)
        for sheet, is_hidden in _xml_sheets(events, budget):
            if is_hidden:
                hidden.append(sheet.name)
            else:
                visible.append(sheet)
    except DefusedXmlException as exc:
        raise UnreadableFile(path.name, f"XML 表格{_ENTITIES}") from exc
    except SyntaxError as exc:  # xml.etree's ParseError: the position says where
        raise UnreadableFile(path.name, f"XML 表格已损坏，无法解析（{exc}）"[:200]) from exc
    if not visible and not hidden:
        raise UnreadableFile(path.name, "是 XML 表格，但其中没有工作表")
    return RawBook(path, "xml", tuple(visible), tuple(hidden))


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _ss(element: Any, name: str) -> str | None:
    """An ss: attribute (Index, MergeAcross, Type …), whatever prefix the file bound it to."""
    return element.get(f"{{{_SS}}}{name}") or element.get(name)


def _xml_sheets(
    events: Iterator[tuple[str, Any]], budget: _Budget
) -> Iterator[tuple[RawSheet, bool]]:
    """(sheet, hidden?) for each <Worksheet>, rows laid out as they stream past."""
    parents: list[Any] = []
    cells: dict[tuple[int, int], Cell] = {}
    merged: list[Merge] = []
    bad: dict[tuple[int, int], str] = {}
    r = -1
    hidden = False
    for event, el in events:
        tag = _local(el.tag)
        if event == "start":
            parents.append(el)
            if tag == "Worksheet":
                cells, merged, bad, r, hidden = {}, [], {}, -1, False
            continue
        parents.pop()
        if tag == "Row":
            r = _index(_ss(el, "Index"), r)
            _xml_row(el, r, cells, merged, bad, budget)
            if parents:  # a streamed row is done with: keep memory flat
                parents[-1].remove(el)
        elif tag == "Visible" and (el.text or "").strip() in ("SheetHidden", "SheetVeryHidden"):
            hidden = True
        elif tag == "Worksheet":
            name = _ss(el, "Name") or ""
            yield _xml_grid(name, cells, merged, bad, budget), hidden
            el.clear()


def _index(value: str | None, previous: int) -> int:
    """ss:Index is 1-based; without it, the next position."""
    try:
        index = int(value) - 1 if value else previous + 1
    except ValueError:
        index = previous + 1
    if not 0 <= index < 1_048_576:
        raise ValueError(f"ss:Index={value}")
    return index


def _xml_row(
    row: Any,
    r: int,
    cells: dict[tuple[int, int], Cell],
    merged: list[Merge],
    bad: dict[tuple[int, int], str],
    budget: _Budget,
) -> None:
    c = -1
    for cell in row:
        if _local(cell.tag) != "Cell":
            continue
        explicit = _ss(cell, "Index")
        c = _index(explicit, c)
        while not explicit and (r, c) in cells:  # under a cell merged down from above
            c += 1
        across = min(_count(_ss(cell, "MergeAcross")), 16_383)
        down = min(_count(_ss(cell, "MergeDown")), 1_048_575)
        budget.spend("", 1, 1, (across + 1) * (down + 1))
        value, error = _xml_value(cell)
        formula = _ss(cell, "Formula")
        if error:
            bad[(r, c)] = error
        elif formula and value is None:
            bad[(r, c)] = formula if formula.startswith("=") else "=" + formula
        for dr in range(down + 1):
            for dc in range(across + 1):
                cells[(r + dr, c + dc)] = value if (dr, dc) == (0, 0) else None
        if across or down:
            merged.append((r, c, r + down, c + across))
        c += across


def _count(value: str | None) -> int:
    try:
        return max(0, int(value or 0))
    except ValueError:
        return 0


def _xml_value(cell: Any) -> tuple[Cell, str | None]:
    """(value, stored error) of a <Cell>: its <Data> typed as ss:Type says."""
    data = next((d for d in cell if _local(d.tag) == "Data"), None)
    if data is None:
        return None, None
    text = "".join(data.itertext())  # rich text (<html:Font>) flattened
    typ = _ss(data, "Type") or "String"
    if typ == "Error":
        return None, text.strip() or "#VALUE!"
    try:
        if typ == "Number":
            return float(text), None
        if typ == "DateTime":
            return dt.datetime.fromisoformat(text.strip()), None
        if typ == "Boolean":
            return text.strip() in ("1", "true", "TRUE"), None
    except ValueError:
        pass  # kept as typed: the normalise stage reports what it cannot read
    return text, None


def _xml_grid(
    name: str,
    cells: dict[tuple[int, int], Cell],
    merged: list[Merge],
    bad: dict[tuple[int, int], str],
    budget: _Budget,
) -> RawSheet:
    height = max((k[0] for k in cells), default=-1) + 1
    width = max((k[1] for k in cells), default=-1) + 1
    budget.spend(name, height, width, max(height * width - len(cells), 0))
    rows = [[cells.get((r, c)) for c in range(width)] for r in range(height)]
    return RawSheet(name, rows, _clip_merges(merged, height, width), bad)
