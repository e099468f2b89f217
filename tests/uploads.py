"""Real upload rows for the file fields of test submissions.

Completing a task checks that each id in a file field names an upload the caller
may use (govflow.worklist.rules.file_field_errors). Process tests name photos by
readable ids ("file-after-1"); this stores a tiny PNG row under each such id, owned
by the completing user, so the rule runs for real and the ids stay readable in
assertions."""
from __future__ import annotations

from govflow.attachments.models import Upload
from govflow.extensions import db
from govflow.forms.validation import describe
from govflow.identity.service import get_user


def register_uploads(username: str, task, values: dict) -> dict:
    """Stores an upload row for every not-yet-stored id in ``task``'s file fields."""
    user = get_user(username)
    for field in describe(task.form_key, task.form_fields or []):
        ids = values.get(field["id"]) if field["widget"] == "file" else None
        for upload_id in ids or []:
            if not isinstance(upload_id, str):
                continue
            row = db.session.get(Upload, upload_id)
            if row is not None and row.instance_id not in (None, task.instance_id):
                # the same readable id in a second case: as if the user uploaded it again
                row.instance_id, row.task_id, row.uploaded_by_id = None, None, user.id
            elif row is None:
                db.session.add(Upload(id=upload_id, kind="form", uploaded_by_id=user.id, filename=upload_id,
                                      content_type="image/png", size=67, sha256="0" * 64,
                                      storage_name=f"test/{upload_id}"))
    db.session.flush()
    return values
