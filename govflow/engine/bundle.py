"""Parse deployment files into runnable process bundles.

A bundle is one executable process with the specs of everything it calls. It is
parsed once at deployment, stored as JSON, and restored once per worker process
(see :class:`BundleCache`); instances never re-parse XML.
"""
from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.exceptions import SpiffWorkflowException

from . import continuations
from .feel import rewrite_decision_tables
from .parser import GovflowParser, form_key_of, parse_xml
from .serialization import dump_specs, load_specs
from .versions import drop_defined, pin_calls, pinned_tree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


@dataclass(frozen=True)
class ParseProblem:
    message: str
    file: str | None = None
    element_id: str | None = None
    line: int | None = None


class BundleError(Exception):
    """The files cannot be turned into runnable processes."""

    def __init__(self, problems: list[ParseProblem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


@dataclass
class ProcessBundle:
    process_id: str
    name: str
    spec: BpmnProcessSpec
    subprocess_specs: dict
    #: Message names that start this process (none for ordinary processes).
    called_ids: list[str] = field(default_factory=list)
    #: ``camunda:formKey`` of the start event: the form a start request must pass.
    start_form_key: str | None = None
    #: ``camunda:initiator``: the variable that receives the starting user's name.
    initiator: str | None = None
    #: Elements before which a step commits and the worker continues (asyncBefore/After).
    boundaries: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        continuations.hold([self.spec, *self.subprocess_specs.values()], self.boundaries)

    @functools.cached_property
    def has_external_tasks(self) -> bool:
        """Any service task here waits for an external worker (camunda:type="external")."""
        return any(getattr(t, "external", False)
                   for spec in (self.spec, *self.subprocess_specs.values()) for t in spec.task_specs.values())

    def to_json(self) -> str:
        return dump_specs(self.spec, self.subprocess_specs,
                          {"start_form_key": self.start_form_key, "initiator": self.initiator,
                           "boundaries": self.boundaries})

    @classmethod
    def from_json(cls, process_id: str, name: str, text: str) -> ProcessBundle:
        spec, subprocess_specs, meta = load_specs(text)
        return cls(process_id, name, spec, subprocess_specs, sorted(subprocess_specs),
                   meta.get("start_form_key"), meta.get("initiator"), meta.get("boundaries") or [])


def parse_bundles(files: dict[str, bytes], library: dict[str, bytes] | None = None,
                  handler_names=None, pinned: dict[tuple[str, int], bytes] | None = None
                  ) -> dict[str, ProcessBundle]:
    """Return a bundle per executable process defined in ``files``, and one per
    collaboration of ``files`` that has two or more executable participants.

    A collaboration bundle starts all its participants together in one
    instance, so their message flows are delivered inside it (a pool that
    starts with a message waits for the other pool to throw it). A collaboration
    of a single pool is only the diagram's frame around that process and gets
    no bundle of its own. When a collaboration's id is also a process id, the
    process keeps the id.

    ``library`` holds already deployed files that call activities may refer to,
    newest first; their processes are not returned, and a process or decision
    the deployment (or a newer library file) defines again is taken from there
    (see :mod:`.versions`). ``pinned`` holds, per (key, version) a call activity
    is bound to, the file of that version. Raises :class:`BundleError` naming the
    element, file and line of what the engine refuses.
    """
    parser = GovflowParser(handler_names=handler_names)
    trees: dict[str, etree._Element] = {}
    own_ids: list[str] = []
    collaborations: list[etree._Element] = []
    seen: set[str] = set()
    sources = [(name, _own_tree(data), True) for name, data in files.items()]
    sources += [(f"{key}@{version}", pinned_tree(parse_xml(data), key, version), False)
                for (key, version), data in (pinned or {}).items()]
    sources += [(name, parse_xml(data), False) for name, data in (library or {}).items()]
    for name, root, own in sources:
        trees[name] = root
        if not drop_defined(root, seen):
            continue
        try:
            if root.tag == f"{{{BPMN_NS}}}definitions":
                parser.add_bpmn_xml(etree.ElementTree(root), filename=name)
                if own:
                    own_ids += [p.get("id") for p in root.iter(f"{{{BPMN_NS}}}process")
                                if p.get("isExecutable", "true") != "false"]
                    collaborations += root.iter(f"{{{BPMN_NS}}}collaboration")
            else:
                rewrite_decision_tables(root)
                parser.add_dmn_xml(root, filename=name)
        except ValidationException as exc:
            raise BundleError([_problem(exc, trees)]) from exc
    bundles = {}
    held = continuations.boundaries(trees.values())
    for process_id in own_ids:
        try:
            spec = parser.get_spec(process_id)
            subprocess_specs = parser.get_subprocess_specs(process_id)
        except ValidationException as exc:
            raise BundleError([_problem(exc, trees)]) from exc
        except (SpiffWorkflowException, KeyError, ValueError) as exc:
            raise BundleError([ParseProblem(f"process '{process_id}': {exc}")]) from exc
        bundles[process_id] = ProcessBundle(process_id, getattr(spec, "description", None) or process_id, spec,
                                            subprocess_specs, sorted(subprocess_specs),
                                            *_start_attributes(parser, process_id), held)
    executable = set(own_ids) | {p.get("id") for root in trees.values() for p in root.iter(f"{{{BPMN_NS}}}process")
                                 if p.get("isExecutable", "true") != "false"}
    for collaboration in collaborations:
        bundle = _collaboration_bundle(parser, collaboration, executable, trees, held)
        if bundle is not None and bundle.process_id not in bundles:
            bundles[bundle.process_id] = bundle
    return bundles


def _own_tree(data: bytes):
    root = parse_xml(data)
    pin_calls(root)
    return root


def _collaboration_bundle(parser, collaboration, executable: set[str], trees,
                          held: list[str]) -> ProcessBundle | None:
    collaboration_id = collaboration.get("id")
    participants = [p.get("processRef") for p in collaboration.iter(f"{{{BPMN_NS}}}participant")]
    if not collaboration_id or len([p for p in participants if p in executable]) < 2:
        return None
    try:
        spec, subprocess_specs = parser.get_collaboration(collaboration_id)
    except ValidationException as exc:
        raise BundleError([_problem(exc, trees)]) from exc
    except (SpiffWorkflowException, KeyError, ValueError) as exc:
        raise BundleError([ParseProblem(f"collaboration '{collaboration_id}': {exc}", None, collaboration_id,
                                        collaboration.sourceline)]) from exc
    name = collaboration.get("name") or collaboration_id
    spec.description = name
    return ProcessBundle(collaboration_id, name, spec, subprocess_specs, sorted(subprocess_specs),
                         boundaries=held)


_CAMUNDA = "{http://camunda.org/schema/1.0/bpmn}"


def _start_attributes(parser, process_id) -> tuple[str | None, str | None]:
    """(formKey, initiator) of the process's plain start event, read from the XML."""
    process = parser.get_process_parser(process_id)
    node = getattr(process, "node", None)
    if node is None:
        return None, None
    for start in node.findall(f"{{{BPMN_NS}}}startEvent"):
        if len(start.findall(f"{{{BPMN_NS}}}messageEventDefinition")) == 0:
            return form_key_of(start), start.get(_CAMUNDA + "initiator")
    return None, None


def _problem(exc: ValidationException, trees) -> ParseProblem:
    line = exc.line_number or None
    element_id = getattr(exc, "id", None) or None
    root = trees.get(exc.file_name)
    if element_id and root is not None and not line:
        found = root.xpath("//*[@id=$id]", id=element_id)
        line = found[0].sourceline if found else None
    where = f"{exc.tag} '{element_id}'" if element_id else (exc.file_name or "file")
    return ParseProblem(f"{where}: {exc}", exc.file_name or None, element_id, line)


class BundleCache:
    """Restored bundles by definition id, shared by all requests of a process.

    Specs are immutable after parsing, so sharing them is safe; restoring one
    costs milliseconds, which is why it must not happen per request.
    """

    def __init__(self, capacity: int = 256):
        self._items: OrderedDict[int, ProcessBundle] = OrderedDict()
        self._lock = threading.Lock()
        self._capacity = capacity

    def get(self, key, loader) -> ProcessBundle:
        with self._lock:
            bundle = self._items.get(key)
            if bundle is not None:
                self._items.move_to_end(key)
                return bundle
        bundle = loader()
        with self._lock:
            self._items[key] = bundle
            while len(self._items) > self._capacity:
                self._items.popitem(last=False)
        return bundle
