"""Big documents read lazily: simdjson parses, and only what is looked at becomes Python objects.

CPython's parser builds every object of a document before the first can be
shown (about two seconds and several times the text's size in memory for
64 MiB). simdjson (pysimdjson) parses into a compact tape about ten times
faster and hands out proxies: an array's items and an object's values become
Python objects only when read. This module reads both kinds of container, a
faithful parse's (`JsonObject`, `list`) and simdjson's, through one small
interface (`is_object`, `is_array`, `members`), so `docnodes` answers the tree
from either.

simdjson refuses what the faithful parser keeps or reports: integers beyond
64 bits, NaN and Infinity, lone surrogates, nesting deeper than 1024, invalid
JSON or UTF-8. Its one silent difference, a number that underflows to 0.0, is
screened for in the text. Those documents take the faithful path
(`parse` answers None).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import islice
from typing import Any, cast

import simdjson

from app.core.jsondoc import JsonObject, parse_large

Key = str | int

_DIGITS = frozenset(b"0123456789")
# A run of zeros this long may be a fraction that no double holds (0.000…1 below 4.9e-324).
_ZERO_RUN = b"0" * 300


def parse_lazily(data: bytes | bytearray) -> Any | None:
    """The document as simdjson proxies (a scalar as itself), or None when it needs the faithful parser."""
    if data.startswith(b"\xef\xbb\xbf") or _may_underflow(data):  # simdjson skips a BOM; JSON has none
        return None
    try:
        # One parser per document: a parser holds a single document while its proxies live.
        return simdjson.Parser().parse(data)
    except (ValueError, RuntimeError):  # refused: invalid, or a value only the faithful parser keeps
        return None


def _may_underflow(data: bytes | bytearray) -> bool:
    """Whether a number might underflow to 0.0, which simdjson does silently (the faithful parser keeps its text)."""
    for marker in (b"e-", b"E-"):
        position = data.find(marker)
        while position >= 0:
            exponent = data[position + 2:position + 5]
            if position and data[position - 1] in _DIGITS and len(exponent) == 3 and exponent.isdigit():
                return True  # an exponent of -100 or below: possibly too small for a double
            position = data.find(marker, position + 2)
    return _ZERO_RUN in data


OBJECT_TYPES = (JsonObject, simdjson.Object)
CONTAINER_TYPES = (JsonObject, list, simdjson.Object, simdjson.Array)


def is_object(value: Any) -> bool:
    return type(value) is JsonObject or type(value) is simdjson.Object


def is_array(value: Any) -> bool:
    return type(value) is list or type(value) is simdjson.Array


def is_container(value: Any) -> bool:
    return type(value) in CONTAINER_TYPES


def keys(container: Any) -> list[str]:
    """An object's keys in document order, duplicates included."""
    if type(container) is JsonObject:
        return [key for key, _ in container]
    return list(container.keys())


def members(container: Any, start: int = 0, stop: int | None = None) -> Iterator[tuple[Key, Any]]:
    """(key, value) of an object's members, (index, value) of an array's items, from `start` to `stop`.

    A simdjson object is read key by key (its values stay proxies) unless that
    cannot find every member: simdjson finds only the first of equal keys and
    none that holds a NUL, so such an object is parsed faithfully from its own text.
    """
    kind = type(container)
    if kind is JsonObject:
        return islice(container, start, stop)
    if kind is list:
        return enumerate(container[start:stop], start)
    if kind is simdjson.Array:
        return enumerate(islice(container, start, stop), start)
    if kind is simdjson.Object:
        names = _names_if_readable(container)
        if names is None:
            return islice(faithful(container), start, stop)
        names = names[start:stop]
        return zip(names, map(container.__getitem__, names), strict=True)
    return iter(())


def object_members(container: Any, start: int = 0, stop: int | None = None) -> Iterator[tuple[str, Any]]:
    """`members` of an object, whose keys are all strings."""
    return cast(Iterator[tuple[str, Any]], members(container, start, stop))


def member_values(container: Any, start: int = 0, stop: int | None = None) -> Iterator[Any]:
    kind = type(container)
    if kind is list or kind is simdjson.Array:
        return islice(container, start, stop)
    if kind is simdjson.Object:
        names = _names_if_readable(container)
        if names is not None:
            return map(container.__getitem__, names[start:stop])
    return (value for _, value in members(container, start, stop))


def keys_and_values(container: Any) -> tuple[list[str], Iterator[Any]]:
    """An object's keys and its values, the keys read once."""
    if type(container) is JsonObject:
        return [key for key, _ in container], (value for _, value in container)
    names = list(container.keys())
    if _readable(names):
        return names, map(container.__getitem__, names)
    return names, (value for _, value in faithful(container))


def _names_if_readable(container: simdjson.Object) -> list[str] | None:
    """The object's keys if each finds its own member (unique, no NUL), else None."""
    names = list(container.keys())
    return names if _readable(names) else None


def _readable(names: list[str]) -> bool:
    return len(set(names)) == len(names) and "\x00" not in "".join(names)


def child(container: Any, position: int) -> Any:
    """The value at `position` among a container's members."""
    if type(container) is JsonObject:
        return container[position][1]
    if type(container) is list:
        return container[position]
    for _, value in members(container, position, position + 1):
        return value
    raise IndexError(f"no member {position}")


def _mini(container: simdjson.Object | simdjson.Array) -> bytes:
    """A container's minified JSON: bytes, though pysimdjson's type stubs say `str`."""
    return cast(bytes, container.mini)


def faithful(value: Any) -> Any:
    """A simdjson value as the faithful parser gives it (`JsonObject`s, lists and scalars)."""
    if type(value) is simdjson.Object or type(value) is simdjson.Array:
        return parse_large(_mini(value).decode("utf-8"))[0].value
    return value


# Characters the minified text escapes: a needle holding one is not found in it as the tree shows it.
_ESCAPED = frozenset('"\\' + "".join(map(chr, range(32))))
# What a float may be spelled with. simdjson spells some floats differently from the tree (which shows
# Python's spelling: 1000000000000000.0, not 1e+15), so a needle made only of these proves nothing.
_FLOAT_ALPHABET = frozenset("0123456789.e+-")


def text_lacks(needle: str) -> Callable[[Any], bool] | None:
    """A quick proof that a simdjson subtree holds no key or value containing `needle` (case-folded).

    The answer is "lacks" when its minified text, lowercased, does not contain the
    needle. That is exact where the text spells keys and values as the tree shows
    them: in an ASCII text (lowercasing is then case folding) strings, integers,
    true, false and null are spelled alike, save escapes; floats may differ, but
    a needle with a character no float has cannot match one. None when the
    needle does not allow the proof.
    """
    if not needle.isascii() or not _ESCAPED.isdisjoint(needle) or _FLOAT_ALPHABET.issuperset(needle):
        return None
    wanted = needle.encode("ascii")

    def lacks(container: Any) -> bool:
        if type(container) is not simdjson.Object and type(container) is not simdjson.Array:
            return False
        text = _mini(container)
        return text.isascii() and wanted not in text.lower()

    return lacks


def shallow(value: Any) -> Any:
    """A simdjson container as a `JsonObject` or list of its members, which stay proxies; else `value`."""
    if type(value) is simdjson.Object:
        return JsonObject(object_members(value))
    if type(value) is simdjson.Array:
        return list(value)
    return value
