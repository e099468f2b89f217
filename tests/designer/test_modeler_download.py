"""A diagram downloaded from the designer reads as Camunda Modeler writes it, whatever
door it was deployed through: every flow node lists its incoming and outgoing flows,
and bpmnlint's recommended rules (Modeler's own linting) find no error."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from .conftest import edited

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
ROOT = Path(__file__).resolve().parents[2]
#: web_case as a REST client would send it: no incoming/outgoing lists, every gateway
#: flow labelled (the one label bpmnlint wants that a download cannot invent).
LABELLED = edited('<bpmn:sequenceFlow id="f_again" sourceRef="gw_decision"',
                  '<bpmn:sequenceFlow id="f_again" name="重新核实" sourceRef="gw_decision"')


def _download(designer) -> bytes:
    response = designer.post_form("/designer/upload", {"file": (io.BytesIO(LABELLED.encode()), "web_case.bpmn")},
                                  content_type="multipart/form-data")
    assert response.status_code == 201, response.text
    download = designer.get("/designer/web_case/v2.bpmn")
    assert download.status_code == 200 and 'filename="web_case-v2.bpmn"' in download.headers["Content-Disposition"]
    return download.data


def test_the_download_lists_each_flow_node_s_flows_as_modeler_does(designer):
    assert "<bpmn:incoming>" not in LABELLED
    root = etree.fromstring(_download(designer))
    process = root.find(f"{{{BPMN}}}process")
    flows = process.findall(f"{{{BPMN}}}sequenceFlow")
    nodes = [n for n in process if n.tag != f"{{{BPMN}}}sequenceFlow" and n.get("id")]
    assert nodes
    for node in nodes:
        listed = [(etree.QName(c).localname, c.text) for c in node
                  if etree.QName(c).localname in ("incoming", "outgoing")]
        expected = ([("incoming", f.get("id")) for f in flows if f.get("targetRef") == node.get("id")]
                    + [("outgoing", f.get("id")) for f in flows if f.get("sourceRef") == node.get("id")])
        assert listed == expected, node.get("id")


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_bpmnlint_recommended_rules_find_no_error_in_the_download(designer, tmp_path):
    linter = Path(os.environ.get("BPMNLINT") or ROOT / "node_modules" / ".bin" / "bpmnlint")
    assert linter.exists(), f"{linter} is missing: run `npm install` (bpmnlint is a devDependency)"
    stored, downloaded = tmp_path / "stored.bpmn", tmp_path / "web_case-v2.bpmn"
    stored.write_text(LABELLED, encoding="utf-8")
    downloaded.write_bytes(_download(designer))
    (tmp_path / ".bpmnlintrc").write_text((ROOT / ".bpmnlintrc").read_text())
    # The stored file is what bpmnlint complains about; the download is clean.
    before = subprocess.run([str(linter), stored.name], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert before.returncode != 0 and "no-implicit-start" in before.stdout
    after = subprocess.run([str(linter), downloaded.name], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert after.returncode == 0, after.stdout + after.stderr
