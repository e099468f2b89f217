"""Spreadsheet import: every row checked, good rows imported parents first, bad rows reported."""
from __future__ import annotations

import pytest
from openpyxl import load_workbook

from govflow.errors import ValidationFailed
from govflow.identity.service import find_org_unit, get_user
from govflow.organisation.audit import audit_of
from govflow.organisation.importer import apply_plan, check_file
from govflow.organisation.sheets import report_xlsx, template_csv, template_xlsx

from .conftest import UNIT_HEADERS, USER_HEADERS, csv_file, xlsx_file


def _reasons(plan):
    return {(r.sheet, r.row, r.column): r.reason for r in plan.rejected}


def test_xlsx_with_good_and_bad_rows_imports_the_good_ones_parents_first(org, admin):
    units = [
        ["grid_new_b", "新社区第二网格", "comm_new", "网格"],          # child before its parent
        ["comm_new", "新社区", "street_heping", "社区"],
        ["grid_yg_1", "重复", "comm_yangguang", "网格"],                # exists in the database
        ["comm_new", "新社区again", "street_heping", "社区"],           # duplicate within the file
        ["bad_kind", "类型错误", "street_heping", "小区"],
        ["orphan", "孤儿", "nowhere", "grid"],
        ["=cmd|' /C calc'!A0", "公式", "street_heping", "社区"],
        ["long_name", "长" * 201, "street_heping", "社区"],
        ["child_of_bad", "坏上级", "bad_kind", "grid"],
    ]
    users = [
        ["newgrid", "网格员 新", 13800000001, "grid_worker@grid_new_b", "secret-pass-1"],
        ["newsec", "书记 新", "", "community_secretary@comm_new；party_member@comm_new", ""],
        ["badphone", "坏电话", "12345", "", ""],
        ["badrole", "坏角色", "", "mayor@comm_new", ""],
        ["badunit", "坏单位", "", "grid_worker@orphan", ""],
        ["grid1", "已存在", "", "", ""],
        ["newgrid", "重复", "", "", ""],
        ["formula", "@SUM(A1)", "", "", ""],
    ]
    plan = check_file(xlsx_file(units, users), "org.xlsx")
    assert [u["code"] for u in plan.units] == ["comm_new", "grid_new_b"]
    assert [u["username"] for u in plan.users] == ["newgrid", "newsec"]
    reasons = _reasons(plan)
    assert reasons[("组织单位", 4, "单位编码")] == "exists already"
    assert reasons[("组织单位", 5, "单位编码")] == "duplicate of row 3"
    assert "unknown unit type" in reasons[("组织单位", 6, "单位类型")]
    assert reasons[("组织单位", 7, "上级单位编码")] == "unknown parent unit"
    assert "formula" in reasons[("组织单位", 8, "单位编码")]
    assert "200" in reasons[("组织单位", 9, "单位名称")]
    assert reasons[("组织单位", 10, "上级单位编码")] == "its parent (row 6) was rejected"
    assert "mobile" in reasons[("用户", 4, "手机号")]
    assert "unknown role" in reasons[("用户", 5, "角色@单位")]
    assert reasons[("用户", 6, "角色@单位")] == "unknown unit"
    assert reasons[("用户", 7, "用户名")] == "exists already"
    assert reasons[("用户", 8, "用户名")] == "duplicate of row 2"
    assert "formula" in reasons[("用户", 9, "姓名")]
    assert plan.rejected_rows == 13

    apply_plan(admin, plan)
    grid = find_org_unit("grid_new_b")
    assert grid.parent.code == "comm_new" and grid.path.startswith(find_org_unit("street_heping").path)
    newgrid = get_user("newgrid")
    assert newgrid.phone == "13800000001"
    assert [(g.role, g.org_unit.code) for g in newgrid.grants] == [("grid_worker", "grid_new_b")]
    assert sorted(g.role for g in get_user("newsec").grants) == ["community_secretary", "party_member"]
    assert get_user("newsec").password_hash == ""  # no password in the file: an admin resets it
    assert find_org_unit("orphan") is None and find_org_unit("bad_kind") is None
    audit = audit_of()
    assert audit[0].action == "import" and audit[0].detail == "2 units, 2 users, 13 rows rejected"
    assert sorted(a.action for a in audit[1:]) == ["unit.create"] * 2 + ["user.create"] * 2
    assert all(a.actor == "admin" for a in audit)

    sheet = load_workbook(__import__("io").BytesIO(report_xlsx([r.__dict__ for r in plan.rejected])))["未导入的行"]
    rows = list(sheet.values)
    assert rows[0] == ("工作表", "行号", "列", "原因", "内容") and len(rows) == 1 + len(plan.rejected)
    assert any(r[4] == "=cmd|' /C calc'!A0" for r in rows)  # kept as written, in a string cell:
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)  # never a live formula


@pytest.mark.parametrize("encoding", ["gbk", "utf-8", "utf-8-sig"])
def test_csv_in_gbk_or_utf8_with_or_without_bom(org, admin, encoding):
    units = csv_file(UNIT_HEADERS, [["comm_gbk", "和谐社区", "street_heping", "社区"],
                                    ["grid_gbk", "和谐社区网格", "comm_gbk", "grid"]], encoding)
    plan = check_file(units, "units.csv")
    assert not plan.rejected and [u["name"] for u in plan.units] == ["和谐社区", "和谐社区网格"]
    apply_plan(admin, plan)
    users = csv_file(USER_HEADERS, [["hexie", "和谐 网格员", "010-12345678", "grid_worker@grid_gbk", ""],
                                    ["", "无名", "", "", ""]], encoding)
    plan = check_file(users, "users.csv")
    assert [u["username"] for u in plan.users] == ["hexie"]
    assert [(r.row, r.column) for r in plan.rejected] == [(3, "用户名")]
    apply_plan(admin, plan)
    assert get_user("hexie").display_name == "和谐 网格员"


@pytest.mark.parametrize("content, message", [
    (b"", "empty"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xls"),
    (b"PK\x03\x04 not really a zip", ".xlsx"),
    (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "not a spreadsheet"),
    ("名字,年龄\n张三,3\n".encode(), "header row"),
    (b"x" * 2_000_001, "larger than"),
])
def test_unusable_files_are_refused_with_a_clear_message(org, content, message):
    with pytest.raises(ValidationFailed) as info:
        check_file(content)
    assert message in info.value.errors["file"][0]


def test_row_limit(org):
    rows = [[f"u{n}", "x", "comm_yangguang", "grid"] for n in range(5001)]
    with pytest.raises(ValidationFailed, match="5000"):
        check_file(csv_file(UNIT_HEADERS, rows))


def test_templates_have_the_chinese_headers(org):
    book = load_workbook(__import__("io").BytesIO(template_xlsx()))
    assert [c.value for c in book["组织单位"][1]] == UNIT_HEADERS
    assert [c.value for c in book["用户"][1]] == USER_HEADERS
    assert template_csv("用户").decode("utf-8-sig").startswith("用户名,姓名,手机号,角色@单位")
    # the template's own example rows import cleanly
    plan = check_file(template_xlsx())
    assert not plan.rejected and len(plan.units) == 1 and len(plan.users) == 1
