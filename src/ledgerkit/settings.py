"""Settings, resolved once: defaults < ledgerkit.toml < environment < flags.

The workspace is the nearest folder, from the current one upwards, holding a ledgerkit.toml.
Without one the defaults apply. The result is a frozen object passed explicitly to whatever
needs it; nothing reads settings from module state. A key in ledgerkit.toml that nothing reads
(a typo such as [stauts]) is ignored and named in `Settings.warnings`, and so is a workspace
that names no region; the caller shows them.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from ledgerkit.errors import LedgerkitError

CONFIG_NAME = "ledgerkit.toml"
ENV_PREFIX = "LEDGERKIT_"


class BadSettings(LedgerkitError):
    """ledgerkit.toml or an environment variable holds a value that cannot be used."""


@dataclass(frozen=True)
class Unit:
    """A unit on the roster: its full name, the short name used in tables, other spellings."""

    name: str
    short: str = ""
    aliases: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.short or self.name


@dataclass(frozen=True)
class Target:
    """A unit's 责任状 targets: the year's investment (万元), projects to start, and optionally
    the investment due each quarter (万元, four numbers); `source` says where it was read."""

    unit: str
    investment: Decimal | None = None
    starts: int | None = None
    quarters: tuple[Decimal, ...] = ()
    source: str = CONFIG_NAME


@dataclass(frozen=True)
class ScoreRule:
    """One item of the 考核办法: a rate item's weight (points) and the rate that earns them in
    full (%), or a count item's points per count (negative: a deduction) and their cap."""

    item: str
    weight: Decimal = Decimal(0)
    full_at: Decimal = Decimal(100)
    per: Decimal | None = None
    max: Decimal | None = None


# the default 考核办法, shaped like the counties' (seeds/003, 004): 60 points for investment
# against the target, 20 for starts, 10 each for milestones on time and problems closed;
# +1 per project started (at most 5); −2 per month reported late, −5 per month not reported,
# −1 per month of figures with no text
DEFAULT_SCORE_RULES = (
    ScoreRule("投资完成率", Decimal(60)),
    ScoreRule("开工率", Decimal(20)),
    ScoreRule("节点按期率", Decimal(10)),
    ScoreRule("问题办结率", Decimal(10)),
    ScoreRule("新开工项目", per=Decimal(1), max=Decimal(5)),
    ScoreRule("逾期报送", per=Decimal(-2)),
    ScoreRule("未报送", per=Decimal(-5)),
    ScoreRule("只报数据", per=Decimal(-1)),
)
SCORE_RULE_KEYS = ("item", "weight", "full_at", "per", "max")
START_BASES = ("全部项目", "不含前期")  # what 开工率 is divided by (a target count aside)


