"""The commands and the protocols inside frames, as users run them: subprocesses, the demo server, real clients.

`send --event` speaks Socket.IO; `serve` names what each frame says; `record` and `convert` keep the
frames as they crossed.
"""

from __future__ import annotations

import base64
import json
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import socketio
from websockets.sync.client import connect

from app.commands.serve import ProtocolNames, frame_line
from app.core.capture_files import read_capture
from app.core.frames import Direction, Frame, Opcode, Side
from app.net.loop_thread import LoopThread
from embedded_server.runner import EmbeddedServer
from tests.helpers import WaitableQueue
from tests.test_capture_commands import run, start
from tests.test_socketio_demo import socketio_url

TIMEOUT = 10.0
ADD = '{"jsonrpc": "2.0", "method": "add", "params": [2, 3], "id": 7}'

HANDSHAKE = ("0{", "40")  # Engine.IO's open packet, the namespace connect: the protocol's, not replies


def received_by_server(events: WaitableQueue) -> list[str]:
    """The text frames the demo server received, as they came."""
    return [f.payload for f in events.frames("server#")
            if f.direction == Direction.RECEIVED and f.opcode == Opcode.TEXT and isinstance(f.payload, str)]


# -- send --event ---------------------------------------------------------------------------------


def on_own_loop(coroutine: Any) -> Any:
    """Run a client coroutine on a loop thread of its own: a window's loop may be running in this thread."""
    loop = LoopThread("socketscope-test-socketio-clients")
    loop.start()
    try:
        return loop.submit(coroutine).result(30)
    finally:
        assert loop.stop()

def test_send_event_emits_the_json_as_its_arguments_and_prints_the_ack(demo_server: EmbeddedServer,
                                                                        events: WaitableQueue) -> None:
    done = run("send", socketio_url(demo_server), "--event", "chat", "--json", '{"text": "hi"}', "--ack")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == '430[{"status":"delivered","n":1}]'  # the ack, as it came, ends the output
    assert any(line.startswith('42["chat",') and '"message":{"text":"hi"}' in line for line in lines)  # the broadcast
    assert not [line for line in lines if line.startswith(HANDSHAKE) or line in ("2", "3")]
    assert '420["chat",{"text": "hi"}]' in received_by_server(events)  # the arguments exactly as typed


def test_an_array_gives_one_argument_per_element_in_the_namespace_given(demo_server: EmbeddedServer,
                                                                        events: WaitableQueue) -> None:
    done = run("send", socketio_url(demo_server), "--event", "chat", "--json", '[1, "two"]', "--namespace", "/")
    assert done.returncode == 0, done.stderr
    assert '42["chat",1, "two"]' in received_by_server(events)  # no ack id: none was asked for


def test_send_event_exits_1_when_no_ack_comes(demo_server: EmbeddedServer) -> None:
    done = run("send", socketio_url(demo_server), "--event", "no-handler", "--json", "{}", "--ack",
               "--timeout", "0.5")
    assert done.returncode == 1
    assert "no ack within 0.5 s" in done.stderr


def test_a_namespace_the_server_refuses_is_said_and_nothing_is_sent(demo_server: EmbeddedServer,
                                                                    events: WaitableQueue) -> None:
    done = run("send", socketio_url(demo_server), "--event", "chat", "--json", "{}", "--namespace", "/nope")
    assert done.returncode == 1
    assert "refused the namespace /nope" in done.stderr and "nothing was sent" in done.stderr
    assert not [payload for payload in received_by_server(events) if payload.startswith("42")]


def test_a_server_that_does_not_speak_socketio_gets_no_event(demo_server: EmbeddedServer,
                                                             events: WaitableQueue) -> None:
    done = run("send", demo_server.address.ws_url("/ws"), "--protocol", "socket.io", "--event", "chat",
               "--json", "{}")
    assert done.returncode == 1
    assert "did not connect the namespace /" in done.stderr and "nothing was sent" in done.stderr
    assert not received_by_server(events)


