"""MessagePack and CBOR frames: read faithfully into tree values, refused clearly, detected per connection."""

from __future__ import annotations

import datetime
import json
from typing import Any

import cbor2
import msgpack
import pytest

from app.core.binarydoc import MAX_DEPTH, BinaryDocumentError, read_cbor, read_msgpack
from app.core.capture import CaptureStore
from app.core.docnodes import LocalDocument
from app.core.frames import Direction, Frame, Opcode, Side
from app.core.jsondoc import JsonObject, dumps
from app.core.protocols import PROTOCOLS, detect
from app.core.protocols.base import Hint
from app.core.protocols.msgpack_cbor import DECODE_BYTES, Cbor, MessagePack
from app.core.protocols.tracker import ProtocolTracker

BINARY = int(Opcode.BINARY)


def compact(value: Any) -> Any:
    """A tree value as plain JSON data, for comparing with a literal."""
    return json.loads(dumps(value, indent=None))


def refusal(read: Any, data: bytes) -> str:
    with pytest.raises(BinaryDocumentError) as caught:
        read(data)
    return str(caught.value)


def test_a_msgpack_document_of_every_type_reads_to_json_with_explicit_wrappers() -> None:
    document = {
        "text": "héllo", "ints": [0, -1, 127, -33, 2**64 - 1, -(2**63)], "floats": [1.5, -0.0, 3.25],
        "odd floats": [float("nan"), float("inf"), float("-inf")], "bytes": b"\x00\xff\x10",
        "nil": None, "yes": True, "no": False, "ext": msgpack.ExtType(5, b"ab"),
        "time": msgpack.Timestamp(1714564800, 123), "keys": {1: "one", b"k": "bytes key", 2.5: "float key"},
        "$bytes": "a text key that looks like a wrapper",
    }
    value = read_msgpack(msgpack.packb(document))
    assert isinstance(value, JsonObject) and value[0] == ("$map", value[0][1])  # a wrapper name as a key: pairs
    pairs = dict((key, val) for key, val in compact(value)["$map"])
    assert pairs["text"] == "héllo"
    assert pairs["ints"] == [0, -1, 127, -33, 2**64 - 1, -(2**63)]
    assert pairs["floats"] == [1.5, -0.0, 3.25]
    assert pairs["odd floats"] == [{"$float": "NaN"}, {"$float": "Infinity"}, {"$float": "-Infinity"}]
    assert pairs["bytes"] == {"$bytes": "AP8Q"}
    assert (pairs["nil"], pairs["yes"], pairs["no"]) == (None, True, False)
    assert pairs["ext"] == {"$ext": 5, "$bytes": "YWI="}
    assert pairs["time"] == {"$ext": -1, "seconds": 1714564800, "nanoseconds": 123,
                             "utc": "2024-05-01T12:00:00.000000123Z"}
    assert pairs["keys"] == {"$map": [[1, "one"], [{"$bytes": "aw=="}, "bytes key"], [2.5, "float key"]]}
    assert pairs["$bytes"] == "a text key that looks like a wrapper"
    # Text keys stay an object, repeated keys included, in order.
    repeated = b"\x83\xa1a\x01\xa1b\x02\xa1a\x03"
    assert read_msgpack(repeated) == JsonObject([("a", 1), ("b", 2), ("a", 3)])


