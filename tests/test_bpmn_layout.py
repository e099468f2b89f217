"""scripts/bpmn_layout.py: diagrams drawn from the semantic part alone are complete and readable."""
from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path

import pytest
from lxml import etree

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "bpmn_layout.py"
_spec = importlib.util.spec_from_file_location("bpmn_layout_script", SCRIPT)
bl = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bl)

from tests.conftest import CORPUS as SHARED  # noqa: E402

CORPUS = SHARED
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NS = {"bpmn": BPMN, "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC", "di": "http://www.omg.org/spec/DD/20100524/DI"}


def doc(body: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<bpmn:definitions xmlns:bpmn="{BPMN}" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"'
            ' id="defs" targetNamespace="http://govflow.test">\n' + body + "</bpmn:definitions>\n")


def proc(body: str, pid: str = "p", name: str = "社区流程") -> str:
    return f'  <bpmn:process id="{pid}" name="{name}" isExecutable="true">\n{body}  </bpmn:process>\n'


def nodes(spec: str) -> str:
    """'startEvent:s userTask:a' -> one element per line."""
    return "".join(f'    <bpmn:{kind} id="{nid}" name="节点{nid}"/>\n'
                   for kind, nid in (item.split(":") for item in spec.split()))


def flows(spec: str) -> str:
    """'s-a a-b' -> sequence flows f_s_a, f_a_b."""
    return "".join(f'    <bpmn:sequenceFlow id="f_{a}_{b}" sourceRef="{a}" targetRef="{b}"/>\n'
                   for a, b in (pair.split("-") for pair in spec.split()))


