"""Which source column is which field: read once per sheet, chosen by meaning, and said why.

Real ledgers hold several columns of one meaning: a since-start cumulative (至2023年底累计完成
投资, 开工累计完成投资) beside this year's 1-4月完成投资; plans for two years, or an empty
二级计划 beside the 年度计划; 概算 beside 批复 总投资; 建设性质 beside 项目类别. Each header is
read for what it says (field, year, months, since start, how final the amount is), the clerk's
corrections in ledgerkit.toml (`[columns]`, `[aliases]`) come first, and one column per field
wins: a filled one over an empty one, this period's over another's, the more final total. The
choice is named in a `column-choice` finding, and every column is described for
`check --explain` (`ColumnNote`, `Understanding`, `explain`).

Columns of 是/否 under a header such as 列入市考核 or 是否省重点 are tags: the project's level
sub-lists (`tag_of`). Everything here runs once per sheet, never per row.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ledgerkit.schema import Schema, load_schema
from ledgerkit.values import clean_text, is_empty

if TYPE_CHECKING:
    from ledgerkit.normalise import Column, SheetLedger

IGNORE = "ignore"  # [columns] "某列" = "ignore": the column is not read at all
IGNORE_WORDS = frozenset({IGNORE, "忽略", "不用", "不读"})
YTD, CUMULATIVE, PLAN, MONTH, TOTAL = (
    "ytd_completed",
    "cumulative_completed",
    "annual_plan",
    "month_completed",
    "total_investment",
)

# what a column became, in --explain
KEPT, EMPTY, IGNORED = "原样保留", "空列，未用", "按设置忽略"

_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_SPAN = re.compile(r"(\d{1,2})\s*[-~—–至到]\s*(\d{1,2})\s*月")
_ONE_MONTH = re.compile(r"(?<![\d\-~—–至到])(\d{1,2})\s*月(?!底|末)")
_SINCE_START = re.compile(
    r"开工以来|开工至|开工累计|自开工|建设以来|开工建设以来|截止到?目前|截至目前|至今|历年|"
    r"年底|年末|上年度?底|上一年度?底|总累计"
)
_THIS_YEAR = re.compile(r"本年|今年|年实际|当年|年度累计")
_TAG_PREFIX = re.compile(r"^(?:是否为?|是否列入|是不是)")
_TAG_SUFFIX = re.compile(r"(?:项目)?(?:[(（][^)）]*[)）])?$")
TAG_YES = frozenset({"是", "√", "✓", "✔", "☑", "Y", "YES", "是的", "列入"})
TAG_NO = frozenset({"否", "×", "✗", "✘", "N", "NO", "不是", "未列入"})


def compact(text: Any) -> str:
    """A header as compared with the clerk's settings: NFKC, no spaces or line breaks."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or "")))


def bare(text: Any) -> str:
    """`compact`, without what brackets hold: '1-4月完成投资（万元）' -> '1-4月完成投资'."""
    return re.sub(r"\([^)]*\)|\[[^]]*\]|【[^】]*】", "", compact(text))


@dataclass(frozen=True)
class ColumnRules:
    """The clerk's corrections from ledgerkit.toml, resolved once: `[columns]` maps a header
    text to a field key (or `ignore`), `[aliases]` adds spellings of a field."""

    columns: Mapping[str, str] = field(default_factory=dict)  # compact header -> key / IGNORE
    aliases: Mapping[str, str] = field(default_factory=dict)  # normalised spelling -> key

    def __bool__(self) -> bool:
        return bool(self.columns or self.aliases)

    @classmethod
    def of(
        cls, columns: Iterable[tuple[str, str]], aliases: Iterable[tuple[str, str]]
    ) -> ColumnRules:
        """The rules from Settings.column_map and Settings.header_aliases."""
        from ledgerkit.normalise import normalise_header  # normalise imports this module

        return cls(
            {form(h): key for h, key in columns for form in (bare, compact)},
            {normalise_header(s): key for s, key in aliases},
        )

    def named(self, parts: Sequence[str]) -> str | None:
        """The field the clerk set for a column whose header (joined, or any of its rows,
        the lowest first) is written in [columns]."""
        for text in ("/".join(parts), *reversed(parts)):
            key = self.columns.get(compact(text)) or self.columns.get(bare(text))
            if key:
                return key
        return None


def field_key(value: str, schema: Schema) -> str | None:
    """A field written by its key (ytd_completed) or its Chinese label (累计完成投资);
    `ignore` (忽略) for a column not to read; None when it names no field."""
    text = value.strip()
    if text.lower() in IGNORE_WORDS:
        return IGNORE
    if text in schema.fields:
        return text
    return next((k for k, f in schema.fields.items() if f.label == text), None)


