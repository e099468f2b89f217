"""Target 4: lists, search and counts as history grows (benchmarks/seed.py shapes the data).

At each level (human-task rows; instances = rows / 10; open work constant) the
seeded history of the previous level is replaced and three things are timed, each many times per persona, a new
session per call:

* worklist — ``worklist.inbox.list_tasks(p, "all", limit=50)``: my tasks and the
  tasks offered to my roles in my jurisdiction, first page by due date, with the total
  (the query behind ``GET /api/v1/tasks``);
* instance search — ``GET /api/v1/process-instances?…`` through the Flask test client
  (token check, query, count, JSON; no network), over a mix of filters;
* dashboards — the administrators' dashboard of the platform (``GET /admin/dashboard``:
  SLA lights of the open tasks by org unit and the 督办 queue, as
  govflow/admin/dashboard.py computes them before rendering), and the counts a
  jurisdiction's dashboard would show (:func:`dashboard_queries`: open and overdue
  tasks I can see, instances by status, started and closed in the last 30 days, built
  from the platform's predicates ``visible_tasks_clause`` and ``path_prefix_clause``).

Each persona is measured in ROUNDS rounds of ``samples`` calls, the personas taking
turns, and its p95 is the median of the rounds' p95s: a millisecond-scale tail on two
shared cores is moved by any other process's burst, and one burst in one round at one
level should not decide a ratio of two levels (all samples are kept in the results).
Before measuring, the seeding's garbage is collected, as a worker process would start.

Named figures: the worst persona's p95 at the largest level, and for the worklist
also its ratio to the p95 at 10,000 rows.
"""
from __future__ import annotations

import gc
import statistics
import time
from datetime import timedelta

from .harness import Database, make_app, part_main, summary_ms
from .scenario import complete, load, setup_platform, start
from .seed import Org, seed

WORKLIST_PERSONAS = ("grid_worker", "community_secretary", "community_staff", "department_handler", "supervisor")
SEARCH_PERSONAS = ("community_secretary", "street_officer", "district_viewer", "admin")
USERS_PER_PERSONA = 10
ROUNDS = 3


def dashboard_queries(p):
    """The counts of one dashboard load for principal ``p`` (SQLAlchemy statements)."""
    from sqlalchemy import false, func, or_, select, true

    from govflow.identity.access import path_prefix_clause, visible_tasks_clause
    from govflow.instances.models import ProcessInstance
    from govflow.timeutil import utcnow
    from govflow.worklist.models import HumanTask
    now = utcnow()
    month = now - timedelta(days=30)
    mine = (true() if p.is_admin else or_(*[path_prefix_clause(ProcessInstance.org_path, g.path) for g in p.grants])
            if p.grants else false())
    open_visible = select(func.count()).select_from(HumanTask).where(HumanTask.status == "open",
                                                                     visible_tasks_clause(p))
    return {
        "open_tasks": open_visible,
        "overdue_tasks": open_visible.where(HumanTask.due_at < now),
        "instances_by_status": select(ProcessInstance.status, func.count()).where(mine)
        .group_by(ProcessInstance.status),
        "started_30d": select(func.count()).select_from(ProcessInstance).where(mine, ProcessInstance.started_at >= month),
        "closed_30d": select(func.count()).select_from(ProcessInstance).where(
            mine, ProcessInstance.status == "completed", ProcessInstance.ended_at >= month),
    }


def platform_dashboard_available() -> bool:
    import importlib.util
    return importlib.util.find_spec("govflow.admin") is not None and \
        importlib.util.find_spec("govflow.admin.dashboard") is not None


def measure_platform_dashboard(samples: int) -> dict:
    """What ``GET /admin/dashboard`` computes before rendering (govflow/admin/dashboard.py):
    SLA lights of all open tasks by org unit and the supervision queue. (The 三率 by
    community and month moved to /admin/statistics, SQL aggregates over the ledger.)"""
    from flask import current_app

    from govflow.admin.dashboard import light_table, open_tasks, supervision_queue
    from govflow.identity.access import principal_for
    from govflow.identity.service import get_user
    settings = current_app.config["GOVFLOW"]
    admin = principal_for(get_user("admin"))  # the district administrator: every unit

    def load(_):
        tasks = open_tasks(admin)
        light_table(tasks, settings.SLA_YELLOW_AT)
        supervision_queue(tasks)
    return _by_rounds(samples, {"admin": ([None], load)})["admin"]


