"""One merge at a time in a workspace: a lock file next to the history store, held while a
month is merged, written and recorded (and while the store is rebuilt), so that two runs can
never leave a workbook and a store that disagree.

The lock file says who holds it (process, computer, since when). A lock left by a run that
died on this computer (its process is gone) is broken; one held by a live process, or by
another computer sharing the folder, stops the second run with a message naming the file to
delete if the clerk knows no ledgerkit is running.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ledgerkit.errors import WorkspaceBusy

LOCK_SUFFIX = ".lock"


def lock_path(store: Path) -> Path:
    """The lock file of the workspace whose history store is `store`."""
    return store.with_name(store.name + LOCK_SUFFIX)


@contextmanager
def workspace_lock(store: Path) -> Iterator[None]:
    """Hold the workspace's lock for the block. Raises WorkspaceBusy when another ledgerkit
    holds it. A folder where no lock can be made (read-only) is not locked: the store there
    cannot be written either, and the merge says so."""
    path = lock_path(store)
    held = _acquire(path)
    try:
        yield
    finally:
        if held:
            path.unlink(missing_ok=True)


def _acquire(path: Path) -> bool:
    """True when this process now holds the lock; False when no lock can be made there."""
    host = socket.gethostname()
    me = {"pid": os.getpid(), "host": host, "since": _now()}
    for _attempt in range(2):  # a second try after breaking a dead run's lock
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder = _holder(path)
            if not _stale(holder, host) or not _break(path, holder):
                raise WorkspaceBusy(_busy(path, holder)) from None
            continue
        except OSError:
            return False
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(me, fh, ensure_ascii=False)
        return True
    raise WorkspaceBusy(_busy(path, _holder(path)))


def _break(path: Path, stale: dict[str, Any]) -> bool:
    """Remove a dead run's lock, one breaker at a time: two runs that both found it stale must
    not both remove it (the second would remove the first's new lock). The breaker holds
    `….lock.break` while it checks the lock is still the dead one's. False: another run is
    breaking it, or has already taken the workspace."""
    guard = path.with_name(path.name + ".break")
    try:
        os.close(os.open(guard, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
    except OSError:
        return False
    try:
        if _holder(path) != stale:
            return False
        path.unlink(missing_ok=True)
        return True
    finally:
        guard.unlink(missing_ok=True)


def _holder(path: Path) -> dict[str, Any]:
    """What the lock file says; {} when it cannot be read (being written, or damaged)."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _stale(holder: dict[str, Any], host: str) -> bool:
    """A lock of this computer whose process is gone. A lock that cannot be read, or of
    another computer (a shared folder), is never taken for stale: a guess could let two
    merges run at once."""
    pid = holder.get("pid")
    if not isinstance(pid, int) or holder.get("host") != host:
        return False
    return not _alive(pid)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if sys.platform == "win32":  # os.kill(pid, 0) would send CTRL_C_EVENT on Windows
        import ctypes

        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def _busy(path: Path, holder: dict[str, Any]) -> str:
    who = "，".join(
        part
        for part in (
            f"进程 {holder['pid']}" if holder.get("pid") else "",
            f"电脑 {holder['host']}" if holder.get("host") else "",
            f"{holder['since']} 开始" if holder.get("since") else "",
        )
        if part
    )
    return (
        f"另一个 ledgerkit 正在汇总此工作区（{who or '锁文件无法读取'}），请等它结束后再运行。"
        f"如果确定没有别的 ledgerkit 在运行，删除“{path}”后重试"
    )


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")
