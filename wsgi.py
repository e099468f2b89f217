"""Entry point: gunicorn wsgi:app, flask --app wsgi <command>."""
from govflow import create_app

app = create_app()
