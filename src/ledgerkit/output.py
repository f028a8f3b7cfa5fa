"""Writing an output file safely: a temporary file beside it, put in place in one step.

A failed run never leaves half a file, and an output open in Excel, WPS or Word is a clear
message, not a traceback. FIXED_DATE goes into every document's properties, so two runs
over the same files write the same bytes.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from ledgerkit.errors import OutputLocked

FIXED_DATE = dt.datetime(2000, 1, 1)


def atomic_write(out: Path, write: Callable[[Path], object]) -> None:
    """Let `write` fill a temporary file beside `out`, then put it in place in one step, so
    a failure leaves the previous file as it was. Raises OutputLocked if `out` is open."""
    lock = out.with_name("~$" + out.name)
    if lock.exists():
        raise OutputLocked(f"“{out.name}”正在 Excel/WPS 中打开，请先关闭它再运行")
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".ledgerkit-", suffix=out.suffix, dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.replace(tmp, out)
    except PermissionError as exc:
        raise OutputLocked(
            f"无法写入“{out}”：文件可能正在 Excel/WPS/Word 中打开，请先关闭它再运行"
        ) from exc
    finally:
        tmp.unlink(missing_ok=True)