def _principals(org: Org, personas) -> dict:
    from govflow.identity.access import principal_for
    from govflow.identity.service import get_user
    out = {}
    for persona in personas:
        names = ["admin"] if persona == "admin" else [u[0] for u in org.users[persona][:USERS_PER_PERSONA]]
        out[persona] = [principal_for(get_user(n)) for n in names]
    return out


def _timed(samples: int, users: list, call) -> list[float]:
    from govflow.extensions import db
    for user in users[:3]:
        call(user)  # warm-up
        db.session.remove()
    seconds = []
    for i in range(samples):
        user = users[i % len(users)]
        started = time.perf_counter()
        call(user)
        seconds.append(time.perf_counter() - started)
        db.session.remove()
    return seconds


def _by_rounds(samples: int, calls: dict) -> dict:
    """``{name: summary}`` of ``calls`` (``name: (users, call)``), ROUNDS rounds taking
    turns; ``p95_ms`` is the median of the rounds' p95s."""
    seconds = {name: [] for name in calls}
    for _ in range(ROUNDS):
        for name, (users, call) in calls.items():
            seconds[name].append(_timed(samples, users, call))
    out = {}
    for name, rounds in seconds.items():
        summary = summary_ms([s for one in rounds for s in one])
        summary["p95_ms_rounds"] = [summary_ms(one)["p95_ms"] for one in rounds]
        summary["p95_ms"] = statistics.median(summary["p95_ms_rounds"])
        out[name] = summary
    return out


def measure_worklist(principals: dict, samples: int) -> dict:
    from govflow.worklist.inbox import list_tasks
    out = _by_rounds(samples, {persona: (users, lambda p: list_tasks(p, "all", limit=50))
                               for persona, users in principals.items()})
    sizes = {persona: sum(list_tasks(u, "all", limit=1)[1] for u in users) / len(users)
             for persona, users in principals.items()}
    return {"personas": out, "visible_open_tasks_avg": sizes}


def measure_dashboard(principals: dict, samples: int) -> dict:
    from govflow.extensions import db

    def load(p):
        for statement in dashboard_queries(p).values():
            db.session.execute(statement).all()
    return _by_rounds(samples, {persona: (users, load) for persona, users in principals.items()})


def measure_search(app, org: Org, tokens: dict, samples: int) -> dict:
    from sqlalchemy import select

    from govflow.extensions import db
    from govflow.instances.models import ProcessInstance
    client = app.test_client()
    case_no = db.session.scalar(select(ProcessInstance.business_key).order_by(ProcessInstance.id.desc()).limit(1))
    community = {"community_secretary": org.communities[0][2], "street_officer": org.communities[1][2],
                 "district_viewer": org.communities[7][2], "admin": org.communities[12][2]}

    def caller(persona):
        persona_tokens = tokens[persona]
        queries = ["limit=50", "status=active&limit=50", "process_key=case_handling&limit=50&offset=100",
                   f"business_key={case_no}", f"org_unit={community[persona]}&limit=50", "status=completed&limit=50"]

        def call(index):
            token = persona_tokens[index % len(persona_tokens)]
            response = client.get(f"/api/v1/process-instances?{queries[index % len(queries)]}",
                                  headers={"Authorization": f"Bearer {token}"})
            if response.status_code != 200:
                raise RuntimeError(f"search answered {response.status_code}: {response.get_data(as_text=True)[:200]}")
        return list(range(samples)), call
    return _by_rounds(samples, {persona: caller(persona) for persona in tokens})


