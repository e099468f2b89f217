"""Forms of weak-branch rectification (软弱涣散基层党组织整顿, process ``weak_branch_rectification``).

Field names are the process variables that branch_*.dmn and govflow/tasks/branch.py read.
"""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from . import form
from .owners import (
    SUPERVISION_METHODS,
    choice,
    count,
    flag,
    future_date,
    long_text,
    percent,
    phone,
    photos,
    require_when,
    text,
)
from .pickers import unit_picker


@form("branch.screening")
class ScreeningForm(Schema):
    """对照标准排查: the street party committee fills the checklist; the criteria table decides."""
    branch_name = text("党组织名称", "如“阳光社区党委”", max_length=100)
    secretary_vacant_months = count("书记空缺时长（月）", "书记在任的填0", maximum=240)
    org_life_held = flag("按规定开展组织生活", "“三会一课”、主题党日、组织生活会是否正常开展")
    months_since_new_member = count("距上次发展党员（月）", "近两年未发展党员的属软弱涣散情形", maximum=600)
    mass_incidents = count("年内群体性事件（起）", maximum=100)
    ranked_last = flag("年度考核排名末位")
    satisfaction_rate = percent("群众满意度（%）", "0至100；低于60%的属软弱涣散情形")
    other_issues = long_text("其他问题", required=False)
    screening_files = photos("排查记录", "走访、座谈、测评记录的照片或扫描件，至少一份")


@form("branch.cross_check")
class CrossCheckForm(Schema):
    """纪检、信访、民政部门交叉核查."""
    has_issues = flag("发现问题", "本部门掌握的违纪、信访或民政方面问题")
    issue_count = count("问题数（件）", required=False, default=0, maximum=1000)
    check_findings = long_text("核查意见")

    @validates_schema
    def _issues_counted(self, data, **_):
        if data.get("has_issues") and not data.get("issue_count"):
            raise ValidationError("发现问题时须填写问题数", "issue_count")


@form("branch.decision")
class DecisionForm(Schema):
    """区委组织部认定."""
    listed = flag("认定为软弱涣散基层党组织")
    decision_doc_no = text("认定文号", "认定时必填", required=False, max_length=60)
    decision_opinion = long_text("认定意见")

    @validates_schema
    def _number_when_listed(self, data, **_):
        require_when(data, data.get("listed") is True, {"decision_doc_no": "认定时须填写文号"})


@form("branch.support")
class SupportForm(Schema):
    """落实整顿力量: 包联领导、结对共建单位、第一书记."""
    leading_cadre = text("包联领导", max_length=40)
    leading_cadre_title = text("包联领导职务", max_length=60)
    pairing_unit = unit_picker("结对共建单位", ("unit", "department"), "须为平台中已有的机关企事业单位或职能部门编码",
                               "机关企事业单位或职能部门")
    first_secretary = text("第一书记", max_length=40)
    first_secretary_phone = phone("第一书记手机号")
    first_secretary_unit = text("第一书记选派单位", required=False, max_length=100)


class PlanItem(Schema):
    """One row of 一支部一策: a problem, what is done about it, who, by when."""
    problem = text("存在问题", max_length=300)
    measure = text("整改措施", max_length=500, widget="textarea")
    owner = text("责任人", max_length=40)
    deadline = future_date("完成时限")


@form("branch.plan")
class PlanForm(Schema):
    """一支部一策整顿方案."""
    plan_goal = long_text("整顿目标")
    plan_items = fields.List(fields.Nested(PlanItem), validate=validate.Length(min=1, max=50, error="至少列出一项问题和措施"),
                             required=True,
                             metadata={"label": "问题清单和整改措施", "widget": "table",
                                       "help": "每行一项：存在问题、整改措施、责任人、完成时限"})
    plan_files = photos("方案附件", "可选", required=False)


@form("branch.plan_review")
class PlanReviewForm(Schema):
    """街道党工委审核整顿方案."""
    plan_approved = flag("审核通过", "不通过的退回修改")
    review_opinion = long_text("审核意见")


@form("branch.progress_report")
class ProgressReportForm(Schema):
    """月度整顿进展报告."""
    measures_total = count("整改措施总数", minimum=1, maximum=200)
    measures_done = count("已完成措施数", maximum=200)
    overdue_measures = count("逾期未完成措施数", maximum=200)
    progress_note = long_text("本月进展")
    progress_photos = photos("进展照片", "组织生活、走访、项目现场等，至少一张")

    @validates_schema
    def _counts(self, data, **_):
        total, done = data.get("measures_total", 0), data.get("measures_done", 0)
        overdue = data.get("overdue_measures", 0)
        if done > total:
            raise ValidationError("已完成数不能超过总数", "measures_done")
        if overdue > total - done:
            raise ValidationError("逾期数不能超过未完成数", "overdue_measures")


@form("branch.onsite_check")
class OnsiteCheckForm(Schema):
    """红灯事项现场督导."""
    onsite_findings = long_text("现场督导情况")
    rectify_instructions = long_text("督导要求")
    onsite_photos = photos("现场照片", "至少一张")
    supervision_method = choice(SUPERVISION_METHODS, "督导方式", default="onsite")


@form("branch.rectification_report")
class RectificationReportForm(Schema):
    """整顿完成，申请验收."""
    measures_completed = count("已完成措施数", minimum=1, maximum=200)
    rectification_summary = long_text("整顿工作总结")
    evidence_files = photos("佐证材料", "至少一份")


@form("branch.street_acceptance")
class StreetAcceptanceForm(Schema):
    """街道党工委验收."""
    street_passed = flag("验收通过", "不通过的延长整顿期")
    street_score = percent("验收评分", "0至100分")
    street_opinion = long_text("验收意见")
    acceptance_files = photos("验收材料", "测评表、座谈记录等，至少一份")


@form("branch.district_acceptance")
class DistrictAcceptanceForm(Schema):
    """区委组织部验收销号."""
    district_passed = flag("同意销号", "不同意的延长整顿期")
    district_opinion = long_text("验收意见")


@form("branch.followup")
class FollowupForm(Schema):
    """销号一年后回头看."""
    relapsed = flag("出现反弹", "重新出现软弱涣散情形的，纳入下一轮排查")
    followup_opinion = long_text("回访意见")
    followup_files = photos("回访记录", "可选", required=False)
