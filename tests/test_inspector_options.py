"""Configured inspector connections against real servers: headers, auth, TLS, reconnect, close, ping."""

from __future__ import annotations

import base64
import itertools
import json
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from app.core.frames import ConnectionState, Direction, Opcode, StateChange
from app.net.inspector import ConnectFailed, Inspector
from app.net.options import ConnectionOptions
from embedded_server.demo_app import create_app
from embedded_server.runner import EmbeddedServer
from tests.helpers import WaitableQueue
from tests.ws_server import WsTestServer


@pytest.fixture
def inspector(events: WaitableQueue) -> Iterator[Inspector]:
    inspector = Inspector(events)
    inspector.start()
    yield inspector
    assert inspector.stop(), "client thread did not stop"


@pytest.fixture
def echo_server() -> Iterator[WsTestServer]:
    server = WsTestServer(subprotocols=["chat.v2", "chat.v1"]).start()
    yield server
    server.stop()


def states(events: WaitableQueue, connection: str) -> list[StateChange]:
    return [s for s in events.seen if isinstance(s, StateChange) and s.connection == connection]


def open_connection(inspector: Inspector, options: ConnectionOptions) -> str:
    connection = inspector.new_connection(options)
    inspector.submit_open(connection).result(10)
    return connection.id


def test_headers_query_subprotocol_and_bearer_reach_the_server(
        inspector: Inspector, echo_server: WsTestServer, events: WaitableQueue) -> None:
    options = ConnectionOptions(
        echo_server.url("/feed?room=1"), query=(("lang", "en gb"),), headers=(("X-Client", "scope"),),
        subprotocols=("chat.v1", "chat.v2"), auth="bearer", bearer_token="s3cret",
    )
    connection = open_connection(inspector, options)
    seen = echo_server.wait_for(lambda: echo_server.connections)[0]
    assert seen.path == "/feed?room=1&lang=en+gb"
    assert seen.headers["x-client"] == "scope"
    assert seen.headers["authorization"] == "Bearer s3cret"
    assert seen.headers["sec-websocket-protocol"] == "chat.v1, chat.v2"
    assert seen.subprotocol == "chat.v2"  # the server's preference among those offered
    assert "sec-websocket-extensions" not in seen.headers  # compression is off unless asked for
    opened = [json.loads(f.payload) for f in events.frames(connection) if f.opcode == Opcode.OPEN][0]
    assert opened["subprotocol"] == "chat.v2"


def test_basic_auth_and_headers_reach_the_embedded_server(
        inspector: Inspector, demo_server: EmbeddedServer, events: WaitableQueue) -> None:
    options = ConnectionOptions(demo_server.address.ws_url("/ws/echo"), headers=(("X-Team", "blue"),),
                                subprotocols=("json",), auth="basic", username="ada", password="lovelace")
    open_connection(inspector, options)
    opened = events.wait_for(lambda _: [f for f in events.frames("server#") if f.opcode == Opcode.OPEN])
    details = json.loads(opened[0].payload)
    assert details["headers"]["x-team"] == "blue"
    assert details["subprotocols"] == ["json"]
    scheme, encoded = details["headers"]["authorization"].split()
    assert scheme == "Basic" and base64.b64decode(encoded) == b"ada:lovelace"


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


def tls_server(authority: trustme.CA, require_client_cert: bool = False) -> WsTestServer:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    if require_client_cert:
        context.verify_mode = ssl.CERT_REQUIRED
        authority.configure_trust(context)
    return WsTestServer(ssl_context=context).start()


def test_wss_with_custom_ca_without_it_and_insecure(
        inspector: Inspector, authority: trustme.CA, events: WaitableQueue, tmp_path: Path) -> None:
    ca_file = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    server = tls_server(authority)
    try:
        trusted = open_connection(inspector, ConnectionOptions(server.url(), ca_file=str(ca_file)))
        inspector.submit_send(trusted, '{"over": "tls"}').result(5)
        server.wait_for(lambda: server.connections and server.connections[0].messages == ['{"over": "tls"}'])

        untrusted = inspector.new_connection(ConnectionOptions(server.url()))
        with pytest.raises(ConnectFailed) as failed:
            inspector.submit_open(untrusted).result(10)
        message = str(failed.value)
        assert message.startswith("TLS certificate verify failed")
        assert "CA file" in message and "insecure" in message
        assert states(events, untrusted.id)[-1].state == ConnectionState.FAILED
        error = [json.loads(f.payload) for f in events.frames(untrusted.id) if f.opcode == Opcode.ERROR][0]
        assert error["error"] == message

        insecure = open_connection(inspector, ConnectionOptions(server.url(), insecure=True))
        assert states(events, insecure)[-1].state == ConnectionState.OPEN
    finally:
        server.stop()


