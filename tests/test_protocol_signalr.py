"""SignalR's JSON hub protocol, with frames written from its specification (HubProtocol.md)."""

from __future__ import annotations

import json

from app.core.frames import Direction, Opcode
from app.core.protocols import PROTOCOLS, detect
from app.core.protocols.base import Decoded, Hint, Role
from app.core.protocols.signalr import SignalR
from tests.protocol_cases import as_text, corpus_files, deep, frame, opened, tracked, truncations

RS = "\x1e"
HANDSHAKE = '{"protocol":"json","version":1}' + RS
INVOKE = '{"type":1,"invocationId":"123","target":"Send","arguments":[42,"Test Message"]}' + RS
FIRE_AND_FORGET = '{"type":1,"target":"Send","arguments":[42,"Test Message"]}' + RS
STREAM = '{"type":4,"invocationId":"123","target":"Counter","arguments":[3]}' + RS
ITEM = '{"type":2,"invocationId":"123","item":42}' + RS
RESULT = '{"type":3,"invocationId":"123","result":42}' + RS
FAILED = '{"type":3,"invocationId":"123","error":"It didn\'t work!"}' + RS
CANCEL = '{"type":5,"invocationId":"123"}' + RS
PING = '{"type":6}' + RS
CLOSE = '{"type":7,"error":"Connection closed because of an error!","allowReconnect":true}' + RS


def decode(payload: str | bytes, opcode: int = Opcode.TEXT) -> Decoded | None:
    return SignalR().decode(opcode, payload)


def test_every_message_type_decodes_to_its_kind_target_and_invocation_id() -> None:
    expected = {
        HANDSHAKE: ("handshake", None, None, Role.NONE),
        "{}" + RS: ("handshake", None, None, Role.NONE),
        '{"error":"Requested protocol \'messagepack\' is not available."}' + RS: ("handshake", None, None, Role.NONE),
        INVOKE: ("invocation", "Send", "123", Role.REQUEST),
        FIRE_AND_FORGET: ("invocation", "Send", None, Role.NONE),
        STREAM: ("stream invocation", "Counter", "123", Role.REQUEST),
        ITEM: ("stream item", None, "123", Role.PARTIAL),
        RESULT: ("completion", None, "123", Role.REPLY),
        FAILED: ("completion", None, "123", Role.REPLY),
        CANCEL: ("cancel", None, "123", Role.NONE),
        PING: ("ping", None, None, Role.NONE),
        CLOSE: ("close", None, None, Role.NONE),
    }
    for payload, (kind, name, key, role) in expected.items():
        decoded = decode(payload)
        assert decoded is not None, payload
        assert (decoded.protocol, decoded.kind, decoded.name, decoded.key, decoded.role) == (
            "signalr", kind, name, key, role), payload
        assert decoded.value == json.loads(payload[:-1])  # the record, without its separator
        assert decoded.heartbeat == (payload == PING)
    assert decode(INVOKE).summary() == "Send" and decode(PING).summary() == "ping"


def test_several_records_in_one_frame_are_parts_of_it() -> None:
    decoded = decode(INVOKE + PING + '{"type":1,"target":"Notify","arguments":[]}' + RS + RESULT)
    assert decoded is not None and decoded.kind == "records"
    assert [part.kind for part in decoded.parts] == ["invocation", "ping", "invocation", "completion"]
    assert decoded.name == "Send, Notify"
    assert decoded.value == [part.value for part in decoded.parts] and len(decoded.value) == 4


def test_frames_that_break_the_format_are_not_decoded() -> None:
    broken = [
        INVOKE[:-1],  # no final separator
        INVOKE + '{"type":6}',  # the last record unterminated
        INVOKE + "[1]" + RS,  # a record that is not an object
        INVOKE + RS,  # an empty record
        '{"type":99}' + RS,  # no such message type
        '{"type":"1","target":"Send"}' + RS,  # the type is a number
        '{"type":true}' + RS,
        '{"target":"Send"}' + RS,  # neither a message nor a handshake
        '{"type":1,' + RS,
        '"type"' + RS,
        "",
        RS,
        '{"jsonrpc":"2.0","method":"x"}',
    ]
    for payload in broken:
        assert decode(payload) is None, payload
    assert decode(INVOKE.encode(), Opcode.BINARY) is None  # the JSON protocol speaks in text frames
    non_string = decode('{"type":1,"invocationId":7,"target":"Send","arguments":[]}' + RS)
    assert non_string is not None and non_string.key is None and non_string.role is Role.NONE


