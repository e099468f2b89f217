"""camunda:formData as Camunda Modeler writes it: dates typed dd/MM/yyyy or ISO, default
values that are expressions over the task's data, custom types refused at deployment."""
from __future__ import annotations

from .drive import complete, instance, open_tasks, start
from .modeler import diagram
from .test_versions import deploy_rest


def _form(*fields: str) -> str:
    return ('<bpmn:extensionElements><camunda:formData>' + "".join(fields)
            + '</camunda:formData></bpmn:extensionElements>')


def _visit(form: str) -> str:
    return f'''
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:sequenceFlow id="F1" sourceRef="StartEvent_1" targetRef="Visit" />
    <bpmn:userTask id="Visit" name="Plan the visit" camunda:candidateGroups="grid_worker">{form}</bpmn:userTask>
    <bpmn:sequenceFlow id="F2" sourceRef="Visit" targetRef="Report" />
    <bpmn:userTask id="Report" camunda:candidateGroups="grid_worker">{form}</bpmn:userTask>
    <bpmn:sequenceFlow id="F3" sourceRef="Report" targetRef="EndEvent_1" />
    <bpmn:endEvent id="EndEvent_1" />'''


_FIELDS = _form('<camunda:formField id="visit_on" label="Visit on" type="date" defaultValue="${planned}">'
                '<camunda:validation><camunda:constraint name="required" /></camunda:validation>'
                '</camunda:formField>',
                '<camunda:formField id="visitors" type="long" defaultValue="${crew * 2}" />',
                '<camunda:formField id="note" type="textarea" defaultValue="none" />')


def test_dates_in_camundas_pattern_and_iso_and_defaults_from_expressions(app, api_as):
    assert deploy_rest(api_as("designer"), {"visit.bpmn": diagram("visit", _visit(_FIELDS))}).status_code == 201
    instance_id = start("visit", {"planned": "07/12/2026", "crew": 3})
    task = open_tasks(instance_id)[0]
    defaults = {f["id"]: f["default"] for f in task.form_fields}
    assert defaults == {"visit_on": "07/12/2026", "visitors": 6, "note": "none"}
    complete(task, {"visit_on": "31/12/2026", "visitors": 4}, fill_form=False)
    assert instance(instance_id).variables["visit_on"] == "2026-12-31"
    complete(open_tasks(instance_id)[0], {"visit_on": "2027-01-15"}, fill_form=False)
    done = instance(instance_id)
    assert done.status == "completed" and done.variables["visit_on"] == "2027-01-15"
    assert done.variables["visitors"] == 6  # the evaluated default, taken when nothing was typed


def test_an_impossible_day_first_date_is_refused(app, api_as):
    from govflow.errors import ValidationFailed
    from govflow.forms.validation import validate_submission
    fields = [{"id": "visit_on", "type": "date", "validation": {}}]
    assert str(validate_submission(None, fields, {"visit_on": "29/02/2028"})["visit_on"]) == "2028-02-29"
    try:
        validate_submission(None, fields, {"visit_on": "31/02/2027"})
    except ValidationFailed as exc:
        assert "visit_on" in exc.errors
    else:
        raise AssertionError("31/02/2027 was accepted")


def test_a_custom_form_field_type_is_refused_with_element_and_line(api_as):
    form = _form('<camunda:formField id="colour" type="colorPicker" />')
    answer = deploy_rest(api_as("designer"), {"visit.bpmn": diagram("visit", _visit(form))})
    assert answer.status_code == 422, answer.json
    messages = answer.json["errors"]["Visit"]
    assert any("unknown-form-field-type" in m and "colorPicker" in m and m.startswith("visit.bpmn:") for m in messages)
