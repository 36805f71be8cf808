"""A JSON Schema from example messages (genson), and Pydantic v2 models from a schema (datamodel-code-generator).

The schema records what every example shows: each property's types, and as required the keys
that every object in its place has. So the examples pass it, and a message whose `id` changes
from an integer to a string does not. It says nothing it has not seen: no formats, no ranges.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from genson import SchemaBuilder

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"


# Deeper values are left out: genson and the schema checks recurse per level, and a schema
# nested hundreds of levels deep says nothing a reader could use.
MAX_DEPTH = 64


@dataclass(frozen=True, slots=True)
class Inferred:
    schema: dict[str, Any]
    used: int  # values the schema was inferred from
    too_deep: int  # values left out: nested deeper than MAX_DEPTH


def infer_schema(values: Iterable[Any]) -> Inferred:
    """A draft 2020-12 schema that each of `values` (parsed JSON) passes, but those nested too deeply."""
    builder = SchemaBuilder(schema_uri=DRAFT_2020_12)
    used = too_deep = 0
    for value in values:
        if nesting_depth(value, MAX_DEPTH) > MAX_DEPTH:
            too_deep += 1
            continue
        builder.add_object(value)
        used += 1
    return Inferred(builder.to_schema(), used, too_deep)


def nesting_depth(value: Any, limit: int) -> int:
    """How many containers deep `value` goes (a scalar: 0), counted without recursion; stops past `limit`."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            depth += 1
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            stack.extend((child, depth) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def pydantic_models(schema: dict[str, Any], class_name: str = "Message") -> str:
    """Python source of Pydantic v2 models for `schema`, the root model named `class_name`."""
    # Imported here: generating code is rare, and the generator's import costs more than the rest of a check.
    from datamodel_code_generator import DataModelType, Formatter, InputFileType, generate

    source = generate(json.dumps(schema), input_file_type=InputFileType.JsonSchema,
                      output_model_type=DataModelType.PydanticV2BaseModel, class_name=class_name,
                      formatters=[Formatter.BUILTIN], disable_timestamp=True)
    if not isinstance(source, str):
        raise TypeError(f"the model generator returned {type(source).__name__}, not the source of one module")
    return source
