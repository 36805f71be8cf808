"""Contract files read as data (JSON or YAML), with every `$ref` to another local file followed.

A contract may be split over files (`$ref: common.json#/$defs/id`). All of them are read when
the contract is loaded, so that a missing file or a reference to nowhere is an error naming its
place then, not a surprise at the ten-thousandth message. Only local files are followed: a
contract never makes SocketScope reach the network.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urldefrag, urljoin, urlsplit

import jsonschema_rs
import yaml
from referencing import Registry, Resource, Specification
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT7, DRAFT201909, DRAFT202012, UnknownDialect

from app.core import bounded_yaml
from app.core.diff import format_path
from app.core.errors import SocketScopeError
from app.core.pretty import Segment
from app.core.text_files import MiB, UnreadableText, read_text

# A bigger file is refused, and so are more files together: reading and checking a schema takes about a
# second per MiB, and ten times its size in memory.
DOCUMENT_LIMIT = 8 * MiB

# Values of these keywords are data, not schemas: a `$ref` key inside them is not a reference.
_DATA_KEYWORDS = frozenset({"const", "enum", "default", "examples", "example"})


# The dialects a contract may use, by their `$schema` URI (without the empty fragment).
DIALECT_NAMES = {
    "https://json-schema.org/draft/2020-12/schema": "2020-12",
    "https://json-schema.org/draft/2019-09/schema": "2019-09",
    "http://json-schema.org/draft-07/schema": "draft-07",
}


# The fast validator's name for each dialect, for the files that name none.
_FAST_DRAFTS = {DRAFT202012: jsonschema_rs.Draft202012, DRAFT201909: jsonschema_rs.Draft201909,
                DRAFT7: jsonschema_rs.Draft7}


class ContractError(SocketScopeError, ValueError):
    """A contract that cannot be used; the message names the file and the place inside it."""

    __slots__ = ()


class _JsonValuesLoader(bounded_yaml.BoundedSafeLoader):
    """YAML read as the JSON it stands for: a date stays a string, and every key is a string (`200:` is "200")."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep)
        return {_key_text(key): value for key, value in mapping.items()}


def _key_text(key: Any) -> str:
    if isinstance(key, str):
        return key
    return json.dumps(key) if key is None or isinstance(key, bool | int | float) else str(key)


_JsonValuesLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in bounded_yaml.BoundedSafeLoader.yaml_implicit_resolvers.items()}


def read_document(path: Path) -> Any:
    """A JSON or YAML file's value (by extension; otherwise JSON if it parses, else YAML)."""
    try:
        text = read_text(path, DOCUMENT_LIMIT)
    except UnreadableText as error:
        raise ContractError(f"cannot read {path}{f':{error.line}' if error.line else ''}: {error.reason}") from None
    suffix = path.suffix.lower()
    if suffix == ".json" or (suffix not in (".yaml", ".yml") and text.lstrip().startswith(("{", "["))):
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise ContractError(f"{path}:{error.lineno}:{error.colno}: not JSON: {error.msg}") from None
        except RecursionError:
            raise ContractError(f"{path}: nested too deeply to read") from None
        except ValueError as error:  # an integer too long to convert
            raise ContractError(f"{path}: not usable JSON: {error}") from None
    try:
        return bounded_yaml.load(text, _JsonValuesLoader)  # a SafeLoader: it builds no Python objects
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        raise ContractError(f"{path}{where}: not YAML: {error.problem or error.context}") from None
    except yaml.YAMLError as error:
        raise ContractError(f"{path}: not YAML: {error}") from None


def _size(path: Path) -> int:
    """The file's size; 0 if it has none to tell (`read_document` then says why it cannot be read)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _check_schema_file(path: Path, value: Any) -> Any:
    """`value`, if it can be a contract file's: a schema is an object or true/false, and so is an AsyncAPI document."""
    if not isinstance(value, dict | bool):
        raise ContractError(f"{path}: a contract file holds an object (or true/false), not {type(value).__name__}")
    return value


def child(location: str, key: str | int) -> str:
    """The location (`uri#/json/pointer`, percent-encoded as a URI) of a member of the value at `location`."""
    escaped = quote(str(key).replace("~", "~0").replace("/", "~1"), safe="~!$&'()*+,;=:@")
    return f"{location}/{escaped}" if "#" in location else f"{location}#/{escaped}"


