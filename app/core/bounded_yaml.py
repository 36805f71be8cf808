"""Safe YAML with bounds: what a file of a few lines cannot make SocketScope do.

PyYAML's safe loader builds no Python objects, but it lets a short file stand for a huge value:
nine aliases of nine aliases of… ("billion laughs") load in a millisecond as a graph whose
every walk (a schema check, `json.dumps`) visits billions of values, and an alias inside its
own anchor makes a value that contains itself. `BoundedSafeLoader` refuses both where the file
says them, as it refuses a number too long to convert and nesting deeper than the stack: each
is a `yaml.MarkedYAMLError` with its line, as any other fault of the file.
"""

from __future__ import annotations

import sys
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError

# Values that aliases may add to a document beyond those written in it: far more than anchors
# reused for brevity add, far less than the millions a walk of the value would take seconds on.
ALIAS_GROWTH = 100_000


class BoundedSafeLoader(yaml.SafeLoader):
    """A `yaml.SafeLoader` that refuses documents whose aliases blow up or loop, and numbers too long to read."""

    def compose_document(self) -> yaml.Node | None:
        node = super().compose_document()
        if node is not None:
            check_aliases(node)
        return node

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        try:
            return super().construct_yaml_int(node)
        except ValueError:  # Python's limit on the digits of an integer read from text
            raise ConstructorError(None, None, f"an integer of more than {sys.get_int_max_str_digits():,} digits",
                                   node.start_mark) from None


BoundedSafeLoader.add_constructor("tag:yaml.org,2002:int", BoundedSafeLoader.construct_yaml_int)


def load(text: str, loader: type[BoundedSafeLoader] = BoundedSafeLoader) -> Any:
    """The value of the YAML `text`; nesting too deep for the stack is a `MarkedYAMLError` at the place reached."""
    reader = loader(text)
    try:
        return reader.get_single_data()
    except RecursionError:
        raise ComposerError(None, None, "nested too deeply to read", reader.get_mark()) from None
    finally:
        reader.dispose()


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def check_aliases(root: yaml.Node) -> None:
    """`ComposerError` if an alias refers to a value that contains it, or aliases add over ALIAS_GROWTH values.

    Each node is visited once (an alias is the same node again): the walk is as long as the file.
    """
    sizes: dict[int, int] = {}  # a node's size once its aliases are expanded, by id
    open_nodes: set[int] = set()  # the nodes on the way from the root to the one being visited
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            open_nodes.discard(key)
            sizes[key] = size = 1 + sum(sizes[id(item)] for item in _children(node))
            if size - len(sizes) > ALIAS_GROWTH:  # len(sizes) counts at least the distinct nodes inside it
                raise ComposerError(None, None, f"its aliases expand to over {ALIAS_GROWTH:,} more values "
                                                "than the file holds", node.start_mark)
            continue
        if key in sizes:
            continue  # an alias of a value already measured
        if key in open_nodes:
            raise ComposerError(None, None, "an alias refers to a value that contains it", node.start_mark)
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((item, False) for item in _children(node) if id(item) not in sizes)
