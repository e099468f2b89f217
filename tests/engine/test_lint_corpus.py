"""Deployment lint over the shared corpus of real-world diagrams."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from govflow.engine.lint import LintContext, lint_files, parse_safely
from govflow.engine.lint.dmn import decision_ids
from govflow.engine.lint.document import BpmnDocument
from govflow.engine.lint.model import is_dmn
from tests.conftest import CORPUS as SHARED  # noqa: E402

CORPUS = SHARED


# Corpus files that break a rule on purpose of the rules, not by accident of the linter.
CORPUS_ERRORS = {
    # Quartz cron "every 5 seconds" in a timer start event: cron runs (engine/cycles.py),
    # but a firing every 5 seconds is what TIMER_MIN_INTERVAL refuses.
    ("camunda-bpm-examples/clients/java/order-handling/order-handling.bpmn", "timer-cycle-too-frequent",
     "StartEvent_1"),
    ("camunda-bpm-examples/spring-boot-starter/external-task-client/loan-granting-spring-boot-webapp/"
     "src/main/resources/bpmn/loan-granting.bpmn", "timer-cycle-too-frequent", "StartEvent_1"),
    # XSLT loaded from a classpath resource: no inline script, which the engine refuses.
    ("camunda-bpm-examples/scripttask/xslt-scripttask/src/main/resources/xslt-example.bpmn",
     "missing-script", "ScriptTask_1"),
    # A Camunda HTTP connector does the work of this service task; the platform runs
    # handlers only, so the task has no implementation here.
    ("camunda-bpm-examples/servicetask/rest-service/src/main/resources/invokeRestService.bpmn",
     "unsupported-connector", "ServiceTask_1"),
    # Groovy and JavaScript scripts: GovFlow runs scripts as sandboxed Python only.
    ("camunda-bpm-examples/bpmn-model-api/parse-bpmn/src/test/resources/process.bpmn",
     "unsupported-script", "scriptTask"),
    ("camunda-bpm-examples/spin/dataformat-configuration-global/src/main/resources/testProcess.bpmn",
     "unsupported-script", "ScriptTask_1"),
    ("camunda-bpm-examples/spin/dataformat-configuration-in-process-application/src/main/resources/"
     "testProcess.bpmn", "unsupported-script", "ScriptTask_1"),
    # A decision requirements graph: 'dish' and 'beverages' in one file. SpiffWorkflow
    # reads one decision per .dmn file and no required decisions.
    ("camunda-bpm-examples/dmn-engine/dmn-engine-drg/src/main/resources/org/camunda/bpm/example/drg/"
     "dinnerDecisions.dmn", "several-decisions", "dish"),
}


def corpus_files() -> dict[str, bytes]:
    found = {}
    for folder, _, names in os.walk(CORPUS):
        for name in names:
            if name.endswith((".bpmn", ".dmn")):
                path = Path(folder) / name
                found[str(path.relative_to(CORPUS))] = path.read_bytes()
    return found


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not mounted")
def test_corpus_lints_without_unexpected_errors():
    files = corpus_files()
    assert len(files) > 70
    # Each file is linted alone, with the rest of the corpus as "already deployed", so
    # that call activities and decisions in sibling files resolve.
    processes, decisions = set(), set()
    for name, data in files.items():
        root = parse_safely(name, data).getroot()
        if is_dmn(root):
            decisions |= {i for i, _ in decision_ids(root)}
        else:
            processes |= {p.get("id") for p in BpmnDocument(name, root.getroottree()).processes}
    ctx = LintContext(known_process_ids=processes, known_decision_ids=decisions)
    errors = {(p.file, p.code, p.element_id) for name, data in files.items()
              for p in lint_files({name: data}, ctx) if p.severity == "error"}
    assert errors == CORPUS_ERRORS


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not mounted")
def test_spiff_cases_lint_as_deployments():
    """Each behavioural case names the files it deploys together; no outside ids needed."""
    folder = CORPUS / "spiffworkflow-camunda"
    for case in json.loads((folder / "cases.json").read_text()):
        # Names may be globs ("call_activity_with_message*.bpmn").
        files = {str(path.relative_to(folder)): path.read_bytes()
                 for pattern in case["bpmn"] + case.get("dmn", []) for path in folder.glob(pattern)}
        assert files, case["id"]
        assert [p for p in lint_files(files, LintContext()) if p.severity == "error"] == [], case["id"]
