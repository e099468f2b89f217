"""Command line: lay out files in place, or only check them."""
from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from lxml import etree

from . import check_di, layout
from .model import q
from .textio import parse, rewrite

USAGE = """\
Draw (or redraw) the BPMN diagram of each FILE in place: a left-to-right layout with
pools, lanes, boundary events, expanded subprocesses and orthogonal edges that opens
in bpmn-js / Camunda Modeler. Only the BPMNDiagram is rewritten (plus a collaboration
when lanes need a pool); the rest of the file keeps its bytes."""


def main(argv=None) -> int:
    """Exit status: 0 all good, 1 some diagram has problems, 2 some file could not be read."""
    parser = argparse.ArgumentParser(prog="bpmn_layout.py", description=USAGE)
    parser.add_argument("--check", action="store_true",
                        help="do not change files; print DI problems and exit 1 if there are any")
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    args = parser.parse_args(argv)
    status = 0
    for path in args.files:
        try:
            data = path.read_bytes()
            if args.check:
                root = parse(data)
                if root.tag != q("definitions"):
                    raise ValueError(f"not a BPMN 2.0 definitions document: {root.tag}")
                problems = check_di(root)
            else:
                out = rewrite(data, layout)
                if out != data:
                    _write(path, out)
                problems = check_di(parse(out))
                if not problems:
                    print(f"{path}: {'laid out' if out != data else 'unchanged'}")
        except (OSError, etree.XMLSyntaxError, ValueError, UnicodeDecodeError) as exc:
            print(f"{path}: error: {exc}", file=sys.stderr)
            status = 2
            continue
        for problem in problems:
            print(f"{path}: {problem}")
        if problems:
            status = max(status, 1)
    return status


def _write(path: Path, data: bytes) -> None:
    # Write next to the file and rename, so an editor never sees half a diagram.
    tmp = path.with_name(f".{path.name}.layout-tmp")
    tmp.write_bytes(data)
    shutil.copymode(path, tmp)
    os.replace(tmp, path)
