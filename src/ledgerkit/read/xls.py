"""OLE containers: old binary .xls (BIFF8), and workbooks encrypted with an open password.

The container's header and directory sizes are checked and the BIFF cell records counted
before calamine reads an .xls; an encrypted file's parameters are checked before a password
is tried, and it is decrypted with msoffcrypto.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

from ledgerkit.errors import UnreadableFile
from ledgerkit.read import limits
from ledgerkit.read.book import RawBook
from ledgerkit.read.calamine import _PASSWORD, _read_calamine, _Scan
from ledgerkit.read.limits import _ENTITIES, _XML_BOMBS, _mb, _too_many_cells
from ledgerkit.read.xlsx import read_zip_workbook

_ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")
_WRONG_PASSWORD = "工作簿设有打开密码，给出的密码不对，无法读取；请核对密码（区分大小写）"


def read_ole(path: Path, data: bytes, password: str | None = None) -> RawBook:
    """An OLE container: an encrypted .xlsx (decrypted with the password, then read as one),
    or an old binary .xls (BIFF8), maybe itself encrypted."""
    if _ENCRYPTED_MARK in data:
        if password is None:
            raise UnreadableFile(path.name, _PASSWORD)
        _check_encryption_info(path.name, data)
        return read_zip_workbook(path, decrypt(path.name, data, password))
    return read_xls(path, data, password)


def read_xls(path: Path, data: bytes, password: str | None = None) -> RawBook:
    """Old binary .xls. The OLE container is checked and the cell records counted first:
    calamine trusts the container's sizes (a damaged one asks for gigabytes) and lays a sheet
    out from A1 to the farthest cell (one stray cell at IV65536 costs a gigabyte)."""
    far, encrypted = xls_extent(path.name, data)
    if encrypted:
        if password is None:
            raise UnreadableFile(path.name, _PASSWORD)
        data = decrypt(path.name, data, password)
        far, _ = xls_extent(path.name, data)
    if far[0] * far[1] > limits.MAX_CELLS:
        raise _too_many_cells(path.name, "", *far)
    return _read_calamine(path, data, "xls", _Scan(extent={}, fallback=far))


_CORRUPT_OLE = "文件已损坏（OLE 结构有误），可能没有复制完，请重新报送"


def workbook_stream(file: str, data: bytes) -> bytes:
    """The BIFF Workbook stream of an OLE file, once the container's header and directory
    sizes are known to fit in the file: calamine reserves memory for them as they say."""
    import olefile

    if len(data) < 512:
        raise UnreadableFile(file, _CORRUPT_OLE)
    shift, _mini = struct.unpack_from("<HH", data, 30)
    if shift not in (9, 12):
        raise UnreadableFile(file, _CORRUPT_OLE)
    sector = 1 << shift
    dir_len, fat_len = struct.unpack_from("<II", data, 40)
    mini_fat_len, _, difat_len = struct.unpack_from("<III", data, 64)
    if max(dir_len, fat_len, mini_fat_len, difat_len) * sector > len(data):
        raise UnreadableFile(file, _CORRUPT_OLE)
    try:
        with olefile.OleFileIO(data) as ole:
            ole.directory_fp.seek(0)
            entries = ole.directory_fp.read()
            name = next((n for n in ("Workbook", "Book") if ole.exists(n)), None)
            stream = ole.openstream(name).read() if name else None
    except Exception as exc:  # olefile raises many types on a damaged container
        raise UnreadableFile(file, _CORRUPT_OLE) from exc
    for at in range(0, len(entries) - 127, 128):
        low, high = struct.unpack_from("<II", entries, at + 120)
        if (low if sector == 512 else low | high << 32) > len(data):
            raise UnreadableFile(file, _CORRUPT_OLE)
    if stream is None:
        raise UnreadableFile(file, "不是 Excel 工作簿（可能是 Word 等其他 Office 文件），无法读取")
    return stream


# BIFF record types that put a value in a cell (blank cells cost calamine nothing)
_BIFF_VALUE_CELLS = {0x0006, 0x00D6, 0x00FD, 0x0203, 0x0204, 0x0205, 0x027E}
_BIFF_MULRK, _BIFF_BOF, _BIFF_FILEPASS, _BIFF_DIMENSIONS = 0x00BD, 0x0809, 0x002F, 0x0200


def xls_extent(file: str, data: bytes) -> tuple[tuple[int, int], bool]:
    """((rows, columns) of the largest sheet, encrypted?) from the BIFF records: the cells
    holding values, and each sheet's DIMENSIONS record, for which calamine reserves memory
    up front (a 9.7 KB file declaring 4 billion rows asked for 8.6 GB)."""
    stream = workbook_stream(file, data)
    largest, rows, cols, pos = (0, 0), 0, 0, 0
    while pos + 4 <= len(stream):
        typ, size = struct.unpack_from("<HH", stream, pos)
        body = pos + 4
        if typ == _BIFF_FILEPASS:  # the rest is encrypted
            return largest, True
        if typ == _BIFF_BOF:  # a new sheet
            rows, cols = 0, 0
        elif typ == _BIFF_DIMENSIONS and size >= 10 and body + size <= len(stream):
            declared = _dimensions(stream, body, size)
            if declared[0] * declared[1] > largest[0] * largest[1]:
                largest = declared
        elif (typ in _BIFF_VALUE_CELLS or typ == _BIFF_MULRK) and 4 <= size <= len(stream) - body:
            r, c = struct.unpack_from("<HH", stream, body)
            if typ == _BIFF_MULRK and size >= 6:
                c = struct.unpack_from("<H", stream, body + size - 2)[0]
            rows, cols = max(rows, r + 1), max(cols, c + 1)
            if rows * cols > largest[0] * largest[1]:
                largest = (rows, cols)
        pos = body + size
    return largest, False


def _dimensions(stream: bytes, body: int, size: int) -> tuple[int, int]:
    """(rows, columns) a DIMENSIONS record declares: BIFF8 has 32-bit rows, BIFF5 16-bit."""
    if size >= 14:
        first_row, last_row, first_col, last_col = struct.unpack_from("<IIHH", stream, body)
    else:
        first_row, last_row, first_col, last_col = struct.unpack_from("<HHHH", stream, body)
    return max(0, last_row - first_row), max(0, last_col - first_col)


def _check_encryption_info(file: str, data: bytes) -> None:
    """The EncryptionInfo of an encrypted .xlsx is XML that msoffcrypto parses with minidom:
    refuse entity declarations, and a hashing count that would take hours to try."""
    import defusedxml.ElementTree as DET
    import olefile

    try:
        with olefile.OleFileIO(data) as ole:
            info = ole.openstream("EncryptionInfo").read()
    except Exception as exc:  # a damaged container: no password can open it
        raise UnreadableFile(file, _PASSWORD) from exc
    if struct.unpack_from("<HH", info)[0:2] != (4, 4):
        return  # standard encryption: fixed 50,000 rounds, binary header
    xml = info[8:]
    if any(mark in xml for mark in _XML_BOMBS):
        raise UnreadableFile(file, f"加密信息{_ENTITIES}")
    try:
        root = DET.fromstring(xml, forbid_dtd=True)
    except Exception as exc:  # ParseError or a defusedxml refusal
        raise UnreadableFile(file, f"加密信息已损坏，无法读取（{exc}）") from exc
    spins = [int(e.get("spinCount", "0")) for e in root.iter() if e.get("spinCount", "").isdigit()]
    if max(spins, default=0) > limits.MAX_SPIN:
        raise UnreadableFile(
            file, f"加密参数异常（密码计算 {max(spins):,} 轮，Excel 只用 100,000 轮），拒绝尝试密码"
        )


def decrypt(file: str, data: bytes, password: str) -> bytes:
    """The workbook inside an encrypted file, opened with the clerk's password."""
    import msoffcrypto
    from msoffcrypto.exceptions import InvalidKeyError

    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        office.load_key(password=password, verify_password=True)
        out = io.BytesIO()
        office.decrypt(out)
    except InvalidKeyError as exc:
        raise UnreadableFile(file, _WRONG_PASSWORD) from exc
    except Exception as exc:  # msoffcrypto raises many types on a damaged file
        if "password" in str(exc).lower() or "key" in str(exc).lower():
            raise UnreadableFile(file, _WRONG_PASSWORD) from exc
        raise UnreadableFile(file, f"加密的工作簿已损坏，无法解密（{exc}）"[:200]) from exc
    plain = out.getvalue()
    if len(plain) > limits.MAX_FILE_BYTES:
        raise UnreadableFile(
            file, f"解密后有 {_mb(len(plain))}，超过 {_mb(limits.MAX_FILE_BYTES)} 的上限"
        )
    return plain
