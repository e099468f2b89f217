"""Bulk data for target 4: a district's history of cases, written straight into the
platform's tables (SQLite: one ``executemany`` transaction; PostgreSQL: ``COPY``).

Shape, per level of ``rows`` human-task rows:

* an org tree of 8 streets × 6 communities × 5 grids (240 grids) and 8 departments,
  made with the platform's own services, and one user per role and unit (grid
  workers, community secretaries and staff, street officers and supervisors,
  department handlers), inserted in bulk;
* ``rows / 10`` case_handling instances, spread over the grids and the last two
  years, each with 10 task rows along the case path (verify, analyse, department
  accept/handle, check, rework rounds), scoped as the diagram scopes them;
* today's work is the same at every level: the newest ``OPEN_TASKS`` instances are
  active with one open task each (30 % claimed), with their candidate rows; all
  older ones are finished history. Lists must not slow down because history grew.

Every instance carries the process-data copy of a real case (taken from an instance
driven through the platform), so rows have their real width. Engine states and
audit events are not seeded: no query measured here reads them.
"""
from __future__ import annotations

import json
import random
from datetime import datetime, timedelta

OPEN_TASKS = 1_000
TASKS_PER_INSTANCE = 10
STREETS, COMMUNITIES, GRIDS, DEPARTMENTS = 8, 6, 5, 8
CHUNK = 20_000

#: element, name, scope kind, candidate roles — the case path, then rework rounds
PATH = [("grid_verify", "受理核实", "grid", ["grid_worker"]),
        ("community_analyse", "分析研判", "community", ["community_secretary", "community_staff"]),
        ("dept_accept", "部门签收", "department", ["department_handler"]),
        ("dept_handle", "部门办理反馈", "department", ["department_handler"]),
        ("community_check", "核查", "community", ["community_staff", "community_secretary"])]
REWORK = [PATH[3], PATH[4]]
TITLES = ["小区门口路灯不亮", "楼道堆物占用消防通道", "道路井盖破损", "夜间施工噪声扰民", "垃圾清运不及时",
          "违章搭建阳光房", "共享单车乱停放", "绿化带被毁", "占道经营", "雨水管道堵塞"]