def test_client_certificate_is_presented(inspector: Inspector, authority: trustme.CA, tmp_path: Path) -> None:
    ca_file, cert_file, key_file = tmp_path / "ca.pem", tmp_path / "client.pem", tmp_path / "client.key"
    authority.cert_pem.write_to_path(str(ca_file))
    client = authority.issue_cert("client@example.test")
    client.cert_chain_pems[0].write_to_path(str(cert_file))
    client.private_key_pem.write_to_path(str(key_file))
    server = tls_server(authority, require_client_cert=True)
    try:
        open_connection(inspector, ConnectionOptions(server.url(), ca_file=str(ca_file),
                                                     client_cert=str(cert_file), client_key=str(key_file)))
        assert server.wait_for(lambda: server.connections)
    finally:
        server.stop()


def test_plain_ws_to_a_tls_server_and_a_rejected_handshake_are_explained(
        inspector: Inspector, authority: trustme.CA, demo_server: EmbeddedServer) -> None:
    server = tls_server(authority)
    try:
        plain = inspector.new_connection(ConnectionOptions(server.url().replace("wss:", "ws:")))
        with pytest.raises(ConnectFailed, match="closed the connection during the handshake .*try wss://"):
            inspector.submit_open(plain).result(10)
    finally:
        server.stop()
    hostile = inspector.new_connection(ConnectionOptions(demo_server.address.ws_url("/ws"),
                                                         headers=(("Origin", "http://evil.example"),)))
    with pytest.raises(ConnectFailed, match="Handshake rejected with HTTP 403 Forbidden"):
        inspector.submit_open(hostile).result(10)


def test_wss_to_a_plain_server_says_so(inspector: Inspector, echo_server: WsTestServer) -> None:
    connection = inspector.new_connection(ConnectionOptions(echo_server.url().replace("ws:", "wss:")))
    with pytest.raises(ConnectFailed, match="TLS handshake.*plain ws://"):
        inspector.submit_open(connection).result(10)


def test_message_size_limit_and_compression_follow_the_options(inspector: Inspector, events: WaitableQueue) -> None:
    server = WsTestServer(compression="deflate").start()
    big = "x" * (2 * 1024 * 1024)  # beyond the library's 1 MiB default
    try:
        roomy = open_connection(inspector, ConnectionOptions(server.url()))
        inspector.submit_send(roomy, big).result(10)
        events.wait_for(lambda _: [f for f in events.frames(roomy) if f.direction == Direction.RECEIVED
                                   and f.size == len(big)], timeout=10)
        opened = [json.loads(f.payload) for f in events.frames(roomy) if f.opcode == Opcode.OPEN][0]
        assert opened["extensions"] is None

        tight = open_connection(inspector, ConnectionOptions(server.url(), max_size=1024 * 1024, compression=True))
        opened = [json.loads(f.payload) for f in events.frames(tight) if f.opcode == Opcode.OPEN][0]
        assert opened["extensions"].startswith("permessage-deflate")
        inspector.submit_send(tight, big).result(10)
        events.wait_for(lambda _: states(events, tight)[-1].state == ConnectionState.CLOSED, timeout=10)
        closes = [json.loads(f.payload) for f in events.frames(tight) if f.opcode == Opcode.CLOSE]
        assert closes[0]["code"] == 1009 and closes[0]["by"] == "client"
    finally:
        server.stop()


def test_close_code_and_reason_reach_the_server(
        inspector: Inspector, echo_server: WsTestServer, events: WaitableQueue) -> None:
    connection = open_connection(inspector, ConnectionOptions(echo_server.url()))
    inspector.submit_close(connection, 4001, "bye").result(5)
    seen = echo_server.wait_for(lambda: echo_server.connections and echo_server.connections[0].ended.is_set()
                                and echo_server.connections[0])
    assert (seen.close_code, seen.close_reason) == (4001, "bye")
    events.wait_for(lambda _: states(events, connection)[-1].state == ConnectionState.CLOSED)
    assert states(events, connection)[-1].detail == "closed by the client with 4001: bye"
    with pytest.raises(ValueError, match="1005 is not a close code"):
        inspector.submit_close(connection, 1005, "").result(5)


def test_ping_now_reports_the_round_trip_time(
        inspector: Inspector, echo_server: WsTestServer, events: WaitableQueue) -> None:
    connection = open_connection(inspector, ConnectionOptions(echo_server.url(), ping_interval=0))
    latency = inspector.submit_ping(connection).result(5)
    assert 0 < latency < 5
    frames = [f for f in events.frames(connection) if f.opcode in (Opcode.PING, Opcode.PONG)]
    assert [(f.direction, f.opcode) for f in frames] == [(Direction.SENT, Opcode.PING), (Direction.RECEIVED, Opcode.PONG)]
    assert frames[0].payload == frames[1].payload
    last = states(events, connection)[-1]
    assert last.state == ConnectionState.OPEN and last.detail.startswith("RTT ") and last.detail.endswith(" ms")