SAMPLES = {
    "sequence": doc(proc(nodes("startEvent:s userTask:a serviceTask:b endEvent:e") + flows("s-a a-b b-e"))),
    "loop": doc(proc(nodes("startEvent:s userTask:a exclusiveGateway:g endEvent:e") + flows("s-a a-g g-a g-e"))),
    "parallel": doc(proc(nodes("startEvent:s parallelGateway:fork userTask:a userTask:b userTask:c "
                               "parallelGateway:join endEvent:e")
                         + flows("s-fork fork-a fork-b fork-c a-join b-join c-join join-e"))),
    "lanes": doc(proc(
        '    <bpmn:laneSet id="ls">\n'
        '      <bpmn:lane id="grid" name="网格员"><bpmn:flowNodeRef>s</bpmn:flowNodeRef>'
        '<bpmn:flowNodeRef>a</bpmn:flowNodeRef><bpmn:flowNodeRef>e</bpmn:flowNodeRef></bpmn:lane>\n'
        '      <bpmn:lane id="street" name="街道"><bpmn:flowNodeRef>b</bpmn:flowNodeRef>'
        '<bpmn:flowNodeRef>g</bpmn:flowNodeRef></bpmn:lane>\n'
        '    </bpmn:laneSet>\n'
        + nodes("startEvent:s userTask:a userTask:b exclusiveGateway:g endEvent:e")
        + flows("s-a a-b b-g g-a g-e"))),
    "boundary": doc(proc(
        nodes("startEvent:s userTask:a endEvent:e serviceTask:remind endEvent:e2 userTask:esc endEvent:e3")
        + '    <bpmn:boundaryEvent id="late" name="超时" attachedToRef="a">'
          '<bpmn:timerEventDefinition><bpmn:timeDuration>PT2H</bpmn:timeDuration></bpmn:timerEventDefinition>'
          '</bpmn:boundaryEvent>\n'
        + '    <bpmn:boundaryEvent id="nudge" attachedToRef="a" cancelActivity="false">'
          '<bpmn:timerEventDefinition><bpmn:timeCycle>R3/PT30M</bpmn:timeCycle></bpmn:timerEventDefinition>'
          '</bpmn:boundaryEvent>\n'
        + flows("s-a a-e nudge-remind remind-e2 late-esc esc-e3"))),
    "subprocess": doc(proc(
        nodes("startEvent:s endEvent:e userTask:handler endEvent:e3")
        + '    <bpmn:subProcess id="sub" name="办理">\n'
        + nodes("startEvent:s2 userTask:x userTask:y endEvent:e2").replace("    <", "      <")
        + flows("s2-x x-y y-e2").replace("    <", "      <")
        + '    </bpmn:subProcess>\n'
        + '    <bpmn:boundaryEvent id="err" attachedToRef="sub"><bpmn:errorEventDefinition/></bpmn:boundaryEvent>\n'
        + flows("s-sub sub-e err-handler handler-e3"))),
    "collaboration": doc(
        '  <bpmn:collaboration id="collab">\n'
        '    <bpmn:participant id="P1" name="居民" processRef="p1"/>\n'
        '    <bpmn:participant id="P2" name="社区" processRef="p2"/>\n'
        '    <bpmn:participant id="P3" name="外部系统"/>\n'
        '    <bpmn:messageFlow id="m1" sourceRef="send" targetRef="s2"/>\n'
        '    <bpmn:messageFlow id="m2" sourceRef="e2" targetRef="P3"/>\n'
        '  </bpmn:collaboration>\n'
        + proc(nodes("startEvent:s1 endEvent:e1") + flows("s1-send send-e1")
               + '    <bpmn:sendTask id="send" name="发送"><bpmn:dataOutputAssociation id="out1">'
                 '<bpmn:targetRef>form</bpmn:targetRef></bpmn:dataOutputAssociation></bpmn:sendTask>\n'
                 '    <bpmn:textAnnotation id="note"><bpmn:text>说明</bpmn:text></bpmn:textAnnotation>\n'
                 '    <bpmn:association id="as1" sourceRef="send" targetRef="note"/>\n'
                 '    <bpmn:dataObjectReference id="form" dataObjectRef="do1"/>\n'
                 '    <bpmn:dataObject id="do1"/>\n'
                 '    <bpmn:dataStoreReference id="archive"/>\n', pid="p1")
        + proc(nodes("startEvent:s2 userTask:t2 endEvent:e2") + flows("s2-t2 t2-e2"), pid="p2")),
    # Nested lanes, an event subprocess, a message out of a subprocess, and a process
    # that no participant names (drawn in a diagram of its own, not added to a pool).
    "pools": doc(
        '  <bpmn:collaboration id="collab">\n'
        '    <bpmn:participant id="PA" name="街道" processRef="pa"/>\n'
        '    <bpmn:participant id="PB" name="居民" processRef="pb"/>\n'
        '    <bpmn:messageFlow id="m1" sourceRef="notify" targetRef="rs"/>\n'
        '  </bpmn:collaboration>\n'
        + proc('    <bpmn:laneSet id="ls"><bpmn:lane id="party" name="党工委"><bpmn:childLaneSet id="cls">'
               '<bpmn:lane id="sec" name="书记"><bpmn:flowNodeRef>s</bpmn:flowNodeRef>'
               '<bpmn:flowNodeRef>sub</bpmn:flowNodeRef></bpmn:lane>'
               '<bpmn:lane id="member" name="委员"><bpmn:flowNodeRef>review</bpmn:flowNodeRef></bpmn:lane>'
               '</bpmn:childLaneSet></bpmn:lane>'
               '<bpmn:lane id="office" name="办公室"><bpmn:flowNodeRef>file</bpmn:flowNodeRef>'
               '<bpmn:flowNodeRef>e</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>\n'
               + nodes("startEvent:s userTask:review userTask:file endEvent:e")
               + '    <bpmn:subProcess id="sub" name="调查">\n'
               + nodes("startEvent:is sendTask:notify endEvent:ie").replace("    <", "      <")
               + flows("is-notify notify-ie").replace("    <", "      <") + '    </bpmn:subProcess>\n'
               + '    <bpmn:subProcess id="cancel" name="撤销" triggeredByEvent="true">\n'
               + nodes("startEvent:cs endEvent:ce").replace("    <", "      <")
               + flows("cs-ce").replace("    <", "      <") + '    </bpmn:subProcess>\n'
               + flows("s-sub sub-review review-file file-e review-sub"), pid="pa")
        + proc(nodes("startEvent:rs task:rt endEvent:re") + flows("rs-rt rt-re"), pid="pb", name="居民")
        + proc(nodes("startEvent:qs task:qt endEvent:qe") + flows("qs-qt qt-qe"), pid="pc", name="归档")),
    "two_processes": doc(proc(nodes("startEvent:s task:a endEvent:e") + flows("s-a a-e"), pid="p1")
                         + proc(nodes("startEvent:s2 task:b endEvent:e2") + flows("s2-b b-e2"), pid="p2")),
}
ADDED = {   # what the layout adds besides diagrams: a pool for lanes that had none
    "lanes": r"  <bpmn:collaboration .*?</bpmn:collaboration>\n",
}


