"""Camunda Forms in the designer: a new form, drafts, validation, deployment as
versions, the catalogue listing them."""
from __future__ import annotations

import json

from tests.forms.test_camunda_forms import FIXTURES

FORM = json.loads((FIXTURES / "inspection.form").read_text(encoding="utf-8"))


def _as(form_id: str, **changes) -> str:
    return json.dumps({**FORM, "id": form_id, **changes}, ensure_ascii=False)


def test_designer_builds_validates_and_deploys_a_form(designer):
    created = designer.post_form("/designer/forms/new", {"key": "visit_form"})
    assert created.status_code == 303 and created.headers["Location"].endswith("/designer/forms/visit_form")
    page = designer.get("/designer/forms/visit_form")
    assert page.status_code == 200 and "designer-form.js" in page.text
    blank = json.loads(designer.get("/designer/forms/visit_form/working.form").text)
    assert blank["id"] == "visit_form" and blank["components"] == []
    bad = _as("visit_form", components=[{"type": "iframe", "id": "x", "url": "https://example.org"}])
    saved = designer.post_xml("/designer/forms/visit_form/draft", bad)
    assert saved.status_code == 200 and saved.json["problems"][0]["code"] == "invalid-form"
    assert saved.json["problems"][0]["element_id"] == "x"
    refused = designer.post_xml("/designer/forms/visit_form/deploy", bad)
    assert refused.status_code == 422
    wrong_id = designer.post_xml("/designer/forms/visit_form/deploy", _as("other"))
    assert wrong_id.status_code == 422
    assert designer.post_xml("/designer/forms/visit_form/validate", _as("visit_form")).json["problems"] == []
    deployed = designer.post_xml("/designer/forms/visit_form/deploy", _as("visit_form"))
    assert deployed.status_code == 201 and deployed.json["version"] == 1
    again = designer.post_xml("/designer/forms/visit_form/deploy", _as("visit_form", schemaVersion=17))
    assert again.json["version"] == 2
    catalogue = designer.get("/designer").text
    assert 'data-testid="form" data-key="visit_form"' in catalogue and catalogue.count('data-testid="form-version-row"') == 2
    download = designer.get("/designer/forms/visit_form/v1.form")
    assert json.loads(download.text)["id"] == "visit_form" and "sandbox" in download.headers["Content-Security-Policy"]


def test_only_designers_reach_the_form_editor(page_as):
    assert page_as("grid1").get("/designer/forms/visit_form").status_code == 403


def test_upload_takes_a_form_with_its_diagram(designer):
    import io
    files = [(io.BytesIO((FIXTURES / n).read_bytes()), n) for n in ("inspection.form", "inspection.bpmn")]
    page = designer.post_form("/designer/upload", {"file": files}, content_type="multipart/form-data")
    assert page.status_code == 201 and 'data-testid="uploaded-form"' in page.text and "inspection_form v1" in page.text
