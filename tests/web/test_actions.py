"""The staff actions as services: each goes through the change path, is audited and
notifies; refusals change nothing. Runs on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from govflow.database import commit, writing
from govflow.errors import Conflict, NotFound, ValidationFailed
from govflow.extensions import db

REPORT = {"title": "三号楼路灯不亮", "category": "road", "description": "晚上七点后不亮"}


@pytest.fixture
def case(web_case, principal_of):
    """A web_case started by grid1 in 阳光一网格; returns its open 现场核实 task id."""
    from govflow.worklist.inbox import first_open_task
    from govflow.worklist.starting import start_process
    with writing():
        instance = start_process(principal_of("grid1"), "web_case", "grid_yg_1", dict(REPORT))
        commit()
    return first_open_task(principal_of("grid1"), instance.id).id


def run(fn, *args, **kwargs):
    """One unit of work, as a request would: commit on success, roll back on refusal."""
    with writing():
        try:
            result = fn(*args, **kwargs)
        except Exception:
            db.session.rollback()
            raise
        commit()
    return result


def events(task_id, kind):
    from govflow.instances.models import InstanceEvent
    from govflow.worklist.models import HumanTask
    instance_id = db.session.get(HumanTask, task_id).instance_id
    return db.session.scalars(select(InstanceEvent).where(InstanceEvent.instance_id == instance_id,
                                                          InstanceEvent.kind == kind)).all()


def notes(username, kind=None):
    from govflow.identity.service import get_user
    from govflow.records.models import Notification
    query = select(Notification).where(Notification.user_id == get_user(username).id)
    if kind:
        query = query.where(Notification.kind == kind)
    return db.session.scalars(query).all()


def open_task(instance_id, element_id):
    from govflow.worklist.models import HumanTask
    return db.session.scalar(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                     HumanTask.element_id == element_id,
                                                     HumanTask.status == "open"))


def verify(case, principal_of, user="grid1"):
    from govflow.worklist.service import complete_task
    task = run(complete_task, case, principal_of(user), {"approved": True, "note": "属实"}, "已到现场")
    return open_task(task.instance_id, "review")


def test_new_task_notifies_the_candidates_in_jurisdiction_only(case):
    assert [n.kind for n in notes("grid1")] == ["task_created"]
    assert notes("grid2") == [] and notes("grid3") == []


def test_complete_requires_the_comment_where_the_diagram_says_so(case, principal_of):
    from govflow.worklist.service import complete_task
    review = verify(case, principal_of)
    with pytest.raises(ValidationFailed) as exc:
        run(complete_task, review.id, principal_of("secretary"), {"decision": "close"}, "  ")
    assert set(exc.value.errors) == {"comment"}
    assert open_task(review.instance_id, "review") is not None
    done = run(complete_task, review.id, principal_of("secretary"), {"decision": "close"}, "同意办结")
    assert done.status == "completed"
    assert events(review.id, "task_completed")[-1].comment == "同意办结"


def test_complete_reports_field_and_comment_errors_together(case, principal_of):
    from govflow.worklist.service import complete_task
    review = verify(case, principal_of)
    with pytest.raises(ValidationFailed) as exc:
        run(complete_task, review.id, principal_of("secretary"), {"decision": "nope"}, "")
    assert set(exc.value.errors) == {"decision", "comment"}


def test_transfer_hands_the_task_over_and_notifies(case, principal_of):
    from govflow.worklist.actions import transfer_task
    review = verify(case, principal_of)
    task = run(transfer_task, review.id, principal_of("secretary"), "cstaff", "请陈静跟进")
    assert task.assignee.username == "cstaff"
    event = events(review.id, "task_transferred")[-1]
    assert event.data == {"from": "secretary", "to": "cstaff"} and event.comment == "请陈静跟进"
    assert [n.task_id for n in notes("cstaff", "task_transferred")] == [review.id]
    with pytest.raises(Conflict):  # it is no longer the secretary's
        run(transfer_task, review.id, principal_of("secretary"), "street")


def test_transfer_stays_on_the_line_of_jurisdiction(case, principal_of):
    from govflow.worklist.actions import possible_receivers, transfer_task
    from govflow.worklist.models import HumanTask
    task = db.session.get(HumanTask, case)
    names = [u.username for u in possible_receivers(task, principal_of("grid1"))]
    assert "grid2" not in names and "grid3" not in names and "secretary2" not in names
    assert names.index("cstaff") < names.index("street")  # nearest units first
    with pytest.raises(ValidationFailed) as exc:
        run(transfer_task, case, principal_of("grid1"), "grid2")
    assert exc.value.errors == {"assignee": ["not_receivable"]}
    assert db.session.get(HumanTask, case).assignee_id is None


def test_delegate_and_resolve_back(case, principal_of):
    from govflow.worklist.actions import delegate_task, resolve_task
    from govflow.worklist.service import claim_task, complete_task
    from govflow.worklist.service import unclaim_task as unclaim
    review = verify(case, principal_of)
    run(claim_task, review.id, principal_of("secretary"))
    run(delegate_task, review.id, principal_of("secretary"), "cstaff", "请先摸排")
    with pytest.raises(Conflict):  # the delegate resolves; completing stays with the owner
        run(complete_task, review.id, principal_of("cstaff"), {"decision": "close"}, "好")
    with pytest.raises(Conflict):
        run(unclaim, review.id, principal_of("cstaff"))
    with pytest.raises(ValidationFailed):
        run(resolve_task, review.id, principal_of("cstaff"), "")
    with pytest.raises(Conflict):
        run(resolve_task, review.id, principal_of("secretary"), "我自己办")
    task = run(resolve_task, review.id, principal_of("cstaff"), "已摸排，共三户")
    assert task.assignee.username == "secretary"
    assert [n.kind for n in notes("secretary", "task_resolved")] == ["task_resolved"]
    assert events(review.id, "task_resolved")[-1].comment == "已摸排，共三户"
    run(complete_task, review.id, principal_of("secretary"), {"decision": "close"}, "办结")


def test_return_goes_back_to_an_earlier_step(case, principal_of):
    from govflow.worklist.actions import return_task, returnable_steps
    review = verify(case, principal_of)
    assert returnable_steps(review) == [("verify", "现场核实")]
    with pytest.raises(ValidationFailed) as exc:
        run(return_task, review.id, principal_of("secretary"), "verify", "")
    assert set(exc.value.errors) == {"comment"}
    with pytest.raises(ValidationFailed):
        run(return_task, review.id, principal_of("secretary"), "review", "不是之前的环节")
    before = len(notes("grid1", "task_created"))
    run(return_task, review.id, principal_of("secretary"), "verify", "照片不清楚，请重新核实")
    db.session.expire_all()
    assert db.session.get(type(review), review.id).status == "cancelled"
    again = open_task(review.instance_id, "verify")
    assert again is not None and again.id != case
    moved = events(review.id, "instance_moved")[-1]
    assert moved.comment == "照片不清楚，请重新核实" and moved.data["to"] == "verify"
    assert len(notes("grid1", "task_created")) == before + 1


def test_return_refused_to_someone_who_cannot_work_the_task(case, principal_of):
    from govflow.worklist.actions import return_task
    review = verify(case, principal_of)
    with pytest.raises(NotFound):
        run(return_task, review.id, principal_of("grid2"), "verify", "越权")


def test_copy_lets_the_recipient_read_but_not_work(case, principal_of):
    from govflow.worklist.actions import copy_task, get_readable_task
    from govflow.worklist.inbox import TaskFilter, count_lists, search_tasks
    from govflow.worklist.service import complete_task
    added = run(copy_task, case, principal_of("grid1"), ["street", "secretary"], "请知悉")
    assert sorted(u.username for u in added) == ["secretary", "street"]
    assert run(copy_task, case, principal_of("grid1"), ["street"]) == []  # once per person
    task, copy = get_readable_task(case, principal_of("street"))
    assert copy is not None
    assert count_lists(principal_of("street"))["copied"] == 1
    assert [t.id for t in search_tasks(principal_of("street"), TaskFilter(which="copied")).rows] == [case]
    assert [n.kind for n in notes("street")] == ["copied"]
    with pytest.raises(NotFound):
        run(complete_task, case, principal_of("street"), {"approved": True}, "")
    with pytest.raises(ValidationFailed):
        run(copy_task, case, principal_of("grid1"), ["grid3"])


def test_urge_notifies_the_people_of_the_open_steps(case, principal_of):
    from govflow.worklist.actions import urge_task
    review = verify(case, principal_of)
    told = run(urge_task, case, principal_of("grid1"), "请尽快研判")
    assert told == 1 and [n.task_id for n in notes("secretary", "urged")] == [review.id]
    assert events(review.id, "task_urged")[-1].comment == "请尽快研判"
    with pytest.raises(Conflict):
        run(urge_task, case, principal_of("grid1"))
    with pytest.raises(NotFound):
        run(urge_task, review.id, principal_of("grid2"))


def test_attachments_are_content_checked_and_audited(case, principal_of, app, tmp_path):
    import io

    from govflow.attachments.service import attachments_of
    from govflow.worklist.actions import attach_file, get_readable_upload
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    upload = run(attach_file, case, principal_of("grid1"), io.BytesIO(png), "../../现场.png", str(tmp_path), 10_000)
    assert upload.content_type == "image/png" and upload.filename == "现场.png"
    assert (tmp_path / upload.storage_name).read_bytes() == png
    assert [a.id for a in attachments_of(upload.instance_id)] == [upload.id]
    assert events(case, "attachment_added")[-1].data["upload"] == upload.id
    with pytest.raises(NotFound):  # the case has not reached the community yet
        get_readable_upload(upload.id, principal_of("secretary"))
    verify(case, principal_of)
    assert get_readable_upload(upload.id, principal_of("secretary")).id == upload.id
    with pytest.raises(NotFound):
        get_readable_upload(upload.id, principal_of("grid2"))
    for data, problem in ((b"<script>alert(1)</script>", "bad_type"), (b"", "empty"), (png * 500, "too_large")):
        with pytest.raises(ValidationFailed) as exc:
            run(attach_file, _review_of(case).id, principal_of("secretary"), io.BytesIO(data), "x.png",
                str(tmp_path), 10_000)
        assert exc.value.errors == {"file": [problem]}


def _review_of(case):
    from govflow.worklist.models import HumanTask
    return open_task(db.session.get(HumanTask, case).instance_id, "review")


def test_overdue_tasks_are_notified_once(case, principal_of):
    from datetime import timedelta

    from govflow.notifications.service import notify_overdue_tasks
    from govflow.timeutil import utcnow
    from govflow.worklist.inbox import count_lists
    from govflow.worklist.models import HumanTask
    with writing():
        db.session.get(HumanTask, case).due_at = utcnow() - timedelta(minutes=1)
        commit()
    assert count_lists(principal_of("grid1"))["overdue"] == 1
    assert count_lists(principal_of("grid2"))["overdue"] == 0
    from govflow.worker import run_worker
    run_worker(once=True)
    assert run(notify_overdue_tasks) == 0
    assert [n.task_id for n in notes("grid1", "overdue")] == [case]


def test_notifications_are_read_by_their_owner_only(case, principal_of):
    from govflow.notifications.service import mark_all_read, mark_read, unread_count
    grid1 = principal_of("grid1")
    note = notes("grid1")[0]
    with pytest.raises(NotFound):
        run(mark_read, note.id, principal_of("grid2").user_id)
    assert unread_count(grid1.user_id) == 1
    run(mark_read, note.id, grid1.user_id)
    assert unread_count(grid1.user_id) == 0
    run(mark_all_read, grid1.user_id)


def test_receivers_are_staff_of_the_units_concerned(case, principal_of):
    """No resident party member, administrator or designer is offered, nor accepted."""
    from govflow.worklist.actions import possible_receivers, transfer_task
    review = verify(case, principal_of)
    names = {u.username for u in possible_receivers(review, principal_of("secretary"))}
    assert "cstaff" in names and not names & {"member", "admin", "designer"}
    for outsider in ("member", "admin", "designer"):
        with pytest.raises(ValidationFailed):
            run(transfer_task, review.id, principal_of("secretary"), outsider, "请跟进")
