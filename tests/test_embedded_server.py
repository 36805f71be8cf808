"""The embedded server, driven by real `websockets` clients over loopback."""

from __future__ import annotations

import json
import socket

import pytest
from websockets.sync.client import connect

from app.core.frames import Direction, Opcode
from embedded_server.demo_app import GREETING, STATUS_UPDATE, create_app
from embedded_server.runner import EmbeddedServer, PortInUseError
from tests.helpers import WaitableQueue, http_get, port_is_free


def test_greeting_then_status_then_acknowledgements(demo_server: EmbeddedServer) -> None:
    with connect(demo_server.address.ws_url("/ws"), open_timeout=5) as ws:
        assert json.loads(ws.recv(timeout=5)) == GREETING
        assert json.loads(ws.recv(timeout=5)) == STATUS_UPDATE
        ws.send(json.dumps({"action": "ping", "id": 7}))
        assert json.loads(ws.recv(timeout=5)) == {"status": "received", "echo": {"action": "ping", "id": 7}}


@pytest.mark.parametrize(
    "bad, expected_error",
    [
        ("not json", "Invalid JSON"),
        ("", "Invalid JSON"),
        ('{"x": NaN}', "Invalid JSON"),
        ("[" * 100_000, "Invalid JSON"),
        ("1" * 5000, "Invalid JSON"),
        (b"\x00\x01binary", "Binary frames are not accepted here; send JSON text"),
    ],
    ids=["text", "empty", "nan", "deep", "huge-int", "binary"],
)
def test_bad_input_gets_a_json_error_and_the_connection_stays_open(
    demo_server: EmbeddedServer, bad: str | bytes, expected_error: str
) -> None:
    with connect(demo_server.address.ws_url("/ws"), open_timeout=5, max_size=None) as ws:
        ws.recv(timeout=5)  # greeting
        ws.send(bad)
        replies = [json.loads(ws.recv(timeout=5)) for _ in range(2)]  # the error and the status update
        errors = [r for r in replies if "error" in r]
        assert errors and errors[0]["error"] == expected_error
        ws.send('{"still": "open"}')
        assert json.loads(ws.recv(timeout=5))["echo"] == {"still": "open"}


def test_tap_records_open_frames_and_close_with_who_closed(
    demo_server: EmbeddedServer, events: WaitableQueue
) -> None:
    with connect(demo_server.address.ws_url("/ws") + "?room=a", open_timeout=5,
                 additional_headers={"Origin": f"http://127.0.0.1:{demo_server.address.port}"}) as ws:
        ws.recv(timeout=5)
        ws.send('{"n": 1}')
        ws.recv(timeout=5)
        ws.close(4001, "test over")
    events.wait_for(lambda seen: any(f.opcode == Opcode.CLOSE for f in events.frames("server#")))
    frames = events.frames("server#")
    assert frames[0].opcode == Opcode.OPEN and frames[0].direction == Direction.EVENT
    opened = json.loads(frames[0].payload)
    assert opened["path"] == "/ws" and opened["query"] == "room=a"
    assert opened["origin"] == f"http://127.0.0.1:{demo_server.address.port}"
    assert opened["peer"].startswith("127.0.0.1:")
    assert (frames[1].direction, json.loads(frames[1].payload)) == (Direction.SENT, GREETING)
    received = [f for f in frames if f.direction == Direction.RECEIVED and f.opcode == Opcode.TEXT]
    assert [f.payload for f in received] == ['{"n": 1}']
    close = [f for f in frames if f.opcode == Opcode.CLOSE][-1]
    assert json.loads(close.payload) == {"code": 4001, "reason": "test over", "by": "client"}
    assert close.size == 2 + len("test over")


def test_healthz_answers_over_http(demo_server: EmbeddedServer) -> None:
    response = http_get(demo_server.address.port, "/healthz")
    assert response.startswith(b"HTTP/1.1 200") and b'{"status":"ok"}' in response


