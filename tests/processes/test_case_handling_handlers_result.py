"""Case handling handlers, one by one: resolution, publication, notification, rating, closure."""
from datetime import timedelta

import pytest

from govflow.identity.service import get_org_unit
from govflow.privacy.masking import mask_name, mask_text
from govflow.tasks.case import resolution_path
from tests.processes.test_case_handling_handlers import case, run  # noqa: F401
from tests.processes.test_case_handling_helpers import (  # noqa: F401
    PHONE,
    case_context,
    case_deployed,
    ledger,
    now,
    public_result,
    sms_messages,
)


@pytest.mark.parametrize("variables, path", [
    ({}, "on_spot"),
    ({"decision": "self"}, "community"),
    ({"decision": "deliberate", "deliberation_outcome": "agreed"}, "deliberation"),
    ({"decision": "deliberate", "deliberation_outcome": "whistle"}, "departments"),
    ({"decision": "whistle"}, "departments"),
])
def test_resolution_path_names_who_resolved_it(variables, path):
    assert resolution_path(variables) == path


def test_record_resolution_takes_the_result_of_the_path(case):
    reported = (now() - timedelta(hours=50)).isoformat()
    on_spot = run("record_resolution", case_context(case, reported_at=reported, handling_result="已修复",
                                                    verify_photos=["v1"]))
    assert (on_spot["resolution_path"], on_spot["result_summary"], on_spot["result_photos_public"]) == (
        "on_spot", "已修复", ["v1"])
    assert on_spot["resolved"] is True and 49.9 < on_spot["handling_hours"] < 50.1
    departments = run("record_resolution", case_context(case, decision="whistle", department_results=[
        {"department": "dept_urban", "result": "已修路", "photos": ["a"]},
        {"department": "dept_env", "result": "已降噪", "photos": ["b", "c"]}]))
    assert departments["result_summary"] == "已修路；已降噪" and departments["result_photos_public"] == ["a", "b", "c"]
    deliberation = run("record_resolution", case_context(case, decision="deliberate", deliberation_outcome="agreed",
                                                         agreement="错峰停车", minutes_files=["m1"]))
    assert (deliberation["result_summary"], deliberation["result_photos_public"]) == ("错峰停车", ["m1"])
    assert [e.data["path"] for e in ledger(case, "case_resolved")] == ["on_spot", "departments", "deliberation"]


def test_mask_text_hides_phones_id_numbers_and_rooms():
    text = "王先生13912345678，身份证110101199003071234，住3栋2单元501室"
    assert mask_text(text) == "王先生139****5678，身份证110***********1234，住3栋2单元**室"
    assert mask_name("欧阳小明") == "欧***" and mask_name("李") == "李*" and mask_name(None, "居民") == "居民"


def test_publish_case_result_puts_a_masked_result_on_the_community_board(case):
    out = run("publish_case_result", case_context(case, result_summary="已联系13700001111的业主整改",
                                                  result_photos_public=["r1"]))
    row = public_result(case)
    assert out["published_at"] and row.org_unit_id == get_org_unit("comm_yangguang").id
    assert row.title == "【道路设施】小区门口路灯不亮" and row.category == "road" and row.photos == ["r1"]
    assert row.summary.startswith("王**反映：阳光小区3栋2单元**室门口路灯坏了一周，联系电话139****1111")
    assert row.summary.endswith("办理结果：已联系137****1111的业主整改")
    assert "王小明" not in row.summary and PHONE not in row.summary
    run("publish_case_result", case_context(case, result_summary="复查后已彻底修复"))
    assert public_result(case).id == row.id and public_result(case).summary.endswith("复查后已彻底修复")


def test_notify_reporter_sends_an_sms_only_with_phone_and_consent(case):
    out = run("notify_reporter", case_context(case, properties={"template": "resolved"}, result_summary="已修复"))
    [sms] = sms_messages()
    case_no = case_context(case).variables["case_no"]
    assert out["reporter_notified"] is True and sms.payload["phone"] == PHONE
    assert sms.payload["case_no"] == case_no and sms.idempotency_key == f"case:{case_no}:resolved:0"
    assert sms.payload["text"].startswith(f"【和平街道】您反映的“小区门口路灯不亮”（编号{case_no}）已办结：已修复")
    assert run("notify_reporter", case_context(case, sms_consent=False)) == {"reporter_notified": False}
    assert run("notify_reporter", case_context(case, reporter_phone=None)) == {"reporter_notified": False}
    assert len(sms_messages()) == 1
    run("notify_reporter", case_context(case, properties={"template": "invalid"}, verify_note="现场无此情况"))
    assert "经现场核实：现场无此情况，不予立案" in sms_messages()[-1].payload["text"]


@pytest.mark.parametrize("summary", ["已更换灯泡。", "已更换灯泡！", "已更换灯泡。 ", "已更换灯泡；"])
def test_the_result_sms_has_no_doubled_punctuation(case, summary):
    import re
    run("notify_reporter", case_context(case, properties={"template": "resolved"}, result_summary=summary))
    run("notify_reporter", case_context(case, properties={"template": "invalid"}, verify_note=summary,
                                        reopen_count=1))
    for sms in sms_messages():
        assert not re.search(r"[。！？；，、.!?;,]\s*[。！？；，、.!?;,]", sms.payload["text"]), sms.payload["text"]


@pytest.mark.parametrize("given, rating, satisfied", [
    ("satisfied", "satisfied", True), ("basic", "basic", True), ("基本满意", "basic", True),
    ("3", "unsatisfied", False), ("不满意", "unsatisfied", False)])
def test_record_case_rating_reads_codes_and_replies(case, given, rating, satisfied):
    out = run("record_case_rating", case_context(case, properties={"via": "callback"}, rating=given,
                                                 rating_comment="意见"))
    assert (out["rating"], out["satisfied"], out["rated_via"]) == (rating, satisfied, "callback")
    assert out["ratings"][-1]["rating"] == rating
    assert ledger(case, "case_rated")[-1].data | {"rating": rating, "via": "callback", "round": 0} == \
        ledger(case, "case_rated")[-1].data


def test_record_case_rating_refuses_what_it_cannot_read(case):
    with pytest.raises(ValueError, match="无法识别"):
        run("record_case_rating", case_context(case, rating="great"))


def test_reopen_case_counts_and_clears_the_department_state(case):
    out = run("reopen_case", case_context(case, reopen_count=0, active_departments=["dept_urban"],
                                          rating_comment="还是不亮"))
    assert out == {"reopen_count": 1, "reopened": True, "resolved": False, "active_departments": [],
                   "returned_departments": []}
    assert ledger(case, "case_reopened")[0].data["comment"] == "还是不亮"


def test_close_case_ledger_writes_the_final_figures(case):
    figures = dict(responded_in_time=True, escalated=False, resolved=True, resolution_path="departments",
                   satisfied=False, rating="unsatisfied", reopened=True, reopen_count=1, redo_count=1,
                   handling_hours=30.5, departments_involved=["dept_urban"], overdue_departments=[])
    out = run("close_case_ledger", case_context(case, **figures))
    assert out["case_status"] == "closed_unsatisfied" and out["closed_at"]
    entry = ledger(case, "case_closed")[0]
    assert entry.data | figures == entry.data and entry.data["outcome"] == "closed_unsatisfied"
    assert run("close_case_ledger", case_context(case, rating="basic"))["case_status"] == "closed"
    invalid = run("close_case_ledger", case_context(case, properties={"outcome": "invalid"}))
    assert invalid["case_status"] == "invalid"
