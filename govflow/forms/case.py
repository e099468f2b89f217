"""Forms of case handling (群众诉求/事件处置, process ``case_handling``).

One schema per ``camunda:formKey`` of processes/case_handling.bpmn. Field names are
the process variables the diagram's conditions, due dates and handlers read, so a
field is renamed here and there together.
"""
from __future__ import annotations

from datetime import date

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..timeutil import utcnow
from . import form
from .pickers import units_picker

CATEGORIES = [
    ("road", "道路设施"), ("sanitation", "环境卫生"), ("greening", "园林绿化"),
    ("parking", "停车管理"), ("noise", "噪声扰民"), ("property", "物业管理"),
    ("market", "市场秩序"), ("construction", "违章搭建"), ("safety", "安全隐患"),
    ("other", "其他"),
]
URGENCIES = [("normal", "一般"), ("urgent", "紧急")]
SOURCES = [("resident", "居民上报"), ("grid_worker", "网格员巡查"), ("hotline", "12345热线"),
           ("mini_program", "小程序")]
RESOLUTIONS = [("on_spot", "现场解决（小事不出网格）"), ("report_up", "上报社区"),
               ("invalid", "情况不属实，不予受理")]
DECISIONS = [("self", "社区自行处置"), ("deliberate", "议事协商"), ("whistle", "吹哨部门")]
DELIBERATION_OUTCOMES = [("agreed", "协商一致，已解决"), ("whistle", "需职能部门处置")]
SUPERVISION_METHODS = [("phone", "电话催办"), ("notice", "书面督办通知"), ("onsite", "现场督办"),
                       ("interview", "约谈")]
RATINGS = [("satisfied", "满意"), ("basic", "基本满意"), ("unsatisfied", "不满意")]

PHONE_PATTERN = r"^1[3-9]\d{9}$"


def _choice(choices, **metadata):
    """A required-or-not enum field: the value is the code, the label is Chinese."""
    values, labels = zip(*choices)
    options = {"required": metadata.pop("required", True)}
    if "load_default" in metadata:
        options["load_default"] = metadata.pop("load_default")
    return fields.String(validate=validate.OneOf(values, labels=labels),
                         metadata={"widget": "select", "choices": list(choices), **metadata}, **options)


def _text(label, help_text=None, required=True, max_length=2000, widget="textarea"):
    return fields.String(required=required, validate=validate.Length(min=1 if required else 0, max=max_length),
                         metadata={"label": label, "help": help_text, "widget": widget})


def _photos(label, help_text, required):
    """Ids of uploaded files; at least one when the step needs evidence."""
    return fields.List(fields.String(validate=validate.Length(min=1, max=200)), required=required,
                       validate=validate.Length(min=1 if required else 0, max=9),
                       metadata={"label": label, "help": help_text, "widget": "file"})


def _require_future(value: date) -> None:
    # The platform keeps UTC and has no time-zone setting yet: "today" is the UTC date.
    if value <= utcnow().date():
        raise ValidationError("日期须晚于今天")


def _future_date(label, help_text):
    return fields.Date(validate=_require_future, metadata={"label": label, "help": help_text, "widget": "date"})


@form("case.report")
class ReportForm(Schema):
    """上报诉求: what a resident (API) or a grid worker reports; the start form."""
    title = _text("诉求概要", "一句话说明问题，如“小区门口路灯不亮”", max_length=100, widget="text")
    category = _choice(CATEGORIES, label="问题类别", help="决定推荐承办部门和办理时限")
    urgency = _choice(URGENCIES, label="紧急程度", help="决定网格员响应时限和部门办理时限（见规则表）",
                      required=False, load_default="normal")
    description = _text("问题描述", "时间、地点、现象，越具体越好")
    location = _text("发生地点", "小区、楼栋或路段", max_length=200, widget="text")
    photos = _photos("现场照片", "可选，最多9张", required=False)
    reporter_name = _text("反映人姓名", "公开时只显示姓氏", required=False, max_length=40, widget="text")
    reporter_phone = fields.String(required=False, validate=validate.Regexp(PHONE_PATTERN, error="请填写11位手机号"),
                                   metadata={"label": "联系电话", "help": "用于告知办理结果和回访，不会公开",
                                             "widget": "text"})
    sms_consent = fields.Boolean(load_default=False, metadata={"label": "同意短信告知办理结果", "widget": "checkbox"})
    source = _choice(SOURCES, label="来源渠道", required=False, load_default="resident")

    @validates_schema(skip_on_field_errors=False)
    def _consent_needs_phone(self, data, **_):
        if data.get("sms_consent") and not data.get("reporter_phone"):
            raise ValidationError("同意短信告知时须填写联系电话", "reporter_phone")


