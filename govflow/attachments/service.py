"""Storing and finding uploads. The content decides the type, never the file name.

Only photos (JPEG, PNG, GIF, WebP) and PDF documents are accepted: they are
what cases need as evidence, and none of them runs as script in a browser.
"""
from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select

from ..errors import NotFound, ValidationFailed
from ..extensions import db
from .models import Upload

#: (leading bytes, offset, content type); WebP is RIFF....WEBP.
_SIGNATURES = [
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),
    (b"%PDF-", 0, "application/pdf"),
]
IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}


@dataclass(frozen=True)
class UploadTarget:
    """Where an upload belongs; ``task_id``/``instance_id`` may be unknown yet (start forms)."""
    kind: str
    uploader_id: int
    instance_id: int | None = None
    task_id: int | None = None


def sniff(head: bytes) -> str | None:
    """The content type the bytes really are, or None when not an accepted kind."""
    for magic, offset, content_type in _SIGNATURES:
        if head[offset:offset + len(magic)] == magic:
            if content_type == "image/webp" and head[:4] != b"RIFF":
                continue
            return content_type
    return None


def store_upload(stream: BinaryIO, filename: str, target: UploadTarget, upload_dir: str,
                 max_bytes: int, images_only: bool = False) -> Upload:
    """Check and store one file; raises ValidationFailed (field ``file``) when refused."""
    data = stream.read(max_bytes + 1)
    name = _display_name(filename)
    if not data:
        raise ValidationFailed(f"'{name}' is empty", {"file": ["empty"]})
    if len(data) > max_bytes:
        raise ValidationFailed(f"'{name}' is too large", {"file": ["too_large"]})
    content_type = sniff(data[:16])
    if content_type is None or (images_only and content_type not in IMAGE_TYPES):
        raise ValidationFailed(f"'{name}' is not an accepted file", {"file": ["bad_type"]})
    upload_id = "up_" + secrets.token_urlsafe(18)
    storage_name = f"{upload_id[3:5]}/{upload_id}"
    path = Path(upload_dir) / storage_name
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "xb") as out:  # the name is fresh: never overwrite
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    row = Upload(id=upload_id, kind=target.kind, uploaded_by_id=target.uploader_id,
                 instance_id=target.instance_id, task_id=target.task_id, filename=name,
                 content_type=content_type, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                 storage_name=storage_name)
    db.session.add(row)
    db.session.flush()
    return row


def get_upload(upload_id: str) -> Upload:
    row = db.session.get(Upload, upload_id) if isinstance(upload_id, str) else None
    if row is None:
        raise NotFound("no such file")
    return row


def upload_path(row: Upload, upload_dir: str) -> Path:
    return Path(upload_dir) / row.storage_name


def own_uploads(ids: list[str], uploader_id: int, task_id: int | None) -> list[str]:
    """Of ``ids``, those this user uploaded for this task (or, for a start form, for none).

    Form values may only name files their author uploaded for that very form,
    so nobody can attach another case's photos by guessing or copying an id.
    """
    ids = [i for i in ids if isinstance(i, str) and i.startswith("up_")][:50]
    if not ids:
        return []
    rows = set(db.session.scalars(select(Upload.id).where(
        Upload.id.in_(ids), Upload.uploaded_by_id == uploader_id, Upload.kind == "form",
        Upload.task_id.is_(None) if task_id is None else Upload.task_id == task_id)))
    return [i for i in dict.fromkeys(ids) if i in rows]


def attachments_of(instance_id: int) -> list[Upload]:
    return list(db.session.scalars(select(Upload).where(
        Upload.instance_id == instance_id, Upload.kind == "attachment").order_by(Upload.created_at)))


def link_to_instance(ids: list[str], instance_id: int) -> None:
    """Start forms: the photos were uploaded before the instance existed."""
    for row in db.session.scalars(select(Upload).where(Upload.id.in_(ids), Upload.instance_id.is_(None))):
        row.instance_id = instance_id


def _display_name(filename: str | None) -> str:
    name = os.path.basename((filename or "").replace("\\", "/")).strip() or "file"
    return "".join(ch for ch in name if ch.isprintable())[:200]
