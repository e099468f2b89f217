"""Issue 18's walk, in Chromium: a designer builds a form in form-js (dragging from the
palette, typing in the properties panel), deploys it, attaches it to a new user task
of a copy of case_handling in the modeler and deploys that; a grid worker gets a field
error on a 375 px screen and completes the task; the values are in the instance. Then
the same form through /api/v1 and /engine-rest. Screenshots go to GOVFLOW_SCREENSHOTS."""
from __future__ import annotations

import re
from pathlib import Path

from tests.camunda_rest.conftest import engine_rest  # noqa: F401  (fixture)
from tests.conftest import deployer
from tests.web.browser import DESKTOP, PHONE, Staff, expect, screenshot_dir, serve
from tests.web.conftest import page_as, web_app  # noqa: F401  (fixtures)

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
CASE_HANDLING = (PROCESSES / "case_handling.bpmn").read_text(encoding="utf-8")
COPY = CASE_HANDLING.replace('id="case_handling"', 'id="case_forms"').replace('"case_handling"', '"case_forms"') \
    .replace("群众诉求/事件处置（吹哨报到）", "群众诉求（带现场表单）")
START = {"title": "路灯不亮", "category": "road", "urgency": "normal", "description": "路灯坏了", "location": "3栋"}


def _drop(page, field_type):
    page.locator(f'.fjs-palette-field[data-field-type="{field_type}"]').drag_to(
        page.locator(".fjs-form-container .fjs-drop-container-vertical").first)
    selected = page.locator(f'.fjs-form-container .fjs-editor-selected[data-field-type="{field_type}"]')
    selected.wait_for()


def _open(page, group_label):
    header = page.locator("#designer-properties .bio-properties-panel-group-header", has_text=group_label).first
    if "open" not in (header.get_attribute("class") or ""):
        header.click()


def _type(page, entry, text):
    box = page.locator(f"#bio-properties-panel-{entry}")
    box.fill(text)
    box.press("Tab")


def _designer_builds_the_form(page):
    page.get_by_test_id("new-form-key").fill("site_check")
    page.get_by_test_id("new-form").click()
    page.wait_for_url(re.compile(r"/designer/forms/site_check$"))
    page.locator("#designer-canvas.is-ready").wait_for()
    for kind, label, key in (("textfield", "现场情况", "situation"), ("number", "涉及户数", "households"),
                             ("select", "处理方式", "action"), ("textarea", "转办理由", "transfer_reason")):
        _drop(page, kind)
        _open(page, "常规")
        _type(page, "label", label)
        _type(page, "key", key)
    fields = page.evaluate("""() => {
        const registry = window.govflowFormEditor.get('formFieldRegistry');
        return Object.fromEntries(registry.getAll().filter(f => f.key).map(f => [f.key, f.id])); }""")
    # Rules, each in the properties panel of its field.
    page.locator(f'.fjs-form-container [data-id="{fields["situation"]}"]').first.click()
    _open(page, "校验")
    page.locator("#bio-properties-panel-required").check()
    page.locator(f'.fjs-form-container [data-id="{fields["households"]}"]').first.click()
    _open(page, "校验")
    _type(page, "min", "0")
    page.locator(f'.fjs-form-container [data-id="{fields["action"]}"]').first.click()
    _open(page, "校验")
    page.locator("#bio-properties-panel-required").check()
    # The select's two options: form-js's static options list, set through its modeling API
    # (the list's add/edit controls are not reachable by label).
    page.evaluate("""id => {
        const editor = window.govflowFormEditor;
        const field = editor.get('formFieldRegistry').get(id);
        editor.get('modeling').editFormField(field, 'values', [
          {label: '就地解决', value: 'resolve'}, {label: '转办', value: 'transfer'}]); }""", fields["action"])
    # Shown only when the select says 转办: hidden unless action = "transfer".
    page.locator(f'.fjs-form-container [data-id="{fields["transfer_reason"]}"]').first.click()
    _open(page, "条件")
    hide = page.locator("#designer-properties [name='conditional.hide'] [contenteditable], "
                        "#bio-properties-panel-conditional-hide [contenteditable], "
                        "#designer-properties .bio-properties-panel-feel-editor-container [contenteditable]").first
    hide.click()
    page.keyboard.type('action != "transfer"')
    page.keyboard.press("Tab")
    return fields


