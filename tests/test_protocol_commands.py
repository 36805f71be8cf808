"""The commands and the protocols inside frames: `send --event`, as users run it: subprocesses, the demo server."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.frames import Direction, Opcode
from embedded_server.runner import EmbeddedServer
from tests.helpers import WaitableQueue
from tests.test_capture_commands import run
from tests.test_socketio_demo import socketio_url

HANDSHAKE = ("0{", "40")  # Engine.IO's open packet, the namespace connect: the protocol's, not replies


def received_by_server(events: WaitableQueue) -> list[str]:
    """The text frames the demo server received, as they came."""
    return [f.payload for f in events.frames("server#")
            if f.direction == Direction.RECEIVED and f.opcode == Opcode.TEXT and isinstance(f.payload, str)]


# -- send --event ---------------------------------------------------------------------------------

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
