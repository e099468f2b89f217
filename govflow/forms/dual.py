"""Forms of dual reporting (在职党员双报到 ``dual_reporting``, 单位党组织双报到 ``dual_reporting_unit``).

Field names are the process variables that dual_*.dmn and govflow/tasks/dual.py read.
"""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from . import form
from .owners import (
    amount,
    choice,
    choices,
    count,
    flag,
    future_date,
    long_text,
    names,
    past_date,
    phone,
    photos,
    require_when,
    text,
)
from .pickers import case_variables, unit_picker

#: 服务岗位 (the posts of a community's needs list, see dual_community_needs.dmn).
SERVICE_POSTS = [("policy_promotion", "政策宣讲岗"), ("environment", "环境整治岗"), ("civility", "文明劝导岗"),
                 ("elderly_care", "帮困助老岗"), ("patrol", "平安巡防岗"), ("legal_aid", "法律服务岗"),
                 ("health", "健康义诊岗"), ("tutoring", "四点半课堂")]
SKILLS = [("medical", "医疗卫生"), ("legal", "法律"), ("education", "教育"), ("it", "信息技术"),
          ("culture", "文化艺术"), ("finance", "财会"), ("construction", "建筑维修"), ("other", "其他")]
TIMES = [("weekday_evening", "工作日晚间"), ("weekend", "周末"), ("holiday", "节假日")]
RESOURCES = [("venue", "活动场地"), ("funds", "资金"), ("volunteers", "志愿者队伍"), ("expertise", "专业服务"),
             ("equipment", "设备物资"), ("training", "教育培训")]
GRADES = [("excellent", "优秀"), ("pass", "合格"), ("fail", "不合格")]


def employer_unit_picker(label, help_text):
    """An employer unit (机关企事业单位) or a department of the platform, by name."""
    return unit_picker(label, ("unit", "department"), "须为平台中已有的机关企事业单位或职能部门", help_text)


@form("dual.registration")
class RegistrationForm(Schema):
    """在职党员到居住地社区报到."""
    member_name = text("姓名", max_length=40)
    member_phone = phone("手机号")
    party_branch = text("所在党支部", max_length=100)
    employer_name = text("工作单位", max_length=100)
    employer_unit = employer_unit_picker("工作单位党组织", "报到须经工作单位党组织确认")
    job_title = text("职务", required=False, max_length=60)
    skills = choices(SKILLS, "专业特长")
    service_preferences = choices(SERVICE_POSTS, "服务意向", "社区按需求清单安排岗位时优先考虑")
    available_times = choices(TIMES, "可服务时间")
    home_address = text("居住地址", "本社区内的住址", max_length=200)
    pledge = flag("承诺履行在职党员报到服务义务")

    @validates("pledge")
    def _pledged(self, value, **_):
        if value is not True:
            raise ValidationError("须承诺后方可报到")


@form("dual.employer_confirm")
class EmployerConfirmForm(Schema):
    """工作单位党组织确认."""
    employer_confirmed = flag("确认系本单位在职党员", "不予确认的报到终止")
    confirm_opinion = long_text("确认意见")


@form("dual.community_accept")
class CommunityAcceptForm(Schema):
    """社区接收，安排网格和服务岗位."""
    community_accepted = flag("同意接收")
    grid_unit = unit_picker("编入网格", ("grid",), "须为本社区的网格", "本社区的网格", required=False, in_case_unit=True)
    service_post = choice(SERVICE_POSTS, "服务岗位", "从本社区需求清单中选择；系统已按服务意向推荐", required=False)
    post_duties = long_text("岗位职责", required=False)
    accept_opinion = long_text("接收意见")

    @validates("service_post")
    def _post_needed(self, value, **_):
        needed = case_variables().get("need_posts")
        if value and needed is not None and value not in needed:
            raise ValidationError("所选岗位不在本社区需求清单中")

    @validates_schema
    def _post_when_accepted(self, data, **_):
        require_when(data, data.get("community_accepted") is True,
                     {"grid_unit": "接收时须编入网格", "service_post": "接收时须安排服务岗位"})


@form("dual.evaluation")
class EvaluationForm(Schema):
    """年度评议 (members and units): confirm the graded result or adjust it with a reason."""
    evaluation_confirmed = flag("同意系统评定等次", "系统按服务时长、积分（或项目完成率）对照标准评定")
    adjusted_grade = choice(GRADES, "调整后等次", "不同意系统评定时填写", required=False)
    evaluation_comment = long_text("评议意见")

    @validates_schema
    def _adjusted_when_not_confirmed(self, data, **_):
        require_when(data, data.get("evaluation_confirmed") is False, {"adjusted_grade": "不同意系统评定时须给出等次"})


@form("dual.employer_receipt")
class EmployerReceiptForm(Schema):
    """工作单位签收评议结果."""
    receipt_confirmed = flag("已签收并纳入年度考评")
    receipt_remarks = long_text("备注", required=False)


@form("dual.unit_registration")
class UnitRegistrationForm(Schema):
    """单位党组织到社区报到."""
    unit_name = text("单位名称", max_length=100)
    contact_name = text("联系人", max_length=40)
    contact_phone = phone("联系人手机号")
    party_member_count = count("党员人数", minimum=1, maximum=100000)
    resources = choices(RESOURCES, "可提供资源")
    resource_details = long_text("资源说明")
    cobuilding_wishes = long_text("共建意向", required=False)


@form("dual.unit_review")
class UnitReviewForm(Schema):
    """社区审核单位报到."""
    unit_accepted = flag("同意报到")
    review_opinion = long_text("审核意见")


class ProjectItem(Schema):
    """One co-building project (项目清单)."""
    name = text("项目名称", max_length=100)
    owner = text("负责人", max_length=40)
    target = text("预期成效", max_length=300)
    due = future_date("完成时间")


@form("dual.agreement")
class AgreementForm(Schema):
    """拟定共建协议: 资源清单、需求清单、项目清单."""
    agreement_no = text("协议编号", max_length=60)
    term_years = count("协议期限（年）", minimum=1, maximum=5)
    resource_list = names("资源清单", "单位提供的资源，每行一项", unit="项")
    need_list = names("需求清单", "社区提出的需求，每行一项", unit="项")
    project_list = fields.List(fields.Nested(ProjectItem), required=True,
                               validate=validate.Length(min=1, max=30, error="至少列出一个共建项目"),
                               metadata={"label": "项目清单", "widget": "table",
                                         "help": "每行一项：项目名称、负责人、预期成效、完成时间"})


@form("dual.agreement_confirm")
class AgreementConfirmForm(Schema):
    """单位党组织确认并签订共建协议."""
    agreement_confirmed = flag("同意签订", "不同意的退回社区修改协议")
    signed_on = past_date("签订日期", required=False)
    signature_files = photos("签字盖章页", "签订时至少一份", required=False)
    confirm_opinion = long_text("意见")

    @validates_schema
    def _signed(self, data, **_):
        require_when(data, data.get("agreement_confirmed") is True,
                     {"signed_on": "签订时须填写日期", "signature_files": "签订时须上传签字盖章页"})


@form("dual.unit_year_report")
class UnitYearReportForm(Schema):
    """单位年度共建情况报告."""
    projects_completed = count("已完成项目数")
    volunteers_count = count("参与党员志愿者（人次）")
    unit_service_hours = amount("服务时长（小时）")
    funds_invested = amount("投入资金（元）", required=False, default=0.0)
    report_summary = long_text("年度共建总结")
    report_files = photos("活动照片及佐证材料", "至少一份")
