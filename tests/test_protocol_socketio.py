"""Socket.IO v5 over Engine.IO v4: decoding frames, detecting connections, pairing acks, bad input."""

from __future__ import annotations

import json
import math

import pytest

from app.core.capture import CaptureStore
from app.core.frames import Direction, Frame, Opcode, Side
from app.core.protocols import PROTOCOLS, URL_CONFIDENCE, detect
from app.core.protocols.base import SAME, Decoded, Hint, Role
from app.core.protocols.socketio import MAX_ACK_DIGITS, SocketIo, SocketIoClient, connect_packet
from tests.helpers import CORPUS
from tests.test_protocol_tracker import caught_up, opened

sio = SocketIo()


def decode(payload: str | bytes, opcode: Opcode = Opcode.TEXT) -> Decoded | None:
    return sio.decode(opcode, payload)


def test_an_event_decodes_to_its_name_args_namespace_and_ack() -> None:
    event = decode('42["chat",{"text":"hi"},3]')
    assert (event.kind, event.name, event.key, event.role) == ("event", "chat", None, Role.NONE)
    assert event.value == {"event": "chat", "args": [{"text": "hi"}, 3], "namespace": "/", "ack": None}
    assert event.summary() == "chat"
    admin = decode('42/admin,["x"]')
    assert admin.value == {"event": "x", "args": [], "namespace": "/admin", "ack": None}
    asked = decode('4212["x",1]')
    assert (asked.value["ack"], asked.key, asked.role) == (12, "/,12", Role.REQUEST)
    both = decode('42/admin,7["x"]')
    assert (both.value["namespace"], both.value["ack"], both.key) == ("/admin", 7, "/admin,7")


def test_an_ack_is_the_reply_to_the_event_with_its_id_and_namespace() -> None:
    ack = decode('4312["ok",{"n":1}]')
    assert (ack.kind, ack.name, ack.key, ack.role) == ("ack", None, "/,12", Role.REPLY)
    assert ack.value == {"args": ["ok", {"n": 1}], "namespace": "/", "ack": 12}
    assert decode('43/admin,12[]').key == "/admin,12"
    assert decode('43["no id"]') is None  # an ack answers one id


def test_engine_packets_and_heartbeats() -> None:
    handshake = {"sid": "abc", "upgrades": [], "pingInterval": 25000, "pingTimeout": 20000, "maxPayload": 1000000}
    opening = decode("0" + json.dumps(handshake))
    assert (opening.kind, opening.value, opening.heartbeat) == ("open", handshake, False)
    ping, pong = decode("2"), decode("3")
    assert (ping.kind, ping.heartbeat, ping.value, ping.role) == ("ping", True, None, Role.NONE)
    assert (pong.kind, pong.heartbeat) == ("pong", True)
    assert decode("2probe").value == "probe"
    assert decode("1").kind == "close" and decode("6").kind == "noop" and decode("5").kind == "upgrade"
    for not_engine in ("", "7", "x", "0[1]", "0{", "1x", "{}", "[]"):
        assert decode(not_engine) is None, not_engine


def test_connect_disconnect_and_connect_error() -> None:
    assert decode("40").value == {"namespace": "/", "data": None}
    assert decode('40{"token":"t"}').value == {"namespace": "/", "data": {"token": "t"}}
    assert decode('40/admin,{"token":"t"}').value == {"namespace": "/admin", "data": {"token": "t"}}
    assert decode('40{"sid":"s1"}').kind == "connect"
    assert decode("41/admin,").value == {"namespace": "/admin", "data": None}
    assert decode("41").kind == "disconnect"
    refused = decode('44{"message":"Not authorized"}')
    assert (refused.kind, refused.value["data"]) == ("connect_error", {"message": "Not authorized"})
    assert decode("40[1]") is None and decode("41{}") is None


def test_binary_packets_note_their_attachments_and_binary_frames_are_attachments() -> None:
    placeholder = {"_placeholder": True, "num": 0}
    event = decode('451-["upload",' + json.dumps(placeholder) + "]")
    assert (event.kind, event.name) == ("binary_event", "upload")
    assert event.value == {"event": "upload", "args": [placeholder], "namespace": "/", "ack": None, "attachments": 1}
    asked = decode('452-/files,9["two",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]')
    assert (asked.value["attachments"], asked.key, asked.role) == (2, "/files,9", Role.REQUEST)
    reply = decode('461-9[{"_placeholder":true,"num":0}]')
    assert (reply.kind, reply.value["attachments"], reply.key, reply.role) == ("binary_ack", 1, "/,9", Role.REPLY)
    attachment = decode(b"\x00\x01\xff", Opcode.BINARY)
    assert attachment.kind == "attachment" and attachment.value is SAME  # the frame is shown as it came
    assert decode('45["no count"]') is None and decode('421-["count on a text event"]') is None