@dataclass(frozen=True)
class Context:
    """The period the sheet is read for: from the run (--period, the folder's name), else from
    the sheet's own title. A header naming another year or months is judged against it."""

    year: int | None = None
    month: int | None = None
    source: str = ""  # 报告期 / 标题

    @property
    def span(self) -> str:
        return "" if self.month is None else ("1月" if self.month == 1 else f"1-{self.month}月")

    @property
    def text(self) -> str:
        if self.year is None:
            return "未定"
        return f"{self.year}年{self.span}"


@dataclass(frozen=True)
class Reading:
    """What one header says, for the fields whose columns compete."""

    field: str | None
    rank: int = 2  # higher wins among columns of one field (after filled over empty)
    why: str = ""
    other_period: str = ""  # "1-3月", "2023年": the header names another period than the run's
    demote: str | None = None  # what it becomes when a column of this period is beside it


@lru_cache(maxsize=4096)  # every file spells its headers again: few spellings, many files
def read_header(key: str | None, text: str, ctx: Context) -> Reading:
    """The meaning of a header matched to `key`, judged against the period: a since-start
    cumulative, another year's figure, this period's, or the generic spelling."""
    h = compact(text)
    if key in (YTD, CUMULATIVE):
        return _completed(key, h, ctx)
    if key == PLAN:
        return _plan(h, ctx)
    if key == MONTH:
        return _month(h, ctx)
    if key == TOTAL:
        return _total(h)
    return Reading(key)


def _other_year(h: str, ctx: Context) -> int | None:
    years = {int(y) for y in _YEAR.findall(h)}
    if ctx.year is None or not years or ctx.year in years:
        return None
    return min(years)


def _completed(key: str, h: str, ctx: Context) -> Reading:
    since = _SINCE_START.search(h)
    if since:
        why = f"表头含“{since.group()}”，是开工以来的累计数：列示，不计入本年完成"
        return Reading(CUMULATIVE, 2, why)
    if key == CUMULATIVE:
        return Reading(CUMULATIVE, 2, "开工以来的累计数：列示，不计入本年完成")
    year = _other_year(h, ctx)
    if year is not None:
        why = f"表头写的是{year}年，报告期在{ctx.year}年"
        return Reading(YTD, 0, why, f"{year}年", CUMULATIVE)
    span = _SPAN.search(h)
    if span and ctx.month is not None and int(span.group(2)) != ctx.month:
        why = f"表头写“{span.group()}”，与报告期{ctx.span}不符"
        return Reading(YTD, 1, why, span.group())
    if span:
        return Reading(YTD, 4, f"表头写“{span.group()}”，是本年累计")
    if _YEAR.search(h) or _THIS_YEAR.search(h):
        return Reading(YTD, 3, "表头写明是本年的数")
    return Reading(YTD, 2, demote=CUMULATIVE)


def _plan(h: str, ctx: Context) -> Reading:
    year = _other_year(h, ctx)
    if year is not None:
        return Reading(PLAN, 0, f"是{year}年的计划，报告期在{ctx.year}年", f"{year}年")
    if "二级" in h:
        return Reading(PLAN, 1)
    if _YEAR.search(h) or _THIS_YEAR.search(h):
        return Reading(PLAN, 3, "表头写明是本年的计划")
    return Reading(PLAN, 2)


def _month(h: str, ctx: Context) -> Reading:
    one = _ONE_MONTH.search(h)
    if one and ctx.month is not None and int(one.group(1)) != ctx.month:
        return Reading(MONTH, 1, f"表头写“{one.group()}”，不是报告期的{ctx.month}月", one.group())
    if one:
        return Reading(MONTH, 3, f"表头写“{one.group()}”，是本月的数")
    return Reading(MONTH, 2)


_TOTAL_RANKS = (("批复", 4), ("估算", 1), ("概算", 2))  # the more final the amount, the higher


def _total(h: str) -> Reading:
    return Reading(TOTAL, next((rank for word, rank in _TOTAL_RANKS if word in h), 3))


# --- the choice -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """A finding about a column, raised by normalise at the column's header cell."""

    code: str
    col: int
    values: dict[str, str]


@dataclass(frozen=True)
class Choice:
    """The sheet's columns after the choice, why each became what it did, which hold data."""

    columns: tuple[Column, ...]
    why: dict[int, str]
    filled: dict[int, bool]
    findings: list[Finding]


@dataclass
class _Candidate:
    col: Column
    reading: Reading
    filled: bool
    score: int = 0  # data-driven rank (category: how many cells hold a stage)


