"""Uploaded files: form photos and task attachments, stored under UPLOAD_DIR."""
