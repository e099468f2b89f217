"""批量, 加签, 撤回 and the 案卷 through the pages (Flask's test client) and /api/v1."""
from __future__ import annotations

import re

from .test_actions import case, verify  # noqa: F401  (fixture)
from .test_pages import start_case


def test_batch_approve_lists_each_refusal_and_withdraw_reopens_the_step(page_as):
    grid1 = page_as("grid1")
    task_id = start_case(grid1)
    listing = grid1.get("/tasks?list=candidate").text
    assert f'data-testid="pick-{task_id}"' in listing and 'data-testid="batch-approve"' in listing
    r = grid1.post("/tasks/batch", {"task": [str(task_id), "999999"], "action": "approve", "comment": "属实",
                                    "list": "candidate"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/tasks?list=candidate")
    page = grid1.get("/tasks?list=candidate").text
    assert "已审批：1" in page and "任务 999999：" in page
    done = grid1.get(f"/tasks/{task_id}").text
    assert 'data-testid="withdraw-panel"' in done
    r = grid1.post(f"/tasks/{task_id}/withdraw", {"comment": "户数写错"})
    assert r.status_code == 303
    again = int(r.headers["Location"].rsplit("/", 1)[1])
    assert again != task_id
    page = grid1.get(f"/tasks/{again}").text
    assert 'data-testid="task-form"' in page and "已撤回" in page
    # The step is the withdrawer's again; withdrawing twice is refused with the reason.
    r = grid1.post(f"/tasks/{task_id}/withdraw", {"comment": ""})
    assert "案件已有后续办理" in grid1.get(f"/tasks/{task_id}").text


def test_cosign_before_through_the_pages(page_as):
    grid1, secretary, cstaff = page_as("grid1"), page_as("secretary"), page_as("cstaff")
    task_id = start_case(grid1)
    grid1.post("/tasks/batch", {"task": [str(task_id)], "action": "approve", "comment": "属实"})
    review = int(re.search(r'data-task-id="(\d+)"', secretary.get("/tasks?list=candidate").text)[1])
    page = secretary.get(f"/tasks/{review}").text
    assert 'data-testid="cosign-panel"' in page
    r = secretary.post(f"/tasks/{review}/cosign", {"user": "cstaff", "position": "before", "comment": "请会签"})
    assert r.status_code == 303
    assert "等待 社区工作者 陈静 (阳光社区) 会签" in secretary.get(f"/tasks/{review}").text
    sign_page = cstaff.get(f"/tasks/{review}").text
    assert 'data-testid="sign-panel"' in sign_page and 'data-testid="task-form"' not in sign_page
    r = cstaff.post(f"/tasks/{review}/sign", {"comment": "同意", "agree": "yes"})
    assert r.status_code == 303
    assert 'data-testid="task-form"' in secretary.get(f"/tasks/{review}").text


def test_dossier_pdf_for_readers_only(case, principal_of, api_as):  # noqa: F811
    from govflow.worklist.dossier import case_dossier
    review = verify(case, principal_of)
    r = api_as("secretary").get(f"/process-instances/{review.instance_id}/dossier.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf" and r.data.startswith(b"%PDF")
    assert b"STSong-Light" in r.data
    assert api_as("grid3").get(f"/process-instances/{review.instance_id}/dossier.pdf").status_code == 404
    found = case_dossier(principal_of("secretary"), review.instance_id, "/nonexistent")
    assert [s["name"] for s in found.steps] == ["现场核实", "社区研判"]
    assert found.steps[0]["handler"].startswith("网格员 王芳")
    assert {"label": "情况是否属实", "widget": "checkbox", "value": True} in found.details \
        or any(d["label"] == "情况是否属实" for d in found.details)
    assert any(e["kind"] == "task_completed" and e["comment"] == "已到现场" for e in found.timeline)




def test_dossier_link_and_page(page_as):
    grid1 = page_as("grid1")
    task_id = start_case(grid1)
    link = re.search(r'href="(/cases/\d+/dossier.pdf)"', grid1.get(f"/tasks/{task_id}").text)[1]
    page = grid1.get(link)
    assert page.status_code == 200 and page.data.startswith(b"%PDF")
    assert page_as("secretary2").get(link).status_code == 404
