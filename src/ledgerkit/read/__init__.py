"""Read stage: any ledger file -> the same raw table (cells from A1, merged ranges, bad cells).

The format is told from the bytes, never trusted from the extension: units send HTML pages
named .xls, CSV from office systems, and workbooks that were never opened in Excel.

Every file is untrusted. Before a parser sees it, its sizes are checked against the limits
(from the zip directory for .xlsx, from the cell records for .xls, from the cell references
for each sheet), so that a zip bomb, a stray cell at XFD1048576 or an XML entity bomb ends in
a Chinese reason for that one file, in bounded time and memory, and never in an allocation
that would take the whole run down.

This module is the stage's public face; the work is in its modules:

- `dispatch`: which files are ledgers, the format told from the bytes, `read_book`
- `book`: `RawBook`, `RawSheet`, `Cell`, `Merge`, column letters
- `limits`: every `MAX_*` limit and the helpers that enforce them (patch limits here)
- `xlsx`: zip workbooks (.xlsx, .xlsm, .ods): zip checks and the XML pre-scan
- `calamine`: python-calamine, reading .xlsx, .xlsm, .ods and .xls once they are bounded
- `xls`: OLE containers: old .xls (BIFF8) and workbooks with an open password
- `text`: CSV/TSV in any encoding, `decode_text`
- `html_page`: HTML pages saved as .xls
- `xml2003`: Excel 2003 XML spreadsheets
"""

from ledgerkit.read.book import Cell, Merge, RawBook, RawSheet, column_index, column_letter
from ledgerkit.read.dispatch import LEDGER_SUFFIXES, is_lock_file, read_book, sniff
from ledgerkit.read.text import decode_text

__all__ = [
    "LEDGER_SUFFIXES",
    "Cell",
    "Merge",
    "RawBook",
    "RawSheet",
    "column_index",
    "column_letter",
    "decode_text",
    "is_lock_file",
    "read_book",
    "sniff",
]
