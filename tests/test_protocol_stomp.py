"""STOMP 1.2 frames, written from its specification: commands, headers, bodies, heart-beats and receipts."""

from __future__ import annotations

from app.core.frames import Direction, Opcode
from app.core.protocols import PROTOCOLS, detect
from app.core.protocols.base import SAME, Decoded, Hint, Role
from app.core.protocols.stomp import Stomp
from tests.protocol_cases import as_text, corpus_files, deep, frame, opened, tracked, truncations

CONNECT = "CONNECT\naccept-version:1.2\nhost:stomp.github.org\n\n\x00"
CONNECTED = "CONNECTED\nversion:1.2\nheart-beat:10000,10000\n\n\x00\n"
SUBSCRIBE = "SUBSCRIBE\nid:0\ndestination:/queue/foo\nack:client\n\n\x00"
SEND = "SEND\ndestination:/queue/a\ncontent-type:text/plain\n\nhello queue a\n\x00"
SEND_JSON = 'SEND\r\ndestination:/topic/prices\r\ncontent-type:application/json\r\nreceipt:r-1\r\n\r\n{"AAPL": 187.5}\x00'
MESSAGE = ('MESSAGE\nsubscription:0\nmessage-id:007\ndestination:/topic/prices\ncontent-length:16\n\n'
           '{"AAPL": 187.5}\n\x00')
RECEIPT = "RECEIPT\nreceipt-id:r-1\n\n\x00"
ERROR = ("ERROR\nreceipt-id:message-12345\ncontent-type:text/plain\ncontent-length:24\nmessage:malformed frame received"
         "\n\nThe message:\n-----\nSEND\n\x00")
DISCONNECT = "DISCONNECT\nreceipt:77\n\n\x00"


def decode(payload: str | bytes) -> Decoded | None:
    return Stomp().decode(Opcode.BINARY if isinstance(payload, bytes) else Opcode.TEXT, payload)


def test_every_frame_decodes_to_its_command_destination_and_receipt() -> None:
    expected = {
        CONNECT: ("CONNECT", "CONNECT", None, Role.NONE),
        CONNECTED: ("CONNECTED", "CONNECTED", None, Role.NONE),
        SUBSCRIBE: ("SUBSCRIBE", "SUBSCRIBE /queue/foo", None, Role.NONE),
        SEND: ("SEND", "SEND /queue/a", None, Role.NONE),
        SEND_JSON: ("SEND", "SEND /topic/prices", "r-1", Role.REQUEST),
        MESSAGE: ("MESSAGE", "MESSAGE /topic/prices", None, Role.NONE),
        RECEIPT: ("RECEIPT", "RECEIPT", "r-1", Role.REPLY),
        ERROR: ("ERROR", "ERROR", "message-12345", Role.REPLY),
        DISCONNECT: ("DISCONNECT", "DISCONNECT", "77", Role.REQUEST),
    }
    for payload, (kind, name, key, role) in expected.items():
        for as_sent in (payload, payload.encode()):  # text frames, and binary ones as stomp.js sends for bytes
            decoded = decode(as_sent)
            assert decoded is not None, payload
            assert (decoded.protocol, decoded.kind, decoded.name, decoded.key, decoded.role, decoded.heartbeat) == (
                "stomp", kind, name, key, role, False), payload


def test_a_json_body_is_the_value_and_other_frames_show_their_headers_and_text() -> None:
    assert decode(SEND_JSON).value == {"AAPL": 187.5}  # declared JSON
    assert decode(MESSAGE).value == {"AAPL": 187.5}  # no content-type, but an object that parses
    assert decode(SEND).value == {"command": "SEND", "headers": {"destination": "/queue/a", "content-type": "text/plain"},
                                  "body": "hello queue a\n"}
    assert decode(CONNECTED).value == {"command": "CONNECTED", "headers": {"version": "1.2", "heart-beat": "10000,10000"}}
    assert decode("SEND\ndestination:/q\ncontent-type:application/json\n\n{not json\x00").value["body"] == "{not json"
    binary = decode(b"SEND\ndestination:/q\ncontent-length:3\n\n\xff\x00\xfe\x00")
    assert binary is not None and binary.value["bodySize"] == 3
    error = decode(ERROR)
    assert error.value["body"] == "The message:\n-----\nSEND\n" and error.value["headers"]["message"] == (
        "malformed frame received")


def test_headers_are_unescaped_except_in_connect_and_connected_and_the_first_repeat_wins() -> None:
    escaped = decode("MESSAGE\ndestination:/queue/a\\cb\nnote:one\\ntwo\\\\three\\r\nnote:second\n\n\x00")
    assert escaped.name == "MESSAGE /queue/a:b"
    assert escaped.value["headers"] == {"destination": "/queue/a:b", "note": "one\ntwo\\three\r"}
    literal = decode("CONNECT\nlogin:a\\cb\nhost:h:61613\n\n\x00")
    assert literal.value["headers"] == {"login": "a\\cb", "host": "h:61613"}
    assert decode("SEND\ndestination:/a\\tb\n\n\x00") is None  # an escape STOMP does not define
    assert decode("SEND\ndestination:/a\\\n\n\x00") is None


