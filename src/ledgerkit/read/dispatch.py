"""Which files are ledgers, what format each one is (told from its bytes, never from its
name), and the reader it goes to, after the file's size is checked against the limits."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import replace
from pathlib import Path

from ledgerkit.errors import UnreadableFile
from ledgerkit.read import limits
from ledgerkit.read.book import RawBook
from ledgerkit.read.html_page import read_html
from ledgerkit.read.limits import _mb
from ledgerkit.read.text import read_csv
from ledgerkit.read.xls import read_ole
from ledgerkit.read.xlsx import read_zip_workbook
from ledgerkit.read.xml2003 import read_xml_spreadsheet

LEDGER_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".et", ".ods", ".csv", ".txt", ".htm", ".html"}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def is_lock_file(path: Path) -> bool:
    """Excel/WPS leave `~$name.xlsx` beside an open workbook, and a killed ledgerkit run may
    leave its `.ledgerkit-…` temporary output: neither is ever a ledger."""
    return path.name.startswith(("~$", ".~", ".ledgerkit-"))


_SPREADSHEET_2003 = b"urn:schemas-microsoft-com:office:spreadsheet"
_WORKBOOK_2003 = re.compile(rb"<(?:\w+:)?Workbook\b")


def sniff(head: bytes) -> str:
    """Tell the format from the first bytes of a file."""
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(_OLE_MAGIC):
        return "ole"
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    if utf16:  # Excel's "Unicode text" (a TSV) and some XML are UTF-16
        head = head[2:].decode("utf-16-le" if head[1] == 0xFE else "utf-16-be", "ignore").encode()
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<") and _SPREADSHEET_2003 in head and _WORKBOOK_2003.search(head):
        return "xml2003"
    if text.startswith(b"<") and (b"<table" in head.lower() or b"<html" in text[:200]):
        return "html"
    if text.startswith(b"<?xml") or text.startswith(b"<workbook"):
        return "xml"
    if not utf16 and b"\x00" in head[:4096]:
        return "binary"
    return "text"


def read_book(path: Path, password: str | None = None) -> RawBook:
    """Read one ledger file of any supported format; raise UnreadableFile with the reason.
    `password` opens a workbook protected by an open password."""
    data, mtime = _read_once(path)
    # hashed from the bytes in hand, not the file again: a file replaced while it is read
    # must not be stored with the hash of one version and the projects of another
    digest = hashlib.sha256(data).hexdigest()
    try:
        return replace(_parse(path, data, password), sha256=digest, mtime=mtime)
    except UnreadableFile as exc:
        exc.sha256, exc.mtime = digest, mtime
        raise


_CHANGED = "文件在读取时被改动（可能正在复制或保存），请等它写完后重新运行"


def _read_once(path: Path) -> tuple[bytes, float]:
    """The file's bytes and its modification time, from one open file: its size checked
    before a byte is read, and the file seen unchanged from before the read to after it (a
    file written to meanwhile is named, never read half old, half new)."""
    try:
        with path.open("rb") as fh:
            before = os.fstat(fh.fileno())
            if before.st_size > limits.MAX_FILE_BYTES:
                raise UnreadableFile(
                    path.name,
                    f"文件有 {_mb(before.st_size)}，超过 {_mb(limits.MAX_FILE_BYTES)} 的上限，"
                    "不像一份台账",
                )
            data = fh.read(limits.MAX_FILE_BYTES + 1)
            after = os.fstat(fh.fileno())
    except OSError as exc:
        raise UnreadableFile(path.name, f"无法打开文件（{exc.strerror or exc}）") from exc
    seen = (before.st_size, before.st_mtime_ns)
    if (after.st_size, after.st_mtime_ns) != seen or len(data) != before.st_size:
        raise UnreadableFile(path.name, _CHANGED)
    return data, before.st_mtime


def _parse(path: Path, data: bytes, password: str | None) -> RawBook:
    """The bytes of one file parsed, any failure of a parser turned into UnreadableFile."""
    if not data:
        raise UnreadableFile(path.name, "文件是空的（0 字节），可能没有复制完整，请重新报送")
    try:
        return _read_bytes(path, data, password)
    except UnreadableFile:
        raise
    except MemoryError as exc:
        raise UnreadableFile(path.name, "文件内容过大，内存不足，无法读取") from exc
    except Exception as exc:  # any other failure of a parser on untrusted bytes: this file's
        raise UnreadableFile(  # problem, reported, while the other files are still merged
            path.name, f"文件已损坏或格式不对，无法读取（{type(exc).__name__}: {exc}）"[:200]
        ) from exc
    except BaseException as exc:  # a panic inside calamine arrives as pyo3's PanicException
        if type(exc).__name__ != "PanicException":  # Ctrl+C and exit are not the file's fault
            raise
        raise UnreadableFile(
            path.name, f"文件已损坏或格式不对，无法读取（读取组件出错：{exc}）"[:200]
        ) from exc


def _read_bytes(path: Path, data: bytes, password: str | None) -> RawBook:
    kind = sniff(data[:65536])
    if kind == "zip":
        return read_zip_workbook(path, data)
    if kind == "ole":
        return read_ole(path, data, password)
    if kind in ("binary", "xml"):
        raise UnreadableFile(
            path.name,
            "是 XML 文件但不是 Excel 能打开的表格，请在 Excel 中另存为 .xlsx 后重新报送"
            if kind == "xml"
            else "不是 Excel、WPS 或 CSV 表格，无法识别文件内容",
        )
    if len(data) > limits.MAX_TEXT_BYTES:
        raise UnreadableFile(
            path.name, f"文本表格有 {_mb(len(data))}，超过 {_mb(limits.MAX_TEXT_BYTES)} 的上限"
        )
    if kind == "xml2003":
        return read_xml_spreadsheet(path, data)
    if kind == "html":
        return read_html(path, data)
    return read_csv(path, data)
