"""单位党组织双报到: registration, the co-building agreement and one evaluation per agreement year."""
from datetime import timedelta

from sqlalchemy import select

from govflow.extensions import db
from govflow.instances.models import Incident
from tests.processes.test_dual_steps import (  # noqa: F401
    begin_unit,
    confirm_agreement,
    draft_agreement,
    dual_deployed,
    evaluate,
    register_unit,
    year_report,
)
from tests.processes.test_owners_branch_dual_support import (
    complete,
    days,
    due_after,
    elements,
    instance,
    ledger,
    naive,
    notifications,
    scope_of,
    t0,
    task,
    variables,
    worker,
    years_later,
)


def test_unit_signs_an_agreement_and_is_evaluated_each_year(dual_deployed, app):
    at = t0()
    iid = begin_unit(at)
    assert variables(iid)["dual_no"].startswith("DWBD-")
    row = task("unitsec", "register_unit", iid)
    assert (row.candidate_groups, scope_of(row), due_after(row)) == (["unit_party_secretary"], "unit_tax",
                                                                      timedelta(days=15))
    assert elements("secretary", iid) == []
    register_unit(iid, at)
    review = task("secretary", "review_unit", iid)
    assert (scope_of(review), due_after(review)) == ("comm_yangguang", timedelta(days=7))
    complete("secretary", "review_unit", iid, at + days(2), unit_accepted=True, review_opinion="欢迎报到")
    draft_agreement(iid, at + days(5))
    confirm = task("unitsec", "confirm_agreement", iid)
    assert (scope_of(confirm), due_after(confirm)) == ("unit_tax", timedelta(days=7))
    confirm_agreement(iid, at + days(6), confirmed=False)          # sent back to the community
    draft_agreement(iid, at + days(8))
    confirm_agreement(iid, at + days(9))
    signed = at + days(9)
    [agreement] = ledger(iid, "dual.agreement_signed")
    assert agreement.data == {"unit_code": "unit_tax", "agreement_no": "GJ-2026-007", "term_years": 2,
                              "resources": 2, "needs": 2, "projects": 4}
    assert instance(iid).next_timer_at == naive(years_later(signed))

    worker(app, years_later(signed) + timedelta(hours=1))
    report = task("unitsec", "unit_year_report", iid)
    assert due_after(report) == timedelta(days=15)
    year_report(iid, years_later(signed) + days(3), completed=4, hours=260.0)
    v = variables(iid)
    assert (v["project_completion_rate"], v["unit_grade"], v["unit_grade_label"]) == (100.0, "excellent", "优秀")
    evaluate(iid, years_later(signed) + days(5))
    first_year_done = years_later(signed) + days(5)
    assert (variables(iid)["agreement_year"], variables(iid)["agreement_active"]) == (1, True)
    assert notifications("unitsec", "dual_")[-1].title == "区税务局第1年度共建评议结果"
    assert instance(iid).next_timer_at == naive(years_later(first_year_done))

    worker(app, years_later(first_year_done) + timedelta(hours=1))
    year_report(iid, years_later(first_year_done) + days(2), completed=2, hours=80.0)
    assert (variables(iid)["project_completion_rate"], variables(iid)["unit_grade"]) == (50.0, "fail")
    evaluate(iid, years_later(first_year_done) + days(4), confirmed=False, adjusted="pass")
    assert instance(iid).status == "completed"
    assert [(e.data["year"], e.data["grade"], e.data["table_grade"]) for e in ledger(iid, "dual.unit_evaluated")] == [
        (1, "excellent", "excellent"), (2, "pass", "fail")]


def test_community_may_decline_a_unit(dual_deployed):
    at = t0()
    iid = begin_unit(at)
    register_unit(iid, at)
    complete("secretary", "review_unit", iid, at + days(1), unit_accepted=False, review_opinion="非本社区驻区单位")
    assert instance(iid).status == "completed"
    assert ledger(iid, "dual.registration_closed")[0].data == {"reason": "community", "opinion": "非本社区驻区单位"}


def test_unit_registration_without_a_known_unit_is_an_incident(dual_deployed):
    iid = begin_unit(t0(), unit_code="unit_nowhere")
    assert instance(iid).status == "error"
    incident = db.session.scalar(select(Incident).where(Incident.instance_id == iid))
    assert incident.element_id == "assign_number" and "unit_nowhere" in incident.message
