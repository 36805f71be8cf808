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
    too_many: int = 0  # values left out: past the budget of JSON values walked


def infer_schema(values: Iterable[Any], budget: int | None = None) -> Inferred:
    """A draft 2020-12 schema that each of `values` (parsed JSON) passes, but those nested too deeply.

    With a `budget`, the values (counting every number, string, list… inside) that would take the
    total walked past it are left out too: genson takes about a second per million.
    """
    builder = SchemaBuilder(schema_uri=DRAFT_2020_12)
    used = too_deep = too_many = walked = 0
    for value in values:
        depth, size = shape(value, MAX_DEPTH)
        if depth > MAX_DEPTH:
            too_deep += 1
            continue
        if budget is not None and walked + size > budget:
            too_many += 1
            continue
        walked += size
        builder.add_object(value)
        used += 1
    return Inferred(builder.to_schema(), used, too_deep, too_many)


def shape(value: Any, limit: int) -> tuple[int, int]:
    """How many containers deep `value` goes (a scalar: 0) and how many values it holds (itself included).

    Counted without recursion; it stops as soon as the depth passes `limit`.
    """
    deepest = size = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        size += 1
        if isinstance(item, dict | list):
            depth += 1
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest, size
            stack.extend((child, depth) for child in (item.values() if isinstance(item, dict) else item))
    return deepest, size


def schema_size(schema: Any) -> int:
    """How many JSON values `schema` holds: what its text, and the time to make its models, grow with."""
    return shape(schema, 1_000_000)[1]


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
