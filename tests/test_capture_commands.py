"""`socketscope record`, `send`, `replay` and `serve --record` as users run them: subprocesses, real servers."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from websockets.sync.client import connect

from app.core import jsonl
from app.core.frames import Direction, Frame, Opcode, Side
from embedded_server.demo_app import GREETING
from embedded_server.runner import EmbeddedServer
from tests.helpers import REPO, WaitableQueue
from tests.waiting import wait_until


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "app", *args]


def environment() -> dict[str, str]:
    path = os.environ.get("PYTHONPATH", "")
    return dict(os.environ, PYTHONUNBUFFERED="1", PYTHONPATH=os.pathsep.join(p for p in (str(REPO), path) if p))


def run(*args: str, timeout: float = 40) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command(*args), cwd=REPO, env=environment(), capture_output=True, text=True,
                          timeout=timeout)


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(command(*args), cwd=REPO, env=environment(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def read_capture(path: Path) -> tuple[list[Frame], jsonl.ImportReport]:
    report = jsonl.ImportReport()
    with open(path, encoding="ascii") as capture:
        return list(jsonl.read_frames(capture, report)), report


def stream_seqs(frames: list[Frame], direction: Direction) -> list[int]:
    return [json.loads(f.payload)["seq"] for f in frames
            if f.opcode == Opcode.TEXT and f.direction == direction and '"tick"' in f.payload]


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def capture_file(tmp_path: Path) -> Path:
    """A capture in which client#1 sent two messages."""
    path = tmp_path / "capture.jsonl"
    frames = [
        Frame("client#1", Side.CLIENT, Direction.EVENT, Opcode.OPEN, '{"url": "ws://x/"}', 0, 100.0),
        Frame("client#1", Side.CLIENT, Direction.SENT, Opcode.TEXT, '{"n": 1}', -1, 100.1),
        Frame("client#1", Side.CLIENT, Direction.SENT, Opcode.TEXT, '{"n": 2}', -1, 100.2),
    ]
    with open(path, "w") as out:
        jsonl.write_frames(out, frames)
    return path


# -- usage errors and connection failures ---------------------------------------------------------

@pytest.mark.parametrize("url", ["http://127.0.0.1:1/ws", "ws://", "not a url", "ws://127.0.0.1:99999/"])
@pytest.mark.parametrize("name", ["record", "send", "replay"])
def test_a_bad_url_is_a_usage_error(name: str, url: str, tmp_path: Path, capture_file: Path) -> None:
    extra = {"record": [url, "--out", str(tmp_path / "o.jsonl")], "send": [url, "--json", "{}"],
             "replay": [str(capture_file), url]}[name]
    done = run(name, *extra)
    assert done.returncode == 2, done.stderr
    assert f"socketscope {name}: not a WebSocket URL" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("name", ["record", "send", "replay"])
def test_a_refused_connection_exits_1(name: str, tmp_path: Path, capture_file: Path) -> None:
    url = f"ws://127.0.0.1:{closed_port()}/ws"
    extra = {"record": [url, "--out", str(tmp_path / "o.jsonl")], "send": [url, "--json", "{}"],
             "replay": [str(capture_file), url]}[name]
    done = run(name, *extra)
    assert done.returncode == 1, done.stderr
    assert "Connection refused" in done.stderr.strip().splitlines()[-1]


def test_a_refused_handshake_exits_1(demo_server: EmbeddedServer) -> None:
    done = run("send", demo_server.address.ws_url("/no-such-endpoint"), "--json", "{}")
    assert done.returncode == 1 and "HTTP 403" in done.stderr


@pytest.mark.parametrize("content, message", [
    (None, "No such file or directory"),
    (b"", "it is empty"),
    (b"garbage\n", "line 1: not JSON"),
    (b"\xff\xfe\x00binary", "not UTF-8"),
    (b'{"time": 1, "connection": "c", "side": "nowhere", "direction": "sent", "opcode": "text", "text": ""}\n',
     "side must be one of"),
    (jsonl.frame_to_line(Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, "{}")).encode(),
     "no connection in this capture sent"),
])
def test_a_malformed_capture_is_a_usage_error(tmp_path: Path, content: bytes | None, message: str,
                                              demo_server: EmbeddedServer) -> None:
    path = tmp_path / "bad.jsonl"
    if content is not None:
        path.write_bytes(content)
    done = run("replay", str(path), demo_server.address.ws_url("/ws/echo"))
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and done.stderr.startswith("socketscope replay:")


