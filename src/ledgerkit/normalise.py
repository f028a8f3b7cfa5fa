"""Normalise stage: a raw sheet -> project rows with canonical fields, in 万元.

Finds the header (one row or two, under a title and a "单位：万元" line), maps headers to
fields through schema.toml, tells projects from 合计/小节/表尾 rows, fills cells merged down,
and parses every value. Every row of the sheet is accounted for: it is a project, a row set
aside with its kind, or a reported issue.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from ledgerkit.columns import (
    IGNORE,
    ColumnRules,
    Context,
    Understanding,
    choose,
    is_tag_yes,
)
from ledgerkit.errors import UnreadableFile
from ledgerkit.issues import Issue, issue
from ledgerkit.layout import (
    EXCEL_MAX_TEXT,
    FEEDBACK_HEADERS,
    ROLLUP_PREFIX,
    SOURCE_HEADERS,
)
from ledgerkit.period import Period, from_titles
from ledgerkit.project import Project, Source, evolve, make
from ledgerkit.read import RawBook, RawSheet, column_letter
from ledgerkit.schema import Schema, load_schema
from ledgerkit.values import (
    category_in,
    clean_text,
    is_empty,
    money_problem,
    parse_category,
    parse_date,
    parse_flag,
    parse_money,
    parse_started,
)

HEADER_SCAN_ROWS = 30
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# Kinds of rows that are not projects (the 文件情况 sheet counts them under these names).
TITLE, HEADER, BLANK, TOTAL, SUBTOTAL, SECTION, FOOTER, UNRECOGNISED = (
    "标题",
    "表头",
    "空行",
    "合计",
    "小计",
    "小节",
    "表尾",
    "未识别",
)
CONTINUATION = "附属行"  # a funding-source line under a project: its money is the project's
PROJECT_ROW = "项目"  # rows read as projects, in check --explain

_UNIT_IN_HEADER = re.compile(
    r"\(\s*(?:单位\s*[:：]?\s*)?(亿元|万元|千元|元)\s*\)|(亿元|万元|千元)$"
)
_UNIT_LINE = re.compile(r"单位\s*[:：]?\s*(亿元|万元|千元|元)")
# "卧龙镇人民政府（盖章）" is 卧龙镇: the office's full name, not another unit
_UNIT_SUFFIX = re.compile(r"(人民政府|办事处)$")
_REPORTER_LINE = re.compile(r"(?:填报|报送|责任)单位\s*[:：]\s*([^\s:：(（]{2,30})")
_SECTION = re.compile(
    r"^(?:[一二三四五六七八九十]+\s*[、.．]|[(（][一二三四五六七八九十\d]+[)）]|"
    r"(?:续建|新建|新开工|在建|前期|储备|竣工|收尾)类?项目)"
)
# "一" / "（二）" alone in the 序号 column, with "续建项目" in the 项目名称 column
_SECTION_NUMBERED = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十]+[)）])\S"
)
_FOOTNOTE = re.compile(r"^\d{1,2}[、.．][^\d:：]{1,12}[:：]")
_SECTION_NUMBER = re.compile(r"^[(（]?[一二三四五六七八九十]+[)）]?[、.．]?$")
_TITLE_CUT = re.compile(r"\d{4}\s*年|重点|项目|台账|年度|\d{1,2}\s*[-—~至]\s*\d{1,2}\s*月|[(（]")
_STEM_NOISE = re.compile(
    r"\d{4}\s*年|\d{1,2}\s*[-—~至]?\s*\d{0,2}\s*月份?|重点项目|台账|汇总|报表|"
    r"\(\d+\)|（\d+）|[-_ ]?副本|[-_ ]?修改版?|[-_ ]?最终版?|[-_ ]?问题反馈|"
    r"[(（](?:xlsx?|xlsm|et|ods|csv|txt|html?|无扩展名)[)）]|[-_\s]+"
)


@dataclass(frozen=True)
class Column:
    """One column of the unit's table and what ledgerkit understood of it."""

    index: int
    header: str  # as the unit wrote it; two-row headers joined with "/"
    field: str | None  # canonical field, or None: kept as an extra column
    money_unit: str = "万元"  # 万元 / 亿元 … of the column (money fields only)
    factor: Decimal = Decimal(1)  # to 万元
    why: str = ""  # how the header was understood, for check --explain
    unit_from: str = ""  # where the money unit came from
    tag: str = ""  # a 是/否 column: the level tag its 是 gives (列入市考核)
    override: bool = False  # set by the clerk's [columns] in ledgerkit.toml

    @property
    def letter(self) -> str:
        return column_letter(self.index)


@dataclass(frozen=True)
class SetAside:
    """A row that is not a project, and why."""

    row: int  # Excel row number, 1-based
    kind: str
    text: str


