"""Normalise stage, the workbook's level: which sheets of a file are ledgers.

A workbook may hold several lists: a sheet per area (its tab names the unit: `XX开发区2024年
项目`), a sheet per stage (`竣工投产`, `加速开工`, `加速报批`), the same projects again in another
order (`分行业` after `分级管理`) or a plain copy of the data sheet, summary sheets by area with
no project names, and sometimes a one-project registration card (label | value). `read_book_ledgers`
reads every visible sheet with `normalise.normalise_sheet` and decides, as a careful clerk
would, which of them count; every sheet holding something a person would count and that is
not counted gets a `SheetNote` saying why (the 文件情况 sheet shows them).

The decisions:
- a view: a sheet listing exactly the projects of a sheet before it, compared by `name_key`
  (NFKC, no spaces or punctuation), in any order: 分行业 after 分级管理, a copy of the data
  sheet; or exactly those of several sheets that share none (a 分行业 sheet beside the area
  sheets: the area sheets are counted, they carry the units). Exact, not "mostly the same":
  sheets that share only some projects (a project in two stage sheets, 省重点 out of 分级管理)
  are all counted, each shared project is a duplicate finding as between files, and sheets
  sharing most projects get a warning.
- a summary: rows named by areas or units (卧龙镇, 尹集乡 …), a count column (项目个数) with no
  project names, or nothing but 合计/小计 rows beside a sheet that lists projects.
- a card: three or more rows starting with a label and its value, one of them 项目名称; read as
  one project when its 项目名称 is filled and it is the only project on the sheet, refused
  otherwise.
- a sheet's unit from its tab when the file holds several lists and the tab names an area,
  and nothing in the sheet itself (填报单位 line, title) names one.
- a stage from the tab (竣工投产 -> 竣工) for the projects whose rows give none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from ledgerkit.columns import ColumnRules
from ledgerkit.errors import NotALedger, UnreadableFile
from ledgerkit.issues import Issue, issue
from ledgerkit.layout import DETAIL_SHEET
from ledgerkit.nodes import is_node_sheet
from ledgerkit.normalise import (
    SUBTOTAL,
    TOTAL,
    SheetLedger,
    as_rollup,
    as_written,
    find_header,
    is_feedback_list,
    match_field,
    normalise_sheet,
)
from ledgerkit.period import Period
from ledgerkit.project import evolve, name_key
from ledgerkit.read import RawBook, RawSheet, column_letter
from ledgerkit.schema import Schema, load_schema
from ledgerkit.values import category_in, clean_text, is_empty

# what became of a sheet not counted (the 文件情况 sheet shows the kind in its 状态 column)
VIEW, SUMMARY, NOT_A_LIST, CARD = "重复视图", "汇总表", "非项目清单", "登记表"
UNREADABLE = "无法读取"  # a sheet whose header cannot be understood, beside sheets that can

CARD_REFUSED = "这是单个项目的登记表，不是项目清单"
NO_HEADER = "没有找到台账表头（需要有“项目名称”一列），不是项目台账，已跳过"

_AREA = re.compile(
    r"^[\u4e00-\u9fff]{1,12}(?:镇|乡|街道|街办|办事处|新区|城区|开发区|高新区|园区|管委会|区|县|市)$"
)
# words that make a name a project's even when it ends like an area (幸福社区, 城南小区)
_PROJECT_WORDS = re.compile(r"项目|工程|建设|改造|社区|小区|厂|路|桥|中心|基地|学校|医院")
_COUNT_HEADER = re.compile(r"项目(?:个数|数量|数)|个数|数量")
_TAB_NOISE = re.compile(
    r"^\d{4}\s*年度?|\d{4}\s*年度?|重点项目|项目|台账|清单|汇总|一览表|[(（].*?[)）]|\d+|[-_\s]"
)
# a stage named by a tab the categories' own spellings miss (加速开工 is the new starts' list)
_TAB_STAGES = (("投产", "竣工"), ("开工", "新建"), ("报批", "前期"), ("谋划", "前期"))
CARD_SCAN_ROWS = 60


@dataclass(frozen=True)
class SheetNote:
    """A visible sheet holding something a person would count, not counted, and why."""

    sheet: str
    kind: str  # VIEW | SUMMARY | NOT_A_LIST | CARD | UNREADABLE
    reason: str


@dataclass(frozen=True)
class BookLedger:
    """A file understood: the sheets counted (one SheetLedger each, in tab order), the sheets
    set aside with their reasons, and what was decided about the book as findings."""

    ledgers: tuple[SheetLedger, ...]
    notes: tuple[SheetNote, ...] = ()
    issues: tuple[Issue, ...] = ()


def read_book_ledgers(
    book: RawBook,
    default_unit: str = "万元",
    rollup: bool = True,
    *,
    period: Period | None = None,
    rules: ColumnRules | None = None,
) -> BookLedger:
    """Every visible sheet of `book` that holds a ledger, each understood; views, summaries and
    cards decided as the module says. Raises NotALedger when no sheet is counted. A workbook
    ledgerkit wrote is its 项目明细 sheet alone (a district's, rolled up unless `rollup` is
    False). `period` and `rules` (the clerk's [columns], [aliases]) tell which column of a
    sheet is which field (columns.py)."""
    how = {"period": period, "rules": rules}
    schema = load_schema()
    links = tuple(issue("external-link", book.label, target=t) for t in book.links)
    # a 节点 sheet names projects too: it is read by nodes.read_nodes, never as a list
    sheets = [s for s in book.sheets if not is_feedback_list(s) and not is_node_sheet(s)]
    own = _merged_detail(book, sheets, schema, default_unit, rollup, **how)
    if own is not None:
        return BookLedger((own,), (), links)
    read: list[SheetLedger] = []
    notes: list[SheetNote] = []
    found: list[Issue] = []
    for sheet in sheets:
        got = _read_sheet(book, sheet, schema, default_unit, **how)
        if isinstance(got, SheetNote):
            notes.append(got)
        elif isinstance(got, tuple):
            read.append(got[0])
            found.append(got[1])
        elif got is not None:
            read.append(got)
    lists = [led for led in read if led.projects]
    kept: list[SheetLedger] = []
    for led in read:
        why = _summary_reason(led, others=len(lists) - (1 if led.projects else 0))
        if why:
            notes.append(
                SheetNote(led.sheet, SUMMARY, f"工作表“{led.sheet}”是汇总表（{why}），未计入")
            )
        else:
            kept.append(led)
    counted, views, view_issues = _views(kept, book.label) if len(kept) > 1 else (kept, [], ())
    notes += views
    broken = [n for n in notes if n.kind == UNREADABLE]
    if not counted and broken:
        raise UnreadableFile(book.label, broken[0].reason)
    if not counted:
        reasons = [n.reason for n in notes]
        raise NotALedger(book.label, "；".join(reasons)[:300] if reasons else NO_HEADER)
    several = len(counted) > 1
    counted = [_stage_from_tab(_unit_from_tab(led, several), found) for led in counted]
    order = {s.name: i for i, s in enumerate(book.sheets)}
    counted.sort(key=lambda led: order.get(led.sheet, 0))
    notes.sort(key=lambda n: order.get(n.sheet, 0))
    found += [issue(_NOTE_CODES[n.kind], book.label, n.sheet, reason=n.reason) for n in notes]
    return BookLedger(tuple(counted), tuple(notes), links + tuple(found) + view_issues)


_NOTE_CODES = {
    VIEW: "sheet-view",
    SUMMARY: "sheet-set-aside",
    NOT_A_LIST: "sheet-set-aside",
    CARD: "sheet-set-aside",
    UNREADABLE: "sheet-unreadable",
}


def _merged_detail(
    book: RawBook,
    sheets: list[RawSheet],
    schema: Schema,
    default_unit: str,
    rollup: bool,
    **how: Any,
) -> SheetLedger | None:
    """The 项目明细 sheet of a workbook ledgerkit wrote, read as before: summary sheets that
    also name projects are its own, never read."""
    detail = next((s for s in sheets if s.name == DETAIL_SHEET), None)
    header = find_header(detail.rows, schema, how["rules"]) if detail is not None else None
    if detail is None or header is None:
        return None
    ledger = normalise_sheet(book, detail, header, default_unit, **how)
    if ledger.letter_of("unit"):
        ledger = as_rollup(ledger, detail.rows[: header[0]]) if rollup else as_written(ledger)
    return ledger


def _read_sheet(
    book: RawBook, sheet: RawSheet, schema: Schema, default_unit: str, **how: Any
) -> SheetLedger | tuple[SheetLedger, Issue] | SheetNote | None:
    """One sheet: its ledger, a card read as one project (with the finding saying so), a note
    when it holds figures but no list, None when it holds nothing to count (a help sheet)."""
    card = card_pairs(sheet)
    if card is not None:
        return read_card(book, sheet, card, default_unit)
    header = find_header(sheet.rows, schema, how["rules"])
    if header is not None:
        try:
            return normalise_sheet(book, sheet, header, default_unit, **how)
        except UnreadableFile as exc:  # the file fails only if no other sheet can be read
            return SheetNote(sheet.name, UNREADABLE, exc.reason)
    why = _no_list_reason(sheet, schema)
    if why is None:
        return None
    kind, reason = why
    return SheetNote(sheet.name, kind, reason)


# --- summaries -----------------------------------------------------------------------------


def is_area(name: Any) -> bool:
    """卧龙镇, 襄城经济开发区, 庞公街道: a place or an office, not a project."""
    text = clean_text(name).replace(" ", "") if name is not None else ""
    return bool(_AREA.match(text)) and not _PROJECT_WORDS.search(text)


def _summary_reason(ledger: SheetLedger, others: int) -> str:
    """Why a sheet with a header is a summary, not a list ('' when it is a list)."""
    projects = ledger.projects
    if projects and all(is_area(p.name) for p in projects):  # stops at the first project
        shown = "、".join(str(p.name) for p in projects[:3]) + ("等" if len(projects) > 3 else "")
        return f"各行是地区或单位：{shown}，没有项目名称"
    kinds = {s.kind for s in ledger.set_aside} if not projects and others else set()
    if kinds & {TOTAL, SUBTOTAL}:
        return "只有合计、小计行，没有项目"
    return ""


def _no_list_reason(sheet: RawSheet, schema: Schema) -> tuple[str, str] | None:
    """A sheet without a ledger header that holds figures: a summary by area, or a table that
    is no project list. None for a sheet with no figure at all (说明, 封面): nothing to count."""
    rows = sheet.rows
    numbers = [r for r, row in enumerate(rows) if any(_is_number(v) for v in row)]
    if not numbers:
        return None
    name = f"工作表“{sheet.name}”" if sheet.name else "工作表"
    heads = [clean_text(v) for row in rows[: numbers[0]] for v in row if isinstance(v, str)]
    firsts = [_first_text(rows[r], schema) for r in numbers]
    areas = [t for t in firsts if t and is_area(t)]
    if any(_COUNT_HEADER.search(h) for h in heads) or (len(areas) >= 2):
        shown = "、".join(areas[:3]) + ("等" if len(areas) > 3 else "")
        why = f"各行是地区或单位：{shown}" if areas else "按项目个数汇总"
        return SUMMARY, f"{name}是汇总表（{why}，没有项目名称），未计入"
    return NOT_A_LIST, f"{name}有{len(numbers)}行数字，但没有“项目名称”列，不是项目清单，未读取"


def _first_text(row: list[Any], schema: Schema) -> str:
    for v in row:
        if isinstance(v, str) and not is_empty(v, schema):
            return clean_text(v).replace(" ", "")
    return ""


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


# --- views ---------------------------------------------------------------------------------


def _views(
    ledgers: list[SheetLedger], file: str
) -> tuple[list[SheetLedger], list[SheetNote], tuple[Issue, ...]]:
    """The sheets counted, and the views set aside. A view lists exactly the projects of a
    sheet before it (the same names once normalised, in any order), or exactly those of
    several other sheets that share none (分行业 listing what the area sheets list): it adds
    nothing. Sheets that share only some projects are all counted: each shared project is a
    duplicate, as between files, and sheets sharing most of their projects are named."""
    sets = [_names(led) for led in ledgers]
    notes: list[SheetNote] = []
    found: list[Issue] = []
    viewed: set[int] = set()
    for i, led in enumerate(ledgers):
        twin = next(
            (j for j in range(i) if j not in viewed and sets[j] and sets[j] == sets[i]), None
        )
        if twin is not None:
            viewed.add(i)
            notes.append(_view_note(led, [ledgers[twin]], same=True))
            found += _view_differs(led, [ledgers[twin]], file)
    for i, led in enumerate(ledgers):
        parts = [
            j
            for j in range(len(ledgers))
            if j not in viewed | {i} and sets[j] and sets[j] < sets[i]
        ]
        if i in viewed or len(parts) < 2 or not _partition(sets[i], [sets[j] for j in parts]):
            continue
        viewed.add(i)
        notes.append(_view_note(led, [ledgers[j] for j in parts], same=False))
        found += _view_differs(led, [ledgers[j] for j in parts], file)
    counted = [(led, sets[i]) for i, led in enumerate(ledgers) if i not in viewed]
    return [c for c, _ in counted], notes, (*found, *_overlaps(counted, file))


def _names(ledger: SheetLedger) -> frozenset[str]:
    """The sheet's project names, normalised; empty when a project has none (never a view)."""
    keys = [name_key(p.name) for p in ledger.projects]
    return frozenset(keys) if all(keys) else frozenset()


def _partition(whole: frozenset[str], parts: list[frozenset[str]]) -> bool:
    """`parts` share no project and together list `whole`."""
    return sum(len(p) for p in parts) == len(whole) and frozenset().union(*parts) == whole


def _view_note(view: SheetLedger, of: list[SheetLedger], same: bool) -> SheetNote:
    names = "”“".join(led.sheet for led in of)
    what = "为同一批项目" if same else f"合起来为同一批项目（{len(view.projects)}个）"
    return SheetNote(view.sheet, VIEW, f"工作表“{view.sheet}”与“{names}”{what}，未重复计入")


def _overlaps(counted: list[tuple[SheetLedger, frozenset[str]]], file: str) -> list[Issue]:
    """Two sheets counted that share at least two projects and half of the smaller one: maybe
    a view with a project added or renamed; the clerk is told (both are counted)."""
    found = []
    for i, (a, names_a) in enumerate(counted):
        for b, names_b in counted[i + 1 :]:
            shared = len(names_a & names_b - {""})
            if shared >= 2 and shared * 2 >= min(len(names_a), len(names_b)):
                found.append(
                    issue(
                        "sheet-overlap",
                        file,
                        b.sheet,
                        tab=b.sheet,
                        other=a.sheet,
                        n=shared,
                        a=len(b.projects),
                        b=len(a.projects),
                    )
                )
    return found


_COMPARED = ("total_investment", "annual_plan", "ytd_completed")


def _view_differs(view: SheetLedger, of: list[SheetLedger], file: str) -> list[Issue]:
    """A view whose figures are not those of the sheets counted: the clerk must know which."""
    found = []
    schema = load_schema()
    others = [p for led in of for p in led.projects]
    for key in _COMPARED:
        here = sum((p.get(key) or Decimal(0) for p in view.projects), Decimal(0))
        there = sum((p.get(key) or Decimal(0) for p in others), Decimal(0))
        if here != there:
            found.append(
                issue(
                    "sheet-view-differs",
                    file,
                    view.sheet,
                    tab=view.sheet,
                    other="”“".join(led.sheet for led in of),
                    field=schema.fields[key].label,
                    here=_amount(here),
                    there=_amount(there),
                )
            )
    return found


def _amount(value: Decimal) -> str:
    return f"{value.normalize():f}"


# --- a sheet's unit and stage from its tab -------------------------------------------------


def tab_unit(name: str) -> str | None:
    """'襄城经济开发区2024年项目' -> '襄城经济开发区'; None when the tab names no area."""
    unit = _TAB_NOISE.sub("", name)
    return unit if 2 <= len(unit) <= 20 and is_area(unit) else None


def _unit_from_tab(ledger: SheetLedger, several: bool) -> SheetLedger:
    """In a file of several lists, a sheet whose unit came only from the file's name takes
    the area its tab names; its projects with no unit of their own follow."""
    unit = tab_unit(ledger.sheet) if several and ledger.unit_source == "文件名" else None
    if unit is None:
        return ledger
    old = ledger.unit
    projects = tuple(evolve(p, unit=unit) if p.unit == old else p for p in ledger.projects)
    return replace(ledger, unit=unit, unit_source="工作表名", projects=projects)


def tab_stage(name: str) -> str | None:
    """'竣工投产' -> '竣工', '加速开工' -> '新建', '加速报批' -> '前期'; None otherwise."""
    text = name.replace(" ", "")
    found = category_in(text, load_schema())
    return found or next((stage for word, stage in _TAB_STAGES if word in text), None)


def _stage_from_tab(ledger: SheetLedger, found: list[Issue]) -> SheetLedger:
    """Projects of a stage's sheet whose rows give no category take the stage of the tab; a
    finding says how many."""
    stage = tab_stage(ledger.sheet)
    bare = [i for i, p in enumerate(ledger.projects) if not p.category] if stage else []
    if stage is None or not bare:
        return ledger
    schema = load_schema()
    started = (
        True
        if stage in schema.started_categories
        else False
        if stage in schema.not_started_categories
        else None
    )
    projects = list(ledger.projects)
    for i in bare:
        p = projects[i]
        projects[i] = replace(
            p, category=stage, started=p.started if p.started is not None else started
        )
    found.append(
        issue(
            "category-from-sheet",
            ledger.file,
            ledger.sheet,
            tab=ledger.sheet,
            n=len(bare),
            category=stage,
        )
    )
    return replace(ledger, projects=tuple(projects))


# --- registration cards --------------------------------------------------------------------

Pair = tuple[int, int, int, str]  # row, label column, value column, label


def card_pairs(sheet: RawSheet) -> list[Pair] | None:
    """The (label, value) pairs of a one-project registration card (项目名称 | …, 项目总投资额
    （万元） | …, 日期 | …), or None when the sheet is not one: three or more rows must start
    with a field's label followed by a value that is no label, one of them 项目名称. Every
    row of label | value pairs is then read, labels of no field (日期) kept as they are.
    A list's rows start with a number (序号) or a header row of labels: rejected at a look."""
    rows: list[int] = []
    card_rows = 0
    for r, row in enumerate(sheet.rows[:CARD_SCAN_ROWS]):
        if row and row[0].__class__ in (int, float):  # a list's 序号: the common case, first
            continue
        first = next((c for c, v in enumerate(row) if _filled(v)), None)
        if first is None or not isinstance(row[first], str):
            continue
        label = match_field(row[first])
        second = next((v for v in row[first + 1 :] if _filled(v)), None)
        if (second is None and label is None) or (
            second is not None and match_field(_text(second))
        ):
            continue  # a title, or a header row of labels (a list's)
        rows.append(r)
        card_rows += label is not None
    if card_rows < 3:
        return None
    pairs = [p for r in rows for p in _row_pairs(r, sheet.rows[r])]
    return pairs if any(match_field(p[3]) == "name" for p in pairs) else None


def _row_pairs(r: int, row: list[Any]) -> list[Pair]:
    """label | value | label | value … along one row of a card."""
    out = []
    c = next(c for c, v in enumerate(row) if _filled(v))
    while c < len(row):
        label = _text(row[c])
        out.append((r, c, c + 1, label))
        c = next((k for k in range(c + 2, len(row)) if _filled(row[k])), len(row))
    return out


def _filled(value: Any) -> bool:
    return value is not None and (not isinstance(value, str) or bool(value.strip()))


def _text(value: Any) -> str:
    return clean_text(value) if isinstance(value, str) else ""


def read_card(
    book: RawBook, sheet: RawSheet, pairs: list[Pair], default_unit: str
) -> tuple[SheetLedger, Issue] | SheetNote:
    """A card as the one project it describes: its labels are read as a header and its values
    as the row under it, then every place is put back where the card has it (the project's
    row is its 项目名称's, a finding's cell the value's). Refused (a note) when it names no
    project or more than one."""
    names = [p for p in pairs if match_field(p[3]) == "name"]
    if len(names) != 1 or not _filled(_value(sheet, names[0])):
        why = f"有{len(names)}个“项目名称”" if len(names) > 1 else "没有填写项目名称"
        return SheetNote(sheet.name, CARD, f"{CARD_REFUSED}（工作表“{sheet.name}”{why}），未读取")
    flat = RawSheet(
        sheet.name,
        [[p[3] for p in pairs], [_value(sheet, p) for p in pairs]],
        (),
        {
            (1, i): sheet.bad_cells[(p[0], p[2])]
            for i, p in enumerate(pairs)
            if (p[0], p[2]) in sheet.bad_cells
        },
    )
    ledger = normalise_sheet(book, flat, [0], default_unit)
    row = names[0][0] + 1
    places = {column_letter(i): f"{column_letter(p[2])}{p[0] + 1}" for i, p in enumerate(pairs)}
    projects = tuple(evolve(p, source=replace(p.source, row=row)) for p in ledger.projects)
    columns = tuple(replace(c, index=pairs[c.index][2]) for c in ledger.columns)
    ledger = replace(
        ledger,
        projects=projects,
        columns=columns,
        set_aside=(),
        header_rows=tuple(sorted({p[0] + 1 for p in pairs})),
        issues=tuple(_moved(i, places) for i in ledger.issues),
        rows_read=len(sheet.rows),
    )
    said = issue("sheet-card", book.label, sheet.name, tab=sheet.name, name=projects[0].name)
    return ledger, said


def _value(sheet: RawSheet, pair: Pair) -> Any:
    row = sheet.rows[pair[0]]
    return row[pair[2]] if pair[2] < len(row) else None


def _moved(found: Issue, places: dict[str, str]) -> Issue:
    """A finding of the flattened card, at the card's own cell."""
    m = re.fullmatch(r"([A-Z]+)2", found.cell)
    return replace(found, cell=places.get(m.group(1), found.cell)) if m else found
