"""Hostile diagrams are refused by the deployment, with a clear message; nothing is stored."""
import pytest

from govflow.database import writing
from govflow.definitions.models import Deployment, ProcessDefinition
from govflow.definitions.service import deploy
from govflow.errors import ValidationFailed
from govflow.extensions import db
from tests.conftest import FIXTURES

HOSTILE = FIXTURES.parent / "hostile"

SCRIPT = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="t">
  <bpmn:process id="evil" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="run"/>
    <bpmn:scriptTask id="run" scriptFormat="python"><bpmn:script>x = 1
{code}</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="run" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>"""


@pytest.mark.parametrize("code", [
    "import os",
    "y = ().__class__.__base__.__subclasses__()",
    "f = open('/etc/passwd')",
    "g = (lambda: 0).__globals__",
    "h = getattr(x, '__class__')",
    "s = '{0.__class__}'.format(1)",
    "e = eval('1')",
])
def test_sandbox_escapes_refused_at_deployment(org, code):
    with writing(), pytest.raises(ValidationFailed) as info:
        deploy({"evil.bpmn": SCRIPT.format(code=code).encode()})
    messages = " ".join(m for ms in info.value.errors.values() for m in ms)
    assert "run" in info.value.errors and "sandbox refuses" in messages, info.value.errors
    db.session.rollback()
    assert db.session.query(Deployment).count() == 0


@pytest.mark.parametrize("name", sorted(p.name for p in HOSTILE.glob("*.bpmn")))
def test_hostile_samples_refused_and_nothing_stored(org, name):
    with writing(), pytest.raises(ValidationFailed) as info:
        deploy({name: (HOSTILE / name).read_bytes()})
    assert info.value.errors
    db.session.rollback()
    assert db.session.query(ProcessDefinition).count() == 0


def test_oversized_file_refused_before_parsing(org):
    huge = b"<" * 3_000_000
    with writing(), pytest.raises(ValidationFailed) as info:
        deploy({"huge.bpmn": huge})
    assert info.value.errors == {"huge.bpmn": ["huge.bpmn: huge.bpmn is 3,000,000 bytes; "
                                               "the limit is 2,000,000 bytes [too-large]"]}
