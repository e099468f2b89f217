"""Batch claim and batch completion of simple approvals (批量签收, 批量审批).

Each task is its own action through the same use case as one task alone, in a
savepoint of its own: a refused task changes nothing of itself and does not stop
the others. The answer lists, per task, whether it worked and why not.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..database import undone_if_refused
from ..errors import Conflict, DomainError, NotFound, ValidationFailed
from ..identity.access import Principal
from .rules import simple_approval_field
from .service import claim_task, complete_task, get_visible_task

#: Tasks one batch may name: a screenful of the worklist, and a bound on one request's work.
MAX_BATCH = 100
#: Task ids are 32-bit integers on both databases.
ID_LIMIT = 2 ** 31


@dataclass
class BatchResult:
    task_id: int
    ok: bool
    #: The refusal's kind (not_found, conflict, validation_failed, not_simple) and its words.
    code: str | None = None
    message: str | None = None
    errors: dict | None = None


def batch_claim(task_ids: list[int], p: Principal) -> list[BatchResult]:
    """Claim each task as ``claim_task`` would. Raises ValidationFailed (``task_ids``)."""
    return _each(task_ids, lambda task_id: claim_task(task_id, p))


def batch_approve(task_ids: list[int], p: Principal, comment: str | None = None) -> list[BatchResult]:
    """Complete each simple approval with its yes/no question answered yes and
    ``comment`` as 审批意见; other tasks are refused (``not_simple``).
    Raises ValidationFailed (``task_ids``)."""
    def approve(task_id: int) -> None:
        field = simple_approval_field(get_visible_task(task_id, p, for_change=False))
        if field is None:
            raise NotSimpleApproval("the task's form needs more than a yes or no: open it to fill it in")
        complete_task(task_id, p, {field: True}, comment)
    return _each(task_ids, approve)


class NotSimpleApproval(Conflict):
    """The task's form asks more than one yes/no question: a person fills it in."""


def _each(task_ids: list[int], run: Callable[[int], object]) -> list[BatchResult]:
    ids = list(dict.fromkeys(i for i in task_ids or [] if isinstance(i, int) and not isinstance(i, bool)))
    if not ids:
        raise ValidationFailed("choose tasks first", {"task_ids": ["choose at least one task"]})
    if len(ids) > MAX_BATCH:
        raise ValidationFailed("too many tasks", {"task_ids": [f"at most {MAX_BATCH} at once"]})
    results = []
    for task_id in ids:
        if not 0 < task_id < ID_LIMIT:  # no such row can exist; the database would refuse the number
            results.append(BatchResult(task_id, False, "not_found", f"task {task_id} does not exist"))
            continue
        try:
            with undone_if_refused():
                run(task_id)
        except DomainError as exc:
            results.append(BatchResult(task_id, False, _code(exc), exc.message, getattr(exc, "errors", None)))
        else:
            results.append(BatchResult(task_id, True))
    return results


_CODES = ((NotSimpleApproval, "not_simple"), (NotFound, "not_found"), (ValidationFailed, "validation_failed"),
          (Conflict, "conflict"))


def _code(exc: DomainError) -> str:
    return next((code for cls, code in _CODES if isinstance(exc, cls)), "refused")
