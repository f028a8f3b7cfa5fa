"""Feedback: for each file with problems, a workbook the clerk sends back to the unit (退回修改).

The unit gets its own table back: an .xlsx/.xlsm is copied part by part (`feedback_zip`:
the package's parts as they are, only the marked sheets, the styles, the workbook and the
properties edited where they must change, without parsing the workbook into objects), or,
when it holds something that copy is not sure of (the unit's own comments, strict OOXML …),
loaded and saved again with openpyxl; either way it keeps its formatting and the clerk sees
the same copy. .xls, CSV, HTML named .xls and .ods are rebuilt cell for cell from the raw
cells (and so is an .xlsx openpyxl cannot open, or one past the size caps openpyxl is held
to). Each problem cell is coloured (errors red, warnings yellow) and carries a comment with
the message, and a 问题清单 sheet in front lists every problem. A file that could not be
read gets the list alone. The unit's file is only ever read, and every text is written as
text: nothing the unit typed becomes a formula.

Each file is on its own: a copy that cannot be made falls back to a plainer one (raw cells,
then the list alone), and one that cannot be written at all is a finding; the run goes on.
The copies carry a marker in their properties, so a later run knows which files it wrote:
it replaces only such a copy nobody has saved since, and reads a returned one as a ledger.
"""

from __future__ import annotations

import contextlib
import copy
import io
import math
import re
import warnings
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledgerkit.errors import LedgerkitError, UnreadableFile
from ledgerkit.feedback_zip import (
    ListRow,
    ListSheet,
    Package,
    Properties,
    col_letter,
    column_index,
)
from ledgerkit.issues import Issue, issue
from ledgerkit.layout import (
    EXCEL_MAX_TEXT,
    FEEDBACK_HEADERS,
    FEEDBACK_KEYWORD,
    FEEDBACK_SUFFIX,
    ISSUES_SHEET,
    SEVERITY_LABEL,
)
from ledgerkit.merging import FAILED, FileResult, MergeResult
from ledgerkit.output import FIXED_DATE, atomic_write, file_stem
from ledgerkit.parallel import ordered_map
from ledgerkit.read import RawSheet, limits, read_book
from ledgerkit.read.limits import _mb
from ledgerkit.read.xlsx import check_zip
from ledgerkit.xlsx_rows import display_width

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

PROBLEM_SHEET = ISSUES_SHEET
RAW_SHEET = "台账"  # the sheet name for a CSV or a single HTML table, which have none
SUFFIX = FEEDBACK_SUFFIX
FILL = {"error": "FFC7CE", "warning": "FFEB9C"}  # the problem cell itself
ROW_FILL = {"error": "FFEEF0", "warning": "FFF7DA"}  # the used cells of a row with a problem
HEADER_FILL = "DDEBF7"
HEADS = FEEDBACK_HEADERS

_CELL = re.compile(r"([A-Z]{1,3})(\d+)")
_ROW = re.compile(r"第?(\d+)行?")
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")
# characters XML cannot hold that openpyxl's ILLEGAL_CHARACTERS_RE lets through (lxml refuses
# them when the workbook is saved): U+FFFE, U+FFFF and lone surrogates
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")
# openpyxl's ILLEGAL_CHARACTERS_RE (the control characters a cell cannot hold), here so that
# the part-by-part copy never imports openpyxl
_CONTROL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
_ZIP_TIME = (FIXED_DATE.year, FIXED_DATE.month, FIXED_DATE.day, 0, 0, 0)


@dataclass(frozen=True)
class Feedback:
    """What `write_feedback` did: the copies written, in the order of the files, and a
    finding for each file whose copy is not the full marked copy or was not written at all
    (named, with the reason in Chinese)."""

    written: tuple[Path, ...] = ()
    issues: tuple[Issue, ...] = ()