def test_designer_builds_a_form_a_grid_worker_completes_it(web_app, browser, tmp_path):
    shots = screenshot_dir(tmp_path)
    with web_app.app_context():  # the decisions case_handling reads
        deployer(PROCESSES)("case_limits.dmn", "case_departments.dmn", "case_department_deadlines.dmn")
    with serve(web_app) as base:
        designer = Staff(browser, base, "designer", DESKTOP, shots)
        page = designer.page
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        try:
            designer.goto("/designer")
            _designer_builds_the_form(page)
            designer.shot("form-walk-1-editor")
            schema = page.evaluate("window.govflowFormEditor.saveSchema()")
            by_key = {c["key"]: c for c in schema["components"] if c.get("key")}
            assert by_key["situation"]["validate"]["required"] is True
            # The panel's number entry keeps what was typed, as a number or its text by
            # form-js version and timing; the server reads either (forms/camunda/schema._number).
            assert float(by_key["households"]["validate"]["min"]) == 0
            assert by_key["transfer_reason"]["conditional"]["hide"].strip("= ") == 'action != "transfer"'
            page.get_by_test_id("designer-deploy").click()
            page.locator("#designer-message.ok").wait_for()
            # The modeler: a copy of case_handling, a new user task on its first flow.
            designer.goto("/designer")
            page.get_by_test_id("new-key").fill("case_forms")
            page.get_by_test_id("new-name").fill("群众诉求（带现场表单）")
            page.get_by_test_id("new-category").fill("governance")
            page.get_by_test_id("new-process").click()
            page.wait_for_url(re.compile(r"/designer/case_forms$"))
            page.locator("#designer-canvas.is-ready").wait_for()
            page.evaluate("xml => window.govflowModeler.importXML(xml)", COPY)
            page.evaluate("""() => {
                const modeler = window.govflowModeler;
                const flow = modeler.get('elementRegistry').get('f_start');
                const [a, b] = [flow.waypoints[0], flow.waypoints[flow.waypoints.length - 1]];
                const task = modeler.get('modeling').createShape({type: 'bpmn:UserTask'},
                    {x: (a.x + b.x) / 2, y: (a.y + b.y) / 2}, flow);
                modeler.get('selection').select(task); }""")
            task_id = page.evaluate("window.govflowModeler.get('selection').get()[0].id")
            _open(page, "常规")
            _type(page, "name", "现场登记")
            _open(page, "人员分配")
            _type(page, "candidateGroups", "grid_worker")
            _open(page, "表单")
            page.locator("#bio-properties-panel-formType").select_option("formRef")
            _type(page, "formRef", "site_check")
            designer.shot("form-walk-2-modeler")
            xml = page.evaluate("window.govflowModeler.saveXML().then(r => r.xml)")
            assert f'id="{task_id}"' in xml and 'camunda:formRef="site_check"' in xml
            page.get_by_test_id("designer-deploy").click()
            page.locator("#designer-message.ok, #designer-message.error").wait_for()
            assert "ok" in page.locator("#designer-message").get_attribute("class"), \
                page.locator("#designer-message").inner_text() + page.locator("#designer-problems").inner_text()
            assert errors == [], errors
        finally:
            designer.close()
        with web_app.app_context():
            from sqlalchemy import select

            from govflow.database import commit, writing
            from govflow.extensions import db
            from govflow.instances.service import start_instance
            from govflow.worklist.models import HumanTask
            with writing():
                instance_id = start_instance("case_forms", "grid_yg_1", START).id
                human = db.session.scalar(select(HumanTask).where(HumanTask.instance_id == instance_id))
                assert human.element_id == task_id
                human_id = human.id
                commit()
        worker = Staff(browser, base, "grid1", PHONE, shots)
        page = worker.page
        try:
            worker.goto(f"/tasks/{human_id}")
            reason = page.locator('[data-field="transfer_reason"]')
            expect(reason).to_be_hidden()
            page.locator("#f-households").fill("3")
            page.locator("#f-action").select_option("transfer")
            expect(reason).to_be_visible()
            page.locator("#f-transfer_reason").fill("需要街道协调")
            page.locator("#f-households").evaluate("el => { el.removeAttribute('min'); el.value = '-1'; }")
            page.get_by_test_id("complete").click()
            expect(page.locator('.has-error[data-field="situation"]')).to_be_visible()
            expect(page.locator('.has-error[data-field="households"]')).to_be_visible()
            assert worker.fits_the_screen()
            worker.shot("form-walk-3-phone-errors")
            page.locator("#f-situation").fill("路灯灯头损坏")
            page.locator("#f-households").fill("3")
            worker.shot("form-walk-4-phone-filled")
            page.get_by_test_id("complete").click()
            page.wait_for_url(re.compile(r"/tasks$"))
        finally:
            worker.close()
    with web_app.app_context():
        from govflow.extensions import db
        from govflow.instances.models import ProcessInstance
        variables = db.session.get(ProcessInstance, instance_id).variables
    assert variables["situation"] == "路灯灯头损坏" and variables["households"] == 3
    assert variables["action"] == "transfer" and variables["transfer_reason"] == "需要街道协调"


def _typed(values):
    return {k: {"value": v} for k, v in values.items()}


