"""The resident portal's service layer: report, track, rate, board; photos and rate limits.

Residents have no account. A report starts ``case_handling`` at the chosen grid
(source ``resident``) and gets a random tracking code (``codes.new_code``, read aloud easily),
stored in its own table and distinct from the case number, so codes cannot be
enumerated. Tracking shows a plain-Chinese timeline built from the audit events,
never staff names or comments.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..attachments.service import link_to_instance
from ..database import undone_if_refused
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..forms.case import CATEGORIES, RATINGS
from ..identity.models import OrgUnit
from ..instances.models import InstanceEvent, MessageSubscription, ProcessInstance
from ..instances.service import deliver_message, start_instance
from ..privacy.masking import board_text, surname_only, without_numbers
from ..records.models import PublicResult
from ..throttle import RateLimited, check_limit, count_hit, record_hit  # noqa: F401  (RateLimited: raised here)
from .codes import new_code, stored_form
from .models import TrackingCode
from .photos import keep_token, kept_photo_ids, store_photos

PROCESS_KEY = "case_handling"
RATING_MESSAGE = "case_rated"
CATEGORY_NAMES = dict(CATEGORIES)
RATING_NAMES = dict(RATINGS)
RATE_LIMIT = 5
RATE_WINDOW = timedelta(minutes=10)
_PHONE = re.compile(r"^1[3-9]\d{9}$")


# -- rate limit ----------------------------------------------------------------
def check_report_rate(client: str, now: datetime | None = None) -> None:
    """RateLimited when ``client`` already filed RATE_LIMIT reports within the window.
    Only accepted reports count (:func:`count_report`): a form sent back for a missing
    field costs the resident nothing."""
    check_limit(db.session, "report", client, RATE_LIMIT, RATE_WINDOW, now)


def count_report(client: str, now: datetime | None = None) -> None:
    """Count an accepted report, in the transaction that stores it."""
    record_hit(db.session, "report", client, RATE_WINDOW, now)


def check_rate(bucket: str, client: str, now: datetime | None = None, session: Session | None = None) -> None:
    """Count one ``bucket`` action of ``client``; RateLimited when over the limit.

    The view counts in a transaction of its own (database.separate_transaction), so
    refused input counts too."""
    count_hit(session or db.session, bucket, client, RATE_LIMIT, RATE_WINDOW, now)


# -- org tree ------------------------------------------------------------------
def org_tree() -> list[dict]:
    """Communities with their grids, for the two selects of the report form."""
    units = db.session.scalars(select(OrgUnit).where(OrgUnit.kind.in_(("community", "grid")))
                               .order_by(OrgUnit.code)).all()
    communities: dict[int, dict[str, Any]] = {u.id: {"code": u.code, "name": u.name, "grids": []} for u in units if u.kind == "community"}
    for unit in units:
        if unit.kind == "grid" and unit.parent_id in communities:
            communities[unit.parent_id]["grids"].append({"code": unit.code, "name": unit.name})
    return [c for c in communities.values() if c["grids"]]


def _grid(community: str, grid: str) -> OrgUnit:
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == (grid or ""), OrgUnit.kind == "grid"))
    parent = db.session.get(OrgUnit, unit.parent_id) if unit and unit.parent_id else None
    if unit is None or parent is None or parent.code != community or parent.kind != "community":
        raise ValidationFailed("unknown grid", {"grid": ["请选择所在社区和网格"]})
    return unit


# -- report --------------------------------------------------------------------
@dataclass
class Report:
    community: str = ""
    grid: str = ""
    category: str = ""
    description: str = ""
    address: str = ""
    lat: str = ""
    lng: str = ""
    name: str = ""
    phone: str = ""
    consent: bool = False
    anonymous: bool = False
    photo_ids: list = field(default_factory=list)


def _coordinate(text: str, low: float, high: float, name: str, errors: dict) -> float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not low <= value <= high or value != value:
        errors[name] = ["坐标无效"]
        return None
    return round(value, 6)


def report_variables(report: Report) -> tuple[OrgUnit, dict]:
    """Check the report; returns the grid and the case_handling start variables."""
    errors: dict[str, list[str]] = {}
    if report.category not in CATEGORY_NAMES:
        errors["category"] = ["请选择问题类别"]
    description = (report.description or "").strip()
    if not 5 <= len(description) <= 2000:
        errors["description"] = ["请描述问题（5至2000字）"]
    address = (report.address or "").strip()
    if not 1 <= len(address) <= 200:
        errors["address"] = ["请填写发生地点（200字以内）"]
    lat = _coordinate(report.lat, -90, 90, "lat", errors)
    lng = _coordinate(report.lng, -180, 180, "lng", errors)
    phone = (report.phone or "").strip()
    if phone and not _PHONE.match(phone):
        errors["phone"] = ["请填写11位手机号"]
    if phone and not report.consent:
        errors["consent"] = ["留电话须同意用于联系和告知结果"]
    name = (report.name or "").strip()[:40]
    try:
        grid = _grid(report.community, report.grid)
    except ValidationFailed as exc:
        errors.update(exc.errors)
        grid = None
    if errors or grid is None:  # no grid: errors name it
        raise ValidationFailed("report refused", errors)
    # The title is what lists, robots and the board show first: no phone, ID number or the
    # reporter's name in it, whatever their spelling (and none cut in half by its length).
    head = without_numbers(description.splitlines()[0], [name]).strip() or CATEGORY_NAMES[report.category]
    title = head[:30] + ("…" if len(head) > 30 else "")
    variables = {"title": title, "category": report.category,
                 "description": description, "location": address, "photos": list(report.photo_ids),
                 "source": "resident", "anonymous": bool(report.anonymous)}
    if not report.anonymous:
        if name:
            variables["reporter_name"] = name
        if phone:
            variables["reporter_phone"] = phone
            variables["sms_consent"] = True
    if lat is not None and lng is not None:
        variables["latitude"], variables["longitude"] = lat, lng
    return grid, variables


def submit_report(report: Report) -> str:
    """Start the case at the grid; returns the new tracking code."""
    grid, variables = report_variables(report)
    instance = start_instance(PROCESS_KEY, grid.code, variables)
    link_to_instance(list(report.photo_ids), instance.id)
    code = new_code()
    db.session.add(TrackingCode(code=code, instance_id=instance.id))
    db.session.flush()
    return code


class ReportRefused(ValidationFailed):
    """A report sent back with its field errors. ``kept_token`` names the photos stored for
    it (photos.keep_token; "" when none), for the form sent back to carry forward."""

    def __init__(self, errors: dict, kept_ids: list[str]):
        super().__init__("report refused", errors)
        self.kept_token = keep_token(kept_ids)
        self.kept_count = len(kept_ids)


def file_report(report: Report, files: list[tuple[str, bytes]], kept_token: str, drop_kept: bool,
                upload_dir: str) -> str:
    """The resident's report with the photos kept from an earlier refusal (``kept_token``,
    unless ``drop_kept``) and those chosen now; returns the new tracking code.

    Raises ReportRefused with every field's errors. The photos accepted so far are then
    stored all the same, unattached: the caller's unit of work must commit them although
    the report is refused (the page answering the refusal does; nothing of the case is
    written). A photo refused itself, or one too many, stores none of those chosen now."""
    errors: dict[str, list[str]] = {}

    def refused(exc: ValidationFailed) -> None:
        for name, texts in exc.errors.items():
            errors.setdefault(name, []).extend(texts)

    try:
        report_variables(report)
    except ValidationFailed as exc:
        refused(exc)
    photo_ids: list[str] = []
    if not drop_kept:
        try:
            photo_ids = kept_photo_ids(kept_token)
        except ValidationFailed as exc:
            refused(exc)
    try:
        photo_ids += store_photos(files, upload_dir, already=len(photo_ids))
    except ValidationFailed as exc:
        refused(exc)
    if not errors:
        report.photo_ids = photo_ids
        try:
            with undone_if_refused():  # a refused start leaves the photos, nothing of the case
                return submit_report(report)
        except ValidationFailed as exc:
            refused(exc)
    raise ReportRefused(errors, photo_ids)


# -- tracking ------------------------------------------------------------------
#: What each step means to a resident. Staff names, comments and data never show.
_STARTED = {"grid_verify": "网格员受理核实中", "community_analyse": "社区分析研判中",
            "community_handle": "社区处置中", "deliberate": "社区组织议事协商中",
            "dept_accept": "已转交职能部门", "dept_handle": "职能部门办理中",
            "community_check": "社区核查办理结果中", "callback": "等待电话回访"}
_DONE = {"grid_verify": "网格员已受理核实", "community_analyse": "社区已分析研判",
         "community_handle": "社区已处置", "deliberate": "议事协商已完成",
         "dept_accept": "职能部门已签收", "dept_handle": "职能部门已反馈办理结果",
         "community_check": "社区已核查办理结果", "callback": "已电话回访"}


def instance_for_code(code: str) -> ProcessInstance:
    """The instance of a tracking code; NotFound alike for malformed and unknown codes."""
    stored = stored_form(code)
    row = db.session.get(TrackingCode, stored) if stored else None
    instance = db.session.get(ProcessInstance, row.instance_id) if row else None
    if instance is None:
        raise NotFound("no such tracking code")
    return instance


def timeline(instance_id: int) -> list[dict]:
    """Plain-Chinese steps from the audit events: time and text only."""
    steps: list[dict] = []
    events = db.session.scalars(select(InstanceEvent).where(InstanceEvent.instance_id == instance_id)
                                .order_by(InstanceEvent.id)).all()
    for event in events:
        text = None
        if event.kind == "instance_started":
            text = "已收到您的反映"
        elif event.kind == "task_created":
            text = _STARTED.get(event.element_id or "")
        elif event.kind == "task_completed":
            text = _DONE.get(event.element_id or "")
        elif event.kind == "message_received" and (event.data or {}).get("message") == RATING_MESSAGE:
            text = "已收到您的评价"
        elif event.kind == "instance_completed":
            text = "已办结"
        elif event.kind == "instance_terminated":
            text = "已终止办理"
        if text and not (steps and steps[-1]["text"] == text):
            steps.append({"at": event.at, "text": text})
    return steps


def awaits_rating(instance_id: int) -> bool:
    return db.session.scalar(select(MessageSubscription.id).where(
        MessageSubscription.instance_id == instance_id,
        MessageSubscription.message_name == RATING_MESSAGE).limit(1)) is not None


def public_result(instance_id: int) -> PublicResult | None:
    return db.session.scalar(select(PublicResult).where(PublicResult.instance_id == instance_id))


def tracking(code: str) -> dict:
    instance = instance_for_code(code)
    variables = instance.variables or {}
    result = public_result(instance.id)
    return {"code": stored_form(code), "case_no": instance.business_key, "status": instance.status,
            "category": CATEGORY_NAMES.get(variables.get("category") or "", "其他"),
            "steps": timeline(instance.id), "awaits_rating": awaits_rating(instance.id),
            "result": board_row(result) if result else None,
            "rating": RATING_NAMES.get(variables.get("rating") or "") if variables.get("rating") else None}


def rate(code: str, rating: str, comment: str = "") -> None:
    """Deliver the resident's rating; NotFound when the case no longer waits for one."""
    instance = instance_for_code(code)
    if rating not in RATING_NAMES:
        raise ValidationFailed("bad rating", {"rating": ["请选择评价"]})
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise ValidationFailed("comment too long", {"rating_comment": ["意见请在500字以内"]})
    if not awaits_rating(instance.id):
        raise NotFound("not waiting for a rating")
    deliver_message(RATING_MESSAGE, instance_id=instance.id,
                    variables={"rating": rating, "rating_comment": comment})


