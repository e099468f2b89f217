"""DMN decision tables: ids, hit policies and rule shapes.

FEEL cells are not validated here; the engine reads them when a decision is evaluated.
SpiffWorkflow evaluates only decision tables, and only the UNIQUE, FIRST and COLLECT
(without aggregation) hit policies mean what they say there.
"""
from __future__ import annotations

from lxml import etree

from .model import Findings, describe, is_dmn, local
from .structure import check_ids

HIT_POLICIES = {"UNIQUE", "FIRST", "PRIORITY", "ANY", "COLLECT", "RULE ORDER", "OUTPUT ORDER"}
AGGREGATIONS = {"SUM", "COUNT", "MIN", "MAX"}
_ENGINE_HIT_POLICIES = {"UNIQUE", "FIRST", "COLLECT"}


def decision_ids(root) -> list[tuple[str, etree._Element]]:
    return [(d.get("id"), d) for d in _children(root, "decision") if d.get("id")]


def check_dmn(root, findings: Findings) -> None:
    ids = {el.get("id") for el in root.iter(etree.Element) if el.get("id")}
    check_ids(root.iter(etree.Element), findings)
    for el in root.iter(etree.Element):
        href = el.get("href")
        if is_dmn(el) and href and href.startswith("#") and href[1:] not in ids:
            findings.error("dangling-reference",
                           f"{local(el)} in {describe(el.getparent())} refers to '{href}', but no element has "
                           "that id", el.getparent(), el)
    decisions = _children(root, "decision")
    # SpiffWorkflow's DMN parser reads one decision per file; the others would fail at
    # deployment with an engine message that does not name the cause.
    for extra in decisions[1:]:
        findings.error("several-decisions",
                       f"{describe(extra)} is the second decision of this file; the engine reads one decision "
                       "per .dmn file: move it into a file of its own", extra)
    for decision in decisions:
        if not (decision.get("id") or "").strip():
            findings.error("missing-id", f"decision '{decision.get('name', '')}' has no id, so no task can "
                                         "refer to it", decision)
        tables = _children(decision, "decisionTable")
        if not tables:
            findings.error("unsupported-decision",
                           f"{describe(decision)} has no decisionTable; the engine evaluates only decision "
                           "tables", decision)
        for table in tables:
            _check_table(decision, table, findings)


def _check_table(decision, table, findings: Findings) -> None:
    policy = table.get("hitPolicy", "UNIQUE").strip()
    aggregation = (table.get("aggregation") or "").strip()
    if policy not in HIT_POLICIES:
        findings.error("invalid-hit-policy",
                       f"{describe(decision)} has hitPolicy '{policy}'; DMN allows "
                       f"{', '.join(sorted(HIT_POLICIES))}", decision, table)
    elif aggregation and (policy != "COLLECT" or aggregation not in AGGREGATIONS):
        findings.error("invalid-hit-policy",
                       f"{describe(decision)} has aggregation '{aggregation}'; only COLLECT tables aggregate, "
                       f"with {', '.join(sorted(AGGREGATIONS))}", decision, table)
    elif policy not in _ENGINE_HIT_POLICIES or aggregation:
        findings.warning("unsupported-hit-policy",
                         f"{describe(decision)} has hitPolicy '{policy}{' ' + aggregation if aggregation else ''}',"
                         " which the engine evaluates like FIRST (or COLLECT without aggregation)",
                         decision, table)
    inputs, outputs = len(_children(table, "input")), len(_children(table, "output"))
    if outputs == 0:
        findings.error("rule-arity", f"{describe(decision)} has a decision table without outputs", decision, table)
    for rule in _children(table, "rule"):
        given_in, given_out = len(_children(rule, "inputEntry")), len(_children(rule, "outputEntry"))
        if given_in != inputs or given_out != outputs:
            findings.error("rule-arity",
                           f"{describe(rule)} of {describe(decision)} has {given_in} inputEntry and {given_out} "
                           f"outputEntry cells for {inputs} inputs and {outputs} outputs", decision, rule)


def _children(el, name: str) -> list:
    return [c for c in el if isinstance(c.tag, str) and is_dmn(c) and local(c) == name]
