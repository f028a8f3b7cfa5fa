"""Cell values as units type them: text numbers, empty markers, dates in every form."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from ledgerkit.schema import Schema

_SPACES = re.compile(r"\s+")
_NUMBER = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(亿元|万元|千元|元|亿|万)?$")
# a date typed as text, maybe with the time an export added ("2018/3/1 0:00:00")
_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(\d{1,2})\s*日?|月份?)?"
    r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"
)
_YEAR = re.compile(r"^(\d{4})\s*年?$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)

# Money bounds in 万元, kept here and nowhere else. PLAUSIBLE_MONEY is 1 万亿元, about five
# times the largest single project China has built (三峡, about 2,000 亿元): above it a project's
# amount is almost surely a unit or digit typo, said as a warning. MAX_MONEY is 10^19 元, more
# than the world's yearly output: no ledger amount comes near it, only a typo or a pasted ID
# (an 18-digit 身份证号 is 10^17). Excel itself keeps 15 significant digits, and a million
# amounts under MAX_MONEY still sum and round to cents inside Decimal's 28 digits.
PLAUSIBLE_MONEY = Decimal(10**8)
MAX_MONEY = Decimal(10**15)
_MAX_FLOAT = float(MAX_MONEY)  # the fast path for floats stays inside the bound


class MoneyTooLarge(ValueError):
    """A number, but too large to be an amount of money (MAX_MONEY 万元 or more)."""


def clean_text(value: Any) -> str:
    """NFKC (full-width to half-width), line breaks and runs of spaces to one space, stripped."""
    if value is None:
        return ""
    if value.__class__ is float:  # a number is ASCII: nothing to fold or strip
        return str(int(value)) if value.is_integer() else str(value)
    if value.__class__ is int:
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value))
    if text.isprintable() and "  " not in text:  # the common case, without a regex
        return text.strip()
    return _SPACES.sub(" ", text).strip()


def is_empty(value: Any, schema: Schema) -> bool:
    """Blank, or one of the markers units type for "nothing" (—, /, 无 …)."""
    if value is None:
        return True
    if isinstance(value, str):
        text = value.strip()
        # every marker is short: a long text is never empty, and costs no normalisation
        return not text or (
            len(text) <= schema.longest_marker and _is_marker(text, schema.empty_markers)
        )
    return False


@lru_cache(maxsize=65_536)  # short texts repeat in every row: 是, 续建, 300, 2024.3 …
def _is_marker(text: str, markers: frozenset[str]) -> bool:
    return clean_text(text).upper() in markers


def to_decimal(value: float | int) -> Decimal:
    """A float from Excel as the number the clerk typed: 0.1 stays 0.1, not 0.1000000000000000055."""
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def parse_money(value: Any, factor: Decimal, schema: Schema) -> Decimal | None:
    """An amount in 万元; `factor` converts the column's unit (亿元 = 10000). A unit written in
    the cell itself ("120万元", "1.2亿元") wins over the column's. Raises ValueError."""
    if value.__class__ is float and factor == 1 and 0 < abs(value) < _MAX_FLOAT:
        # the common cell, in 万元 already: the same Decimal as below, a few times faster
        return Decimal(int(value)) if value.is_integer() else Decimal(repr(value))
    if is_empty(value, schema):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(value)
        return _exact(_bounded(to_decimal(value) * factor))
    text = clean_text(value).replace(",", "").replace(" ", "")
    match = _NUMBER.match(text)
    if not match:
        raise ValueError(value)
    number = Decimal(match.group(1))
    unit = match.group(2)
    if unit:
        factor = schema.money_units.get(unit if unit.endswith("元") else unit + "元", factor)
    return _exact(_bounded(number * factor))


def money_problem(value: Any, factor: Decimal, schema: Schema) -> str:
    """Why parse_money refused a cell, in the words of the bad-number message."""
    try:
        parse_money(value, factor, schema)
    except MoneyTooLarge:
        return f"超过{MAX_MONEY:,f}万元，不可能是一个项目的金额（误填或粘贴了编号？）"
    except ValueError:
        pass
    return "不是数字"


def _bounded(value: Decimal) -> Decimal:
    if not abs(value) < MAX_MONEY:
        raise MoneyTooLarge(value)
    return value


def _exact(value: Decimal) -> Decimal:
    """Drop trailing zeros (12000.00 -> 12000) so equal amounts print alike."""
    try:
        normal = value.normalize()
    except InvalidOperation:
        return value
    return normal.quantize(Decimal(1)) if normal == normal.to_integral() else normal


def parse_date(value: Any) -> str | None:
    """A date as ISO text at the precision given: '2024-03-15', '2024-03' or '2024'.
    Accepts Excel dates and serial numbers, 2024-03-15, 2024/3/15, 2024.3, 2024年3月. Raises
    ValueError for anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1000 < value < 100000:  # an Excel serial day number stored without a date format
            return (_EXCEL_EPOCH + dt.timedelta(days=int(value))).isoformat()
        raise ValueError(value)
    text = clean_text(value)
    match = _DATE.match(text)
    if match:
        year, month, day = match.group(1), int(match.group(2)), match.group(3)
        if not 1 <= month <= 12:
            raise ValueError(value)
        if day:
            return dt.date(int(year), month, int(day)).isoformat()
        return f"{year}-{month:02d}"
    match = _YEAR.match(text)
    if match:
        return match.group(1)
    raise ValueError(value)


def parse_started(value: Any, schema: Schema) -> bool | None:
    """是/否, 已开工/未开工, √/×, TRUE/FALSE. None when blank; ValueError when unclear."""
    if isinstance(value, bool):
        return value
    if is_empty(value, schema):
        return None
    text = clean_text(value).upper()
    if text in schema.started_yes:
        return True
    if text in schema.started_no:
        return False
    if text.startswith(("已开工", "已经开工", "开工")):
        return True
    if text.startswith(("未开工", "尚未开工", "未")):
        return False
    raise ValueError(value)


def parse_flag(value: Any, schema: Schema) -> bool | None:
    """是否竣工 / 是否投产 / 是否停工 / 是否复工: 是/否, 已竣工/未竣工, √/×. None when blank;
    ValueError when unclear (a date typed there is read as yes: it says when it happened)."""
    if isinstance(value, bool):
        return value
    if is_empty(value, schema):
        return None
    text = clean_text(value).upper()
    if text in schema.flag_yes:
        return True
    if text in schema.flag_no:
        return False
    if text.startswith(("未", "尚未", "没")):
        return False
    if text.startswith("已") or parse_date(value) is not None:
        return True
    raise ValueError(value)


def parse_category(value: Any, schema: Schema) -> str | None:
    """续建 / 新建 / 前期 / 竣工 from any common spelling (新开工 -> 新建, 在建 -> 续建 …)."""
    text = clean_text(value).replace(" ", "")
    if not text:
        return None
    if text in schema.categories:
        return schema.categories[text]
    return category_in(text, schema)


def category_in(text: str, schema: Schema) -> str | None:
    """The category named inside a longer text, e.g. a section row '一、续建项目（5个）'."""
    for spelling in sorted(schema.categories, key=len, reverse=True):
        if spelling in text:
            return schema.categories[spelling]
    return None
