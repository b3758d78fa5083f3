"""schemathesis against the OpenAPI document of a live server on 127.0.0.1: requests made
from the document (valid and not) for every operation are never answered with a 500, and
every answer matches what the document declares for it: status code, content type, body
schema. (schemathesis's Python API with hypothesis, a bounded number of examples per
operation, rather than its pytest plugin.)"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from server_running import SetClock, make_ledger, serve

EXAMPLES = 12
"""Per operation: about fifteen operations, in well under a minute."""
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def test_no_500_and_every_answer_as_documented(tmp_path: Path) -> None:
    ledger = make_ledger(str(tmp_path / "ledger.db"), tmp_path, ["UA", "GB"])
    with serve(ledger, SetClock(datetime(2022, 9, 15, 12, tzinfo=UTC))) as url:
        schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
        operations = [found.ok() for found in schema.get_all_operations()]
        assert len(operations) >= 9  # every route of the document is exercised
        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                      suppress_health_check=list(HealthCheck), database=None)
            def answered_as_documented(case: schemathesis.Case) -> None:
                case.call_and_validate(checks=CHECKS, timeout=60)

            answered_as_documented()
