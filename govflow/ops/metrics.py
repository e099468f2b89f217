"""Prometheus metrics: per-process counters, and gauges computed from the database on scrape.

Two kinds, because gunicorn runs several processes. Request latency and status, and
sandbox kills, are counted in the process that saw them; with
``PROMETHEUS_MULTIPROC_DIR`` set (docs/DEPLOYMENT.md) every process writes them to
files there and a scrape of any one process adds them all up; without it, a scrape
shows the answering process's own counts only. Everything about the work itself —
open, overdue and unclaimed tasks, timer lag, the outbox, incidents, workers — is
read from the database at scrape time with a few grouped queries, so any node
answers the same and nothing has to be kept in step.
"""
from __future__ import annotations

import os
from collections import defaultdict

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import case, func, select
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..identity.models import OrgUnit
from ..instances.models import Incident, InstanceStatus, ProcessInstance
from ..outbox.models import OutboxMessage
from ..worklist.models import HumanTask, TaskStatus
from .health import wall_now
from .models import WorkerHeartbeat

disable_created_metrics()  # the *_created series double the output and say nothing a restart would not
REGISTRY = CollectorRegistry()
REQUEST_SECONDS = Histogram(
    "govflow_http_request_duration_seconds", "Time to answer a request, by Flask endpoint.",
    ["endpoint", "method"], registry=REGISTRY,
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
REQUESTS = Counter("govflow_http_requests", "Requests answered, by endpoint and status.",
                   ["endpoint", "method", "status"], registry=REGISTRY)
SANDBOX_KILLS = Counter("govflow_sandbox_kills", "Sandbox child processes killed (time limit, "
                        "unreadable or oversized reply) and replaced.", registry=REGISTRY)


def observe_request(endpoint: str, method: str, status: int, seconds: float) -> None:
    REQUEST_SECONDS.labels(endpoint, method).observe(seconds)
    REQUESTS.labels(endpoint, method, str(status)).inc()


def count_sandbox_kill() -> None:
    SANDBOX_KILLS.inc()


def render() -> bytes:
    """The text exposition: this process's (or all processes') counters, then the work."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counters = CollectorRegistry()
        MultiProcessCollector(counters)
    else:
        counters = REGISTRY
    work = CollectorRegistry()
    work.register(WorkCollector())
    return generate_latest(counters) + generate_latest(work)


class WorkCollector(Collector):
    """Gauges read from the database when Prometheus asks (needs an app context)."""

    def collect(self):
        # All or nothing, so that a database outage still lets the counters through,
        # with govflow_database_up 0 to alert on instead of a failed scrape.
        try:
            families = [*_task_gauges(), *_engine_gauges(), *_worker_gauges()]
        except SQLAlchemyError:
            families = []
        finally:
            db.session.rollback()
        yield GaugeMetricFamily("govflow_database_up", "Whether the scrape could read the database.",
                                value=1 if families else 0)
        yield from families


def _task_gauges():
    now = wall_now()
    open_ = GaugeMetricFamily("govflow_tasks_open", "Open human tasks.", labels=["process", "unit"])
    overdue = GaugeMetricFamily("govflow_tasks_overdue", "Open tasks past their due time.",
                                labels=["process", "unit"])
    unclaimed = GaugeMetricFamily("govflow_tasks_unclaimed", "Open tasks nobody has claimed.",
                                  labels=["process", "unit"])
    # Grouped by the scope's full path (one row per unit with work), folded to the
    # top-level unit here: portable SQL, and at most as many rows as units.
    rows = db.session.execute(
        select(HumanTask.process_key, HumanTask.scope_path, func.count(),
               func.sum(case((HumanTask.due_at < now, 1), else_=0)),
               func.sum(case((HumanTask.assignee_id.is_(None), 1), else_=0)))
        .where(HumanTask.status == TaskStatus.open.value)
        .group_by(HumanTask.process_key, HumanTask.scope_path))
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for process, path, count, late, free in rows:
        top = path.strip("/").split("/", 1)[0]
        sums = totals[(process, top)]
        sums[0] += count
        sums[1] += late or 0
        sums[2] += free or 0
    codes = _unit_codes({int(top) for _, top in totals if top.isdigit()})
    for (process, top), (count, late, free) in sorted(totals.items()):
        labels = [process, codes.get(top, top)]
        open_.add_metric(labels, count)
        overdue.add_metric(labels, late)
        unclaimed.add_metric(labels, free)
    yield from (open_, overdue, unclaimed)


def _unit_codes(ids: set[int]) -> dict[str, str]:
    if not ids:
        return {}
    return {str(i): code for i, code in db.session.execute(select(OrgUnit.id, OrgUnit.code).where(OrgUnit.id.in_(ids)))}


def _engine_gauges():
    now = wall_now()
    due, oldest = db.session.execute(
        select(func.count(), func.min(ProcessInstance.next_timer_at))
        .where(ProcessInstance.next_timer_at <= now,
               ProcessInstance.status.in_([InstanceStatus.active.value, InstanceStatus.error.value]))).one()
    yield GaugeMetricFamily("govflow_timers_due", "Timers due and not fired yet.", value=due)
    yield GaugeMetricFamily("govflow_timer_lag_seconds", "How long the oldest due timer has waited.",
                            value=(now - oldest).total_seconds() if oldest else 0.0)
    backlog, dead = db.session.execute(select(
        func.sum(case(((OutboxMessage.delivered_at.is_(None) & OutboxMessage.failed_at.is_(None)), 1), else_=0)),
        func.sum(case((OutboxMessage.failed_at.is_not(None), 1), else_=0)))).one()
    yield GaugeMetricFamily("govflow_outbox_backlog", "Outbox messages waiting to be delivered.",
                            value=backlog or 0)
    yield GaugeMetricFamily("govflow_outbox_dead_letters", "Outbox messages given up after every attempt.",
                            value=dead or 0)
    incidents = db.session.scalar(select(func.count()).select_from(Incident).where(Incident.resolved_at.is_(None)))
    yield GaugeMetricFamily("govflow_incidents_open", "Incidents waiting for an administrator.", value=incidents)


def _worker_gauges():
    now = wall_now()
    age = GaugeMetricFamily("govflow_worker_heartbeat_age_seconds",
                            "Seconds since each background worker finished a pass.", labels=["worker"])
    passes = GaugeMetricFamily("govflow_worker_passes", "Passes each worker has made since it started.",
                               labels=["worker"])
    for beat in db.session.scalars(select(WorkerHeartbeat).order_by(WorkerHeartbeat.worker_id)):
        age.add_metric([beat.worker_id], (now - beat.beat_at).total_seconds())
        passes.add_metric([beat.worker_id], beat.passes)
    yield from (age, passes)
