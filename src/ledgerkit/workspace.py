"""A clerk's workspace: a commented ledgerkit.toml and a copy of the default templates."""

from __future__ import annotations

import shutil
from pathlib import Path

from ledgerkit.errors import LedgerkitError
from ledgerkit.settings import CONFIG_NAME, default_templates

# What the clerk edits (the two Word templates) and the guide to editing them; nothing else
# that ships with the package is copied.
CLERK_FILES = ("通报.docx", "督办通知单.docx", "README.md")


class WorkspaceExists(LedgerkitError):
    """init would overwrite a workspace the clerk has already set up."""


def init_workspace(folder: Path, force: bool = False) -> list[Path]:
    """Create `folder`/ledgerkit.toml and `folder`/templates/; returns the files written.
    An existing ledgerkit.toml or template is never overwritten unless `force`."""
    source = default_templates()
    config = folder / CONFIG_NAME
    if config.exists() and not force:
        raise WorkspaceExists(f"{config} 已存在，未做改动；要恢复默认设置请加 --force")
    folder.mkdir(parents=True, exist_ok=True)
    written = [config]
    shutil.copyfile(source / CONFIG_NAME, config)
    target = folder / "templates"
    target.mkdir(exist_ok=True)
    for name in CLERK_FILES:
        item, dest = source / name, target / name
        if dest.exists() and not force:
            continue
        shutil.copyfile(item, dest)
        written.append(dest)
    return written
