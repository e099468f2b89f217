"""What the engine answers besides its state: its refusals and the work it reports
(failures that become incidents, external tasks waiting for a worker)."""
from __future__ import annotations

from dataclasses import dataclass


class EngineError(Exception):
    """The engine cannot do what was asked (not a failure inside the process)."""


class NotWaiting(EngineError):
    """Nothing in the instance waits for the message (any more)."""


@dataclass
class ExternalWait:
    """A ``camunda:type="external"`` service task waiting for a worker."""
    engine_task_id: str
    element_id: str
    element_name: str
    topic: str


@dataclass
class StepFailure:
    """A task the engine could not run; becomes an incident."""
    engine_task_id: str
    element_id: str
    element_name: str
    message: str
