"""Interoperability with mitmproxy 12, a proxy nobody here wrote: its HAR must import truly, ours it must read.

`make venv` installs mitmproxy from PyPI into a virtual environment of its own, .venv/mitmproxy: its
dependency pins (cryptography among them) would otherwise hold back the project's. The tests run its
`mitmdump` as a subprocess, on loopback only, with tests/mitmdump_addon.py loaded to learn its port and
what it read.
"""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Origin

from app.core.capture import CaptureStore
from app.core.capture_files import export_capture, read_capture
from app.core.frames import Direction, Frame, Opcode, Side, wire_size
from embedded_server.runner import EmbeddedServer
from tests.helpers import REPO, WaitableQueue
from tests.waiting import wait_until

MITMDUMP = REPO / ".venv" / "mitmproxy" / "bin" / "mitmdump"
ADDON = Path(__file__).with_name("mitmdump_addon.py")
DATA = (Opcode.TEXT, Opcode.BINARY)

pytestmark = pytest.mark.skipif(
    not MITMDUMP.exists(), reason="mitmproxy is installed by `make venv` into .venv/mitmproxy; it is not here")


def mitmdump_command(tmp_path: Path, *arguments: str) -> list[str]:
    """mitmdump, quiet, with its configuration (and CA) kept in the test's directory, not the user's."""
    return [str(MITMDUMP), "-q", "--set", f"confdir={tmp_path / 'mitmproxy'}", "-s", str(ADDON), *arguments]


@contextmanager
def reverse_proxy(tmp_path: Path, upstream: str, har: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """mitmdump as a reverse proxy in front of `upstream` on an ephemeral loopback port, dumping HAR to `har`."""
    listen = tmp_path / "listen.json"
    process = subprocess.Popen(
        mitmdump_command(tmp_path, "--mode", f"reverse:{upstream}", "--listen-host", "127.0.0.1",
                         "--listen-port", "0", "--set", f"hardump={har}", "--set", f"listen_file={listen}"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        def listening_or_gone() -> list[tuple[str, int]] | bool:
            return process.poll() is not None or (listen.exists() and json.loads(listen.read_text()))

        addresses = wait_until(listening_or_gone, timeout=15, what="mitmdump listening")
        assert process.poll() is None, process.communicate(timeout=5)  # it failed to start: say why
        assert not isinstance(addresses, bool)  # the process is still running (asserted above)
        (host, port), = addresses
        assert host == "127.0.0.1"
        yield process, port
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=5)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ctrl+C, as a person stops mitmdump: it writes its HAR on the way out."""
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=15)
    assert process.returncode == 0, (out, err)


def test_mitmproxy_har_of_a_reverse_proxied_session_imports_byte_exact(
    demo_server: EmbeddedServer, events: WaitableQueue, tmp_path: Path,
) -> None:
    """Two overlapping clients through mitmdump to /ws/echo; its HAR imports every message as sent, in order."""
    har = tmp_path / "mitmproxy.har"
    exchanges: list[tuple[str, str | bytes]] = [
        ("alice", '{"text": "hello", "n": 12345678901234567890, "price": 2.50}'),
        ("bob", "héllo ✓ — ünïcode 🎉, a tab\t and a NUL \x00 too"),
        ("alice", b"\x00\xff\x80\xc3( binary, not UTF-8 \r\n"),
        ("bob", b""),
        ("alice", "{}"),
    ]
    with reverse_proxy(tmp_path, demo_server.address.http_url, har) as (process, port):
        url = f"ws://127.0.0.1:{port}/ws/echo"
        with connect(url, open_timeout=5) as alice, connect(url, open_timeout=5) as bob:
            clients = {"alice": alice, "bob": bob}
            for who, payload in exchanges:
                clients[who].send(payload)
                assert clients[who].recv(timeout=5) == payload
        # Both connections closed on the server too: mitmdump has ended their flows.
        events.wait_for(lambda seen: sum(1 for f in seen if isinstance(f, Frame) and f.opcode == Opcode.CLOSE) >= 2)
        stop(process)

    frames, report = read_capture(har)
    assert report.clean and not report.ignored, (report.skipped, report.notes)
    messages = [f for f in frames if f.opcode in DATA]
    names = {messages[0].connection: "alice"}
    names.update({f.connection: "bob" for f in messages if f.connection not in names})
    assert sorted(names) == ["har#1", "har#2"]
    opens = [f for f in frames if f.opcode == Opcode.OPEN]  # alice connected first
    assert [(names[f.connection], f.side, json.loads(f.payload)["status"]) for f in opens] == [
        ("alice", Side.CLIENT, 101), ("bob", Side.CLIENT, 101)]
    assert all(json.loads(f.payload)["url"] == f"http://127.0.0.1:{demo_server.address.port}/ws/echo"
               for f in opens)
    expected = []
    for who, payload in exchanges:
        opcode = Opcode.BINARY if isinstance(payload, bytes) else Opcode.TEXT
        for direction in (Direction.SENT, Direction.RECEIVED):  # the client's view: sent, then the echo
            expected.append((who, direction, opcode, payload, wire_size(payload)))
    assert [(names[f.connection], f.direction, f.opcode, f.payload, f.size) for f in messages] == expected
    assert [f.wall_time for f in messages] == sorted(f.wall_time for f in messages)

    # What SocketScope's own server saw of the same traffic: the same messages, from the other end.
    served = [f for f in events.frames("server#") if f.opcode in DATA]
    assert [(f.payload, f.size, f.direction) for f in served] == [
        (f.payload, f.size, Direction.RECEIVED if f.direction == Direction.SENT else Direction.SENT)
        for f in messages]


def test_mitmproxy_reads_a_har_socketscope_exported(
    demo_server: EmbeddedServer, events: WaitableQueue, tmp_path: Path,
) -> None:
    """mitmdump -nr opens SocketScope's HAR: one flow per connection, the upgrade request and its status."""
    with connect(demo_server.address.ws_url("/ws/echo"), open_timeout=5) as ws:
        for payload in ('{"text": "héllo"}', b"\x00\xff binary"):
            ws.send(payload)
            assert ws.recv(timeout=5) == payload
    with pytest.raises(InvalidStatus):  # an opaque origin is refused: an entry with status 403
        connect(demo_server.address.ws_url("/ws/echo"), open_timeout=5, origin=Origin("null")).close()
    events.wait_for(lambda seen: any(isinstance(f, Frame) and f.opcode == Opcode.CLOSE for f in seen)
                    and any(isinstance(f, Frame) and f.opcode == Opcode.REFUSED for f in seen))
    store = CaptureStore()
    store.extend(events.frames())
    exported = tmp_path / "socketscope.har"
    export_capture(exported, store)

    flows_file = tmp_path / "flows.jsonl"
    result = subprocess.run(mitmdump_command(tmp_path, "-n", "-r", str(exported), "--set", f"flows_file={flows_file}"),
                            capture_output=True, timeout=20)
    assert result.returncode == 0, result
    flows = [json.loads(line) for line in flows_file.read_text().splitlines()]
    assert [(f["method"], f["url"], f["status"]) for f in flows] == [
        ("GET", demo_server.address.ws_url("/ws/echo"), 101), ("GET", demo_server.address.ws_url("/ws/echo"), 403)]
    headers = {name.lower(): value for name, value in flows[0]["request_headers"]}
    assert headers["upgrade"].lower() == "websocket"
    # mitmproxy 12.3 reads a HAR entry's HTTP exchange only; it passes over `_webSocketMessages`
    # (Chrome's form, which it writes itself), so the messages cannot come through.
    assert flows[0]["websocket"] is None
