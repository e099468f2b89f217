"""Domain errors. Services raise these; the web layer maps them to HTTP once."""
from __future__ import annotations


class DomainError(Exception):
    status = 400

    def __init__(self, message: str, errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class NotFound(DomainError):
    """Missing, or outside the caller's jurisdiction (which must not be revealed)."""
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    """Someone else changed the thing first, or it is in the wrong state."""
    status = 409


class InvalidTransition(Conflict):
    """A life-cycle transition from a state that does not allow it."""


class ValidationFailed(DomainError):
    status = 422


class Unauthorized(DomainError):
    status = 401