@pytest.mark.parametrize("args, message", [
    (["ws://127.0.0.1:1/ws", "--event", "chat", "--json", "{}"], "--event needs a Socket.IO connection"),
    (["ws://127.0.0.1:1/socket.io/?EIO=4", "--protocol", "jsonrpc", "--event", "chat", "--json", "{}"],
     "--event needs a Socket.IO connection"),
    (["ws://127.0.0.1:1/socket.io/?EIO=4", "--protocol", "raw", "--event", "chat", "--json", "{}"],
     "--event needs a Socket.IO connection"),
    (["ws://127.0.0.1:1/socket.io/?EIO=4", "--ack", "--json", "{}"], "--ack and --namespace go with --event"),
    (["ws://127.0.0.1:1/socket.io/?EIO=4", "--namespace", "/a", "--json", "{}"],
     "--ack and --namespace go with --event"),
    (["ws://127.0.0.1:1/socket.io/?EIO=4", "--event", "", "--json", "{}"], "--event needs a name"),
    (["ws://127.0.0.1:1/socket.io/?EIO=4", "--event", "chat", "--namespace", "admin", "--json", "{}"],
     "must start with /"),
    (["ws://127.0.0.1:1/ws", "--protocol", "nope", "--json", "{}"], "invalid choice: 'nope'"),
])
def test_bad_event_options_are_usage_errors(args: list[str], message: str) -> None:
    done = run("send", *args)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr


def test_a_binary_payload_cannot_be_an_events_arguments(tmp_path: Path) -> None:
    payload = tmp_path / "picture.png"
    payload.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    done = run("send", "ws://127.0.0.1:1/socket.io/?EIO=4", "--event", "upload", "--file", str(payload))
    assert done.returncode == 2
    assert f"{payload} is binary" in done.stderr and "nothing was sent" in done.stderr


# -- serve names what each frame says ---------------------------------------------------------------

