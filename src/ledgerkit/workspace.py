"""A clerk's workspace: a commented ledgerkit.toml for the clerk's own region (its roster, when
asked, the units of a merged month) and a copy of the Word templates to edit.

Nothing of another county is written live: the region and the issuer come from the clerk, the
roster is empty or built from the units that really reported, and every example stays a
comment. A unit's spellings become its aliases only where the names tell it (尹集 and 尹集乡,
卧龙镇 and 卧龙镇人民政府, 樊城区牛首镇 and 牛首镇); two units are never joined on a guess.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from ledgerkit.errors import LedgerkitError
from ledgerkit.merging import FAILED, MergeResult
from ledgerkit.output import atomic_write
from ledgerkit.settings import CONFIG_NAME, Unit, default_templates, issuer_for

# What the clerk edits (the two Word templates) and the guide to editing them; nothing else
# that ships with the package is copied.
CLERK_FILES = (
    "通报.docx",
    "督办通知单.docx",
    "季度通报.docx",
    "交办督办函.docx",
    "包抓领导.docx",
    "README.md",
)
_ROSTER_BEFORE = "\n[bulletin]\n"  # the generated roster goes after the commented example
_OFFICE = re.compile(r"(人民政府|办事处|管理委员会|管委会)$")
_PLACES = ("乡", "镇", "街道")  # 尹集 is 尹集乡 when no 尹集镇 or 尹集街道 is seen


class WorkspaceExists(LedgerkitError):
    """init would overwrite a workspace the clerk has already set up."""


@dataclass(frozen=True)
class Workspace:
    """What init made: the files written and what went into ledgerkit.toml."""

    config: Path
    written: tuple[Path, ...]
    region: str
    issuer: str
    roster: tuple[Unit, ...] = ()
    unread: tuple[str, ...] = ()  # files of the --from folder that could not be read, and why


def init_workspace(
    folder: Path,
    force: bool = False,
    *,
    region: str = "",
    issuer: str = "",
    month: MergeResult | None = None,
) -> Workspace:
    """Create `folder`/ledgerkit.toml for `region` and `folder`/templates/. The issuer defaults
    to the region's 指挥部办公室; the roster is empty, or the units of `month` (a month's
    ledgers merged without a roster). An existing ledgerkit.toml or template is never
    overwritten unless `force`."""
    ensure_new(folder, force)
    region = region.strip()
    issuer = issuer.strip() or (issuer_for(region) if region else "")
    roster, unread = roster_of(month, region) if month is not None else ((), ())
    where = month.period.key if month is not None and month.period else ""
    config = folder / CONFIG_NAME
    text = settings_text(region, issuer, roster, where)
    # like every output: whole or not at all, the umask's permissions, a full disk in Chinese
    atomic_write(config, lambda tmp: tmp.write_text(text, "utf-8"), "设置文件")
    copied = _copy_templates(folder / "templates", force)
    return Workspace(config, (config, *copied), region, issuer, roster, unread)


def ensure_new(folder: Path, force: bool = False) -> None:
    """Refuse (WorkspaceExists) to set up a folder that already holds a ledgerkit.toml."""
    config = folder / CONFIG_NAME
    if config.exists() and not force:
        raise WorkspaceExists(f"{config} 已存在，未做改动；要恢复默认设置请加 --force")


def _copy_templates(target: Path, force: bool) -> list[Path]:
    source = default_templates()
    written = []
    for name in CLERK_FILES:
        dest = target / name
        if force or not dest.exists():
            atomic_write(dest, partial(shutil.copyfile, source / name), "模板")
            written.append(dest)
    return written


# --- ledgerkit.toml --------------------------------------------------------------------------


def settings_text(region: str, issuer: str, roster: tuple[Unit, ...] = (), month: str = "") -> str:
    """The commented default ledgerkit.toml with the region, the issuer and the roster in it."""
    text = (default_templates() / CONFIG_NAME).read_text("utf-8")
    text = _set(text, "region", region)
    text = _set(text, "issuer", issuer)
    if roster:
        head, found, tail = text.partition(_ROSTER_BEFORE)
        if not found:
            raise ValueError(f"默认 {CONFIG_NAME} 中没有 [bulletin] 一节，无法写入名册")
        text = f"{head}\n{_roster_text(roster, month)}{found}{tail}"
    return text


def _set(text: str, key: str, value: str) -> str:
    """`key = ""` of the template, given its value (left as the placeholder when empty)."""
    if not value:
        return text
    line = f"{key} = {toml_string(value)}"
    text, count = re.subn(rf'^{key} = ""$', lambda _: line, text, count=1, flags=re.MULTILINE)
    if count != 1:
        raise ValueError(f'默认 {CONFIG_NAME} 中没有“{key} = ""”一行')
    return text


def _roster_text(roster: tuple[Unit, ...], month: str) -> str:
    lines = [f"# 以下名册按{month}报来的台账生成（{len(roster)}个单位），请核对：", ""]
    for unit in roster:
        lines += ["[[units]]", f"name = {toml_string(unit.name)}"]
        if unit.aliases:
            lines.append(f"aliases = [{', '.join(toml_string(a) for a in unit.aliases)}]")
        lines.append("")
    return "\n".join(lines)


def toml_string(value: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = ['"']
    for ch in value:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return "".join(out) + '"'


# --- the roster of a month ----------------------------------------------------------------------


def roster_of(result: MergeResult, region: str = "") -> tuple[tuple[Unit, ...], tuple[str, ...]]:
    """One unit per unit seen in a month's ledgers (merged with no roster, so each spelling is
    as written), its other spellings as aliases; and the files that could not be read (their
    units may be missing)."""
    counts: dict[str, int] = {}  # spelling -> projects written under it
    for project in result.projects:
        if project.unit:
            counts[project.unit] = counts.get(project.unit, 0) + 1
    own = set(counts)
    for led in (led for f in result.files for led in f.ledgers if led.unit):
        counts.setdefault(led.unit, 0)
        if not led.projects:
            own.add(led.unit)  # a unit that sent an empty ledger still reports
    unread = tuple(f"{f.label}（{f.reason}）" for f in result.files if f.status == FAILED)
    return group_spellings(counts, own, region), unread


def group_spellings(counts: dict[str, int], own: set[str], region: str = "") -> tuple[Unit, ...]:
    """Units from spellings: spellings that name one unit are joined (the same name less
    人民政府/办事处/管委会 or the region's prefix, or the name plus one of 乡/镇/街道 when only
    one such unit is seen). A group with no spelling of its `own` (a title naming the sender
    of a department's file) is dropped. In first-seen order; the name is the plainest spelling."""
    names = list(counts)
    parent = {n: n for n in names}

    def root(n: str) -> str:
        while parent[n] != n:
            n = parent[n]
        return n

    cores = {n: _core(n, region) for n in names}
    by_core: dict[str, list[str]] = {}
    for n in names:
        by_core.setdefault(cores[n], []).append(n)
    for n in names:
        fuller = {cores[n] + place for place in _PLACES} & set(by_core)
        linked = by_core[cores[n]] + (by_core[fuller.pop()] if len(fuller) == 1 else [])
        for other in linked:
            parent[root(other)] = root(n)
    groups: dict[str, list[str]] = {}
    for n in names:
        groups.setdefault(root(n), []).append(n)
    units = []
    for members in groups.values():
        if own.isdisjoint(members):
            continue
        name = min(members, key=lambda m: (m != cores[m], -len(m), -counts[m], m))
        units.append(Unit(name, aliases=tuple(sorted(m for m in members if m != name))))
    return tuple(units)


def _core(name: str, region: str) -> str:
    """卧龙镇 for 卧龙镇人民政府 and for 襄城区卧龙镇 (region 襄城区)."""
    if region and name.startswith(region) and len(name) > len(region):
        name = name[len(region) :]
    return _OFFICE.sub("", name) or name
