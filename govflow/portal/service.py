"""The resident portal's service layer: report, track, rate, board; photos and rate limits.

Residents have no account. A report starts ``case_handling`` at the chosen grid
(source ``resident``) and gets a random tracking code (``codes.new_code``, read aloud easily),
stored in its own table and distinct from the case number, so codes cannot be
enumerated. Tracking shows a plain-Chinese timeline built from the audit events,
never staff names or comments.
"""
from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..attachments.service import UploadTarget, link_to_instance, store_upload
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..forms.case import CATEGORIES, RATINGS
from ..identity.models import OrgUnit, User
from ..instances.models import InstanceEvent, MessageSubscription, ProcessInstance
from ..instances.service import deliver_message, start_instance
from ..privacy.masking import board_text, surname_only, without_numbers
from ..records.models import PublicResult
from ..throttle import RateLimited, check_limit, count_hit, record_hit  # noqa: F401  (RateLimited: raised here)
from .codes import new_code, stored_form
from .models import TrackingCode

PROCESS_KEY = "case_handling"
RATING_MESSAGE = "case_rated"
PORTAL_USER = "portal_resident"
CATEGORY_NAMES = dict(CATEGORIES)
RATING_NAMES = dict(RATINGS)
RATE_LIMIT = 5
RATE_WINDOW = timedelta(minutes=10)
MAX_PHOTOS = 6
MAX_PHOTO_BYTES = 8_000_000
MAX_PIXELS = 40_000_000
MAX_SIDE = 2560
_PHONE = re.compile(r"^1[3-9]\d{9}$")


class PhotoRefused(ValidationFailed):
    def __init__(self, name: str, reason: str, text: str):
        super().__init__(f"'{name}': {reason}", {"photos": [text]})
        self.reason = reason


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


# -- photos --------------------------------------------------------------------
def clean_photo(data: bytes, name: str = "photo") -> bytes:
    """The photo re-encoded as JPEG without metadata; PhotoRefused when not a safe image.

    The content decides: a text file named .jpg is refused, so is an image that
    would decompress to more than MAX_PIXELS (a decompression bomb).
    """
    if not data:
        raise PhotoRefused(name, "empty", f"“{name}”是空文件")
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoRefused(name, "too_large", f"“{name}”超过 {MAX_PHOTO_BYTES // 1_000_000} MB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(data))
            if image.format not in {"JPEG", "PNG", "WEBP", "GIF"}:
                raise PhotoRefused(name, "bad_type", f"“{name}”不是照片（支持 JPG、PNG、WebP、GIF）")
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise PhotoRefused(name, "bomb", f"“{name}”尺寸过大")
            image.load()
    except PhotoRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRefused(name, "bomb", f"“{name}”尺寸过大") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise PhotoRefused(name, "bad_type", f"“{name}”不是照片（支持 JPG、PNG、WebP、GIF）") from None
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        flat = Image.new("RGB", image.size, (255, 255, 255))
        flat.paste(image, mask=image.split()[-1])
        image = flat
    elif image.mode != "RGB":
        image = image.convert("RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)  # no exif= argument: the metadata is gone
    return out.getvalue()


def portal_user_id() -> int:
    """The inactive account that residents' photos are recorded under (uploads need an uploader)."""
    user_id = db.session.scalar(select(User.id).where(User.username == PORTAL_USER))
    if user_id is None:
        user = User(username=PORTAL_USER, display_name="居民端", password_hash="!", is_active_user=False)
        db.session.add(user)
        db.session.flush()
        user_id = user.id
    return user_id


def store_photos(files: list[tuple[str, bytes]], upload_dir: str) -> list[str]:
    """Check, clean and store the resident's photos; returns their upload ids."""
    files = [(n, d) for n, d in files if n or d]
    if len(files) > MAX_PHOTOS:
        raise ValidationFailed("too many photos", {"photos": [f"最多上传{MAX_PHOTOS}张照片"]})
    cleaned = [(name, clean_photo(data, name)) for name, data in files]
    uploader = portal_user_id()
    ids = []
    for name, data in cleaned:
        row = store_upload(io.BytesIO(data), (name.rsplit(".", 1)[0] or "photo") + ".jpg",
                           UploadTarget("form", uploader), upload_dir, MAX_PHOTO_BYTES, images_only=True)
        ids.append(row.id)
    return ids


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