@dataclass(frozen=True)
class Settings:
    region: str = ""  # 襄城区
    year: int | None = None
    money_unit: str = "万元"  # the unit assumed when a ledger names none
    display_unit: str = "亿元"  # money in summary tables: 亿元 or 万元
    money_decimals: int = 2  # decimals for 亿元 (or 万元) in tables
    rate_decimals: int = 1  # decimals for % and 个百分点
    yellow_gap: Decimal = Decimal(10)  # 个百分点 behind time progress: 滞后
    red_gap: Decimal = Decimal(30)  # 个百分点 behind time progress: 严重滞后
    low_rate: Decimal = Decimal(30)  # % of annual plan under which a project is counted as low
    start_target: int | None = None  # 开工率 denominator: a target count instead of all projects
    bands: tuple[Decimal, ...] = (Decimal(10), Decimal(5), Decimal(1))  # 亿元, descending
    roster: tuple[Unit, ...] = ()
    issuer: str = ""  # 落款 of the bulletin; default: issuer_for(region)
    report_date: str = ""  # 落款日期, as written: "2024年5月10日"
    reply_by: str = ""  # 督办通知单: reply by this date
    next_steps: tuple[str, ...] = ()  # 通报“下步工作” paragraphs
    history_file: str = ""  # the SQLite store; default: ledgerkit-history.sqlite in the workspace
    deadline_day: int = 5  # units report by this day of the following month
    streak_months: int = 3  # 连续N个月未开工 / 滞后 are flagged from N months on
    renames: tuple[tuple[str, str], ...] = ()  # (old name, new name) confirmed as one project
    read_workers: int | None = None  # processes reading files; None: one per core; 0: this one
    read_timeout: int = 300  # seconds one file may take to read before it is named unreadable
    read_memory_mb: int = 2048  # memory one file's reading may take; 0: no cap
    # --- targets, periods and rates (issue 16) ---
    start_rate_base: str = "全部项目"  # 开工率 over 全部项目, or 不含前期 (储备 cannot start)
    quarter_shares: tuple[Decimal, ...] = (Decimal(25),) * 4  # each quarter's share of the plan
    targets: tuple[Target, ...] = ()  # [[targets]]: units' 年度投资目标 and 开工个数目标
    targets_file: str = ""  # a 目标任务.xlsx the clerk keeps, beside ledgerkit.toml
    fixed_asset_plan: Decimal | None = None  # 万元: the region's 固定资产投资 plan
    score_rules: tuple[ScoreRule, ...] = DEFAULT_SCORE_RULES  # [score] items
    score_name: str = "重点项目考核办法"  # what the bulletin calls the rules
    score_heroes: int = 3  # 红榜（英雄榜）: the first N units
    score_black: int = 1  # 黑榜: the last N units (0: none)
    score_no_data: str = "折算"  # a rate item with no data: 折算 (rescale) or 满分 (full marks)
    problem_days: int = 30  # 问题台账: 时限 when the ledger gives none, days after the month's end
    problem_similarity: float = 0.6  # 问题台账: texts this alike (0-1) are the same problem
    problem_stale_months: int = 3  # 问题台账: a problem open this many months is named
    column_map: tuple[tuple[str, str], ...] = ()  # [columns]: (header text, field key or ignore)
    header_aliases: tuple[tuple[str, str], ...] = ()  # [aliases]: (spelling, field key)
    screen_seconds: int = 15  # the big screen shows each page this many seconds
    bulletin_chart: bool = False  # the bulletin carries the units' completion chart as an image
    workspace: Path | None = None
    warnings: tuple[str, ...] = ()  # for the clerk: keys of ledgerkit.toml that were ignored

    def canonical_unit(self, name: str) -> str:
        """The roster's label for a unit written any of its ways (尹集 = 尹集乡)."""
        wanted = name.strip()
        for unit in self.roster:
            if wanted in (unit.name, unit.short, *unit.aliases):
                return unit.label
        return wanted

    def target_of(self, unit: str) -> Target | None:
        """A unit's targets, whichever way ledgerkit.toml or the workbook spells it."""
        return next((t for t in self.targets if self.canonical_unit(t.unit) == unit), None)

    def template_dirs(self) -> list[Path]:
        """Where templates are looked up: the workspace's copy first, then the defaults."""
        dirs = [self.workspace / "templates"] if self.workspace else []
        return [*dirs, default_templates()]


def default_templates() -> Path:
    """The templates shipped inside the package (ledgerkit/templates/, package data), so an
    installed ledgerkit finds them wherever it runs; never the repository's folder."""
    return Path(__file__).resolve().parent / "templates"


