"""CSV and TSV, and Excel's "Unicode text", in any encoding a unit's PC writes: UTF-8 with or
without a BOM, UTF-16, GBK/GB18030."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ledgerkit.errors import UnreadableFile
from ledgerkit.read import limits
from ledgerkit.read.book import Cell, RawBook, RawSheet
from ledgerkit.read.limits import _too_many_cells


def decode_text(data: bytes, declared: str | None = None) -> str:
    """UTF-8 (with or without BOM), else the declared charset, else GB18030 (a superset of GBK)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for enc in (declared, "gb18030"):
        if not enc:
            continue
        try:
            return data.decode("gb18030" if enc.lower() in {"gbk", "gb2312"} else enc)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("gb18030", errors="replace")


def read_csv(path: Path, data: bytes) -> RawBook:
    """CSV or TSV in UTF-8, UTF-16 or GBK/GB18030; every cell stays text until normalised."""
    text = decode_text(data)
    if "\ufffd" in text[:4096] and text.count("\ufffd") > len(text) // 20:
        raise UnreadableFile(path.name, "无法识别的文本编码，请另存为 UTF-8 或 GBK 编码的 CSV")
    sample = text[:8192]
    delimiter = max([",", "\t", ";"], key=sample.count)
    # a cell may be long (its text is cut to Excel's limit later, with a warning); the limit
    # only ever grows, and the whole text is already bounded by MAX_TEXT_BYTES
    csv.field_size_limit(max(csv.field_size_limit(), limits.MAX_TEXT_BYTES))
    rows: list[list[Cell]] = []
    cells = 0
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            cells += max(len(row), 1)
            if cells > limits.MAX_CELLS:
                raise _too_many_cells(path.name, "", len(rows) + 1, max(len(row), 1))
            rows.append(list(row))
    except csv.Error as exc:
        raise UnreadableFile(path.name, f"第{reader.line_num}行无法按 CSV 解析（{exc}）") from exc
    return RawBook(path, "csv", (RawSheet("", rows),))
