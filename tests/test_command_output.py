"""What the commands print is safe for a terminal and speaks the window's words."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Origin

from tests.helpers import REPO
from tests.raw_peer import RawPeer, frame, read_frame
from tests.test_capture_commands import run, start

HOSTILE = "\x1b]0;TITLE\x07\x1b[2J"  # retitles and clears a terminal that prints it raw
ESCAPED = "\\u001b]0;TITLE\\u0007\\u001b[2J"
CONTROLS = [chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))]


def assert_no_controls(text: str) -> None:
    """Only line ends of the command's own; no other control character."""
    found = sorted({c for c in text.replace("\n", "") if c in CONTROLS})
    assert not found, f"control characters reached the terminal: {found!r}"


@pytest.fixture
def served() -> Iterator[tuple[subprocess.Popen[str], str]]:
    process = start("serve", "--port", "0")
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("SocketScope server listening on http://127.0.0.1:"), line
    yield process, line.split()[4].replace("http://", "ws://")
    if process.poll() is None:
        process.kill()
        process.wait(10)


def stop(process: subprocess.Popen[str]) -> tuple[str, str]:
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    return out, err


def test_serve_escapes_a_clients_terminal_control_codes(served: tuple[subprocess.Popen[str], str]) -> None:
    process, ws_url = served
    with connect(ws_url + "/ws/echo", open_timeout=5) as ws:
        ws.send(HOSTILE)
        assert ws.recv(timeout=5) == HOSTILE
        ws.close(4000, "\x9b31m red")  # a C1 control: CSI
    out, _ = stop(process)
    assert_no_controls(out)
    assert any("server#1 <- text" in line and line.endswith(ESCAPED) for line in out.splitlines()), out
    assert any("server#1 <- close" in line and "\\u009b31m red" in line for line in out.splitlines()), out


def test_serve_says_refused_as_the_window_does(served: tuple[subprocess.Popen[str], str]) -> None:
    process, ws_url = served
    with pytest.raises(InvalidStatus):
        connect(ws_url + "/ws", open_timeout=5, origin=Origin("http://evil.example"))
    out, _ = stop(process)
    assert any("server#1 ** refused" in line for line in out.splitlines()), out
    assert "reject" not in out


def test_send_prints_replies_and_close_reasons_escaped() -> None:
    async def replies_with_controls(reader, writer) -> None:
        await read_frame(reader)
        writer.write(frame(1, HOSTILE.encode()) + frame(1, '{"t": "\u009b2J"}'.encode()))
        writer.write(frame(8, (4000).to_bytes(2, "big") + HOSTILE.encode()))
        await writer.drain()
        await read_frame(reader)
        writer.close()

    with RawPeer(replies_with_controls) as peer:
        result = run("send", peer.url, "--json", "{}", "--expect", "3")
    assert_no_controls(result.stdout + result.stderr)
    assert result.stdout.splitlines() == [json.dumps(HOSTILE), '{"t":"\\u009b2J"}']  # JSON minified
    assert json.loads(result.stdout.splitlines()[1]) == {"t": "\u009b2J"}  # still JSON, the same value
    assert result.stderr.splitlines()[-1] == (
        f"socketscope send: closed by the server with 4000: {ESCAPED} after 2 of 3 replies")


def test_log_records_a_command_prints_are_escaped_too() -> None:
    script = ("import logging; from app.commands.output import prepare_output; prepare_output(); "
              f"logging.getLogger('websockets').error('peer said %s', {HOSTILE!r})")
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=30)
    assert result.stderr == f"peer said {ESCAPED}\n"