def parse(text: str):
    return etree.fromstring(text.encode("utf-8"))


def shapes(root) -> dict:
    out = {}
    for sh in root.iterfind(".//bpmndi:BPMNShape", NS):
        b = sh.find("dc:Bounds", NS)
        out[sh.get("bpmnElement")] = tuple(int(b.get(k)) for k in ("x", "y", "width", "height"))
    return out


def waypoints(root) -> dict:
    return {e.get("bpmnElement"): [(int(p.get("x")), int(p.get("y"))) for p in e.iterfind("di:waypoint", NS)]
            for e in root.iterfind(".//bpmndi:BPMNEdge", NS)}


def center(box):
    return box[0] + box[2] // 2, box[1] + box[3] // 2


def strip_di(text: str) -> str:
    return re.sub(r"\s*<bpmndi:BPMNDiagram\b.*?</bpmndi:BPMNDiagram>", "", text, flags=re.S)


def crossings(root) -> list[str]:
    """Sequence-flow segments that are not orthogonal or pass through a shape they do not connect."""
    ids = {el.get("id"): el for el in root.iter() if el.get("id")}
    found = []
    for diagram in root.iterfind("bpmndi:BPMNDiagram", NS):
        obstacles = {k: v for k, v in shapes(diagram).items()
                     if etree.QName(ids[k]).localname not in ("participant", "lane")}
        for fid, pts in waypoints(diagram).items():
            flow = ids[fid]
            if etree.QName(flow).localname != "sequenceFlow":
                continue
            skip = {flow.get("sourceRef"), flow.get("targetRef"), ids[flow.get("sourceRef")].get("attachedToRef")}
            skip |= {a.get("id") for a in flow.iterancestors()}
            for (x1, y1), (x2, y2) in zip(pts, pts[1:]):
                if x1 != x2 and y1 != y2:
                    found.append(f"{fid}: diagonal segment")
                for key, (bx, by, bw, bh) in obstacles.items():
                    if key not in skip and (min(x1, x2) < bx + bw - 3 and max(x1, x2) > bx + 3
                                            and min(y1, y2) < by + bh - 3 and max(y1, y2) > by + 3):
                        found.append(f"{fid} crosses {key}")
    return found


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_layout_draws_every_element_without_crossing_shapes(name):
    root = parse(SAMPLES[name])
    assert bl.check_di(root) != []          # nothing drawn yet
    bl.layout(root)
    assert bl.check_di(root) == []
    assert crossings(root) == []


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_cli_is_deterministic_idempotent_and_touches_only_the_diagram(name, tmp_path):
    path, other = tmp_path / f"{name}.bpmn", tmp_path / "again.bpmn"
    path.write_text(SAMPLES[name], encoding="utf-8")
    other.write_text(SAMPLES[name], encoding="utf-8")
    assert bl.main([str(path), str(other)]) == 0
    first = path.read_bytes()
    assert first == other.read_bytes()
    assert first.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert bl.main([str(path)]) == 0
    assert path.read_bytes() == first
    semantic = strip_di(first.decode("utf-8"))
    if name in ADDED:
        semantic, count = re.subn(ADDED[name], "", semantic, flags=re.S)
        assert count == 1
    assert semantic == SAMPLES[name]


