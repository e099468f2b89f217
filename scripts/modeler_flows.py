#!/usr/bin/env python3
"""Write the ``<bpmn:incoming>``/``<bpmn:outgoing>`` children Camunda Modeler writes:
``python scripts/modeler_flows.py [--check] FILE.bpmn [FILE...]``.

Every flow node lists the sequence flows that enter and leave it, in document order,
right after its documentation and extension elements (where the BPMN schema puts
them). Engines ignore the lists; Modeler, bpmnlint and other tools read them, and a
file without them does not look like one Modeler saved. ``--check`` only reports the
files that would change and exits 1 if any would.
"""
from __future__ import annotations

import sys
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from govflow.designer.modeler_style import add_flow_lists  # noqa: E402  (the rule lives with the designer's download)


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for name in (a for a in argv if a != "--check"):
        path = Path(name)
        tree = etree.parse(str(path))
        if add_flow_lists(tree.getroot()):
            stale.append(name)
            if not check:
                path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n'
                                + etree.tostring(tree.getroot(), encoding="unicode") + "\n", encoding="utf-8")
    for name in stale:
        print(("lacks Modeler's incoming/outgoing lists: " if check else "rewrote ") + name)
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
