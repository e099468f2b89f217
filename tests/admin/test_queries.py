"""The instance search and the ledger exports, as services (SQLite and PostgreSQL)."""
from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from werkzeug.datastructures import MultiDict

from govflow.admin.exports import HEADERS, ledger_csv, ledger_xlsx
from govflow.admin.queries import ledger_rows, parse_filter, search_instances
from govflow.errors import ValidationFailed
from govflow.extensions import db
from govflow.instances.models import ProcessInstance
from govflow.worklist.models import HumanTask


def keys(**args):
    return sorted(i.business_key for i in ledger_rows(parse_filter(MultiDict(args))))


def test_filters_by_process_status_org_subtree_key_variable_and_step(cases):
    assert keys() == ["BK-1", "BK-2", "BK-3"]
    assert keys(process="web_case", version="1") == ["BK-1", "BK-2", "BK-3"]
    assert keys(process="other") == []
    assert keys(version="2") == []
    assert keys(status="active") == ["BK-1", "BK-2", "BK-3"]
    assert keys(status="completed") == []
    assert keys(org="grid_yg_1") == ["BK-1", "BK-2"]
    assert keys(org="comm_yangguang") == ["BK-1", "BK-2", "BK-3"]   # sub-units included
    assert keys(org="comm_xingfu") == []
    assert keys(business_key="BK-2") == ["BK-2"]
    assert keys(var_name="category", var_value="road") == ["BK-1", "BK-3"]
    assert keys(step="verify") == ["BK-1", "BK-2", "BK-3"]
    assert keys(step="现场核实") == ["BK-1", "BK-2", "BK-3"]
    assert keys(step="review") == []


def test_filters_by_dates_and_overdue(cases):
    today = date.today().isoformat()
    assert keys(started_from="2000-01-01", started_to=(date.today() + timedelta(days=1)).isoformat()) \
        == ["BK-1", "BK-2", "BK-3"]
    assert keys(started_to="2000-01-01") == []
    assert keys(ended_from="2000-01-01") == []           # none has ended
    assert keys(overdue="1") == []
    task = db.session.query(HumanTask).join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id) \
        .filter(ProcessInstance.business_key == "BK-3").one()
    task.due_at = datetime(2000, 1, 1)
    db.session.commit()
    assert keys(overdue="1") == ["BK-3"]
    assert today  # dates parse in local form


def test_bad_filter_values_are_named_not_fatal(cases):
    f = parse_filter(MultiDict({"version": "x", "status": "nope", "started_from": "yesterday"}))
    assert set(f.errors) == {"version", "status", "started_from"}
    assert len(ledger_rows(f)) == 3
    with pytest.raises(ValidationFailed):
        ledger_rows(parse_filter(MultiDict({"org": "no_such_unit"})))


def test_paging_is_newest_first_without_overlap(cases):
    first = search_instances(parse_filter(MultiDict()), page_size=2)
    second = search_instances(parse_filter(MultiDict({"page": "2"})), page_size=2)
    assert first.has_next and not second.has_next
    ids = [i.id for i in first.rows + second.rows]
    assert len(set(ids)) == 3


def test_xlsx_has_chinese_headers_real_dates_and_one_row_per_instance(cases):
    rows = ledger_rows(parse_filter(MultiDict({"var_name": "category", "var_value": "road"})))
    book = load_workbook(io.BytesIO(ledger_xlsx(rows, "Asia/Shanghai")))
    sheet = book["台账"]
    values = list(sheet.values)
    assert list(values[0]) == HEADERS
    assert sorted(r[3] for r in values[1:]) == ["BK-1", "BK-3"]
    row = next(r for r in values[1:] if r[3] == "BK-1")
    assert row[1] == "街巷问题处置" and row[4] == "路灯不亮" and row[5] == "阳光社区第一网格" and row[6] == "运行中"
    assert isinstance(row[8], datetime) and row[9] is None
    started = next(i for i in rows if i.business_key == "BK-1").started_at
    assert row[8].replace(microsecond=0) == (started + timedelta(hours=8)).replace(microsecond=0)


def test_csv_has_a_bom_and_the_same_rows(cases):
    text = ledger_csv(ledger_rows(parse_filter(MultiDict())), "Asia/Shanghai").decode("utf-8")
    assert text.startswith("\ufeff实例编号,")
    assert len(text.strip().splitlines()) == 4
