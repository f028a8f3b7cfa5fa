"""Writing an output file safely: a temporary file beside it, put in place in one step.

A failed run never leaves half a file, and an output open in Excel, WPS or Word is a clear
message, not a traceback. FIXED_DATE goes into every document's properties, so two runs
over the same files write the same bytes.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from ledgerkit.errors import OutputLocked

FIXED_DATE = dt.datetime(2000, 1, 1)
# what Windows forbids in a file name (and "/" everywhere): a unit's text becomes "_" there
_NOT_IN_NAMES = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
# Windows device names, reserved whatever the extension: "CON.xlsx" is the console
_DEVICE = re.compile(r"(CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|(COM|LPT)[0-9¹²³])\s*(\..*)?", re.I)
MAX_STEM_BYTES = 150  # 255 bytes is the limit of a name; room is left for （2）_问题反馈.xlsx
UNNAMED = "未命名"


def file_stem(text: str) -> str:
    """`text` (a unit's name, another file's stem) made into the stem of a file name that is
    valid on Windows and stays in the folder it is put in: no separator, no drive, no "..",
    no device name, not too long. Characters Windows forbids become "_"."""
    stem = _NOT_IN_NAMES.sub("_", text).strip(" .")
    stem = stem.encode("utf-8")[:MAX_STEM_BYTES].decode("utf-8", "ignore")  # whole characters
    stem = stem.rstrip(" .")  # Windows drops them, and ".." would be the parent folder
    if _DEVICE.fullmatch(stem):
        stem = "_" + stem
    return stem or UNNAMED


def unique_stem(stem: str, taken: set[str]) -> str:
    """`stem`, or `stem（2）`, `stem（3）` … if it is in `taken` (casefolded: Windows names
    ignore case); the stem chosen is added to `taken`."""
    chosen, n = stem, 1
    while chosen.casefold() in taken:
        n += 1
        chosen = f"{stem}（{n}）"
    taken.add(chosen.casefold())
    return chosen


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
