"""The inspector's client connections against a real embedded server."""

from __future__ import annotations

import json

import pytest

from app.core.frames import ConnectionState, Direction, Frame, Opcode, StateChange
from app.net.inspector import Inspector, NotConnectedError
from embedded_server.demo_app import GREETING
from embedded_server.runner import EmbeddedServer
from tests.helpers import WaitableQueue, port_is_free
from tests.raw_peer import RawPeer, frame, read_frame


def states(events: WaitableQueue, connection: str) -> list[ConnectionState]:
    return [s.state for s in events.seen if isinstance(s, StateChange) and s.connection == connection]


def test_connect_receive_send_and_close(demo_server: EmbeddedServer, inspector: Inspector, events: WaitableQueue) -> None:
    connection = inspector.new_connection(demo_server.address.ws_url("/ws"))
    inspector.submit_open(connection).result(10)
    greeting = events.wait_for(lambda _: [f for f in events.frames("client#") if f.opcode == Opcode.TEXT])
    assert json.loads(greeting[0].payload) == GREETING and greeting[0].direction == Direction.RECEIVED

    inspector.submit_send(connection.id, '{"hello": 1}').result(5)
    echo = events.wait_for(lambda _: [f for f in events.frames("client#") if "echo" in str(f.payload)])
    assert json.loads(echo[0].payload)["echo"] == {"hello": 1}
    sent = [f for f in events.frames("client#") if f.direction == Direction.SENT]
    assert [f.payload for f in sent] == ['{"hello": 1}']

    inspector.submit_close(connection.id, 4001, "bye").result(5)
    events.wait_for(lambda _: ConnectionState.CLOSED in states(events, connection.id))
    closes = [json.loads(f.payload) for f in events.frames("client#") if f.opcode == Opcode.CLOSE]
    assert closes[0] == {"code": 4001, "reason": "bye", "by": "client"}
    # the server saw the same close frame arrive
    events.wait_for(lambda _: [f for f in events.frames("server#") if f.opcode == Opcode.CLOSE])
    server_close = [json.loads(f.payload) for f in events.frames("server#") if f.opcode == Opcode.CLOSE][0]
    assert (server_close["code"], server_close["reason"]) == (4001, "bye")
    assert states(events, connection.id)[:2] == [ConnectionState.CONNECTING, ConnectionState.OPEN]


def test_refused_connection_is_reported_not_raised_into_the_void(inspector: Inspector, events: WaitableQueue) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert port_is_free(port)
    connection = inspector.new_connection(f"ws://127.0.0.1:{port}/ws")
    with pytest.raises(ConnectionError, match="Connection refused"):
        inspector.submit_open(connection).result(10)
    assert states(events, connection.id)[-1] == ConnectionState.FAILED
    error = [f for f in events.frames("client#") if f.opcode == Opcode.ERROR]
    assert "refused" in json.loads(error[0].payload)["error"]


def test_bad_url_says_what_is_wrong(inspector: Inspector, events: WaitableQueue) -> None:
    connection = inspector.new_connection("http://127.0.0.1:1/ws")
    with pytest.raises(ConnectionError, match="ws:// or wss://"):
        inspector.submit_open(connection).result(10)


def test_send_without_a_connection_fails_clearly(inspector: Inspector) -> None:
    connection = inspector.new_connection("ws://127.0.0.1:9/never-opened")
    with pytest.raises(NotConnectedError):
        inspector.submit_send(connection.id, "{}").result(5)


def test_a_send_that_meets_the_close_is_a_not_connected_error(demo_server: EmbeddedServer, inspector: Inspector,
                                                               events: WaitableQueue) -> None:
    """The window catches NotConnectedError for a connection that closed: a send queued behind the close is one."""
    connection = inspector.new_connection(demo_server.address.ws_url("/ws"))
    inspector.submit_open(connection).result(10)
    closing = inspector.submit_close(connection.id, 1000, "bye")
    late = inspector.submit_send(connection.id, '{"too": "late"}')  # runs after the close frame went out
    with pytest.raises(NotConnectedError, match=f"{connection.id} has closed"):
        late.result(5)
    closing.result(5)
    assert not [f for f in events.frames("client#") if f.direction == Direction.SENT and f.opcode == Opcode.TEXT]


