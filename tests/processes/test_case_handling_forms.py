"""Case handling forms: what a page renders and what the server refuses."""
import re
from datetime import timedelta

import pytest

from govflow.errors import ValidationFailed
from govflow.forms import form_keys
from govflow.forms.validation import describe, validate_submission
from govflow.timeutil import utcnow

KEYS = {"case.report", "case.verify", "case.analyse", "case.community_handle", "case.deliberate",
        "case.dept_accept", "case.dept_report", "case.supervise", "case.check", "case.callback"}
REPORT = {"title": "路灯不亮", "category": "road", "description": "三天了", "location": "阳光小区3栋"}
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def errors(key: str, data: dict) -> set[str]:
    with pytest.raises(ValidationFailed) as refused:
        validate_submission(key, [], data)
    return set(refused.value.errors)


def test_every_case_form_is_registered_with_chinese_labels_and_help():
    assert KEYS <= form_keys()
    for key in KEYS:
        for field in describe(key, []):
            assert CHINESE.search(field["label"]), (key, field["id"])
            assert all(CHINESE.search(o["name"]) for o in field["options"]), (key, field["id"])
            if field["type"] not in ("boolean",) and field["id"] not in ("meeting_date",):
                assert field["help"] is None or CHINESE.search(field["help"])


def test_categories_and_other_enums_carry_chinese_names():
    fields = {f["id"]: f for f in describe("case.report", [])}
    assert fields["category"]["widget"] == "select" and fields["category"]["required"] is True
    options = {o["id"]: o["name"] for o in fields["category"]["options"]}
    assert options["road"] == "道路设施" and options["sanitation"] == "环境卫生" and options["other"] == "其他"
    assert {o["id"] for o in fields["urgency"]["options"]} == {"urgent", "normal"}
    rating = {f["id"]: f for f in describe("case.callback", [])}["rating"]
    assert [(o["id"], o["name"]) for o in rating["options"]] == [
        ("satisfied", "满意"), ("basic", "基本满意"), ("unsatisfied", "不满意")]


def test_photos_are_lists_of_uploaded_file_ids_with_a_file_widget():
    fields = {f["id"]: f for f in describe("case.dept_report", [])}
    assert fields["result_photos"]["widget"] == "file" and fields["result_photos"]["required"] is True
    assert fields["result_photos"]["constraints"] == {"minlength": 1, "maxlength": 9}
    assert errors("case.dept_report", {"dept_result": "已修复", "result_photos": []}) == {"result_photos"}
    assert errors("case.dept_report", {"dept_result": "已修复"}) == {"result_photos"}
    assert validate_submission("case.dept_report", [], {"dept_result": "好", "result_photos": ["f1"]})[
        "result_photos"] == ["f1"]


@pytest.mark.parametrize("phone, ok", [("13812345678", True), ("19900001111", True), ("12812345678", False),
                                       ("1381234567", False), ("+8613812345678", False)])
def test_reporter_phone_must_be_a_mainland_mobile_number(phone, ok):
    data = {**REPORT, "reporter_phone": phone}
    if ok:
        assert validate_submission("case.report", [], data)["reporter_phone"] == phone
    else:
        assert errors("case.report", data) == {"reporter_phone"}


def test_report_defaults_and_sms_consent_needs_a_phone():
    cleaned = validate_submission("case.report", [], REPORT)
    assert (cleaned["urgency"], cleaned["source"], cleaned["sms_consent"]) == ("normal", "resident", False)
    assert errors("case.report", {**REPORT, "sms_consent": True}) == {"reporter_phone"}
    assert errors("case.report", {"category": "weather"}) == {"title", "category", "description", "location"}


@pytest.mark.parametrize("key, field, extra", [
    ("case.dept_accept", "promised_date", {"accepted": True}),
    ("case.supervise", "new_deadline", {"supervision_method": "phone", "supervision_note": "快"}),
])
def test_promised_dates_lie_in_the_future(key, field, extra):
    today = utcnow().date()  # the platform keeps UTC; it has no time-zone setting yet
    later = today + timedelta(days=2)
    assert errors(key, {**extra, field: today.isoformat()}) == {field}
    assert validate_submission(key, [], {**extra, field: later.isoformat()})[field] == later.isoformat()


def test_conditional_requirements():
    assert errors("case.verify", {"resolution": "on_spot", "verify_note": "属实"}) == {
        "handling_result", "verify_photos"}
    assert validate_submission("case.verify", [], {"resolution": "report_up", "verify_note": "属实"})
    assert errors("case.dept_accept", {"accepted": False}) == {"return_reason"}
    assert errors("case.analyse", {"decision": "call_police", "analysis_note": "x"}) == {"decision"}
    analysed = validate_submission("case.analyse", [], {"decision": "whistle", "analysis_note": "需执法"})
    assert analysed["departments"] == []
