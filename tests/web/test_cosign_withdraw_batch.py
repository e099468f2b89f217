"""加签, 撤回 and batch work as services, and the same over /api/v1: every rule is the
use case's own, so both doors answer alike. Runs on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from govflow.errors import Conflict, NotFound, ValidationFailed
from govflow.extensions import db

from .test_actions import case, events, notes, open_task, run, verify  # noqa: F401  (fixture)


def _task(task_id):
    from govflow.worklist.models import HumanTask
    return db.session.get(HumanTask, task_id)


def test_cosign_before_lends_the_task_and_it_comes_back(case, principal_of):  # noqa: F811
    from govflow.worklist.cosign import add_cosigner, sign_task
    from govflow.worklist.service import complete_task
    review = verify(case, principal_of)
    run(add_cosigner, review.id, principal_of("secretary"), "cstaff", "before", "请先会签")
    assert _task(review.id).assignee.username == "cstaff"
    assert [n.kind for n in notes("cstaff", "cosign_requested")] == ["cosign_requested"]
    with pytest.raises(Conflict):  # the holder waits for the signature
        run(complete_task, review.id, principal_of("secretary"), {"decision": "close"}, "办结")
    with pytest.raises(Conflict):  # the signer signs; completing is not theirs
        run(complete_task, review.id, principal_of("cstaff"), {"decision": "close"}, "办结")
    with pytest.raises(ValidationFailed) as exc:
        run(sign_task, review.id, principal_of("cstaff"), " ")
    assert set(exc.value.errors) == {"comment"}
    run(sign_task, review.id, principal_of("cstaff"), "同意办结")
    assert _task(review.id).assignee.username == "secretary"
    assert events(review.id, "task_cosigned")[-1].comment == "同意办结"
    assert [n.kind for n in notes("secretary", "cosigned")] == ["cosigned"]
    done = run(complete_task, review.id, principal_of("secretary"), {"decision": "close"}, "办结")
    assert done.status == "completed"


def test_cosign_after_holds_the_step_until_the_signer_signs(case, principal_of):  # noqa: F811
    from govflow.worklist.cosign import add_cosigner, sign_task
    from govflow.worklist.service import complete_task
    review = verify(case, principal_of)
    with pytest.raises(ValidationFailed) as exc:
        run(add_cosigner, review.id, principal_of("secretary"), "secretary2", "after")
    assert exc.value.errors == {"signer": ["not_receivable"]}
    with pytest.raises(ValidationFailed) as exc:
        run(add_cosigner, review.id, principal_of("secretary"), "cstaff", "sideways")
    assert set(exc.value.errors) == {"position"}
    run(add_cosigner, review.id, principal_of("secretary"), "cstaff", "after")
    assert notes("cstaff", "cosign_requested") == []  # not their turn yet
    task = run(complete_task, review.id, principal_of("secretary"), {"decision": "close"}, "拟办结")
    assert task.status == "open" and task.assignee.username == "cstaff"
    assert _task(review.id).instance_id and open_task(task.instance_id, "review").id == review.id
    # 不同意: back to the holder, who completes again; the signer is asked again.
    run(sign_task, review.id, principal_of("cstaff"), "照片不全", agree=False)
    assert _task(review.id).assignee.username == "secretary"
    run(complete_task, review.id, principal_of("secretary"), {"decision": "close"}, "已补照片")
    done = run(sign_task, review.id, principal_of("cstaff"), "同意")
    assert done.status == "completed" and done.completed_by_id == principal_of("secretary").user_id
    from govflow.instances.models import ProcessInstance
    assert db.session.get(ProcessInstance, done.instance_id).status == "completed"


def test_withdraw_while_the_next_step_is_unclaimed(case, principal_of):  # noqa: F811
    from govflow.worklist.service import claim_task, complete_task
    from govflow.worklist.withdraw import withdraw_task
    with pytest.raises(Conflict):  # not completed yet
        run(withdraw_task, case, principal_of("grid1"))
    run(complete_task, case, principal_of("grid1"), {"approved": True, "note": "属实", "households": 3}, "已到现场")
    review = open_task(_task(case).instance_id, "review")
    with pytest.raises(Conflict) as exc:  # someone else's completion
        run(withdraw_task, case, principal_of("admin"))
    assert "only the person" in exc.value.message
    with pytest.raises(NotFound):
        run(withdraw_task, case, principal_of("grid2"))
    again = run(withdraw_task, case, principal_of("grid1"), "户数填错")
    assert again.element_id == "verify" and again.assignee.username == "grid1" and again.id != case
    assert _task(review.id).status == "cancelled"
    assert [n.kind for n in notes("secretary", "withdrawn")] == ["withdrawn"]
    assert events(case, "task_withdrawn")[-1].comment == "户数填错"
    from govflow.worklist.history import last_entered_values
    assert last_entered_values(again.instance_id, "verify")["households"] == 3
    # Once the next step is claimed it is too late.
    run(complete_task, again.id, principal_of("grid1"), {"approved": True, "note": "属实", "households": 2}, "改正")
    review = open_task(again.instance_id, "review")
    run(claim_task, review.id, principal_of("secretary"))
    with pytest.raises(Conflict) as exc:
        run(withdraw_task, again.id, principal_of("grid1"))
    assert "moved on" in exc.value.message or "claimed" in exc.value.message


def test_batch_claim_and_approve_report_each_task(web_case, principal_of):
    from govflow.database import commit, writing
    from govflow.worklist.batch import batch_approve, batch_claim
    from govflow.worklist.inbox import first_open_task
    from govflow.worklist.starting import start_process
    ids = []
    with writing():
        for n in range(3):
            instance = start_process(principal_of("grid1"), "web_case", "grid_yg_1",
                                     {"title": f"路灯{n}", "category": "road", "description": "不亮"})
            ids.append(first_open_task(principal_of("grid1"), instance.id).id)
        commit()
    results = run(batch_claim, ids + [999999], principal_of("grid1"))
    assert [(r.task_id, r.ok, r.code) for r in results] == [(i, True, None) for i in ids] + [(999999, False, "not_found")]
    results = run(batch_approve, ids, principal_of("grid1"), "属实")
    assert all(r.ok for r in results)
    reviews = [open_task(_task(i).instance_id, "review") for i in ids]
    # 社区研判 asks for a decision, not a yes/no: a person fills it in.
    results = run(batch_approve, [reviews[0].id], principal_of("secretary"), "同意")
    assert (results[0].ok, results[0].code) == (False, "not_simple")
    assert _task(reviews[0].id).status == "open"
    with pytest.raises(ValidationFailed):
        run(batch_claim, [], principal_of("grid1"))


def test_api_doors_answer_as_the_services(case, principal_of, api_as):  # noqa: F811
    review = verify(case, principal_of)
    secretary = api_as("secretary")
    r = secretary.post(f"/tasks/{review.id}/cosigners", json={"user": "secretary2", "position": "before"})
    assert r.status_code == 422 and "signer" in r.get_json()["errors"]
    r = secretary.post(f"/tasks/{review.id}/cosigners", json={"user": "cstaff", "position": "before"})
    assert r.status_code == 201 and r.get_json()["state"] == "signing"
    r = api_as("cstaff").post(f"/tasks/{review.id}/sign", json={"comment": "同意"})
    assert r.status_code == 200 and r.get_json()["assignee"] == "secretary"
    r = api_as("grid1").post(f"/tasks/{case}/withdraw", json={"comment": "撤回"})
    assert r.status_code == 409  # the secretary acted on the case since
    r = api_as("grid1").post("/tasks/batch/claim", json={"task_ids": [review.id]})
    assert r.status_code == 200 and r.get_json()["results"][0]["ok"] is False
