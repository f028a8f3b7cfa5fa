"""A headless Chromium (or Chrome, or Edge) found on this computer, used to render the big
screen's pages as 1920×1080 PNGs for screens that only take images.

Nothing is downloaded: a browser that is not installed is a clear error, and the HTML itself
forbids the browser any request (its Content-Security-Policy), so rendering is offline.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ledgerkit.errors import LedgerkitError

NAMES = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
    "msedge",
)
WINDOWS_PLACES = (  # where Windows keeps them when they are not on PATH
    r"Microsoft\Edge\Application\msedge.exe",
    r"Google\Chrome\Application\chrome.exe",
)
RENDER_SECONDS = 120  # one page: a browser that hangs longer is stopped and named


class NoBrowser(LedgerkitError):
    """No Chromium, Chrome or Edge could be found or started to render the pages."""


def find_browser() -> str | None:
    """The first Chromium-family browser found: LEDGERKIT_BROWSER, then PATH, then the usual
    Windows folders."""
    named = os.environ.get("LEDGERKIT_BROWSER", "")
    if named:
        return named if Path(named).is_file() else shutil.which(named)
    for name in NAMES:
        if found := shutil.which(name):
            return found
    for base in filter(None, (os.environ.get(v) for v in ("PROGRAMFILES(X86)", "PROGRAMFILES"))):
        for tail in WINDOWS_PLACES:
            if (Path(base) / tail).is_file():
                return str(Path(base) / tail)
    return None


def headless_args(browser: str, profile: Path) -> list[str]:
    """The flags of a quiet, offline, throw-away headless browser."""
    args = [
        browser,
        "--headless",
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--mute-audio",
        f"--user-data-dir={profile}",
        "--window-size=1920,1080",
        "--force-device-scale-factor=1",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # Chromium refuses root without it
        args.append("--no-sandbox")
    return args


def screenshots(html: Path, keys: list[str], folder: Path) -> list[Path]:
    """Each page of the screen (by key) as `folder/NN-key.png`, 1920×1080."""
    browser = find_browser()
    if browser is None:
        raise NoBrowser(
            "找不到 Chromium、Chrome 或 Edge 浏览器，无法把大屏导出为图片。请安装其中一个"
            "（或用环境变量 LEDGERKIT_BROWSER 指明浏览器程序的位置）后重试；"
            "不加 --png 时照样写出网页。"
        )
    folder.mkdir(parents=True, exist_ok=True)
    url = html.resolve().as_uri()
    written = []
    with tempfile.TemporaryDirectory(prefix="ledgerkit-browser-") as profile:
        for n, key in enumerate(keys, 1):
            out = folder / f"{n:02d}-{key}.png"
            args = [*headless_args(browser, Path(profile)), f"--screenshot={out}"]
            _run([*args, f"{url}#page={key}"], out)
            written.append(out)
    return written


def _run(args: list[str], out: Path) -> None:
    try:
        done = subprocess.run(args, capture_output=True, timeout=RENDER_SECONDS, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise NoBrowser(f"浏览器 {args[0]} 无法运行：{exc}") from exc
    if not out.is_file():
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise NoBrowser(f"浏览器没有写出 {out.name}（退出码 {done.returncode}）：{' '.join(said)}")
