"""Validate case data against case.schema.json and explain each error in an author's words."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

import jsonschema

from lti_tool.simulation.document import DataPath
from lti_tool.simulation.document import Document
from lti_tool.simulation.document import describe_path
from lti_tool.simulation.document import node_of
from lti_tool.simulation.problems import Problem

_EXPECTED = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping (key: value)",
    "null": "empty",
}


def load_schema() -> dict[str, Any]:
    text = resources.files("lti_tool.simulation").joinpath("case.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _validator(require_verdicts: bool = True) -> jsonschema.protocols.Validator:
    base = jsonschema.Draft202012Validator
    # JSON Schema counts 2.0 as an integer; case files must write whole numbers as such.
    strict_types = base.TYPE_CHECKER.redefine(
        "integer", lambda _checker, value: isinstance(value, int) and not isinstance(value, bool)
    )
    validator_class = jsonschema.validators.extend(base, type_checker=strict_types)
    schema = load_schema()
    if not require_verdicts:
        choice = schema["$defs"]["choice"]
        choice["required"] = [key for key in choice["required"] if key != "verdict"]
    return validator_class(_inline_references(schema, schema.get("$defs", {})))


def _inline_references(schema: Any, definitions: dict[str, Any]) -> Any:
    """The schema with each local ``{"$ref": "#/$defs/x", ...}`` replaced by the definition
    merged with its sibling keywords: the same meaning (the schema has no recursion), and
    several times faster to validate with than resolving references on every instance."""
    if isinstance(schema, list):
        return [_inline_references(item, definitions) for item in schema]
    if not isinstance(schema, dict):
        return schema
    inlined = {key: _inline_references(value, definitions) for key, value in schema.items()}
    reference = inlined.pop("$ref", None)
    if reference is None:
        return inlined
    name = reference.removeprefix("#/$defs/")
    return {**_inline_references(definitions[name], definitions), **inlined}


def schema_problems(
    document: Document, file: str, *, require_verdicts: bool = True
) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[DataPath, str]] = set()
    for error in _validator(require_verdicts).iter_errors(document.data):
        for path, message in _explain(error):
            if (path, message) not in seen:
                seen.add((path, message))
                problems.append(Problem(file, document.line(path), node_of(path), message))
    return problems


def _explain(error: jsonschema.ValidationError) -> Iterator[tuple[DataPath, str]]:
    path: DataPath = tuple(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    custom = schema.get("x-messages", {}).get(error.validator)
    instance = error.instance
    if "propertyNames" in error.absolute_schema_path:
        key_path = (*path, str(instance))
        where = describe_path(key_path)
        reason = _fill(custom, instance) if custom else f"`{instance}` is not a valid name"
        yield key_path, f"{where}: {reason}" if where else reason
        return
    where = describe_path(path)
    prefix = f"{where}: " if where else ""
    if custom:
        yield path, prefix + _fill(custom, instance)
    elif error.validator == "required":
        for key in error.validator_value:
            if key not in instance:
                yield path, f"{prefix}missing required key `{key}`"
    elif error.validator == "additionalProperties":
        allowed = schema.get("properties", {})
        for key in instance:
            if key not in allowed:
                yield (*path, key), f"{prefix}unknown key `{key}`"
    elif error.validator == "type":
        expected = error.validator_value
        names = [expected] if isinstance(expected, str) else list(expected)
        wanted = ", ".join(_EXPECTED[name] for name in names[:-1])
        wanted = f"{wanted} or {_EXPECTED[names[-1]]}" if wanted else _EXPECTED[names[-1]]
        yield path, f"{prefix}must be {wanted}, not {_describe_value(instance)}"
    else:
        yield path, prefix + _generic(error)


def _generic(error: jsonschema.ValidationError) -> str:
    limit = error.validator_value
    value = error.instance
    match error.validator:
        case "minimum":
            return f"must be at least {limit}, not {value}"
        case "maximum":
            return f"must be at most {limit}, not {value}"
        case "minItems":
            return f"needs at least {limit} item{'s' if limit != 1 else ''}"
        case "maxItems":
            return f"may have at most {limit} items"
        case "uniqueItems":
            return "lists the same item more than once"
        case "minProperties":
            return "needs at least one entry"
        case "maxLength":
            return f"is longer than {limit} characters"
        case "enum":
            return f"`{value}` is not one of: {', '.join(map(str, limit))}"
    return str(error.message)


def _fill(template: str, value: object) -> str:
    return template.replace("{value}", str(value))


def _describe_value(value: object) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"`{'true' if value else 'false'}`"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, datetime.date):
        return f"the date {value.isoformat()}"
    return f"a YAML {type(value).__name__} value"
