"""Write stage: the merged ledger as a workbook a clerk can read, filter and print.

Written with xlsxwriter (3x faster than openpyxl) through output.atomic_write, so a failed
run never leaves half a workbook. Text from units is always written as text: a name starting
with "=" is never a formula in the district's book. Sheet names and headers come from
layout, which the readers of this workbook use too.
"""

from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ledgerkit.layout import (
    DETAIL_SHEET,
    FILE_HEADERS_AFTER_COUNTS,
    FILE_HEADERS_BEFORE_COUNTS,
    FILE_STATUS_LABEL,
    FILES_SHEET,
    ISSUE_HEADERS,
    ISSUES_SHEET,
    PHOTO_COUNT_HEADER,
    PHOTO_HEADERS,
    PHOTOS_SHEET,
    SEVERITY_LABEL,
    SHEET_SET_ASIDE,
    SOURCE_HEADERS,
)
from ledgerkit.merging import FAILED, FileResult, MergeResult, sheet_lines
from ledgerkit.nodes import LEDGER_HEADERS, Node, ledger_rows
from ledgerkit.nodes import SHEET as NODE_SHEET
from ledgerkit.normalise import (
    BLANK,
    FOOTER,
    HEADER,
    SECTION,
    SUBTOTAL,
    TITLE,
    TOTAL,
    UNRECOGNISED,
    SheetLedger,
)
from ledgerkit.output import atomic_write
from ledgerkit.period import Period
from ledgerkit.photos import PhotoIndex
from ledgerkit.project import Project
from ledgerkit.read import column_letter
from ledgerkit.schema import load_schema
from ledgerkit.settings import Settings
from ledgerkit.summary import add_summary_sheets
from ledgerkit.tables import Styles, new_workbook, table_sheet
from ledgerkit.xlsx_rows import Formula, close_fast

# sheets of a merged workbook read back and written again as they were: name -> (heads, rows)
KeptSheets = Mapping[str, tuple[list[str], list[list[Any]]]]


def write_workbook(
    result: MergeResult,
    out: Path,
    title: str,
    figures: dict[str, Any] | None = None,
    settings: Settings | None = None,
    kept: KeptSheets | None = None,
    nodes: Sequence[Node] = (),
    photos: PhotoIndex | None = None,
) -> None:
    """Write the merged ledger (and, given the figures, the summary sheets in front of it) to
    `out` atomically. Rewriting a merged workbook, `kept` holds its 问题清单 and 文件情况 as
    they were (result.issues then adds what the rewrite found). The units' 节点 sheets go in
    a 节点 sheet after 项目明细. Raises OutputLocked if the file is open in Excel or WPS."""
    settings = settings or Settings()
    atomic_write(
        out,
        lambda tmp: _write(result, tmp, title, figures, settings, kept or {}, nodes, photos),
        "汇总表",
    )


def _write(
    result: MergeResult,
    path: Path,
    title: str,
    figures: dict[str, Any] | None,
    settings: Settings,
    kept: KeptSheets,
    nodes: Sequence[Node] = (),
    photos: PhotoIndex | None = None,
) -> None:
    wb = new_workbook(path, title)
    styles = Styles(wb, settings)
    if figures is not None:
        add_summary_sheets(wb, styles, figures, settings)
    _detail_sheet(wb, styles, result, title, photos)
    if result.period is not None and any(n.source == NODE_SHEET for n in nodes):
        _nodes_sheet(wb, styles, nodes, result.period, title)
    _issues_sheet(wb, styles, result, kept.get(ISSUES_SHEET))
    if FILES_SHEET in kept:
        _kept_sheet(wb, styles, FILES_SHEET, "报送文件情况", kept[FILES_SHEET])
    else:
        _files_sheet(wb, styles, result)
    if photos is not None:
        _photos_sheet(wb, styles, result, photos)
    close_fast(wb)


# --- 项目明细 --------------------------------------------------------------------------------


def detail_keys(result: MergeResult) -> list[str]:
    """The canonical fields in the detail sheet, in schema order; an optional field (县区,
    上月累计) only when some project has it."""
    schema = load_schema()
    rows = result.projects
    held: set[str] = set()  # the fields some project holds: a project read keeps only those
    for p in rows:
        held.update(p.__dict__)
    return [
        k
        for k, f in schema.fields.items()
        if k not in ("unit", "seq")
        and (not f.optional or (k in held and any(getattr(p, k) is not None for p in rows)))
    ]


def detail_headers(result: MergeResult, keys: list[str] | None = None) -> list[str]:
    """The detail sheet's headers: canonical labels (money in 万元), extras, the source;
    `keys` are `detail_keys(result)` when the caller has them already."""
    schema = load_schema()
    heads = ["序号", schema.fields["unit"].label]
    for key in detail_keys(result) if keys is None else keys:
        f = schema.fields[key]
        heads.append(f"{f.label}（万元）" if f.kind in ("money", "reference") else f.label)
    return heads + result.extra_columns + list(SOURCE_HEADERS)


