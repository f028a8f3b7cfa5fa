"""A clerk's workspace: a commented ledgerkit.toml for the clerk's own region and a copy of the
Word templates to edit.

Nothing of another county is written live: the region and the issuer come from the clerk, the
roster is empty (the units that really report are counted), and every example stays a comment.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from ledgerkit.errors import LedgerkitError
from ledgerkit.settings import CONFIG_NAME, default_templates, issuer_for

# What the clerk edits (the two Word templates) and the guide to editing them; nothing else
# that ships with the package is copied.
CLERK_FILES = ("通报.docx", "督办通知单.docx", "README.md")


class WorkspaceExists(LedgerkitError):
    """init would overwrite a workspace the clerk has already set up."""


@dataclass(frozen=True)
class Workspace:
    """What init made: the files written and what went into ledgerkit.toml."""

    config: Path
    written: tuple[Path, ...]
    region: str
    issuer: str


def init_workspace(
    folder: Path,
    force: bool = False,
    *,
    region: str = "",
    issuer: str = "",
) -> Workspace:
    """Create `folder`/ledgerkit.toml for `region` and `folder`/templates/. The issuer defaults
    to the region's 指挥部办公室; the roster is empty. An existing ledgerkit.toml or template
    is never overwritten unless `force`."""
    ensure_new(folder, force)
    region = region.strip()
    issuer = issuer.strip() or (issuer_for(region) if region else "")
    config = folder / CONFIG_NAME
    folder.mkdir(parents=True, exist_ok=True)
    config.write_text(settings_text(region, issuer), "utf-8")
    copied = _copy_templates(folder / "templates", force)
    return Workspace(config, (config, *copied), region, issuer)


def ensure_new(folder: Path, force: bool = False) -> None:
    """Refuse (WorkspaceExists) to set up a folder that already holds a ledgerkit.toml."""
    config = folder / CONFIG_NAME
    if config.exists() and not force:
        raise WorkspaceExists(f"{config} 已存在，未做改动；要恢复默认设置请加 --force")


def _copy_templates(target: Path, force: bool) -> list[Path]:
    source = default_templates()
    target.mkdir(exist_ok=True)
    written = []
    for name in CLERK_FILES:
        dest = target / name
        if force or not dest.exists():
            shutil.copyfile(source / name, dest)
            written.append(dest)
    return written


# --- ledgerkit.toml --------------------------------------------------------------------------


def settings_text(region: str, issuer: str) -> str:
    """The commented default ledgerkit.toml with the region and the issuer in it."""
    text = (default_templates() / CONFIG_NAME).read_text("utf-8")
    return _set(_set(text, "region", region), "issuer", issuer)


def _set(text: str, key: str, value: str) -> str:
    """`key = ""` of the template, given its value (left as the placeholder when empty)."""
    if not value:
        return text
    line = f"{key} = {toml_string(value)}"
    text, count = re.subn(rf'^{key} = ""$', lambda _: line, text, count=1, flags=re.MULTILINE)
    if count != 1:
        raise ValueError(f'默认 {CONFIG_NAME} 中没有“{key} = ""”一行')
    return text


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
