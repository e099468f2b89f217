"""The diagram and the steps every part drives, and the platform calls that drive them.

``processes/case_handling.bpmn`` (with the DMN tables beside it) is used when it
deploys and its path runs end to end; otherwise ``tests/fixtures/review.bpmn`` (a
verify/rework loop), and every table says so ("review (fallback)").

``python -m benchmarks.scenario --out FILE`` chooses once per benchmark run and
snapshots the files, so that every part deploys the same text even while people edit
processes/. The same run records what the service-task handlers returned and what
the forms passed to the engine, so that the bare engine (benchmarks/bare.py) can be
fed exactly the same data without the platform.
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from .harness import OUT, ROOT, Database, make_app

SNAPSHOT = OUT / "scenario.json"


@dataclass(frozen=True)
class Step:
    element_id: str
    username: str
    values: dict


@dataclass
class Scenario:
    name: str                       #: as printed: "case_handling" or "review (fallback)"
    process_key: str
    files: dict[str, str]
    org_unit: str
    start_variables: dict
    main: list[Step]                #: the user steps of one instance (targets 1, 2)
    prefix: list[Step]              #: from the start to the rework loop (target 3)
    rework: list[Step]              #: one rework round
    finish: list[Step]              #: out of the loop to the end
    finish_message: dict | None = None  #: {"name", "variables"} delivered after ``finish``
    fallback_reason: str | None = None
    #: per instance kind ("main", "history"): [handler, element_id, result JSON] in call order
    handler_calls: dict = field(default_factory=dict)
    #: per instance kind: the data each user step passed to the engine (after form validation)
    step_data: dict = field(default_factory=dict)

    @property
    def users(self) -> set[str]:
        return {s.username for s in self.main + self.prefix + self.rework + self.finish}

    def file_bytes(self) -> dict[str, bytes]:
        return {name: text.encode("utf-8") for name, text in self.files.items()}


#: A file field's value in a step: before the step (untimed) it becomes a fresh upload of
#: the user completing it, as a real client uploads a photo before sending the form — a
#: form may name only its author's own uploads or files of its case (worklist/rules.py).
FILE = "<upload>"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def with_uploads(values: dict, upload) -> dict:
    """``values`` with every FILE entry replaced by ``upload()`` (a new upload id)."""
    return {k: [upload() if item == FILE else item for item in v] if isinstance(v, list) else v
            for k, v in values.items()}


def store_photo(user_id: int) -> str:
    """A photo uploaded by ``user_id`` for a form (service-layer runs), committed."""
    import io

    from flask import current_app

    from govflow.attachments.service import UploadTarget, store_upload
    from govflow.database import commit, writing
    settings = current_app.config["GOVFLOW"]
    with writing():
        upload_id = store_upload(io.BytesIO(PNG), "photo.png", UploadTarget("form", user_id),
                                 settings.UPLOAD_DIR, settings.UPLOAD_MAX_BYTES).id
        commit()
    return upload_id


REPORT = {"title": "小区门口路灯不亮", "category": "road", "urgency": "normal",
          "description": "阳光小区3栋2单元501室门口路灯坏了一周，联系电话13900001111",
          "location": "阳光小区3栋", "photos": [FILE], "reporter_name": "王小明",
          "reporter_phone": "13812345678", "sms_consent": True, "source": "resident"}
_VERIFY = Step("grid_verify", "grid1", {"resolution": "report_up", "verify_note": "现场核实情况属实"})
_ANALYSE = Step("community_analyse", "secretary", {"decision": "whistle", "departments": ["dept_urban"],
                                                   "analysis_note": "需城管部门处置"})
_ACCEPT = Step("dept_accept", "urban", {"accepted": True})
_HANDLE = Step("dept_handle", "urban", {"dept_result": "已更换灯泡", "result_photos": [FILE]})
_CHECK_OK = Step("community_check", "cstaff", {"check_passed": True, "check_note": "核查通过"})
_CHECK_FAIL = Step("community_check", "cstaff", {"check_passed": False, "check_note": "仍未修好，退回重办"})


def case_handling() -> Scenario:
    processes = ROOT / "processes"
    bpmn = (processes / "case_handling.bpmn").read_text("utf-8")
    files = {"case_handling.bpmn": bpmn}
    # Only the decision tables the diagram names: processes/ holds other processes' too.
    wanted = set(re.findall(r'decisionRef="([^"]+)"', bpmn))
    files.update({p.name: p.read_text("utf-8") for p in sorted(processes.glob("*.dmn"))
                  if wanted & set(re.findall(r'<(?:\w+:)?decision\b[^>]*\bid="([^"]+)"', p.read_text("utf-8")))})
    return Scenario(
        name="case_handling", process_key="case_handling", files=files, org_unit="grid_yg_1",
        start_variables=dict(REPORT),
        main=[_VERIFY, _ANALYSE, _ACCEPT, _HANDLE, _CHECK_OK],
        prefix=[_VERIFY, _ANALYSE, _ACCEPT], rework=[_HANDLE, _CHECK_FAIL], finish=[_HANDLE, _CHECK_OK],
        finish_message={"name": "case_rated", "variables": {"rating": "satisfied"}})


def review_fallback(reason: str) -> Scenario:
    text = (ROOT / "tests" / "fixtures" / "review.bpmn").read_text("utf-8")
    verify_no = Step("verify", "grid1", {"approved": False})
    verify_yes = Step("verify", "grid1", {"approved": True})
    rework = Step("rework", "secretary", {})
    return Scenario(
        name="review (fallback)", process_key="review", files={"review.bpmn": text}, org_unit="grid_yg_1",
        start_variables={"rounds": 0}, main=[verify_no, rework, verify_yes], prefix=[],
        rework=[verify_no, rework], finish=[verify_yes], fallback_reason=reason)


# -- driving the platform (inside an app context) ----------------------------------
def setup_platform(scenario: Scenario) -> dict:
    """Demo organisation and users, the scenario deployed; returns principals by username."""
    from govflow.database import commit, writing
    from govflow.definitions.service import deploy
    from govflow.demo import load_demo
    from govflow.identity.access import principal_for
    from govflow.identity.service import get_user
    with writing():
        load_demo()
        deploy(scenario.file_bytes())
        commit()
    return {name: principal_for(get_user(name)) for name in scenario.users | {"admin"}}


def start(scenario: Scenario, org_unit: str | None = None) -> int:
    from govflow.database import commit, writing
    from govflow.instances.service import start_instance
    with writing():
        instance_id = start_instance(scenario.process_key, org_unit or scenario.org_unit,
                                     with_uploads(scenario.start_variables, lambda: "file-before-1")).id
        commit()
    return instance_id


def open_task_id(instance_id: int, element_id: str) -> int:
    from sqlalchemy import select

    from govflow.extensions import db
    from govflow.worklist.models import HumanTask
    task_id = db.session.scalar(select(HumanTask.id).where(
        HumanTask.instance_id == instance_id, HumanTask.status == "open", HumanTask.element_id == element_id))
    if task_id is None:
        raise RuntimeError(f"instance {instance_id} has no open task '{element_id}'")
    return task_id


def complete(instance_id: int, step: Step, principals: dict, cpu: list | None = None) -> float:
    """One user step through the service layer; returns the seconds of the timed part:
    ``complete_task`` and the commit (the task id comes from the worklist, untimed).
    The session is removed afterwards, as at the end of a request. ``cpu`` collects
    the thread's CPU seconds of the same part (robust to a busy machine on SQLite)."""
    from govflow.database import commit, writing
    from govflow.extensions import db
    from govflow.worklist.service import complete_task
    task_id = open_task_id(instance_id, step.element_id)
    principal = principals[step.username]
    values = with_uploads(step.values, lambda: store_photo(principal.user_id))
    started, cpu_started = time.perf_counter(), time.thread_time()
    with writing():
        complete_task(task_id, principal, values)
        commit()
    elapsed = time.perf_counter() - started
    if cpu is not None:
        cpu.append(time.thread_time() - cpu_started)
    db.session.remove()
    return elapsed