def test_sequence_is_one_straight_row():
    root = parse(SAMPLES["sequence"])
    bl.layout(root)
    box, wp = shapes(root), waypoints(root)
    assert len({center(box[n])[1] for n in "sabe"}) == 1
    assert box["s"][0] < box["a"][0] < box["b"][0] < box["e"][0]
    for a, b in ("sa", "ab", "be"):
        assert wp[f"f_{a}_{b}"] == [(box[a][0] + box[a][2], center(box[a])[1]), (box[b][0], center(box[b])[1])]
    assert (box["a"][2], box["a"][3], box["s"][2], box["s"][3]) == (100, 80, 36, 36)


def test_loop_back_edge_runs_below_the_nodes():
    root = parse(SAMPLES["loop"])
    bl.layout(root)
    box, back = shapes(root), waypoints(root)["f_g_a"]
    assert back[0][0] == box["g"][0] + box["g"][2]                 # leaves the gateway's right side
    assert back[-1] == (box["a"][0], center(box["a"])[1])          # enters the task from the left
    assert max(y for _, y in back) > max(b[1] + b[3] for b in box.values())
    assert box["a"][0] < box["g"][0] < box["e"][0]


def test_parallel_branches_share_a_column_and_the_join_lines_up_with_the_fork():
    root = parse(SAMPLES["parallel"])
    bl.layout(root)
    box = shapes(root)
    assert box["a"][0] == box["b"][0] == box["c"][0]
    assert len({box[n][1] for n in "abc"}) == 3
    assert center(box["fork"])[1] == center(box["join"])[1] == center(box["s"])[1]


def test_lanes_get_a_pool_and_hold_their_nodes():
    root = parse(SAMPLES["lanes"])
    bl.layout(root)
    part = root.find("bpmn:collaboration/bpmn:participant", NS)
    assert part.get("processRef") == "p" and part.get("name") == "社区流程"
    plane = root.find(".//bpmndi:BPMNPlane", NS)
    assert plane.get("bpmnElement") == root.find("bpmn:collaboration", NS).get("id")
    box = shapes(root)
    for sh in plane.iterfind("bpmndi:BPMNShape", NS):
        if sh.get("bpmnElement") in ("grid", "street", part.get("id")):
            assert sh.get("isHorizontal") == "true"
    pool, grid, street = box[part.get("id")], box["grid"], box["street"]
    assert grid[1] == pool[1] and grid[1] + grid[3] == street[1] and street[1] + street[3] == pool[1] + pool[3]
    assert grid[0] + grid[2] == street[0] + street[2] == pool[0] + pool[2]
    for lane, members in (("grid", "sae"), ("street", "bg")):
        x, y, w, h = box[lane]
        for n in members:
            cx, cy = center(box[n])
            assert x < cx < x + w and y < cy < y + h


def test_boundary_events_sit_on_the_host_bottom_and_their_flows_go_down_then_right():
    root = parse(SAMPLES["boundary"])
    bl.layout(root)
    box, wp = shapes(root), waypoints(root)
    host = box["a"]
    for b, flow, target in (("late", "f_late_esc", "esc"), ("nudge", "f_nudge_remind", "remind")):
        bx, by = center(box[b])
        assert by == host[1] + host[3] and host[0] < bx < host[0] + host[2]
        pts = wp[flow]
        assert pts[0] == (bx, box[b][1] + box[b][3]) and pts[1][0] == bx and pts[1][1] > pts[0][1]
        assert pts[-1] == (box[target][0], center(box[target])[1])
    assert abs(box["late"][0] - box["nudge"][0]) >= 36               # side by side, not stacked


def test_subprocess_is_expanded_around_its_children():
    root = parse(SAMPLES["subprocess"])
    bl.layout(root)
    box = shapes(root)
    sh = root.find(".//bpmndi:BPMNShape[@bpmnElement='sub']", NS)
    assert sh.get("isExpanded") == "true"
    sx, sy, sw, sh_ = box["sub"]
    for n in ("s2", "x", "y", "e2"):
        x, y, w, h = box[n]
        assert sx < x and x + w < sx + sw and sy < y and y + h < sy + sh_
    assert center(box["err"])[1] == sy + sh_