def test_server_vanishing_mid_stream_is_recorded(events: WaitableQueue, inspector: Inspector) -> None:
    from embedded_server.demo_app import create_app

    server = EmbeddedServer(create_app(status_delay=60), events.put, port=0)
    address = server.start()
    assert server.wait_ready(10)
    connection = inspector.new_connection(address.ws_url("/ws"))
    inspector.submit_open(connection).result(10)
    events.wait_for(lambda _: [f for f in events.frames("client#") if f.opcode == Opcode.TEXT])
    assert server.stop()
    events.wait_for(lambda _: ConnectionState.CLOSED in states(events, connection.id))
    closes = [json.loads(f.payload) for f in events.frames("client#") if f.opcode == Opcode.CLOSE]
    assert closes and closes[0]["by"] == "server" and closes[0]["code"] == 1012  # uvicorn: service restart


def test_messages_keep_their_order_and_the_time_of_the_socket_read_that_carried_them(
        inspector: Inspector, events: WaitableQueue) -> None:
    """Whole messages go from the parser to the queue, stamped with their read's arrival; a fragmented
    message and one that is not UTF-8 take the library's way without overtaking or being overtaken."""
    async def script(reader, writer) -> None:
        await read_frame(reader)  # the test's go-ahead: the connection is reading by now
        writer.write(frame(1, b"a") + frame(2, b"\x01") + frame(1, b"b1", fin=False) + frame(0, b"b2")
                     + frame(1, "c€".encode()))
        await read_frame(reader)
        writer.write(frame(1, b"d") + frame(1, b"e") + frame(1, b"caf\xe9") + frame(1, b"never"))
        await read_frame(reader)  # the client's close (1007)
        writer.close()

    def received() -> list[Frame]:
        return [f for f in events.frames(connection.id) if f.direction == Direction.RECEIVED]

    with RawPeer(script) as peer:
        connection = inspector.new_connection(peer.url)
        inspector.submit_open(connection).result(5)
        inspector.submit_send(connection.id, "go").result(5)
        events.wait_for(lambda _: len(received()) >= 4)
        inspector.submit_send(connection.id, "go").result(5)
        events.wait_for(lambda _: ConnectionState.CLOSED in states(events, connection.id), timeout=15)
    frames = received()
    assert [(f.opcode, f.payload, f.size) for f in frames] == [
        (Opcode.TEXT, "a", 1), (Opcode.BINARY, b"\x01", 1), (Opcode.TEXT, "b1b2", 4), (Opcode.TEXT, "c€", 4),
        (Opcode.TEXT, "d", 1), (Opcode.TEXT, "e", 1)], "nothing after the message that is not UTF-8"
    closes = [json.loads(f.payload) for f in events.frames(connection.id) if f.opcode == Opcode.CLOSE]
    assert closes[0]["code"] == 1007 and closes[0]["by"] == "client"
    assert frames[0].wall_time == frames[1].wall_time, "one socket read, one time"
    assert frames[4].wall_time == frames[5].wall_time, "after the fragmented message, straight from the parser again"


def test_frames_in_the_same_read_as_the_handshake_answer_are_all_received_in_order(
        inspector: Inspector, events: WaitableQueue) -> None:
    """The handshake's answer goes to the library up to its last byte; the frames behind it, a ping among
    them, are read from that boundary on."""
    pong: list[tuple[int, bytes]] = []

    async def script(reader, writer) -> None:
        pong.append(await read_frame(reader))
        writer.write(frame(1, b"after"))
        await read_frame(reader)  # the client's close
        writer.close()

    first = frame(1, b"hello") + frame(9, b"are you there") + frame(2, bytes(300)) + frame(1, "é".encode() * 40_000)
    with RawPeer(script, with_upgrade=first) as peer:
        connection = inspector.new_connection(peer.url)
        inspector.submit_open(connection).result(5)
        events.wait_for(lambda _: any(f.payload == "after" for f in events.frames(connection.id)))
        inspector.submit_close(connection.id).result(5)
    received = [f.payload for f in events.frames(connection.id)
                if f.direction == Direction.RECEIVED and f.opcode in (Opcode.TEXT, Opcode.BINARY)]
    assert received == ["hello", bytes(300), "é" * 40_000, "after"]
    assert pong == [(10, b"are you there")]