def test_hostile_frames_never_raise() -> None:
    for payload in (deep("[") + RS, "{" + deep('{"a":') + RS, "{" + RS * 100_000,
                    '{"type":1,"target":"\udcff"}' + RS, INVOKE * 1000):
        decode(payload)
    for cut in truncations((HANDSHAKE + INVOKE + ITEM + CLOSE).encode()):
        text = as_text(cut)
        decoded = decode(text)
        assert decoded is None or text.endswith(RS)
    for name, data in corpus_files():
        for payload in (as_text(data) + RS, "{" + as_text(data) + RS, INVOKE + as_text(data) + RS):
            decoded = decode(payload)
            assert decoded is None or decoded.protocol == "signalr", name
        decode(data, Opcode.BINARY)


def test_detection_from_the_handshake_or_a_hub_url_with_records() -> None:
    assert PROTOCOLS["signalr"].name == "signalr"
    text = int(Opcode.TEXT)
    assert detect(Hint("ws://127.0.0.1:5000/anything", None, [(text, HANDSHAKE)]), 0.9) is PROTOCOLS["signalr"]
    assert detect(Hint("ws://127.0.0.1:5000/chathub?id=abc", None, [(text, PING)]), 0.9) is PROTOCOLS["signalr"]
    assert detect(Hint("ws://127.0.0.1:5000/feed", None, [(text, PING)]), 0.9) is None  # one record, no hub
    assert detect(Hint("ws://127.0.0.1:5000/feed", None, [(text, PING), (text, INVOKE)])) is PROTOCOLS["signalr"]
    assert detect(Hint("ws://127.0.0.1:5000/chathub", None)) is None  # a URL alone says nothing
    assert detect(Hint("ws://127.0.0.1:5000/chathub", None, [(text, '{"type":1}')])) is None


def test_invocations_pair_with_their_completion_and_stream_items_answer_before_it() -> None:
    store, tracker = tracked([
        opened("client#1", "ws://127.0.0.1:5000/chathub?id=x"),
        frame(Direction.SENT, HANDSHAKE, 1.0),  # 1
        frame(Direction.RECEIVED, "{}" + RS, 1.001),  # 2
        frame(Direction.SENT, STREAM, 1.010),  # 3
        frame(Direction.RECEIVED, ITEM, 1.030),  # 4
        frame(Direction.RECEIVED, ITEM + PING, 1.040),  # 5
        frame(Direction.RECEIVED, '{"type":3,"invocationId":"123"}' + RS, 1.050),  # 6
        frame(Direction.SENT, INVOKE.replace('"123"', '"124"'), 2.0),  # 7
        frame(Direction.RECEIVED, RESULT.replace('"123"', '"124"'), 2.150),  # 8
        frame(Direction.RECEIVED, PING, 3.0),  # 9
    ])
    assert tracker.protocol_of("client#1") is PROTOCOLS["signalr"]
    assert tracker.partner(3) == 4 and tracker.partner(4) == 3  # the first item answers the stream
    assert tracker.partner(6) == 3 and tracker.is_reply(6)
    assert tracker.partner(7) == 8 and tracker.partner(8) == 7
    latency = tracker.latency(8)
    assert latency is not None and abs(latency - 150.0) < 0.01
    assert tracker.is_heartbeat(9) and not tracker.is_heartbeat(8)
    assert not tracker.is_pending(3, now=3.0) and not tracker.is_pending(7, now=3.0)
    decoded = tracker.decoded(7)
    assert decoded is not None and decoded.summary() == "Send"
