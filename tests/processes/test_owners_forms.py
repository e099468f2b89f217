"""业委会组建: what the forms describe and refuse (the same check the API and the worklist run)."""
from datetime import UTC, datetime, timezone

import pytest

from govflow.engine import clock
from govflow.errors import ValidationFailed
from govflow.forms.validation import describe, validate_submission

NOW = datetime(2026, 6, 1, 2, tzinfo=UTC)
INITIATION = {"initiated_by": "owners", "estate_name": "阳光花园", "estate_address": "阳光路8号",
              "total_owner_count": 300, "total_building_area": 30000, "delivered_area": 24000,
              "first_delivery_date": "2022-05-01", "applicant_owner_count": 75, "representative_name": "王志强",
              "representative_phone": "13912345678", "reason": "申请成立", "evidence_files": ["a.jpg"]}


def errors(form_key, data):
    with clock.frozen_at(NOW), pytest.raises(ValidationFailed) as caught:
        validate_submission(form_key, [], data)
    return caught.value.errors


def field(form_key, name):
    return next(f for f in describe(form_key, []) if f["id"] == name)


def test_every_owners_form_field_has_a_chinese_label():
    from govflow.forms import form_keys
    keys = sorted(k for k in form_keys() if k.startswith("owners."))
    assert len(keys) == 16
    for key in keys:
        for f in describe(key, []):
            assert f["label"] != f["id"] and not f["label"].isascii(), (key, f["id"])


def test_initiation_describes_choices_files_and_limits():
    assert field("owners.initiation", "initiated_by")["options"] == [
        {"id": "owners", "name": "业主联名申请"}, {"id": "community", "name": "社区居委会提议"}]
    evidence = field("owners.initiation", "evidence_files")
    assert (evidence["widget"], evidence["type"], evidence["required"]) == ("file", "list", True)
    assert evidence["constraints"]["minlength"] == 1
    assert field("owners.initiation", "total_owner_count")["constraints"]["min"] == 1


def test_initiation_accepts_a_complete_application():
    with clock.frozen_at(NOW):
        cleaned = validate_submission("owners.initiation", [], INITIATION)
    assert cleaned["first_delivery_date"] == "2022-05-01" and cleaned["evidence_files"] == ["a.jpg"]


@pytest.mark.parametrize("change, expected", [
    ({"representative_phone": "0571-8888"}, {"representative_phone": ["请填写11位手机号"]}),
    ({"evidence_files": []}, {"evidence_files": ["请上传1至20个文件"]}),
    ({"first_delivery_date": "2026-06-02"}, {"first_delivery_date": ["日期不能晚于今天"]}),
    ({"delivered_area": 30001}, {"delivered_area": ["已交付面积不能超过建筑总面积"]}),
    ({"applicant_owner_count": 301}, {"applicant_owner_count": ["联名户数不能超过业主总户数"]}),
    ({"applicant_owner_count": 0}, {"applicant_owner_count": ["业主联名申请须填写联名户数"]}),
    ({"representative_name": None, "representative_phone": None},
     {"representative_name": ["业主联名申请须填写业主代表"], "representative_phone": ["业主联名申请须填写业主代表手机号"]}),
    ({"initiated_by": "developer"}, {"initiated_by": ["须为以下之一：业主联名申请, 社区居委会提议"]}),
])
def test_initiation_refuses(change, expected):
    assert errors("owners.initiation", {**INITIATION, **change}) == expected


def test_names_may_be_typed_one_per_line_or_with_chinese_commas():
    data = {"recommended_members": "张建国\n李秀英、王志强", "recommended_party_members": 2,
            "recommendation_note": "推荐"}
    cleaned = validate_submission("owners.party_recommendation", [], data)
    assert cleaned["recommended_members"] == ["张建国", "李秀英", "王志强"]
    assert errors("owners.party_recommendation", {**data, "recommended_party_members": 4}) == {
        "recommended_party_members": ["党员人数不能超过推荐人数"]}


def test_meeting_date_must_be_in_the_future():
    data = {"meeting_date": "2026-06-01", "meeting_form": "assembly", "materials_files": ["m.pdf"]}
    assert errors("owners.meeting_schedule", data) == {"meeting_date": ["日期须晚于今天"]}
    with clock.frozen_at(NOW):
        assert validate_submission("owners.meeting_schedule", [], {**data, "meeting_date": "2026-06-02"})


def test_candidates_fill_an_odd_number_of_seats():
    data = {"committee_seats": 6, "candidates": list("甲乙丙丁戊己"), "party_member_candidates": 2}
    assert errors("owners.candidates", data) == {"committee_seats": ["委员名额须为单数"]}
    assert errors("owners.candidates", {**data, "committee_seats": 7}) == {"candidates": ["候选人不少于委员名额（7人）"]}


def test_vote_entry_keeps_approvals_within_participation():
    data = {"participating_owner_count": 200, "participating_area": 20000, "approving_owner_count": 201,
            "approving_area": 100, "ballot_files": ["b.pdf"], "scrutineers": ["甲", "乙"]}
    assert errors("owners.vote_entry", data) == {"approving_owner_count": ["同意人数不能超过参与表决人数"]}
    assert errors("owners.vote_entry", {**data, "approving_owner_count": 1, "scrutineers": ["甲"]}) == {
        "scrutineers": ["须填写2至10人"]}


def test_vetting_failure_names_who_is_struck_out():
    assert errors("owners.vetting", {"vetting_passed": False, "vetting_opinion": "不宜"}) == {
        "rejected_candidates": ["审查不通过时须列明不宜提名人选"]}


def test_chair_must_be_an_elected_member():
    data = {"committee_members": list("甲乙丙丁戊"), "chair_name": "己", "party_member_count": 2,
            "first_meeting_date": "2026-05-30", "minutes_files": ["m.pdf"]}
    assert errors("owners.chair_election", data) == {"chair_name": ["须为当选委员"]}


def test_housing_filing_needs_a_number_when_accepted():
    assert errors("owners.housing_filing", {"housing_filing_accepted": True, "housing_filing_opinion": "同意"}) == {
        "housing_filing_no": ["予以备案时须填写备案编号"]}
