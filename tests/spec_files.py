"""Helpers for tests that write a small treaty and record to files and ask the engine."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from treatyline.record import Record, load_record
from treatyline.spec import Treaty, load_treaty
from treatyline.status import Status, status


def d(text: str) -> date:
    return date.fromisoformat(text)


def write_treaty(tmp_path: Path, text: str) -> Treaty:
    path = tmp_path / "treaty.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_treaty(path)


def write_record(tmp_path: Path, treaty: Treaty, acts: str) -> Record:
    """A record.yaml beside the treaty with these acts (a YAML list, `source: test`)."""
    path = tmp_path / "record.yaml"
    path.write_text("source: test\nacts:\n" + textwrap.indent(textwrap.dedent(acts).strip(), "  ")
                    + "\n", encoding="utf-8")
    return load_record(path, treaty)


def at(treaty: Treaty, record: Record, day: str) -> Status:
    return status(treaty, record, d(day))


def says(messages: Sequence[str], *fragments: str) -> bool:
    """Some message holds every fragment."""
    return any(all(fragment in message for fragment in fragments) for message in messages)
