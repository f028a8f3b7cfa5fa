"""Problems that stop a run. Problems *in the data* are `Issue` values, not exceptions."""

from __future__ import annotations


class LedgerkitError(Exception):
    """Base of every error that stops a command; the message is for the clerk, in Chinese."""


class UnreadableFile(LedgerkitError):
    """One input file cannot be read at all (empty, corrupt, encrypted, not a table)."""

    def __init__(self, file: str, reason: str) -> None:
        super().__init__(f"{file}：{reason}")
        self.file = file
        self.reason = reason
        self.sha256 = ""  # of the bytes that were read and refused; "" when none were read
        self.mtime: float | None = None  # the file's modification time when they were read


class NotALedger(UnreadableFile):
    """A readable file that holds no ledger (no sheet with a 项目名称 header); it is skipped."""


class OutputLocked(LedgerkitError):
    """The output file is open in Excel/WPS (or otherwise not writable)."""


class StoreProblem(LedgerkitError):
    """The history store cannot be read or written: damaged, locked, on a read-only folder, or
    made by a newer ledgerkit. A merge warns and goes on; status and history stop on it."""


class WorkspaceBusy(LedgerkitError):
    """Another ledgerkit is merging in this workspace (its lock file is next to the store)."""


class OutputFailed(LedgerkitError):
    """The machine would not take an output: the disk is full, the folder read-only or not
    ours to write in. The message says what was not written, where, and what was kept."""


class NoInputs(LedgerkitError):
    """The paths given hold no file that could be a ledger."""


class BadOutput(LedgerkitError):
    """An output path that cannot hold what the command writes: a file where a folder is
    meant, a suffix of another format. A usage error (exit 2), said before any work."""


class UnknownUnit(LedgerkitError):
    """Units asked for by name that are not among the units known (the roster, else the
    units of the projects at hand); the message lists the known ones."""

    def __init__(self, unknown: list[str], known: list[str], where: str) -> None:
        names = "、".join(f"“{u}”" for u in unknown)
        these = "这个" if len(unknown) == 1 else "这些"
        super().__init__(f"没有{names}{these}单位。可选的单位（{where}）：{'、'.join(known)}")
        self.unknown = unknown
        self.known = known
