"""Docs that cannot drift: every language field documented, the CLI reference
regenerated from --help, and the public surface exactly as declared."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest
from pydantic import BaseModel

import treatyline
from treatyline.record import Act
from treatyline.spec.model import Treaty

ROOT = Path(__file__).resolve().parents[1]
LANGUAGE = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")


def _models(model: type[BaseModel], seen: set[type[BaseModel]]) -> None:
    if model in seen:
        return
    seen.add(model)
    for info in model.model_fields.values():
        stack = [info.annotation]
        while stack:
            annotation = stack.pop()
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                _models(annotation, seen)
            stack.extend(getattr(annotation, "__args__", ()) or ())
            stack.extend(getattr(annotation, "__metadata__", ()) or ())
            origin = getattr(annotation, "__origin__", None)
            if origin is not None and origin is not annotation:
                stack.append(origin)


def _documented_fields() -> list[tuple[str, str]]:
    seen: set[type[BaseModel]] = set()
    _models(Treaty, seen)
    _models(Act, seen)
    internal = {"ref", "position", "sequence"}
    return sorted(
        (model.__name__, info.alias or name)
        for model in seen
        for name, info in model.model_fields.items()
        if name not in internal
    )


@pytest.mark.parametrize(("model", "field"), _documented_fields())
def test_every_language_field_is_documented(model: str, field: str) -> None:
    assert f"`{field}" in LANGUAGE, f"{model}.{field} is not documented in docs/language.md"


def test_cli_reference_is_current() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        generator = importlib.import_module("gen_cli_docs")
    finally:
        sys.path.pop(0)
    current = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert current == generator.render(), "run: python scripts/gen_cli_docs.py"


@pytest.mark.parametrize(
    "module",
    ["treatyline", "treatyline.calendar", "treatyline.errors", "treatyline.record",
     "treatyline.status", "treatyline.timeline", "treatyline.rules", "treatyline.spec",
     "treatyline.spec.model", "treatyline.bundle", "treatyline.evaluation"],
)
def test_public_names_exist(module: str) -> None:
    imported = importlib.import_module(module)
    exported = imported.__all__
    assert len(exported) == len(set(exported))
    for name in exported:
        assert hasattr(imported, name), f"{module}.__all__ names missing {name}"


def test_facade_surface() -> None:
    assert set(treatyline.__all__) == {
        "Act", "Assessment", "Bundle", "CommitmentResult", "Diagnostic", "Incidents",
        "PartyStatus", "Position", "Reason", "Record", "RecordError", "SpecError", "Status",
        "Territory", "TimelineEntry", "Treaty", "TreatylineError", "UsageError", "assess",
        "load_bundle", "load_record", "load_treaty", "measure_commitments", "read_events",
        "status", "timeline",
    }


@pytest.mark.parametrize("name", ["nato-1949", "budapest-1994", "istanbul-2022"])
def test_examples_validate_against_the_exported_schema(name: str) -> None:
    import jsonschema

    from treatyline.schema import treaty_schema
    from treatyline.sourcemap import load_yaml

    data = load_yaml(ROOT / "examples" / name / "treaty.yaml").data
    jsonschema.validate(data, treaty_schema())


def test_schema_rejects_what_the_loader_rejects() -> None:
    import jsonschema

    from treatyline.schema import treaty_schema

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"id": "x", "title": "t", "parties": [{"code": "UA"}],
                             "procedure": {}, "entry_into_force": {"when": {"cuont": {}}},
                             "unknown": 1}, treaty_schema())
