"""A headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe:
no port, no network), for the tests of the big screen: console errors, every request the page
makes, JavaScript evaluated in the page, screenshots. POSIX only (the pipe is fds 3 and 4)."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from ledgerkit.browser import find_browser, headless_args


def browser_or_reason() -> tuple[str | None, str]:
    """The browser to test with, or why the browser tests are skipped."""
    if os.name != "posix":
        return None, "the DevTools pipe needs POSIX file descriptors"
    found = find_browser()
    if found is None:
        return None, "no Chromium here (.ci/run installs Debian's chromium when it can)"
    return found, ""


class Page:
    """One tab of a headless browser; events (console, requests) are collected as they come."""

    def __init__(self, browser: str) -> None:
        self._profile = tempfile.mkdtemp(prefix="ledgerkit-cdp-")
        to_browser_r, self._out = os.pipe()
        self._in, from_browser_w = os.pipe()
        args = [a for a in headless_args(browser, Path(self._profile)) if a != "--headless"]
        args = [args[0], "--headless=new", *args[1:], "--remote-debugging-pipe", "about:blank"]

        def fds() -> None:  # the pipe's ends as fds 3 and 4, whatever numbers they had
            r, w = os.dup(to_browser_r), os.dup(from_browser_w)
            os.dup2(r, 3)
            os.dup2(w, 4)

        self._proc = subprocess.Popen(
            args,
            pass_fds=(3, 4, to_browser_r, from_browser_w),
            preexec_fn=fds,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next = 0
        self.events: list[dict[str, Any]] = []
        target = self._call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self._session = self._call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": 1920, "height": 1080, "deviceScaleFactor": 1, "mobile": False},
        )

    # --- the protocol ---

    def _send(self, message: dict[str, Any]) -> int:
        self._next += 1
        message["id"] = self._next
        os.write(self._out, json.dumps(message).encode() + b"\0")
        return self._next

    def _read(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            chunk = os.read(self._in, 1 << 20)
            if not chunk:
                raise RuntimeError("the browser closed its pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def _call(self, method: str, params: dict[str, Any] | None = None, session: str = "") -> Any:
        message: dict[str, Any] = {"method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        wanted = self._send(message)
        while True:
            reply = self._read()
            if reply.get("id") == wanted:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        return self._call(method, params, self._session)

    def wait_for(self, method: str, seconds: float = 60) -> None:
        """Until the event comes (a bound that only stops a hung browser, never a measure)."""
        end = time.monotonic() + seconds
        while not any(e["method"] == method for e in self.events):
            if time.monotonic() > end:
                raise RuntimeError(f"no {method}")
            self.events.append(self._read())

    # --- what the tests use ---

    def open(self, url: str) -> None:
        """Load `url` afresh (by way of a blank page: a change of #fragment alone would not
        load the document again), its events only kept."""
        for address in ("about:blank", url):
            self.events.clear()
            self.call("Page.navigate", {"url": address})
            self.wait_for("Page.loadEventFired")

    def js(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(str(result["exceptionDetails"]))
        return result["result"].get("value")

    def screenshot(self, path: Path) -> Path:
        data = self.call("Page.captureScreenshot", {"format": "png"})["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and browser log errors seen so far."""
        found = []
        for e in self.events:
            p = e.get("params", {})
            if e["method"] == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                found.append(json.dumps(p.get("args"), ensure_ascii=False))
            elif e["method"] == "Runtime.exceptionThrown":
                found.append(json.dumps(p.get("exceptionDetails"), ensure_ascii=False))
            elif e["method"] == "Log.entryAdded" and p["entry"].get("level") == "error":
                found.append(p["entry"].get("text", ""))
        return found

    def requests(self) -> list[str]:
        """Every URL the page asked for."""
        return [
            e["params"]["request"]["url"]
            for e in self.events
            if e["method"] == "Network.requestWillBeSent"
        ]

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, OSError):
            self._call("Browser.close")
        try:
            self._proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        os.close(self._out)
        os.close(self._in)
        shutil.rmtree(self._profile, ignore_errors=True)
