"""Forms of homeowners' committee formation (业委会组建, process ``owners_committee_formation``).

Field names are the process variables the diagram's conditions and the handlers in
govflow/tasks/owners.py read. The field builders at the top are shared with the
forms of weak-branch rectification and dual reporting (forms/branch.py, forms/dual.py).
"""
from __future__ import annotations

import re
from datetime import date, timedelta, timezone

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from . import form
from .validation import DayBound

PHONE_PATTERN = r"^1[3-9]\d{9}$"
#: Dates people type are Beijing dates; the server clock is UTC.
_BEIJING = timezone(timedelta(hours=8))


def today() -> date:
    from ..engine import clock
    return clock.now().astimezone(_BEIJING).date()


class NameList(fields.List):
    """Names one per line (or separated by ，、,;); a list is accepted as is."""

    def __init__(self, **kwargs):
        super().__init__(fields.String(validate=validate.Length(min=1, max=60)), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = [part.strip() for part in re.split(r"[\n,，、;；]", value) if part.strip()]
        return super()._deserialize(value, attr, data, **kwargs)


def presence(required: bool, default=None) -> dict:
    """``required=True``, or optional with the value a missing field loads as."""
    return {"required": True} if required else {"required": False, "load_default": default}


def text(label, help_text=None, required=True, max_length=200, widget="text"):
    return fields.String(validate=validate.Length(min=1 if required else 0, max=max_length,
                                                  error=f"须填写，最多{max_length}字" if required else f"最多{max_length}字"),
                         metadata={"label": label, "help": help_text, "widget": widget}, **presence(required))


def long_text(label, help_text=None, required=True):
    return text(label, help_text, required, max_length=2000, widget="textarea")


def choice(options, label, help_text=None, required=True, default=None):
    values, labels = zip(*options)
    return fields.String(validate=validate.OneOf(values, labels=labels, error="须为以下之一：{labels}"),
                         metadata={"label": label, "help": help_text, "widget": "select", "choices": list(options)},
                         **presence(required and default is None, default))


def choices(options, label, help_text=None, minimum=1):
    values, labels = zip(*options)
    return fields.List(fields.String(validate=validate.OneOf(values, labels=labels, error="须为以下之一：{labels}")),
                       validate=validate.Length(min=minimum, error=f"至少选择{minimum}项"),
                       metadata={"label": label, "help": help_text, "widget": "multiselect",
                                 "choices": list(options)}, **presence(minimum > 0, list))


def names(label, help_text="每行一个姓名", minimum=1, maximum=50, unit="人"):
    return NameList(validate=validate.Length(min=minimum, max=maximum, error=f"须填写{{min}}至{{max}}{unit}"),
                    metadata={"label": label, "help": help_text, "widget": "textarea"}, **presence(minimum > 0, list))


def flag(label, help_text=None, required=True):
    return fields.Boolean(metadata={"label": label, "help": help_text, "widget": "checkbox"}, **presence(required))


def count(label, help_text=None, minimum=0, maximum=1_000_000, required=True, default=None):
    return fields.Integer(validate=validate.Range(min=minimum, max=maximum, error="须在{min}至{max}之间"),
                          metadata={"label": label, "help": help_text},
                          **presence(required and default is None, default))


def amount(label, help_text=None, minimum=0.0, maximum=100_000_000.0, required=True, default=None):
    """A non-negative quantity: an area in square metres, hours, yuan."""
    return fields.Float(validate=validate.Range(min=minimum, max=maximum, error="须在{min}至{max}之间"),
                        metadata={"label": label, "help": help_text}, **presence(required and default is None, default))


def percent(label, help_text=None, required=True):
    return fields.Float(validate=validate.Range(min=0, max=100, error="须在0到100之间"),
                        metadata={"label": label, "help": help_text}, **presence(required))


def phone(label, help_text=None, required=True):
    return fields.String(validate=validate.Regexp(PHONE_PATTERN, error="请填写11位手机号"),
                         metadata={"label": label, "help": help_text, "widget": "text"}, **presence(required))


def photos(label, help_text, required=True):
    """Ids of uploaded files (photos, scans); at least one when evidence is required."""
    return fields.List(fields.String(validate=validate.Length(min=1, max=200)),
                       validate=validate.Length(min=1 if required else 0, max=20,
                                                error="请上传1至20个文件" if required else "最多20个文件"),
                       metadata={"label": label, "help": help_text, "widget": "file"}, **presence(required, list))


_not_before_today = DayBound(today, earliest=0, error="日期不能早于今天")
_in_future = DayBound(today, earliest=1, error="日期须晚于今天")
_not_in_future = DayBound(today, latest=0, error="日期不能晚于今天")


def future_date(label, help_text=None, required=True, allow_today=False):
    return fields.Date(validate=_not_before_today if allow_today else _in_future,
                       metadata={"label": label, "help": help_text, "widget": "date"}, **presence(required))


def past_date(label, help_text=None, required=True):
    return fields.Date(validate=_not_in_future, metadata={"label": label, "help": help_text, "widget": "date"},
                       **presence(required))


def require_when(data, condition: bool, messages: dict) -> None:
    """Raise for each field in ``messages`` that is empty while ``condition`` holds."""
    if not condition:
        return
    missing = {name: [message] for name, message in messages.items() if data.get(name) in (None, "", [])}
    if missing:
        raise ValidationError(missing)


# --------------------------------------------------------------------------- choices

INITIATORS = [("owners", "业主联名申请"), ("community", "社区居委会提议")]
MEETING_FORMS = [("assembly", "集体讨论（现场会议）"), ("written", "书面征求意见"), ("online", "网络投票")]
SUPERVISION_METHODS = [("phone", "电话督办"), ("notice", "书面督办通知"), ("onsite", "现场督办"), ("interview", "约谈")]


# --------------------------------------------------------------------------- forms

@form("owners.initiation")
class InitiationForm(Schema):
    """登记组建申请: owners' joint application or the community's proposal."""
    initiated_by = choice(INITIATORS, "发起方式", "业主联名申请须达到本地规定的联名比例（见规则表）")
    estate_name = text("物业管理区域名称", "小区名称，如“阳光花园”", max_length=100)
    estate_address = text("地址", max_length=200)
    total_owner_count = count("业主总户数", "按不动产登记或房屋买卖合同统计", minimum=1)
    total_building_area = amount("专有部分建筑总面积（㎡）", minimum=1)
    delivered_area = amount("已交付使用建筑面积（㎡）", "已出售并交付使用的专有部分面积")
    first_delivery_date = past_date("首套房屋交付日期")
    applicant_owner_count = count("联名业主户数", "业主联名申请时填写", required=False, default=0)
    representative_name = text("业主代表姓名", "业主联名申请时必填", required=False, max_length=40)
    representative_phone = phone("业主代表手机号", "业主联名申请时必填", required=False)
    reason = long_text("申请（提议）理由")
    evidence_files = photos("联名申请书或提议材料", "签名页、提议函的照片或扫描件，至少一份")

    @validates_schema
    def _consistent(self, data, **_):
        if data.get("delivered_area", 0) > data.get("total_building_area", float("inf")):
            raise ValidationError("已交付面积不能超过建筑总面积", "delivered_area")
        if data.get("initiated_by") == "owners":
            if not data.get("applicant_owner_count"):
                raise ValidationError("业主联名申请须填写联名户数", "applicant_owner_count")
            if data["applicant_owner_count"] > data.get("total_owner_count", 0):
                raise ValidationError("联名户数不能超过业主总户数", "applicant_owner_count")
        require_when(data, data.get("initiated_by") == "owners",
                     {"representative_name": "业主联名申请须填写业主代表",
                      "representative_phone": "业主联名申请须填写业主代表手机号"})


@form("owners.community_check")
class CommunityCheckForm(Schema):
    """社区核查组建条件: the figures are computed; the community confirms them on site."""
    conditions_confirmed = flag("经核查符合成立业主大会条件", "交付面积、交付年限见系统测算结果；不符合的终止")
    check_opinion = long_text("核查意见")
    check_files = photos("核查材料", "可选", required=False)


@form("owners.street_accept")
class StreetAcceptForm(Schema):
    """街道受理: the street accepts the application and will form a preparatory group."""
    street_accepted = flag("同意受理并组建筹备组")
    accept_opinion = long_text("受理意见")


@form("owners.party_recommendation")
class PartyRecommendationForm(Schema):
    """社区党组织推荐筹备组成员 (双向进入、交叉任职)."""
    recommended_members = names("推荐人选", "社区党组织推荐进入筹备组的人选，每行一个")
    recommended_party_members = count("其中党员人数")
    recommendation_note = long_text("推荐意见")

    @validates_schema
    def _party_members_among_recommended(self, data, **_):
        if data.get("recommended_party_members", 0) > len(data.get("recommended_members") or []):
            raise ValidationError("党员人数不能超过推荐人数", "recommended_party_members")


@form("owners.preparatory_group")
class PreparatoryGroupForm(Schema):
    """组建筹备组: an odd number of members, owners at least half."""
    group_members = names("筹备组成员", "含业主代表、社区党组织推荐人选、街道和社区代表；人数为单数",
                          minimum=3, maximum=21)
    owner_member_count = count("其中业主代表人数", "不少于成员总数的一半", minimum=1)
    group_leader = text("筹备组组长", "须为筹备组成员", max_length=40)
    street_representative = text("街道代表", max_length=40)
    community_representative = text("社区居委会代表", max_length=40)

    @validates_schema
    def _composition(self, data, **_):
        members = data.get("group_members") or []
        if not members:
            return
        errors = {}
        if len(members) % 2 == 0:
            errors["group_members"] = [f"筹备组成员须为单数，现为{len(members)}人"]
        if len(set(members)) != len(members):
            errors.setdefault("group_members", []).append("成员名单有重复")
        owners = data.get("owner_member_count", 0)
        if owners > len(members):
            errors["owner_member_count"] = ["业主代表人数不能超过成员总数"]
        elif owners * 2 < len(members):
            errors["owner_member_count"] = [f"业主代表不少于半数：{len(members)}人中至少{(len(members) + 1) // 2}人"]
        if data.get("group_leader") and data["group_leader"] not in members:
            errors["group_leader"] = ["组长须为筹备组成员"]
        if errors:
            raise ValidationError(errors)


@form("owners.roster")
class RosterForm(Schema):
    """核实业主名册和专有面积: the denominators of the vote."""
    confirmed_owner_count = count("核实业主总人数", "表决时计算参与率的基数", minimum=1)
    confirmed_total_area = amount("核实专有部分总面积（㎡）", "表决时计算参与率的基数", minimum=1)
    roster_files = photos("业主名册及面积清册", "至少一份")
    roster_disputes = count("有异议户数", required=False, default=0)


@form("owners.statute")
class StatuteForm(Schema):
    """起草管理规约和业主大会议事规则."""
    statute_files = photos("管理规约（草案）", "至少一份")
    procedure_rules_files = photos("业主大会议事规则（草案）", "至少一份")
    opinions_collected = count("征求意见份数", required=False, default=0)
    drafting_note = long_text("起草说明", required=False)


@form("owners.candidates")
class CandidatesForm(Schema):
    """推荐业委会委员候选人."""
    committee_seats = count("业委会委员名额", "5至11人的单数", minimum=5, maximum=11)
    candidates = names("候选人名单", "每行一个", minimum=5, maximum=30)
    party_member_candidates = count("其中党员人数")

    @validates_schema
    def _seats(self, data, **_):
        seats, people = data.get("committee_seats"), data.get("candidates") or []
        if seats is not None and seats % 2 == 0:
            raise ValidationError("委员名额须为单数", "committee_seats")
        if seats is not None and len(people) < seats:
            raise ValidationError(f"候选人不少于委员名额（{seats}人）", "candidates")
        if data.get("party_member_candidates", 0) > len(people):
            raise ValidationError("党员人数不能超过候选人数", "party_member_candidates")


@form("owners.vetting")
class VettingForm(Schema):
    """党组织政治把关: the community party organisation vets the candidates."""
    vetting_passed = flag("候选人审查通过", "不通过的退回重新推荐候选人")
    rejected_candidates = names("不宜提名人选", "审查不通过时填写", minimum=0)
    vetting_opinion = long_text("审查意见")

    @validates_schema
    def _rejection_names_someone(self, data, **_):
        require_when(data, data.get("vetting_passed") is False, {"rejected_candidates": "审查不通过时须列明不宜提名人选"})


@form("owners.meeting_schedule")
class MeetingScheduleForm(Schema):
    """确定首次业主大会会议并公示会议材料 (materials go up at least the lead time ahead)."""
    meeting_date = future_date("会议日期", "会议材料须提前公示（见规则表，一般15日）；过早的日期将顺延")
    meeting_form = choice(MEETING_FORMS, "会议形式")
    meeting_venue = text("会议地点", "现场会议时填写", required=False)
    materials_files = photos("会议材料", "管理规约、议事规则、候选人名单等，至少一份")


@form("owners.vote_entry")
class VoteEntryForm(Schema):
    """录入业主大会表决结果; the platform tallies participation and the double majority."""
    participating_owner_count = count("参与表决业主人数")
    participating_area = amount("参与表决业主专有面积（㎡）")
    approving_owner_count = count("同意的业主人数")
    approving_area = amount("同意的业主专有面积（㎡）")
    ballot_files = photos("表决票及计票记录", "至少一份")
    scrutineers = names("监票、计票人", minimum=2, maximum=10)

    @validates_schema
    def _approving_within_participating(self, data, **_):
        if data.get("approving_owner_count", 0) > data.get("participating_owner_count", 0):
            raise ValidationError("同意人数不能超过参与表决人数", "approving_owner_count")
        if data.get("approving_area", 0) > data.get("participating_area", 0):
            raise ValidationError("同意面积不能超过参与表决面积", "approving_area")


@form("owners.supervise")
class SuperviseForm(Schema):
    """超期督办 (preparation past its limit, late filing)."""
    supervision_method = choice(SUPERVISION_METHODS, "督办方式")
    supervision_note = long_text("督办意见", "超期原因和整改要求")
    new_deadline = future_date("限期完成日期", required=False)


@form("owners.chair_election")
class ChairElectionForm(Schema):
    """业委会首次会议选举主任、副主任."""
    committee_members = names("业委会委员", "当选委员，须为经审查的候选人", minimum=5, maximum=11)
    chair_name = text("主任", max_length=40)
    vice_chair_name = text("副主任", required=False, max_length=40)
    party_member_count = count("委员中党员人数")
    chair_is_party_member = flag("主任为党员", "鼓励社区党组织书记通过法定程序担任主任（交叉任职）", required=False)
    first_meeting_date = past_date("首次会议日期")
    minutes_files = photos("会议记录", "至少一份")

    @validates_schema
    def _officers_are_members(self, data, **_):
        members = data.get("committee_members") or []
        if members and len(members) % 2 == 0:
            raise ValidationError("委员人数须为单数", "committee_members")
        for name in ("chair_name", "vice_chair_name"):
            if data.get(name) and data[name] not in members:
                raise ValidationError("须为当选委员", name)
        if data.get("party_member_count", 0) > len(members):
            raise ValidationError("党员人数不能超过委员人数", "party_member_count")


@form("owners.filing_submit")
class FilingSubmitForm(Schema):
    """向街道和房管部门备案."""
    filing_files = photos("备案材料", "选举结果、管理规约、议事规则、委员名单等，至少一份")
    filing_date = past_date("提交日期")
    filing_note = long_text("备注", required=False)


@form("owners.street_filing")
class StreetFilingForm(Schema):
    """街道备案审查."""
    street_filing_accepted = flag("材料齐全，予以备案", "不予备案的退回补正")
    street_filing_opinion = long_text("审查意见")


@form("owners.housing_filing")
class HousingFilingForm(Schema):
    """房管部门备案."""
    housing_filing_accepted = flag("予以备案", "不予备案的退回补正")
    housing_filing_no = text("备案编号", "予以备案时填写", required=False, max_length=60)
    housing_filing_opinion = long_text("审查意见")

    @validates_schema
    def _number_when_accepted(self, data, **_):
        require_when(data, data.get("housing_filing_accepted") is True, {"housing_filing_no": "予以备案时须填写备案编号"})