@pytest.fixture
def serving(request: pytest.FixtureRequest) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`socketscope serve` (with the test's extra arguments) and its http:// URL."""
    process = start("serve", "--port", "0", *getattr(request, "param", ()))
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("SocketScope server listening on http://127.0.0.1:"), line
        yield process, line.split()[4]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def stop(process: subprocess.Popen[str]) -> list[str]:
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    return out.splitlines()


async def chat(http_url: str) -> object:
    """A python-socketio client emits `chat` and waits for its ack."""
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(http_url, transports=["websocket"], wait_timeout=TIMEOUT)
    try:
        return await client.call("chat", {"text": "hi"}, timeout=TIMEOUT)
    finally:
        await client.disconnect()


def add(http_url: str) -> object:
    """A JSON-RPC client calls `add` on /ws/rpc."""
    with connect(http_url.replace("http://", "ws://") + "/ws/rpc", open_timeout=TIMEOUT) as rpc:
        rpc.send(ADD)
        return json.loads(rpc.recv(timeout=TIMEOUT))


def test_serve_names_the_event_and_the_method_of_each_frame(serving: tuple[subprocess.Popen[str], str]) -> None:
    process, http_url = serving
    assert on_own_loop(chat(http_url)) == {"status": "delivered", "n": 1}
    assert add(http_url) == {"jsonrpc": "2.0", "result": 5, "id": 7}
    lines = stop(process)
    assert any(" <- text " in line and 'B chat · 42' in line and '["chat",{"text":"hi"}]' in line for line in lines), lines
    assert any(" -> text " in line and "B news · 42" in line for line in lines), lines
    assert any(" -> text " in line and "B ack · 43" in line for line in lines), lines
    assert any(" <- text " in line and 'B add · {"jsonrpc": "2.0", "method": "add"' in line for line in lines), lines
    assert any(" -> text " in line and 'B result · {"jsonrpc":"2.0","result":5' in line for line in lines), lines


@pytest.mark.parametrize("serving", [("--raw",)], indirect=True)
def test_serve_raw_prints_the_frames_as_before(serving: tuple[subprocess.Popen[str], str]) -> None:
    process, http_url = serving
    assert add(http_url)["result"] == 5  # type: ignore[index]
    lines = stop(process)
    assert any(line.endswith(f"<- text {len(ADD)}B {ADD}") for line in lines), lines
    assert not [line for line in lines if " · " in line]


def test_keep_alives_are_named_heartbeats_and_undecided_connections_stay_raw() -> None:
    names = ProtocolNames()

    def line(connection: str, direction: Direction, opcode: Opcode, payload: str) -> str:
        return frame_line(Frame(connection, Side.SERVER, direction, opcode, payload), names)

    line("server#1", Direction.EVENT, Opcode.OPEN, '{"path": "/socket.io/", "query": "EIO=4&transport=websocket"}')
    assert line("server#1", Direction.SENT, Opcode.TEXT, "2").endswith(" -> text 1B ping · heartbeat · 2")
    assert line("server#1", Direction.RECEIVED, Opcode.TEXT, "3").endswith(" <- text 1B pong · heartbeat · 3")
    assert line("server#1", Direction.RECEIVED, Opcode.TEXT, '42["chat"').endswith(' <- text 9B 42["chat"')  # broken
    line("server#2", Direction.EVENT, Opcode.OPEN, '{"path": "/ws"}')
    assert line("server#2", Direction.RECEIVED, Opcode.TEXT, '{"a": 1}').endswith(' <- text 8B {"a": 1}')


# -- record and convert keep the frames raw -------------------------------------------------------

ATTACHMENT = b"\x00\xff binary \x80\x1e"
RAW_KEYS = {"time", "connection", "side", "direction", "opcode", "size"}  # and the payload: text or base64


async def chat_with_an_attachment(http_url: str) -> object:
    """A python-socketio client emits `chat` with bytes: the broadcast is a binary event and its attachment."""
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(http_url, transports=["websocket"], wait_timeout=TIMEOUT)
    try:
        return await client.call("chat", ATTACHMENT, timeout=TIMEOUT)
    finally:
        await client.disconnect()


def messages(frames: list[Frame], direction: Direction) -> list[str | bytes]:
    return [f.payload for f in frames if f.direction == direction and f.opcode in (Opcode.TEXT, Opcode.BINARY)]


def test_a_socketio_session_is_recorded_and_converted_as_it_crossed(demo_server: EmbeddedServer,
                                                                    events: WaitableQueue, tmp_path: Path) -> None:
    out = tmp_path / "socketio.jsonl"
    recording = start("record", socketio_url(demo_server), "--out", str(out), "--count", "5")
    try:
        events.wait_for(lambda _: [f for f in events.frames("server#1") if f.direction == Direction.SENT
                                   and isinstance(f.payload, str) and f.payload.startswith("40{")], TIMEOUT)
        assert on_own_loop(chat_with_an_attachment(demo_server.address.http_url)) == {"status": "delivered", "n": 1}
        _, err = recording.communicate(timeout=30)
    finally:
        if recording.poll() is None:
            recording.kill()
            recording.wait(10)
    assert recording.returncode == 0, err

    recorded, report = read_capture(out)
    assert report.clean
    wire = events.frames("server#1")  # the same connection as the server saw it cross
    received = messages(recorded, Direction.RECEIVED)
    assert len(received) == 5 and received == messages(wire, Direction.SENT)[:5]  # open, news, connect, chat + bytes
    assert ATTACHMENT in received and any(isinstance(p, str) and p.startswith('451-["chat",') for p in received)
    assert messages(recorded, Direction.SENT) == messages(wire, Direction.RECEIVED) == ["40"]
    for line in out.read_text(encoding="ascii").splitlines()[1:]:  # after the format's header: nothing decoded
        record = json.loads(line)
        if record["opcode"] in ("text", "binary"):
            assert set(record) - RAW_KEYS in ({"text"}, {"base64"}), record

    har = tmp_path / "socketio.har"
    assert run("convert", str(out), str(har)).returncode == 0
    (entry,) = json.loads(har.read_text(encoding="utf-8"))["log"]["entries"]
    in_har = [m["data"] if m["opcode"] == 1 else base64.b64decode(m["data"]) for m in entry["_webSocketMessages"]]
    assert in_har == [p for f in recorded if f.opcode in (Opcode.TEXT, Opcode.BINARY) for p in [f.payload]]
    back = tmp_path / "back.jsonl"
    assert run("convert", str(har), str(back)).returncode == 0
    assert read_capture(back)[0] == recorded  # every frame, byte for byte
