"""The floors bench_all.py compares ledgerkit with, each run in a fresh process.

    python bench/floors.py read-write ENGINE FOLDER ROWS.pickle OUT.xlsx
    python bench/floors.py naive FOLDER ROWS.pickle OUT.xlsx
    python bench/floors.py check ENGINE FILE
    python bench/floors.py render TEMPLATE CONTEXT.pickle ROWS_FROM.xlsx OUT.docx
    python bench/floors.py detail-rows WORKBOOK ROWS.pickle

Each prints one JSON object of seconds. What is timed starts after the rows to write (or the
context to render) are loaded from the pickle: that is ledgerkit's result, not work a floor
does. Imports of the engines are timed: ledgerkit pays for its own. The interpreter's start
is measured by bench_all.py and added there.

- read-write: the engine (calamine: to_python; fastexcel: load_sheet) reads every file on two
  threads, then xlsxwriter writes the rows (no formats, no other sheets) with write_row.
- naive: pandas.read_excel(engine="openpyxl") file by file, then openpyxl writes the rows,
  formatted (font, wrapped text, number format), as the issue's naive pipeline does.
- check: the engine reads one file.
- render: calamine reads the merged workbook's detail sheet, docxtpl renders the template.
"""

from __future__ import annotations

import json
import pickle
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def _load(path: str) -> object:
    with open(path, "rb") as fh:
        return pickle.load(fh)


def _files(folder: str) -> list[Path]:
    return sorted(p for p in Path(folder).iterdir() if p.suffix == ".xlsx")


def _reader(engine: str):  # type: ignore[no-untyped-def]
    if engine == "calamine":
        import python_calamine as pc

        def read(path: Path) -> object:
            book = pc.CalamineWorkbook.from_path(str(path))
            return book.get_sheet_by_index(0).to_python()

        return read
    import fastexcel

    def read_fe(path: Path) -> object:
        return fastexcel.read_excel(str(path)).load_sheet(0, header_row=None)

    return read_fe


def read_write(engine: str, folder: str, rows_file: str, out: str) -> dict[str, float]:
    start = time.perf_counter()
    rows = _load(rows_file)
    files = _files(folder)
    t0 = time.perf_counter()
    read = _reader(engine)
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(read, files))
    t1 = time.perf_counter()
    import xlsxwriter

    wb = xlsxwriter.Workbook(out)
    ws = wb.add_worksheet("项目明细")
    for r, row in enumerate(rows):  # type: ignore[arg-type]
        ws.write_row(r, 0, row)
    wb.close()
    t2 = time.perf_counter()
    return {"load": t0 - start, "read": t1 - t0, "write": t2 - t1, "total": t2 - t0}


def _read_rows(path: Path) -> list[list[object]]:
    import python_calamine as pc

    return pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def tight(folder: str, rows_file: str, out: str) -> dict[str, float]:
    """Issue 18's tight floor: python-calamine reading the files in two spawned processes
    (the rows sent back, as ledgerkit's workers send theirs), then ledgerkit's own row writer
    (`xlsx_rows.RowSheet`, `close_fast`) writing the same detail rows."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    start = time.perf_counter()
    rows = _load(rows_file)
    files = _files(folder)
    t0 = time.perf_counter()
    with ProcessPoolExecutor(2, mp_context=get_context("spawn")) as pool:
        list(pool.map(_read_rows, files, chunksize=8))
    t1 = time.perf_counter()
    import xlsxwriter

    from ledgerkit.xlsx_rows import RowSheet, close_fast

    wb = xlsxwriter.Workbook(out)
    ws = wb.add_worksheet("项目明细", worksheet_class=RowSheet)
    width = max(len(r) for r in rows)  # type: ignore[arg-type]
    cells = ([(v, None) for v in row] for row in rows)  # type: ignore[attr-defined]
    ws.add_rows(0, cells, [0] * width, 60)
    close_fast(wb)
    t2 = time.perf_counter()
    return {"load": t0 - start, "read": t1 - t0, "write": t2 - t1, "total": t2 - t0}


def naive(folder: str, rows_file: str, out: str) -> dict[str, float]:
    start = time.perf_counter()
    rows = _load(rows_file)
    files = _files(folder)
    t0 = time.perf_counter()
    import pandas as pd

    for path in files:
        pd.read_excel(path, engine="openpyxl", header=None)
    t1 = time.perf_counter()
    import openpyxl
    from openpyxl.styles import Alignment, Font

    wb = openpyxl.Workbook()
    ws = wb.active
    font = Font(name="宋体", size=10)
    wrap = Alignment(wrap_text=True, vertical="center")
    for r, row in enumerate(rows, start=1):  # type: ignore[arg-type]
        for c, value in enumerate(row, start=1):
            if value == "":
                continue
            cell = ws.cell(r, c, value)  # formatted as ledgerkit formats its master
            cell.font = font
            if isinstance(value, str):
                cell.alignment = wrap
            else:
                cell.number_format = "#,##0.00"
    ws.freeze_panes = "A3"
    ws.auto_filter.ref = ws.dimensions
    wb.save(out)
    t2 = time.perf_counter()
    return {"load": t0 - start, "read": t1 - t0, "write": t2 - t1, "total": t2 - t0}


def check(engine: str, path: str) -> dict[str, float]:
    t0 = time.perf_counter()
    _reader(engine)(Path(path))
    return {"total": time.perf_counter() - t0}


def render(template: str, context_file: str, workbook: str, out: str) -> dict[str, float]:
    start = time.perf_counter()
    context = _load(context_file)
    t0 = time.perf_counter()
    import python_calamine as pc

    pc.CalamineWorkbook.from_path(workbook).get_sheet_by_name("项目明细").to_python()
    from docxtpl import DocxTemplate

    from ledgerkit.bulletin import jinja_env  # the template's filters (yi, pct …): a few lines
    from ledgerkit.settings import Settings

    tpl = DocxTemplate(template)
    tpl.render(context, jinja_env=jinja_env(Settings()), autoescape=True)
    tpl.save(out)
    return {"load": t0 - start, "total": time.perf_counter() - t0}


def detail_rows(workbook: str, rows_file: str) -> dict[str, float]:
    """The detail sheet ledgerkit wrote, as values, pickled for the floors to write the same
    rows (here, so that bench_all.py stays small: a child's peak memory counts its parent's)."""
    import python_calamine as pc

    rows = pc.CalamineWorkbook.from_path(workbook).get_sheet_by_name("项目明细").to_python()
    Path(rows_file).write_bytes(pickle.dumps(rows))
    return {"rows": len(rows)}


def main() -> None:
    kind, *args = sys.argv[1:]
    fn = {
        "read-write": read_write,
        "tight": tight,
        "naive": naive,
        "check": check,
        "render": render,
        "detail-rows": detail_rows,
    }[kind]
    print(json.dumps(fn(*args)))


if __name__ == "__main__":
    main()