def choose(
    columns: Sequence[Column],
    data: Sequence[Sequence[Any]],
    ctx: Context,
    schema: Schema,
) -> Choice:
    """One column per field, by meaning; the losers are kept as extras (or, for a generic
    累计完成 beside this year's, as the since-start cumulative). `data`: the rows under the
    header."""
    why: dict[int, str] = {c.index: c.why for c in columns}
    cands = [_candidate(c, data, ctx, schema) for c in columns]
    findings: list[Finding] = []
    by_field: dict[str, list[_Candidate]] = {}
    for cand in cands:
        if cand.reading.why:
            why[cand.col.index] = _join(cand.col.why, cand.reading.why)
        if cand.reading.field:
            by_field.setdefault(cand.reading.field, []).append(cand)
    chosen: dict[int, str | None] = {c.col.index: c.reading.field for c in cands}
    # this year's completion first: a generic 累计完成 losing to an explicit 1-4月 column is
    # the since-start cumulative beside it
    pending = sorted(by_field, key=lambda k: k != YTD)
    while pending:
        key = pending.pop(0)
        group = by_field[key]
        if len(group) < 2:
            continue
        if key == "category":
            for cand in group:
                cand.score = _stages(cand.col.index, data, schema)
        ordered = sorted(group, key=_order, reverse=True)
        used = ordered[0]
        for other in ordered[1:]:
            reason = _lost(used, other, key)
            demote = other.reading.demote
            if demote and other.reading.rank < used.reading.rank:
                # a generic 累计完成, or another year's, beside this year's 1-4月: since start
                chosen[other.col.index] = demote
                by_field.setdefault(demote, []).append(other)
                if demote not in pending:
                    pending.append(demote)
                reason += "；按开工以来累计列示，不计入本年完成"
            else:
                chosen[other.col.index] = None
            why[other.col.index] = _join(why[other.col.index], reason)
            label = schema.fields[key].label
            findings.append(
                Finding(
                    "column-choice",
                    used.col.index,
                    {
                        "used": used.col.header,
                        "used_col": used.col.letter,
                        "other": other.col.header,
                        "other_col": other.col.letter,
                        "field": label,
                        "why": reason,
                    },
                )
            )
    out = []
    for cand in cands:
        field_now = chosen[cand.col.index]
        col = cand.col if field_now == cand.col.field else replace(cand.col, field=field_now)
        if field_now is None and cand.col.field is None and cand.filled:
            tag = tag_of(cand.col, data)
            if tag:
                col = replace(col, tag=tag)
                why[col.index] = f"是/否列：填“是”的项目记入项目级别“{tag}”"
        if field_now and field_now == cand.reading.field and cand.reading.other_period:
            period = ctx.text if cand.reading.other_period.endswith("年") else ctx.span
            values = {"header": col.header, "named": cand.reading.other_period, "period": period}
            findings.append(Finding("column-period", col.index, values))
        out.append(col)
    filled = {c.col.index: c.filled for c in cands}
    return Choice(tuple(out), why, filled, findings)


_READ = frozenset((YTD, CUMULATIVE, PLAN, MONTH, TOTAL))  # fields whose headers are read


def _candidate(
    col: Column, data: Sequence[Sequence[Any]], ctx: Context, schema: Schema
) -> _Candidate:
    reading = read_header(col.field, col.header, ctx) if col.field in _READ else Reading(col.field)
    if col.override:  # the clerk's [columns] wins over any reading
        reading = Reading(col.field, 9, "")
    return _Candidate(col, reading, _filled(col.index, data, schema))


def _order(c: _Candidate) -> tuple[bool, int, int, int]:
    return (c.filled, c.reading.rank, c.score, -c.col.index)


def _lost(used: _Candidate, other: _Candidate, key: str) -> str:
    u, o = f"“{used.col.header}”", f"“{other.col.header}”"
    if used.col.override:
        return f"ledgerkit.toml 的 [columns] 指定用{u}"
    if used.filled and not other.filled:
        return f"{o}是空列，用有数的{u}"
    if used.score != other.score:
        return f"{u}填的是续建/新建等项目类别，{o}没有"
    if used.reading.rank != other.reading.rank:
        if key == TOTAL:
            return f"总投资取更确定的一列（批复 > 总投资 > 概算 > 估算）：用{u}，不用{o}"
        better = used.reading.why or "是本年的数"
        worse = other.reading.why or "写法笼统"
        return f"{u}{better}；{o}{worse}"
    return f"两列含义相同，按从左到右用第一列{u}"


def _join(a: str, b: str) -> str:
    return "；".join(t for t in (a, b) if t)


def _filled(c: int, data: Sequence[Sequence[Any]], schema: Schema) -> bool:
    return any(c < len(row) and row[c] is not None and not is_empty(row[c], schema) for row in data)


def _stages(c: int, data: Sequence[Sequence[Any]], schema: Schema) -> int:
    return sum(
        1
        for row in data
        if c < len(row) and clean_text(row[c]).replace(" ", "") in schema.categories
    )