def level(app, org: Org, tokens: dict, rows: int, base: dict, samples: int) -> dict:
    """Replace the seeded history by ``rows`` task rows, then measure."""
    from govflow.extensions import db
    _clear_seeded(base)
    started = time.perf_counter()
    counts = seed(org, rows, base["definition_id"], base["variables"], db.engine.dialect.name)
    seed_s = time.perf_counter() - started
    gc.collect()
    worklist = measure_worklist(_principals(org, WORKLIST_PERSONAS), samples)
    worklist["admin (all open tasks, not a target)"] = measure_worklist(
        _principals(org, ("admin",)), samples)["personas"]["admin"]
    dashboard = measure_dashboard(_principals(org, SEARCH_PERSONAS), samples)
    search = measure_search(app, org, tokens, samples)
    admin_dashboard = (measure_platform_dashboard(max(samples // 5, 10)) if platform_dashboard_available()
                       else None)
    return {"rows": rows, "seeded": counts, "seed_s": round(seed_s, 1), "worklist": worklist,
            "search": search, "dashboard": dashboard, "admin_dashboard": admin_dashboard,
            "worklist_p95_ms": max(v["p95_ms"] for v in worklist["personas"].values()),
            "search_p95_ms": max(v["p95_ms"] for v in search.values()),
            "dashboard_p95_ms": max(v["p95_ms"] for v in dashboard.values()),
            "admin_dashboard_p95_ms": admin_dashboard["p95_ms"] if admin_dashboard else None}


def _clear_seeded(base: dict) -> None:
    """Delete the rows of the previous level (everything after the sample instance)."""
    from govflow.extensions import db
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f"DELETE FROM task_candidates WHERE id > {base['candidate_id']}")
        conn.exec_driver_sql(f"DELETE FROM human_tasks WHERE id > {base['task_id']}")
        conn.exec_driver_sql(f"DELETE FROM process_instances WHERE id > {base['instance_id']}")


def _prepare(scenario) -> tuple:
    """The platform, one real case driven to its end (its data gives seeded rows their
    width), the bench org and API tokens for the search personas."""
    from sqlalchemy import func, select

    from govflow.database import commit, writing
    from govflow.definitions.service import latest_definition
    from govflow.extensions import db
    from govflow.identity.service import get_user, issue_token
    from govflow.instances.models import ProcessInstance
    from govflow.worklist.models import HumanTask, TaskCandidate
    principals = setup_platform(scenario)
    sample_id = start(scenario)
    for step in scenario.main:
        complete(sample_id, step, principals)
    base = {"definition_id": latest_definition(scenario.process_key).id,
            "variables": dict(db.session.get(ProcessInstance, sample_id).variables),
            "instance_id": sample_id,
            "task_id": db.session.scalar(select(func.coalesce(func.max(HumanTask.id), 0))),
            "candidate_id": db.session.scalar(select(func.coalesce(func.max(TaskCandidate.id), 0)))}
    org = Org.create()
    with writing():
        tokens = {persona: [issue_token(get_user(n)) for n in (
            ["admin"] if persona == "admin" else [u[0] for u in org.users[persona][:USERS_PER_PERSONA]])]
            for persona in SEARCH_PERSONAS}
        commit()
    db.session.remove()
    return org, tokens, base


def run(scale, db_kind: str) -> dict:
    scenario = load()
    database = Database(db_kind, "volume").create()
    app = make_app(database.url)
    try:
        with app.app_context():
            from govflow.extensions import db
            org, tokens, base = _prepare(scenario)
            levels = [level(app, org, tokens, rows, base, scale.volume_samples) for rows in scale.volume_levels]
            db.session.remove()
            db.engine.dispose()
    finally:
        database.drop()
    first, last = levels[0], levels[-1]
    return {"db": db_kind, "levels": levels, "open_tasks": first["seeded"]["open_tasks"],
            "largest_rows": last["rows"], "worklist_p95_ms": last["worklist_p95_ms"],
            "worklist_p95_ms_10k": first["worklist_p95_ms"],
            "worklist_ratio": round(last["worklist_p95_ms"] / first["worklist_p95_ms"], 3),
            "search_p95_ms": last["search_p95_ms"], "dashboard_p95_ms": last["dashboard_p95_ms"],
            "admin_dashboard_p95_ms": last["admin_dashboard_p95_ms"]}


if __name__ == "__main__":
    part_main(run)
