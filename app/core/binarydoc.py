"""MessagePack and CBOR documents read into the values the tree shows, losing nothing.

The tree shows JSON-shaped values (`JsonObject`, lists, strings, numbers, booleans,
null). What JSON has no word for is shown as a small object whose first key names it,
so that nothing is dropped or guessed at:

- `{"$bytes": "<base64>"}`: a byte string (standard base64 alphabet, padded);
- `{"$ext": <code>, "$bytes": "<base64>"}`: a MessagePack extension type; the timestamp
  extension (-1) as `{"$ext": -1, "seconds": s, "nanoseconds": n, "utc": "…Z"}` ("utc"
  only where a calendar date can spell it);
- `{"$tag": <number>, "value": <content>}`: a CBOR tag, every tag alike (nothing is
  converted to a date, a set, a shared reference…); the content of a bignum (tag 2 or
  3) is the integer itself, exact, when it has at most `BIGNUM_BYTES` bytes;
- `{"$map": [[key, value], …]}`: a map with a key that is not a text string (or a text
  key that is one of these names), its pairs in order;
- `{"$float": "NaN" | "Infinity" | "-Infinity"}` (a NaN's payload bits are not shown);
  `{"$simple": <n>}` for a CBOR simple
  value other than false, true and null; `{"$undefined": true}` for CBOR's undefined.

A text map keeps its pairs in order; MessagePack's repeated keys all stay, as in JSON
documents. A CBOR map that repeats a key is refused: CBOR calls it invalid, and its
decoder would keep only one of them.

Reading is bounded: `MAX_BYTES` per document, `MAX_DEPTH` levels, `MAX_VALUES` values.
The decoders are C code that stop at a depth limit (MessagePack's is its own, after a
first pass that only skims the document); the conversion here walks
with an explicit stack, so no input makes anything recurse. Every refusal is a
`BinaryDocumentError` whose message says why.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import cbor2
import msgpack

from app.core.errors import SocketScopeError
from app.core.jsondoc import JsonObject

MAX_BYTES = 8 * 1024 * 1024  # a bigger document is not read
MAX_DEPTH = 512  # nested arrays, maps and tags
MAX_VALUES = 1_000_000  # values in one document, containers included
BIGNUM_BYTES = 1024  # a bignum up to this size shows as its integer (about 2,466 digits)

BYTES, EXT, TAG, MAP, FLOAT, SIMPLE, UNDEFINED = "$bytes", "$ext", "$tag", "$map", "$float", "$simple", "$undefined"
WRAPPERS = frozenset((BYTES, EXT, TAG, MAP, FLOAT, SIMPLE, UNDEFINED))


class BinaryDocumentError(SocketScopeError, ValueError):
    """Why a payload is not read as a MessagePack or CBOR document."""

    __slots__ = ()


class _Pairs(list[tuple[Any, Any]]):
    """A MessagePack map as the decoder hands it over: its pairs, in order, repeated keys kept."""

    __slots__ = ()


class _Ext:
    """A MessagePack extension as sent: any code, the reserved ones below 0 included."""

    __slots__ = ("code", "data")

    def __init__(self, code: int, data: bytes) -> None:
        self.code, self.data = code, data


class _AllTags(Mapping[int, Any]):
    """Overrides cbor2's decoding of every tag: each stays a `CBORTag` with its number and content."""

    def __getitem__(self, tag: int) -> Any:
        return lambda content, _immutable: cbor2.CBORTag(tag, content)

    def __contains__(self, tag: object) -> bool:
        return isinstance(tag, int)

    def __iter__(self) -> Any:
        return iter(())

    def __len__(self) -> int:
        return 0


_ALL_TAGS = _AllTags()


def parse_msgpack(data: bytes) -> Any:
    """The decoder's own objects for one whole MessagePack document (`read_msgpack` makes them tree values).

    A first pass only skips through the document: it builds nothing, so a truncated
    document, one nested too deep or one claiming lengths it does not hold is refused
    before the decoder sets aside room for what the lengths claim.
    """
    _check_size(data, "MessagePack")
    try:
        skimmer = msgpack.Unpacker(max_buffer_size=len(data), max_array_len=MAX_VALUES, max_map_len=MAX_VALUES)
        skimmer.feed(data)
        skimmer.skip()
        if skimmer.tell() != len(data):
            raise BinaryDocumentError(f"MessagePack: {_trailing(len(data) - skimmer.tell())}")
        return msgpack.unpackb(data, raw=False, strict_map_key=False, object_pairs_hook=_Pairs, ext_hook=_Ext,
                               max_array_len=MAX_VALUES, max_map_len=MAX_VALUES)
    except msgpack.OutOfData:
        raise BinaryDocumentError("MessagePack: truncated: the document ends early") from None
    except msgpack.StackError:
        raise BinaryDocumentError(f"MessagePack: nested deeper than {MAX_DEPTH} levels") from None
    except msgpack.FormatError:
        raise BinaryDocumentError("MessagePack: not valid (a type byte that is never used, 0xc1)") from None
    except UnicodeDecodeError:
        raise BinaryDocumentError("MessagePack: a text string is not valid UTF-8") from None
    except BinaryDocumentError:
        raise
    except (ValueError, TypeError, OverflowError) as error:
        reason = str(error)
        if "exceeds max_" in reason:
            reason = f"a length of {reason.split()[0]} claimed, more than {MAX_VALUES:,} items"
        raise BinaryDocumentError(f"MessagePack: {reason}") from None


