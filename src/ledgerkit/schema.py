"""The field table (schema.toml) as typed, read-only data."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, cached_property
from importlib import resources


@dataclass(frozen=True)
class Field:
    key: str
    label: str  # the canonical Chinese header written in outputs
    kind: str  # text | money | reference | date | started | flag | category | derived
    aliases: tuple[str, ...]
    optional: bool = False  # an output column only when some project has a value


@dataclass(frozen=True)
class Schema:
    fields: dict[str, Field]
    patterns: tuple[tuple[str, tuple[str, ...]], ...]
    money_units: dict[str, Decimal]
    categories: dict[str, str]  # spelling -> canonical
    started_yes: frozenset[str]
    started_no: frozenset[str]
    empty_markers: frozenset[str]
    total_words: tuple[str, ...]
    footer_words: tuple[str, ...]
    levels: dict[str, str]  # spelling -> 省级 / 市级 / 区级
    level_sublists: frozenset[str]  # 省A, 省B: counted under their level and on their own
    problem_topics: dict[str, tuple[str, ...]]  # topic -> keywords
    category_names: tuple[str, ...]  # 续建, 新建, 前期, 竣工: in the order tables list them
    level_names: tuple[str, ...]  # 省级, 市级, 区级
    started_categories: frozenset[str]  # a project of these counts as started (续建, 竣工)
    not_started_categories: frozenset[str]  # and of these as not started unless it says so
    date_words_started: frozenset[str]  # 已开工 typed in a date column (实际开工时间)
    date_words_not_started: frozenset[str]  # 未开工 typed there
    flag_yes: frozenset[str] = frozenset()  # 是否竣工/投产/停工/复工: yes
    flag_no: frozenset[str] = frozenset()  # and no

    @cached_property  # read for every cell: worked out once (a frozen dataclass allows it)
    def longest_marker(self) -> int:
        return max(map(len, self.empty_markers))

    def money_fields(self) -> list[str]:
        """Fields summed as amounts (kind 'money'); a 'reference' amount is read, not summed."""
        return list(self._money_fields)

    @cached_property
    def _money_fields(self) -> tuple[str, ...]:  # asked for every project
        return tuple(k for k, f in self.fields.items() if f.kind == "money")


@cache
def load_schema() -> Schema:
    """Parse schema.toml once; the result is immutable and shared."""
    raw = tomllib.loads(resources.files("ledgerkit").joinpath("schema.toml").read_text("utf-8"))
    fields = {
        key: Field(
            key, spec["label"], spec["kind"], tuple(spec["aliases"]), spec.get("optional", False)
        )
        for key, spec in raw["fields"].items()
    }
    categories = {
        spelling: canonical
        for canonical, spellings in raw["categories"].items()
        for spelling in spellings
    }
    return Schema(
        fields=fields,
        patterns=tuple((p["field"], tuple(p["words"])) for p in raw["patterns"]),
        money_units={k: Decimal(v) for k, v in raw["money_units"].items()},
        categories=categories,
        started_yes=frozenset(s.upper() for s in raw["started"]["yes"]),
        started_no=frozenset(s.upper() for s in raw["started"]["no"]),
        empty_markers=frozenset(s.upper() for s in raw["markers"]["empty"]),
        total_words=tuple(raw["rows"]["totals"]),
        footer_words=tuple(raw["rows"]["footers"]),
        levels={s: level for level, spellings in raw["levels"].items() for s in spellings},
        level_sublists=frozenset(s for v in raw.get("level_sublists", {}).values() for s in v),
        problem_topics={k: tuple(v) for k, v in raw["problem_topics"].items()},
        category_names=tuple(raw["categories"]),
        level_names=tuple(raw["levels"]),
        started_categories=frozenset(raw["started"]["categories_started"]),
        not_started_categories=frozenset(raw["started"]["categories_not_started"]),
        date_words_started=frozenset(raw["started"]["in_date_columns_yes"]),
        date_words_not_started=frozenset(raw["started"]["in_date_columns_no"]),
        flag_yes=frozenset(s.upper() for s in raw["flags"]["yes"]),
        flag_no=frozenset(s.upper() for s in raw["flags"]["no"]),
    )