@form("case.verify")
class VerifyForm(Schema):
    """受理核实: the grid worker goes on site within the response limit."""
    resolution = _choice(RESOLUTIONS, label="处置方式", help="能当场解决的小事不出网格；需社区或部门处置的上报社区")
    verify_note = _text("核实情况", "现场看到的情况")
    handling_result = _text("现场处置结果", "现场解决时必填", required=False)
    verify_photos = _photos("现场照片", "现场解决时至少一张处置后照片", required=False)

    @validates_schema(skip_on_field_errors=False)
    def _on_spot_needs_evidence(self, data, **_):
        if data.get("resolution") != "on_spot":
            return
        errors = {}
        if not data.get("handling_result"):
            errors["handling_result"] = ["现场解决时须填写处置结果"]
        if not data.get("verify_photos"):
            errors["verify_photos"] = ["现场解决时须上传处置后照片"]
        if errors:
            raise ValidationError(errors)


@form("case.analyse")
class AnalyseForm(Schema):
    """分析研判: the community decides how the case is handled."""
    decision = _choice(DECISIONS, label="研判结论",
                       help="社区能办的自行处置；涉及多方利益的议事协商；需职能部门执法或专业处置的吹哨")
    departments = units_picker("吹哨部门", ("department",), "须为平台中的职能部门",
                               "吹哨时选择；留空则按问题类别推荐的部门派单（已退单的部门除外）")
    analysis_note = _text("研判意见", "问题性质、责任主体、处置建议")


@form("case.community_handle")
class CommunityHandleForm(Schema):
    """社区自行处置."""
    handling_result = _text("处置结果", "采取了哪些措施，问题是否解决")
    handling_photos = _photos("处置后照片", "至少一张", required=True)


@form("case.deliberate")
class DeliberateForm(Schema):
    """议事协商: a residents' council, 居民议事会 or 楼门院长 meeting."""
    meeting_date = fields.Date(required=True, metadata={"label": "议事日期", "widget": "date"})
    participants = _text("参与方", "居民代表、物业、业委会、驻区单位等", max_length=500)
    agreement = _text("协商结果", "达成的共识和各方分工")
    deliberation_outcome = _choice(DELIBERATION_OUTCOMES, label="后续处置",
                                   help="协商解决的直接公开结果；仍需部门执法或专业处置的吹哨")
    minutes_files = _photos("会议记录", "签到表、会议纪要的照片或扫描件", required=False)


@form("case.dept_accept")
class DepartmentAcceptForm(Schema):
    """部门签收: a whistled department accepts, or returns it as not its own (退单)."""
    accepted = fields.Boolean(required=True, metadata={"label": "是否签收",
                                                       "help": "不属本部门职责的，退回社区重新派单",
                                                       "widget": "checkbox"})
    return_reason = _text("退单理由", "退单时必填：说明职责依据", required=False, max_length=500)
    suggested_department = _text("建议承办部门", "退单时可填", required=False, max_length=100, widget="text")
    promised_date = _future_date("承诺办结日期", "签收时可填，须晚于今天")

    @validates_schema(skip_on_field_errors=False)
    def _return_needs_reason(self, data, **_):
        if data.get("accepted") is False and not data.get("return_reason"):
            raise ValidationError("退单时须填写退单理由", "return_reason")


@form("case.dept_report")
class DepartmentReportForm(Schema):
    """办理反馈: the department reports its result with photos."""
    dept_result = _text("办理结果", "采取的措施、处理依据、结果")
    result_photos = _photos("办理后照片", "至少一张，作为核查依据", required=True)


@form("case.supervise")
class SuperviseForm(Schema):
    """督办: the street pushes a department past its deadline."""
    supervision_method = _choice(SUPERVISION_METHODS, label="督办方式")
    supervision_note = _text("督办意见", "逾期原因、要求")
    new_deadline = _future_date("限期办结日期", "可填，须晚于今天")


@form("case.check")
class CheckForm(Schema):
    """核查: the community checks the departments' result on site."""
    check_passed = fields.Boolean(required=True, metadata={"label": "核查通过",
                                                           "help": "不通过的退回部门重办",
                                                           "widget": "checkbox"})
    check_note = _text("核查意见", "现场核查情况；不通过时写明问题")
    check_photos = _photos("核查照片", "可选", required=False)


@form("case.callback")
class CallbackForm(Schema):
    """电话回访: the reporter gave no rating in the waiting period."""
    rating = _choice(RATINGS, label="回访评价")
    rating_comment = _text("回访记录", "反映人的意见", required=False, max_length=500)
