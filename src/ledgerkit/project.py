"""The project: one row of a unit's ledger, as every stage after reading sees it.

The canonical fields are those of schema.toml (one attribute each, blank = None); headers a
unit used that match no field are kept in `extras`; `source` says where the row came from.
Money is exact Decimal 万元. A test keeps these attributes and schema.toml in step.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal
from functools import lru_cache
from typing import Any

# a text field holds what the unit typed: mostly text, sometimes a number (a code, 序号)
Cell = str | int | float
Money = Decimal


@dataclass(frozen=True, slots=True)
class Source:
    """Where a project row came from: `卧龙镇.xlsx 台账` row 12."""

    file: str
    sheet: str
    row: int  # Excel row number, 1-based

    def __reduce__(self) -> tuple[type[Source], tuple[str, str, int]]:
        # one per project crosses from the reading workers: dataclasses' own pickling of a
        # frozen slots class looks its fields up every time (a third of unpickling a file)
        return (Source, (self.file, self.sheet, self.row))


@dataclass(frozen=True)
class Project:
    """One project as understood from a ledger row."""

    source: Source
    name: Cell | None = None
    unit: str | None = None  # 责任单位, the roster's spelling once merged
    district: Cell | None = None  # 县区: a city's roll-up of districts' ledgers
    code: Cell | None = None
    seq: Cell | None = None
    leader: Cell | None = None
    owner: Cell | None = None
    category: Cell | None = None  # 续建 / 新建 / 前期 / 竣工 (or as typed, when unknown)
    level: Cell | None = None  # tags: '省重点、列入市考核'
    sector: Cell | None = None
    content: Cell | None = None
    build_period: Cell | None = None  # 建设起止年限 '2023-2025'
    total_investment: Money | None = None
    annual_plan: Money | None = None
    month_completed: Money | None = None
    ytd_completed: Money | None = None
    last_ytd: Money | None = None  # a reference column (上月累计): read, never summed
    cumulative_completed: Money | None = None  # since the start (开工累计): read, never summed
    started: bool | None = None
    planned_start: Cell | None = None  # ISO date text '2024-03' or as typed
    actual_start: Cell | None = None
    planned_finish: Cell | None = None
    # --- stages after the start (issue 16): optional columns for 竣工率, 投产率, 复工率 ---
    finished: bool | None = None  # 是否竣工
    actual_finish: Cell | None = None  # 实际竣工时间
    in_production: bool | None = None  # 是否投产
    stopped: bool | None = None  # 是否停工
    resumed: bool | None = None  # 是否复工
    # --- end of the stages after the start ---
    progress: Cell | None = None
    problems: Cell | None = None
    problem_unit: Cell | None = None  # 负责解决问题责任单位(、责任人)
    problem_person: Cell | None = None  # 问题责任人
    problem_due: Cell | None = None  # 解决时限, as typed
    problem_done: Cell | None = None  # 解决情况
    next_steps: Cell | None = None
    contact: Cell | None = None
    remark: Cell | None = None
    extras: Mapping[str, Any] = field(default_factory=dict)  # header -> value, as typed
    # a merged workbook read back (report, notices): where the row was first merged from
    origin: Source | None = None

    def get(self, key: str) -> Any:
        """A canonical field by its schema key (None for a field the type does not hold)."""
        return getattr(self, key, None)

    @property
    def has_text(self) -> bool:
        """The unit wrote something about the project, not only numbers."""
        return bool(self.progress or self.problems)


FIELDS: tuple[str, ...] = tuple(
    f.name for f in fields(Project) if f.name not in ("source", "extras", "origin")
)


def make(source: Source, values: dict[str, Any], extras: Mapping[str, Any]) -> Project:
    """A Project from parsed values keyed by field (the normaliser's, checked against FIELDS
    by its tests). Made without __init__: a frozen dataclass sets its 28 fields one by one
    through object.__setattr__, 8 µs a project, a tenth of reading a ledger; a blank field
    falls back to the class default None."""
    project = object.__new__(Project)
    state = project.__dict__
    state.update(values)
    state["source"] = source
    state["extras"] = extras
    return project


def evolve(project: Project, **changes: Any) -> Project:
    """`dataclasses.replace(project, **changes)` without __init__, as `make` builds one: a
    merged workbook read back changes each of its 22,000 projects (a third of reading it)."""
    new = object.__new__(Project)
    state = new.__dict__
    state.update(project.__dict__)
    state.update(changes)
    return new


def units_of(projects: Iterable[Project]) -> list[str]:
    """The units of some projects, in order of first appearance."""
    return list(dict.fromkeys(p.unit for p in projects if p.unit))


_NAME_NOISE = re.compile(r"[\s\W_]+")


def name_key(name: Any) -> str:
    """A project name as compared across files and months: NFKC, no spaces or punctuation."""
    if name.__class__ is str:
        return _name_key(name)
    return _NAME_NOISE.sub("", unicodedata.normalize("NFKC", str(name or ""))).lower()


@lru_cache(maxsize=1 << 16)  # each name is keyed by several checks in a run
def _name_key(name: str) -> str:
    return _NAME_NOISE.sub("", unicodedata.normalize("NFKC", name)).lower()
