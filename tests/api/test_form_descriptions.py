"""What /api/v1 tells a client about forms and starts, so that it can fill them without
learning the rules from refusals: the kinds of unit a process runs in, and the dates a
date field accepts today."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

PROCESSES = Path(__file__).resolve().parents[2] / "processes"


def test_a_process_names_the_kinds_of_unit_it_runs_in(api_as, org):
    from tests.conftest import deployer
    deployer(PROCESSES)("owners_committee_formation.bpmn", "owners_formation_conditions.dmn",
                        "owners_formation_terms.dmn", "owners_initiation_check.dmn", "owners_vote_thresholds.dmn")
    cstaff = api_as("cstaff")
    detail = cstaff.get("/process-definitions/owners_committee_formation").json
    assert detail["org_unit_kinds"] == ["community"]
    grid = cstaff.post("/process-instances", {"process_key": "owners_committee_formation", "org_unit": "grid_yg_1"})
    assert grid.status_code == 422 and "community" in grid.json["errors"]["org_unit"][0], grid.json
    ok = cstaff.post("/process-instances", {"process_key": "owners_committee_formation",
                                            "org_unit": "comm_yangguang"})
    assert ok.status_code == 201, ok.json


def test_date_fields_describe_the_days_they_accept(app):
    from govflow.errors import ValidationFailed
    from govflow.forms.validation import describe, validate_submission
    beijing_today = datetime.now(UTC).astimezone(timezone(timedelta(hours=8))).date()
    with app.app_context():
        fields = {f["id"]: f for f in describe("owners.initiation", [])}
        assert fields["first_delivery_date"]["constraints"] == {"max": beijing_today.isoformat()}
        schedule = {f["id"]: f for f in describe("owners.meeting_schedule", [])}
        dated = [f for f in schedule.values() if f["type"] == "date"]
        assert dated and all("min" in f["constraints"] for f in dated), dated
        tomorrow = (beijing_today + timedelta(days=1)).isoformat()
        try:
            validate_submission("owners.initiation", [], {"first_delivery_date": tomorrow})
        except ValidationFailed as exc:
            assert exc.errors["first_delivery_date"] == ["日期不能晚于今天"]
        else:
            raise AssertionError("a date after today was accepted")
