"""What the sandbox raises: one base class, so callers can catch every refusal at once."""
from __future__ import annotations


class SandboxError(Exception):
    """Base of everything the sandbox refuses."""


class UnsafeCode(SandboxError):
    """Code refused by policy; ``lineno`` is set when refused at compile time."""

    def __init__(self, reason: str, lineno: int | None = None):
        self.reason = reason
        self.lineno = lineno
        super().__init__(f"line {lineno}: {reason}" if lineno else reason)


class EvaluationTimeout(SandboxError):
    """The evaluation ran past its time limit."""


class ResourceLimit(SandboxError):
    """An operation would build a value beyond the sandbox's size limits."""


class StepBudgetExceeded(EvaluationTimeout):
    """The step (one request or worker job) used up its total time for evaluations,
    however many there were (:func:`~govflow.engine.sandbox.step_budget`)."""