def test_a_cbor_document_keeps_every_tag_with_its_number_and_content() -> None:
    document = {
        "text": "héllo", "big": 2**70, "negative big": -(2**70), "int64": 2**64 - 1, "neg64": -(2**64),
        "date": datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC), "epoch": cbor2.CBORTag(1, 1700000000),
        "custom": cbor2.CBORTag(999, [1, b"x"]), "undefined": cbor2.undefined, "simple": cbor2.CBORSimpleValue(99),
        "set": cbor2.CBORTag(258, [1, 2]), "half": 1.5, "nan": float("nan"), 3: "integer key",
    }
    pairs = dict((key, val) for key, val in compact(read_cbor(cbor2.dumps(document)))["$map"])
    assert pairs["text"] == "héllo"
    assert pairs["big"] == {"$tag": 2, "value": 2**70}
    assert pairs["negative big"] == {"$tag": 3, "value": -(2**70)}
    assert (pairs["int64"], pairs["neg64"]) == (2**64 - 1, -(2**64))  # 64 bits: CBOR's own integers
    assert pairs["date"] == {"$tag": 0, "value": "2024-01-01T00:00:00Z"}
    assert pairs["epoch"] == {"$tag": 1, "value": 1700000000}
    assert pairs["custom"] == {"$tag": 999, "value": [1, {"$bytes": "eA=="}]}
    assert pairs["undefined"] == {"$undefined": True}
    assert pairs["simple"] == {"$simple": 99}
    assert pairs["set"] == {"$tag": 258, "value": [1, 2]}
    assert pairs["half"] == 1.5 and pairs["nan"] == {"$float": "NaN"}
    assert pairs[3] == "integer key"
    # Shared references stay tags: a value that contains itself is no cycle in the tree.
    assert compact(read_cbor(bytes.fromhex("d81c81d81d00"))) == {"$tag": 28, "value": [{"$tag": 29, "value": 0}]}
    assert compact(read_cbor(bytes.fromhex("d9d9f7a16161f6"))) == {"$tag": 55799, "value": {"a": None}}


def test_the_tree_shows_a_decoded_document() -> None:
    value = read_cbor(cbor2.dumps({"price": 1.5, "raw": b"\x01", "tags": [cbor2.CBORTag(7, "x")]}))
    document = LocalDocument(value, [])
    rows = document.children((), 0, 10)
    assert [(row.key, row.kind) for row in rows] == [("price", "number"), ("raw", "object"), ("tags", "array")]
    assert [(row.key, row.preview) for row in document.children((1,), 0, 10)] == [("$bytes", '"AQ=="')]


@pytest.mark.parametrize(("read", "deep"), [(read_msgpack, b"\x91" * 100_000 + b"\xc0"),
                                            (read_cbor, b"\x81" * 100_000 + b"\x00"),
                                            (read_msgpack, b"\x81\xa1a" * 100_000 + b"\xc0"),
                                            (read_cbor, b"\xa1\x61a" * 100_000 + b"\x00"),
                                            (read_cbor, b"\xc6" * 100_000 + b"\x00"),
                                            (read_msgpack, b"\x91" * (MAX_DEPTH + 100) + b"\xc0")])
def test_100000_deep_documents_are_refused_with_a_clear_message(read: Any, deep: bytes) -> None:
    assert f"nested deeper than {MAX_DEPTH} levels" in refusal(read, deep)


def test_broken_documents_are_refused_with_what_is_wrong() -> None:
    assert refusal(read_msgpack, b"\x92\x01") == "MessagePack: truncated: the document ends early"
    assert refusal(read_msgpack, b"\x01\x02\x03") == "MessagePack: 2 bytes follow the end of the document"
    assert "0xc1" in refusal(read_msgpack, b"\xc1")
    assert refusal(read_msgpack, b"\xa1\xff") == "MessagePack: a text string is not valid UTF-8"
    assert refusal(read_msgpack, b"\xdd\xff\xff\xff\xff") == "MessagePack: truncated: the document ends early"
    assert refusal(read_msgpack, b"") == "MessagePack: empty: no document"
    assert refusal(read_cbor, b"\x82\x01") == "CBOR: truncated: the document ends early"
    assert refusal(read_cbor, b"\x01\x02") == "CBOR: 1 byte follows the end of the document"
    assert refusal(read_cbor, b"\x61\xff") == "CBOR: a text string is not valid UTF-8"
    assert refusal(read_cbor, b"\x9b\xff\xff\xff\xff\xff\xff\xff\xff") == "CBOR: truncated: the document ends early"
    assert refusal(read_cbor, b"\x5b\x7f\xff\xff\xff\xff\xff\xff\xff") == "CBOR: truncated: the document ends early"
    assert "Duplicate map key" in refusal(read_cbor, bytes.fromhex("a2010101f5"))  # 1 twice: CBOR calls it invalid
    assert "break" in refusal(read_cbor, b"\xff")


