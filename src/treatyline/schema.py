"""The JSON Schema of the treaty language, for editors (YAML language servers)."""

from __future__ import annotations

from typing import Any

from .spec.model import Treaty

__all__ = ["treaty_schema"]

SCHEMA_ID = "https://treatyline.invalid/schema/treaty.json"


def treaty_schema() -> dict[str, Any]:
    schema = Treaty.model_json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
    }
