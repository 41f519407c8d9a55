"""The event JSON Schemas in the package, and a validator for tests."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema

import parley.events

SCHEMA_DIR = Path(parley.events.__file__).parent / "schemas"


@lru_cache(maxsize=1)
def schemas() -> dict[str, dict[str, Any]]:
    found = {}
    for path in sorted(SCHEMA_DIR.glob("*.v1.json")):
        found[path.name.removesuffix(".v1.json")] = json.loads(path.read_text("utf-8"))
    return found


def validate_event(document: dict[str, Any]) -> None:
    """Raise jsonschema.ValidationError unless the event matches its type's schema."""
    schema = schemas().get(str(document.get("type")))
    if schema is None:
        raise jsonschema.ValidationError(f"no schema for event type {document.get('type')!r}")
    jsonschema.Draft4Validator(
        schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    ).validate(document)
