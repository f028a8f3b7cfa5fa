"""Every limit on an untrusted file, and the helpers that enforce them: one place for all.

The readers check these before a parser sees the file, and read each one through this module
at call time (`limits.MAX_CELLS`, never a copied name), so a test that lowers a limit patches
`ledgerkit.read.limits` and every reader sees it.
"""

from __future__ import annotations

from ledgerkit.errors import UnreadableFile
from ledgerkit.read.book import column_letter

# Limits. A real ledger is a few hundred rows by a few dozen columns in a file of a few MB;
# each limit is far above that and far below what would exhaust a clerk's PC.
MAX_FILE_BYTES = 64 * 2**20  # any file, as stored on disk
MAX_TEXT_BYTES = 32 * 2**20  # CSV, HTML and XML files, parsed whole into memory
MAX_ZIP_ENTRIES = 5_000  # parts in an .xlsx (a workbook has tens)
MAX_PART_BYTES = 64 * 2**20  # one part of an .xlsx, uncompressed, as the zip directory declares
MAX_UNZIPPED_BYTES = 256 * 2**20  # all parts together
MAX_RATIO = 200  # sheets compress about 10:1, a zip bomb about 1000:1
RATIO_FLOOR = 2**20  # below 1 MiB a part may compress as well as it likes
MAX_CELLS = 2_000_000  # rows x columns of the sheets read from one file
MAX_SPIN = 1_000_000  # password hashing rounds (Excel uses 100,000)
MAX_SHEETS = 1_000  # sheets (or tables) in one file: a ledger has a few, a county's a few hundred
# check --feedback copies a unit's .xlsx with openpyxl, which holds every part as Python
# objects (about 40 times its size: a 60 MB styles.xml took 2.2 GB): past these, the copy is
# rebuilt from the raw cells instead, and past MAX_COPY_CELLS it is the problem list alone
MAX_COPY_UNZIPPED_BYTES = 16 * 2**20  # all parts of an .xlsx copied as it is, unpacked
MAX_COPY_CELLS = 500_000  # rows x columns of the one sheet a feedback copy rebuilds

# XML entities and DTDs (entity bombs, external entities) are refused wherever XML is read:
# the marks looked for in the head of an XML part, and the reason given
_XML_BOMBS = tuple(m.encode(e) for m in ("<!DOCTYPE", "<!ENTITY") for e in ("utf-8", "utf-16-le"))
_ENTITIES = "含有 XML 实体声明（DOCTYPE/ENTITY），可能是恶意构造的文件，出于安全考虑拒绝读取"


def _mb(size: int) -> str:
    """A size as a clerk reads it: 812 字节, 4.2 KB, 64.0 MB, 3.0 GB."""
    for unit, scale in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if size >= scale:
            return f"{size / scale:,.1f} {unit}"
    return f"{size} 字节"


def _too_many_cells(file: str, sheet: str, rows: int, cols: int, cells: str = "") -> UnreadableFile:
    where = f"工作表“{sheet}”" if sheet else "表格"
    far = f"{column_letter(max(cols, 1) - 1)}{max(rows, 1)}" if cols < 10**6 else f"第{cols:,}列"
    named = f"（最远的单元格：{cells}）" if cells else ""
    return UnreadableFile(
        file,
        f"{where}的数据区域一直到 {far}{named}，共 {rows:,} 行 × {cols:,} 列，超过 {MAX_CELLS:,}"
        " 个单元格的上限，可能是远处误填了内容；请删除多余的行列后重新报送",
    )


def _check_sheets(file: str, count: int) -> None:
    """Refuse a file declaring more sheets than MAX_SHEETS, before any sheet is looked up:
    parsers find a sheet by name in a list, so N sheets cost N x N."""
    if count > MAX_SHEETS:
        raise UnreadableFile(
            file,
            f"文件中有 {count:,} 个工作表（上限 {MAX_SHEETS:,}），远超正常台账，"
            "可能是损坏或恶意构造的文件，拒绝读取；请只保留台账所在的工作表后重新报送",
        )


class _Budget:
    """Cells laid out so far in one file; raises the file's reason past MAX_CELLS."""

    def __init__(self, file: str) -> None:
        self.file, self.used = file, 0

    def spend(self, sheet: str, rows: int, cols: int, cells: int | None = None) -> None:
        self.used += rows * cols if cells is None else cells
        if self.used > MAX_CELLS:
            raise _too_many_cells(self.file, sheet, rows, cols)
