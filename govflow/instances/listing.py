"""Pages of instances, newest first, with a capped count (``GET /api/v1/process-instances``).

At 100,000 instances the plan decides everything, and SQLite has no range statistics
(no STAT4): for ``status=completed`` (90 % of the rows) it took the status index and
sorted every completed row (0.5 s), and for a wide subtree it fetched every row of
the subtree before sorting. The capped count, read from a covering index first,
tells how many rows match, so the page query's plan is chosen here:

* many matches: walk the table newest first and stop after the page
  (``NOT INDEXED``: reads about ``(offset + limit) × rows / matches`` rows);
* few matches: find their ids in a covering subtree index and sort those;
and only then read the page's rows, by id.

PostgreSQL has statistics and chooses well on its own, provided it plans for the values
at hand (:func:`~govflow.database.plan_for_these_values`); the hints render on SQLite only.
The engine's variables (2 KB of JSON per row) are never read by lists.
"""
from __future__ import annotations

from sqlalchemy import false, or_, select
from sqlalchemy.orm import defer

from ..database import capped_count, plan_for_these_values
from ..extensions import db
from ..identity.access import Principal, path_prefix_clause
from .models import ProcessInstance
from .trials import real_instances

#: Above this many matches the newest-first table walk beats sorting the matches.
SCAN_ABOVE = 5_000
#: The covering index of a subtree search, by the equality filter it has besides the subtree.
SUBTREE_INDEXES = {"status": "ix_instances_status_path", "process_key": "ix_instances_key_path",
                   None: "ix_instances_org_path"}


def instance_page(query, *, limit: int, offset: int, scoped: bool, filtered_by=()):
    """``(rows, total, capped)`` of ``query`` (a filtered ``select(ProcessInstance)``).

    ``scoped``: the query narrows ``org_path`` to subtrees (a jurisdiction or an org
    unit filter); ``filtered_by``: the columns it compares for equality besides. A
    business key has an index of its own, which the planner always prefers rightly.
    """
    sqlite = db.engine.dialect.name == "sqlite" and "business_key" not in filtered_by
    subtree = SUBTREE_INDEXES[next((c for c in ("status", "process_key") if c in filtered_by), None)]
    plan_for_these_values()
    count_query = _hinted(query, f"INDEXED BY {subtree}") if sqlite and scoped else query
    total, capped = capped_count(count_query)
    if offset >= total and not capped:
        return [], total, capped
    ids = query.with_only_columns(ProcessInstance.id).order_by(ProcessInstance.id.desc()).limit(limit).offset(offset)
    if sqlite and (capped or total > SCAN_ABOVE):
        ids = _hinted(ids, "NOT INDEXED")
    elif sqlite and scoped:
        ids = _hinted(ids, f"INDEXED BY {subtree}")
    # The ids first, then their rows: as one statement (``id IN (subquery)``) PostgreSQL's
    # generic plan for a prepared statement could hash-join the whole table.
    page_ids = list(db.session.scalars(ids))
    if not page_ids:
        return [], total, capped
    page = (select(ProcessInstance).options(defer(ProcessInstance.variables))
            .where(ProcessInstance.id.in_(page_ids)).order_by(ProcessInstance.id.desc()))
    return list(db.session.scalars(page)), total, capped


def search_instances(p: Principal, *, org_unit_path: str | None = None, limit: int = 50, offset: int = 0,
                     **equal) -> tuple[list, int, bool]:
    """The page of instances in ``p``'s jurisdiction (narrowed to ``org_unit_path``)
    whose columns equal ``equal`` (status, process_key, business_key); see
    :func:`instance_page` for the result. Designers' trial runs are left out."""
    paths = subtree_paths(None if p.is_admin else {g.path for g in p.grants}, org_unit_path)
    query = select(ProcessInstance).where(real_instances())
    if paths is not None:
        query = query.where(or_(*[path_prefix_clause(ProcessInstance.org_path, x) for x in paths])
                            if paths else false())
    filtered = [name for name, value in equal.items() if value]
    for name in filtered:
        query = query.where(getattr(ProcessInstance, name) == equal[name])
    return instance_page(query, limit=limit, offset=offset, scoped=bool(paths), filtered_by=filtered)


def subtree_paths(grant_paths, unit_path: str | None) -> set[str] | None:
    """The subtrees to search: the jurisdiction's ``grant_paths`` (None: everything)
    narrowed to ``unit_path``, as one set of disjoint-enough prefixes, so that the
    index walks the smaller range instead of checking both (a district-wide user
    filtering one community read the whole district)."""
    if unit_path is None:
        return grant_paths
    if grant_paths is None:
        return {unit_path}
    return {unit_path if unit_path.startswith(g) else g for g in grant_paths
            if unit_path.startswith(g) or g.startswith(unit_path)}


def _hinted(query, hint: str):
    return query.with_hint(ProcessInstance, hint, "sqlite")