def test_an_unknown_connection_lists_the_ones_that_sent(capture_file: Path, demo_server: EmbeddedServer) -> None:
    done = run("replay", str(capture_file), demo_server.address.ws_url("/ws/echo"), "--connection", "client#7")
    assert done.returncode == 2 and "client#7 sent no message" in done.stderr and "client#1 (2)" in done.stderr


@pytest.mark.parametrize("args, message", [
    (["record", "ws://127.0.0.1:1/", "--out", "x", "--count", "0"], "must be greater than zero"),
    (["record", "ws://127.0.0.1:1/"], "--out"),
    (["send", "ws://127.0.0.1:1/"], "one of the arguments --json --file is required"),
    (["send", "ws://127.0.0.1:1/", "--json", "{}", "--expect", "-1"], "--expect must be 0 or more"),
    (["replay", "f", "ws://127.0.0.1:1/", "--timing", "slow"], "timing must be original, fast or scale:X"),
    (["replay", "f", "ws://127.0.0.1:1/", "--timing", "scale:0"], "timing must be original, fast or scale:X"),
])
def test_bad_options_are_usage_errors(args: list[str], message: str) -> None:
    done = run(*args)
    assert done.returncode == 2 and message in done.stderr


def test_an_output_file_that_cannot_be_written_is_a_usage_error(tmp_path: Path) -> None:
    done = run("record", "ws://127.0.0.1:1/", "--out", str(tmp_path / "no" / "such" / "dir.jsonl"))
    assert done.returncode == 2 and "Cannot record to" in done.stderr


# -- send -----------------------------------------------------------------------------------------

def test_send_prints_the_replies_one_per_line(demo_server: EmbeddedServer) -> None:
    done = run("send", demo_server.address.ws_url("/ws"), "--json", '{"a": 1,\n "a": 2}', "--expect", "2")
    assert done.returncode == 0, done.stderr
    greeting, reply = done.stdout.splitlines()
    assert json.loads(greeting) == GREETING
    assert json.loads(reply) == {"status": "received", "echo": {"a": 2}}


def test_send_reads_a_file_and_keeps_multi_line_replies_on_one_line(demo_server: EmbeddedServer,
                                                                   tmp_path: Path) -> None:
    payload = tmp_path / "message.json"
    payload.write_text('{\n  "a": 1,\n  "a": 2,\n  "big": 12345678901234567890123\n}\n')
    done = run("send", demo_server.address.ws_url("/ws/echo"), "--file", str(payload), "--expect", "1")
    assert done.returncode == 0, done.stderr
    assert done.stdout == '{"a":1,"a":2,"big":12345678901234567890123}\n'  # the echo, minified, duplicates kept


def test_invalid_json_is_never_sent(demo_server: EmbeddedServer, events: WaitableQueue) -> None:
    done = run("send", demo_server.address.ws_url("/ws/echo"), "--json", '{"a": 1,\n  oops}')
    assert done.returncode == 2
    assert "Line 2, column 3" in done.stderr and "nothing was sent" in done.stderr
    assert not [f for f in events.frames("server#") if f.opcode == Opcode.OPEN]


def test_send_times_out_when_too_few_replies_come(demo_server: EmbeddedServer) -> None:
    done = run("send", demo_server.address.ws_url("/ws/echo"), "--json", "[1]", "--expect", "2", "--timeout", "0.5")
    assert done.returncode == 1
    assert done.stdout == "[1]\n" and "1 of 2 replies within 0.5 s" in done.stderr


# -- record ---------------------------------------------------------------------------------------

def test_record_count_writes_exactly_n_messages(demo_server: EmbeddedServer, tmp_path: Path) -> None:
    out = tmp_path / "stream.jsonl"
    done = run("record", demo_server.address.ws_url("/ws/stream?rate=500&count=1000"), "--out", str(out),
               "--count", "25")
    assert done.returncode == 0, done.stderr
    frames, report = read_capture(out)
    assert not report.skipped
    assert stream_seqs(frames, Direction.RECEIVED) == list(range(25))
    assert frames[0].opcode == Opcode.OPEN and frames[-1].opcode == Opcode.CLOSE
    assert "25 messages received" in done.stderr


