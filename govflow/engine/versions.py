"""Versions by key: which process a call activity calls, and which files a deployment
is parsed with.

Camunda keeps every version of a process or decision key, whatever file it came from;
a call activity calls the latest version unless ``camunda:calledElementBinding`` says
``deployment`` (the process deployed together with the caller) or ``version`` (the
version in ``camunda:calledElementVersion``). A bundle embeds the specs it calls, so
the binding is resolved when the caller is deployed: ``latest`` means the latest
version at that moment.

SpiffWorkflow's parser knows one process per id. The deployment's own files therefore
come first, a pinned version is parsed under its own name (:func:`pinned_name`), and
every later file loses the processes and decisions an earlier one already defines.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_CAMUNDA = "{http://camunda.org/schema/1.0/bpmn}"
BINDINGS = ("latest", "deployment", "version")
_PROCESS_IDS = re.compile(rb'<(?:\w+:)?process\b[^>]*?\bid="([^"]+)"')
_DECISION_IDS = re.compile(rb'<(?:\w+:)?decision\b[^>]*?\bid="([^"]+)"')


@dataclass(frozen=True)
class CalledVersion:
    """A call activity pinned to one version of the process it calls."""
    file: str
    element_id: str
    line: int | None
    key: str
    version: int


def pinned_name(key: str, version: int) -> str:
    """The name a pinned version is parsed under, beside the latest one of its key."""
    return f"{key}@{version}"


def process_keys(data: bytes) -> list[str]:
    return [m.decode() for m in _PROCESS_IDS.findall(data)]


def decision_keys(data: bytes) -> list[str]:
    return [m.decode() for m in _DECISION_IDS.findall(data)]


def binding_of(call_activity) -> tuple[str, str | None]:
    """(binding, version text) of a call activity; ``latest`` when none is written."""
    binding = (call_activity.get(_CAMUNDA + "calledElementBinding") or "latest").strip()
    return binding, (call_activity.get(_CAMUNDA + "calledElementVersion") or "").strip() or None


def pinned_calls(files: dict[str, bytes], parse) -> list[CalledVersion]:
    """Call activities of ``files`` bound to a literal version (the lint checks the rest)."""
    found = []
    for name, data in files.items():
        root = parse(data)
        for call in root.iter(f"{{{BPMN_NS}}}callActivity"):
            binding, version = binding_of(call)
            called = (call.get("calledElement") or "").strip()
            if binding == "version" and version and version.isdigit() and called:
                found.append(CalledVersion(name, call.get("id"), call.sourceline, called, int(version)))
    return found


def pin_calls(root) -> None:
    """Point version-bound call activities of one of the deployment's own trees at the
    pinned process names."""
    for call in root.iter(f"{{{BPMN_NS}}}callActivity"):
        binding, version = binding_of(call)
        if binding == "version" and version and version.isdigit():
            call.set("calledElement", pinned_name(call.get("calledElement", "").strip(), int(version)))


def pinned_tree(root, key: str, version: int):
    """The file of an old version cut down to that one process, renamed."""
    for process in list(root.iter(f"{{{BPMN_NS}}}process")):
        if process.get("id") == key:
            process.set("id", pinned_name(key, version))
        else:
            process.getparent().remove(process)
    _drop(root, f"{{{BPMN_NS}}}collaboration")
    return root


def drop_defined(root, seen: set[str]) -> bool:
    """Remove processes and decisions of ``root`` already defined by an earlier file.

    Returns whether anything is left that the parser should read. The ids left
    join ``seen``.
    """
    kept, removed = False, False
    for tag in ("process", "decision"):
        for element in list(root.iter(etree.Element)):
            if etree.QName(element).localname != tag:
                continue
            if element.get("id") in seen:
                element.getparent().remove(element)
                removed = True
            else:
                seen.add(element.get("id"))
                kept = True
    if removed:
        # A collaboration of the library is never started from here, and one whose
        # pools were removed would not parse.
        _drop(root, f"{{{BPMN_NS}}}collaboration")
    return kept


def _drop(root, tag: str) -> None:
    for element in list(root.iter(tag)):
        element.getparent().remove(element)
