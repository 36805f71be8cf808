"""The YAML loader of scenario files: safe YAML whose mappings and sequences keep their lines.

Apart from app/core/scenarios.py, and imported only when a file is read, so that the window (which offers
the Tests dock and Save as test…) starts without loading a YAML parser.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

from app.core import bounded_yaml
from app.core.bounded_yaml import BoundedSafeLoader
from app.core.scenarios import LineMapping, LineSequence


class LineLoader(BoundedSafeLoader):
    """Safe YAML whose mappings and sequences keep their lines, refusing a key written twice.

    Dates stay text (JSON has none), so `send: {day: 2024-01-01}` sends the string.
    """


def _construct_mapping(loader: LineLoader, node: yaml.MappingNode) -> Iterator[LineMapping]:
    mapping = LineMapping()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    yield mapping
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        try:
            seen = key in mapping
        except TypeError:  # a list or mapping as a key
            raise yaml.MarkedYAMLError(problem="a key must be a plain value", problem_mark=key_node.start_mark) from None
        if seen:
            raise yaml.MarkedYAMLError(problem=f"{key!r} is written twice (first on line {mapping.key_lines[key]})",
                                       problem_mark=key_node.start_mark)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = line


def _construct_sequence(loader: LineLoader, node: yaml.SequenceNode) -> Iterator[LineSequence]:
    sequence = LineSequence()
    sequence.line = node.start_mark.line + 1
    sequence.item_lines = [item.start_mark.line + 1 for item in node.value]
    yield sequence
    sequence.extend(loader.construct_object(item, deep=True) for item in node.value)


def _construct_text(loader: LineLoader, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)
LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_text)


def parse(text: str) -> Any:
    """The document in `text`; a `yaml.YAMLError` (a `MarkedYAMLError` with the place) when it is not YAML,
    or when its aliases blow up or loop, or it nests too deep (see app/core/bounded_yaml.py)."""
    return bounded_yaml.load(text, LineLoader)
