#!/usr/bin/env python3
"""Lay out BPMN diagrams: ``python scripts/bpmn_layout.py [--check] FILE.bpmn [FILE...]``.

Rewrites the BPMN DI (BPMNDiagram/BPMNPlane/BPMNShape/BPMNEdge) of each file in
place so that it opens cleanly in bpmn-js / Camunda Modeler; ``--check`` only
reports what is missing or overlapping and exits 1 if anything is.

Also importable (e.g. via importlib from this path): ``layout(tree) -> None`` and
``check_di(tree) -> list[str]``. The implementation is the ``bpmn_layout/`` package
next to this file.
"""
import importlib.util
import sys
from pathlib import Path

_NAME = "_govflow_bpmn_layout"   # private name: this script may itself be imported as "bpmn_layout"
if _NAME not in sys.modules:
    _pkg = Path(__file__).resolve().with_name("bpmn_layout")
    _spec = importlib.util.spec_from_file_location(_NAME, _pkg / "__init__.py",
                                                   submodule_search_locations=[str(_pkg)])
    sys.modules[_NAME] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules[_NAME])

layout = sys.modules[_NAME].layout
check_di = sys.modules[_NAME].check_di
main = sys.modules[_NAME].main

if __name__ == "__main__":
    sys.exit(main())