def tag_of(col: Column, data: Sequence[Sequence[Any]]) -> str:
    """The tag a column of 是/否 gives its projects ('是否省重点' -> '省重点', '列入市考核'),
    or '' when the column holds anything but yes/no marks or its header is a sentence."""
    name = _TAG_SUFFIX.sub("", _TAG_PREFIX.sub("", compact(col.header.split("/")[-1])))
    if not 2 <= len(name) <= 12 or re.search(r"[，。；、,.;:：\d]", name):
        return ""
    seen_yes = False
    for row in data:
        if col.index >= len(row):
            continue
        text = clean_text(row[col.index]).upper()
        if not text:
            continue
        if text in TAG_YES:
            seen_yes = True
        elif text not in TAG_NO:
            return ""
    return name if seen_yes else ""


def is_tag_yes(value: Any) -> bool:
    """A tag column's cell that puts the project on the list."""
    return clean_text(value).upper() in TAG_YES


# --- what --explain shows -------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnNote:
    """One source column and what it became: a field, a tag, kept as is, or unused."""

    column: str  # the letter
    header: str
    became: str  # the field's label, 标签“…”, 原样保留, 空列，未用, 按设置忽略
    field: str | None  # the field's key (None when none)
    why: str
    money_unit: str = ""  # money columns: the unit and where it came from

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Understanding:
    """How one sheet was read, for `check --explain`: why each column became what it did,
    which columns hold data, the columns ignored by the clerk's settings, the money unit and
    the period, and where they came from. The notes are written only when asked (`notes`)."""

    why: Mapping[int, str] = field(default_factory=dict)
    filled: Mapping[int, bool] = field(default_factory=dict)
    ignored: tuple[Column, ...] = ()
    money_unit: str = "万元"
    money_unit_from: str = ""
    period: str = "未定"
    period_from: str = ""

    def notes(self, columns: Iterable[Column], schema: Schema) -> tuple[ColumnNote, ...]:
        """Every source column of the sheet described, in sheet order."""
        return notes(columns, self.why, self.filled, self.ignored, schema)


def notes(
    columns: Iterable[Column],
    why: Mapping[int, str],
    filled: Mapping[int, bool],
    ignored: Iterable[Column],
    schema: Schema,
) -> tuple[ColumnNote, ...]:
    """Every source column described, in sheet order."""
    out: list[tuple[int, ColumnNote]] = []
    for col in columns:
        if col.field:
            f = schema.fields[col.field]
            unit = (
                f"{col.money_unit}（{col.unit_from}）" if f.kind in ("money", "reference") else ""
            )
            reason = why.get(col.index, "")
            if not filled.get(col.index, True):
                reason = _join(reason, "此列没有填数")
            out.append(
                (col.index, ColumnNote(col.letter, col.header, f.label, col.field, reason, unit))
            )
        elif col.tag:
            became = f"标签“{col.tag}”"
            out.append(
                (
                    col.index,
                    ColumnNote(col.letter, col.header, became, None, why.get(col.index, "")),
                )
            )
        else:
            became = KEPT if filled.get(col.index, True) else EMPTY
            reason = why.get(col.index, "") or "不是 ledgerkit 的标准字段，原样保留在明细表中"
            out.append((col.index, ColumnNote(col.letter, col.header, became, None, reason)))
    for col in ignored:
        reason = "ledgerkit.toml 的 [columns] 设为忽略"
        out.append((col.index, ColumnNote(col.letter, col.header, IGNORED, None, reason)))
    return tuple(note for _, note in sorted(out, key=lambda t: t[0]))


def explain(ledger: SheetLedger) -> dict[str, Any]:
    """What `check --explain` shows for one sheet, as data (`--json` prints it as it is)."""
    from ledgerkit.normalise import PROJECT_ROW

    rows: dict[str, list[int]] = {}
    for s in ledger.set_aside:
        rows.setdefault(s.kind, []).append(s.row)
    rows[PROJECT_ROW] = [p.source.row for p in ledger.projects]
    u = ledger.understanding
    return {
        "file": ledger.file,
        "sheet": ledger.sheet,
        "unit": ledger.unit,
        "unit_from": ledger.unit_source,
        "period": u.period,
        "period_from": u.period_from,
        "money_unit": u.money_unit,
        "money_unit_from": u.money_unit_from,
        "rows": {
            kind: ranges(numbers)
            for kind, numbers in sorted(rows.items(), key=lambda kv: min(kv[1], default=0))
            if numbers
        },
        "columns": [n.to_dict() for n in u.notes(ledger.columns, load_schema())],
    }


def ranges(numbers: Iterable[int]) -> str:
    """[3, 4, 5, 9] -> '3-5、9'."""
    out: list[str] = []
    run: list[int] = []
    for n in sorted(set(numbers)):
        if run and n == run[-1] + 1:
            run.append(n)
            continue
        if run:
            out.append(_run(run))
        run = [n]
    if run:
        out.append(_run(run))
    return "、".join(out)


def _run(run: list[int]) -> str:
    return str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}"