@dataclass(frozen=True)
class SheetLedger:
    """One unit's table, understood: the output of the normalise stage."""

    file: str
    sheet: str
    format: str
    unit: str
    unit_source: str
    header_rows: tuple[int, ...]
    columns: tuple[Column, ...]
    projects: tuple[Project, ...]
    set_aside: tuple[SetAside, ...]
    stated_total: dict[str, Any] | None  # the unit's own 合计 row, parsed (money in 万元)
    issues: tuple[Issue, ...]
    rows_read: int
    understanding: Understanding = field(default_factory=Understanding)  # check --explain

    def letter_of(self, field_key: str) -> str:
        """The column letter where this sheet holds a field ('' when absent)."""
        for col in self.columns:
            if col.field == field_key:
                return col.letter
        return ""


def is_feedback_list(sheet: RawSheet) -> bool:
    """The 问题清单 sheet `check --feedback` puts in front of a unit's copy (its second row
    is the list's header): when the unit returns the corrected copy, its table is read and
    this sheet never is."""
    if len(sheet.rows) < 2:
        return False
    heads = [
        clean_text(v) if isinstance(v, str) else v for v in sheet.rows[1][: len(FEEDBACK_HEADERS)]
    ]
    return tuple(heads) == FEEDBACK_HEADERS


def as_rollup(ledger: SheetLedger, title_rows: list[list[Any]]) -> SheetLedger:
    """A district's merged ledger read into a city's merge: its projects keep their units and
    gain the district (from the workbook's title, '襄城区2024年1-4月重点项目汇总台账') as
    the level above; the district's own source columns are kept under 原来源….
    A project that already names its district keeps it."""
    title = next((clean_text(v) for row in title_rows for v in row if clean_text(v)), "")
    district = re.split(r"\d{4}\s*年|重点项目", title, maxsplit=1)[0] or ledger.unit
    projects = []
    for p in ledger.projects:
        extras = {(ROLLUP_PREFIX + k if k in SOURCE_HEADERS else k): v for k, v in p.extras.items()}
        projects.append(evolve(p, district=p.district or district, extras=extras))
    return replace(ledger, projects=tuple(projects), unit=district, unit_source="汇总表")


def as_written(ledger: SheetLedger) -> SheetLedger:
    """A merged workbook read back (report, notices): each project keeps the place it was
    first merged from (its 来源 columns) as its origin; nothing is added to it."""
    projects = []
    for p in ledger.projects:
        extras = dict(p.extras)
        file, sheet, row = (extras.pop(h, None) for h in SOURCE_HEADERS)
        if file is None:  # a row the clerk added by hand: it comes from the workbook
            projects.append(p)
            continue
        origin = Source(str(file), str(sheet or ""), _row_number(row))
        projects.append(evolve(p, extras=extras, origin=origin))
    return replace(ledger, projects=tuple(projects))


def _row_number(value: Any) -> int:
    try:
        return int(float(str(value)))
    except ValueError:
        return 0


# --- headers --------------------------------------------------------------------------------


@cache
def _alias_index() -> dict[str, str]:
    schema = load_schema()
    return {normalise_header(a): key for key, f in schema.fields.items() for a in f.aliases}


def normalise_header(text: Any) -> str:
    """'2024年\n计划投资（万元）' -> '年度计划投资'; '1-4月完成投资' -> '累计完成投资'."""
    s = unicodedata.normalize("NFKC", str(text or ""))
    s = re.sub(r"\([^)]*\)|\[[^]]*\]|【[^】]*】|\*|\s", "", s)
    s = re.sub(r"\d{4}年度?", "年度", s)
    s = re.sub(r"\d{1,2}[-~—–至到]\d{1,2}月份?", "累计", s)
    s = re.sub(r"\d{1,2}月份?(底|末)?", "本月", s)
    s = s.replace("累计累计", "累计").replace("年度年度", "年度").strip(":、.")
    return s


def match_field(text: Any) -> str | None:
    """The canonical field a header names, or None."""
    return _match_text(text) if isinstance(text, str) else _match(text)


@lru_cache(maxsize=8192)  # every file spells its header again; few spellings, many files
def _match_text(text: str) -> str | None:
    return _match(text)


def _match(text: Any) -> str | None:
    norm = normalise_header(text)
    if not norm:
        return None
    index = _alias_index()
    if norm in index:
        return index[norm]
    if norm.startswith("年度") and norm[2:] in index:
        return index[norm[2:]]
    for key, words in load_schema().patterns:
        if all(w in norm for w in words):
            return key
    return None


def header_field(text: Any, rules: ColumnRules | None = None) -> str | None:
    """The field a header names, the clerk's [columns] and [aliases] first (None: none, or a
    column set to be ignored)."""
    if rules:
        key = rules.named([clean_text(text)]) or rules.aliases.get(normalise_header(text))
        if key:
            return None if key == IGNORE else key
    return match_field(text)


