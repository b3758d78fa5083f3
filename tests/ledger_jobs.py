"""A fixture that runs a module's verification tests twice: with the signatures checked
in the verifying process, and by two worker processes in chunks of three signatures,
even for the small sample ledger (so that its signatures span several chunks). Import
`verify_jobs` into a test module to use it."""

from __future__ import annotations

import pytest

from treatyline.ledger import signature_checks

__all__ = ["verify_jobs"]


@pytest.fixture(autouse=True, params=[1, 2], ids=["jobs=1", "jobs=2"])
def verify_jobs(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """The jobs that `verify_store` and `verify_bundle` use by default in this test."""
    jobs: int = request.param
    monkeypatch.setattr(signature_checks, "available_cores", lambda: jobs)
    monkeypatch.setattr(signature_checks, "PARALLEL_THRESHOLD", 0)
    monkeypatch.setattr(signature_checks, "CHUNK_SIZE", 3)
    return jobs