@pytest.mark.parametrize("payload", [
    "4", "42", "42[", '42["x"', "42[]", "42[1]", '42{"a":1}', "42null", '42"x"', "43", "4212", "45-[]",
    "451-", "43x[]", "48[]", '42["x",NaN]', '42["x",Infinity]', "42[" + "1" * 5000 + "]",
    "4" + "2" + "9" * (MAX_ACK_DIGITS + 1) + '["x"]', "43" + "9" * 100_000 + "[]", "45" + "9" * 100_000 + "-[]",
], ids=lambda payload: payload[:30])
def test_frames_that_break_the_grammar_are_left_raw(payload: str) -> None:
    assert decode(payload) is None


def test_the_longest_ack_id_still_decodes() -> None:
    largest = "9" * MAX_ACK_DIGITS
    assert decode("42" + largest + '["x"]').value["ack"] == int(largest)


def test_detected_from_the_url_or_the_engine_handshake_not_from_plain_json() -> None:
    assert PROTOCOLS["socket.io"] is not None
    for url in ("ws://127.0.0.1:5000/socket.io/?EIO=4&transport=websocket", "wss://h/app/socket.io/",
                "ws://h/custom/?EIO=4&transport=websocket"):
        protocol = detect(Hint(url), URL_CONFIDENCE)
        assert protocol is not None and protocol.name == "socket.io", url
    handshake = (int(Opcode.TEXT), '0{"sid":"x","upgrades":[],"pingInterval":25000,"pingTimeout":20000}')
    protocol = detect(Hint("ws://h/feed", None, [handshake]), URL_CONFIDENCE)
    assert protocol is not None and protocol.name == "socket.io"
    assert detect(Hint("ws://h/feed", None, [(int(Opcode.TEXT), '42["news",{}]')])) is not None
    for plain in ('{"a": 1}', "2", "3", "[1, 2]", "42"):
        assert detect(Hint("ws://h/feed", None, [(int(Opcode.TEXT), plain)])) is None, plain


def frame(direction: Direction, payload: str, at: float) -> Frame:
    return Frame("client#1", Side.CLIENT, direction, Opcode.TEXT, payload, wall_time=at)


def test_an_ack_pairs_with_its_event_per_namespace_and_heartbeats_are_flagged() -> None:
    store = CaptureStore()
    tracker = caught_up(store, [
        opened("client#1", "ws://127.0.0.1:1/socket.io/?EIO=4&transport=websocket", at=10.0),
        frame(Direction.RECEIVED, '0{"sid":"a","upgrades":[],"pingInterval":1000,"pingTimeout":1000}', 10.0),
        frame(Direction.SENT, "40", 10.001),
        frame(Direction.SENT, '421["chat","hi"]', 10.1),
        frame(Direction.SENT, '42/admin,1["chat","hi"]', 10.1),
        frame(Direction.RECEIVED, "2", 10.2),
        frame(Direction.SENT, "3", 10.2),
        frame(Direction.RECEIVED, '43/admin,1[{"status":"ok"}]', 10.3),
        frame(Direction.RECEIVED, '431[{"status":"ok"}]', 10.35),
    ])
    assert tracker.protocol_of("client#1").name == "socket.io"
    assert tracker.partner(3) == 8 and tracker.partner(8) == 3  # rows count from the open event, row 0
    assert tracker.partner(4) == 7 and tracker.partner(7) == 4
    assert math.isclose(tracker.latency(8), 250.0, abs_tol=0.01)
    assert tracker.is_heartbeat(5) and tracker.is_heartbeat(6) and not tracker.is_heartbeat(3)
    assert tracker.decoded(3).name == "chat"


def test_hostile_input_inside_a_socketio_frame_never_raises() -> None:
    files = sorted(p for p in CORPUS.iterdir() if p.name.startswith(("n_", "i_")))
    assert len(files) > 200, f"JSONTestSuite not found at {CORPUS}"
    for path in files:
        text = path.read_bytes().decode("utf-8", "surrogateescape")  # invalid UTF-8 as a lone surrogate
        for payload in ("42" + text, '42["x",' + text + "]", "43/n,1" + text, "40" + text, "0" + text,
                        "45" + text, text):
            decoded = decode(payload)
            assert decoded is None or decoded.protocol == "socket.io"
        decode(path.read_bytes(), Opcode.BINARY)
    deep = "42[" * 100_000 + "]" * 100_000
    assert decode(deep) is None
    assert decode('42["x",' + "[" * 100_000 + "]" * 100_000 + "]") is None
    truncated = '42/admin,12["chat",{"text":"hi"}]'
    for end in range(len(truncated)):
        decoded = decode(truncated[:end])
        assert decoded is None or decoded.kind in ("event", "ping")


OPEN = '0{"sid":"a","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}'


