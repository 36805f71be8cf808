"""`emit` steps: a scenario speaks Socket.IO to the demo server's /socket.io/ and expects its events by name."""

from __future__ import annotations

from pathlib import Path

from embedded_server.runner import EmbeddedServer
from tests.test_capture_commands import run
from tests.test_scenario_command import write

CHAT = """\
    name: socket.io chat
    url: {url}
    steps:
      - expect: event:news
      - emit: {{event: chat, args: [{{text: "hi {{{{seq}}}}"}}]}}
      - expect: event:chat "hi 1"
        within: 3s
      - emit: {{event: chat, args: "[2, 3]"}}
      - expect: event:chat /"message":\\[2,3\\]/
        within: 3s
      - close: {{code: 1000}}
"""


def test_an_emit_scenario_passes_against_the_demo_socketio_server(demo_server: EmbeddedServer, tmp_path: Path) -> None:
    url = demo_server.address.ws_url("/socket.io/?EIO=4&transport=websocket")
    scenario = write(tmp_path, "chat.wstest.yaml", CHAT.format(url=url))
    done = run("test", str(scenario))
    assert done.returncode == 0, done.stdout + done.stderr
    assert 'ok      step 2 (line 5): emit chat [{"text": "hi {{seq}}"}]' in done.stdout
    assert "1 of 1 scenarios passed (6 of 6 steps)" in done.stdout


def test_an_emit_that_matches_no_event_fails_with_the_events_received(demo_server: EmbeddedServer,
                                                                      tmp_path: Path) -> None:
    url = demo_server.address.ws_url("/socket.io/?EIO=4&transport=websocket")
    text = CHAT.format(url=url).replace('event:chat "hi 1"', 'event:chat "bye"').replace("3s", "500ms", 1)
    done = run("test", str(write(tmp_path, "chat.wstest.yaml", text)))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "expect event:chat \"bye\" failed: no message received within 500 ms matched" in done.stdout
    assert '42["chat",' in done.stdout  # the event that came, among the last received


def test_an_emit_without_an_event_or_on_a_plain_websocket_is_refused_before_running(tmp_path: Path) -> None:
    nameless = write(tmp_path, "nameless.wstest.yaml", """\
        url: ws://127.0.0.1:1/socket.io/
        steps:
          - emit: {args: [1]}
    """)
    done = run("test", str(nameless))
    assert done.returncode == 2
    assert f"{nameless}:3: emit needs the event's name" in done.stderr + done.stdout

    plain = write(tmp_path, "plain.wstest.yaml", """\
        url: ws://127.0.0.1:1/ws
        steps:
          - expect: x
          - emit: {event: chat}
    """)
    done = run("test", str(plain))
    assert done.returncode == 2
    assert f"{plain}:4: emit needs a Socket.IO connection" in done.stderr + done.stdout