def find_header(
    rows: list[list[Any]], schema: Schema, rules: ColumnRules | None = None
) -> list[int] | None:
    """Row indexes (0-based) of the header: the first row naming 项目名称 and two more fields,
    plus the group row above it or the sub-header row below it when there is one."""
    for r, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        fields = [header_field(v, rules) for v in row if isinstance(v, str)]
        if "name" in fields and len({f for f in fields if f}) >= 3:
            header = [r]
            if r + 1 < len(rows) and _is_subheader(rows[r + 1], row):
                header.append(r + 1)
            elif r > 0 and _is_group_row(rows[r - 1], row):
                header.insert(0, r - 1)
            return header
    return None


_SENTENCE = re.compile(r"[，。；！？,;!?]")
_NUMBER_TEXT = re.compile(r"^[-+]?[\d,，]+(?:\.\d+)?$")


def _is_subheader(row: list[Any], above: list[Any]) -> bool:
    """The row under a header that names sub-columns (总投资 / 年度计划 under 投资情况).
    Never a project row whose text happens to say 进度 or 问题 ("受雨季影响，施工进度滞后"):
    headers are short words, not sentences, and carry no amounts, not even typed as text."""
    if any(isinstance(v, int | float) and not isinstance(v, bool) for v in row):
        return False
    texts = [clean_text(v) for v in row if isinstance(v, str)]
    if any(_NUMBER_TEXT.match(t) for t in texts if len(t) > 1):  # "1,200": a CSV's amounts
        return False
    if any(len(t) > 30 or _SENTENCE.search(t) for t in texts):
        return False
    # under 项目名称 a sub-header row is blank or names a field; a project row names a project
    name_col = next((c for c, v in enumerate(above) if match_field(v) == "name"), None)
    if name_col is not None and name_col < len(row):
        under = row[name_col]
        if isinstance(under, str) and under.strip() and not match_field(under):
            return False
    new = [
        c
        for c, v in enumerate(row)
        if isinstance(v, str)
        and v.strip()
        and match_field(v)
        and (c >= len(above) or clean_text(above[c]) != clean_text(v))
    ]
    return bool(new) and not any(_first_word_is(v, load_schema().total_words) for v in row)


def _is_group_row(row: list[Any], header: list[Any]) -> bool:
    """A row of group labels above the header ('投资情况（万元）' over several columns)."""
    cells = [(c, clean_text(v)) for c, v in enumerate(row) if clean_text(v)]
    texts = [t for _, t in cells]
    # one label (投资情况 over D:F) is a group row too, unless it is a title typed in A
    if not texts or (len(texts) < 2 and cells[0][0] == 0) or cells[0][0] >= len(header):
        return False
    if any(match_field(t) == "name" for t in texts):
        return False
    # "单位：万元", "填报单位：…", "填报日期：…" are lines above the table, not group labels
    return not any(_UNIT_LINE.search(t) or ":" in t for t in texts)


def build_columns(
    rows: list[list[Any]],
    header: list[int],
    default_factor: tuple[str, Decimal],
    schema: Schema,
    rules: ColumnRules | None = None,
    unit_from: str = "",
) -> tuple[Column, ...]:
    """Map every header cell to a field (or `IGNORE`, by the clerk's [columns]) and a money
    unit, saying how. Several columns may name one field: `columns.choose` picks one."""
    width = max(len(rows[r]) for r in header)
    columns = []
    for c in range(width):
        parts = []
        for r in header:
            text = clean_text(rows[r][c]) if c < len(rows[r]) else ""
            if text and text not in parts:
                parts.append(text)
        if not parts:
            continue
        key, why, override = _column_field(parts, rules)
        unit, factor = default_factor
        where = unit_from
        for part in reversed(parts):  # the sub-header's own unit wins over the group's
            m = _UNIT_IN_HEADER.search(part)
            if m:
                unit = m.group(1) or m.group(2)
                factor = schema.money_units[unit]
                where = "表头" if part == parts[-1] else f"分组表头“{part}”"
                break
        columns.append(Column(c, "/".join(parts), key, unit, factor, why, where, "", override))
    return tuple(columns)


def _column_field(parts: list[str], rules: ColumnRules | None) -> tuple[str | None, str, bool]:
    """(field, how it was recognised, set by the clerk) of a header's rows, the lowest first."""
    if rules:
        key = rules.named(parts)
        if key:
            return key, "ledgerkit.toml 的 [columns] 指定", True
        for part in reversed(parts):
            key = rules.aliases.get(normalise_header(part))
            if key:
                return key, f"ledgerkit.toml 的 [aliases] 写法“{part}”", False
    return _known_field(tuple(parts))


@lru_cache(maxsize=4096)  # every file spells its headers again
def _known_field(parts: tuple[str, ...]) -> tuple[str | None, str, bool]:
    for part in reversed(parts):
        key = match_field(part)
        if key:
            how = "常见写法" if normalise_header(part) in _alias_index() else "表头含关键词"
            return key, f"{how}“{part}”", False
    return None, "", False