def finish(instance_id: int, scenario: Scenario, principals: dict) -> str:
    """Drive the instance out of the loop to its end; returns its final status."""
    from govflow.database import commit, writing
    from govflow.extensions import db
    from govflow.instances.models import ProcessInstance
    from govflow.instances.service import deliver_message
    for step in scenario.finish:
        complete(instance_id, step, principals)
    if scenario.finish_message:
        with writing():
            deliver_message(scenario.finish_message["name"], instance_id=instance_id,
                            variables=dict(scenario.finish_message["variables"]))
            commit()
    db.session.remove()
    return db.session.get(ProcessInstance, instance_id).status


# -- choosing and recording ----------------------------------------------------------
def choose() -> Scenario:
    """case_handling if it deploys and runs (main path and two rework rounds), else the
    fallback; either way with the handler results and step data recorded."""
    try:
        scenario = case_handling()
        _record(scenario)
        return scenario
    except Exception as exc:  # noqa: BLE001 - any failure means: use the fallback, say why
        details = getattr(exc, "errors", None) or ""
        reason = f"case_handling could not be driven: {exc.__class__.__name__}: {exc} {details}"[:600]
    scenario = review_fallback(reason)
    _record(scenario)
    return scenario


def _record(scenario: Scenario) -> None:
    from govflow import engine
    from govflow.extensions import db
    from govflow.instances.handlers import call_handler
    from govflow.instances.runtime import current_instance
    database = Database("sqlite", "scenario").create()
    app = make_app(database.url)
    calls: dict[int, list] = {}

    def recording(context, handler, element_id, properties=None, **kw):
        result = call_handler(context, handler=handler, element_id=element_id, properties=properties, **kw)
        instance = current_instance.get()
        calls.setdefault(instance.id, []).append([handler, element_id, json.dumps(result, default=str)])
        return result

    with app.app_context():
        try:
            _drive_and_record(scenario, calls, recording)
        finally:
            engine.configure(service_caller=call_handler)
            db.session.remove()
            db.engine.dispose()


