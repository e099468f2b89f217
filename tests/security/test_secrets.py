"""Passwords and API tokens: hashed, revocable, and never written to the logs."""
from __future__ import annotations

import logging

from sqlalchemy import select, text

from govflow.database import commit, writing
from govflow.extensions import db
from tests.web.conftest import csrf_of

SECRET_PASSWORD = "Pw-never-logged-7Q2"


def _all_cells(app) -> str:
    """Every value of the identity tables, as one string to search."""
    with app.app_context():
        rows = [db.session.execute(text(f"SELECT * FROM {t}")).all() for t in ("users", "api_tokens")]
        db.session.remove()
    return " ".join(str(cell) for table in rows for row in table for cell in row)


def test_tokens_are_stored_hashed_and_stop_working_when_revoked(web_app, tokens):
    from govflow.identity.models import ApiToken
    from govflow.identity.service import revoke_token
    token = tokens["grid1"]
    client = web_app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200
    assert token not in _all_cells(web_app) and token[3:] not in _all_cells(web_app)
    with web_app.app_context(), writing():
        revoke_token(db.session.scalar(select(ApiToken.id)))
        commit()
    refused = client.get("/api/v1/tasks", headers=headers)
    assert refused.status_code == 401 and refused.json["message"] == "the token is unknown or revoked"
    for header in ("Bearer", "Bearer ", "Basic " + token, "Bearer gf_" + "A" * 43, token):
        assert client.get("/api/v1/tasks", headers={"Authorization": header}).status_code == 401


def test_no_password_or_token_reaches_the_logs(web_app, caplog):
    """Log everything (DEBUG, every logger) while users are created, sign in (right
    and wrong), change passwords and use tokens; then search the records. SQL
    statements and their parameters are logged too, as an operator debugging the
    database would: what reaches the database must already be hashed."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    runner = web_app.test_cli_runner()
    with web_app.app_context():  # as `flask` itself provides
        result = runner.invoke(args=["users", "create", "newclerk", "--password", SECRET_PASSWORD,
                                     "--grant", "grid_worker@grid_yg_1"])
        assert result.exit_code == 0, result.output
    client = web_app.test_client()
    for password in ("wrong-" + SECRET_PASSWORD, SECRET_PASSWORD):
        form = {"username": "newclerk", "password": password, "csrf_token": csrf_of(client.get("/login").text)}
        client.post("/login", data=form)
    new_password = SECRET_PASSWORD + "-2"
    client.post("/password", data={"current": SECRET_PASSWORD, "new": new_password, "repeat": new_password,
                                   "csrf_token": csrf_of(client.get("/password").text)})
    with web_app.app_context():  # after the change: a password change revokes the user's tokens
        token = runner.invoke(args=["users", "token", "newclerk"]).output.strip().splitlines()[-1]
    api = web_app.test_client()
    assert api.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    api.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}x"})
    api.post("/api/v1/process-instances", json={"process_key": "web_case", "org_unit": "grid_yg_1",
                                                "variables": {"password": "x"}},
             headers={"Authorization": f"Bearer {token}"})
    logged = "\n".join(f"{r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records)
    assert any("api_tokens" in r.getMessage() for r in caplog.records), "the capture is not working"
    for secret in (SECRET_PASSWORD, new_password, token, token[3:]):
        assert secret not in logged
    assert SECRET_PASSWORD not in _all_cells(web_app)
