"""schemathesis against the incident and obligation routes with a monitor's token, on the
Istanbul ledger (the treaty in force, an attack reported): requests made from the OpenAPI
document, valid and not, are never answered with a 500, and every answer is as the
document declares it (status, content type, body)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from incident_ledgers import API, ATTACK, KHARKIV, bearer, istanbul_ledger, new_token
from server_running import SetClock, serve
from test_server_schema import CHECKS

EXAMPLES = 25


def test_the_monitors_routes_answer_as_documented(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "ledger.db")
    ledger = istanbul_ledger(db, tmp_path, known_before=ATTACK)
    token = new_token(capsys, db, "monitor")
    with serve(ledger, SetClock(datetime(2023, 10, 4, 12, tzinfo=UTC))) as url:
        assert httpx.post(f"{url}{API}/incidents", json=KHARKIV,
                          headers=bearer(token)).status_code == 201
        schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
        operations = [found.ok() for found in schema.get_all_operations()
                      if "incidents" in found.ok().path or "obligations" in found.ok().path
                      or "commitments" in found.ok().path]
        assert len(operations) == 5
        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                      suppress_health_check=list(HealthCheck), database=None)
            def answered_as_documented(case: schemathesis.Case) -> None:
                case.path_parameters = {"treaty": "istanbul-2022"}
                case.call_and_validate(headers=bearer(token), checks=CHECKS, timeout=60)

            answered_as_documented()
