"""A treaty and its record, from a treaty file or an example folder (`treaty.yaml` with
`record.yaml` / `record.csv` / `record.jsonl`, and an optional `scenario.yaml`)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .errors import RecordError, UsageError
from .inputs import check_regular_file
from .record import Record, load_record
from .spec.load import load_treaty
from .spec.model import Treaty

__all__ = ["Bundle", "bundled_example", "load_bundle"]

_RECORD_NAMES = ("record.yaml", "record.yml", "record.csv", "record.jsonl")
SCENARIO_NAME = "scenario.yaml"


@dataclass(frozen=True)
class Bundle:
    treaty: Treaty
    record: Record
    treaty_path: Path
    record_paths: tuple[Path, ...]


def load_bundle(
    spec: str | Path, records: Sequence[str | Path] = (), *, scenario: bool = False
) -> Bundle:
    """Load a treaty and its record files.

    SPEC is a treaty file or a folder; for a folder, its record files are read
    unless `records` names others, and `scenario` adds its scenario.yaml.
    """
    path = Path(spec)
    record_paths = [Path(r) for r in records]
    if path.is_dir():
        treaty_path = path / "treaty.yaml"
        if not treaty_path.is_file():
            raise UsageError(f"{path}: an example folder holds a treaty.yaml; none found")
        if not record_paths:
            # a name that is there but is not a regular file (a FIFO, a folder) is an error,
            # not a folder without a record
            record_paths = [path / name for name in _RECORD_NAMES
                            if os.path.lexists(path / name)]
            for found in record_paths:
                check_regular_file(found, "record file", RecordError)
        if scenario:
            if not (path / SCENARIO_NAME).is_file():
                raise UsageError(f"{path}: --scenario given but there is no {SCENARIO_NAME}")
            record_paths.append(path / SCENARIO_NAME)
    elif os.path.lexists(path):
        check_regular_file(path, "treaty file")  # a FIFO or a device: refused, not opened
        treaty_path = path
        if scenario:
            raise UsageError("--scenario works with an example folder, not a single treaty file")
    else:
        raise UsageError(f"{path}: no such treaty file or example folder")
    treaty = load_treaty(treaty_path)
    record = load_record(record_paths, treaty) if record_paths else Record(())
    return Bundle(treaty, record, treaty_path, tuple(record_paths))


def bundled_example(name: str) -> Path:
    """The folder of an example shipped with the package."""
    root = Path(str(resources.files("treatyline") / "examples"))
    folder = root / name
    if not folder.is_dir():
        known = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
        raise UsageError(f"no bundled example {name!r}; bundled: {', '.join(known) or 'none'}")
    return folder