def write_feedback(
    result: MergeResult, folder: Path, on_done: Callable[[int, int], None] | None = None
) -> Feedback:
    """Write `folder/<stem>_问题反馈.xlsx` for every input file with an error or a warning.
    Each file on its own: a file whose copy cannot be written is a `feedback-unwritten`
    finding and the others are still written. The input files are never written to, and
    neither is any existing file ledgerkit did not write (the copy takes a free name). The
    copies are made on every core (`parallel`); `on_done(done, total)` follows them."""
    cross = _cross_file_issues(result)
    taken = {f.path.resolve() for f in result.files}
    jobs: list[tuple[FileResult, list[Issue], Path]] = []
    notes: list[Issue] = []
    for f in result.files:
        found = [i for i in (*f.issues, *cross.get(f.label, ())) if i.severity != "info"]
        if not found:
            continue
        out, renamed = _output_path(folder, f.path, taken)
        taken.add(out.resolve())
        if renamed is not None:
            notes.append(issue("feedback-renamed", f.label, name=renamed, new=out.name))
        jobs.append((f, found, out))
    written: list[Path] = []
    for (_f, _found, out), (done, said) in zip(
        jobs, ordered_map(_write_job, jobs, on_done), strict=True
    ):
        notes += said
        if done:
            written.append(out)
    return Feedback(tuple(written), tuple(notes))


def _write_job(job: tuple[FileResult, list[Issue], Path]) -> tuple[bool, list[Issue]]:
    return _write_one(*job)


def _write_one(f: FileResult, found: list[Issue], out: Path) -> tuple[bool, list[Issue]]:
    """One file's copy: the unit's workbook as it is, else rebuilt from the raw cells, else
    the list alone; each fallback is said. Never raises for this file's sake."""
    notes: list[Issue] = []
    for kind, make in _attempts(f, found):
        try:
            atomic_write(out, make(), "问题反馈表")
            return True, notes
        except _Refused as exc:
            notes = [issue(exc.code, f.label, reason=exc.reason)]
        except LedgerkitError as exc:  # the output is open in Excel/WPS: no other copy helps
            return False, [issue("feedback-unwritten", f.label, reason=str(exc))]
        except OSError as exc:  # a full disk, a folder that cannot be written
            reason = f"无法写入“{out}”（{exc.strerror or type(exc).__name__}）"
            return False, [issue("feedback-unwritten", f.label, reason=reason)]
        except Exception as exc:  # openpyxl on a unit's odd workbook: the next, plainer copy
            if kind == "list":
                reason = f"写出时出错（{type(exc).__name__}）"
                return False, [issue("feedback-unwritten", f.label, reason=reason)]
            code = "feedback-rebuilt" if kind == "xlsx" else "feedback-list-only"
            reason = f"原表无法写入新的工作簿（{type(exc).__name__}）"
            notes = [issue(code, f.label, reason=reason)]
    raise AssertionError("unreachable: the list alone is always tried last")


