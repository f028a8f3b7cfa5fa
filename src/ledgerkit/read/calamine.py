"""python-calamine, the one parser of .xlsx, .xlsm, .ods and old .xls: it reads a workbook
once its format's module has bounded every sheet's extent (a `_Scan`), and no sheet is laid
out in memory past `limits.MAX_CELLS`."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from ledgerkit.errors import UnreadableFile
from ledgerkit.read import limits
from ledgerkit.read.book import RawBook, RawSheet, _clip_merges
from ledgerkit.read.limits import _too_many_cells

_PASSWORD = (
    "工作簿设有打开密码，无法读取；请报送单位取消密码后重新报送，或运行时用 --password 提供密码"
)


@dataclass
class _Scan:
    """What the XML says before calamine reads it: sheet part -> (rows, columns) reached,
    the bound for a sheet not found by name, bad cells by sheet name, external links."""

    extent: dict[str, tuple[int, int]]
    fallback: tuple[int, int] = (0, 0)
    far: dict[str, str] = field(default_factory=dict)  # the farthest cells, for the message
    bad: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)
    links: tuple[str, ...] = ()


def _read_calamine(path: Path, data: bytes, fmt: str, scan: _Scan) -> RawBook:
    import python_calamine as pc

    budget = limits.MAX_CELLS
    try:
        wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
        visible, hidden = [], []
        sheets = wb.sheets_metadata
        limits._check_sheets(path.name, len(sheets))  # also .xls, whose sheets are not scanned
        for index, meta in enumerate(sheets):
            if meta.typ != pc.SheetTypeEnum.WorkSheet:
                continue
            if meta.visible != pc.SheetVisibleEnum.Visible:
                hidden.append(meta.name)
                continue
            far_rows, far_cols = scan.extent.get(meta.name, scan.fallback)
            if far_rows * far_cols > budget:  # before calamine lays the sheet out in memory
                far = scan.far.get(meta.name, "")
                raise _too_many_cells(path.name, meta.name, far_rows, far_cols, far)
            sheet = wb.get_sheet_by_index(index)  # by name is a search of the list
            height, width = sheet.height, sheet.width
            if height * width > budget:  # before its cells become Python objects
                raise _too_many_cells(path.name, meta.name, height, width)
            budget -= height * width
            rows = sheet.to_python(skip_empty_area=False)
            merged = _clip_merges(
                ((r0, c0, r1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])),
                len(rows),
                max((len(r) for r in rows), default=0),
            )
            visible.append(RawSheet(meta.name, rows, merged, scan.bad.get(meta.name, {})))
    except pc.PasswordError as exc:
        raise UnreadableFile(path.name, _PASSWORD) from exc
    except (pc.CalamineError, pc.XmlError, pc.ZipError, ValueError) as exc:
        if "password" in str(exc).lower():
            raise UnreadableFile(path.name, _PASSWORD) from exc
        raise UnreadableFile(path.name, f"文件已损坏或格式不对，无法读取（{exc}）"[:200]) from exc
    return RawBook(path, fmt, tuple(visible), tuple(hidden))
