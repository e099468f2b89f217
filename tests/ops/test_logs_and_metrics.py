"""Request ids, JSON log lines and the Prometheus exposition."""
from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest

from govflow.database import commit, writing
from govflow.extensions import db
from govflow.ops.health import record_heartbeat, wall_now
from govflow.ops.logs import JsonFormatter
from govflow.ops.metrics import count_sandbox_kill


@pytest.fixture
def metrics_token(app):
    settings = app.config["GOVFLOW"]
    settings.METRICS_TOKEN = "scrape-me"
    yield {"Authorization": "Bearer scrape-me"}
    settings.METRICS_TOKEN = ""


def _json_lines(caplog) -> list[dict]:
    formatter = JsonFormatter()
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == "govflow.access"]


def test_a_well_formed_request_id_is_kept_and_a_hostile_one_replaced(app):
    client = app.test_client()
    kept = client.get("/healthz", headers={"X-Request-Id": "nginx-0123456789abcdef"})
    assert kept.headers["X-Request-Id"] == "nginx-0123456789abcdef"
    for hostile in ('x"}{"level":"ERROR"', "short", "a" * 65, "id with spaces 12"):
        answer = client.get("/healthz", headers={"X-Request-Id": hostile})
        assert answer.headers["X-Request-Id"] != hostile and len(answer.headers["X-Request-Id"]) == 32


def test_error_pages_show_the_request_id(app):
    answer = app.test_client().get("/no/such/page", headers={"X-Request-Id": "trace-12345678"})
    assert answer.status_code == 404
    assert "trace-12345678" in answer.get_data(as_text=True)


def test_one_json_line_per_request_without_personal_data(api_as, caplog):
    caplog.set_level(logging.INFO, logger="govflow.access")
    api = api_as("grid1")
    answer = api.get("/tasks?q=13800138000")
    [line] = [entry for entry in _json_lines(caplog) if entry["endpoint"] != "ops.healthz"]
    assert line["request_id"] == answer.headers["X-Request-Id"]
    assert line["status"] == answer.status_code and line["method"] == "GET"
    assert line["route"] == "/api/v1/tasks" and isinstance(line["user_id"], int)
    assert line["duration_ms"] >= 0
    text = json.dumps(line)
    assert "13800138000" not in text and "grid1" not in text and "Bearer" not in text


def test_exceptions_keep_their_stack_but_not_their_message():
    try:
        raise ValueError("citizen 张三 13800138000")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), __import__("sys").exc_info())
    line = json.loads(JsonFormatter().format(record))
    assert line["exc_type"] == "builtins.ValueError" and any("test_exceptions_keep" in f for f in line["stack"])
    assert "13800138000" not in json.dumps(line, ensure_ascii=False)


def test_metrics_are_404_without_a_token_setting_and_401_with_a_wrong_one(app):
    client = app.test_client()
    assert client.get("/metrics").status_code == 404
    app.config["GOVFLOW"].METRICS_TOKEN = "right"
    try:
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert client.get("/metrics").status_code == 401
    finally:
        app.config["GOVFLOW"].METRICS_TOKEN = ""


def test_metrics_show_requests_work_and_workers(org, deploy_fixture, api_as, metrics_token):
    from govflow.instances.models import Incident, ProcessInstance
    from govflow.outbox.models import OutboxMessage
    from govflow.worklist.models import HumanTask
    deploy_fixture("review.bpmn")
    started = api_as("admin").post("/process-instances", {"process_key": "review", "org_unit": "grid_yg_1",
                                                          "variables": {"rounds": 0}})
    assert started.status_code == 201, started.get_data(as_text=True)
    with writing():
        task = db.session.query(HumanTask).first()
        task.due_at = wall_now() - timedelta(hours=1)
        instance = db.session.query(ProcessInstance).first()
        instance.next_timer_at = wall_now() - timedelta(seconds=90)
        db.session.add(Incident(instance_id=instance.id, engine_task_id="t", element_id="e",
                                element_name="e", message="m"))
        db.session.add(OutboxMessage(channel="webhook", payload={}, idempotency_key="k1"))
        db.session.add(OutboxMessage(channel="webhook", payload={}, idempotency_key="k2", failed_at=wall_now()))
        commit()
    record_heartbeat("node-a:42", wall_now())
    count_sandbox_kill()
    body = org.test_client().get("/metrics", headers=metrics_token).get_data(as_text=True)
    assert 'govflow_http_requests_total{endpoint="process-instances.create_instance",method="POST",status="201"}' in body
    assert 'govflow_tasks_open{process="review",unit="' in body
    assert 'govflow_tasks_overdue{process="review"' in body and "} 1.0" in body
    assert 'govflow_tasks_unclaimed{process="review"' in body
    lag = [line for line in body.splitlines() if line.startswith("govflow_timer_lag_seconds ")]
    assert lag and 80 < float(lag[0].split()[1]) < 600
    assert "govflow_outbox_backlog 1.0" in body and "govflow_outbox_dead_letters 1.0" in body
    assert "govflow_incidents_open 1.0" in body
    assert 'govflow_worker_heartbeat_age_seconds{worker="node-a:42"}' in body
    assert "govflow_sandbox_kills_total" in body
    assert 'govflow_http_request_duration_seconds_bucket{endpoint="' in body


def test_metrics_still_answer_when_the_database_does_not(app, metrics_token, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def down(*_a, **_k):
        raise OperationalError("SELECT", {}, Exception("connection refused"))
    monkeypatch.setattr(db.session, "execute", down)
    answer = app.test_client().get("/metrics", headers=metrics_token)
    assert answer.status_code == 200
    body = answer.get_data(as_text=True)
    assert "govflow_database_up 0.0" in body and "govflow_http_requests_total" in body
    assert "govflow_tasks_open" not in body.replace("# HELP govflow_tasks_open", "")


def test_a_sandbox_child_killed_for_its_time_limit_is_counted(app, monkeypatch):
    """A child that does not answer in time (stuck in C code its instrumentation
    cannot interrupt; simulated here) is killed and replaced: the counter says so."""
    from govflow.engine.sandbox import pool as sandbox
    from govflow.engine.sandbox.errors import EvaluationTimeout
    from govflow.engine.sandbox.protocol import ChildLost
    from govflow.ops.metrics import SANDBOX_KILLS

    def hangs(self, _request, _deadline):
        raise ChildLost("no reply before the deadline")
    monkeypatch.setattr(sandbox._Child, "call", hangs)
    before = SANDBOX_KILLS._value.get()
    with pytest.raises(EvaluationTimeout):
        sandbox.pool.run("eval", "1 + 1", {}, None, 0.2)
    assert SANDBOX_KILLS._value.get() == before + 1


def test_worker_jobs_log_one_line_each_and_idle_passes_none(app, caplog):
    from govflow.ops.logs import job
    caplog.set_level(logging.INFO, logger="govflow.jobs")
    with job("worker.pass", worker="w:1") as outcome:
        outcome.update(timers=2)
    with job("worker.pass", worker="w:1") as outcome:
        outcome["quiet"] = True
    with pytest.raises(RuntimeError), job("worker.pass", worker="w:1") as outcome:
        outcome["quiet"] = True
        raise RuntimeError("boom")
    lines = [json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name == "govflow.jobs"]
    assert [(line["outcome"], line.get("timers")) for line in lines] == [("ok", 2), ("error", None)]
    assert all(len(line["job_id"]) == 32 and line["job"] == "worker.pass" for line in lines)