def parse_cbor(data: bytes) -> Any:
    """The decoder's own objects for one whole CBOR document, every tag a `CBORTag`."""
    _check_size(data, "CBOR")
    stream = io.BytesIO(data)
    decoder = cbor2.CBORDecoder(stream, semantic_decoders=_ALL_TAGS, max_depth=MAX_DEPTH,
                                allow_duplicate_keys=False)
    try:
        value = decoder.decode()
    except cbor2.CBORDecodeEOF:
        raise BinaryDocumentError("CBOR: truncated: the document ends early") from None
    except cbor2.CBORDecodeError as error:
        reason = str(error)
        if "nesting depth" in reason:
            reason = f"nested deeper than {MAX_DEPTH} levels"
        elif isinstance(error.__cause__, UnicodeDecodeError):
            reason = "a text string is not valid UTF-8"
        raise BinaryDocumentError(f"CBOR: {reason}") from None
    except (ValueError, TypeError, OverflowError, RecursionError) as error:
        raise BinaryDocumentError(f"CBOR: {error}") from None
    extra = len(data) - stream.tell()
    if extra:
        raise BinaryDocumentError(f"CBOR: {_trailing(extra)}")
    return value


def read_msgpack(data: bytes) -> Any:
    """One whole MessagePack document as a tree value (see the module's text for the wrappers)."""
    return _tree_of(parse_msgpack(data), "MessagePack")


def read_cbor(data: bytes) -> Any:
    """One whole CBOR document as a tree value (see the module's text for the wrappers)."""
    return _tree_of(parse_cbor(data), "CBOR")


def _tree_of(decoded: Any, name: str) -> Any:
    try:
        return to_tree(decoded)
    except BinaryDocumentError as error:
        raise BinaryDocumentError(f"{name}: {error}") from None


def kind_of(decoded: Any) -> str:
    """The type word of a decoder's object, as MessagePack and CBOR name their types."""
    if decoded is None:
        return "null"
    if isinstance(decoded, bool):
        return "boolean"
    if isinstance(decoded, int):
        return "integer"
    if isinstance(decoded, float):
        return "float"
    if isinstance(decoded, str):
        return "string"
    if isinstance(decoded, bytes | bytearray | memoryview):
        return "bytes"
    if isinstance(decoded, _Pairs | Mapping):
        return "map"
    if isinstance(decoded, _Ext | msgpack.ExtType):  # before arrays: ExtType is a named tuple
        return "ext"
    if isinstance(decoded, list | tuple):
        return "array"
    if isinstance(decoded, msgpack.Timestamp):
        return "timestamp"
    if isinstance(decoded, cbor2.CBORTag):
        return "tag"
    if isinstance(decoded, cbor2.CBORSimpleValue):
        return "simple"
    return "undefined" if decoded is cbor2.undefined else type(decoded).__name__


_NO_KEY = object()  # a task's slot is a list item, not an object member
_PLAIN = frozenset((str, int, bool, type(None)))  # shown as they are (and finite floats)


def to_tree(decoded: Any) -> Any:
    """The decoder's objects as tree values, walked with an explicit stack (any depth, no recursion).

    Plain members (text, integers, finite floats, booleans, null) are placed as their
    container is opened; only what needs a wrapper or holds members becomes a task.
    """
    count = 1
    holder: list[Any] = [None]
    # (container, slot, member key or _NO_KEY, decoder object, depth): fill container[slot]
    tasks: list[tuple[list[Any], int, Any, Any, int]] = [(holder, 0, _NO_KEY, decoded, 0)]
    while tasks:
        container, slot, key, item, depth = tasks.pop()
        value, size, children = _convert(item)
        container[slot] = value if key is _NO_KEY else (key, value)
        count += size
        if count > MAX_VALUES:
            raise BinaryDocumentError(f"more than {MAX_VALUES:,} values: not shown")
        if children:
            if depth >= MAX_DEPTH:
                raise BinaryDocumentError(f"nested deeper than {MAX_DEPTH} levels")
            tasks.extend((target, index, member_key, child, depth + 1)
                         for target, index, member_key, child in children)
    return holder[0]