def test_collaboration_pools_message_flows_and_artifacts():
    root = parse(SAMPLES["collaboration"])
    bl.layout(root)
    box, wp = shapes(root), waypoints(root)
    assert {"P1", "P2", "P3", "note", "form", "archive"} <= set(box)
    assert box["P1"][1] + box["P1"][3] < box["P2"][1] < box["P3"][1]
    assert box["P1"][2] == box["P2"][2] == box["P3"][2]
    m1 = wp["m1"]
    assert m1[0] == (center(box["send"])[0], box["send"][1] + box["send"][3])
    assert m1[-1] == (center(box["s2"])[0], box["s2"][1])
    assert wp["m2"][-1][1] == box["P3"][1]
    for artifact in ("note", "form"):                                  # drawn above their task
        assert box[artifact][1] + box[artifact][3] <= box["send"][1]
        assert center(box[artifact])[0] == center(box["send"])[0]
    assert wp["out1"] == [(center(box["send"])[0], box["send"][1]),
                          (center(box["send"])[0], box["form"][1] + box["form"][3])]
    assert root.find(".//bpmndi:BPMNPlane", NS).get("bpmnElement") == "collab"


def test_pools_nested_lanes_and_event_subprocess():
    root = parse(SAMPLES["pools"])
    bl.layout(root)
    box = shapes(root)
    parts = root.findall("bpmn:collaboration/bpmn:participant", NS)
    assert [p.get("processRef") for p in parts] == ["pa", "pb"]
    planes = [p.get("bpmnElement") for p in root.iterfind(".//bpmndi:BPMNPlane", NS)]
    assert planes == ["collab", "pc"]
    party, sec, member, office = box["party"], box["sec"], box["member"], box["office"]
    assert party[1] == sec[1] and sec[1] + sec[3] == member[1] and member[1] + member[3] == party[1] + party[3]
    assert sec[0] == member[0] == party[0] + 30 and party[0] == office[0]
    cancel, sub = box["cancel"], box["sub"]
    assert sec[1] <= cancel[1] and cancel[1] + cancel[3] <= sec[1] + sec[3]
    assert cancel[0] > max(b[0] + b[2] for k, b in box.items() if k in ("sub", "review", "file", "e"))
    assert sub[1] < box["notify"][1] and box["notify"][1] + box["notify"][3] < sub[1] + sub[3]
    assert waypoints(root)["m1"][-1] == (center(box["rs"])[0], box["rs"][1])


def test_separate_processes_get_separate_diagrams_not_a_shared_pool():
    root = parse(SAMPLES["two_processes"])
    bl.layout(root)
    assert root.find("bpmn:collaboration", NS) is None
    assert [p.get("bpmnElement") for p in root.iterfind(".//bpmndi:BPMNPlane", NS)] == ["p1", "p2"]


def test_layout_does_not_change_what_govflow_deploys(tmp_path):
    # A collaboration of two executable pools deploys as one bundle starting both,
    # so the pools the layout adds must never group processes together.
    from govflow.engine.bundle import parse_bundles

    def laned(pid, a, b):
        return proc(f'    <bpmn:laneSet id="{pid}_ls"><bpmn:lane id="{pid}_l1"><bpmn:flowNodeRef>{a}</bpmn:flowNodeRef>'
                    f'</bpmn:lane><bpmn:lane id="{pid}_l2"><bpmn:flowNodeRef>{b}</bpmn:flowNodeRef></bpmn:lane>'
                    '</bpmn:laneSet>\n' + nodes(f"startEvent:{a} userTask:{b} endEvent:{b}_end")
                    + flows(f"{a}-{b} {b}-{b}_end"), pid=pid)
    text = doc(laned("p1", "s1", "t1") + laned("p2", "s2", "t2"))
    path = tmp_path / "deploy.bpmn"
    path.write_text(text, encoding="utf-8")
    before = sorted(parse_bundles({"deploy.bpmn": path.read_bytes()}))
    assert bl.main([str(path)]) == 0
    after = path.read_bytes()
    assert after.count(b"<bpmn:collaboration ") == 2
    assert sorted(parse_bundles({"deploy.bpmn": after})) == before == ["p1", "p2"]