def _detail_sheet(
    wb: Any, styles: Styles, result: MergeResult, title: str, photos: PhotoIndex | None = None
) -> None:
    keys = detail_keys(result)
    extras = result.extra_columns
    # the photos counted per project, unless the column came in already (a merged workbook
    # read back, a district's in a city's roll-up)
    counted = photos if photos is not None and PHOTO_COUNT_HEADER not in extras else None
    letters = {k: column_letter(2 + i) for i, k in enumerate(keys)}
    kinds = {k: load_schema().fields[k].kind for k in keys}
    formats = {
        k: styles.money if kind in ("money", "reference") else styles.text
        for k, kind in kinds.items()
    }
    # the fields a project holds, read in one call; 完成率 (derived) is a formula in its place
    held = [k for k in keys if kinds[k] != "derived"]
    derived = [2 + i for i, k in enumerate(keys) if kinds[k] == "derived"]
    values_of = operator.attrgetter("unit", *held)
    fmts = [styles.text, *(formats[k] for k in held)]
    text, whole = styles.text, styles.int

    def rows() -> Iterable[list[tuple[Any, Any]]]:
        for n, p in enumerate(result.projects, start=1):
            cells = [(n, whole), *zip(values_of(p), fmts, strict=True)]
            for at in derived:  # in order, each into its own column
                cells.insert(at, _rate_formula(p, letters, n + 2, styles))
            if extras:
                cells += [(p.extras.get(h), text) for h in extras]
            if counted is not None:
                cells.append((counted.count(p.unit or "", str(p.name or "")), whole))
            src = p.origin or p.source  # a workbook read back keeps the units' files
            cells += [(src.file, text), (src.sheet, text), (src.row, whole)]
            yield cells

    heads = detail_headers(result, keys)
    if counted is not None:
        heads.insert(len(heads) - len(SOURCE_HEADERS), PHOTO_COUNT_HEADER)
    key = heads.index(load_schema().fields["name"].label) + 1  # 序号 … 项目名称 on every page
    table_sheet(wb, styles, DETAIL_SHEET, title, heads, rows(), key_columns=key)


def _rate_formula(p: Project, letters: dict[str, str], row: int, styles: Styles) -> tuple[Any, Any]:
    """完成率 as a live formula, so a corrected amount updates it."""
    plan, ytd = p.annual_plan, p.ytd_completed
    cached = float(ytd / plan) if plan and ytd is not None else ""
    formula = (
        f'=IF(N({letters["annual_plan"]}{row})=0,"",'
        f"N({letters['ytd_completed']}{row})/{letters['annual_plan']}{row})"
    )
    return Formula(formula, cached), styles.pct


# --- 问题清单 and 文件情况 ---------------------------------------------------------------------


def _nodes_sheet(
    wb: Any, styles: Styles, nodes: Sequence[Node], period: Period, title: str
) -> None:
    colours = {"逾期": styles.error}

    def rows() -> Iterable[list[tuple[Any, Any]]]:
        for row in ledger_rows(nodes, period):
            yield [
                (v, styles.int if c in (0, 10) else colours.get(str(v), styles.text))
                for c, v in enumerate(row)
            ]

    table_sheet(wb, styles, NODE_SHEET, f"{title}（项目节点）", LEDGER_HEADERS, rows())


def _issues_sheet(
    wb: Any, styles: Styles, result: MergeResult, kept: tuple[list[str], list[list[Any]]] | None
) -> None:
    heads = ISSUE_HEADERS
    before = kept[1] if kept else []
    colours = {SEVERITY_LABEL["error"]: styles.error, SEVERITY_LABEL["warning"]: styles.warning}

    def rows() -> Iterable[list[tuple[Any, Any]]]:
        for row in before:  # the findings of the merge, as the workbook held them
            yield [(v, colours.get(v, styles.text) if c == 1 else _kept_format(v, styles))
                   for c, v in enumerate(row)]  # fmt: skip
        for n, i in enumerate(result.issues, start=len(before) + 1):
            fmt = {"error": styles.error, "warning": styles.warning}.get(i.severity, styles.text)
            yield [
                (n, styles.int),
                (SEVERITY_LABEL[i.severity], fmt),
                (i.code, styles.text),
                (i.file, styles.text),
                (i.sheet, styles.text),
                (i.cell, styles.text),
                (i.message, styles.text),
            ]

    table_sheet(wb, styles, ISSUES_SHEET, ISSUES_SHEET, heads, rows(), max_width=80)


def _kept_format(value: Any, styles: Styles) -> Any:
    return (
        styles.int
        if isinstance(value, int | float) and not isinstance(value, bool)
        else styles.text
    )