def test_the_same_form_through_api_v1_and_engine_rest(api_as, engine_rest):
    """The walk's form (as its editor saves it) on a new task of a case_handling copy."""
    fixtures = Path(__file__).parent / "fixtures"
    bpmn = COPY.replace('<bpmn:sequenceFlow id="f_start" sourceRef="start_reported" targetRef="check_report"/>',
                        '<bpmn:sequenceFlow id="f_start" sourceRef="start_reported" targetRef="site"/>'
                        '<bpmn:userTask id="site" name="现场登记" camunda:candidateGroups="grid_worker" '
                        'camunda:formRef="site_check"/>'
                        '<bpmn:sequenceFlow id="f_site" sourceRef="site" targetRef="check_report"/>')
    files = {n: (PROCESSES / n).read_bytes() for n in ("case_limits.dmn", "case_departments.dmn",
                                                        "case_department_deadlines.dmn")}
    files.update({"site_check.form": (fixtures / "site_check.form").read_bytes(), "case_forms.bpmn": bpmn.encode()})
    import io
    designer = api_as("designer")
    deployed = designer.client.post("/api/v1/deployments", headers=designer.headers,
                                    content_type="multipart/form-data",
                                    data={"file": [(io.BytesIO(b), n) for n, b in files.items()]})
    assert deployed.status_code == 201, deployed.json
    grid1 = api_as("grid1")

    def site_task():
        started = grid1.post("/process-instances", {"process_key": "case_forms", "org_unit": "grid_yg_1",
                                                    "variables": START})
        assert started.status_code == 201, started.json
        tasks = grid1.get(f"/process-instances/{started.json['id']}").json["tasks"]
        return next(t for t in tasks if t["element_id"] == "site")

    task = site_task()
    r = grid1.post(f"/tasks/{task['id']}/complete", {"variables": {"households": -1, "action": "elsewhere",
                                                                   "transfer_reason": "x"}})
    assert r.status_code == 422
    assert set(r.json["errors"]) >= {"situation", "households", "action"}
    hidden = grid1.post(f"/tasks/{task['id']}/complete", {"variables": {
        "situation": "积水", "action": "resolve", "transfer_reason": "不该有"}})
    assert hidden.status_code == 422 and set(hidden.json["errors"]) == {"transfer_reason"}
    ok = grid1.post(f"/tasks/{task['id']}/complete", {"variables": {"situation": "积水", "households": 0,
                                                                    "action": "resolve"}})
    assert ok.status_code == 200, ok.json
    values = grid1.get(f"/process-instances/{task['instance_id']}").json["variables"]
    assert values["situation"] == "积水" and values["households"] == 0 and values["action"] == "resolve"

    second = site_task()
    rest = engine_rest("grid1")
    (camunda_task,) = [t for t in rest.get("/task?taskDefinitionKey=site").json
                       if t["processInstanceId"] == str(second["instance_id"])]
    assert set(rest.get(f"/task/{camunda_task['id']}/form-variables").json) == {
        "situation", "households", "action", "transfer_reason"}
    r = rest.post(f"/task/{camunda_task['id']}/submit-form", {"variables": _typed({"households": -1})})
    assert r.status_code == 400 and "situation" in r.json["message"] and "households" in r.json["message"]
    r = rest.post(f"/task/{camunda_task['id']}/submit-form", {"variables": _typed({
        "situation": "路灯", "households": 2, "action": "transfer", "transfer_reason": "需要街道协调"})})
    assert r.status_code in (200, 204), r.json
    left = rest.get("/task?taskDefinitionKey=site").json
    assert camunda_task["id"] not in {t["id"] for t in left}, [(t["id"], t["taskDefinitionKey"]) for t in left]


def test_form_editor_speaks_the_page_language(web_app, browser, tmp_path):
    with serve(web_app) as base:
        designer = Staff(browser, base, "designer", DESKTOP, screenshot_dir(tmp_path))
        page = designer.page
        try:
            designer.goto("/designer")
            page.get_by_test_id("new-form-key").fill("lang_form")
            page.get_by_test_id("new-form").click()
            page.locator("#designer-canvas.is-ready").wait_for()
            palette = page.locator(".fjs-palette")
            for name in ("组件", "输入", "选择", "文本框", "数字", "下拉选择", "分组", "动态列表"):
                expect(palette.get_by_text(name, exact=True)).to_be_visible()
            page.locator(".fjs-palette-search").fill("下拉")
            expect(palette.locator(".fjs-palette-field")).to_have_count(1)
            page.locator(".fjs-palette-search").fill("")
            _drop(page, "textfield")
            _open(page, "常规")
            expect(page.locator("#designer-properties").get_by_text("键（变量名）")).to_be_visible()
            _type(page, "key", "has space")
            message = page.locator("#designer-properties .bio-properties-panel-error").first
            expect(message).to_be_visible()
            assert message.inner_text() in ("不能包含空格。", "必须是变量名或以点分隔的路径。"), message.inner_text()
            # What the designer typed is never translated.
            _type(page, "label", "Number")
            expect(page.locator(".fjs-form-container").get_by_text("Number", exact=True)).to_be_visible()
            designer.shot("form-editor-zh")
            designer.goto("/lang/en?next=/designer/forms/lang_form")
            page.locator("#designer-canvas.is-ready").wait_for()
            for name in ("Components", "Input", "Text field", "Number", "Select"):
                expect(palette.get_by_text(name, exact=True)).to_be_visible()
            expect(palette.get_by_text("文本框")).to_have_count(0)
        finally:
            designer.close()
