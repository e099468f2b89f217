"""The designer's pages and calls: access, validation, drafts, deploy, diff, download, upload."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from .conftest import WEB_CASE, edited

START = {"title": "路灯不亮", "category": "road", "description": "说明"}
CORPUS = Path("/work/shared/corpus/camunda-bpm-examples")
PAGES = ["/designer", "/designer/web_case", "/designer/web_case/working.bpmn", "/designer/web_case/v1.bpmn",
         "/designer/web_case/compare?a=1&b=1", "/designer/pickers.json", "/designer/web_case/preview/verify"]
BAD_ROLE = edited('camunda:candidateGroups="grid_worker" camunda:dueDate="PT24H"',
                  'camunda:candidateGroups="night_watch" camunda:dueDate="P3D"')
GOOD_EDIT = edited('camunda:candidateGroups="grid_worker" camunda:dueDate="PT24H"',
                   'camunda:candidateGroups="community_staff" camunda:dueDate="P3D"')


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("user", ["grid1", "secretary", "supervisor"])
def test_pages_refuse_non_designers(page_as, user, url):
    assert page_as(user).get(url).status_code == 403


@pytest.mark.parametrize("url", ["/designer/web_case/draft", "/designer/web_case/validate",
                                 "/designer/web_case/deploy"])
def test_json_calls_refuse_non_designers(page_as, url):
    pages = page_as("grid1")
    pages.get("/tasks")
    response = pages.client.post(url, json={"xml": WEB_CASE},
                                 headers={"X-CSRFToken": pages.token, "Accept": "application/json"})
    assert response.status_code == 403 and response.json["message"] == "process designers only"


def test_anonymous_users_are_sent_to_sign_in(web_app):
    response = web_app.test_client().get("/designer")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_catalogue_groups_processes_with_versions(designer):
    page = designer.get("/designer").text
    assert 'data-category="web"' in page and 'data-key="web_case"' in page
    assert 'data-version="1"' in page


def test_pickers_offer_the_platform_registries(designer):
    values = designer.get("/designer/pickers.json").json
    assert "grid_worker" in values["roles"] and "designer" in values["roles"]
    assert "webtest.report" in values["form_keys"]
    assert values["handlers"] and all(h.startswith("${") for h in values["handler_expressions"])
    page = designer.get("/designer/web_case").text
    assert '<datalist id="gf-roles">' in page and 'value="community_secretary"' in page


def test_validation_names_the_unknown_role_with_its_element_and_line(designer):
    problems = designer.post_xml("/designer/web_case/validate", BAD_ROLE).json["problems"]
    error = next(p for p in problems if p["code"] == "unknown-role")
    assert error["severity"] == "error" and error["element_id"] == "verify"
    assert error["line"] and "night_watch" in error["message"]
    assert designer.post_xml("/designer/web_case/validate", GOOD_EDIT).json["problems"] == []


def test_validation_warns_of_unreachable_elements_and_missing_candidates(designer):
    xml = edited('<bpmn:endEvent id="closed" name="办结"/>',
                 '<bpmn:endEvent id="closed" name="办结"/><bpmn:userTask id="orphan" name="孤立"/>')
    problems = designer.post_xml("/designer/web_case/validate", xml).json["problems"]
    codes = {(p["code"], p["element_id"]) for p in problems}
    assert ("unreachable", "orphan") in codes and ("unassigned-task", "orphan") in codes


def test_draft_is_kept_and_reopened_without_deploying(designer, web_app):
    saved = designer.post_xml("/designer/web_case/draft", BAD_ROLE)
    assert saved.status_code == 200 and any(p["code"] == "unknown-role" for p in saved.json["problems"])
    assert "night_watch" in designer.get("/designer/web_case/working.bpmn").text
    assert 'data-testid="has-draft"' in designer.get("/designer").text
    assert "night_watch" not in designer.get("/designer/web_case/v1.bpmn").text
    designer.post_form("/designer/web_case/draft/discard")
    assert "night_watch" not in designer.get("/designer/web_case/working.bpmn").text


def test_draft_must_define_its_process(designer):
    response = designer.post_xml("/designer/web_case/draft", WEB_CASE.replace('id="web_case"', 'id="other"'))
    assert response.status_code == 422 and "xml" in response.json["errors"]


def test_deploy_refuses_errors_and_stores_nothing(designer, web_app):
    response = designer.post_xml("/designer/web_case/deploy", BAD_ROLE)
    assert response.status_code == 422
    assert [p["code"] for p in response.json["problems"] if p["severity"] == "error"] == ["unknown-role"]
    assert 'data-version="2"' not in designer.get("/designer").text


def test_deploy_creates_a_new_version_and_old_instances_keep_theirs(designer, web_app):
    from govflow.database import commit, writing
    from govflow.extensions import db
    from govflow.instances.models import ProcessInstance
    from govflow.instances.service import start_instance
    with web_app.app_context(), writing():
        old_id = start_instance("web_case", "grid_yg_1", START, business_key="OLD-1").id
        commit()
    designer.post_xml("/designer/web_case/draft", GOOD_EDIT)
    response = designer.post_xml("/designer/web_case/deploy", GOOD_EDIT)
    assert response.status_code == 201 and response.json["version"] == 2
    with web_app.app_context(), writing():
        assert db.session.get(ProcessInstance, old_id).version == 1
        assert start_instance("web_case", "grid_yg_1", START).version == 2
        commit()
    page = designer.get("/designer").text
    assert 'data-version="2"' in page and 'data-testid="has-draft"' not in page
    assert "community_staff" in designer.get("/designer/web_case/v2.bpmn").text
    assert "community_staff" not in designer.get("/designer/web_case/v1.bpmn").text
    download = designer.get("/designer/web_case/v1.bpmn")
    assert 'filename="web_case-v1.bpmn"' in download.headers["Content-Disposition"]
    # A trial of the old version runs that version, not the latest.
    designer.get("/designer/web_case/trial?version=1")
    response = designer.post_form("/designer/web_case/trial?version=1", {"org_unit": "grid_yg_1", **START})
    assert response.status_code == 303
    with web_app.app_context():
        trial = db.session.scalars(db.select(ProcessInstance).where(
            ProcessInstance.business_key.like("TRIAL-%"))).one()
        assert trial.version == 1 and trial.title.endswith("v1")


def test_compare_lists_added_removed_and_changed_elements(designer):
    xml = edited('<bpmn:endEvent id="closed" name="办结"/>', '<bpmn:endEvent id="closed" name="已办结"/>', GOOD_EDIT)
    xml = edited('<bpmn:sequenceFlow id="f_close" sourceRef="gw_decision" targetRef="closed"/>',
                 '<bpmn:sequenceFlow id="f_close2" sourceRef="gw_decision" targetRef="closed"/>', xml)
    xml = xml.replace('default="f_close"', 'default="f_close2"').replace('bpmnElement="f_close"', 'bpmnElement="f_close2"')
    assert designer.post_xml("/designer/web_case/deploy", xml).status_code == 201
    page = designer.get("/designer/web_case/compare?a=1&b=2").text
    assert 'data-change="added" data-element-id="f_close2"' in page
    assert 'data-change="removed" data-element-id="f_close"' in page
    assert 'data-change="changed" data-element-id="verify"' in page
    assert "camunda:candidateGroups" in page and "community_staff" in page and "已办结" in page
    assert 'data-element-id="report"' not in page  # unchanged


def test_compare_of_the_same_content_reports_no_change(designer):
    assert 'data-testid="no-changes"' in designer.get("/designer/web_case/compare?a=1&b=1").text


def test_unknown_version_is_not_found(designer):
    assert designer.get("/designer/web_case/v9.bpmn").status_code == 404
    assert designer.get("/designer/nothing").status_code == 404


def test_form_preview_renders_the_task_form(designer):
    page = designer.get("/designer/web_case/preview/verify").text
    assert 'data-field="approved"' in page and "情况是否属实" in page and 'data-field="households"' in page
    assert designer.get("/designer/web_case/preview/nowhere").status_code == 404


def test_trial_instance_starts_and_links_to_its_admin_page(designer, page_as, web_app):
    assert 'data-field="title"' in designer.get("/designer/web_case/trial").text
    refused = designer.post_form("/designer/web_case/trial", {"org_unit": "grid_yg_1"})
    assert refused.status_code == 200 and 'data-testid="form-errors"' in refused.text
    response = designer.post_form("/designer/web_case/trial", {"org_unit": "grid_yg_1", **START})
    assert response.status_code == 303 and response.headers["Location"].endswith("/designer/web_case/trials")
    followed = designer.get("/designer/web_case/trials").text   # the flash and the list name it
    assert followed.count("TRIAL-web_case-") == 2 and 'data-testid="trial-task"' in followed
    admin = page_as("admin")
    admin.get("/designer/web_case/trial")
    response = admin.post("/designer/web_case/trial", {"org_unit": "grid_yg_1", **START})
    assert response.status_code == 303 and "/admin/instances/" in response.headers["Location"]
    from govflow.extensions import db
    from govflow.instances.models import ProcessInstance
    with web_app.app_context():
        instance = db.session.get(ProcessInstance, int(response.headers["Location"].rsplit("/", 1)[1]))
        assert instance.business_key.startswith("TRIAL-web_case-") and instance.version == 1 and instance.is_trial
        assert admin.get(f"/admin/instances/{instance.id}").status_code == 200


def _upload(designer, name, data):
    return designer.post_form("/designer/upload", {"file": (io.BytesIO(data), name)},
                              content_type="multipart/form-data")


def test_upload_from_camunda_modeler_goes_through_the_same_validation(designer):
    path = CORPUS / "usertask/task-form-embedded/src/main/resources/loanApproval.bpmn"
    if not path.exists():
        pytest.skip(f"corpus not present: {path}")
    response = _upload(designer, "loanApproval.bpmn", path.read_bytes())
    assert response.status_code == 422 and 'data-testid="upload-refused"' in response.text
    assert 'data-testid="problem"' in response.text
    assert 'data-key="loanApproval"' not in designer.get("/designer").text


def test_upload_of_a_clean_file_deploys_it(designer):
    response = _upload(designer, "web_case.bpmn", GOOD_EDIT.encode())
    assert response.status_code == 201 and "web_case v2" in response.text


def test_upload_refuses_other_file_types(designer):
    assert _upload(designer, "notes.txt", b"hello").status_code == 422


def test_api_validates_without_storing_and_refuses_non_designers(api_as, web_case):
    def send(user, xml):
        client = api_as(user)
        return client.client.post("/api/v1/deployments/validate", headers=client.headers,
                                  data={"file": (io.BytesIO(xml.encode()), "web_case.bpmn")},
                                  content_type="multipart/form-data")
    refused = send("designer", BAD_ROLE)
    assert refused.status_code == 200 and refused.json["deployable"] is False
    assert refused.json["problems"][0]["code"] == "unknown-role" and refused.json["problems"][0]["line"] == 17
    assert send("designer", GOOD_EDIT).json == {"problems": [], "deployable": True}
    assert send("grid1", GOOD_EDIT).status_code == 403
    from govflow.definitions.service import latest_definition
    assert latest_definition("web_case").version == 1


def test_unsafe_xml_is_not_stored_and_stored_xml_runs_nothing(designer):
    evil = WEB_CASE.replace('<?xml version="1.0" encoding="UTF-8"?>',
                            '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>')
    response = designer.post_xml("/designer/web_case/draft", evil)
    assert response.status_code == 422 and "doctype-forbidden" in response.json["errors"]["xml"][0]
    assert "ENTITY" not in designer.get("/designer/web_case/working.bpmn").text
    for url in ("/designer/web_case/working.bpmn", "/designer/web_case/v1.bpmn"):
        assert "default-src 'none'" in designer.get(url).headers["Content-Security-Policy"]


def test_a_new_process_starts_as_a_draft_and_deploys_as_v1(designer):
    refused = designer.post_form("/designer/new", {"key": "1bad key", "name": "", "category": "x"},
                                 headers={"Accept": "application/json"})
    assert refused.status_code == 422 and set(refused.json["errors"]) == {"key", "name"}
    response = designer.post_form("/designer/new", {"key": "street_patrol", "name": "街面巡查", "category": "patrol"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/designer/street_patrol")
    assert 'data-key="street_patrol"' in designer.get("/designer").text
    assert designer.get("/designer/street_patrol").status_code == 200
    taken = designer.post_form("/designer/new", {"key": "web_case", "name": "x", "category": "web"})
    assert taken.status_code == 409
    xml = designer.get("/designer/street_patrol/working.bpmn").text
    problems = designer.post_xml("/designer/street_patrol/validate", xml).json["problems"]
    assert [p["code"] for p in problems] == ["unassigned-task"]
    xml = xml.replace('<bpmn:userTask id="handle" name="办理"/>',
                      '<bpmn:userTask id="handle" name="办理" camunda:candidateGroups="grid_worker"/>')
    deployed = designer.post_xml("/designer/street_patrol/deploy", xml)
    assert deployed.status_code == 201 and deployed.json["version"] == 1
    page = designer.get("/designer").text
    assert 'data-category="patrol"' in page and 'data-testid="new-draft"' not in page