def _unit_line(rows: list[list[Any]], before: int, schema: Schema) -> tuple[str, Decimal] | None:
    """A '单位：亿元' line above the table (or in the title) sets the unit of every money column."""
    for row in rows[:before]:
        for v in row:
            m = _UNIT_LINE.search(clean_text(v)) if isinstance(v, str) else None
            if m:
                return m.group(1), schema.money_units[m.group(1)]
    return None


# --- merged cells ---------------------------------------------------------------------------


def fill_merged(
    sheet: RawSheet, header: list[int], money_cols: set[int], upto: int | None = None
) -> list[list[Any]]:
    """A copy of the rows (the first `upto` of them) with merged cells filled: across and down
    inside the header; only down (and never into money columns, which would count an amount
    twice) below it."""
    rows = [list(r) for r in sheet.rows[:upto]]
    first_data = header[-1] + 1
    for r0, c0, r1, c1 in sheet.merged:
        if r0 >= len(rows) or c0 >= len(rows[r0]):
            continue
        value = rows[r0][c0]
        in_header = r0 in header
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            for c in range(c0, min(c1, len(rows[r]) - 1) + 1):  # A1:XFD1 costs the row only
                if (r, c) == (r0, c0):
                    continue
                if (in_header and r <= header[-1]) or (
                    r0 >= first_data and c == c0 and c not in money_cols
                ):
                    rows[r][c] = value
    return rows


# --- rows -----------------------------------------------------------------------------------


def _first_word_is(value: Any, words: tuple[str, ...]) -> bool:
    text = clean_text(value).replace(" ", "")
    return bool(text) and text.startswith(words)


def _has_number(row: list[Any]) -> bool:
    return any(isinstance(v, int | float) and not isinstance(v, bool) for v in row)


def classify_row(raw: list[Any], name: Any, schema: Schema) -> tuple[str, str]:
    """(kind, first text) of a data row: project, or one of the set-aside kinds."""
    values = (v for v in raw if v is not None and not is_empty(v, schema))
    cells = list(itertools.islice(values, 3))  # enough to tell 0, 1, 2 and more cells apart
    if not cells:
        return BLANK, ""
    first = clean_text(cells[0])
    compact = first.replace(" ", "")
    name_text = clean_text(name).replace(" ", "")
    for probe in (compact, name_text):
        if probe.startswith(("小计", "其中")):
            return SUBTOTAL, first
        if probe.startswith(schema.total_words):
            return TOTAL, first
    if compact.startswith(schema.footer_words):
        return FOOTER, first
    if len(cells) <= 2 and not _has_number(raw) and _FOOTNOTE.match(compact):
        return FOOTER, first  # "1、项目性质：指前期、续建…", a numbered note under the table
    if _SECTION_NUMBERED.match(compact):  # "一、续建项目（45个）", maybe carrying its 小计
        return SECTION, first
    if len(cells) <= 2 and not _has_number(raw) and _SECTION.match(compact):
        return SECTION, " ".join(map(clean_text, cells))
    if len(cells) == 2 and not _has_number(raw) and _SECTION_NUMBER.match(compact):
        return SECTION, " ".join(map(clean_text, cells))
    if len(cells) >= 3 and first.isdigit() and all(clean_text(v).isdigit() for v in cells[1:]):
        cells += values  # the whole row, only for a row that starts 1, 2, 3
        if all(clean_text(v).isdigit() for v in cells[3:]):
            ints = [int(clean_text(v)) for v in cells]
            if ints == list(range(ints[0], ints[0] + len(ints))):
                return HEADER, first  # a row numbering the columns 1, 2, 3 … under the header
    return "project", first


# --- the sheet ------------------------------------------------------------------------------


@dataclass
class _Collector:
    """Mutable scratch state of one normalise_sheet call; frozen into a SheetLedger."""

    file: str
    sheet: str
    issues: list[Issue] = field(default_factory=list)
    set_aside: list[SetAside] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)

    def add(self, code: str, at_row: int = 0, at_col: int | None = None, **values: Any) -> None:
        """Record an issue at an Excel row (1-based) and column index, if given."""
        if at_col is not None:
            cell = f"{column_letter(at_col)}{at_row}"
        else:
            cell = f"第{at_row}行" if at_row else ""
        self.issues.append(issue(code, self.file, self.sheet, cell, **values))


