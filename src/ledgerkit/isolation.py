"""Each file read in a worker process, so that no file can end the run.

A parser fed hostile bytes can do what no `except` catches: abort the process (a Rust
allocation failure or panic inside calamine), exhaust memory, or never return. Each file is
therefore read (and normalised and checked: the whole of `loading.load_file`) in one of a
few worker processes, as many as the machine has cores. A worker that dies, runs past
`timeout` seconds on one file or past its memory cap is replaced, and that file alone becomes
`file-unreadable` with the reason; the others are read on. The CPU-heavy reading stage runs
on every core on the way.

Workers are started with `spawn` on every platform (what Windows has), so nothing here
relies on fork. A worker caps its own memory: RLIMIT_AS on POSIX, a Job Object on Windows;
where neither can be set, the timeout and the pre-parse limits of `read/limits.py` remain.
The limits in `read/limits.py` are sent along with each file, so a limit a test lowers in
this process holds in the worker too.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
import tempfile
import time
import types
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledgerkit.errors import LedgerkitError
from ledgerkit.issues import issue
from ledgerkit.merging import FAILED, FileResult
from ledgerkit.read import limits

if TYPE_CHECKING:  # multiprocessing is imported when workers start: one file read here needs none
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

Task = Callable[[Path], FileResult]  # one path in, one FileResult out; must pickle
OnFile = Callable[[int, int], None]  # progress: (files read so far, files to read)

START_TIMEOUT = 120.0  # seconds a worker may take to start (a slow PC, an antivirus scan)
_ADVICE = "文件可能已损坏或是恶意构造的，已跳过此文件，其余文件照常汇总；请该单位在 Excel 或 WPS 中打开、另存为 .xlsx 后重新报送"


class ReadersFailed(LedgerkitError):
    """The worker processes that read the files could not be started."""


@dataclass(frozen=True)
class Guard:
    """How files are read: by `workers` processes (0: in this process, unprotected, for
    debugging), each file within `timeout` seconds and `memory_mb` megabytes (0: no cap)."""

    workers: int = 0
    timeout: float = 300.0
    memory_mb: int = 2048


def default_workers() -> int:
    """As many workers as the machine has cores, at least one."""
    return max(1, os.cpu_count() or 1)


def load_all(
    paths: list[Path], task: Task, guard: Guard, on_file: OnFile | None = None
) -> list[FileResult]:
    """`task(path)` for every path, in the order of `paths` whatever order they finish in;
    `on_file(done, total)` after each one, from this thread."""
    if guard.workers <= 0 or not paths:
        results = []
        for done, path in enumerate(paths, 1):
            results.append(task(path))
            if on_file is not None:
                on_file(done, len(paths))
        return results
    with _Pool(min(guard.workers, len(paths)), guard, task) as pool:
        return pool.run(paths, on_file)


def unreadable(path: Path, reason: str) -> FileResult:
    """What becomes of a file whose reading ended its worker."""
    return FileResult(
        path, FAILED, reason, issues=(issue("file-unreadable", path.name, reason=reason),)
    )


# --- the parent's side ------------------------------------------------------------------


class _Worker:
    """One worker process, its pipe, the file of its error output, and the file it reads."""

    def __init__(self, guard: Guard, task: Task) -> None:
        from multiprocessing import get_context

        ctx = get_context("spawn")
        fd, self.errors = tempfile.mkstemp(prefix=".ledgerkit-", suffix=".log")
        os.close(fd)
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(
            target=_serve, args=(child, task, guard.memory_mb, self.errors), daemon=True
        )
        try:
            _start_without_main(self.proc)
        except BaseException:
            os.unlink(self.errors)  # no temporary file is left behind by a worker never started
            raise
        finally:
            child.close()
        self.ready = False
        self.job: tuple[int, Path] | None = None
        self.deadline = time.monotonic() + START_TIMEOUT

    def give(self, index: int, path: Path, timeout: float) -> None:
        self.job = (index, path)
        self.deadline = time.monotonic() + timeout
        self.conn.send((path, _limits()))

    def stop(self) -> None:
        if self.proc.is_alive():
            with contextlib.suppress(OSError):
                self.conn.send(None)
            self.proc.join(1.0)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        self.conn.close()
        self.proc.close()
        with contextlib.suppress(OSError):
            os.unlink(self.errors)

    def last_words(self) -> str:
        """The end of what the worker wrote to its error output (a Rust abort's message)."""
        try:
            with open(self.errors, "rb") as fh:
                fh.seek(max(0, os.path.getsize(self.errors) - 4096))
                return fh.read().decode("utf-8", "replace")
        except OSError:
            return ""


def _start_without_main(proc: BaseProcess) -> None:
    """Start a spawned worker without having it run the main script again: `spawn` makes
    the child import `__main__` (the `ledgerkit` script, or an analyst's script that calls
    `ledgerkit.merge()` without an `if __name__ == "__main__":` guard, which would then run
    twice and fail). A worker needs nothing from it: its task is importable by name."""
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        proc.start()
    finally:
        sys.modules["__main__"] = main


class _Pool:
    def __init__(self, size: int, guard: Guard, task: Task) -> None:
        self.guard, self.task = guard, task
        self.workers: list[_Worker] = []
        try:
            for _ in range(size):
                self.workers.append(_Worker(guard, task))
        except BaseException:
            self.__exit__()
            raise

    def __enter__(self) -> _Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        for w in self.workers:
            w.stop()

    def run(self, paths: list[Path], on_file: OnFile | None) -> list[FileResult]:
        from multiprocessing.connection import wait

        results: dict[int, FileResult] = {}
        queue = deque(enumerate(paths))
        while len(results) < len(paths):
            for w in self.workers:
                if w.ready and w.job is None and queue:
                    w.give(*queue.popleft(), self.guard.timeout)
            soonest = min(w.deadline for w in self.workers)
            waited = [w.conn for w in self.workers] + [w.proc.sentinel for w in self.workers]
            wait(waited, timeout=max(0.0, soonest - time.monotonic()))
            for w in list(self.workers):
                job, outcome = w.job, self._outcome(w)
                if job is not None and isinstance(outcome, FileResult):
                    results[job[0]] = outcome
                    if on_file is not None:
                        on_file(len(results), len(paths))
                if outcome is not None and not w.proc.is_alive():
                    self._replace(w, bool(queue))
        return [results[i] for i in range(len(paths))]

    def _outcome(self, w: _Worker) -> FileResult | str | None:
        """What a worker has to say now: a FileResult for its file, "ready" once started,
        "dead" if it died idle, None while it is still at work."""
        if w.conn.poll():
            try:
                message = w.conn.recv()
            except (EOFError, OSError):
                return self._died(w)
            w.deadline = float("inf")
            if message == "ready":
                w.ready = True
                return "ready"
            return _result(w, message, self.guard)
        if not w.proc.is_alive():
            return self._died(w)
        if time.monotonic() < w.deadline:
            return None
        w.proc.kill()
        w.proc.join()
        if w.job is None:
            raise ReadersFailed(_NOT_STARTED)
        path, w.job = w.job[1], None
        seconds = f"{self.guard.timeout:g}"
        return unreadable(path, f"读取超过 {seconds} 秒仍未完成，已停止读取；{_ADVICE}")

    def _died(self, w: _Worker) -> FileResult | str:
        w.proc.join()
        if w.job is None:
            if not w.ready:  # it died starting: a broken install, not a file
                raise ReadersFailed(f"{_NOT_STARTED}（退出码 {w.proc.exitcode}）")
            return "dead"
        path, w.job = w.job[1], None
        return unreadable(path, _death_reason(w, self.guard))

    def _replace(self, w: _Worker, needed: bool) -> None:
        """A worker that ended is replaced while files are left to read, else dropped."""
        at = self.workers.index(w)
        w.stop()
        if needed:
            self.workers[at] = _Worker(self.guard, self.task)
        else:
            del self.workers[at]


_NOT_STARTED = (
    "无法启动读取文件的工作进程；可设置环境变量 LEDGERKIT_READ_WORKERS=0 改为在本进程内读取"
)


def _result(w: _Worker, message: tuple[str, Any], guard: Guard) -> FileResult:
    kind, body = message
    assert w.job is not None
    path, w.job = w.job[1], None
    if kind == "ok":
        return body  # type: ignore[no-any-return]
    if kind == "memory":
        return unreadable(path, _memory_reason(guard))
    return unreadable(
        path,
        f"读取此文件时 ledgerkit 内部出错（{body}），此文件未汇总，其余文件照常汇总；"
        "请把此文件发给维护人员",
    )


def _memory_reason(guard: Guard) -> str:
    return f"读取所需内存超过 {guard.memory_mb:,} MB 的上限，已停止读取；{_ADVICE}"


def _death_reason(w: _Worker, guard: Guard) -> str:
    said = w.last_words()
    if guard.memory_mb and ("memory allocation" in said or "MemoryError" in said):
        return _memory_reason(guard)
    code = w.proc.exitcode
    how = f"信号 {-code}" if code is not None and code < 0 else f"退出码 {code}"
    return f"读取时程序异常退出（{how}），已停止读取；{_ADVICE}"


def _limits() -> dict[str, Any]:
    """The limits as they stand in this process (a test may have lowered one)."""
    return {k: v for k, v in vars(limits).items() if k.isupper() and not k.startswith("_")}


# --- the worker's side ------------------------------------------------------------------


def _serve(conn: Connection, task: Task, memory_mb: int, errors: str) -> None:
    """A worker: `task` each file sent down `conn` until told to stop (None) or the pipe
    closes. The task came with the worker's start, its modules imported before "ready":
    what a file's time limit counts is the reading of that file."""
    _quiet(errors)
    # as in the command line: a file's objects hold next to no reference cycles, and the
    # collector's passes over them cost a fifth of the reading; they are freed file by file
    gc.disable()
    if memory_mb:
        cap_memory(memory_mb * 2**20)
    conn.send("ready")
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        path, lowered = job
        for name, value in lowered.items():
            setattr(limits, name, value)
        try:
            conn.send(("ok", task(path)))
        except MemoryError:
            conn.send(("memory", ""))
        except Exception as exc:  # a bug of ledgerkit on this file: named, the run goes on
            conn.send(("error", f"{type(exc).__name__}: {exc}"[:300]))
        gc.collect(0)


def _quiet(errors: str) -> None:
    """Ctrl+C is the parent's to handle; what the worker writes to stderr (a Rust abort's
    message) goes to a file the parent reads, not onto the clerk's screen."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    fd = os.open(errors, os.O_WRONLY | os.O_APPEND)
    os.dup2(fd, 2)
    os.close(fd)


def cap_memory(limit: int) -> bool:
    """Cap this process's memory at `limit` bytes; False where the platform has no way."""
    if sys.platform == "win32":
        return _job_object(limit)
    try:
        import resource

        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError):
        return False
    return True