def _kept_sheet(
    wb: Any, styles: Styles, name: str, title: str, kept: tuple[list[str], list[list[Any]]]
) -> None:
    """A table of a merged workbook written again as it was read."""
    heads, rows = kept
    cells = ([(v, _kept_format(v, styles)) for v in row] for row in rows)
    table_sheet(wb, styles, name, title, heads, cells)


FILE_COUNTS = (
    ("合计行", (TOTAL,)),
    ("小计行", (SUBTOTAL,)),
    ("小节行", (SECTION,)),
    ("标题和表头行", (TITLE, HEADER)),
    ("空行", (BLANK,)),
    ("表尾行", (FOOTER,)),
    ("未识别行", (UNRECOGNISED,)),
)


def _photos_sheet(wb: Any, styles: Styles, result: MergeResult, photos: PhotoIndex) -> None:
    """照片: every project with how many photos of 形象进度 it has this month (0 shown)."""
    text, whole = styles.text, styles.int

    def rows() -> Iterable[list[tuple[Any, Any]]]:
        for n, p in enumerate(result.projects, start=1):
            mine = photos.of(p.unit or "", str(p.name or ""))
            folder = mine[0].path.parent.relative_to(photos.folder.parent) if mine else ""
            started = "" if p.started is None else "是" if p.started else "否"
            yield [(n, whole), (p.unit, text), (p.name, text), (started, text),
                   (len(mine), whole), (mine[0].taken if mine else "", text),
                   (str(folder), text)]  # fmt: skip

    table_sheet(wb, styles, PHOTOS_SHEET, "形象进度照片", PHOTO_HEADERS, rows())


def _files_sheet(wb: Any, styles: Styles, result: MergeResult) -> None:
    heads = [
        *FILE_HEADERS_BEFORE_COUNTS,
        *(h for h, _ in FILE_COUNTS),
        *FILE_HEADERS_AFTER_COUNTS,
    ]
    errors = Counter((i.file, i.sheet) for i in result.issues if i.severity == "error")
    warnings = Counter((i.file, i.sheet) for i in result.issues if i.severity == "warning")
    # each file's findings in all, and the sheets they are on: looked up, not searched for
    totals: dict[str, list[int]] = {}
    sheets: dict[str, set[str]] = {}
    for at, counts in enumerate((errors, warnings)):
        for (file, sheet), n in counts.items():
            totals.setdefault(file, [0, 0])[at] += n
            sheets.setdefault(file, set()).add(sheet)

    def rows() -> Iterable[list[tuple[Any, Any]]]:
        for f in result.files:
            lines = sheet_lines(f)
            if len(lines) <= 1:  # one sheet: the file's line, as it always was
                found = totals.get(f.label, [0, 0])
                yield _file_row(f, f.ledger, f.status, f.reason, styles, errors, warnings, found)
                continue
            # a line per sheet, counted or set aside; the file's own findings on the first
            shown = {line.sheet for line in lines}
            rest = sheets.get(f.label, set()) - shown
            for n, line in enumerate(lines):
                status = f.status if line.ledger else SHEET_SET_ASIDE
                also = rest if n == 0 else set()
                yield _file_row(f, line.ledger, status, line.reason, styles, errors, warnings,
                                (line.sheet, also))  # fmt: skip

    table_sheet(wb, styles, FILES_SHEET, "报送文件情况", heads, rows())


def _file_row(
    f: FileResult,
    led: SheetLedger | None,
    status: str,
    reason: str,
    styles: Styles,
    errors: Counter[tuple[str, str]],
    warnings: Counter[tuple[str, str]],
    sheet: tuple[str, set[str]] | list[int],
) -> list[tuple[Any, Any]]:
    """One line of 文件情况: a file (`sheet` its errors and warnings in all), or one sheet of it
    (its findings, and those of the sheets in the set, which have no line of their own)."""
    counts = Counter(s.kind for s in led.set_aside) if led else Counter()
    if isinstance(sheet, list):
        n_errors, n_warnings = sheet
        name = led.sheet if led else ""
    else:
        name, also = sheet
        n_errors = sum(errors[(f.label, s)] for s in (name, *also))
        n_warnings = sum(warnings[(f.label, s)] for s in (name, *also))
    status_fmt = styles.error if status == FAILED else styles.text
    return [
        (f.label, styles.text),
        (FILE_STATUS_LABEL.get(status, status), status_fmt),
        (reason, styles.text),
        (led.unit if led else "", styles.text),
        (led.unit_source if led else "", styles.text),
        (name, styles.text),
        ("、".join(map(str, led.header_rows)) if led else "", styles.text),
        (led.rows_read if led else None, styles.int),
        (
            len(led.projects) if led else (f.projects if isinstance(sheet, list) else None),
            styles.int,
        ),
        # a sheet set aside was not read row by row: nothing to count, blank not 0
        *(
            (sum(counts[k] for k in kinds) if led or isinstance(sheet, list) else None, styles.int)
            for _, kinds in FILE_COUNTS
        ),
        (n_errors, styles.int),
        (n_warnings, styles.int),
    ]
