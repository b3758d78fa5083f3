"""pytest fixtures: a private PostgreSQL server for the test session, and a fresh
database in it for each test that asks.

Without PostgreSQL (or psycopg) installed the tests that use it are skipped, with the
reason, except under CI (``CI=true``), where they fail: CI must run them (`.ci/run`
installs Debian's postgresql package).
"""

from __future__ import annotations

import importlib.util
import os
import uuid
from collections.abc import Iterator

import pytest

from local_postgres import LocalPostgres, find_postgres_bindir, local_postgres

__all__ = ["postgres_server", "postgres_url"]


def _missing_postgres(reason: str) -> None:
    message = f"{reason}: the PostgreSQL ledger tests need it (.ci/run installs it)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[LocalPostgres]:
    """A PostgreSQL server started for this test run and stopped at its end."""
    if importlib.util.find_spec("psycopg") is None:
        _missing_postgres("psycopg is not installed")
    bindir = find_postgres_bindir()
    if bindir is None:
        _missing_postgres("PostgreSQL is not installed (no pg_config, no /usr/lib/postgresql)")
        raise AssertionError("unreachable")  # pytest.skip/fail raise; this tells mypy
    with local_postgres(bindir) as server:
        yield server


@pytest.fixture
def postgres_url(postgres_server: LocalPostgres) -> Iterator[str]:
    """The URL of an empty database of its own for this test, dropped after it."""
    name = f"ledger_{uuid.uuid4().hex[:16]}"
    url = postgres_server.create_database(name)
    try:
        yield url
    finally:
        postgres_server.drop_database(name)