class _Refused(Exception):
    """A copy not attempted (past a size cap, unreadable): the finding to give instead."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


Writer = Callable[[Path], object]


def _attempts(f: FileResult, found: list[Issue]) -> list[tuple[str, Callable[[], Writer]]]:
    """The copies to try, best first, each making the function that writes it: the unit's
    own .xlsx (within the size caps), the raw cells, the list alone (a file that could not
    be read gets only that)."""
    alone = partial(_book_writer, lambda: None, f, found)
    if f.status == FAILED or f.ledger is None:
        return [("list", alone)]
    tries: list[tuple[str, Callable[[], Writer]]] = []
    if f.ledger.format == "xlsx":
        tries.append(("xlsx", partial(_xlsx_writer, f, found)))
    tries.append(("raw", partial(_book_writer, partial(_raw_copy_of, f), f, found)))
    tries.append(("list", alone))
    return tries


def _book_writer(make: Callable[[], Workbook | None], f: FileResult, found: list[Issue]) -> Writer:
    """The copy made with openpyxl from the workbook `make` gives (None: the list alone)."""
    return partial(_save, _feedback_book(make(), f, found))


def _xlsx_writer(f: FileResult, found: list[Issue]) -> Writer:
    """The unit's .xlsx/.xlsm copied part by part (`feedback_zip`); a package that copy does
    not handle with certainty is copied with openpyxl, as it always was."""
    data = _bounded_bytes(f.path)
    try:
        copied = _zip_copy(data, f, found)
    except Exception:  # NotFast, or a package it reads wrong: openpyxl's copy is still good
        return _book_writer(partial(_openpyxl_copy, data), f, found)
    return lambda path: path.write_bytes(copied)


def _cross_file_issues(result: MergeResult) -> dict[str, list[Issue]]:
    """Findings made across files (duplicates, last month's store), by file label."""
    own = {i for f in result.files for i in f.issues}
    cross: dict[str, list[Issue]] = defaultdict(list)
    for i in result.issues:
        if i not in own:
            cross[i.file].append(i)
    return cross


def _output_path(folder: Path, source: Path, taken: set[Path]) -> tuple[Path, str | None]:
    """`卧龙镇_问题反馈.xlsx`; `卧龙镇（xls）_问题反馈.xlsx` when 卧龙镇.xlsx is also there; never
    the name of an input, nor of an existing file other than a copy ledgerkit wrote and nobody
    changed since (a unit's corrected copy is kept). Also returns the first name passed over
    because such a file holds it (None when none was)."""
    stem = file_stem(source.stem)  # a name valid here may not be on Windows (a:b, CON)
    names = [stem, file_stem(f"{stem}（{source.suffix.lstrip('.') or '无扩展名'}）")]
    names += [f"{stem}（{n}）" for n in range(2, 1000)]
    folded = {str(p).casefold() for p in taken}  # Windows names ignore case
    passed: str | None = None
    for name in names:
        out = folder / f"{name}{SUFFIX}"
        if str(out.resolve()).casefold() in folded:
            continue
        if out.exists() and feedback_state(out) != PRISTINE:
            passed = passed or out.name
            continue
        return out, passed
    raise AssertionError("unreachable: a thousand files with one name")


# --- recognising ledgerkit's own copies ----------------------------------------------------

PRISTINE, EDITED = "pristine", "edited"
_CORE = "docProps/core.xml"
_MAX_CORE_BYTES = 64 * 2**10  # a workbook's properties are a few hundred bytes


def feedback_state(path: Path) -> str | None:
    """PRISTINE for a feedback copy as ledgerkit wrote it, EDITED for one saved since (Excel
    and WPS stamp who saved it and when), None for any other file. Reads only the zip
    directory and the small properties part, within the reader's limits."""
    try:
        if path.stat().st_size > limits.MAX_FILE_BYTES:
            return None
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo(_CORE)
            if info.file_size > _MAX_CORE_BYTES or info.compress_size > _MAX_CORE_BYTES:
                return None
            core = zf.read(info).decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile, zlib.error, EOFError, ValueError):
        return None
    props = dict(_PROP.findall(core))
    marked = props.get("keywords") == FEEDBACK_KEYWORD or (
        props.get("creator") == "ledgerkit" and props.get("title", "").endswith(" 问题反馈")
    )
    if not marked:
        return None
    unchanged = props.get("lastModifiedBy") == "ledgerkit" and props.get("modified", "").startswith(
        FIXED_DATE.strftime("%Y-%m-%dT%H:%M:%S")
    )
    return PRISTINE if unchanged else EDITED


_PROP = re.compile(r"<(?:\w+:)?(keywords|creator|title|lastModifiedBy|modified)\b[^>]*>([^<]*)<")


# --- the workbook --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Place:
    """Where an issue is marked: a sheet of the feedback workbook, an Excel row (1-based) and
    column (1-based; 0 for a whole row). Sheet "" means listed only."""

    sheet: str = ""
    row: int = 0
    col: int = 0


def _feedback_book(wb: Workbook | None, f: FileResult, found: list[Issue]) -> Workbook:
    """The unit's sheet(s) in `wb` with the problems marked (None: the list alone), and the
    问题清单 sheet first."""
    from openpyxl import Workbook

    if wb is None:
        wb = Workbook()
        wb.remove(wb.active)
    places = [_place(wb.sheetnames, f, i) for i in found]
    rows = sorted(zip(found, places, strict=True), key=lambda p: _order(p[1]))
    _mark(wb, rows)
    _problem_sheet(wb, _title(f.path, len(found)), rows)
    _finish(wb, f.label)
    return wb


