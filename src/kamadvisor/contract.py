"""Versioned JSON Schemas generated from the models, and deterministic JSON text.

An output's schema is a contract: every object lists all its properties as required and allows no
others, so any change to a model's shape changes the schema, and the schema test (against the
committed copy under schemas/) then asks for a new version.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema_id(name: str, version: str) -> str:
    return f"urn:kamadvisor:schema:{name}:{version}"


def contract_schema(
    model: type[BaseModel],
    *,
    name: str,
    version: str,
    title: str,
    description: str,
    optional: dict[str, type[BaseModel]] | None = None,
) -> dict[str, Any]:
    """The model's serialization schema, closed and versioned. `optional` names top-level
    properties an output adds beside the model (present only when there is something to say)."""
    schema = model.model_json_schema(mode="serialization")
    optional = optional or {}
    definitions = schema.setdefault("$defs", {})
    for extra, extra_model in optional.items():
        extra_schema = extra_model.model_json_schema(mode="serialization")
        definitions.update(extra_schema.pop("$defs", {}))
        definitions[extra_model.__name__] = extra_schema
        schema["properties"][extra] = {"$ref": f"#/$defs/{extra_model.__name__}"}
    for definition in [schema, *definitions.values()]:
        if "properties" in definition:
            definition["required"] = list(definition["properties"])
            definition.setdefault("additionalProperties", False)
    schema["required"] = [key for key in schema["required"] if key not in optional]
    if not definitions:
        del schema["$defs"]
    schema["properties"]["schema_version"] = {
        "const": version,
        "title": "Schema Version",
        "type": "string",
    }
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": schema_id(name, version),
        "version": version,
        **{key: value for key, value in schema.items() if key != "title"},
        "title": title,
        "description": description,
    }


def dump_json(data: Any) -> str:
    """Deterministic JSON: sorted keys, two-space indent, UTF-8 text, a trailing newline."""
    # allow_nan=False: a NaN or infinity is a bug to stop on, never invalid JSON handed out.
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
