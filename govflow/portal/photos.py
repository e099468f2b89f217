"""Residents' photos: checked and cleaned, stored under the portal account, kept across a refusal.

A browser never refills a file input, so the photos of a report that is sent back
(a field error) are stored at once, unattached, and the form sent back names them in a
signed, time-limited token (:func:`keep_token`). The token, not the resident, says
which uploads are theirs: an upload id typed into the form names nothing. A kept photo
lives at most KEEP_FOR after it was stored; the worker forgets older unattached ones
(:func:`forget_abandoned_photos`), row and file, for the residents' privacy.
"""
from __future__ import annotations

import io
import warnings
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select

from ..attachments.models import Upload
from ..attachments.service import UploadTarget, store_upload, upload_path
from ..database import is_postgres
from ..errors import ValidationFailed
from ..extensions import db
from ..identity.models import User
from ..timeutil import utcnow

PORTAL_USER = "portal_resident"
MAX_PHOTOS = 6
MAX_PHOTO_BYTES = 8_000_000
MAX_PIXELS = 40_000_000
MAX_SIDE = 2560
#: How long the photos of a refused report wait for the resident to send it again.
KEEP_FOR = timedelta(hours=1)
_KEEP_SALT = "govflow.portal.kept-photos"
EXPIRED = "照片已过期，请重新选择"


class PhotoRefused(ValidationFailed):
    def __init__(self, name: str, reason: str, text: str):
        super().__init__(f"'{name}': {reason}", {"photos": [text]})
        self.reason = reason


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


def store_photos(files: list[tuple[str, bytes]], upload_dir: str, already: int = 0) -> list[str]:
    """Check, clean and store the resident's photos (``already`` kept ones count towards
    MAX_PHOTOS); returns their upload ids. All or nothing: one refused photo stores none."""
    files = [(n, d) for n, d in files if n or d]
    if already + len(files) > MAX_PHOTOS:
        raise ValidationFailed("too many photos", {"photos": [f"最多上传{MAX_PHOTOS}张照片"]})
    cleaned = [(name, clean_photo(data, name)) for name, data in files]
    if not cleaned:
        return []
    uploader = portal_user_id()
    ids = []
    for name, data in cleaned:
        row = store_upload(io.BytesIO(data), (name.rsplit(".", 1)[0] or "photo") + ".jpg",
                           UploadTarget("form", uploader), upload_dir, MAX_PHOTO_BYTES, images_only=True)
        ids.append(row.id)
    return ids


# -- kept across a refusal -------------------------------------------------------
def _serializer() -> URLSafeTimedSerializer:
    # A salt of its own: a session cookie or CSRF token, signed with the same key, is no kept-photos token.
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_KEEP_SALT)


def keep_token(ids: list[str]) -> str:
    """The signed value that carries ``ids`` in the form sent back ("" when none)."""
    return _serializer().dumps(list(ids)) if ids else ""


def kept_count(token: str) -> int:
    """How many photos a token names, for showing it again unchanged (the 429 page); not a
    check of the photos, which the next submit does."""
    try:
        ids = _serializer().loads(token, max_age=int(KEEP_FOR.total_seconds())) if token else []
    except BadSignature:
        return 0
    return len(ids) if isinstance(ids, list) else 0


def kept_photo_ids(token: str) -> list[str]:
    """The upload ids a token keeps; ValidationFailed on ``photos`` when it is tampered with,
    expired, or names a photo that is gone or already part of a case (a token sent twice).

    The rows are locked (PostgreSQL), so the worker cannot forget them while this
    report attaches them; SQLite has one writer at a time anyway."""
    if not token:
        return []
    expired = ValidationFailed("kept photos expired", {"photos": [EXPIRED]})
    try:
        ids = _serializer().loads(token, max_age=int(KEEP_FOR.total_seconds()))
    except BadSignature:  # SignatureExpired is one
        raise expired from None
    if not isinstance(ids, list) or not ids or len(ids) > MAX_PHOTOS \
            or not all(isinstance(i, str) for i in ids):
        raise expired
    query = _abandoned(utcnow() - KEEP_FOR, newer=True).where(Upload.id.in_(ids))
    if is_postgres():
        query = query.with_for_update(of=Upload)
    found = {row.id for row in db.session.scalars(query)}
    if found != set(ids):
        raise expired
    return list(dict.fromkeys(ids))


def _abandoned(cutoff: datetime, newer: bool = False):
    """Unattached photos of the portal account stored before ``cutoff`` (after it: ``newer``)."""
    return (select(Upload).join(User, User.id == Upload.uploaded_by_id)
            .where(User.username == PORTAL_USER, Upload.kind == "form", Upload.instance_id.is_(None),
                   Upload.task_id.is_(None),
                   Upload.created_at > cutoff if newer else Upload.created_at <= cutoff))


def forget_abandoned_photos(upload_dir: str, now: datetime | None = None, limit: int = 500) -> int:
    """Delete (row and file) the portal photos no report took within KEEP_FOR; returns how many.

    Rows the resident's submit is attaching right now are skipped (SKIP LOCKED), and a
    file goes before its row is committed, so a failed commit leaves a row without a
    file (deleted next round), never a resident's photo without a row."""
    query = _abandoned((now or utcnow()) - KEEP_FOR).order_by(Upload.created_at).limit(limit)
    if is_postgres():
        query = query.with_for_update(of=Upload, skip_locked=True)
    rows = list(db.session.scalars(query))
    for row in rows:
        upload_path(row, upload_dir).unlink(missing_ok=True)
        db.session.delete(row)
    db.session.flush()
    return len(rows)