def _openpyxl_copy(data: bytes) -> Workbook:
    """The unit's .xlsx/.xlsm as it is, without macros, read from its bytes (so a workbook
    named .xls is opened too, and the file itself is only read). The bytes have passed the
    reader's zip checks and the copy's own caps (`_bounded_bytes`): openpyxl never parses a
    workbook past them."""
    from openpyxl import load_workbook

    with warnings.catch_warnings(), _merged_cells_as_saved():
        warnings.simplefilter("ignore")  # "extension not supported" and the like
        wb = load_workbook(io.BytesIO(data), keep_vba=False, rich_text=True)
    wb.template = False
    return wb


@contextlib.contextmanager
def _merged_cells_as_saved() -> Iterator[None]:
    """openpyxl, reading a merged range, drops the styles its cells were saved with and
    rebuilds the edges' borders from the first cell, one `cell.border +=` at a time (each
    hashes and compares Border objects: two thirds of reading a ledger with 50 merged
    包抓领导 cells). While this is open, the cells keep the styles Excel saved them with, which
    are the borders Excel shows. openpyxl has no option for it; another openpyxl without
    the method reads as it always did."""
    from openpyxl.cell.cell import MergedCell
    from openpyxl.worksheet.worksheet import Worksheet

    stock = Worksheet.__dict__.get("_clean_merge_range")
    if stock is None:
        yield
        return

    def as_saved(ws: Worksheet, cells: Any) -> None:
        kept = ws._cells
        coords = cells.cells
        next(coords)  # the first cell holds the value
        for row, col in coords:
            merged = MergedCell(ws, row, col)
            saved = kept.get((row, col))
            if saved is not None and saved.has_style:
                merged._style = saved._style
            kept[row, col] = merged

    Worksheet._clean_merge_range = as_saved  # type: ignore[method-assign]
    try:
        yield
    finally:
        Worksheet._clean_merge_range = stock  # type: ignore[method-assign]


def _bounded_bytes(path: Path) -> bytes:
    """The file's bytes, once its zip directory has passed `check_zip` and its parts
    unpacked come within MAX_COPY_UNZIPPED_BYTES; raises _Refused (rebuild it) otherwise."""
    size = path.stat().st_size
    if size > limits.MAX_FILE_BYTES:
        raise _Refused("feedback-list-only", f"文件有 {_mb(size)}，超过读取上限")
    data = path.read_bytes()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            check_zip(path.name, zf)
            total = sum(i.file_size for i in zf.infolist())
    except UnreadableFile as exc:
        raise _Refused("feedback-rebuilt", exc.reason) from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
        raise _Refused("feedback-rebuilt", "原工作簿无法按原样复制（压缩包结构异常）") from exc
    if total > limits.MAX_COPY_UNZIPPED_BYTES:
        raise _Refused(
            "feedback-rebuilt",
            f"工作簿解压后有 {_mb(total)}，超过按原样复制的上限"
            f" {_mb(limits.MAX_COPY_UNZIPPED_BYTES)}",
        )
    return data


def _raw_copy_of(f: FileResult) -> Workbook | None:
    """The ledger sheets (each sheet counted) rebuilt from the raw cells, read again within
    the reader's limits; past MAX_COPY_CELLS, or when the file cannot be read now, _Refused
    (the list alone)."""
    try:
        book = read_book(f.path)
    except UnreadableFile as exc:
        raise _Refused("feedback-list-only", exc.reason) from exc
    by_name = {s.name: s for s in book.sheets}
    wanted = [(by_name[led.sheet], led.header_rows) for led in f.ledgers if led.sheet in by_name]
    if not wanted and book.sheets:
        wanted = [(book.sheets[0], ())]
    if not wanted:
        return None
    cells = sum(len(raw.rows) * max((len(r) for r in raw.rows), default=0) for raw, _ in wanted)
    if cells > limits.MAX_COPY_CELLS:
        names = "、".join(f"“{raw.name}”" for raw, _ in wanted)
        raise _Refused(
            "feedback-list-only",
            f"工作表{names}有 {cells:,} 个单元格，超过附上原表的上限 {limits.MAX_COPY_CELLS:,} 个",
        )
    wb = _raw_copy(*wanted[0])
    for raw, header_rows in wanted[1:]:  # the other sheets counted, each after the first
        _raw_sheet(wb.create_sheet(), raw, header_rows)
    return wb


