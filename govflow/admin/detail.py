"""What the admin instance page shows, gathered in one place for a thin view."""
from __future__ import annotations

from sqlalchemy import select

from ..definitions.models import ProcessDefinition
from ..errors import NotFound
from ..extensions import db
from ..identity.models import OrgUnit, User
from ..instances.models import Incident, InstanceEvent, ProcessInstance
from ..worklist.models import HumanTask, TaskStatus


def instance_page(instance_id: int) -> dict:
    """Raises NotFound for an unknown instance."""
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound(f"process instance {instance_id} does not exist")
    steps = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)
                               .order_by(HumanTask.id)).all()
    events = db.session.scalars(select(InstanceEvent).where(InstanceEvent.instance_id == instance.id)
                                .order_by(InstanceEvent.id)).all()
    incidents = db.session.scalars(select(Incident).where(Incident.instance_id == instance.id,
                                                          Incident.resolved_at.is_(None))
                                   .order_by(Incident.id)).all()
    user_ids = {u for u in {e.actor_id for e in events} | {t.assignee_id for t in steps} if u}
    users = dict(db.session.execute(select(User.id, User.display_name)
                                    .where(User.id.in_(user_ids))).all()) if user_ids else {}
    open_steps = [t for t in steps if t.status == TaskStatus.open.value]
    done = [t for t in steps if t.status == TaskStatus.completed.value]
    current_ids = {t.element_id for t in open_steps}
    return {
        "instance": instance,
        "definition": db.session.get(ProcessDefinition, instance.definition_id),
        "org_unit": db.session.get(OrgUnit, instance.org_unit_id),
        "open_steps": open_steps, "events": events, "incidents": incidents, "users": users,
        "diagram": {"done": sorted({t.element_id for t in done}), "current": sorted(current_ids)},
        #: Earlier steps people completed, for 退回 (move_to_step): (element id, name).
        "earlier_steps": list(dict.fromkeys((t.element_id, t.name) for t in done
                                            if t.element_id not in current_ids)),
        "variables": sorted((instance.variables or {}).items()),
        #: Deployed versions this instance could be migrated to.
        "newer_versions": list(db.session.scalars(select(ProcessDefinition.version).where(
            ProcessDefinition.key == instance.process_key, ProcessDefinition.version > instance.version)
            .order_by(ProcessDefinition.version))),
    }
