"""Table fields (a list of rows, e.g. 一支部一策's problem list) on the staff pages."""
from __future__ import annotations

from datetime import date, timedelta

from flask import render_template_string
from werkzeug.datastructures import MultiDict

from govflow.attachments.service import UploadTarget
from govflow.errors import ValidationFailed
from govflow.forms.inputs import form_fields, parse_submission
from govflow.forms.validation import describe, validate_submission

PAGE = '{% import "_fields.html" as ui %}{{ ui.field(f, value, errors) }}'


def _plan_items():
    return next(f for f in form_fields("branch.plan", []) if f["id"] == "plan_items")


def test_the_description_lists_the_columns_of_each_row():
    plan_items = next(f for f in describe("branch.plan", []) if f["id"] == "plan_items")
    assert plan_items["widget"] == "table"
    assert [c["id"] for c in plan_items["columns"]] == ["problem", "measure", "owner", "deadline"]
    assert [c["widget"] for c in plan_items["columns"]] == ["text", "textarea", "text", "date"]
    assert plan_items["columns"][0]["label"] == "存在问题"


def test_posted_rows_become_a_list_and_blank_rows_are_dropped(ctx):
    later = (date.today() + timedelta(days=30)).isoformat()
    posted = MultiDict([
        ("plan_goal", "半年内转化提升"),
        ("plan_items.0.problem", "书记空缺"), ("plan_items.0.measure", "选优配强"),
        ("plan_items.0.owner", "吴刚"), ("plan_items.0.deadline", later),
        ("plan_items.1.problem", " "), ("plan_items.1.measure", ""),          # a spare blank row
        ("plan_items.10.problem", "组织生活不正常"), ("plan_items.10.measure", "每月主题党日"),
        ("plan_items.10.owner", "高远"), ("plan_items.10.deadline", later),
        ("plan_items.x.problem", "ignored"), ("other.0.problem", "ignored"),
    ])
    fields = form_fields("branch.plan", [])
    values, errors = parse_submission(fields, posted, MultiDict(), UploadTarget("form", 1))
    assert errors == {}
    assert [row["problem"] for row in values["plan_items"]] == ["书记空缺", "组织生活不正常"]
    cleaned = validate_submission("branch.plan", [], values)
    assert cleaned["plan_items"][1] == {"problem": "组织生活不正常", "measure": "每月主题党日",
                                        "owner": "高远", "deadline": later}


def test_no_rows_at_all_is_reported_on_the_field(ctx):
    values, _ = parse_submission(form_fields("branch.plan", []), MultiDict([("plan_goal", "x")]),
                                 MultiDict(), UploadTarget("form", 1))
    assert values["plan_items"] == []
    try:
        validate_submission("branch.plan", [], values)
    except ValidationFailed as exc:
        assert exc.errors["plan_items"] == ["至少列出一项问题和措施"]
    else:
        raise AssertionError("an empty plan was accepted")


def test_the_page_draws_rows_with_values_spare_rows_and_cell_errors(app):
    with app.test_request_context("/"):
        html = render_template_string(PAGE, f=_plan_items(),
                                      value=[{"problem": "<b>书记空缺</b>", "deadline": "2020-01-01"}],
                                      errors={0: {"deadline": ["日期须晚于今天"]}})
    assert html.count('name="plan_items.0.problem"') == 1
    assert 'value="&lt;b&gt;书记空缺&lt;/b&gt;"' in html          # escaped, never markup
    assert 'name="plan_items.2.owner"' in html and 'name="plan_items.3.owner"' not in html  # 1 row + 2 spare
    assert 'type="date" name="plan_items.0.deadline" value="2020-01-01"' in html
    assert "日期须晚于今天" in html and 'data-add-row="plan_items"' in html
