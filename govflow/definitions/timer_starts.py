"""Timer start events as jobs: scheduling them when a version is deployed.

Deploying a new version of a key replaces the jobs of its older versions (Camunda
does the same: only the latest version's timer start events are scheduled), then adds
one job per timer start event of the new version. ``instances/timer_starts.py`` fires
them.
"""
from __future__ import annotations

import json

from sqlalchemy import delete, select

from .. import engine
from ..engine import clock, timer_starts
from ..engine.script_engine import python_source
from ..errors import ValidationFailed
from ..extensions import db
from ..identity.service import find_org_unit
from ..timeutil import utcnow
from .models import ProcessDefinition, TimerStartJob


def schedule_timer_starts(definition: ProcessDefinition, data: bytes, filename: str) -> None:
    """Replace the key's timer start jobs by those of ``definition`` (new, flushed).
    Raises ValidationFailed naming the event and line when one cannot be scheduled."""
    db.session.execute(delete(TimerStartJob).where(TimerStartJob.process_key == definition.key))
    for event in timer_starts.timer_start_events(data, definition.key):
        if event.org_unit is not None and find_org_unit(event.org_unit) is None:
            _refuse(event.element_id, filename, event.line,
                    f"timer start event '{event.element_id}' names org unit '{event.org_unit}', which does not "
                    "exist [unknown-org-unit]")
        try:
            schedule = timer_starts.first_schedule(event, _evaluate, clock.now())
        except timer_starts.TimerStartError as exc:
            _refuse(exc.element_id, filename, exc.line, f"{exc} [invalid-timer]")
        db.session.add(TimerStartJob(definition=definition, process_key=definition.key, element_id=event.element_id,
                                     schedule=json.dumps(schedule), due_at=timer_starts.due_at(schedule),
                                     org_unit_code=event.org_unit))
    db.session.flush()


def due_job_ids(limit: int = 100) -> list[int]:
    query = (select(TimerStartJob.id).join(ProcessDefinition)
             .where(TimerStartJob.due_at <= utcnow(), ProcessDefinition.is_suspended.is_(False))
             .order_by(TimerStartJob.due_at).limit(limit))
    return list(db.session.scalars(query))


def _evaluate(expression: str):
    return engine.get_script_engine().environment.evaluate(
        python_source(expression), {})


def _refuse(element_id: str, filename: str, line: int | None, message: str) -> None:
    where = ":".join(str(x) for x in (filename, line) if x)
    raise ValidationFailed("1 problem(s) in the deployment", {element_id: [f"{where}: {message}"]})
