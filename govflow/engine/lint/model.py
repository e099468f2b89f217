"""The lint vocabulary: problems, the context a deployment is checked in, XML names.

Everything here is plain data and small helpers shared by the rule modules; no rule
lives in this file.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from lxml import etree

ERROR = "error"
WARNING = "warning"

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
# DMN 1.1 to 1.5 each have their own namespace; all live under this prefix.
_DMN_NS = re.compile(r"^https?://www\.omg\.org/spec/DMN/")
# ``${…}`` (immediate) and ``#{…}`` (deferred) JUEL, anywhere in a value: a composite
# such as ``P${days}D`` is an expression too.
_JUEL = re.compile(r"[$#]\{")


@dataclass(frozen=True)
class Problem:
    """One finding about one file.

    ``code`` is stable and meant for machines (the designer UI keys help texts on it);
    ``message`` is a sentence for people that names the element. ``line`` is the line of
    the element (or of its offending child) in the uploaded file.
    """

    severity: str
    code: str
    message: str
    file: str
    element_id: str | None = None
    line: int | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.severity} [{self.code}] {self.message}"


@dataclass
class LintContext:
    """What a deployment is checked against.

    A registry left as ``None`` switches its check off (e.g. the corpus tests, or a
    designer validating a draft before the forms exist). ``juel_translate`` receives the
    complete expression text as written (``${amount > 1000}``, or a composite such as
    ``P${days}D``) and must raise with a readable message when it cannot translate it.
    """

    roles: set[str] | None = None
    form_keys: set[str] | None = None
    handlers: set[str] | None = None
    known_process_ids: set[str] = field(default_factory=set)
    known_decision_ids: set[str] = field(default_factory=set)
    juel_translate: Callable[[str], str] | None = None
    #: ``check(source, mode)`` raising when the sandbox would refuse the code
    #: (mode "eval" or "exec"), so unsafe scripts are refused at deployment.
    sandbox_check: Callable[[str, str], None] | None = None
    max_bytes: int = 2_000_000
    max_elements: int = 20_000
    max_depth: int = 60


class LintFailed(Exception):
    """Raised when a file cannot even be parsed safely; carries the problems."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__("; ".join(p.message for p in self.problems))


def bpmn(local_name: str) -> str:
    return f"{{{BPMN_NS}}}{local_name}"


def camunda(local_name: str) -> str:
    return f"{{{CAMUNDA_NS}}}{local_name}"


def local(el) -> str:
    # Comments and processing instructions sit among the elements; they have no name.
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def namespace(el) -> str:
    return (etree.QName(el).namespace or "") if isinstance(el.tag, str) else ""


def is_bpmn(el) -> bool:
    return namespace(el) == BPMN_NS


def is_dmn(el) -> bool:
    return bool(_DMN_NS.match(namespace(el)))


def has_document_id(el) -> bool:
    """Whether an element's ``id`` is a document id that must be unique and can be referred to.

    Only the OMG namespaces (BPMN, BPMN DI, DMN …) define ids so; extensions use the
    attribute as they please (``camunda:property id="description"`` names a property
    and repeats across form fields).
    """
    return namespace(el).split("://", 1)[-1].startswith("www.omg.org/spec/")


def is_juel(text: str | None) -> bool:
    return bool(text and _JUEL.search(text))


def ref(value: str | None) -> str | None:
    """An id reference without a QName prefix (``tns:Message_1`` → ``Message_1``).

    Ids are NCNames and cannot contain a colon, so the part after it is the id.
    """
    if value is None:
        return None
    value = value.strip()
    return value.rsplit(":", 1)[-1] if value else None


def split_list(value: str | None) -> list[str]:
    """Entries of a comma-separated Camunda list, keeping commas inside ``${…}`` intact."""
    if not value:
        return []
    current: list[str]
    entries, current, depth = [], [], 0
    for char in value:
        if char == "{":
            depth += 1
        elif char == "}" and depth:
            depth -= 1
        if char == "," and depth == 0:
            entries.append("".join(current))
            current = []
        else:
            current.append(char)
    entries.append("".join(current))
    return [entry.strip() for entry in entries if entry.strip()]


def text_of(el) -> str:
    return "".join(el.itertext()).strip() if el is not None else ""


def describe(el) -> str:
    """How a message names an element: ``userTask 'verify'``.

    Sequence flows may legally lack an id, so they are named by their ends instead.
    """
    el_id = el.get("id")
    if el_id:
        return f"{local(el)} '{el_id}'"
    if local(el) == "sequenceFlow":
        return f"sequenceFlow from '{el.get('sourceRef')}' to '{el.get('targetRef')}'"
    return f"{local(el)} at line {el.sourceline}"


class Findings:
    """Collects the problems of one file; rules call :meth:`error` and :meth:`warning`.

    ``subject`` is the element the problem is about (its id goes into the problem),
    ``at`` the element whose line is reported when that is a child of the subject
    (a ``conditionExpression`` inside a ``sequenceFlow``).
    """

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def add(self, severity: str, code: str, message: str, subject=None, at=None,
            line: int | None = None) -> None:
        element_id = subject.get("id") if subject is not None else None
        if line is None:
            source = at if at is not None else subject
            line = source.sourceline if source is not None else None
        self.problems.append(Problem(severity, code, message, self.file, element_id or None, line))

    def error(self, code: str, message: str, subject=None, at=None, line: int | None = None) -> None:
        self.add(ERROR, code, message, subject, at, line)

    def warning(self, code: str, message: str, subject=None, at=None, line: int | None = None) -> None:
        self.add(WARNING, code, message, subject, at, line)