def find_workspace(start: Path) -> Path | None:
    """The nearest folder from `start` upwards that holds a ledgerkit.toml."""
    for folder in (start.resolve(), *start.resolve().parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    return None


def load_settings(
    start: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Resolve the settings once for a command run from `start` (default: the current folder)."""
    workspace = find_workspace(start or Path.cwd())
    values: dict[str, Any] = {}
    warnings: list[str] = []
    if workspace:
        values, warnings = _from_toml(workspace / CONFIG_NAME)
    values.update(_from_env(os.environ if env is None else env))
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    if workspace and not str(values.get("region", "")).strip():
        warnings.append(no_region(workspace / CONFIG_NAME))
    return _build(values, workspace, tuple(warnings))


def no_region(config: Path) -> str:
    """The reminder while a workspace names no region: its titles and 落款 would have none."""
    return (
        f"{config} 中还没有填写地区名称（region），汇总表标题、通报落款和下发的台账里都不会写"
        '地区；请在该文件中填上，例如 region = "樊城区"。'
    )


def issuer_for(region: str) -> str:
    """The bulletin's 落款 when ledgerkit.toml names none."""
    return f"{region}重点项目建设指挥部办公室"


_TOML_KEYS = {
    ("region",): "region",
    ("year",): "year",
    ("money", "default_unit"): "money_unit",
    ("money", "display_unit"): "display_unit",
    ("money", "decimals"): "money_decimals",
    ("rates", "decimals"): "rate_decimals",
    ("status", "yellow_gap"): "yellow_gap",
    ("status", "red_gap"): "red_gap",
    ("status", "low_rate"): "low_rate",
    ("start_rate", "target"): "start_target",
    ("bands", "yi"): "bands",
    ("bulletin", "issuer"): "issuer",
    ("bulletin", "date"): "report_date",
    ("bulletin", "reply_by"): "reply_by",
    ("bulletin", "next_steps"): "next_steps",
    ("bulletin", "chart"): "bulletin_chart",
    ("history", "file"): "history_file",
    ("history", "deadline_day"): "deadline_day",
    ("history", "streak_months"): "streak_months",
    ("history", "same_project"): "renames",
    ("reading", "workers"): "read_workers",
    ("reading", "timeout"): "read_timeout",
    ("reading", "memory_mb"): "read_memory_mb",
    ("start_rate", "base"): "start_rate_base",
    ("assessment", "quarter_shares"): "quarter_shares",
    ("assessment", "targets_file"): "targets_file",
    ("fixed_asset", "plan"): "fixed_asset_plan",
    ("fixed_asset", "unit"): "fixed_asset_unit",
    ("score", "items"): "score_rules",
    ("score", "name"): "score_name",
    ("score", "heroes"): "score_heroes",
    ("score", "black"): "score_black",
    ("score", "no_data"): "score_no_data",
    ("problems", "days"): "problem_days",
    ("problems", "similarity"): "problem_similarity",
    ("problems", "stale_months"): "problem_stale_months",
    ("columns",): "column_map",
    ("aliases",): "header_aliases",
    ("screen", "seconds"): "screen_seconds",
}
TARGET_KEYS = ("unit", "investment", "money_unit", "starts", "quarters")  # each [[targets]]
UNIT_KEYS = ("name", "short", "aliases")  # what each [[units]] entry of the roster may hold

# Top-level sections of ledgerkit.toml that another command owns: accepted as they are, without
# a warning, and not read here. None yet; a command that needs its section read gives it keys in
# _TOML_KEYS (and a Settings field) instead.
OTHER_SECTIONS: frozenset[str] = frozenset()


def _from_toml(path: Path) -> tuple[dict[str, Any], list[str]]:
    try:
        raw = tomllib.loads(path.read_text("utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise BadSettings(f"{path} 无法读取：{exc}。请检查该文件的格式（TOML）。") from exc
    values: dict[str, Any] = {}
    for keys, name in _TOML_KEYS.items():
        node: Any = raw
        for key in keys:
            node = node.get(key) if isinstance(node, dict) else None
        if node is not None:
            values[name] = node
    if isinstance(raw.get("units"), list):
        values["roster"] = raw["units"]
    if isinstance(raw.get("targets"), list):
        values["targets"] = raw["targets"]
    return values, _unread(raw)


def _unread(raw: Mapping[str, Any]) -> list[str]:
    """A message for each key of ledgerkit.toml that nothing reads, in the file's order."""
    sections: dict[str, list[str]] = {}
    for keys in _TOML_KEYS:
        if len(keys) == 2:
            sections.setdefault(keys[0], []).append(keys[1])
    top = [*dict.fromkeys(k[0] for k in _TOML_KEYS), "units", "targets"]
    warnings: list[str] = []
    for key, value in raw.items():
        if key in OTHER_SECTIONS or (key,) in _TOML_KEYS:
            continue
        if key == "units":
            warnings += _unread_units(value)
        elif key == "targets":
            warnings += _unread_list(value, "targets", TARGET_KEYS, "unit")
        elif key in sections and not isinstance(value, dict):
            warnings.append(
                f"{CONFIG_NAME} 中的“{key}”应是一节：单独一行写 [{key}]，"
                "设置项写在它下面；现在这一项已忽略。"
            )
        elif key in sections:
            for sub in value:
                if sub not in sections[key]:
                    hint = _closest(sub, sections[key])
                    hint = f"{key}.{hint}" if hint else _elsewhere(sub)
                    warnings.append(_ignored(f"{key}.{sub}", hint))
        else:
            warnings.append(_ignored(key, _closest(key, top) or _elsewhere(key)))
    return warnings


def _unread_units(units: Any) -> list[str]:
    if not isinstance(units, list):
        return [
            f"{CONFIG_NAME} 中的责任单位名册应写成 [[units]]（两层方括号，每个单位一节），"
            "现在的写法已忽略。"
        ]
    warnings = []
    for number, spec in enumerate(units, 1):
        if not isinstance(spec, dict):
            continue
        name = f"（{spec['name']}）" if isinstance(spec.get("name"), str) else ""
        for key in spec:
            if key not in UNIT_KEYS:
                where = f"第{number}个 [[units]]{name}"
                warnings.append(_ignored(key, _closest(key, UNIT_KEYS), where))
    return warnings


def _unread_list(entries: Any, name: str, keys: tuple[str, ...], label: str) -> list[str]:
    """The unknown keys of each [[name]] entry (a [[targets]] with `investmnet`)."""
    if not isinstance(entries, list):
        return [
            f"{CONFIG_NAME} 中的“{name}”应写成 [[{name}]]（两层方括号，每项一节），现在的写法已忽略。"
        ]
    warnings = []
    for number, spec in enumerate(entries, 1):
        if not isinstance(spec, dict):
            continue
        what = f"（{spec[label]}）" if isinstance(spec.get(label), str) else ""
        for key in spec:
            if key not in keys:
                warnings.append(
                    _ignored(key, _closest(key, keys), f"第{number}个 [[{name}]]{what}")
                )
    return warnings


def _ignored(key: str, hint: str | None, where: str = "") -> str:
    guess = f"；是否想写“{hint}”？" if hint else "。"
    return f"{CONFIG_NAME} 中{where}的设置项“{key}”无法识别，已忽略{guess}"


def _closest(word: str, names: Iterable[str]) -> str | None:
    found = difflib.get_close_matches(word, list(names), n=1)
    return found[0] if found else None


def _elsewhere(word: str) -> str | None:
    """A key in its wrong place (yellow_gap at the top, target under [status]): where it goes,
    when its name (or a close spelling) belongs to one place only."""
    places: dict[str, list[str]] = {}
    for keys in _TOML_KEYS:
        places.setdefault(keys[-1], []).append(".".join(keys))
    unique = {last: dotted[0] for last, dotted in places.items() if len(dotted) == 1}
    found = _closest(word, unique)
    return unique[found] if found else None


def _from_env(env: Mapping[str, str]) -> dict[str, Any]:
    names = {f.name for f in fields(Settings)} - {
        "roster",
        "workspace",
        "warnings",
        "bands",
        "next_steps",
        "quarter_shares",
        "targets",
        "fixed_asset_unit",
        "score_rules",
        "column_map",
        "header_aliases",
    }
    return {
        name: env[ENV_PREFIX + name.upper()]
        for name in names
        if env.get(ENV_PREFIX + name.upper(), "") != ""
    }


def _build(values: dict[str, Any], workspace: Path | None, warnings: tuple[str, ...]) -> Settings:
    base = Settings(workspace=workspace, warnings=warnings)
    converted: dict[str, Any] = {}
    for f in fields(Settings):
        if f.name not in values:
            continue
        try:
            converted[f.name] = _convert(f.name, values[f.name])
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise BadSettings(f"设置项 {f.name} 的值“{values[f.name]}”不可用：{exc}") from exc
    if "fixed_asset_plan" in converted:
        unit = str(values.get("fixed_asset_unit", "亿元"))
        if unit not in MONEY_FACTORS:
            raise BadSettings(f"fixed_asset.unit 应为 万元 或 亿元，现在是“{unit}”")
        converted["fixed_asset_plan"] *= MONEY_FACTORS[unit]
    converted.pop("fixed_asset_unit", None)
    settings = replace(base, **converted)
    if settings.money_unit not in ("万元", "亿元", "元", "千元"):
        raise BadSettings(f"默认金额单位“{settings.money_unit}”应为 万元、亿元 或 元")
    if settings.display_unit not in ("万元", "亿元"):
        raise BadSettings(f"表格金额单位“{settings.display_unit}”应为 万元 或 亿元")
    if settings.start_rate_base not in START_BASES:
        raise BadSettings(
            f"start_rate.base 应为 {' 或 '.join(START_BASES)}，现在是“{settings.start_rate_base}”"
        )
    if settings.score_no_data not in ("折算", "满分"):
        raise BadSettings(f"score.no_data 应为 折算 或 满分，现在是“{settings.score_no_data}”")
    if len(settings.quarter_shares) != 4 or not sum(settings.quarter_shares):
        raise BadSettings("assessment.quarter_shares 应是四个季度的比例，如 [25, 25, 25, 25]")
    if not settings.yellow_gap <= settings.red_gap:
        raise BadSettings("status.yellow_gap 应不大于 status.red_gap")
    return settings


def _convert(name: str, value: Any) -> Any:
    if name in (
        "year",
        "money_decimals",
        "rate_decimals",
        "start_target",
        "deadline_day",
        "streak_months",
        "read_workers",
        "read_timeout",
        "read_memory_mb",
        "score_heroes",
        "score_black",
        "problem_days",
        "problem_stale_months",
        "screen_seconds",
    ):
        number = int(value)
        if number < 0:
            raise ValueError("不能为负数")
        if name == "read_timeout" and number == 0:
            raise ValueError("至少 1 秒")
        return number or (None if name == "start_target" else 0)
    if name == "bulletin_chart":
        return _flag(value)
    if name in ("yellow_gap", "red_gap", "low_rate", "fixed_asset_plan"):
        return Decimal(str(value))
    if name == "problem_similarity":
        ratio = float(value)
        if not 0 < ratio <= 1:
            raise ValueError("应在 0 和 1 之间，如 0.6")
        return ratio
    if name == "bands":
        return tuple(sorted((Decimal(str(v)) for v in value), reverse=True))
    if name == "next_steps":
        return tuple(str(v) for v in value)
    if name == "renames":
        return tuple((str(old), str(new)) for old, new in value)
    if name == "roster":
        return tuple(_unit(u) for u in value)
    if name == "quarter_shares":
        return tuple(Decimal(str(v)) for v in value)
    if name == "targets":
        return tuple(_target(t, n) for n, t in enumerate(value, 1))
    if name == "score_rules":
        return tuple(_score_rule(r, n) for n, r in enumerate(value, 1))
    if name in ("column_map", "header_aliases"):
        return _header_rules(name, value)
    return str(value)


MONEY_FACTORS = {"万元": Decimal(1), "亿元": Decimal(10000)}


def _target(spec: Any, number: int) -> Target:
    """One [[targets]] entry: money in the unit it states (money_unit, default 万元)."""
    if not isinstance(spec, dict) or not str(spec.get("unit", "")).strip():
        raise ValueError(f"第{number}个 [[targets]] 要写 unit（责任单位）")
    unit = str(spec.get("money_unit", "万元"))
    if unit not in MONEY_FACTORS:
        raise ValueError(f"第{number}个 [[targets]] 的 money_unit 应为 万元 或 亿元")
    factor = MONEY_FACTORS[unit]
    investment = spec.get("investment")
    quarters = tuple(Decimal(str(q)) * factor for q in spec.get("quarters", ()))
    if quarters and len(quarters) != 4:
        raise ValueError(f"第{number}个 [[targets]] 的 quarters 应是四个季度的目标")
    return Target(
        str(spec["unit"]).strip(),
        None if investment is None else Decimal(str(investment)) * factor,
        None if spec.get("starts") is None else int(spec["starts"]),
        quarters,
    )


def _score_rule(spec: Any, number: int) -> ScoreRule:
    """One [score] items entry: {item = "投资完成率", weight = 60} or {item = "逾期报送", per = -2}."""
    if not isinstance(spec, dict) or not str(spec.get("item", "")).strip():
        raise ValueError(f"[score] items 的第{number}项要写 item（考核项目名称）")
    unknown = [k for k in spec if k not in SCORE_RULE_KEYS]
    if unknown:
        raise ValueError(f"[score] items 的第{number}项有无法识别的设置“{'、'.join(unknown)}”")

    def number_of(key: str) -> Decimal | None:
        return None if spec.get(key) is None else Decimal(str(spec[key]))

    return ScoreRule(
        str(spec["item"]).strip(),
        number_of("weight") or Decimal(0),
        number_of("full_at") or Decimal(100),
        number_of("per"),
        number_of("max"),
    )


def _flag(value: Any) -> bool:
    """true/false in ledgerkit.toml; 1/0, true/false, 是/否 in an environment variable."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on", "是"):
        return True
    if text in ("0", "false", "no", "off", "否", ""):
        return False
    raise ValueError("应为 true 或 false")


def _unit(spec: Any) -> Unit:
    if isinstance(spec, str):
        return Unit(spec)
    if not isinstance(spec, dict) or "name" not in spec:
        raise ValueError("每个责任单位都要写 name（单位全称）")
    aliases = spec.get("aliases", [])
    return Unit(str(spec["name"]), str(spec.get("short", "")), tuple(map(str, aliases)))


def _header_rules(name: str, value: Any) -> tuple[tuple[str, str], ...]:
    """[columns] "表头" = "字段" (or "ignore"), [aliases] 字段 = ["写法", …], the field by its
    key or its Chinese label: checked here, so a typo stops the run with the list of fields."""
    from ledgerkit.columns import IGNORE, field_key
    from ledgerkit.schema import load_schema

    schema = load_schema()
    section = "columns" if name == "column_map" else "aliases"
    if not isinstance(value, dict):
        raise BadSettings(
            f"{CONFIG_NAME} 中的 [{section}] 应是一节：单独一行写 [{section}]，下面逐行写"
        )
    fields = "、".join(f.label for f in schema.fields.values())
    out: list[tuple[str, str]] = []
    for left, right in value.items():
        target = left if section == "aliases" else right
        key = field_key(str(target), schema) if isinstance(target, str) else None
        if key is None or (section == "aliases" and key == IGNORE):
            raise BadSettings(
                f"{CONFIG_NAME} 的 [{section}] 中“{target}”不是 ledgerkit 的字段；可写的字段有："
                f"{fields}" + ("，或 ignore（忽略该列）" if section == "columns" else "")
            )
        if section == "columns":
            out.append((str(left), key))
        else:
            spellings = [right] if isinstance(right, str) else right
            out += [(str(s), key) for s in spellings]
    return tuple(out)
