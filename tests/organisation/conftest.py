"""Fixtures for organisation administration: the admin's principal and import files."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook

from tests.web.conftest import page_as, principal_of, web_app, web_case  # noqa: F401

UNIT_HEADERS = ["单位编码", "单位名称", "上级单位编码", "单位类型"]
USER_HEADERS = ["用户名", "姓名", "手机号", "角色@单位", "初始密码"]


def xlsx_file(units=None, users=None) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, headers, rows in (("组织单位", UNIT_HEADERS, units), ("用户", USER_HEADERS, users)):
        if rows is not None:
            ws = book.create_sheet(title)
            ws.append(headers)
            for row in rows:
                ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_file(headers, rows, encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


@pytest.fixture
def admin(principal_of):
    return principal_of("admin")
