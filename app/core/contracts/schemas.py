"""JSON Schema checks: a schema compiled once, then each message's violations with their JSONPaths.

The dialect is the schema's `$schema` (2020-12, 2019-09 or draft-07; 2020-12 when it names none),
and each message is checked by that dialect's own validator, so `if`/`then`,
`unevaluatedProperties` and the rest mean what the draft says. A schema that is not valid for
its dialect (`jsonschema` checks it against the metaschema) is refused when loaded, with the
place of the fault.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag

import jsonschema_rs
from jsonschema import Draft7Validator, Draft201909Validator, Draft202012Validator
from jsonschema.exceptions import SchemaError
from jsonschema.protocols import Validator
from referencing.jsonschema import DRAFT202012

from app.core.contracts.documents import DIALECT_NAMES, ContractError, Documents, child
from app.core.contracts.verdicts import Flow, TooDeep, Verdict, Violation
from app.core.diff import format_path
from app.core.pretty import Segment

MESSAGE_LIMIT = 300  # characters of a violation's message: jsonschema quotes the whole offending value
# Violations listed per message. A 1 MiB array can break its schema half a million times: listing
# them all takes seconds (`iter_errors` is superlinear) and hundreds of MB; the live checks keep
# the violations of thousands of messages (live.DETAILS_KEPT).
VIOLATIONS_LISTED = 20
# Past this many errors in a message's evaluation, its violations are not counted: `iter_errors`, which
# counts them as reported here, takes about 0.03 s for 10,000 and 8 s for 500,000, holding the GIL.
VIOLATIONS_COUNTED = 10_000
# Keywords whose failed subschemas `evaluate` reports one by one, where a violation is the keyword's own.
_BRANCHING = frozenset({"anyOf", "oneOf", "not", "if", "then", "else", "contains", "dependentSchemas"})

_FAST_VALIDATORS: dict[type[Validator], Callable[..., jsonschema_rs.Validator]] = {
    Draft202012Validator: jsonschema_rs.Draft202012Validator,
    Draft201909Validator: jsonschema_rs.Draft201909Validator,
    Draft7Validator: jsonschema_rs.Draft7Validator,
}
_VALIDATORS: dict[str, type[Validator]] = {
    "2020-12": Draft202012Validator,
    "2019-09": Draft201909Validator,
    "draft-07": Draft7Validator,
}


def validator_class(schema: Any, default: type[Validator], where: str) -> type[Validator]:
    """The validator of the dialect `schema` names in `$schema`, or `default` if it names none."""
    dialect = schema.get("$schema") if isinstance(schema, dict) else None
    if dialect is None:
        return default
    name = DIALECT_NAMES.get(dialect.rstrip("#")) if isinstance(dialect, str) else None
    if name is None:
        raise ContractError(f"{where}: $schema {dialect!r} is not supported here "
                            f"(use one of {', '.join(DIALECT_NAMES)})")
    return _VALIDATORS[name]


def json_path(segments: Iterable[str | int]) -> str:
    """`$.a[0]['odd key']` for a path given as keys and indices."""
    located: list[Segment] = [segment if isinstance(segment, int) else (str(segment), 1) for segment in segments]
    return format_path(tuple(located))


class SchemaCheck:
    """One schema (at `location` among `documents`), checked for its dialect and compiled once.

    Messages are checked by `jsonschema_rs`: `jsonschema` checks about 5,000 messages a second,
    a hundredth of what a busy connection sends (bench/bench_validate.py). `format` is an
    annotation, as 2019-09 and 2020-12 say, in every draft.
    """

    def __init__(self, documents: Documents, location: str, schema: Any, kind: type[Validator]) -> None:
        check_schema(documents, location, schema, kind)
        try:
            # Based at its file, so that its relative `$ref`s resolve against that file.
            self._validator = _FAST_VALIDATORS[kind](schema, registry=documents.fast_registry,
                                                     base_uri=urldefrag(location).url, validate_formats=False)
        except ValueError as error:
            raise ContractError(f"{documents.describe(location)}: cannot be compiled: {_shortened(str(error))}") from None

    def is_valid(self, value: Any) -> bool:
        """Whether `value` passes; `TooDeep` if it is nested deeper than the validator goes."""
        try:
            return self._validator.is_valid(value)
        except ValueError as error:  # the validator's recursion limit
            raise TooDeep(str(error)) from None

    def verdict(self, name: str, value: Any) -> Verdict:
        """`value`'s verdict as the contract's message `name`; `TooDeep` if it is nested deeper than the validator goes.

        At most VIOLATIONS_LISTED violations are listed, in the order of their paths; `more` counts
        the rest. A message with more than VIOLATIONS_COUNTED errors lists the first it finds outside
        `anyOf`, `oneOf` and the like, uncounted.
        """
        if self.is_valid(value):  # the common case, without collecting errors
            return Verdict(name)
        try:
            evaluated = self._validator.evaluate(value).errors()  # linear, and cheap per error
            if len(evaluated) > VIOLATIONS_COUNTED:
                direct = (error for error in evaluated if _BRANCHING.isdisjoint(error["schemaLocation"].split("/")))
                found = [(_instance_segments(value, error["instanceLocation"]),
                          _keyword(error["schemaLocation"].split("/")), _shortened(error["error"]))
                         for error in itertools.islice(direct, VIOLATIONS_LISTED)]
                if not found:  # every error is a branch's: the first violation, as `validate` reports it
                    found = [self._first_violation(value)]
                listed = _listed(found)
                return Verdict(name, listed, len(evaluated) - len(listed), uncounted=True)
            found = [_found(error) for error in self._validator.iter_errors(value)]
        except ValueError as error:
            raise TooDeep(str(error)) from None
        listed = _listed(found)
        return Verdict(name, listed, len(found) - len(listed))

    def _first_violation(self, value: Any) -> tuple[list[str | int], str, str]:
        try:
            self._validator.validate(value)
        except jsonschema_rs.ValidationError as error:
            return _found(error)
        raise AssertionError("an invalid value validated")  # `is_valid` said it was not


def _found(error: jsonschema_rs.ValidationError) -> tuple[list[str | int], str, str]:
    return list(error.instance_path), _keyword(error.schema_path), _shortened(error.message)


def _listed(found: list[tuple[list[str | int], str, str]]) -> tuple[Violation, ...]:
    """The first VIOLATIONS_LISTED of (path, keyword, message), in the order of their paths, as violations."""
    found.sort(key=lambda item: ([str(segment) for segment in item[0]], item[1]))
    return tuple(Violation(json_path(path), keyword, message) for path, keyword, message in found[:VIOLATIONS_LISTED])


def _instance_segments(value: Any, pointer: str) -> list[str | int]:
    """A JSON pointer into `value` as keys and indices (a number is an index where the value is a list)."""
    segments: list[str | int] = []
    for raw in pointer.split("/")[1:]:
        key = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(value, list) and key.isdigit():
            segments.append(int(key))
            value = value[int(key)] if int(key) < len(value) else None
        else:
            segments.append(key)
            value = value.get(key) if isinstance(value, dict) else None
    return segments


def _keyword(schema_path: Iterable[str | int]) -> str:
    """The keyword that failed: the last name in its schema path (`properties/id/type` → `type`)."""
    names = [segment for segment in schema_path if isinstance(segment, str)]
    return names[-1] if names else "false"


def check_schema(documents: Documents, location: str, schema: Any, kind: type[Validator]) -> None:
    """`ContractError` naming the place if `schema` is not a valid schema of its dialect."""
    try:
        kind.check_schema(schema)
    except SchemaError as error:
        place = location
        for segment in error.absolute_path:
            place = child(place, segment)
        raise ContractError(f"{documents.describe(place)}: not a valid schema: {_shortened(error.message)}") from None
    except RecursionError:
        raise ContractError(f"{documents.describe(location)}: nested too deeply to check") from None


def _shortened(text: str) -> str:
    return text if len(text) <= MESSAGE_LIMIT else text[:MESSAGE_LIMIT - 1] + "…"


class SchemaContract:
    """A JSON Schema file (and the files it refers to) that every message must pass."""

    unsupported: tuple[str, ...] = ()

    def __init__(self, documents: Documents) -> None:
        self.name = documents.root.name
        for uri, value in documents.contents.items():
            kind = validator_class(value, Draft202012Validator, documents.describe(uri))
            check_schema(documents, uri + "#", value, kind)
        documents.check_references()
        root = documents.root_value
        self._check = SchemaCheck(documents, documents.root_uri + "#", root,
                                  validator_class(root, Draft202012Validator, self.name))

    @classmethod
    def load(cls, path: Path, value: Any = None) -> SchemaContract:
        """The contract in `path` (whose value may have been read already)."""
        return cls(Documents(path, DRAFT202012, value))

    def check(self, value: Any, flow: Flow | None = None, path: str | None = None) -> Verdict | None:
        """The schema's verdict on `value`, whichever way it went and wherever it was sent."""
        return self._check.verdict(self.name, value)