class Org:
    """The bench org tree (through the platform's services) and its users (in bulk)."""

    def __init__(self):
        self.grids: list = []        #: (unit id, path, community index, street index, code)
        self.communities: list = []  #: (unit id, path, code)
        self.streets: list = []      #: (unit id, path, code)
        self.departments: list = []  #: (unit id, path, code)
        self.users: dict[str, list] = {}  #: persona -> [(username, user id, unit index)]

    @classmethod
    def create(cls) -> Org:
        from sqlalchemy import insert, select
        from werkzeug.security import generate_password_hash

        from govflow.database import commit, writing
        from govflow.extensions import db
        from govflow.identity.models import OrgUnit, RoleGrant, User
        from govflow.identity.service import upsert_org_unit
        org = cls()
        with writing():
            upsert_org_unit("b_district", "基准区", "district")
            for s in range(STREETS):
                street = upsert_org_unit(f"b_st{s}", f"第{s}街道", "street", "b_district")
                org.streets.append((street.id, street.path, street.code))
                for c in range(COMMUNITIES):
                    community = upsert_org_unit(f"b_st{s}_c{c}", f"第{s}街道第{c}社区", "community", street.code)
                    org.communities.append((community.id, community.path, community.code))
                    for g in range(GRIDS):
                        grid = upsert_org_unit(f"b_st{s}_c{c}_g{g}", f"网格{s}-{c}-{g}", "grid", community.code)
                        org.grids.append((grid.id, grid.path, len(org.communities) - 1, s, grid.code))
            for d in range(DEPARTMENTS):
                dept = upsert_org_unit(f"b_dept{d}", f"第{d}职能部门", "department", "b_district")
                org.departments.append((dept.id, dept.path, dept.code))
            people = ([("grid_worker", f"b_grid{i}", f"grid_worker@{g[4]}", i) for i, g in enumerate(org.grids)]
                      + [("community_secretary", f"b_sec{i}", f"community_secretary@{c[2]}", i)
                         for i, c in enumerate(org.communities)]
                      + [("community_staff", f"b_staff{i}", f"community_staff@{c[2]}", i)
                         for i, c in enumerate(org.communities)]
                      + [("street_officer", f"b_street{i}", f"street_officer@{s[2]}", i) for i, s in enumerate(org.streets)]
                      + [("supervisor", f"b_sup{i}", f"supervisor@{s[2]}", i) for i, s in enumerate(org.streets)]
                      + [("department_handler", f"b_dept{i}", f"department_handler@{d[2]}", i)
                         for i, d in enumerate(org.departments)]
                      + [("district_viewer", "b_district_viewer", "org_department@b_district", 0)])
            # One password hash for all, users and grants in two statements: 360 users
            # through create_user would cost seconds per run and measure nothing.
            password = generate_password_hash("bench-password", method="pbkdf2:sha256:1000")
            db.session.execute(insert(User.__table__), [
                {"username": u, "display_name": u, "password_hash": password} for _p, u, _g, _i in people])
            ids = dict(db.session.execute(select(User.username, User.id).where(
                User.username.in_([u for _p, u, _g, _i in people]))).all())
            units = dict(db.session.execute(select(OrgUnit.code, OrgUnit.id)).all())
            db.session.execute(insert(RoleGrant.__table__), [
                {"user_id": ids[u], "role": g.split("@")[0], "org_unit_id": units[g.split("@")[1]]}
                for _p, u, g, _i in people])
            for persona, username, _grant, index in people:
                org.users.setdefault(persona, []).append((username, ids[username], index))
            commit()
        return org