_Children = list[tuple[list[Any], int, Any, Any]]


def _plain(value: Any) -> bool:
    kind = type(value)
    return kind in _PLAIN or (kind is float and math.isfinite(value))


def _convert(item: Any) -> tuple[Any, int, _Children]:
    """`item` as a tree value, how many members it has, and the members still to convert."""
    if _plain(item):
        return item, 0, []
    if isinstance(item, float):
        return JsonObject([(FLOAT, "NaN" if math.isnan(item) else ("Infinity" if item > 0 else "-Infinity"))]), 0, []
    if isinstance(item, bytes | bytearray | memoryview):
        return _bytes(item), 0, []
    if isinstance(item, _Pairs):  # before lists: it is one
        return _map(item)
    if isinstance(item, _Ext | msgpack.ExtType):  # before tuples: ExtType is one
        return JsonObject([(EXT, item.code), (BYTES, base64.b64encode(item.data).decode("ascii"))]), 0, []
    if isinstance(item, list | tuple):
        array = list(item)
        return array, len(array), [(array, index, _NO_KEY, child) for index, child in enumerate(array)
                                   if not _plain(child)]
    if isinstance(item, Mapping):
        return _map(list(item.items()))
    if isinstance(item, cbor2.CBORTag):
        return _tag(item.tag, item.value)
    if isinstance(item, msgpack.Timestamp):
        return _timestamp(item), 0, []
    if isinstance(item, cbor2.CBORSimpleValue):
        return JsonObject([(SIMPLE, item.value)]), 0, []
    if item is cbor2.undefined:
        return JsonObject([(UNDEFINED, True)]), 0, []
    raise BinaryDocumentError(f"a value of type {type(item).__name__} has no faithful form in the tree")


def _bytes(data: bytes | bytearray | memoryview) -> JsonObject:
    return JsonObject([(BYTES, base64.b64encode(data).decode("ascii"))])


def _map(pairs: list[tuple[Any, Any]]) -> tuple[Any, int, _Children]:
    if all(type(key) is str and key not in WRAPPERS for key, _ in pairs):
        members = JsonObject(pairs)  # the pairs are (key, value) tuples already
        return members, len(members), [(members, index, key, value) for index, (key, value) in enumerate(members)
                                       if not _plain(value)]
    rows = [list(pair) for pair in pairs]
    children: _Children = []
    for row in rows:
        children += [(row, slot, _NO_KEY, part) for slot, part in enumerate(row) if not _plain(part)]
    return JsonObject([(MAP, rows)]), 2 * len(rows), children


def _tag(number: int, content: Any) -> tuple[Any, int, _Children]:
    if number in (2, 3) and isinstance(content, bytes) and len(content) <= BIGNUM_BYTES:
        magnitude = int.from_bytes(content, "big")
        return JsonObject([(TAG, number), ("value", magnitude if number == 2 else -1 - magnitude)]), 0, []
    wrapper = JsonObject([(TAG, number), ("value", content)])
    return wrapper, 1, [] if _plain(content) else [(wrapper, 1, "value", content)]


def _timestamp(stamp: msgpack.Timestamp) -> JsonObject:
    members: list[tuple[str, Any]] = [(EXT, -1), ("seconds", stamp.seconds), ("nanoseconds", stamp.nanoseconds)]
    try:
        moment = datetime.fromtimestamp(stamp.seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return JsonObject(members)  # before year 1 or after 9999: the seconds say it all
    fraction = f".{stamp.nanoseconds:09d}" if stamp.nanoseconds else ""
    utc = (f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
           f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}{fraction}Z")
    return JsonObject([*members, ("utc", utc)])


def _trailing(extra: int) -> str:
    return "1 byte follows the end of the document" if extra == 1 else f"{extra:,} bytes follow the end of the document"


def _check_size(data: bytes, name: str) -> None:
    if not data:
        raise BinaryDocumentError(f"{name}: empty: no document")
    if len(data) > MAX_BYTES:
        raise BinaryDocumentError(f"{name}: {len(data):,} bytes, more than the {MAX_BYTES // (1024 * 1024)} MiB read")


__all__ = ["BinaryDocumentError", "MAX_BYTES", "MAX_DEPTH", "MAX_VALUES", "WRAPPERS", "kind_of", "parse_cbor",
           "parse_msgpack", "read_cbor", "read_msgpack", "to_tree"]