def normalise_sheet(
    book: RawBook,
    sheet: RawSheet,
    header: list[int],
    default_unit: str = "万元",
    *,
    period: Period | None = None,
    rules: ColumnRules | None = None,
) -> SheetLedger:
    """Understand one sheet whose header rows are known."""
    schema = load_schema()
    unit_line = _unit_line(sheet.rows, header[0], schema)
    default = unit_line or (default_unit, schema.money_units[default_unit])
    unit_from = (
        f"表上方“单位：{unit_line[0]}”" if unit_line else f"表中未注明，按默认{default_unit}"
    )
    # group cells merged across (投资情况（亿元） over D:F) name every column under them
    heads = fill_merged(sheet, header, set(), upto=header[-1] + 1)
    found = build_columns(heads, header, default, schema, rules, unit_from)
    ignored = tuple(c for c in found if c.field == IGNORE)
    ctx = _context(period, sheet.rows[: header[0]])
    choice = choose(
        [c for c in found if c.field != IGNORE], sheet.rows[header[-1] + 1 :], ctx, schema
    )
    columns = choice.columns
    money_cols = {
        c.index
        for c in columns
        if c.field and schema.fields[c.field].kind in ("money", "reference")
    }
    rows = fill_merged(sheet, header, money_cols)
    out = _Collector(book.label, sheet.name)
    for f in choice.findings:
        out.add(f.code, header[-1] + 1, f.col, **f.values)
    for r in range(header[0]):
        out.set_aside.append(
            SetAside(
                r + 1,
                TITLE if any(not is_empty(v, schema) for v in sheet.rows[r]) else BLANK,
                _row_text(sheet.rows[r]),
            )
        )
    for r in header:
        out.set_aside.append(SetAside(r + 1, HEADER, _row_text(sheet.rows[r])))
    unit, unit_source = _sheet_unit(sheet.rows, header, book.path)
    by_field = {c.field: c for c in columns if c.field}
    if "name" not in by_field:  # a sub-header row shifted under 项目名称 took its column
        where = "、".join(str(r + 1) for r in header)
        raise UnreadableFile(
            book.label,
            f"工作表“{sheet.name}”第{where}行的表头错位，认不出“项目名称”列；请核对表头后重新报送",
        )
    section_category: str | None = None
    stated_total: dict[str, Any] | None = None
    name_col = by_field["name"].index
    plan = _plan(columns, schema)
    rows_of = _RowContext()
    shared: dict[str, str] = {}
    for r in range(header[-1] + 1, len(rows)):
        raw = sheet.rows[r]
        kind, text = classify_row(raw, raw[name_col] if name_col < len(raw) else None, schema)
        if kind == "project" and rows_of.block and rows_of.in_block(raw):
            kind = SUBTOTAL  # "     预备重点项目（10项）": the 其中 block's next line
        if kind == "project":
            parsed = _parse_project(rows[r], r, plan, sheet.bad_cells, schema, out)
            if parsed is None:
                out.set_aside.append(SetAside(r + 1, UNRECOGNISED, text))
                out.add("row-unrecognised", r + 1, row=r + 1, text=text[:60])
                rows_of.after(UNRECOGNISED, "")
                continue
            values, extras = parsed
            if not values.get("name"):
                kind = rows_of.nameless(values, extras, out, r, name_col)
                out.set_aside.append(SetAside(r + 1, kind, text))
                rows_of.after(kind, text)
                continue
            values.setdefault("unit", unit)
            if not values.get("category") and section_category:
                values["category"] = section_category
            values["started"] = _started(values)
            for key, value in values.items():  # 续建, 城关镇, 张三: one string each, shared
                if value.__class__ is str and len(value) <= SHARED_TEXT:
                    values[key] = shared.setdefault(value, value)
            out.projects.append(make(Source(out.file, out.sheet, r + 1), values, extras))
            rows_of.last, rows_of.block = "project", False  # after(), without its call
            continue
        if kind == SECTION:
            section_category = category_in(text.replace(" ", ""), schema) or section_category
        if kind == TOTAL and stated_total is None:
            stated_total = _parse_total(rows[r], r, columns, schema)
        out.set_aside.append(SetAside(r + 1, kind, text))
        rows_of.after(kind, text)
    _flag_formula_columns(sheet, columns, {p.source.row - 1 for p in out.projects}, out)
    understanding = Understanding(
        choice.why,
        choice.filled,
        ignored,
        default[0],
        unit_from,
        ctx.text,
        ctx.source,
    )
    return SheetLedger(
        file=book.label,
        sheet=sheet.name,
        format=book.format,
        unit=unit,
        unit_source=unit_source,
        header_rows=tuple(r + 1 for r in header),
        columns=columns,
        projects=tuple(out.projects),
        set_aside=tuple(sorted(out.set_aside, key=lambda s: s.row)),
        stated_total=stated_total,
        issues=tuple(out.issues),
        rows_read=len(sheet.rows),
        understanding=understanding,
    )