# -- public board --------------------------------------------------------------
_NAME = re.compile(r"^([\u4e00-\u9fff])\*+反映")


def board_row(row: PublicResult) -> dict:
    unit = db.session.get(OrgUnit, row.org_unit_id)
    summary = _NAME.sub(lambda m: surname_only(m.group(1)) + "反映", row.summary or "")
    return {"id": row.id, "title": board_text(row.title), "summary": board_text(summary),
            "category": CATEGORY_NAMES.get(row.category or "", "其他"), "community": unit.name if unit else "",
            "case_no": row.business_key, "published_at": row.published_at,
            "photos": [p for p in (row.photos or []) if isinstance(p, str)]}


def board(community: str | None = None, category: str | None = None, page: int = 1,
          per_page: int = 10) -> dict:
    query = select(PublicResult)
    if community:
        unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == community))
        query = query.where(PublicResult.org_unit_id == (unit.id if unit else -1))
    if category:
        query = query.where(PublicResult.category == category)
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    page = max(1, page)
    rows = db.session.scalars(query.order_by(PublicResult.published_at.desc(), PublicResult.id.desc())
                              .limit(per_page).offset((page - 1) * per_page)).all()
    pages = max(1, -(-total // per_page))
    return {"rows": [board_row(r) for r in rows], "page": page, "pages": pages, "total": total}


def public_photo_allowed(upload_id: str) -> bool:
    """Only photos that a published result shows may be served to the public."""
    if not isinstance(upload_id, str) or not upload_id.startswith("up_"):
        return False
    for photos in db.session.scalars(select(PublicResult.photos)):
        if upload_id in (photos or ()):
            return True
    return False