class Documents:
    """The files of one contract, by URI, and two registries over them.

    `registry` (`referencing`) serves the reading: it follows the document's own `$ref`s and
    checks that each leads somewhere. `fast_registry` serves the checks of messages, with
    `jsonschema_rs` (see bench/bench_validate.py for why).

    `default_specification` is the JSON Schema dialect of a file that names none (`$schema`);
    `root_value` is the root file's value if it has been read already.
    """

    def __init__(self, root: Path, default_specification: Specification[Any], root_value: Any = None) -> None:
        self.root = root.resolve()
        self.root_uri = self.root.as_uri()
        self._specification = default_specification
        self.contents: dict[str, Any] = {self.root_uri: read_document(self.root) if root_value is None else root_value}
        _check_schema_file(self.root, self.root_value)
        self._read_referenced_files()
        self.registry: Registry[Any] = Registry().with_resources(
            (uri, self._resource(uri, value)) for uri, value in self.contents.items()).crawl()
        try:
            self.fast_registry = jsonschema_rs.Registry(list(self.contents.items()),
                                                        draft=_FAST_DRAFTS[default_specification])
        except ValueError as error:
            raise ContractError(f"{self.describe(self.root_uri)}: cannot be used: {error}") from None

    def _resource(self, uri: str, value: Any) -> Resource[Any]:
        try:
            return Resource.from_contents(value, default_specification=self._specification)
        except UnknownDialect:
            raise ContractError(f"{self.describe(uri)}: $schema {value.get('$schema')!r} is not a JSON Schema "
                                f"dialect known here (use {', '.join(DIALECT_NAMES.values())})") from None

    @property
    def root_value(self) -> Any:
        return self.contents[self.root_uri]

    def _read_referenced_files(self) -> None:
        pending = [self.root_uri]
        left = DOCUMENT_LIMIT - _size(self.root)  # for the files referred to
        while pending:
            uri = pending.pop()
            for base, ref, location in references(uri, self.contents[uri]):
                target = urldefrag(urljoin(base, ref)).url
                if urlsplit(target).scheme != "file" or target in self.contents:
                    continue  # another scheme: a `$id` of a loaded file, or unresolvable (said by `check_references`)
                try:
                    path = Path(unquote(urlsplit(target).path))
                    left -= _size(path)
                    if left < 0:
                        raise ContractError(f"cannot read {path}: the contract's files would hold over "
                                            f"{DOCUMENT_LIMIT // MiB} MiB together")
                    self.contents[target] = _check_schema_file(path, read_document(path))
                except ContractError as error:
                    raise ContractError(f"{self.describe(location)}: $ref {ref!r}: {error}") from None
                pending.append(target)

    def check_references(self) -> None:
        """`ContractError` naming the first `$ref` that leads nowhere, if any."""
        for uri, value in self.contents.items():
            for base, ref, location in references(uri, value):
                try:
                    self.registry.resolver(base).lookup(ref)
                except Unresolvable as error:
                    raise ContractError(f"{self.describe(location)}: $ref {ref!r} leads nowhere "
                                        f"({type(error).__name__})") from None

    def resolve(self, location: str, value: Any) -> tuple[str, Any]:
        """Follow `value`'s `$ref` (repeatedly) if it has one: the location and value it leads to."""
        for _ in range(64):  # a cycle of plain references is bounded, then an error
            if not (isinstance(value, dict) and isinstance(value.get("$ref"), str)):
                return location, value
            target = urljoin(location, value["$ref"])
            try:
                value = self.registry.resolver().lookup(target).contents
            except Unresolvable:
                raise ContractError(f"{self.describe(location)}: $ref {value['$ref']!r} leads nowhere") from None
            location = target if "#" in target else target + "#"
        raise ContractError(f"{self.describe(location)}: a cycle of $ref")

    def describe(self, location: str) -> str:
        """`file: $.place.inside` for a location, the file relative to the root's folder when it is inside it."""
        uri, pointer = urldefrag(location)
        path = Path(unquote(urlsplit(uri).path))
        try:
            shown = str(path.relative_to(self.root.parent))
        except ValueError:
            shown = str(path)
        if not pointer.strip("/"):
            return shown
        return f"{shown}: {format_path(_pointer_segments(self.contents.get(uri), pointer))}"


def _pointer_segments(value: Any, pointer: str) -> tuple[Segment, ...]:
    """A JSON pointer as the segments `format_path` writes (indices where the value is a list)."""
    segments: list[Segment] = []
    for raw in unquote(pointer).strip("/").split("/"):
        key = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(value, list) and key.isdigit():
            index = int(key)
            segments.append(index)
            value = value[index] if index < len(value) else None
        else:
            segments.append((key, 1))
            value = value.get(key) if isinstance(value, dict) else None
    return tuple(segments)


def references(uri: str, value: Any) -> Iterator[tuple[str, str, str]]:
    """Each `$ref` in a document: (the base URI it is relative to, the reference, where it is written).

    The base changes where a schema declares an `$id`, as JSON Schema says. The walk is iterative:
    a deep document cannot exhaust the stack.
    """
    stack: list[tuple[Any, str, str]] = [(value, uri, uri + "#")]
    while stack:
        node, base, location = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("$id"), str):
                base = urljoin(base, node["$id"])
            if isinstance(node.get("$ref"), str):
                yield base, node["$ref"], location
            for key, item in node.items():
                if key not in _DATA_KEYWORDS and isinstance(item, dict | list):
                    stack.append((item, base, child(location, str(key))))
        elif isinstance(node, list):
            for index, item in enumerate(node):
                if isinstance(item, dict | list):
                    stack.append((item, base, child(location, index)))
