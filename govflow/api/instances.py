from __future__ import annotations

from ..admin.access import require_administrator_of_instance
from ..errors import NotFound
from ..extensions import db
from ..identity.service import get_org_unit
from ..instances.listing import search_instances
from ..instances.models import ProcessInstance
from ..instances.operations import move_to_step
from ..instances.service import get_readable_instance, open_work, retry_incident, transition
from ..worklist.history import instance_history
from ..worklist.starting import start_process
from ..worklist.views import dossier_pdf
from .auth import api_blueprint, principal
from .present import events_out, history_out, instance_detail_out, instances_out
from .schemas import (
    EventSchema,
    HistoryEntrySchema,
    InstanceDetailSchema,
    InstanceQuerySchema,
    InstanceSchema,
    MoveSchema,
    ReasonSchema,
    StartInstanceSchema,
)

PREFIX = ""
blp = api_blueprint("process-instances", "Process instances")


def _visible(instance_id: int) -> ProcessInstance:
    return get_readable_instance(principal(), instance_id)


@blp.route("/process-instances", methods=["POST"])
@blp.arguments(StartInstanceSchema)
@blp.response(201, InstanceDetailSchema)
def create_instance(args):
    instance = start_process(principal(), args["process_key"], args["org_unit"], args["variables"],
                             business_key=args["business_key"])
    return instance_detail_out(instance)


@blp.route("/process-instances")
@blp.arguments(InstanceQuerySchema, location="query")
@blp.response(200, InstanceSchema(many=True))
def list_instances(args):
    unit = get_org_unit(args["org_unit"]) if args.get("org_unit") else None
    rows, total, capped = search_instances(principal(), org_unit_path=unit.path if unit else None,
                                           limit=args["limit"], offset=args["offset"], status=args.get("status"),
                                           process_key=args.get("process_key"),
                                           business_key=args.get("business_key"))
    return instances_out(rows), {"X-Total-Count": str(total), "X-Total-Count-Capped": str(capped).lower()}


@blp.route("/process-instances/<int:instance_id>")
@blp.response(200, InstanceDetailSchema)
def show_instance(instance_id):
    instance, tasks, incidents = open_work(instance_id, principal())
    return instance_detail_out(instance, work=(tasks, incidents))


@blp.route("/process-instances/<int:instance_id>/dossier.pdf")
@blp.doc(responses={"200": {"description": "案卷 (PDF): case data, steps with handler and time, timeline, photos",
                            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}})
def dossier(instance_id):
    """案卷: the case as a printable PDF, masked for the caller; 404 outside their jurisdiction."""
    return dossier_pdf(principal(), instance_id)


@blp.route("/process-instances/<int:instance_id>/events")
@blp.response(200, EventSchema(many=True))
def instance_events(instance_id):
    return events_out(_visible(instance_id).id)


@blp.route("/process-instances/<int:instance_id>/history")
@blp.response(200, HistoryEntrySchema(many=True))
def instance_history_view(instance_id):
    """The case's history as the task page shows it: who did what, when and why."""
    return history_out(instance_history(principal(), instance_id))


def _transition_view(action):
    def view(args, instance_id):
        instance = _visible(instance_id)
        require_administrator_of_instance(principal(), instance.id)
        return instance_detail_out(transition(instance.id, action, principal().user_id, args["reason"]))
    view.__name__ = f"{action}_instance"
    view.__doc__ = f"{action.capitalize()} the instance (administrators)."
    return view


for _action in ("suspend", "resume", "terminate"):
    blp.route(f"/process-instances/<int:instance_id>/{_action}", methods=["POST"])(
        blp.arguments(ReasonSchema, location="json", required=False)(
            blp.response(200, InstanceDetailSchema)(_transition_view(_action))))


@blp.route("/process-instances/<int:instance_id>/move", methods=["POST"])
@blp.arguments(MoveSchema)
@blp.response(200, InstanceDetailSchema)
def move_instance(args, instance_id):
    """Move the instance back to an earlier step (退回 by an administrator; reason required)."""
    instance = _visible(instance_id)
    require_administrator_of_instance(principal(), instance.id)
    return instance_detail_out(move_to_step(instance.id, args["element_id"], principal().user_id, args["reason"]))


@blp.route("/incidents/<int:incident_id>/retry", methods=["POST"])
@blp.response(200, InstanceDetailSchema)
def retry(incident_id):
    from ..instances.models import Incident
    incident = db.session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"no incident {incident_id}")
    instance = _visible(incident.instance_id)
    require_administrator_of_instance(principal(), instance.id)
    return instance_detail_out(retry_incident(incident_id, principal().user_id))

