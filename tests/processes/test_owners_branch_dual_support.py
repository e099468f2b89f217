"""Shared steps for the owners-committee, weak-branch and dual-reporting process tests.

Each test deploys only its own process files (processes/ is shared with other
processes) and walks the instance through the service layer on a virtual clock:
every action happens at a given instant, so timers, due dates and "dates in the
future" are checked exactly, and ``worker --once --now`` fires what is due.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from govflow.database import commit, writing
from govflow.definitions.service import deploy
from govflow.engine import clock
from govflow.errors import ValidationFailed
from govflow.extensions import db
from govflow.identity.access import principal_for
from govflow.identity.models import OrgUnit
from govflow.identity.service import create_user, get_user, grant_role, upsert_org_unit
from govflow.instances.models import ProcessInstance
from govflow.instances.service import deliver_message, start_instance
from govflow.records.models import LedgerEntry, Notification, PublicResult
from govflow.worklist.inbox import list_tasks
from govflow.worklist.models import HumanTask
from govflow.worklist.service import complete_task
from tests.uploads import register_uploads

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
BEIJING = timezone(timedelta(hours=8))
PHONE = "13912345678"
PHOTO = ["upload-0001.jpg"]


def deploy_processes(*names: str):
    with writing():
        result = deploy({name: (PROCESSES / name).read_bytes() for name in names})
        commit()
    return result


def t0() -> datetime:
    """A fixed instant in the near future, on a whole hour, as the test's time zero."""
    return (datetime.now(UTC) + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)


def handler_runner(process_key: str, org_unit: str, business_key: str, **start_variables):
    """``run(name, at=None, properties=None, **variables)``: what the service-task handler
    ``name`` returns for a fresh instance of ``process_key``, at the instant ``at``."""
    from govflow.tasks import HandlerContext, get_handler
    instance_id = start(process_key, org_unit, t0(), **start_variables)

    def call(name, at=None, properties=None, **variables):
        ctx = HandlerContext(instance_id=instance_id, process_key=process_key, business_key=business_key,
                             org_unit_code=org_unit, element_id=name, variables=variables,
                             properties=properties or {})
        with clock.frozen_at(at):
            result = get_handler(name)(ctx)
        db.session.flush()
        return result
    call.instance_id = instance_id
    return call


def days(n: float) -> timedelta:
    return timedelta(days=n)


def years_later(at: datetime, years: int = 1) -> datetime:
    """The engine's ``P1Y``: the same day and time ``years`` calendar years on."""
    return at.replace(year=at.year + years)


def naive(at: datetime) -> datetime:
    """``at`` as the platform stores it (naive UTC)."""
    return at.astimezone(UTC).replace(tzinfo=None)


def day(at: datetime, offset: int = 0) -> str:
    """The Beijing date ``offset`` days after ``at``, as a form sends it."""
    return (at.astimezone(BEIJING) + timedelta(days=offset)).date().isoformat()


def start(key: str, unit: str, at: datetime, **variables) -> int:
    with clock.frozen_at(at), writing():
        instance = start_instance(key, unit, variables)
        commit()
    return instance.id


def open_tasks(username: str, instance_id: int | None = None) -> list[HumanTask]:
    rows, _ = list_tasks(principal_for(get_user(username)), instance_id=instance_id, limit=200)
    return list(rows)


def elements(username: str, instance_id: int | None = None) -> list[str]:
    return sorted(t.element_id for t in open_tasks(username, instance_id))


def task(username: str, element: str, instance_id: int | None = None) -> HumanTask:
    """The one open task ``element`` the user can see (fails when there is not exactly one)."""
    rows = [t for t in open_tasks(username, instance_id) if t.element_id == element]
    assert len(rows) == 1, f"{username} sees {elements(username, instance_id)}, not one {element}"
    return rows[0]


def complete(username: str, element: str, instance_id: int, at: datetime, row: HumanTask | None = None,
             **values) -> HumanTask:
    """Complete ``element`` (the one open, or the given ``row`` when several are) at ``at``."""
    row = row or task(username, element, instance_id)
    with clock.frozen_at(at), writing():
        complete_task(row.id, principal_for(get_user(username)), register_uploads(username, row, values),
                      values.get("comment"))
        commit()
    return row


def refused(username: str, element: str, instance_id: int, at: datetime, **values) -> dict:
    """The form errors a submission gets; the task stays open."""
    row = task(username, element, instance_id)
    with clock.frozen_at(at), writing():
        with pytest.raises(ValidationFailed) as caught:
            complete_task(row.id, principal_for(get_user(username)), register_uploads(username, row, values),
                          values.get("comment"))
    db.session.rollback()
    assert task(username, element, instance_id).id == row.id
    return caught.value.errors


def deliver(name: str, instance_id: int, at: datetime, **variables) -> None:
    with clock.frozen_at(at), writing():
        deliver_message(name, instance_id=instance_id, variables=variables)
        commit()


def worker(app, at: datetime) -> str:
    result = app.test_cli_runner().invoke(args=["worker", "--once", "--now", at.isoformat()])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result.output


# Reading an instance's data is the same for every process suite.
from tests.processes.test_case_handling_helpers import (  # noqa: E402,F401
    instance,
    ledger,
    ledger_kinds,
    public_result,
    variables,
)


def notifications(username: str, kind_prefix: str) -> list[Notification]:
    """What the process told the user (not the platform's new-task notices)."""
    return list(db.session.scalars(select(Notification).where(
        Notification.user_id == get_user(username).id, Notification.kind.startswith(kind_prefix))
        .order_by(Notification.id)))


def scope_of(row: HumanTask) -> str:
    """The org-unit code a task is scoped to."""
    return db.session.scalar(select(OrgUnit.code).where(OrgUnit.path == row.scope_path))


def due_after(row: HumanTask) -> timedelta:
    return row.due_at - row.created_at


def unit_path(code: str) -> str:
    return db.session.scalar(select(OrgUnit.path).where(OrgUnit.code == code))


def add_unit(code: str, name: str, kind: str, parent: str) -> None:
    with writing():
        upsert_org_unit(code, name, kind, parent)
        commit()


def add_user(username: str, *grants: str) -> None:
    """A user the demo organisation lacks (a pairing unit, a discipline office …)."""
    with writing():
        user = create_user(username, "test-password-1", username)
        for spec in grants:
            grant_role(user, spec)
        commit()
