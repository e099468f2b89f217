"""Our own diagrams are written as Camunda Modeler writes them: every flow node lists
its incoming and outgoing flows, and bpmnlint's recommended rules find no error."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DIAGRAMS = sorted(str(p) for p in (ROOT / "processes").glob("*.bpmn"))


def test_every_flow_node_lists_its_flows_as_modeler_does():
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "modeler_flows.py"), "--check", *DIAGRAMS],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_bpmnlint_recommended_rules_find_no_error():
    # BPMNLINT points at another installation (a worktree whose node_modules lacks it).
    linter = Path(os.environ.get("BPMNLINT") or ROOT / "node_modules" / ".bin" / "bpmnlint")
    assert linter.exists(), f"{linter} is missing: run `npm install` (bpmnlint is a devDependency)"
    done = subprocess.run([str(linter), *DIAGRAMS], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
