from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

# The PostgreSQL fixtures (a private server per session; a database per test) and the
# ledger stores' fixture that runs a test on SQLite and on PostgreSQL.
pytest_plugins = ["postgres_server", "ledger_fixtures"]

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a dedented text file into the test's temporary folder."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return _write
