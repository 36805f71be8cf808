"""The demo endpoints the guide teaches, each driven by real clients, bad input included."""

from __future__ import annotations

import json
import socket
import sys

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from app.core.frames import Direction, Opcode
from embedded_server.demo_app import stream_event
from embedded_server.runner import EmbeddedServer
from tests.helpers import CORPUS, WaitableQueue, http_get
from tests.waiting import wait_until


def url(server: EmbeddedServer, path: str) -> str:
    return server.address.ws_url(path)


def test_echo_returns_text_as_text_and_binary_as_binary(demo_server: EmbeddedServer) -> None:
    with connect(url(demo_server, "/ws/echo"), open_timeout=5, max_size=None) as ws:
        ws.send('{"a": 1}')
        assert ws.recv(timeout=5) == '{"a": 1}'
        ws.send(b"\x00\xffbinary")
        assert ws.recv(timeout=5) == b"\x00\xffbinary"
        ws.send("not json at all")
        assert ws.recv(timeout=5) == "not json at all"
        big = "x" * (20 * 1024 * 1024 - 100)
        ws.send(big)
        assert ws.recv(timeout=20) == big


@pytest.mark.parametrize(
    "payload, expected",
    [
        ('{"username": "Bob", "id": 7, "is_active": false}', {"status": "received", "user_id": 7}),
        ("nope", {"error": "Invalid JSON"}),
        ("[1, 2]", {"error": "Invalid data"}),
        (b"\x01\x02", {"error": "Binary frames are not accepted here; send JSON text"}),
    ],
    ids=["valid", "not-json", "not-object", "binary"],
)
def test_validate_answers_every_message_and_stays_open(
    demo_server: EmbeddedServer, payload: str | bytes, expected: dict[str, object]
) -> None:
    with connect(url(demo_server, "/ws/validate"), open_timeout=5) as ws:
        ws.send(payload)
        reply = json.loads(ws.recv(timeout=5))
        assert {k: reply[k] for k in expected} == expected
        ws.send('{"username": "Ann", "id": 1, "is_active": true}')
        assert json.loads(ws.recv(timeout=5)) == {"status": "received", "user_id": 1}


@pytest.mark.parametrize("path", ["/ws", "/ws/validate"])
def test_an_integer_too_long_to_read_is_explained_in_the_servers_words(demo_server: EmbeddedServer, path: str) -> None:
    with connect(url(demo_server, path), open_timeout=5) as ws:
        if path == "/ws":
            ws.recv(timeout=5)  # the greeting
        ws.send('{"n": ' + "7" * 5000 + "}")
        reply = json.loads(ws.recv(timeout=5))
        ws.send("[NaN]")
        constant = json.loads(ws.recv(timeout=5))
    assert reply["error"] == "Invalid JSON"
    assert reply["detail"] == f"an integer has more than {sys.get_int_max_str_digits():,} digits, more than this server reads"
    assert "sys." not in reply["detail"]
    assert constant["detail"] == "NaN is not valid JSON"


def test_validate_returns_pydantic_errors(demo_server: EmbeddedServer) -> None:
    with connect(url(demo_server, "/ws/validate"), open_timeout=5) as ws:
        ws.send('{"username": "Bob", "id": "seven"}')
        reply = json.loads(ws.recv(timeout=5))
    assert reply["error"] == "Invalid data"
    assert {tuple(d["loc"]) for d in reply["details"]} == {("id",), ("is_active",)}


def test_chat_broadcasts_and_survives_a_vanishing_member(demo_server: EmbeddedServer) -> None:
    with connect(url(demo_server, "/ws/chat"), open_timeout=5) as alice:
        assert json.loads(alice.recv(timeout=5))["event"] == "join"
        with connect(url(demo_server, "/ws/chat"), open_timeout=5) as bob:
            assert json.loads(alice.recv(timeout=5)) == {"event": "join", "user": "user2", "members": 2}
            # Bob vanishes without a close frame, mid-conversation.
            bob.socket.shutdown(socket.SHUT_RDWR)
        alice.send('{"text": "anyone there?"}')
        seen = []
        for _ in range(5):
            event = json.loads(alice.recv(timeout=5))
            seen.append(event)
            if event.get("event") == "message":
                break
        assert {"event": "message", "user": "user1", "data": {"text": "anyone there?"}} in seen
        with connect(url(demo_server, "/ws/chat"), open_timeout=5) as carol:
            json.loads(carol.recv(timeout=5))  # her own join notice
            carol.send('{"text": "hi"}')
            messages = []
            for _ in range(5):
                event = json.loads(alice.recv(timeout=5))
                if event.get("event") == "message":
                    messages.append(event)
                    break
            assert messages == [{"event": "message", "user": "user3", "data": {"text": "hi"}}]
            carol.send("not json")
            replies = [json.loads(carol.recv(timeout=5)) for _ in range(2)]  # her broadcast, then the error
            assert replies[-1]["error"] == "Invalid JSON"


