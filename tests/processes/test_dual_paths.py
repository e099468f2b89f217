"""在职党员双报到: refusals, a wrong grid or post, bad service records, grades, the year-end race."""
from datetime import timedelta

import pytest

from govflow.errors import NotFound, ValidationFailed
from govflow.extensions import db
from tests.processes.test_dual_steps import (  # noqa: F401
    accept,
    begin,
    dual_deployed,
    employer_confirm,
    evaluate,
    log,
    register,
    through_acceptance,
)
from tests.processes.test_owners_branch_dual_support import (
    complete,
    days,
    elements,
    instance,
    ledger,
    ledger_kinds,
    notifications,
    t0,
    task,
    variables,
    worker,
)


def test_employer_not_confirming_ends_the_registration(dual_deployed):
    at = t0()
    iid = begin(at)
    register(iid, at)
    employer_confirm(iid, at + days(1), confirmed=False)
    assert instance(iid).status == "completed" and elements("secretary", iid) == []
    assert ledger(iid, "dual.registration_closed")[0].data == {"reason": "employer", "opinion": "该同志组织关系已转出"}
    [told] = notifications("member", "dual_")
    assert (told.title, told.body) == ("您的双报到申请工作单位党组织未确认", "该同志组织关系已转出")


def test_community_not_accepting_ends_the_registration(dual_deployed):
    at = t0()
    iid = begin(at)
    register(iid, at)
    employer_confirm(iid, at)
    accept(iid, at + days(1), accepted=False)
    assert instance(iid).status == "completed"
    assert ledger_kinds(iid) == ["dual.registration_closed"]
    assert notifications("member", "dual_")[-1].title == "您的双报到申请社区未接收"


def test_grid_of_another_community_or_a_post_not_needed_is_a_field_error(dual_deployed):
    """The 社区接收 form names what is wrong; the step is not completed, never looped back."""
    at = t0()
    iid = begin(at)
    register(iid, at, service_preferences=["tutoring"])          # not on 阳光社区's needs list
    employer_confirm(iid, at)
    assert variables(iid)["suggested_posts"] == ["policy_promotion", "environment", "elderly_care", "patrol"]
    with pytest.raises(ValidationFailed) as refused:
        accept(iid, at + days(1), grid="grid_xf_1", post="legal_aid")
    assert refused.value.errors == {"grid_unit": ["须为本社区的网格"], "service_post": ["所选岗位不在本社区需求清单中"]}
    assert "assignment_valid" not in variables(iid)
    assert ledger(iid, "dual.registered") == [] and notifications("unitsec", "dual_") == []
    accept(iid, at + days(2), grid="grid_yg_2", post="environment")
    assert variables(iid)["service_post_label"] == "环境整治岗"
    assert ledger(iid, "dual.registered")[0].data["grid_unit"] == "grid_yg_2"


def test_staff_register_a_member_without_an_account(dual_deployed):
    at = t0()
    iid = begin(at, member=None)
    row = task("cstaff", "register_member", iid)
    assert row.assignee_id is None and elements("member", iid) == []
    register(iid, at, username="cstaff", member_name="李明")
    employer_confirm(iid, at, confirmed=False)
    assert notifications("member", "dual_") == []                # nobody to tell on the platform


def test_bad_service_records_are_counted_not_kept(dual_deployed, app):
    at = t0()
    iid = begin(at)
    through_acceptance(iid, at)
    log(iid, at + days(1), 0, 5)
    log(iid, at + days(2), 30, 5)
    log(iid, at + days(3), 3, -1)
    log(iid, at + days(4), 3, 4)
    assert ledger(iid, "dual.service_logged")[0].data["hours"] == 3.0
    assert len(ledger(iid, "dual.service_logged")) == 1
    worker(app, at + days(366))
    assert variables(iid)["service_records_total"] == 1


@pytest.mark.parametrize("hours, points, grade, label", [
    (120, 130, "excellent", "优秀"), (50, 60, "pass", "合格"), (49.5, 200, "fail", "不合格"), (80, 59, "fail", "不合格")])
def test_the_pass_line_needs_both_hours_and_points(dual_deployed, app, hours, points, grade, label):
    at = t0()
    iid = begin(at)
    through_acceptance(iid, at)
    log(iid, at + days(5), hours / 5, points // 5)
    for n in range(1, 5):
        log(iid, at + days(5 + n), hours / 5, points // 5 + (points % 5 if n == 4 else 0))
    worker(app, at + days(366))
    v = variables(iid)
    assert (v["service_hours_total"], v["service_points_total"]) == (hours, points)
    assert (v["member_grade"], v["member_grade_label"]) == (grade, label)


def test_secretary_may_adjust_the_grade_with_a_reason(dual_deployed, app):
    at = t0()
    iid = begin(at)
    through_acceptance(iid, at)
    log(iid, at + days(5), 12, 20)
    worker(app, at + days(366))
    assert variables(iid)["member_grade"] == "fail"
    evaluate(iid, at + days(367), confirmed=False, adjusted="pass")
    assert ledger(iid, "dual.evaluated")[0].data["grade"] == "pass"
    assert ledger(iid, "dual.evaluated")[0].data["table_grade"] == "fail"
    complete("unitsec", "employer_receipt", iid, at + days(370), receipt_confirmed=True,
             receipt_remarks="因抗洪抢险借调，时长不足情有可原")
    assert instance(iid).status == "completed"


def test_records_count_until_the_year_end_and_are_refused_after_it(dual_deployed, app):
    at = t0()
    iid = begin(at)
    through_acceptance(iid, at)
    log(iid, at + days(100), 20, 25)
    log(iid, at + days(365) - timedelta(minutes=5), 15, 20)      # the last minutes of the year still count
    worker(app, at + days(365) + timedelta(minutes=1))
    v = variables(iid)
    assert (v["service_hours_total"], v["service_records_total"], v["member_grade"]) == (35.0, 2, "fail")
    assert elements("secretary", iid) == ["community_evaluate"]
    with pytest.raises(NotFound):
        log(iid, at + days(365) + timedelta(minutes=2), 1, 1)
    db.session.rollback()