def _job_object(limit: int) -> bool:
    """Windows: put this process in a Job Object whose per-process memory limit is `limit`
    (JOB_OBJECT_LIMIT_PROCESS_MEMORY); an allocation past it fails in this process only."""
    if sys.platform != "win32":
        return False
    import ctypes
    from ctypes import wintypes

    class Basic(ctypes.Structure):
        _fields_ = [
            ("PerProcessUserTimeLimit", ctypes.c_int64),
            ("PerJobUserTimeLimit", ctypes.c_int64),
            ("LimitFlags", wintypes.DWORD),
            ("MinimumWorkingSetSize", ctypes.c_size_t),
            ("MaximumWorkingSetSize", ctypes.c_size_t),
            ("ActiveProcessLimit", wintypes.DWORD),
            ("Affinity", ctypes.c_size_t),
            ("PriorityClass", wintypes.DWORD),
            ("SchedulingClass", wintypes.DWORD),
        ]

    class Extended(ctypes.Structure):
        _fields_ = [
            ("BasicLimitInformation", Basic),
            ("IoInfo", ctypes.c_uint64 * 6),
            ("ProcessMemoryLimit", ctypes.c_size_t),
            ("JobMemoryLimit", ctypes.c_size_t),
            ("PeakProcessMemoryUsed", ctypes.c_size_t),
            ("PeakJobMemoryUsed", ctypes.c_size_t),
        ]

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel32.CreateJobObjectW.restype = wintypes.HANDLE
    kernel32.CreateJobObjectW.argtypes = [ctypes.c_void_p, wintypes.LPCWSTR]
    kernel32.SetInformationJobObject.argtypes = [
        wintypes.HANDLE,
        ctypes.c_int,
        ctypes.POINTER(Extended),
        wintypes.DWORD,
    ]
    kernel32.AssignProcessToJobObject.argtypes = [wintypes.HANDLE, wintypes.HANDLE]
    kernel32.GetCurrentProcess.restype = wintypes.HANDLE
    job = kernel32.CreateJobObjectW(None, None)
    if not job:
        return False
    info = Extended()
    info.BasicLimitInformation.LimitFlags = 0x00000100  # JOB_OBJECT_LIMIT_PROCESS_MEMORY
    info.ProcessMemoryLimit = limit
    extended_limit_information = 9  # JobObjectExtendedLimitInformation
    if not kernel32.SetInformationJobObject(
        job, extended_limit_information, ctypes.byref(info), ctypes.sizeof(info)
    ):
        return False
    return bool(kernel32.AssignProcessToJobObject(job, kernel32.GetCurrentProcess()))