def test_content_length_bodies_may_hold_nul_and_several_frames_share_a_message() -> None:
    nul = decode("SEND\ndestination:/q\ncontent-length:5\n\na\x00b\x00c\x00")
    assert nul.value["body"] == "a\x00b\x00c"
    decoded = decode(MESSAGE + "\n\n" + RECEIPT + "\r\n" + SEND)
    assert decoded is not None and decoded.kind == "frames" and len(decoded.parts) == 3
    assert decoded.name == "MESSAGE /topic/prices, RECEIPT, SEND /queue/a"
    assert decoded.value == [part.value for part in decoded.parts]


def test_end_of_lines_alone_are_heart_beats() -> None:
    for payload in ("\n", "\r\n", "\n\n\r\n", b"\n"):
        decoded = decode(payload)
        assert decoded is not None and decoded.heartbeat and decoded.kind == "heart-beat", payload
        assert decoded.value is SAME and decoded.key is None


def test_frames_that_break_the_grammar_are_not_decoded() -> None:
    broken: list[str | bytes] = [
        "", "\x00", "HELLO\n\n\x00", "send\n\n\x00", "SEND", "SEND\n", "SEND\ndestination:/q\n",
        "SEND\ndestination:/q\n\nno NUL", "SEND\nno colon here\n\n\x00",
        "SEND\ncontent-length:10\n\nshort\x00", "SEND\ncontent-length:5\n\nhello!\x00",  # the NUL not where it says
        "SEND\ncontent-length:-1\n\n\x00", "SEND\ncontent-length:١\n\nx\x00", "SEND\ncontent-length:99999999999999\n\n\x00",
        b"SEND\ndestination:\xff\xfe\n\n\x00", "SEND\ndestination:\udcff\n\n\x00",
        '{"command": "SEND"}', "\nHELLO\n\n\x00", "MESSAGE\n\n\x00garbage",
    ]
    for payload in broken:
        assert decode(payload) is None, payload
    assert Stomp().decode(Opcode.PING, b"\n") is None


def test_hostile_frames_never_raise() -> None:
    for payload in ("SEND\ncontent-type:application/json\n\n" + deep("[") + "\x00",
                    "MESSAGE\n\n" + deep('{"a":') + "\x00", "\n" * 1_000_000, "SEND\n" + "a:b\n" * 100_000 + "\n\x00"):
        decode(payload)
    for cut in truncations((CONNECT + SEND_JSON + MESSAGE).encode()):
        decode(as_text(cut))
        decode(cut)
    for name, data in corpus_files():
        payloads: tuple[bytes, ...] = (f"MESSAGE\ndestination:/q\ncontent-length:{len(data)}\n\n".encode() + data + b"\x00",
                                       b"SEND\ncontent-type:application/json\n\n" + data + b"\x00",
                                       b"MESSAGE\n" + data + b"\n\n\x00")
        for message in payloads:
            decoded = decode(message)
            assert decoded is None or decoded.protocol == "stomp", name
            decode(as_text(message))


def test_detection_from_the_subprotocol_or_a_first_connect() -> None:
    stomp = PROTOCOLS["stomp"]
    for subprotocol in ("v12.stomp", "v11.stomp", "stomp"):
        assert detect(Hint("ws://127.0.0.1:8080/ws", subprotocol), 0.9) is stomp
    text = int(Opcode.TEXT)
    assert detect(Hint("ws://127.0.0.1:8080/ws", None, [(text, CONNECT)]), 0.9) is stomp
    assert detect(Hint("ws://127.0.0.1:8080/ws", None, [(text, "STOMP\naccept-version:1.2\nhost:h\n\n\x00")]), 0.9) is stomp
    assert detect(Hint("ws://127.0.0.1:8080/ws", None, [(text, SEND)]), 0.9) is None  # not at once
    assert detect(Hint("ws://127.0.0.1:8080/ws", None, [(text, SEND), (text, "\n")])) is stomp  # from the frames
    assert detect(Hint("ws://127.0.0.1:8080/ws", None, [(text, "\n")])) is None  # an end of line is not enough
    assert detect(Hint("ws://127.0.0.1:8080/ws", None, [(text, '{"a": 1}')])) is None


def test_a_receipt_pairs_with_the_frame_that_asked_for_it_and_heart_beats_are_marked() -> None:
    store, tracker = tracked([
        opened("client#1", "ws://127.0.0.1:8080/ws", "v12.stomp"),
        frame(Direction.SENT, CONNECT, 1.0),  # 1
        frame(Direction.RECEIVED, CONNECTED, 1.002),  # 2
        frame(Direction.SENT, SEND_JSON, 1.010),  # 3
        frame(Direction.RECEIVED, "\n", 1.050),  # 4
        frame(Direction.RECEIVED, MESSAGE, 1.070),  # 5
        frame(Direction.RECEIVED, RECEIPT, 1.130),  # 6
        frame(Direction.SENT, DISCONNECT, 2.0),  # 7
    ])
    assert tracker.protocol_of("client#1") is PROTOCOLS["stomp"]
    assert tracker.partner(3) == 6 and tracker.partner(6) == 3 and tracker.is_reply(6)
    latency = tracker.latency(6)
    assert latency is not None and abs(latency - 120.0) < 0.01
    assert tracker.is_heartbeat(4) and not tracker.is_heartbeat(5)
    assert tracker.is_pending(7, now=2.5)  # no RECEIPT for the DISCONNECT yet
    assert tracker.decoded(5).value == {"AAPL": 187.5}
