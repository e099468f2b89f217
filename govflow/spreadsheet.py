"""Tables that people open in Excel or WPS: every text cell stays text.

Exports carry text residents typed into the anonymous /report form. A cell
starting with ``=``, ``+``, ``-``, ``@`` (or a tab / carriage return before one)
is a live formula to a spreadsheet: ``=HYPERLINK(…)`` phishes, ``=cmd|…`` runs
a program (CSV injection). In xlsx text cells are typed as strings, never
formulas; CSV has no types, so such a cell gets a leading ``'``, which Excel
shows as text and does not display.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r", "\n")


def csv_cell(value):
    """``value`` as a CSV cell that no spreadsheet evaluates."""
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        return "'" + value
    return value


def csv_bytes(rows: Iterable[Iterable]) -> bytes:
    """UTF-8 with a BOM (so that Excel reads the Chinese right), text cells defused."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def append_row(ws: Worksheet, row: Iterable) -> None:
    """``ws.append`` with every text cell typed as a string: openpyxl would otherwise
    store text starting with ``=`` as a formula."""
    ws.append(list(row))
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def workbook_bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