def seed(org: Org, rows: int, definition_id: int, variables: dict, dialect: str, seed_value: int = 7) -> dict:
    """Insert ``rows`` task rows (and their instances and candidates); returns counts."""
    from sqlalchemy import text

    from govflow.extensions import db
    rng = random.Random(seed_value)
    with db.engine.connect() as conn:
        base_instance, base_task, base_candidate = (conn.execute(text(
            f"SELECT coalesce(max(id), 0) FROM {table}")).scalar() for table in
            ("process_instances", "human_tasks", "task_candidates"))
    now = datetime.utcnow().replace(microsecond=0)
    instances = rows // TASKS_PER_INSTANCE
    first_open = instances - min(OPEN_TASKS, instances)
    users_of = {p: [u[1] for u in us] for p, us in org.users.items()}
    grid_user = {i: users_of["grid_worker"][i] for i in range(len(org.grids))}
    inst_rows, task_rows, cand_rows = [], [], []
    task_id, cand_id = base_task, base_candidate
    fmt = (lambda d: d and d.strftime("%Y-%m-%d %H:%M:%S.%f")) if dialect == "sqlite" else (lambda d: d)
    span = timedelta(days=730)
    for n in range(instances):
        grid_index = rng.randrange(len(org.grids))
        grid_id, grid_path, community_index, _street, _code = org.grids[grid_index]
        community_id, community_path, _ = org.communities[community_index]
        dept_id, dept_path, _ = org.departments[rng.randrange(DEPARTMENTS)]
        started = now - span + span * (n / instances)
        is_open = n >= first_open
        case_no = f"{started.year}-{n + 1:06d}"
        ended = None if is_open else started + timedelta(hours=rng.randrange(4, 400))
        steps = (PATH + REWORK * 3)[:TASKS_PER_INSTANCE]
        open_element = rng.randrange(len(PATH)) if is_open else None
        if is_open:
            steps = steps[:TASKS_PER_INSTANCE - 1] + [PATH[open_element]]
        instance_id = base_instance + n + 1
        inst_rows.append((instance_id, definition_id, "case_handling", 1, "active" if is_open else "completed",
                          grid_id, grid_path, case_no, rng.choice(TITLES), grid_user[grid_index],
                          fmt(started), fmt(ended), fmt(ended or started), steps[-1][1] if is_open else None,
                          json.dumps({**variables, "case_no": case_no}, ensure_ascii=False), "", None, 1))
        for k, (element, name, kind, roles) in enumerate(steps):
            task_id += 1
            scope_id, scope_path = {"grid": (grid_id, grid_path), "community": (community_id, community_path),
                                    "department": (dept_id, dept_path)}[kind]
            created = started + timedelta(hours=6 * k)
            due = created + timedelta(days=rng.choice((1, 2, 3, 7)))
            last_open = is_open and k == len(steps) - 1
            worker = _worker(users_of, kind, grid_index, community_index, org, dept_id, rng)
            assignee = (worker if rng.random() < 0.3 else None) if last_open else worker
            task_rows.append((task_id, instance_id, f"00000000-0000-4000-8000-{task_id:012x}", element, name,
                              "case_handling", case_no, inst_rows[-1][8], "open" if last_open else "completed",
                              assignee, json.dumps(roles), "[]", scope_id, scope_path, fmt(due), None,
                              50, f"case.{element}", "[]", fmt(created), fmt(created) if assignee else None,
                              None if last_open else fmt(created + timedelta(hours=3)),
                              None if last_open else worker))
            if last_open:
                for role in roles:
                    cand_id += 1
                    cand_rows.append((cand_id, task_id, role, None, scope_path, fmt(due)))
    with db.engine.begin() as conn:
        raw = conn.connection.driver_connection
        _insert(raw, dialect, "process_instances", INSTANCE_COLUMNS, inst_rows)
        _insert(raw, dialect, "human_tasks", TASK_COLUMNS, task_rows)
        _insert(raw, dialect, "task_candidates", CANDIDATE_COLUMNS, cand_rows)
    if dialect == "postgresql":
        with db.engine.begin() as conn:
            raw = conn.connection.driver_connection
            for table in ("process_instances", "human_tasks", "task_candidates"):
                raw.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.connection.driver_connection.execute("VACUUM ANALYZE")
    return {"instances": len(inst_rows), "task_rows": len(task_rows),
            "open_tasks": sum(1 for t in task_rows if t[8] == "open"), "candidate_rows": len(cand_rows)}


def _worker(users_of, kind, grid_index, community_index, org, dept_id, rng) -> int:
    if kind == "grid":
        return users_of["grid_worker"][grid_index]
    if kind == "community":
        return rng.choice((users_of["community_secretary"], users_of["community_staff"]))[community_index]
    return users_of["department_handler"][[d[0] for d in org.departments].index(dept_id)]


INSTANCE_COLUMNS = ("id", "definition_id", "process_key", "version", "status", "org_unit_id", "org_path",
                    "business_key", "title", "started_by_id", "started_at", "ended_at", "updated_at",
                    "current_steps", "variables", "awaiting", "next_timer_at", "lock_version")
TASK_COLUMNS = ("id", "instance_id", "engine_task_id", "element_id", "name", "process_key", "business_key",
                "title", "status", "assignee_id", "candidate_groups", "candidate_users", "scope_org_unit_id",
                "scope_path", "due_at", "follow_up_at", "priority", "form_key", "form_fields", "created_at",
                "claimed_at", "completed_at", "completed_by_id")
CANDIDATE_COLUMNS = ("id", "task_id", "role", "user_id", "scope_path", "due_at")


def _insert(raw, dialect: str, table: str, columns: tuple, rows: list) -> None:
    names = ", ".join(columns)
    if dialect == "sqlite":
        marks = ", ".join("?" * len(columns))
        for i in range(0, len(rows), CHUNK):
            raw.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows[i:i + CHUNK])
        return
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
