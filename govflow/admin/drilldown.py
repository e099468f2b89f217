"""Loop counts and call activities for the admin instance page's diagrams.

Read from the BPMN XML and the platform's audit rows, never from the engine state:
history compaction (engine/compaction.py) drops finished engine tasks, while
``instance_events`` keeps every round a step ran.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from lxml import etree
from sqlalchemy import select

from ..definitions.models import DeploymentFile, ProcessDefinition
from ..errors import NotFound
from ..extensions import db

_B = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
#: How deep call activities are followed (a process may call itself).
MAX_DEPTH = 8


@dataclass(frozen=True)
class CallActivity:
    element_id: str
    name: str
    called_process: str


@dataclass(frozen=True)
class ProcessSource:
    """One process of a BPMN file: its file, its call activities, its element ids."""
    file_id: int
    process_id: str
    name: str
    calls: tuple[CallActivity, ...]
    element_ids: frozenset[str]
    #: (element id, name) of the named elements, for showing step ids as names.
    element_names: tuple[tuple[str, str], ...] = ()


def loop_rounds(events) -> dict[str, int]:
    """Element id → how many rounds it ran, for elements that ran more than once.

    A round is a ``task_created`` not directly after another one of the same
    element: the parallel tasks of a multi-instance step are created together
    and are one round, a 退回 loop always completes the step in between.
    """
    rounds: Counter[str] = Counter()
    previous = None
    for event in events:
        key = (event.kind, event.element_id)
        if event.kind == "task_created" and event.element_id and key != previous:
            rounds[event.element_id] += 1
        previous = key
    return {element: n for element, n in sorted(rounds.items()) if n > 1}


def process_source(definition: ProcessDefinition) -> ProcessSource:
    """The instance's own process."""
    source = _parse(definition.file_id, definition.key)
    if source is None:  # the file it was deployed from defines it
        raise NotFound(f"process '{definition.key}' is missing from its deployment file")
    return source


def find_call(definition: ProcessDefinition, element_id: str) -> tuple[CallActivity, ProcessSource]:
    """The call activity ``element_id`` of the instance's process or of a process it
    calls (breadth first), and the source of the process it calls.

    Raises NotFound naming the element when there is no such call activity or the
    called process's file cannot be found."""
    seen, level = set(), [process_source(definition)]
    for _ in range(MAX_DEPTH):
        following = []
        for source in level:
            for call in source.calls:
                if call.element_id == element_id:
                    return call, called_source(definition, call)
                if call.called_process not in seen:
                    seen.add(call.called_process)
                    try:
                        following.append(called_source(definition, call))
                    except NotFound:
                        continue
        level = following
    raise NotFound(f"'{element_id}' is not a call activity of this process",
                   {"element_id": [f"no call activity '{element_id}'"]})


def called_source(definition: ProcessDefinition, call: CallActivity) -> ProcessSource:
    """The file the called process came from when ``definition`` was deployed: its own
    deployment's, else the newest earlier one (what the deployment's library held)."""
    needle = f'id="{call.called_process}"'
    rows = list(db.session.execute(
        select(DeploymentFile.id, DeploymentFile.deployment_id)
        .where(DeploymentFile.kind == "bpmn", DeploymentFile.deployment_id <= definition.deployment_id,
               DeploymentFile.content.contains(needle, autoescape=True))
        .order_by(DeploymentFile.id.desc())).all())
    rows.sort(key=lambda r: r.deployment_id != definition.deployment_id)  # own deployment first (stable)
    for file_id, _deployment in rows:
        source = _parse(file_id, call.called_process)
        if source is not None:
            return source
    raise NotFound(f"the process '{call.called_process}' called by '{call.element_id}' is not deployed",
                   {"element_id": [f"called process '{call.called_process}' not found"]})


def source_xml(source: ProcessSource) -> str:
    return db.session.get_one(DeploymentFile, source.file_id).content


@lru_cache(maxsize=256)
def _parse_cached(file_id: int, process_id: str, text: str) -> ProcessSource | None:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    root = etree.fromstring(text.encode("utf-8"), parser)
    processes = [p for p in root.iter(_B + "process") if p.get("id") == process_id]
    collaboration = next((c for c in root.iter(_B + "collaboration") if c.get("id") == process_id), None)
    if not processes and collaboration is not None:
        # A collaboration is deployed under its own id and runs all its pools' processes.
        processes, name = list(root.iter(_B + "process")), collaboration.get("name")
    elif processes:
        name = processes[0].get("name")
    else:
        return None
    elements = [el for p in processes for el in p.iter() if isinstance(el.tag, str) and el.get("id")]
    calls = tuple(CallActivity(el.get("id"), el.get("name") or el.get("id"), el.get("calledElement"))
                  for el in elements if el.tag == _B + "callActivity" and el.get("calledElement"))
    ids = frozenset(el.get("id") for el in elements)
    if collaboration is not None:  # pools and message flows are drawn too
        ids |= {el.get("id") for el in collaboration.iter() if isinstance(el.tag, str) and el.get("id")}
    names = tuple((el.get("id"), el.get("name")) for el in elements if el.get("name"))
    return ProcessSource(file_id, process_id, name or process_id, calls, ids, names)


def _parse(file_id: int, process_id: str) -> ProcessSource | None:
    # Files never change once stored, so their id is a sufficient cache key with the text.
    return _parse_cached(file_id, process_id, db.session.get_one(DeploymentFile, file_id).content)
