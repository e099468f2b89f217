"""Designer trial runs (设计器试运行, ``ProcessInstance.is_trial``): what leaves them out.

A trial runs like any instance, but only its starter — the designer — takes part:
its tasks are offered to the starter alone (instances/sync.py), and the predicates
here keep it out of the rest of the platform, once per family of reads: instance
searches and exports (:func:`real_instances`), figures (the same, joined), and
messages to people (:func:`keeps_quiet`).
"""
from __future__ import annotations

from ..extensions import db
from .models import ProcessInstance


def real_instances():
    """SQL: not a trial run."""
    return ProcessInstance.is_trial.is_(False)


def keeps_quiet(instance_id: int | None, user_id: int | None = None) -> bool:
    """Whether a message about the instance must not go to ``user_id`` (to anyone
    outside the platform when None: SMS, group robots): a trial tells its starter only."""
    instance = db.session.get(ProcessInstance, instance_id) if instance_id else None
    return bool(instance and instance.is_trial and (user_id is None or user_id != instance.started_by_id))