def _context(period: Period | None, title_rows: list[list[Any]]) -> Context:
    """The period a sheet is read for: the run's, else the one its title names (its year
    alone when the title names no month)."""
    if period is not None:
        return Context(period.year, period.month, "报告期")
    texts = [clean_text(v) for row in title_rows for v in row if isinstance(v, str)]
    named = from_titles(texts)
    if named is not None:
        return Context(named.year, named.month, "标题")
    year = next((m.group(1) for t in texts if (m := _TITLE_YEAR.search(t))), None)
    return Context(int(year), None, "标题") if year else Context()


_TITLE_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_INDENT = re.compile(r"^[ \t\u3000]{2,}")
_FUNDING = re.compile(r"资金来源|资金渠道|资金构成|资金筹措|筹资方式")
_NAMES = {"unit": "name", "owner": "name", "leader": "name"}  # text fields of names (_one_line)
_UNIT_END = tuple("局办委镇乡处站所队院馆心司厂场园校会部社区县行")
_NAME_SPLIT = re.compile(r"\s*\n\s*")


def _one_line(key: str, text: str) -> str:
    """A unit's name broken over two lines in its cell ('区农业\n农村局') is one name; two
    leaders (or two units) one per line are two, written 张三、李四."""
    lines = [t for t in _NAME_SPLIT.split(text) if t]
    two = key == "leader" or all(len(t) >= 3 and t.endswith(_UNIT_END) for t in lines)
    return ("、" if two else "").join(lines)


class _RowContext:
    """What the rows above tell about the next one: the project a funding-source row belongs
    to, and the 其中 block an indented line continues."""

    def __init__(self) -> None:
        self.last = ""  # the kind of the last row that was not blank nor a funding line
        self.block = False  # inside a 其中 block: a 其中 line, then its indented lines

    def after(self, kind: str, text: str) -> None:
        if kind in (BLANK, CONTINUATION):
            return
        self.block = kind == SUBTOTAL and (self.block or text.replace(" ", "").startswith("其中"))
        self.last = kind

    def in_block(self, raw: list[Any]) -> bool:
        """Inside a 其中 block: is this line indented (a line of the block)?"""
        first = next((v for v in raw if isinstance(v, str) and v.strip()), None)
        return bool(first and _INDENT.match(first))

    def nameless(
        self, values: dict[str, Any], extras: dict[str, Any], out: _Collector, r: int, col: int
    ) -> str:
        """A row with money and no name: the funding-source line of the project above (its
        money belongs to that project and is not counted again), else an error whose money
        is left out of the totals."""
        above = out.projects[-1] if out.projects and self.last == "project" else None
        funding = [h for h in extras if _FUNDING.search(h)]
        repeated = (
            above is not None
            and values.get("total_investment") is not None
            and values.get("total_investment") == above.total_investment
        )
        if above is not None and (funding or repeated):
            if funding:
                said = "；".join(str(extras[h]) for h in funding)
                kept = dict(above.extras)
                for h in funding:
                    kept[h] = "；".join(str(v) for v in (kept.get(h), extras[h]) if v)
                out.projects[-1] = replace(above, extras=kept)
            else:
                said = "总投资与上一项目相同"
            out.add("continuation-row", r + 1, row=r + 1, name=str(above.name), text=said[:60])
            return CONTINUATION
        out.add("missing-name", r + 1, col, row=r + 1)
        return UNRECOGNISED


def _row_text(row: list[Any]) -> str:
    return " ".join(t for t in (clean_text(v) for v in row) if t)[:80]


Plan = list[tuple[int, str, str, str, Column]]


def _plan(columns: tuple[Column, ...], schema: Schema) -> Plan:
    """(index, key, kind, label, column) of every column, looked up once per sheet; the key
    is the field, or the header of a column kept as an extra (kind '')."""
    fields = schema.fields
    return [
        (c.index, c.field, _NAMES.get(c.field, fields[c.field].kind), fields[c.field].label, c)
        if c.field
        else (c.index, c.tag, "tag", "", c)
        if c.tag
        else (c.index, c.header, "", "", c)
        for c in columns
    ]