def test_frames_decode_on_a_connection_of_their_format_and_others_stay_as_they_are() -> None:
    decoded = MessagePack().decode(Opcode.BINARY, msgpack.packb({"event": "tick", "n": 1}))
    assert decoded is not None and decoded.protocol == "msgpack" and decoded.kind == "map"
    assert compact(decoded.value) == {"event": "tick", "n": 1}
    assert MessagePack().decode(Opcode.BINARY, b"\x92\x01") is None  # broken: shown raw
    assert MessagePack().decode(Opcode.TEXT, '{"a": 1}') is None
    tagged = Cbor().decode(Opcode.BINARY, cbor2.dumps(cbor2.CBORTag(1, 5)))
    assert tagged is not None and tagged.kind == "tag" and compact(tagged.value) == {"$tag": 1, "value": 5}
    assert {"msgpack", "cbor"} <= set(PROTOCOLS)


def msgpack_frames(*documents: Any) -> list[tuple[int, str | bytes]]:
    return [(BINARY, msgpack.packb(document)) for document in documents]


def cbor_frames(*documents: Any) -> list[tuple[int, str | bytes]]:
    return [(BINARY, cbor2.dumps(document)) for document in documents]


def test_detection_by_subprotocol_or_by_three_frames_that_only_one_format_reads() -> None:
    assert detect(Hint("ws://127.0.0.1/x", "msgpack"), 0.9) is PROTOCOLS["msgpack"]
    assert detect(Hint("ws://127.0.0.1/x", "wamp.2.cbor"), 0.9) is PROTOCOLS["cbor"]
    documents = ({"type": "tick", "n": 1}, {"type": "tick", "n": 2}, [1, "two", 3.5])
    assert detect(Hint("ws://127.0.0.1/x", None, msgpack_frames(*documents))) is PROTOCOLS["msgpack"]
    assert detect(Hint("ws://127.0.0.1/x", None, cbor_frames(*documents))) is PROTOCOLS["cbor"]
    # Frames decode as either format only when one says so: two frames are not enough.
    assert detect(Hint("ws://127.0.0.1/x", None, msgpack_frames(*documents[:2]))) is None
    # Small integers read alike in both: neither is chosen, however many frames there are.
    assert detect(Hint("ws://127.0.0.1/x", None, [(BINARY, bytes([n])) for n in range(8)])) is None
    # One frame that is not MessagePack spoils the guess; text frames are not looked at.
    assert detect(Hint("ws://127.0.0.1/x", None, [*msgpack_frames(*documents), (BINARY, b"\x92\x01")])) is None
    assert detect(Hint("ws://127.0.0.1/x", None, [(1, '{"a": 1}'), *msgpack_frames(*documents)])) is PROTOCOLS["msgpack"]
    assert detect(Hint("ws://127.0.0.1/x", None, [(BINARY, b"\x00\x01garbage")] * 8)) is None


def test_the_tracker_decodes_a_msgpack_connection_found_from_its_frames() -> None:
    store = CaptureStore()
    details = json.dumps({"url": "ws://127.0.0.1:1/feed", "subprotocol": None})
    frames = [Frame("client#1", Side.CLIENT, Direction.EVENT, Opcode.OPEN, details, 0, 100.0)]
    frames += [Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.BINARY, msgpack.packb({"n": n, "b": b"x"}),
                     wall_time=100.0 + n) for n in range(8)]
    store.extend(frames)
    tracker = ProtocolTracker(store)
    for _ in range(100):
        if tracker.catch_up():
            break
    assert tracker.protocol_of("client#1") is PROTOCOLS["msgpack"]
    decoded = tracker.decoded(3)
    assert decoded is not None and compact(decoded.value) == {"n": 2, "b": {"$bytes": "eA=="}}


def test_a_frame_over_the_decode_size_stays_raw_and_reads_on_demand() -> None:
    big = msgpack.packb({"blob": b"x" * DECODE_BYTES})
    assert MessagePack().decode(Opcode.BINARY, big) is None
    assert compact(read_msgpack(big))["blob"]["$bytes"].startswith("eHh4")
