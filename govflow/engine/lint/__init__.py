"""The validation a deployment goes through before anything is stored.

Works on the raw bytes of ``.bpmn`` and ``.dmn`` files, independently of SpiffWorkflow,
so that a designer gets every problem at once, each naming the element id and line,
instead of the engine's first exception. A deployment may be stored when
:func:`lint_files` returns no problem of severity ``"error"``; warnings are shown to
the designer and do not block.

Rules live by concern: :mod:`.safety` (hostile XML), :mod:`.structure` (ids,
references, processes), :mod:`.camunda` (roles, forms, handlers), :mod:`.expressions`
and :mod:`.timers` (JUEL, Python, timers, multi-instance), :mod:`.graph`
(reachability, dead ends, gateways), :mod:`.dmn` (decision tables). :data:`CODES`
lists every problem code with its severity and meaning.
"""
from __future__ import annotations

from .camunda import check_camunda, class_candidates, handler_reference
from .codes import CODES
from .dmn import check_dmn, decision_ids
from .document import BpmnDocument
from .expressions import check_expressions
from .graph import check_graph
from .model import ERROR, WARNING, Findings, LintContext, LintFailed, Problem, is_dmn
from .safety import parse_safely
from .structure import check_calls, check_flow_lists, check_ids, check_processes, check_references

__all__ = ["CODES", "ERROR", "WARNING", "LintContext", "LintFailed", "Problem", "class_candidates", "handler_reference",
           "lint_files", "parse_safely"]


def lint_files(files: dict[str, bytes], ctx: LintContext | None = None) -> list[Problem]:
    """Lint the files of one deployment together.

    ``files`` maps a file name (used in every problem) to its raw bytes; BPMN and DMN
    are told apart by their root element, not their name. Call activities and
    business rule tasks resolve against the processes and decisions of all the files
    plus ``ctx.known_process_ids``/``ctx.known_decision_ids``. A file that cannot be
    parsed safely contributes its one problem and is not looked at further.

    Returns the problems ordered by file and line. Never raises for bad input.
    """
    ctx = ctx or LintContext()
    problems: list[Problem] = []
    documents: list[BpmnDocument] = []
    dmn_roots = []
    for name in sorted(files):
        try:
            tree = parse_safely(name, files[name], ctx)
        except LintFailed as exc:
            problems.extend(exc.problems)
            continue
        if is_dmn(tree.getroot()):
            dmn_roots.append((name, tree.getroot()))
        else:
            documents.append(BpmnDocument(name, tree))

    process_ids = _deployment_ids(
        "process", [(doc.name, [(p.get("id"), p) for p in doc.processes if p.get("id")]) for doc in documents],
        problems)
    decisions = _deployment_ids("decision", [(name, decision_ids(root)) for name, root in dmn_roots], problems)

    for doc in documents:
        findings = Findings(doc.name)
        check_ids(doc.elements, findings)
        check_references(doc, findings)
        check_flow_lists(doc, findings)
        check_processes(doc, findings)
        check_calls(doc, process_ids, decisions, ctx, findings)
        check_camunda(doc, ctx, findings)
        check_expressions(doc, ctx, findings)
        check_graph(doc, findings)
        problems.extend(findings.problems)
    for name, root in dmn_roots:
        findings = Findings(name)
        check_dmn(root, findings)
        problems.extend(findings.problems)
    return sorted(problems, key=lambda p: (p.file, p.line or 0))


def _deployment_ids(kind: str, per_file, problems: list[Problem]) -> set[str]:
    """Ids of ``kind`` across the deployment; the same id in two files is an error.

    Repeats within one file are already reported as ``duplicate-id``.
    """
    seen: dict[str, tuple[str, int | None]] = {}
    for name, entries in per_file:
        for el_id, el in entries:
            if el_id in seen and seen[el_id][0] != name:
                first_file, first_line = seen[el_id]
                problems.append(Problem(
                    ERROR, f"duplicate-{kind}-id",
                    f"{kind} id '{el_id}' is defined in {first_file} (line {first_line}) and again in {name}; "
                    "one deployment can hold each only once", name, el_id, el.sourceline))
            seen.setdefault(el_id, (name, el.sourceline))
    return set(seen)
