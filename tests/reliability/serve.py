"""gunicorn tests.reliability.serve:app / flask --app tests.reliability.serve worker:
the platform with the crash tests' handlers registered."""
from wsgi import app  # noqa: F401

from . import handlers  # noqa: F401