def test_keeps_comments_entities_ids_and_colours(tmp_path):
    text = doc(
        "  <!-- 由设计人员维护 -->\n"
        + proc("    <bpmn:startEvent id='s' name=\"&#34;开始&#34;\"/>\n"
               "    <bpmn:scriptTask id=\"a\" scriptFormat=\"python\"><bpmn:script><![CDATA[x = 1 < 2]]>"
               "</bpmn:script></bpmn:scriptTask>\n" + flows("s-a"))
        + '  <bpmndi:BPMNDiagram id="Diagram_old"><bpmndi:BPMNPlane id="Plane_old" bpmnElement="p">'
          '<bpmndi:BPMNShape id="Shape_old_a" bpmnElement="a" bioc:fill="#ffcdd2" '
          'xmlns:bioc="http://bpmn.io/schema/bpmn/biocolor/1.0"><dc:Bounds x="1" y="2" width="3" height="4" '
          'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"/></bpmndi:BPMNShape>'
          '</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>\n'.replace(
              "<bpmndi:BPMNDiagram ", '<bpmndi:BPMNDiagram xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '))
    path = tmp_path / "keep.bpmn"
    path.write_text(text, encoding="utf-8")
    assert bl.main([str(path)]) == 0
    out = path.read_text(encoding="utf-8")
    assert strip_di(out) == strip_di(text)
    root = parse(out)
    assert [d.get("id") for d in root.iterfind("bpmndi:BPMNDiagram", NS)] == ["Diagram_old"]
    shape = root.find(".//bpmndi:BPMNShape[@bpmnElement='a']", NS)
    assert shape.get("id") == "Shape_old_a"
    assert shape.get("{http://bpmn.io/schema/bpmn/biocolor/1.0}fill") == "#ffcdd2"
    assert bl.check_di(root) == []


def test_check_reports_missing_dangling_and_overlapping_shapes(tmp_path, capsys):
    path = tmp_path / "bad.bpmn"
    path.write_text(SAMPLES["sequence"], encoding="utf-8")
    assert bl.main(["--check", str(path)]) == 1
    printed = capsys.readouterr().out
    assert "userTask 'a' (节点a) has no shape" in printed and "sequenceFlow 'f_s_a' has no edge" in printed
    assert bl.main([str(path)]) == 0 and bl.main(["--check", str(path)]) == 0

    root = parse(path.read_text(encoding="utf-8"))
    plane = root.find(".//bpmndi:BPMNPlane", NS)
    ghost = etree.SubElement(plane, f"{{{NS['bpmndi']}}}BPMNShape", id="ghost_di", bpmnElement="ghost")
    etree.SubElement(ghost, f"{{{NS['dc']}}}Bounds", x="0", y="0", width="10", height="10")
    a = root.find(".//bpmndi:BPMNShape[@bpmnElement='a']/dc:Bounds", NS)
    b = root.find(".//bpmndi:BPMNShape[@bpmnElement='b']/dc:Bounds", NS)
    b.set("x", str(int(a.get("x")) + 20))
    problems = bl.check_di(root)
    assert any("refers to a missing element 'ghost'" in p for p in problems)
    assert any("overlaps" in p and "'a'" in p and "'b'" in p for p in problems)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not mounted")
@pytest.mark.parametrize("rel", sorted(str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*.bpmn"))
                         if CORPUS.is_dir() else [])
def test_corpus_files_are_drawn_completely(rel, tmp_path):
    path = tmp_path / Path(rel).name
    shutil.copyfile(CORPUS / rel, path)
    assert bl.main([str(path)]) == 0
    first = path.read_bytes()
    root = etree.fromstring(first)
    assert bl.check_di(root) == []
    assert crossings(root) == []
    assert bl.main([str(path)]) == 0 and path.read_bytes() == first
