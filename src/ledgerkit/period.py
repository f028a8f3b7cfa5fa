"""The report period: one type for a month (1-M月 cumulative), a quarter, a half and a year.

Everything that names, parses, infers or compares periods lives here: the key ("2024-04",
"2024-Q2", "2024-H1", "2024"), the text people read ("2024年1-4月"), time progress, the month
before, the same month last year, the reporting deadline, and the period read from a folder
name or a ledger's title.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from pathlib import Path

MONTH, QUARTER, HALF, YEAR = "month", "quarter", "half", "year"
CN_QUARTER = "一二三四"

_KEY = re.compile(r"^(20\d{2})(?:-(0[1-9]|1[0-2])|-Q([1-4])|-H([12]))?$")
_TITLE_PERIOD = re.compile(r"(20\d{2})\s*年.*?(?:1\s*[-—~至]\s*)?(\d{1,2})\s*月")
_MONTH_ONLY = re.compile(r"(?<!\d)(\d{1,2})\s*月")
_FOLDER_PERIOD = re.compile(r"(20\d{2})\s*[-年._]?\s*(\d{1,2})(?!\d)")


class BadPeriod(ValueError):
    """A period key that is none of 2024-04, 2024-Q2, 2024-H1, 2024."""


@dataclass(frozen=True)
class Period:
    """A report period of a year, ending with `month`. Figures are cumulative from January
    (a month's ledger holds 1-M月); `kind` says what the period is named after."""

    year: int
    month: int  # the last month of the period
    kind: str = MONTH

    @classmethod
    def parse(cls, key: str) -> Period:
        """'2024-04' (a month), '2024-Q2', '2024-H1', '2024'. Raises BadPeriod."""
        m = _KEY.match(key.strip())
        if not m:
            raise BadPeriod(f"“{key}”不是报告期：应为 2024-04、2024-Q2、2024-H1 或 2024")
        year = int(m.group(1))
        if m.group(2):
            return cls(year, int(m.group(2)))
        if m.group(3):
            return cls(year, int(m.group(3)) * 3, QUARTER)
        if m.group(4):
            return cls(year, int(m.group(4)) * 6, HALF)
        return cls(year, 12, YEAR)

    @property
    def key(self) -> str:
        if self.kind == QUARTER:
            return f"{self.year}-Q{self.month // 3}"
        if self.kind == HALF:
            return f"{self.year}-H{self.month // 6}"
        if self.kind == YEAR:
            return str(self.year)
        return f"{self.year}-{self.month:02d}"

    @property
    def first_month(self) -> int:
        """The first month the period is named after (a quarter's own months: 4 for Q2)."""
        size = {MONTH: 1, QUARTER: 3, HALF: 6, YEAR: 12}[self.kind]
        return self.month - size + 1

    @property
    def span(self) -> str:
        """The cumulative months: '1-4月' (or '1月')."""
        return "1月" if self.month == 1 else f"1-{self.month}月"

    @property
    def text(self) -> str:
        """The period as people write it: '2024年1-4月', '2024年第二季度', '2024年上半年'."""
        if self.kind == QUARTER:
            return f"{self.year}年第{CN_QUARTER[self.month // 3 - 1]}季度"
        if self.kind == HALF:
            return f"{self.year}年{'上' if self.month == 6 else '下'}半年"
        if self.kind == YEAR:
            return f"{self.year}年"
        return f"{self.year}年{self.span}"

    def title(self, region: str, what: str) -> str:
        """Every title ledgerkit writes: '襄城区2024年1-4月重点项目汇总台账'."""
        return f"{region}{self.text}{what}"

    @cached_property  # asked for every project: worked out once (a frozen dataclass allows it)
    def end(self) -> str:
        """The last day of the period, ISO: '2024-04-30'."""
        return f"{self.year}-{self.month:02d}-{calendar.monthrange(self.year, self.month)[1]:02d}"

    @cached_property
    def time_progress(self) -> Decimal:
        """时间进度 = M / 12."""
        return Decimal(self.month) / Decimal(12)

    def previous(self) -> Period | None:
        """The month before, within the same year (cumulative figures restart in January)."""
        return Period(self.year, self.month - 1) if self.month > 1 else None

    def a_year_before(self) -> Period:
        """The same period of last year (同比)."""
        return Period(self.year - 1, self.month, self.kind)

    def months(self) -> list[Period]:
        """The months of the year up to and including this period's last: 1月 … M月."""
        return [Period(self.year, m) for m in range(1, self.month + 1)]

    def follows(self, earlier: Period) -> bool:
        """This month is the month right after `earlier`, in the same year."""
        return earlier.year == self.year and earlier.month + 1 == self.month

    def deadline(self, day: int) -> dt.date:
        """Units report a period by day `day` of the month after it."""
        year, month = (self.year + 1, 1) if self.month == 12 else (self.year, self.month + 1)
        return dt.date(year, month, min(day, 28))


def month_text(iso: str) -> str:
    """'2024-03-15' -> '2024年3月' ('2024' -> '2024年')."""
    parts = iso.split("-")
    return f"{parts[0]}年{int(parts[1])}月" if len(parts) > 1 else f"{parts[0]}年"


def from_paths(paths: Iterable[Path], year: int | None = None) -> Period | None:
    """The month of a folder or file name such as 2024-04/ or 2024年4月台账/; with the
    workspace's year set, a folder named just 4月/ will do."""
    for path in paths:
        name = path.resolve().name
        m = _FOLDER_PERIOD.search(name)
        if m and 1 <= int(m.group(2)) <= 12:
            return Period(int(m.group(1)), int(m.group(2)))
        m = _MONTH_ONLY.search(name)
        if year and m and 1 <= int(m.group(1)) <= 12:
            return Period(year, int(m.group(1)))
    return None


def from_titles(titles: Iterable[str]) -> Period | None:
    """The month most titles name: '卧龙镇2024年重点项目推进台账（1-4月）' -> 2024-04."""
    found = Counter(
        (int(m.group(1)), int(m.group(2)))
        for text in titles
        if (m := _TITLE_PERIOD.search(text)) and 1 <= int(m.group(2)) <= 12
    )
    return Period(*found.most_common(1)[0][0]) if found else None
