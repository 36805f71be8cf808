"""A JSON Schema from example messages (genson), and Pydantic v2 models from a schema (datamodel-code-generator).

The schema records what every example shows: each property's types, and as required the keys
that every object in its place has. So the examples pass it, and a message whose `id` changes
from an integer to a string does not. It says nothing it has not seen: no formats, no ranges.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from genson import SchemaBuilder

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"


def infer_schema(values: Iterable[Any]) -> dict[str, Any]:
    """A draft 2020-12 schema that each of `values` (parsed JSON) passes."""
    builder = SchemaBuilder(schema_uri=DRAFT_2020_12)
    for value in values:
        builder.add_object(value)
    schema: dict[str, Any] = builder.to_schema()
    return schema


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
