"""Two worker processes against one database: every due timer fires exactly once."""
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, select

from govflow.database import commit, writing
from govflow.extensions import db
from govflow.instances.models import InstanceEvent
from govflow.instances.service import start_instance
from govflow.worklist.models import HumanTask

ROOT = Path(__file__).resolve().parent.parent


def test_two_workers_fire_each_timer_once(app, deploy_fixture):
    deploy_fixture("escalation.bpmn")
    with writing():
        ids = [start_instance("escalation", "grid_yg_1").id for _ in range(20)]
        commit()
    now = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"]}
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--once", "--now", now]
    workers = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outputs = [w.communicate(timeout=300)[0] for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs
    fired = sum(int(o.split("timers fired: ")[1].split(",")[0]) for o in outputs)
    assert fired >= 20, outputs
    db.session.expire_all()
    per_instance = dict(db.session.execute(
        select(HumanTask.instance_id, func.count()).where(HumanTask.element_id == "escalated")
        .group_by(HumanTask.instance_id)).all())
    assert per_instance == {i: 1 for i in ids}
    created = db.session.scalar(select(func.count()).select_from(InstanceEvent).where(
        InstanceEvent.kind == "task_created", InstanceEvent.element_id == "escalated"))
    assert created == 20