def test_restarted_server_is_reconnected_and_gets_the_on_connect_sequence_again(
        inspector: Inspector, events: WaitableQueue) -> None:
    sequence = ('{"auth": "token-1"}', '{"subscribe": "prices"}')
    first = WsTestServer().start()
    port = first.port
    options = ConnectionOptions(first.url(), reconnect=True, reconnect_initial=0.05, reconnect_max=0.4,
                                on_connect=sequence)
    try:
        connection = open_connection(inspector, options)
        first.wait_for(lambda: first.connections and first.connections[0].messages == list(sequence))
    finally:
        first.stop()  # closes its connections with 1001 going away
    events.wait_for(lambda _: any(s.state == ConnectionState.RECONNECTING for s in states(events, connection)))
    second = WsTestServer(port=port).start()
    try:
        second.wait_for(lambda: second.connections and second.connections[0].messages == list(sequence), timeout=10)
        events.wait_for(lambda _: states(events, connection)[-1].state == ConnectionState.OPEN)
        inspector.submit_send(connection, '{"after": "restart"}').result(5)
        second.wait_for(lambda: '{"after": "restart"}' in second.connections[0].messages)
        closes = [json.loads(f.payload) for f in events.frames(connection) if f.opcode == Opcode.CLOSE]
        assert closes[0]["code"] == 1001 and closes[0]["by"] == "server"
        sent = [f.payload for f in events.frames(connection) if f.direction == Direction.SENT and f.opcode == Opcode.TEXT]
        assert sent[:4] == list(sequence) * 2  # the sequence went out on both connections, first of all
        waits = [s for s in states(events, connection) if s.state == ConnectionState.RECONNECTING]
        assert all(s.retry_in is not None and 0 < s.retry_in <= 0.4 for s in waits)
    finally:
        second.stop()


def test_abnormal_closure_is_recorded_and_reconnected_and_user_close_stops_it(
        inspector: Inspector, echo_server: WsTestServer, events: WaitableQueue) -> None:
    options = ConnectionOptions(echo_server.url(), reconnect=True, reconnect_initial=0.05, reconnect_max=0.2)
    connection = open_connection(inspector, options)
    inspector.submit_send(connection, "drop").result(5)
    echo_server.wait_for(lambda: len(echo_server.connections) == 2)
    errors = events.wait_for(lambda _: [json.loads(f.payload) for f in events.frames(connection)
                                        if f.opcode == Opcode.ERROR])
    assert "1006" in errors[0]["error"]
    events.wait_for(lambda _: states(events, connection)[-1].state == ConnectionState.OPEN)
    inspector.submit_close(connection, 1000, "done").result(5)
    echo_server.wait_for(lambda: echo_server.connections[1].ended.is_set())
    assert echo_server.connections[1].close_code == 1000
    events.wait_for(lambda _: states(events, connection)[-1].state == ConnectionState.CLOSED)
    assert len(echo_server.connections) == 2  # closed by the user: no reconnection
    assert not any(s.state == ConnectionState.RECONNECTING for s in states(events, connection)
                   [[s.state for s in states(events, connection)].index(ConnectionState.CLOSING):])


def test_closing_while_waiting_to_reconnect_stops_the_retries(inspector: Inspector, events: WaitableQueue) -> None:
    probe = WsTestServer().start()
    url = probe.url()
    probe.stop()  # nothing listens there now
    connection = inspector.new_connection(ConnectionOptions(url, reconnect=True, reconnect_initial=0.05,
                                                            reconnect_max=0.1))
    with pytest.raises(ConnectFailed, match="refused"):
        inspector.submit_open(connection).result(10)
    events.wait_for(lambda _: sum(s.state == ConnectionState.RECONNECTING for s in states(events, connection.id)) >= 2)
    inspector.submit_close(connection.id).result(5)
    events.wait_for(lambda _: states(events, connection.id)[-1].detail == "reconnection stopped")
    assert connection.state == ConnectionState.CLOSED


def test_a_normal_close_by_the_server_is_not_reconnected(inspector: Inspector, events: WaitableQueue) -> None:
    server = EmbeddedServer(create_app(status_delay=60), events.put, port=0, connection_ids=itertools.count(1))
    server.start()
    assert server.wait_ready(10)
    try:
        options = ConnectionOptions(server.address.ws_url("/ws/stream?rate=1000&count=2&size=20"), reconnect=True,
                                    reconnect_initial=0.05)
        connection = open_connection(inspector, options)
        events.wait_for(lambda _: states(events, connection)[-1].state == ConnectionState.CLOSED)
        assert not any(s.state == ConnectionState.RECONNECTING for s in states(events, connection))
    finally:
        assert server.stop()


def test_closing_while_the_handshake_hangs_gives_up(inspector: Inspector, events: WaitableQueue) -> None:
    import concurrent.futures
    import socket

    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never answers the handshake
        connection = inspector.new_connection(ConnectionOptions(f"ws://127.0.0.1:{silent.getsockname()[1]}/",
                                                                reconnect=True))
        opening = inspector.submit_open(connection)
        events.wait_for(lambda _: [s for s in states(events, connection.id) if s.state == ConnectionState.CONNECTING])
        inspector.submit_close(connection.id).result(5)
        with pytest.raises(concurrent.futures.CancelledError):
            opening.result(5)
        assert states(events, connection.id)[-1].detail == "closed before it opened"
        assert connection.state == ConnectionState.CLOSED
