"""Property-based fuzzing of the REST API from its own OpenAPI document.

schemathesis generates requests for every operation of /api/v1/openapi.json and
sends them in-process to the WSGI app, with an administrator's token and with a
grid worker's: no answer may be a 5xx, and every answer must be documented
(status code, content type, body schema), and a request the document calls
invalid must be refused. (A schema-valid request may still be refused with
422: a syntactically fine BPMN file can fail the lint, an org unit may not
exist — so schemathesis' positive-data check is left out.) ``FUZZ_EXAMPLES`` raises the number
of generated cases per operation (CI keeps the default).

The operations are driven from one test per role rather than through
schemathesis' pytest plugin, whose fixture loader does not run on pytest 9.
"""
from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import positive_data_acceptance

from .conftest import FIGURES

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
#: Disagreements reported to the owner of the operation and not yet fixed there:
#: operation label → checks left out for it (every other check still runs).
#: The ledger export answers CSV or XLSX; govflow/api/admin.py (admin console)
#: documents only JSON — its fix is a ``blp.doc`` of the two content types.
KNOWN: dict = {}


def _fuzz(operation, headers: dict, failures: list) -> int:
    sent = 0
    excluded = [positive_data_acceptance, *KNOWN.get(operation.label, [])]

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    def run(case):
        nonlocal sent
        sent += 1
        case.call_and_validate(headers=headers, excluded_checks=excluded)

    try:
        run()
    except Exception as exc:  # noqa: BLE001  (collected per operation, reported together)
        failures.append(f"{operation.label}: {exc}")
    return sent


@pytest.mark.slow
@pytest.mark.parametrize("username", ["admin", "grid1"])
def test_api_conforms_to_its_document(web_app, tokens, username):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", web_app)
    headers = {"Authorization": f"Bearer {tokens[username]}"}
    failures, sent = [], 0
    for result in schema.get_all_operations():
        sent += _fuzz(result.ok(), headers, failures)
    FIGURES["API requests fuzzed (schemathesis)"] += sent
    assert not failures, "\n\n".join(failures)
