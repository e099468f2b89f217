"""Automatic BPMN DI layout for GovFlow process files.

``layout(tree)`` (re)draws the diagram of a parsed BPMN file, ``check_di(tree)``
lists what is missing or overlapping in a diagram, ``main`` is the command line.
See ``scripts/bpmn_layout.py`` for usage.
"""
from __future__ import annotations

from .check import check_di
from .di import ensure_pools, write_di
from .diagram import place_all
from .model import q, read_model

__all__ = ["layout", "check_di", "main"]


def layout(tree) -> None:
    """Replace the DI of ``tree`` (ElementTree or root element) by a fresh layout, in place.

    The semantic part is left alone with one exception: a process with lanes that
    no participant names gets a one-participant collaboration, because bpmn-js
    draws lanes only inside a pool. Processes no pool shows get diagrams of their
    own. Raises ValueError when the root is not ``bpmn:definitions``.
    """
    root = tree.getroot() if hasattr(tree, "getroot") else tree
    if root.tag != q("definitions"):
        raise ValueError(f"not a BPMN 2.0 definitions document: {root.tag}")
    model = read_model(root)
    if ensure_pools(root, model):
        model = read_model(root)
    write_di(root, model, place_all(model))


def main(argv=None) -> int:
    from .cli import main as cli_main
    return cli_main(argv)