def _raw_copy(raw: RawSheet, header_rows: tuple[int, ...]) -> Workbook:
    """A new workbook holding the ledger sheet's values and merged ranges, cell for cell."""
    from openpyxl import Workbook

    wb = Workbook()
    _raw_sheet(wb.active, raw, header_rows)
    return wb


def _raw_sheet(ws: Worksheet, raw: RawSheet, header_rows: tuple[int, ...]) -> None:
    """`raw`'s values and merged ranges, cell for cell, into the empty sheet `ws`."""
    from openpyxl.styles import Alignment, Font

    ws.title = _sheet_title(raw.name)
    for r, row in enumerate(raw.rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None and value != "":
                _put(ws.cell(r, c), value)
    for r0, c0, r1, c1 in _disjoint(raw.merged):
        ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
    for r in header_rows:
        for cell in ws[r]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    if header_rows:
        ws.freeze_panes = f"A{max(header_rows) + 1}"  # by name: A5 may be a merged cell
    _fit_columns(ws, raw)


def _disjoint(merged: Iterable[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """The merged ranges Excel can hold: more than one cell, none overlapping an earlier one
    (an HTML rowspan running into a colspan overlaps, and Excel calls that file damaged)."""
    kept: list[tuple[int, int, int, int]] = []
    for r0, c0, r1, c1 in merged:
        if (r0, c0) == (r1, c1):
            continue
        if any(r0 <= k[2] and k[0] <= r1 and c0 <= k[3] and k[1] <= c1 for k in kept):
            continue
        kept.append((r0, c0, r1, c1))
    return kept


def _fit_columns(ws: Worksheet, raw: RawSheet) -> None:
    """Widths from the longest value in each column, titles merged across columns left out."""
    from openpyxl.utils import get_column_letter

    wide = {(r0, c0) for r0, c0, r1, c1 in raw.merged if c1 > c0}
    widths: dict[int, int] = defaultdict(lambda: 6)
    for r, row in enumerate(raw.rows):
        for c, value in enumerate(row):
            if value is not None and (r, c) not in wide:
                widths[c] = max(widths[c], min(display_width(str(value)) + 2, 40))
    for c, width in widths.items():
        ws.column_dimensions[get_column_letter(c + 1)].width = width


def _sheet_title(name: str) -> str:
    """A sheet name Excel accepts: 31 characters, none of []:*?/\\; a CSV's is 台账."""
    return _BAD_TITLE.sub("", name)[:31].strip("'") or RAW_SHEET


# --- marking the problem cells ----------------------------------------------------------


def _place(names: list[str], f: FileResult, i: Issue) -> _Place:
    """Where `i` goes among the sheets `names`: its own sheet, else the ledger's sheet (a
    CSV's only sheet)."""
    if not i.cell or not names:
        return _Place()
    if i.sheet in names:
        sheet = i.sheet
    elif f.ledger and f.ledger.sheet in names:
        sheet = f.ledger.sheet
    elif i.sheet in ("", getattr(f.ledger, "sheet", "")) and len(names) == 1:
        sheet = names[0]  # a raw copy's only sheet, renamed (CSV -> 台账)
    else:
        return _Place()
    if m := _CELL.fullmatch(i.cell):
        return _Place(sheet, int(m.group(2)), column_index(m.group(1)))
    if (m := _ROW.fullmatch(i.cell)) and int(m.group(1)) > 0:
        return _Place(sheet, int(m.group(1)))
    return _Place()


def _order(p: _Place) -> tuple[int, int, int]:
    """File-level findings first, then by row and column (the order the clerk edits in)."""
    return (1 if p.sheet else 0, p.row, p.col)


Key = tuple[str, int, int]  # (sheet, row, column) of a cell


def _marks(
    rows: list[tuple[Issue, _Place]],
    anchor: Callable[[str, int, int], tuple[int, int]],
    used: Callable[[str, int], list[int]],
) -> tuple[dict[Key, str], dict[Key, list[Issue]]]:
    """The colour of each cell to fill and the problems each comment tells: each problem
    cell strongly, a row's problem lightly on the row's used cells with its comment on the
    first one; several problems of a cell share one comment. `anchor` gives the cell that
    shows a cell (the top-left one of a merged range: a covered cell holds neither a value
    nor a comment), `used` the columns of a row's cells that hold something."""
    notes: dict[Key, list[Issue]] = defaultdict(list)
    strong: dict[Key, list[Issue]] = defaultdict(list)
    light: dict[Key, list[Issue]] = defaultdict(list)
    for i, p in rows:
        if not p.sheet:
            continue
        if p.col:
            key = (p.sheet, *anchor(p.sheet, p.row, p.col))
            strong[key].append(i)
            notes[key].append(i)
            continue
        cols = used(p.sheet, p.row) or [1]
        for c in cols:
            light[(p.sheet, *anchor(p.sheet, p.row, c))].append(i)
        notes[(p.sheet, *anchor(p.sheet, p.row, cols[0]))].append(i)
    fills = {key: ROW_FILL[_worst(found)] for key, found in light.items() if key not in strong}
    fills.update({key: FILL[_worst(found)] for key, found in strong.items()})
    return fills, dict(notes)


def _mark(wb: Workbook, rows: list[tuple[Issue, _Place]]) -> None:
    """The marks of `_marks` made in an openpyxl workbook."""
    fills, notes = _marks(
        rows, lambda s, r, c: _anchor(wb[s], r, c), lambda s, r: _used_columns(wb[s], r)
    )
    for (sheet, r, c), color in fills.items():
        _fill(wb[sheet].cell(r, c), color)
    for (sheet, r, c), found in notes.items():
        _comment(wb[sheet].cell(r, c), found)


def _anchor(ws: Worksheet, row: int, col: int) -> tuple[int, int]:
    """(row, column) of the cell that shows (row, col) in an openpyxl sheet."""
    for rng in ws.merged_cells.ranges:
        if rng.min_row <= row <= rng.max_row and rng.min_col <= col <= rng.max_col:
            return rng.min_row, rng.min_col
    return row, col


def _used_columns(ws: Worksheet, row: int) -> list[int]:
    cells = next(ws.iter_rows(min_row=row, max_row=row, max_col=ws.max_column), ())
    return [c.column for c in cells if c.value is not None and c.value != ""]


def _worst(found: list[Issue]) -> str:
    return "error" if any(i.severity == "error" for i in found) else "warning"


def _fill(cell: Any, color: str) -> None:
    from openpyxl.styles import PatternFill

    cell.fill = PatternFill(fill_type="solid", start_color=color, end_color=color)


def _comment(cell: Any, found: list[Issue]) -> None:
    """One comment, one line per problem; a comment the unit had is kept below ours."""
    from openpyxl.comments import Comment

    had = cell.comment.text if cell.comment is not None else ""
    text, height = _comment_text(found, had)
    cell.comment = Comment(text, "ledgerkit", height=height, width=320)


def _comment_text(found: list[Issue], had: str = "") -> tuple[str, int]:
    """A comment's text, one line per problem (a comment the unit had below them), and its
    height in pixels."""
    lines = [f"{SEVERITY_LABEL[i.severity]}：{_text(i.message)}" for i in found]
    if had:
        lines.append(f"（原批注）{_text(had)}")
    height = sum(max(1, math.ceil(display_width(line) / 44)) for line in lines) * 16 + 12
    return "\n".join(lines), min(height, 600)


# --- the 问题清单 sheet --------------------------------------------------------------------


def _title(source: Path, n: int) -> str:
    stem = source.stem if source.stem.endswith("台账") else f"{source.stem}台账"
    return f"{stem}问题清单（共{n}条，请逐条修改后重新报送）"


def _problem_sheet(wb: Workbook, title: str, rows: list[tuple[Issue, _Place]]) -> None:
    """The list, first in the workbook: title, bold frozen header, one problem a row, each
    cell linked to the marked cell; widths fitted to the Chinese text, A4 landscape."""
    from openpyxl.styles import Alignment, Border, Font, Side

    name = next(n for n in _free_names(PROBLEM_SHEET) if n not in wb.sheetnames)
    ws = wb.create_sheet(name, 0)
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    plain = Font(name="宋体", size=11)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADS))
    _put(ws.cell(1, 1), title)
    ws.cell(1, 1).font = Font(name="黑体", size=14, bold=True)
    ws.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[1].height = 30
    for c, head in enumerate(HEADS, start=1):
        cell = ws.cell(2, c)
        _put(cell, head)
        cell.font = Font(name="宋体", size=11, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
        _fill(cell, HEADER_FILL)
    values, widths = _list_values(rows)
    # a cell's style is set once for each look and copied after: openpyxl hashes a style
    # object each time one is set, a fifth of a copy's time for a list of a hundred rows
    looks: dict[tuple[int, str, bool], Any] = {}
    for n, ((i, p), row) in enumerate(zip(rows, values, strict=True), start=1):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(2 + n, c)
            _put(cell, value)
            look = (c, i.severity, bool(p.sheet))
            if look in looks:
                cell._style = copy.copy(looks[look])
                continue
            cell.font, cell.border = plain, border
            cell.alignment = Alignment(vertical="center", wrap_text=c == len(HEADS))
            if c == 2:
                _fill(cell, FILL[i.severity])
            looks[look] = copy.copy(cell._style)
        if p.sheet:
            _link(ws.cell(2 + n, 4), p)
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[chr(64 + c)].width = width
    ws.freeze_panes = "A3"
    ws.auto_filter.ref = f"A2:E{max(3, 2 + len(rows))}"
    ws.print_title_rows = "1:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _list_values(rows: list[tuple[Issue, _Place]]) -> tuple[list[tuple[Any, ...]], list[int]]:
    """The list's values, one tuple a problem, and the column widths fitted to them."""
    values = [
        (n, SEVERITY_LABEL[i.severity], p.sheet or i.sheet or "—", i.cell or "—", i.message)
        for n, (i, p) in enumerate(rows, start=1)
    ]
    widths = [display_width(h) + 4 for h in HEADS]
    for row in values:
        for c, value in enumerate(row):
            widths[c] = max(widths[c], display_width(str(value)) + 2)
    caps = [80 if c == len(HEADS) - 1 else 24 for c in range(len(HEADS))]
    return values, [min(w, cap) for w, cap in zip(widths, caps, strict=True)]


def _link_target(p: _Place) -> str:
    """'台账'!E7: where the list's cell reference goes."""
    sheet = p.sheet.replace("'", "''")
    return f"'{sheet}'!{col_letter(p.col or 1)}{p.row}"


def _free_names(base: str) -> Iterable[str]:
    """问题清单, then 问题清单(2)… when the unit's workbook already has one."""
    yield base
    n = 2
    while True:
        yield f"{base}({n})"
        n += 1


def _link(cell: Any, p: _Place) -> None:
    """A click on the cell reference goes to the marked cell."""
    from openpyxl.styles import Font
    from openpyxl.worksheet.hyperlink import Hyperlink

    cell.hyperlink = Hyperlink(ref=cell.coordinate, location=_link_target(p))
    cell.font = Font(name="宋体", size=11, color="0563C1", underline="single")


def _finish(wb: Workbook, label: str) -> None:
    """The list is the sheet shown on opening, alone selected (two selected tabs would make
    Excel edit both sheets at once); fixed properties, so runs over one file agree."""
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = False
    wb.active = 0
    wb.worksheets[0].sheet_view.tabSelected = True
    for view in wb.views:
        view.firstSheet = 0
    props = wb.properties
    props.creator = props.lastModifiedBy = "ledgerkit"
    props.title = f"{label} 问题反馈"
    props.keywords = FEEDBACK_KEYWORD  # how a later run knows ledgerkit wrote this file
    props.created = props.modified = FIXED_DATE


# --- the part-by-part copy of an .xlsx ------------------------------------------------------


def _zip_copy(data: bytes, f: FileResult, found: list[Issue]) -> bytes:
    """The copy `_feedback_book` makes, made by `feedback_zip` from the package's parts: the
    same places, marks, comments, list and properties. Raises NotFast (copy it with
    openpyxl) for a package it does not handle with certainty."""
    package = Package(data)
    names = package.sheetnames
    places = [_place(names, f, i) for i in found]
    rows = sorted(zip(found, places, strict=True), key=lambda p: _order(p[1]))
    fills, notes = _marks(rows, package.anchor, package.used_columns)
    values, widths = _list_values(rows)
    listing = ListSheet(
        name=next(n for n in _free_names(PROBLEM_SHEET) if n not in names),
        title=_text(_title(f.path, len(found))),
        heads=HEADS,
        rows=tuple(
            ListRow(
                tuple(v if isinstance(v, int) else _text(v) for v in row),
                i.severity,
                _link_target(p) if p.sheet else None,
            )
            for (i, p), row in zip(rows, values, strict=True)
        ),
        widths=tuple(widths),
        head_fill=HEADER_FILL,
        fills=FILL,
    )
    props = Properties(
        creator="ledgerkit",
        title=_text(f"{f.label} 问题反馈"),
        keywords=FEEDBACK_KEYWORD,
        stamp=FIXED_DATE.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    comments = {key: _comment_text(found) for key, found in notes.items()}
    return package.write(fills, comments, listing, props)


# --- writing ----------------------------------------------------------------------------------


def _text(value: Any) -> str:
    """A text made safe for a cell: no characters XML cannot hold, at most 32,767 characters."""
    text = _NOT_XML.sub("", _CONTROL.sub("", str(value)))
    return text if len(text) <= EXCEL_MAX_TEXT else text[: EXCEL_MAX_TEXT - 1] + "…"


def _put(cell: Any, value: Any) -> None:
    """A value as what it is: numbers, dates and booleans as such, anything else as text,
    even when it starts with = (openpyxl would make that a formula)."""
    if isinstance(value, bool | int | float) and not (
        isinstance(value, float) and not math.isfinite(value)
    ):
        cell.value = value
        return
    if hasattr(value, "year") or hasattr(value, "hour") or hasattr(value, "days"):
        try:
            cell.value = value  # date, datetime, time, timedelta
            return
        except (TypeError, ValueError):
            pass
    cell.value = _text(value)
    cell.data_type = "s"


class _FixedTimeZip(zipfile.ZipFile):
    """A zip whose entries all carry one fixed time, so one workbook gives the same bytes
    (openpyxl adds parts from strings and, for worksheets, from temporary files)."""

    def writestr(  # type: ignore[override]
        self, zinfo_or_arcname: str | zipfile.ZipInfo, data: Any, *args: Any, **kwargs: Any
    ) -> None:
        if isinstance(zinfo_or_arcname, str):
            info = zipfile.ZipInfo(zinfo_or_arcname, date_time=_ZIP_TIME)
            info.compress_type = self.compression
            info.external_attr = 0o600 << 16
            zinfo_or_arcname = info
        super().writestr(zinfo_or_arcname, data, *args, **kwargs)

    def write(  # type: ignore[override]
        self, filename: str | Path, arcname: str | None = None, *args: Any, **kwargs: Any
    ) -> None:
        self.writestr(arcname or Path(filename).name, Path(filename).read_bytes())


def _save(wb: Workbook, path: Path) -> None:
    """Save without openpyxl stamping the current time as the modified date."""
    from openpyxl.writer.excel import ExcelWriter

    archive = _FixedTimeZip(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    ExcelWriter(wb, archive).save()  # closes the archive
