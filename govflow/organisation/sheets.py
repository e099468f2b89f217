"""Reading import files (.xlsx, or CSV in UTF-8 or GBK) and writing templates and reports.

Everything here is about bytes and cells; what the rows mean is importer.py's business.
"""
from __future__ import annotations

import csv
import io
import zipfile

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from ..errors import ValidationFailed
from ..spreadsheet import append_row, csv_bytes, workbook_bytes
from .i18n import _

MAX_BYTES = 2_000_000
MAX_ROWS = 5000

UNIT_SHEET, USER_SHEET = "组织单位", "用户"
UNIT_HEADERS = ["单位编码", "单位名称", "上级单位编码", "单位类型"]
USER_HEADERS = ["用户名", "姓名", "手机号", "角色@单位", "初始密码"]
SHEETS = {UNIT_SHEET: UNIT_HEADERS, USER_SHEET: USER_HEADERS}
UNIT_EXAMPLE = ["grid_yg_3", "阳光社区第三网格", "comm_yangguang", "网格"]
USER_EXAMPLE = ["grid4", "网格员 张三", "13800000000", "grid_worker@grid_yg_3", ""]
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _refuse(message: str):
    raise ValidationFailed(message, {"file": [message]})


def read_upload(data: bytes, filename: str = "") -> dict[str, list[tuple[int, list[str]]]]:
    """``{sheet: [(row number, cells)]}`` of the data rows, sheets named as in SHEETS.

    Raises ValidationFailed (field ``file``) for an empty, too large or too long
    file, for content that is no spreadsheet, or when no sheet has the template's headers.
    """
    if not data:
        _refuse(_("the file is empty"))
    if len(data) > MAX_BYTES:
        _refuse(_("the file is larger than %(mb)s MB", mb=MAX_BYTES // 1_000_000))
    if data[:4] == b"PK\x03\x04":
        tables = _xlsx_tables(data)
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        _refuse(_("old .xls workbooks are not supported: save the file as .xlsx or CSV"))
    else:
        tables = [_csv_table(data)]
    found: dict[str, list[tuple[int, list[str]]]] = {}
    for rows in tables:
        sheet = _sheet_of(rows[0] if rows else [])
        if sheet and sheet not in found:
            found[sheet] = [(n, cells) for n, cells in enumerate(rows[1:], 2) if any(c.strip() for c in cells)]
    if not found:
        _refuse(_("no sheet has the template's header row (单位编码… or 用户名…)"))
    if sum(len(rows) for rows in found.values()) > MAX_ROWS:
        _refuse(_("more than %(rows)s rows: split the file", rows=MAX_ROWS))
    return found


def _sheet_of(header: list[str]) -> str | None:
    names = [h.strip().lstrip("\ufeff") for h in header]
    for sheet, headers in SHEETS.items():
        if names[:len(headers) - (sheet == USER_SHEET)] == headers[:len(headers) - (sheet == USER_SHEET)]:
            return sheet  # the users' password column is optional
    return None


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # phone numbers typed into Excel arrive as numbers
    return str(value).strip()


def _xlsx_tables(data: bytes) -> list[list[list[str]]]:
    try:
        # data_only=False: a formula cell reads as its "=…" text, so the import rejects it
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        _refuse(_("the file is not a readable .xlsx workbook"))
    tables = []
    try:
        for sheet in book.worksheets:
            rows = []
            for values in sheet.iter_rows(values_only=True):
                rows.append([_cell(v) for v in values[:len(USER_HEADERS) + 2]])
                if len(rows) > MAX_ROWS + 1:
                    _refuse(_("more than %(rows)s rows: split the file", rows=MAX_ROWS))
            tables.append(rows)
    finally:
        book.close()
    return tables


def _csv_table(data: bytes) -> list[list[str]]:
    if b"\x00" in data[:4096]:
        _refuse(_("the file is not a spreadsheet: upload .xlsx or CSV"))
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK; gb18030 is its superset
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        _refuse(_("the CSV is neither UTF-8 nor GBK"))
    rows = []
    for cells in csv.reader(io.StringIO(text, newline="")):
        rows.append([c.strip() for c in cells])
        if len(rows) > MAX_ROWS + 1:
            _refuse(_("more than %(rows)s rows: split the file", rows=MAX_ROWS))
    return rows


def template_xlsx() -> bytes:
    book = Workbook()
    book.remove(book.active)
    for (sheet, headers), example in zip(SHEETS.items(), (UNIT_EXAMPLE, USER_EXAMPLE)):
        ws = book.create_sheet(sheet)
        append_row(ws, headers)
        append_row(ws, example)
        for col in "ABCDE":
            ws.column_dimensions[col].width = 22
    return workbook_bytes(book)


def template_csv(sheet: str) -> bytes:
    return csv_bytes([SHEETS[sheet], UNIT_EXAMPLE if sheet == UNIT_SHEET else USER_EXAMPLE])


def report_xlsx(rejected: list[dict]) -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = "未导入的行"
    append_row(ws, ["工作表", "行号", "列", "原因", "内容"])
    for r in rejected:  # the rejected text is whatever the uploaded file held: text, never a formula
        append_row(ws, [r["sheet"], r["row"], r["column"], r["reason"], r.get("value") or ""])
    for col, width in zip("ABCDE", (12, 8, 16, 48, 30)):
        ws.column_dimensions[col].width = width
    return workbook_bytes(book)
