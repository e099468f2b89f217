"""One masking rulebook (govflow/privacy/masking.py): every spelling of a phone, ID
number and the reporter's name is masked for supervisors and the public — in the
maskers, the supervisor's REST reads and exports, the public board."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from govflow.privacy.masking import Audience, board_text, mask_text, mask_variables

PHONES = ["13812345678", "138-1234-5678", "138 1234 5678", "+86 138 1234 5678", "+86-138-1234-5678",
          "8613812345678", "0086 13812345678", "(+86)138 1234 5678", "１３８１２３４５６７８", "138－1234－5678",
          "138\u30001234\u30005678", "138.1234.5678"]
LANDLINES = ["010-12345678", "(010)12345678", "010 1234 5678", "0755-87654321", "021-1234567", "+86 010 12345678"]
ID_NUMBERS = ["11010119900101123X", "110101199001011234", "11010119900101123x", "110101 19900101 123X",
              "1101-0119-9001-0112-3X", "110 101 199 001 011 23X", "１１０１０１１９９００１０１１２３Ｘ"]
NAMES = [("张三", "我是张三，电话"), ("张三", "我是张 三"), ("欧阳小明", "反映人欧阳小明称"), ("John Smith", "I am john smith")]


@pytest.mark.parametrize("phone", PHONES)
@pytest.mark.parametrize("frame", ["{}", "电话{}，谢谢", "联系:{}。", "tel{}end"])
def test_mobiles_in_any_spacing(phone, frame):
    masked = mask_text(frame.format(phone))
    assert "5678" in masked and "1234" not in masked.replace("*", "").replace("5678", ""), masked
    assert "138****5678" in masked


@pytest.mark.parametrize("number", LANDLINES)
def test_landlines(number):
    masked = mask_text(f"座机{number}")
    assert "****" in masked and "1234567" not in masked.replace("-", "").replace(" ", "")


@pytest.mark.parametrize("number", ID_NUMBERS)
def test_id_numbers_with_or_without_separators(number):
    masked = mask_text(f"身份证{number}。")
    digits = "".join(c for c in masked if c.isdigit())
    assert "19900101" not in digits and "***********" in masked, masked
    assert board_text(f"身份证{number}") == "身份证"


@pytest.mark.parametrize("name, text", NAMES)
def test_the_reporters_name_wherever_it_appears(name, text):
    masked = mask_text(text, [name])
    assert name.replace(" ", "").lower() not in masked.replace(" ", "").lower(), masked
    assert name[0] in masked.lower() or name[0].lower() in masked.lower()


def test_administrators_and_case_workers_see_all_supervisors_and_public_do_not():
    variables = {"reporter_name": "张三", "reporter_phone": "13812345678", "location": "阳光小区3栋2单元501室",
                 "description": "我是张三，电话138 1234 5678，身份证110101199001011234"}
    for audience in (Audience.ADMINISTRATOR, Audience.CASE_WORKER):
        assert mask_variables(audience, variables) == variables
    for audience in (Audience.SUPERVISOR, Audience.PUBLIC):
        masked = mask_variables(audience, variables)
        text = repr(masked)
        assert "张三" not in text and "13812345678" not in text and "1234 5678" not in text
        assert "199001011234" not in text and "501" not in text
        assert masked["reporter_phone"] == "138****5678" and masked["reporter_name"] == "张*"


HOSTILE_CASE = {"title": "张三反映：电话 138-1234-5678", "category": "road", "description": "我是张三，+86 138 1234 5678",
                "reporter_name": "张三", "reporter_phone": "13812345678", "location": "阳光小区3号楼2单元501室"}


def _start(web_app):
    from govflow.database import commit, writing
    from govflow.instances.service import start_instance
    with web_app.app_context(), writing():
        instance = start_instance("web_case", "grid_yg_1", dict(HOSTILE_CASE), business_key="BK-MASK")
        commit()
        return instance.id


def _leaks(text: str) -> list[str]:
    compact = text.replace(" ", "").replace("-", "")
    return [s for s in ("张三", "13812345678", "501室") if s in compact]


def test_a_supervisor_reading_over_rest_gets_what_the_export_shows(web_app, tokens):
    iid = _start(web_app)
    client = web_app.test_client()
    as_supervisor = {"Authorization": f"Bearer {tokens['supervisor']}"}
    detail = client.get(f"/api/v1/process-instances/{iid}", headers=as_supervisor)
    assert detail.status_code == 200 and not _leaks(detail.text), _leaks(detail.text)
    assert detail.json["variables"]["reporter_phone"] == "138****5678"
    listing = client.get("/api/v1/process-instances?business_key=BK-MASK", headers=as_supervisor)
    assert listing.status_code == 200 and listing.json and not _leaks(listing.text)
    events = client.get(f"/api/v1/process-instances/{iid}/events", headers=as_supervisor)
    assert events.status_code == 200 and not _leaks(events.text)
    export = client.get("/api/v1/admin/instances/export?business_key=BK-MASK", headers=as_supervisor)
    cells = " ".join(str(c) for row in load_workbook(io.BytesIO(export.data)).active.values for c in row)
    assert not _leaks(cells), _leaks(cells)
    # Administrators and the grid worker on the case read everything.
    for user in ("admin", "grid1"):
        full = client.get(f"/api/v1/process-instances/{iid}", headers={"Authorization": f"Bearer {tokens[user]}"})
        assert full.json["variables"]["reporter_phone"] == "13812345678", user


def test_a_supervisor_reading_a_task_over_rest_gets_it_masked(web_app, tokens):
    from govflow.database import commit, writing
    from govflow.extensions import db
    from govflow.worklist.models import HumanTask
    iid = _start(web_app)
    with web_app.app_context(), writing():
        task = db.session.query(HumanTask).filter_by(instance_id=iid).first()
        task.candidate_groups = list(task.candidate_groups or []) + ["supervisor"]
        task_id = task.id
        commit()
    client = web_app.test_client()
    answer = client.get(f"/api/v1/tasks/{task_id}", headers={"Authorization": f"Bearer {tokens['supervisor']}"})
    if answer.status_code == 200:  # the task is visible to the 督办 role only where offered to it
        assert not _leaks(answer.text), _leaks(answer.text)
    full = client.get(f"/api/v1/tasks/{task_id}", headers={"Authorization": f"Bearer {tokens['grid1']}"})
    assert full.status_code == 200 and full.json["variables"]["reporter_phone"] == "13812345678"
