"""Steps of dual reporting (members and units), as the demo users take them."""
from __future__ import annotations

from datetime import datetime

import pytest

from tests.processes.test_owners_branch_dual_support import (
    PHONE,
    PHOTO,
    complete,
    day,
    deliver,
    deploy_processes,
    start,
)

DUAL_FILES = ("dual_reporting.bpmn", "dual_reporting_unit.bpmn", "dual_service_terms.dmn",
              "dual_community_needs.dmn", "dual_member_evaluation.dmn", "dual_unit_evaluation.dmn")
REGISTRATION = {"member_name": "马骏", "member_phone": PHONE, "party_branch": "区税务局机关第一党支部",
                "employer_name": "区税务局", "employer_unit": "unit_tax", "job_title": "科员",
                "skills": ["legal", "it"], "service_preferences": ["patrol", "legal_aid"],
                "available_times": ["weekend"], "home_address": "阳光小区5栋1单元302", "pledge": True}


@pytest.fixture
def dual_deployed(org):
    return deploy_processes(*DUAL_FILES)


def begin(at: datetime, member: str | None = "member", unit: str = "comm_yangguang") -> int:
    return start("dual_reporting", unit, at, **({"member_username": member} if member else {}))


def register(instance_id: int, at: datetime, username: str = "member", **values) -> None:
    complete(username, "register_member", instance_id, at, **{**REGISTRATION, **values})


def employer_confirm(instance_id: int, at: datetime, confirmed: bool = True) -> None:
    complete("unitsec", "employer_confirm", instance_id, at, employer_confirmed=confirmed,
             confirm_opinion="系本单位在职党员" if confirmed else "该同志组织关系已转出")


def accept(instance_id: int, at: datetime, grid: str = "grid_yg_1", post: str = "patrol",
           accepted: bool = True) -> None:
    complete("secretary", "community_accept", instance_id, at, community_accepted=accepted,
             grid_unit=grid if accepted else None, service_post=post if accepted else None,
             post_duties="每周六晚巡防一次" if accepted else None,
             accept_opinion="同意接收" if accepted else "报到地址不在本社区")


def through_acceptance(instance_id: int, at: datetime) -> None:
    register(instance_id, at)
    employer_confirm(instance_id, at)
    accept(instance_id, at)


def log(instance_id: int, at: datetime, hours: float, points: int, activity: str = "平安巡防") -> None:
    deliver("service_logged", instance_id, at, hours=hours, points=points, activity=activity,
            service_date=day(at), source="mini_program")


def evaluate(instance_id: int, at: datetime, confirmed: bool = True, adjusted: str | None = None) -> None:
    complete("secretary", "community_evaluate", instance_id, at, evaluation_confirmed=confirmed,
             adjusted_grade=adjusted, evaluation_comment="服务积极，群众认可")


def begin_unit(at: datetime, unit_code: str = "unit_tax") -> int:
    return start("dual_reporting_unit", "comm_yangguang", at, unit_code=unit_code)


def register_unit(instance_id: int, at: datetime) -> None:
    complete("unitsec", "register_unit", instance_id, at, unit_name="区税务局", contact_name="高远",
             contact_phone=PHONE, party_member_count=86, resources=["venue", "volunteers", "expertise"],
             resource_details="会议室可供社区使用；税务政策宣讲志愿队", cobuilding_wishes="共建“税务便民驿站”")


def draft_agreement(instance_id: int, at: datetime, term_years: int = 2) -> None:
    complete("secretary", "draft_agreement", instance_id, at, agreement_no="GJ-2026-007", term_years=term_years,
             resource_list=["会议室", "税务政策宣讲志愿队"], need_list=["老年人办税帮办", "青少年普法"],
             project_list=[{"name": "税务便民驿站", "owner": "高远", "target": "每月一次上门帮办", "due": day(at, 200)},
                           {"name": "青少年税法课堂", "owner": "刘洋", "target": "每学期两次", "due": day(at, 300)},
                           {"name": "社区议事厅共建", "owner": "陈静", "target": "提供议事场地", "due": day(at, 100)},
                           {"name": "结对帮困", "owner": "高远", "target": "结对10户困难家庭", "due": day(at, 330)}])


def confirm_agreement(instance_id: int, at: datetime, confirmed: bool = True) -> None:
    complete("unitsec", "confirm_agreement", instance_id, at, agreement_confirmed=confirmed,
             signed_on=day(at) if confirmed else None, signature_files=PHOTO if confirmed else [],
             confirm_opinion="同意签订" if confirmed else "项目完成时间需调整")


def year_report(instance_id: int, at: datetime, completed: int = 4, hours: float = 260.0) -> None:
    complete("unitsec", "unit_year_report", instance_id, at, projects_completed=completed, volunteers_count=120,
             unit_service_hours=hours, funds_invested=30000.0, report_summary="全年开展共建活动24次",
             report_files=PHOTO)