def tcp_state(sock: socket.socket) -> int:
    """The kernel's state of a TCP socket (Linux TCP_INFO): 1 established, 7 closed (after a reset)."""
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0]


def test_chat_member_that_never_reads_is_closed_once_at_once_and_then_cut_off(
    demo_server: EmbeddedServer, events: WaitableQueue
) -> None:
    from embedded_server.protocol import CLOSE_TIMEOUT

    stuck = socket.socket()
    stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # reads nothing, buffers little
    stuck.settimeout(5)
    stuck.connect(("127.0.0.1", demo_server.address.port))
    stuck.sendall(b"GET /ws/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    assert stuck.recv(4096).startswith(b"HTTP/1.1 101")

    def stuck_closes() -> list[tuple[Direction, dict[str, object]]]:
        return [(f.direction, json.loads(f.payload)) for f in events.frames("server#1")
                if f.opcode == Opcode.CLOSE and f.connection == "server#1"]

    try:
        with connect(url(demo_server, "/ws/chat"), open_timeout=5, max_queue=None) as talker:
            line = json.dumps({"text": "x" * 8000})
            echoed = 0
            for batch in range(1, 51):  # bounded: the outbox (1000) plus what the buffers hold
                for _ in range(100):
                    talker.send(line)
                while echoed < batch * 100:  # read our own broadcasts back: our outbox stays short
                    echoed += '"event":"message"' in talker.recv(timeout=10)
                if stuck_closes():
                    break
            assert stuck_closes(), "the member that does not read was never dropped"
            assert tcp_state(stuck) == 1  # recorded at once, while its connection is still open
            wait_until(lambda: tcp_state(stuck) != 1, timeout=CLOSE_TIMEOUT + 10, what="the connection is cut off")
            assert tcp_state(stuck) == 7  # reset: the megabytes it never read are dropped at once
        demo_server.stop()  # everything the connection will ever record is in
        assert stuck_closes() == [(Direction.SENT, {"code": 1008, "reason": "not reading: dropped from the room",
                                                    "by": "server"})]
    finally:
        stuck.close()


def test_stream_sends_the_requested_events_then_closes(demo_server: EmbeddedServer) -> None:
    with connect(url(demo_server, "/ws/stream?rate=100000&count=50&size=200"), open_timeout=5) as ws:
        events = [ws.recv(timeout=5) for _ in range(50)]
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
    assert [json.loads(e)["seq"] for e in events] == list(range(50))
    assert all(len(e) == 200 for e in events)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1000


def test_stream_refuses_bad_parameters_clearly(demo_server: EmbeddedServer) -> None:
    with connect(url(demo_server, "/ws/stream?rate=fast"), open_timeout=5) as ws:
        reply = json.loads(ws.recv(timeout=5))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
    assert reply == {"error": "Bad stream parameters", "detail": "rate must be an integer, not 'fast'"}
    assert closed.value.rcvd.code == 1008


def test_stream_event_has_the_requested_size() -> None:
    for size in (16, 150, 4096):
        event = stream_event(3, size)
        assert json.loads(event)["seq"] == 3 and len(event) == max(size, len(stream_event(3, 0)))


def test_browser_page_is_served(demo_server: EmbeddedServer) -> None:
    response = http_get(demo_server.address.port, "/")
    assert response.startswith(b"HTTP/1.1 200") and b"new WebSocket(" in response
    assert b"function reindent(" in response and b"not JSON" in response


BIG = '{"blob": "' + "x" * (20 * 1024 * 1024) + '"}'


@pytest.mark.parametrize("path", ["/ws", "/ws/echo", "/ws/validate", "/ws/chat"])
def test_every_endpoint_survives_bad_input_and_keeps_serving_others(demo_server: EmbeddedServer, path: str) -> None:
    """Invalid JSON, binary where text is expected, and a 20 MiB message: the connection stays
    usable, and a bystander on the same endpoint is served throughout."""
    with connect(url(demo_server, path), open_timeout=5, max_size=None) as ws, \
            connect(url(demo_server, path), open_timeout=5, max_size=None) as bystander:
        for bad in ("{not json", b"\x00\x01\x02", BIG):
            ws.send(bad)
        ws.send('{"username": "Zed", "id": 5, "is_active": true}')
        bystander.send('{"username": "Amy", "id": 6, "is_active": true}')
        mine = [ws.recv(timeout=20) for _ in range(4 if path != "/ws/chat" else 1)]
        if path in ("/ws", "/ws/chat"):  # read on (bounded) until our last message comes back
            for _ in range(10):
                if any("Zed" in str(m) for m in mine):
                    break
                mine.append(ws.recv(timeout=20))
            theirs: list[str | bytes] = []
            for _ in range(10):  # chat: join notices and others' broadcasts come first
                theirs.append(bystander.recv(timeout=20))
                if "Amy" in str(theirs[-1]):
                    break
            assert "Amy" in str(theirs[-1]), theirs
            assert any("Zed" in str(m) for m in mine)  # the connection still works after the bad input
        else:
            reply = str(bystander.recv(timeout=20))
            assert "Amy" in reply or '"user_id":6' in reply, reply
    if path == "/ws/echo":
        assert mine == ["{not json", b"\x00\x01\x02", BIG, '{"username": "Zed", "id": 5, "is_active": true}']
    if path == "/ws/validate":
        replies = [json.loads(m) for m in mine]
        assert [r.get("error") for r in replies[:2]] == ["Invalid JSON", "Binary frames are not accepted here; send JSON text"]
        assert replies[2]["error"] == "Invalid data" and replies[3] == {"status": "received", "user_id": 5}


# What JSON.parse/JSON.stringify or json.loads/json.dumps would change: a long integer, a duplicate key,
# a trailing zero, a number beyond a float, a lone surrogate escape, the spacing.
AS_SENT = '{"big": 12345678901234567890123, "a": 1, "a": 2, "price": 2.50, "far": 1e400, "s": "\\ud800" }'


def test_ws_echoes_json_exactly_as_sent(demo_server: EmbeddedServer) -> None:
    with connect(url(demo_server, "/ws"), open_timeout=5) as ws:
        ws.recv(timeout=5)  # the greeting
        ws.send(AS_SENT)
        assert ws.recv(timeout=5) == '{"status":"received","echo":' + AS_SENT + "}"


def test_chat_passes_a_message_on_exactly_as_sent(demo_server: EmbeddedServer) -> None:
    with connect(url(demo_server, "/ws/chat"), open_timeout=5) as ws:
        joined = json.loads(ws.recv(timeout=5))
        ws.send(AS_SENT)
        assert ws.recv(timeout=5) == '{"event":"message","user":"' + joined["user"] + '","data":' + AS_SENT + "}"


def test_the_servers_quick_json_check_agrees_with_the_faithful_parser_on_the_whole_corpus() -> None:
    from embedded_server.demo_app import decode_json_message, json_problem

    texts = []
    for path in sorted(CORPUS.glob("[yni]_*.json")):
        try:
            texts.append((path.name, path.read_bytes().decode("utf-8")))
        except UnicodeDecodeError:
            continue  # text frames are UTF-8: these never reach the check
    assert len(texts) > 280
    for name, text in texts:
        assert (json_problem(text) is None) == (decode_json_message(text)[1] is None), name
    assert json_problem('{"a": 1,}') == decode_json_message('{"a": 1,}')[1]  # the same words where it is wrong


def test_validate_answers_a_lone_surrogate_and_an_infinite_number_with_valid_json(demo_server: EmbeddedServer) -> None:
    with connect(url(demo_server, "/ws/validate"), open_timeout=5) as ws:
        ws.send('{"username": "\\ud800"}')
        surrogate = ws.recv(timeout=5)
        ws.send('{"username": "a", "id": 1e400, "is_active": true}')
        infinite = ws.recv(timeout=5)
    def refuse(name: str) -> None:
        pytest.fail(f"{name} in a reply")

    assert [d["loc"] for d in json.loads(surrogate, parse_constant=refuse)["details"]] == [["id"], ["is_active"]]
    assert '"input":{"username":"\\ud800"}' in surrogate  # quoted as sent
    details = json.loads(infinite, parse_constant=refuse)["details"]
    assert details == [{"type": "finite_number", "loc": ["id"], "msg": "Input should be a finite number"}]
