"""Installed from its wheel, ledgerkit runs anywhere: everything a command needs ships inside.

The wheel is built from a copy of the repository (so the build leaves nothing in it), installed
into a fresh virtual environment, and run from a folder outside the repository the way a clerk
runs it. The environment sees the packages of the one running the tests (so no dependency is
downloaded) but no other ledgerkit: neither this repository's src/ nor an editable install.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
from docx import Document

from ledgerkit import settings as settings_module
from ledgerkit.bulletin import TemplateError, find_template
from ledgerkit.settings import Settings

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples" / "2024-04"


def _run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run without this checkout on the path: PYTHONPATH=src would shadow the installed copy."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("LEDGER")}
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )


def _ok(result: subprocess.CompletedProcess[str], *codes: int) -> str:
    assert result.returncode in (codes or (0,)), result.stdout + result.stderr
    return result.stdout


def _build_wheel(root: Path) -> Path:
    source = root / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    shutil.copytree(REPO / "src", source / "src", ignore=ignore)
    dist = root / "dist"
    pip = (sys.executable, "-m", "pip")
    _ok(_run(*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", dist, source))
    (wheel,) = dist.glob("ledgerkit-*.whl")
    return wheel


def _site_packages_without_ledgerkit() -> list[str]:
    """The folders this interpreter imports from, less any that holds a ledgerkit package."""
    return [
        entry
        for entry in sys.path
        if entry
        and Path(entry).is_dir()
        and Path(entry).resolve() != REPO / "tests"
        and not (Path(entry) / "ledgerkit" / "__init__.py").exists()
    ]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build_wheel(tmp_path_factory.mktemp("build"))


@pytest.fixture(scope="module")
def bin_dir(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed: its scripts folder."""
    env_dir = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=False, symlinks=os.name != "nt").create(env_dir)
    scripts = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = scripts / ("python.exe" if os.name == "nt" else "python")
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    purelib = Path(_ok(_run(python, "-c", code)).strip())
    # a .pth line is a plain path: the .pth files in those folders (an editable ledgerkit's
    # among them) are not run, so the only ledgerkit the venv can import is the wheel's
    (purelib / "zz_dependencies.pth").write_text(
        "\n".join(_site_packages_without_ledgerkit()) + "\n", "utf-8"
    )
    pip = (python, "-m", "pip", "--disable-pip-version-check")
    _ok(_run(*pip, "install", "--no-deps", "--no-index", "--ignore-installed", wheel))
    where = _ok(_run(python, "-c", "import ledgerkit; print(ledgerkit.__file__)")).strip()
    assert Path(where).resolve().is_relative_to(env_dir.resolve()), where
    return scripts


def test_the_wheel_ships_the_templates_and_not_their_generator(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for name in ("通报.docx", "督办通知单.docx", "季度通报.docx", "ledgerkit.toml", "README.md"):
        assert f"ledgerkit/templates/{name}" in names
    assert "ledgerkit/schema.toml" in names
    assert not [n for n in names if n.endswith("make_templates.py")]


def test_installed_ledgerkit_runs_the_month_outside_the_repository(bin_dir, tmp_path):
    ledgerkit = bin_dir / ("ledgerkit.exe" if os.name == "nt" else "ledgerkit")
    work = tmp_path / "重点项目"
    work.mkdir()
    assert not work.resolve().is_relative_to(REPO)

    shutil.copytree(SAMPLES, work / "2024-04")
    out = _ok(_run(ledgerkit, "init", "--region", "襄城区", "--from", "2024-04", cwd=work))
    assert "ledgerkit.toml" in out and "责任单位名册 9 个" in out
    copied = sorted(p.name for p in (work / "templates").iterdir())
    assert copied == sorted(
        [
            "README.md",
            "通报.docx",
            "督办通知单.docx",
            "季度通报.docx",
            "交办督办函.docx",
            "包抓领导.docx",
        ]
    )  # no make_templates.py

    # the samples carry errors on purpose: exit 1, outputs written all the same
    _ok(_run(ledgerkit, "merge", "2024-04", "-o", "2024-04汇总.xlsx", cwd=work), 1)
    assert (work / "2024-04汇总.xlsx").is_file()

    _ok(_run(ledgerkit, "report", "2024-04汇总.xlsx", "-o", "通报.docx", cwd=work), 1)
    text = "\n".join(p.text for p in Document(str(work / "通报.docx")).paragraphs)
    assert "2024年1-4月" in text and "重点项目45个" in text and "开工率75.6%" in text
    assert "襄城区重点项目建设指挥部办公室" in text  # the issuer init wrote for the region

    _ok(_run(ledgerkit, "notices", "2024-04汇总.xlsx", "-o", "督办.docx", cwd=work), 1)
    notices = Document(str(work / "督办.docx"))
    assert any(p.text == "重点项目督办通知单" for p in notices.paragraphs)
    cells = {c.text for t in notices.tables for row in t.rows for c in row.cells}
    assert "襄城区公交首末站及充电桩建设项目" in cells

    out = _ok(_run(ledgerkit, "template", "--period", "2024-05", "-o", "forms", cwd=work))
    forms = sorted(p.name for p in (work / "forms").iterdir())
    assert len(forms) == 9 and all(name.endswith(".xlsx") for name in forms)  # one a unit
    assert all(name in out for name in forms)


def test_a_missing_default_template_asks_for_a_reinstall_not_for_init(tmp_path, monkeypatch):
    """init copies from the installed defaults: advising it when they are gone sends the clerk
    round in a circle."""
    monkeypatch.setattr(settings_module, "default_templates", lambda: tmp_path)
    with pytest.raises(TemplateError, match="重新安装 ledgerkit") as exc:
        find_template("通报.docx", Settings())
    assert "init" not in str(exc.value)
