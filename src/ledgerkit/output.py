"""Writing an output file safely: a temporary file beside it, put in place in one step.

A failed run never leaves half a file nor a temporary one; an output open in Excel, WPS or
Word, a full disk, a read-only or forbidden folder are a clear Chinese message, not a
traceback. Outputs get the permissions a plain open() gives (the umask's), never 0600. FIXED_DATE goes into every document's properties, so two runs
over the same files write the same bytes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import re
import secrets
import stat
from collections.abc import Callable
from pathlib import Path

from ledgerkit.errors import LedgerkitError, OutputFailed, OutputLocked

FIXED_DATE = dt.datetime(2000, 1, 1)
TEMP_PREFIX = ".ledgerkit-"  # a temporary output beside the real one, while it is written
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


def atomic_write(out: Path, write: Callable[[Path], object], what: str = "文件") -> None:
    """Let `write` fill a temporary file beside `out`, then put it in place in one step, so
    a failure leaves the previous file as it was and no temporary file behind. `out` gets
    the permissions a plain open() would give it (a new file the umask's, a rewritten one
    its own). Raises OutputLocked if `out` is open in Excel/WPS, OutputFailed (naming `out`
    and `what` it is: 汇总表, 通报 …) if the disk, the folder or the system refuses."""
    lock = out.with_name("~$" + out.name)
    if lock.exists():
        raise OutputLocked(f"“{out.name}”正在 Excel/WPS 中打开，请先关闭它再运行")
    existed = out.exists()
    tmp: Path | None = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = _temporary_beside(out)
        write(tmp)
        if existed:  # a rerun keeps what the clerk or the admin gave the file, never narrower
            os.chmod(tmp, stat.S_IMODE(out.stat().st_mode))
        _put_in_place(tmp, out)
    except LedgerkitError:
        raise
    except Exception as exc:  # a writer library may wrap the OSError (xlsxwriter does)
        failure = _os_error(exc)
        if failure is None:
            raise
        raise OutputFailed(_explain(failure, out, what, existed)) from exc
    finally:
        if tmp is not None:
            _remove(tmp)


def _temporary_beside(out: Path) -> Path:
    """A new empty file beside `out`, created as open() creates one (mode 0o666 less the
    umask), where tempfile.mkstemp makes it 0o600 and so the output private to its writer."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):  # 48 random bits: a clash is a freak, a hundred a broken folder
        tmp = out.with_name(f"{TEMP_PREFIX}{secrets.token_hex(6)}{out.suffix}")
        try:
            os.close(os.open(tmp, flags, 0o666))
            return tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(out.parent))


def _put_in_place(tmp: Path, out: Path) -> None:
    try:
        os.replace(tmp, out)
    except PermissionError as exc:  # Windows: the file is open in another program, or read-only
        raise OutputLocked(
            f"无法写入“{out}”：文件可能正在 Excel/WPS/Word 中打开，或被设为只读；"
            "请先关闭它（或在文件属性里取消只读）再运行"
        ) from exc


def _remove(tmp: Path) -> None:
    """Remove the temporary file if it is still there, quietly: the first error is the one
    to tell. On Windows a file that copied a read-only output's mode must be made writable."""
    with contextlib.suppress(OSError):
        try:
            tmp.unlink(missing_ok=True)
        except PermissionError:
            os.chmod(tmp, stat.S_IREAD | stat.S_IWRITE)
            tmp.unlink(missing_ok=True)


def _os_error(exc: BaseException) -> OSError | None:
    """The OSError behind `exc`, itself or what it was raised from or while handling."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, OSError) and current.errno is not None:
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _explain(exc: OSError, out: Path, what: str, existed: bool) -> str:
    """What the clerk reads: what was not written, why in their words, what was kept."""
    kept = f"原有的{what}未改动" if existed else "没有留下不完整的文件"
    folder = out.parent
    reasons = {
        errno.ENOSPC: f"磁盘空间不足，未能写出“{out}”；{kept}。请腾出空间后重新运行",
        errno.EROFS: f"“{folder}”所在的磁盘是只读的，未能写出“{out}”；{kept}。"
        "请换一个文件夹（-o）或取消 U 盘的写保护后重新运行",
        errno.EACCES: f"没有在文件夹“{folder}”中写文件的权限，未能写出“{out}”；{kept}。"
        "请换一个文件夹（-o）或请管理员开放写权限",
        errno.ENAMETOOLONG: f"文件名或路径太长，未能写出“{out}”；{kept}。请换一个短一些的路径",
        errno.EIO: f"磁盘读写出错（U 盘或网络盘可能已断开），未能写出“{out}”；{kept}",
    }
    same = {
        getattr(errno, "EDQUOT", errno.ENOSPC): errno.ENOSPC,
        errno.EFBIG: errno.ENOSPC,
        errno.EPERM: errno.EACCES,
    }
    code = same.get(exc.errno or 0, exc.errno or 0)
    code_name = errno.errorcode.get(exc.errno or 0, str(exc.errno))
    return reasons.get(code, f"系统拒绝写入，未能写出“{out}”（错误代码 {code_name}）；{kept}")