def _drive_and_record(scenario: Scenario, calls: dict, recording) -> None:
    from sqlalchemy import select

    from govflow import engine
    from govflow.extensions import db
    from govflow.instances.models import InstanceEvent
    engine.configure(service_caller=recording)
    principals = setup_platform(scenario)
    main_id = start(scenario)
    for step in scenario.main:
        complete(main_id, step, principals)
    history_id = start(scenario)
    for step in scenario.prefix + scenario.rework + scenario.rework:
        complete(history_id, step, principals)
    status = finish(history_id, scenario, principals)
    if status != "completed":
        raise RuntimeError(f"the rework instance ended {status}, not completed")
    for kind, instance_id in (("main", main_id), ("history", history_id)):
        scenario.handler_calls[kind] = calls.get(instance_id, [])
        scenario.step_data[kind] = [e.data["variables"] for e in db.session.scalars(
            select(InstanceEvent).where(InstanceEvent.instance_id == instance_id,
                                        InstanceEvent.kind == "task_completed").order_by(InstanceEvent.id))]


def load() -> Scenario:
    """The snapshot of this benchmark run (made now if a part runs on its own)."""
    if not SNAPSHOT.exists():
        save(choose())
    data = json.loads(SNAPSHOT.read_text())
    for key in ("main", "prefix", "rework", "finish"):
        data[key] = [Step(**s) for s in data[key]]
    return Scenario(**data)


def save(scenario: Scenario) -> None:
    from dataclasses import asdict
    OUT.mkdir(parents=True, exist_ok=True)
    SNAPSHOT.write_text(json.dumps(asdict(scenario), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    import argparse
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(SNAPSHOT))
    args = parser.parse_args()
    chosen = choose()
    save(chosen)
    Path(args.out).write_text(json.dumps({"scenario": chosen.name, "fallback_reason": chosen.fallback_reason,
                                          "process_key": chosen.process_key, "files": sorted(chosen.files),
                                          "main_steps": [s.element_id for s in chosen.main],
                                          "rework_round": [s.element_id for s in chosen.rework]},
                                         ensure_ascii=False))
