"""The JSON Schema of report.json, shipped in the package as conformance/schemas/report-N.json."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from conformance.results import SCHEMA_VERSION


def schema_name(version: str = SCHEMA_VERSION) -> str:
    """Return the file name of the schema that describes reports of `version`, by major version."""
    major = version.split(".", 1)[0]
    return f"report-{major}.json"


def load_schema(version: str = SCHEMA_VERSION) -> dict[str, Any]:
    """Read the JSON Schema (draft 2020-12) for reports of `version` from the package."""
    text = resources.files("conformance").joinpath("schemas", schema_name(version)).read_text(
        encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
