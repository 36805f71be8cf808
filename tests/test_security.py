"""The embedded server refuses cross-site pages, rebinding hosts and wrong tokens."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Origin

from app.core.frames import Direction, Opcode
from embedded_server.demo_app import GREETING, create_app
from embedded_server.runner import EmbeddedServer
from embedded_server.security import AccessGuard, Refusal, is_loopback
from tests.helpers import WaitableQueue, http_get, listening_addresses_of_this_process, raw_request


def refused_status(url: str, **options: Any) -> int:
    with pytest.raises(InvalidStatus) as refused:
        with connect(url, open_timeout=5, **options):
            pass
    return refused.value.response.status_code


def test_cross_site_origin_is_refused_with_403_and_logged(demo_server: EmbeddedServer, events: WaitableQueue) -> None:
    url = demo_server.address.ws_url("/ws")
    assert refused_status(url, origin="http://evil.example") == 403
    assert refused_status(url, origin="null") == 403
    assert refused_status(url, origin="http://127.0.0.1:1") == 403  # another local port is another site
    refusals = events.wait_for(lambda _: [f for f in events.frames("server#") if f.opcode == Opcode.REFUSED])
    first = json.loads(refusals[0].payload)
    assert refusals[0].direction == Direction.EVENT
    assert first["status"] == 403 and first["origin"] == "http://evil.example"
    assert "cross-site" in first["reason"]


def test_own_origin_and_native_clients_are_accepted(demo_server: EmbeddedServer) -> None:
    own = f"http://127.0.0.1:{demo_server.address.port}"
    with connect(demo_server.address.ws_url("/ws"), open_timeout=5, origin=Origin(own)) as ws:
        assert json.loads(ws.recv(timeout=5)) == GREETING
    with connect(demo_server.address.ws_url("/ws"), open_timeout=5) as ws:  # no Origin at all
        assert json.loads(ws.recv(timeout=5)) == GREETING


def test_rebinding_host_is_refused(demo_server: EmbeddedServer, events: WaitableQueue) -> None:
    port = demo_server.address.port
    upgrade = (b"GET /ws HTTP/1.1\r\nHost: rebind.evil.example\r\nUpgrade: websocket\r\n"
               b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               b"Sec-WebSocket-Version: 13\r\n\r\n")
    assert raw_request(port, upgrade).startswith(b"HTTP/1.1 403")
    page = http_get(port, "/", host="rebind.evil.example")
    assert page.startswith(b"HTTP/1.1 403") and b"DNS rebinding" in page
    refusal = events.wait_for(lambda _: [f for f in events.frames("server#") if f.opcode == Opcode.REFUSED])
    assert "rebind.evil.example" in json.loads(refusal[0].payload)["reason"]


@pytest.fixture
def token_server(events: WaitableQueue) -> Iterator[EmbeddedServer]:
    server = EmbeddedServer(create_app(), events.put, port=0, token="s3cret-token",
                            allowed_origins=["http://localhost:3000"])
    server.start()
    assert server.wait_ready(10)
    yield server
    assert server.stop()


def test_token_is_required_when_configured(token_server: EmbeddedServer) -> None:
    base = f"ws://127.0.0.1:{token_server.address.port}/ws"
    assert refused_status(base) == 403
    assert refused_status(base + "?token=wrong") == 403
    with connect(token_server.address.ws_url("/ws"), open_timeout=5) as ws:  # URL carries the token
        assert json.loads(ws.recv(timeout=5)) == GREETING
    with connect(base, open_timeout=5, additional_headers={"Authorization": "Bearer s3cret-token"},
                 origin=Origin("http://localhost:3000")) as ws:  # allow-listed origin
        assert json.loads(ws.recv(timeout=5)) == GREETING


def test_beyond_loopback_without_a_token_is_refused_at_construction() -> None:
    with pytest.raises(ValueError, match="requires an access token"):
        EmbeddedServer(create_app(), lambda frame: None, host="0.0.0.0", port=0)
    assert is_loopback("127.0.0.2") and is_loopback("::1") and not is_loopback("0.0.0.0")


def test_malformed_headers_never_crash_the_guard() -> None:
    guard = AccessGuard(None)
    for host in (b"", b":::", b"[::1", b"\xff\xfe", b"127.0.0.1:notaport", b"[::1]junk", b"127.0.0.1:99999",
                 b"[not-an-address]", b"127.0.0.1:8765:1", b"a b", b"[::1]:123456"):
        scope = {"type": "websocket", "headers": [(b"host", host), (b"origin", b"http://[::1")],
                 "server": ("127.0.0.1", 8765)}
        refusal = guard.refusal(scope)
        assert refusal is not None and refusal.status == 400, host
    assert guard.refusal({"type": "http", "headers": []}) == Refusal(400, "Host None is missing or malformed")
    for name in ("127.0.0.1", "127.0.0.1:8765", "localhost:8765", "[::1]:8765", "[::1]", "127.0.0.1:"):
        assert guard.refusal({"type": "http", "headers": [(b"host", name.encode())]}) is None, name


def handshake_status(port: int, host: str, path: str = "/ws", headers: str = "") -> bytes:
    """The status line and body start a WebSocket upgrade naming `host` gets (connecting to 127.0.0.1)."""
    upgrade = (f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{headers}\r\n")
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(upgrade.encode("latin-1"))
        answer = b""
        while b"\r\n\r\n" not in answer and (chunk := sock.recv(65536)):
            answer += chunk
        if not answer.startswith(b"HTTP/1.1 101"):
            while chunk := sock.recv(65536):  # a refusal ends with its body and the server closing
                answer += chunk
    return answer


@pytest.mark.parametrize("host", ["[::1]junk", "127.0.0.1:99999", "[::1", "127.0.0.1:8765:1", "a b"])
def test_malformed_host_is_answered_400(demo_server: EmbeddedServer, events: WaitableQueue, host: str) -> None:
    port = demo_server.address.port
    answer = handshake_status(port, host)
    assert answer.startswith(b"HTTP/1.1 400") and b"malformed" in answer, answer
    assert http_get(port, "/", host=host).startswith(b"HTTP/1.1 400")
    refusal = events.wait_for(lambda _: [f for f in events.frames("server#") if f.opcode == Opcode.REFUSED])
    details = json.loads(refusal[0].payload)
    assert details["status"] == 400 and "malformed" in details["reason"]


def test_with_a_token_any_well_formed_host_is_accepted(token_server: EmbeddedServer) -> None:
    """`serve --host 0.0.0.0 --token T` reached as 10.1.2.3 or myhost.lan (sent as Host to 127.0.0.1)."""
    port = token_server.address.port
    for host in (f"10.1.2.3:{port}", f"myhost.lan:{port}", "myhost.lan", f"[fe80::1]:{port}"):
        assert handshake_status(port, host, "/ws?token=s3cret-token").startswith(b"HTTP/1.1 101"), host
        assert handshake_status(port, host, "/ws").startswith(b"HTTP/1.1 403"), host  # no token
    own_page = f"Origin: http://myhost.lan:{port}\r\n"
    assert handshake_status(port, f"myhost.lan:{port}", "/ws?token=s3cret-token", own_page).startswith(b"HTTP/1.1 101")
    other_site = "Origin: http://evil.example\r\n"
    refused = handshake_status(port, f"myhost.lan:{port}", "/ws?token=s3cret-token", other_site)
    assert refused.startswith(b"HTTP/1.1 403") and b"cross-site" in refused
    assert handshake_status(port, "[::1]junk", "/ws?token=s3cret-token").startswith(b"HTTP/1.1 400")
    page = http_get(port, "/healthz?token=s3cret-token", host=f"10.1.2.3:{port}")
    assert page.startswith(b"HTTP/1.1 200")


def test_allowed_host_names_are_accepted_without_a_token(events: WaitableQueue) -> None:
    server = EmbeddedServer(create_app(), events.put, port=0, allowed_hosts=["MyHost.lan", "::2"])
    server.start()
    assert server.wait_ready(10)
    try:
        port = server.address.port
        for host in (f"myhost.lan:{port}", "MYHOST.LAN", f"[::2]:{port}"):
            assert handshake_status(port, host).startswith(b"HTTP/1.1 101"), host
        assert handshake_status(port, f"otherhost.lan:{port}").startswith(b"HTTP/1.1 403")
        own_page = f"Origin: http://myhost.lan:{port}\r\n"
        assert handshake_status(port, f"myhost.lan:{port}", "/ws", own_page).startswith(b"HTTP/1.1 101")
    finally:
        assert server.stop()


def test_nothing_listens_beyond_loopback_by_default(qtbot) -> None:
    from app.main import build

    window = build(["--port", "0"])  # the app's own defaults, but an ephemeral port
    qtbot.addWidget(window)
    try:
        qtbot.waitUntil(lambda: window.state_label.text() == "Open", timeout=5000)
        listening = listening_addresses_of_this_process()
        assert (("0100007F", window.session.server_address.port)) in listening
        assert all(address == "0100007F" for address, _ in listening), listening  # 127.0.0.1 only
    finally:
        window.shutdown()


def test_the_headless_server_listens_on_loopback_only_by_default() -> None:
    import os
    import signal
    import subprocess
    import sys

    from tests.helpers import REPO

    process = subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", "0", "--quiet"], cwd=REPO,
                               env=dict(os.environ, PYTHONUNBUFFERED="1"), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        port = int(line.split("http://127.0.0.1:")[1].split()[0])
        listening = listening_addresses_of_this_process(process.pid)
        assert listening == {("0100007F", port)}, listening  # one socket, 127.0.0.1, nothing else
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=15)
        assert process.returncode == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