def _parse_project(
    row: list[Any],
    r: int,
    plan: Plan,
    bad_cells: Mapping[tuple[int, int], str],
    schema: Schema,
    out: _Collector,
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """One project row: (canonical fields parsed, extras kept); problems reported by cell.
    None when the row holds nothing but unmapped notes (reported by the caller)."""
    project: dict[str, Any] = {}
    extras: dict[str, Any] = {}
    tags: list[str] = []
    width = len(row)
    too_long = False
    for i, key, kind, label, col in plan:
        value = row[i] if i < width else None
        bad = bad_cells.get((r, i)) if bad_cells else None
        if not kind:
            if bad or not is_empty(value, schema):
                kept = extras[key] = bad or _plain(value)
                too_long = too_long or (isinstance(kept, str) and len(kept) > EXCEL_MAX_TEXT)
            continue
        if bad is not None:
            if kind != "derived":
                _report_bad_cell(out, r, col, label, bad)
            continue
        if value is None:  # a blank is nothing, whatever the field
            continue
        if kind == "text":  # most cells: what _parse_value does, without its dispatch
            parsed = _text_value(value, schema)
            if parsed.__class__ is str:
                if parsed:  # "" when the text was only control characters
                    project[key] = parsed
                    too_long = too_long or len(parsed) > EXCEL_MAX_TEXT
                continue
            if parsed is None:
                continue
        elif kind == "money" or kind == "reference":
            try:
                parsed = parse_money(value, col.factor, schema)
            except ValueError:
                parsed = _UNREADABLE
        elif kind == "name":  # 责任单位, 项目业主, 包抓领导: text, one name per line tidied
            parsed = _text_value(value, schema)
            if parsed.__class__ is str:
                if parsed:
                    project[key] = _one_line(key, parsed) if "\n" in parsed else parsed
                continue
            if parsed is None:
                continue
        elif kind == "tag":  # 列入市考核: 是 puts the project on that list; the cell is kept
            if not is_empty(value, schema):
                extras[col.header] = _plain(value)
                if is_tag_yes(value):
                    tags.append(key)
            continue
        else:
            parsed = _parse_value(kind, value, col, schema)
        if parsed is _UNREADABLE:
            _report_unreadable(out, r, col, kind, label, value)
            if kind in ("date", "category"):
                parsed = project[key] = _plain(value)
                too_long = too_long or (isinstance(parsed, str) and len(parsed) > EXCEL_MAX_TEXT)
            continue
        if parsed is not None and not (isinstance(parsed, str) and not parsed):
            project[key] = parsed
            too_long = too_long or (isinstance(parsed, str) and len(parsed) > EXCEL_MAX_TEXT)
    if tags:
        project["level"] = "、".join(dict.fromkeys([*_level_parts(project.get("level")), *tags]))
    if too_long:
        _fit_texts(project, extras, tuple(p[-1] for p in plan), r, out)
    # nameless: the caller tells a funding line from a row in error if it carries money; a
    # note typed alone in 备注 or 形象进度 ("以下为新增项目") is not a project
    if not project.get("name") and not any(
        schema.fields[k].kind == "money" for k in project if k in schema.fields
    ):
        return None
    return project, extras


def _level_parts(level: Any) -> list[str]:
    return [str(level)] if level not in (None, "") else []


def _fit_texts(
    project: dict[str, Any],
    extras: dict[str, Any],
    columns: tuple[Column, ...],
    r: int,
    out: _Collector,
) -> None:
    """Text longer than a cell can hold is cut to fit, and the cut is reported by cell."""
    for col in columns:
        holder, key = (project, col.field) if col.field else (extras, col.header)
        text = holder.get(key)
        if isinstance(text, str) and len(text) > EXCEL_MAX_TEXT:
            holder[key] = text[: EXCEL_MAX_TEXT - 1] + "…"
            label = load_schema().fields[col.field].label if col.field else col.header[:30]
            out.add(
                "text-too-long",
                r + 1,
                col.index,
                field=label,
                length=f"{len(text):,}",
                limit=f"{EXCEL_MAX_TEXT:,}",
            )


_UNREADABLE = object()
# a text this short (a category, a unit, a leader, a date) is kept once per sheet however
# many rows repeat it: 100,000 projects hold 50 MB less, and a worker pickles it once
SHARED_TEXT = 24


def _parse_value(kind: str, value: Any, col: Column, schema: Schema) -> Any:
    try:
        if kind in ("money", "reference"):  # a reference amount (上月累计) is read, not summed
            return parse_money(value, col.factor, schema)
        if kind == "date":
            if is_empty(value, schema):
                return None
            word = clean_text(value) if isinstance(value, str) else ""
            if word in schema.date_words_started:  # "已开工" typed in a date column
                return _STARTED_WORD
            if word in schema.date_words_not_started:
                return _NOT_STARTED_WORD
            return parse_date(value)
        if kind == "started":
            return parse_started(value, schema)
        if kind == "flag":
            return parse_flag(value, schema)
        if kind == "category":
            if is_empty(value, schema):
                return None
            category = parse_category(value, schema)
            return _UNREADABLE if category is None else category
        if kind == "derived":
            return None  # recomputed by ledgerkit from the sums, never trusted
    except ValueError:
        return _UNREADABLE
    return None if is_empty(value, schema) else _plain(value)


# what a date column holding a started word becomes, until _started() reads it
_STARTED_WORD = "已开工"
_NOT_STARTED_WORD = "未开工"


def _text_value(value: Any, schema: Schema) -> Any:
    """`_plain(value)`, or None when the cell is empty: the two in one look at the text."""
    if value.__class__ is not str:
        return None if is_empty(value, schema) else _plain(value)
    text = value.strip()
    if not text or (len(text) <= schema.longest_marker and is_empty(text, schema)):
        return None
    if "\r" in value or not text.isprintable():  # line breaks or control characters
        return _plain(value)
    return text


def _plain(value: Any) -> Any:
    """Text as typed (Chinese punctuation kept), line breaks kept; numbers as numbers.
    Control characters, which a workbook cannot hold and nobody can see, are dropped."""
    if isinstance(value, str):
        text = value.replace("\r\n", "\n").replace("\r", "\n") if "\r" in value else value
        if not text.isprintable():  # rare: only then look for control characters
            text = _CONTROL.sub("", text)
        return text.strip()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _report_unreadable(
    out: _Collector, r: int, col: Column, kind: str, label: str, value: Any
) -> None:
    text = str(value)[:60]
    if kind in ("money", "reference"):
        problem = money_problem(value, col.factor, load_schema())
        out.add(
            "bad-number",
            r + 1,
            col.index,
            field=label,
            text=text,
            problem=problem,
            money_unit=col.money_unit,
        )
    elif kind == "date":
        out.add("bad-date", r + 1, col.index, field=label, text=text)
    elif kind == "started":
        out.add("bad-started", r + 1, col.index, text=text)
    elif kind == "flag":
        out.add("bad-flag", r + 1, col.index, field=label, text=text)
    elif kind == "category":
        out.add("unknown-category", r + 1, col.index, text=text)


def _report_bad_cell(out: _Collector, r: int, col: Column, label: str, bad: str) -> None:
    if bad.startswith("="):
        out.add("formula-no-value", r + 1, col.index, field=label, formula=bad)
    else:
        out.add("cell-error", r + 1, col.index, field=label, text=bad)


def _flag_formula_columns(
    sheet: RawSheet, columns: tuple[Column, ...], project_rows: set[int], out: _Collector
) -> None:
    """A derived column (完成率) of formulas without values: one warning, not one per cell."""
    schema = load_schema()
    for col in columns:
        if not col.field or schema.fields[col.field].kind != "derived":
            continue
        rows = sorted(
            r
            for (r, c), bad in sheet.bad_cells.items()
            if c == col.index and r in project_rows and bad.startswith("=")  # not #DIV/0!
        )
        if rows:
            out.add(
                "formula-column-no-value",
                field=schema.fields[col.field].label,
                cells=f"{col.letter}{rows[0] + 1}:{col.letter}{rows[-1] + 1}",
            )


def _started(project: dict[str, Any]) -> bool | None:
    """是否开工 as stated; else implied by an actual start date; else 续建/竣工 count as started."""
    stated = project.get("started")
    if isinstance(stated, bool):
        return stated
    actual = project.get("actual_start")
    if actual == _NOT_STARTED_WORD:  # "未开工" typed in the 实际开工时间 column
        project.pop("actual_start")
        return False
    if actual == _STARTED_WORD or (isinstance(actual, str) and actual[:1].isdigit()):
        if actual == _STARTED_WORD:
            project.pop("actual_start")
        return True
    schema = load_schema()
    if project.get("category") in schema.started_categories:
        return True
    if "actual_start" in project or project.get("category") in schema.not_started_categories:
        return False
    return None


def _parse_total(
    row: list[Any], r: int, columns: tuple[Column, ...], schema: Schema
) -> dict[str, Any]:
    total: dict[str, Any] = {"_row": r + 1}
    for col in columns:
        if col.field and schema.fields[col.field].kind == "money" and col.index < len(row):
            try:
                total[col.field] = parse_money(row[col.index], col.factor, schema)
            except ValueError:
                total[col.field] = None
    return total


# --- the unit -------------------------------------------------------------------------------


def _sheet_unit(rows: list[list[Any]], header: list[int], path: Path) -> tuple[str, str]:
    """The reporting unit when no 责任单位 column names it: a 填报单位 line, the title, the
    file name, in that order. Returns (unit, where it came from)."""
    around = rows[: header[0]] + rows[max(header[-1] + 1, len(rows) - 10) :]
    for row in around:
        for v in row:
            m = _REPORTER_LINE.search(clean_text(v)) if isinstance(v, str) else None
            if m:
                return _UNIT_SUFFIX.sub("", m.group(1)) or m.group(1), "填报单位"
    for row in rows[: header[0]]:
        texts = [clean_text(v) for v in row if isinstance(v, str) and clean_text(v)]
        if texts and not _UNIT_LINE.search(texts[0]):
            title = re.sub(r"^\d{4}\s*年度?", "", texts[0].replace(" ", ""))
            unit = _TITLE_CUT.split(title, maxsplit=1)[0]
            if 2 <= len(unit) <= 20:
                return _UNIT_SUFFIX.sub("", unit) or unit, "标题"
    stem = _STEM_NOISE.sub("", unicodedata.normalize("NFKC", path.stem))
    return (stem or path.stem), "文件名"