def test_the_client_connects_its_namespace_after_the_open_packet_and_answers_every_ping() -> None:
    client = SocketIoClient("/admin", {"token": "t"})
    assert client.opening() == () and not client.ready
    assert client.answer(Opcode.TEXT, OPEN) == ('40/admin,{"token":"t"}',)
    assert client.answer(Opcode.TEXT, "2") == ("3",) and client.answer(Opcode.TEXT, "2probe") == ("3probe",)
    assert client.answer(Opcode.TEXT, '40{"sid":"root"}') == () and not client.ready  # another namespace's
    assert client.answer(Opcode.TEXT, '42/admin,["early"]') == () and not client.ready
    assert client.answer(Opcode.TEXT, '40/admin,{"sid":"x"}') == () and client.ready
    assert client.answer(Opcode.TEXT, "2") == ("3",)
    assert client.answer(Opcode.BINARY, b"2") == () and client.answer(Opcode.TEXT, "") == ()
    refused = SocketIoClient()
    refused.answer(Opcode.TEXT, OPEN)
    assert refused.answer(Opcode.TEXT, '44{"message":"no"}') == () and refused.ready
    assert connect_packet() == "40" and connect_packet("/a") == "40/a," and connect_packet(auth={}) == "40{}"


def test_the_client_says_nothing_to_a_server_that_does_not_open_with_engine_io() -> None:
    client = SocketIoClient()
    assert client.answer(Opcode.TEXT, '{"hello": 1}') == () and client.ready
    assert client.answer(Opcode.TEXT, "2") == ()  # not a ping here: a plain server's message


def test_an_event_packet_keeps_the_args_as_typed_and_decodes_back() -> None:
    from app.core.protocols.socketio import SocketIo, event_packet

    assert event_packet("chat", '[{"text": "hi"}, 2]') == '42["chat",{"text": "hi"}, 2]'
    assert event_packet("ping", "[]") == '42["ping"]'
    assert event_packet("n", "1.000000000000000000001") == '42["n",1.000000000000000000001]'
    assert event_packet('a"b', '"x"', namespace="/admin", ack=7) == '42/admin,7["a\\"b","x"]'
    decoded = SocketIo().decode(1, event_packet("chat", '[{"text": "hi"}]', ack=3))
    assert decoded is not None and decoded.name == "chat" and decoded.value["args"] == [{"text": "hi"}]
    assert decoded.key is not None


def test_scan_agrees_with_decode_on_what_pairing_needs() -> None:
    from app.core.protocols.socketio import SocketIo

    protocol = SocketIo()
    frames = ['2', '3', '2probe', '40', '40/admin,{"sid":"x"}', '41', '42["chat",{"a":1}]', '4212["chat"]',
              '42/admin,7["x",1]', '43/admin,7[true]', '4310[]', '451-["up",{"_placeholder":true,"num":0}]',
              '0{"sid":"a","upgrades":[],"pingInterval":1,"pingTimeout":1,"maxPayload":1}', '6']
    for frame in frames:
        full, quick = protocol.decode(1, frame), protocol.scan(1, frame)
        assert full is not None and quick is not None, frame
        assert (quick.kind, quick.key, quick.role, quick.heartbeat) == (full.kind, full.key, full.role, full.heartbeat), frame
    assert protocol.scan(1, '4212["chat", NaN]') is None  # with an ack id it is read in full: malformed never pairs


def test_a_binary_events_attachments_are_joined_to_it_in_the_tracker() -> None:
    import json as json_module

    from app.core.capture import CaptureStore
    from app.core.frames import Direction, Frame, Side
    from app.core.protocols.tracker import ProtocolTracker

    opened = json_module.dumps({"url": "ws://h/socket.io/?EIO=4&transport=websocket"})
    store = CaptureStore()
    store.extend([
        Frame("client#1", Side.CLIENT, Direction.EVENT, Opcode.OPEN, opened, 0, 0.0),
        Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT,
              '452-["upload",{"a":{"_placeholder":true,"num":1}},[{"_placeholder":true,"num":0}]]'),
        Frame("client#1", Side.CLIENT, Direction.SENT, Opcode.BINARY, b"not this one: the other direction"),
        Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.BINARY, b"\x00first"),
        Frame("client#2", Side.CLIENT, Direction.RECEIVED, Opcode.BINARY, b"another connection"),
        Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.BINARY, b"\xffsecond"),
    ])
    tracker = ProtocolTracker(store)
    assert tracker.catch_up()
    decoded = tracker.decoded(1)
    assert decoded is not None and decoded.name == "upload"
    assert decoded.value["args"] == [{"a": {"$bytes": "/3NlY29uZA=="}}, [{"$bytes": "AGZpcnN0"}]]
    half = CaptureStore()  # the second attachment has not arrived: shown with its placeholders
    half.extend([store.frame(row) for row in range(0, 4)])
    early = ProtocolTracker(half)
    assert early.catch_up()
    shown = early.decoded(1)
    assert shown is not None and shown.value["args"][1] == [{"_placeholder": True, "num": 0}]
