"""The JSON Schema of the treaty language, for editors (YAML language servers)."""

from __future__ import annotations

from typing import Any

from .spec.model import Treaty

__all__ = ["treaty_schema"]

SCHEMA_ID = "https://treatyline.invalid/schema/treaty.json"


def treaty_schema() -> dict[str, Any]:
    schema = Treaty.model_json_schema(by_alias=True)
    # the shorthands the loader accepts before validation: `referendum: UA` and a group
    # written as a plain list of members
    definitions = schema["$defs"]
    definitions["Group"] = definitions.pop("_GroupBody")
    definitions["Group"]["title"] = "Group"
    schema["properties"]["groups"]["additionalProperties"] = {
        "anyOf": [{"type": "array", "items": {"type": "string"}},
                  {"$ref": "#/$defs/Group"}]
    }
    definitions["Referendum"]["properties"]["referendum"] = {
        "anyOf": [{"type": "string"}, {"$ref": "#/$defs/ReferendumSpec"}]
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
    }
