"""Steps of weak-branch rectification, as the demo users (and three offices the demo lacks) take them."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.processes.test_owners_branch_dual_support import (
    PHONE,
    PHOTO,
    complete,
    day,
    days,
    deploy_processes,
    start,
    worker,
)

BRANCH_FILES = ("weak_branch_rectification.bpmn", "branch_weakness_criteria.dmn", "branch_rectification_terms.dmn",
                "branch_cross_check_offices.dmn", "branch_progress_light.dmn")
WEAK = {"secretary_vacant_months": 5, "org_life_held": False, "months_since_new_member": 30, "mass_incidents": 0,
        "ranked_last": False, "satisfaction_rate": 55.0}
SOUND = {"secretary_vacant_months": 0, "org_life_held": True, "months_since_new_member": 6, "mass_incidents": 0,
         "ranked_last": False, "satisfaction_rate": 92.5}
OFFICE_USERS = {"discipline_check": "discipline", "petition_check": "petition", "civil_affairs_check": "civil"}


@pytest.fixture
def branch_deployed(org):
    """The processes; the demo organisation has the three cross-checking offices and their handlers."""
    return deploy_processes(*BRANCH_FILES)


def begin(at: datetime, unit: str = "comm_xingfu") -> int:
    return start("weak_branch_rectification", unit, at)


def screen(instance_id: int, at: datetime, **checklist) -> None:
    complete("partycommittee", "screen_branch", instance_id, at, branch_name="幸福社区党委",
             screening_files=PHOTO, **{**WEAK, **checklist})


def cross_check(instance_id: int, at: datetime, issues: dict | None = None) -> None:
    """All three offices report; ``issues`` maps a task id to its issue count."""
    issues = issues or {}
    for element, username in OFFICE_USERS.items():
        found = issues.get(element, 0)
        complete(username, element, instance_id, at, has_issues=bool(found), issue_count=found,
                 check_findings=f"发现问题{found}件" if found else "未发现问题")


def decide(instance_id: int, at: datetime, listed: bool = True) -> None:
    complete("orgdept", "district_decide", instance_id, at, listed=listed,
             decision_doc_no="区组通〔2026〕12号" if listed else None,
             decision_opinion="符合软弱涣散情形，列入整顿" if listed else "问题已及时整改，不予认定")


def assign_support(instance_id: int, at: datetime, pairing_unit: str = "unit_tax") -> None:
    complete("orgdept", "assign_support", instance_id, at, leading_cadre="吴刚", leading_cadre_title="街道党工委书记",
             pairing_unit=pairing_unit, first_secretary="高远", first_secretary_phone=PHONE,
             first_secretary_unit="区税务局")


def plan_items(at: datetime) -> list[dict]:
    return [{"problem": "书记空缺", "measure": "选优配强社区党组织书记", "owner": "吴刚", "deadline": day(at, 60)},
            {"problem": "组织生活不正常", "measure": "每月固定主题党日，落实三会一课", "owner": "高远",
             "deadline": day(at, 30)},
            {"problem": "群众满意度低", "measure": "开展入户走访，解决急难愁盼问题", "owner": "孙丽",
             "deadline": day(at, 150)}]


def draft(instance_id: int, at: datetime) -> None:
    complete("secretary2", "draft_plan", instance_id, at, plan_goal="半年内转化提升", plan_items=plan_items(at))


def review(instance_id: int, at: datetime, approved: bool = True) -> None:
    complete("partycommittee", "review_plan", instance_id, at, plan_approved=approved,
             review_opinion="方案可行" if approved else "措施不够具体，请细化到月")


def to_rectification(instance_id: int, at: datetime) -> datetime:
    """Screening to the approved plan; returns when the rectification period began."""
    screen(instance_id, at + days(1))
    cross_check(instance_id, at + days(2))
    decide(instance_id, at + days(5))
    assign_support(instance_id, at + days(6))
    draft(instance_id, at + days(8))
    review(instance_id, at + days(9))
    return at + days(9)


def monthly(app, instance_id: int, began: datetime, month: int) -> datetime:
    """Fire the ``month``-th monthly report (months of 31 days at most); returns when."""
    at = began + days(31 * month) + timedelta(hours=1)
    worker(app, at)
    return at


def report(instance_id: int, at: datetime, done: int = 2, total: int = 8, overdue: int = 0, row=None) -> None:
    complete("secretary2", "monthly_report", instance_id, at, row=row, measures_total=total, measures_done=done,
             overdue_measures=overdue, progress_note="按计划推进", progress_photos=PHOTO)


def finish(instance_id: int, at: datetime) -> None:
    complete("secretary2", "carry_out", instance_id, at, measures_completed=8, rectification_summary="整改措施全部落实",
             evidence_files=PHOTO)


def street_accept(instance_id: int, at: datetime, passed: bool = True, score: float = 88.5) -> None:
    complete("partycommittee", "street_acceptance", instance_id, at, street_passed=passed, street_score=score,
             street_opinion="整顿成效明显" if passed else "群众满意度仍未达标", acceptance_files=PHOTO)


def district_accept(instance_id: int, at: datetime, passed: bool = True) -> None:
    complete("orgdept", "district_acceptance", instance_id, at, district_passed=passed,
             district_opinion="同意销号" if passed else "班子建设仍需加强")
