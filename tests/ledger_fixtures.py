"""pytest fixtures for the ledger store tests: each runs on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest

__all__ = ["ledger_db"]


@pytest.fixture(params=["sqlite", "postgres"])
def ledger_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a new ledger goes: a SQLite file, or an empty PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "ledger.db")
    url: str = request.getfixturevalue("postgres_url")
    return url