def test_record_stops_when_the_server_closes_normally(demo_server: EmbeddedServer, tmp_path: Path) -> None:
    out = tmp_path / "short.jsonl"
    done = run("record", demo_server.address.ws_url("/ws/stream?rate=1000&count=7"), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "closed by the server with 1000" in done.stderr
    assert stream_seqs(read_capture(out)[0], Direction.RECEIVED) == list(range(7))


def test_record_exits_1_when_the_server_closes_abnormally(demo_server: EmbeddedServer, tmp_path: Path) -> None:
    done = run("record", demo_server.address.ws_url("/ws/stream?rate=oops"), "--out", str(tmp_path / "x.jsonl"))
    assert done.returncode == 1 and "1008" in done.stderr


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_flushes_the_capture_and_exits_0(demo_server: EmbeddedServer, tmp_path: Path,
                                                  stop_signal: signal.Signals) -> None:
    out = tmp_path / "interrupted.jsonl"
    process = start("record", demo_server.address.ws_url("/ws/stream?rate=200&count=100000"), "--out", str(out))
    try:
        wait_until(lambda: out.read_text().count("tick") >= 20, timeout=20, what="20 frames recorded")
        process.send_signal(stop_signal)
        _, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    assert process.returncode == 0, err
    frames, report = read_capture(out)
    assert not report.skipped  # every line complete
    seqs = stream_seqs(frames, Direction.RECEIVED)
    assert len(seqs) >= 20 and seqs == list(range(len(seqs)))
    assert frames[-1].opcode == Opcode.CLOSE  # closed cleanly and that was recorded too
    assert f"{len(seqs):,} messages received" in err


# -- a killed recorder loses at most its last second ----------------------------------------------

def assert_all_but_the_last_second_kept(path: Path, direction: Direction, killed_at: float) -> None:
    frames, _ = read_capture(path)  # a line cut off by the kill is skipped
    seqs = stream_seqs(frames, direction)
    assert seqs == list(range(len(seqs))), "the recorded stream has a gap"
    newest = max(f.wall_time for f in frames if f.opcode == Opcode.TEXT)
    assert killed_at - newest < 1.0, f"newest frame {killed_at - newest:.3f} s before the kill"


def test_serve_record_killed_mid_stream_keeps_everything_but_the_last_second(tmp_path: Path) -> None:
    out = tmp_path / "served.jsonl"
    process = start("serve", "--port", "0", "--quiet", "--record", str(out))
    try:
        assert process.stdout is not None
        url = process.stdout.readline().split()[-1].replace("/ws", "/ws/stream?rate=300&count=1000000")
        with connect(url, open_timeout=10) as client:
            started = time.monotonic()
            received = 0
            while time.monotonic() - started < 1.5 and received < 100_000:  # stream for a while
                client.recv(timeout=5)
                received += 1
            process.kill()
            killed_at = time.time()
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)
    assert received > 100
    assert_all_but_the_last_second_kept(out, Direction.SENT, killed_at)


def test_record_killed_mid_stream_keeps_everything_but_the_last_second(demo_server: EmbeddedServer,
                                                                       tmp_path: Path) -> None:
    out = tmp_path / "recorded.jsonl"
    process = start("record", demo_server.address.ws_url("/ws/stream?rate=300&count=1000000"), "--out", str(out))
    try:
        wait_until(lambda: out.read_text().count("tick") >= 300, timeout=20, what="a second of stream recorded")
        process.kill()
        killed_at = time.time()
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)
    assert_all_but_the_last_second_kept(out, Direction.RECEIVED, killed_at)


def test_ctrl_c_while_waiting_for_replies_exits_0(demo_server: EmbeddedServer) -> None:
    process = start("send", demo_server.address.ws_url("/ws/echo"), "--json", '{"once": 1}', "--expect", "5")
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == '{"once": 1}\n'  # the echo arrived; four more never will
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    assert process.returncode == 0, err


def test_serve_record_finishes_the_file_on_ctrl_c(tmp_path: Path) -> None:
    out = tmp_path / "served.jsonl"
    process = start("serve", "--port", "0", "--quiet", "--record", str(out))
    try:
        assert process.stdout is not None
        url = process.stdout.readline().split()[-1].replace("/ws", "/ws/echo")
        with connect(url, open_timeout=10) as client:
            client.send('{"hello": "server"}')
            assert client.recv(timeout=5) == '{"hello": "server"}'
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    assert process.returncode == 0, err
    frames, report = read_capture(out)
    assert not report.skipped
    assert [(f.direction, f.opcode) for f in frames] == [
        (Direction.EVENT, Opcode.OPEN), (Direction.RECEIVED, Opcode.TEXT), (Direction.SENT, Opcode.TEXT),
        (Direction.RECEIVED, Opcode.CLOSE)]  # the client's close, as the tap records it
    assert f"{len(frames)} frames recorded to {out}" in err


def test_help_lists_the_commands_and_each_has_its_own() -> None:
    done = run("--help")
    assert done.returncode == 0
    for name in ("serve", "record", "send", "replay"):
        assert f"  {name} " in done.stdout
    done = run("replay", "--help")
    assert done.returncode == 0 and "--timing original|fast|scale:X" in done.stdout