def test_taken_port_falls_back_to_a_free_one_and_says_so(events: WaitableQueue) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        server = EmbeddedServer(create_app(), events.put, port=taken)
        address = server.start()
        try:
            assert server.wait_ready(10)
            assert address.port != taken and address.fell_back_from == taken
            with connect(address.ws_url("/ws"), open_timeout=5) as ws:
                assert json.loads(ws.recv(timeout=5)) == GREETING
        finally:
            assert server.stop()
        strict = EmbeddedServer(create_app(), events.put, port=taken, fallback=False)
        with pytest.raises(PortInUseError, match=f"Port {taken} on 127.0.0.1 is already in use"):
            strict.start()
        assert not strict.running


def test_stop_releases_the_port_and_ends_the_thread(events: WaitableQueue) -> None:
    server = EmbeddedServer(create_app(), events.put, port=0)
    address = server.start()
    assert server.wait_ready(10)
    with connect(address.ws_url("/ws"), open_timeout=5) as ws:
        ws.recv(timeout=5)
        assert server.stop(), "server thread still alive"
    assert not server.running
    assert port_is_free(address.port)
    assert address.host == "127.0.0.1"


def test_server_pushes_to_one_or_all_clients_and_closes_with_a_code(
    demo_server: EmbeddedServer, events: WaitableQueue
) -> None:
    from websockets.exceptions import ConnectionClosed

    with connect(demo_server.address.ws_url("/ws/echo"), open_timeout=5) as one, \
            connect(demo_server.address.ws_url("/ws/echo"), open_timeout=5) as two:
        events.wait_for(lambda _: len(demo_server.clients()) == 2)
        assert sorted(demo_server.clients()) == ["server#1", "server#2"]
        assert demo_server.submit_send('{"to": "all"}').result(5) == 2
        assert one.recv(timeout=5) == '{"to": "all"}' and two.recv(timeout=5) == '{"to": "all"}'
        assert demo_server.submit_send(b"\x01", ["server#2"]).result(5) == 1
        assert two.recv(timeout=5) == b"\x01"
        assert demo_server.submit_close("server#1", 4001, "kicked").result(5) == 1
        with pytest.raises(ConnectionClosed) as closed:
            one.recv(timeout=5)
        assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4001, "kicked")
        events.wait_for(lambda _: demo_server.clients() == ["server#2"])
    pushed = [f for f in events.frames("server#2") if f.direction == Direction.SENT and f.opcode == Opcode.BINARY]
    assert [f.payload for f in pushed] == [b"\x01"]  # recorded as sent by the server, like the app's frames
    assert demo_server.submit_send("{}", ["server#9"]).result(5) == 0


def close_rows(events: WaitableQueue, connection: str) -> list[tuple[Direction, dict[str, object], int]]:
    return [(f.direction, json.loads(f.payload), f.size) for f in events.frames(connection)
            if f.opcode == Opcode.CLOSE and f.connection == connection]


def test_the_servers_own_close_is_recorded_once_as_sent_by_the_server(
    demo_server: EmbeddedServer, events: WaitableQueue
) -> None:
    """A text frame of invalid UTF-8: the server fails the connection with 1007; no client closed it."""
    from websockets.exceptions import ConnectionClosed

    with connect(demo_server.address.ws_url("/ws/echo"), open_timeout=5) as ws:
        ws.send(b"\xff\xfe not utf-8", text=True)
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
    assert closed.value.rcvd.code == 1007
    rows = events.wait_for(lambda _: close_rows(events, "server#1"))
    demo_server.stop()  # everything the connection will ever record is in
    rows = close_rows(events, "server#1")
    assert len(rows) == 1, rows
    direction, details, size = rows[0]
    assert (direction, details["code"], details["by"]) == (Direction.SENT, 1007, "server")
    assert size == 2 + len(str(details["reason"]).encode())


def test_a_client_that_vanishes_without_a_close_frame_is_recorded_as_1006(
    demo_server: EmbeddedServer, events: WaitableQueue
) -> None:
    upgrade = (b"GET /ws/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    with socket.create_connection(("127.0.0.1", demo_server.address.port), timeout=5) as sock:
        sock.sendall(upgrade)
        assert sock.recv(4096).startswith(b"HTTP/1.1 101")
    rows = events.wait_for(lambda _: close_rows(events, "server#1"))
    assert rows == [(Direction.RECEIVED, {"code": 1006, "reason": "", "by": "client"}, 0)]
