"""Replay: a capture's client messages go to a real server in order, with their timing, and are recorded."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core import jsonl
from app.core.frames import Direction, Frame, Opcode, Side
from app.services.replay import CaptureError, Replay, Timing, load_capture
from app.services.session import LaunchOptions, Session
from embedded_server.runner import EmbeddedServer
from tests.helpers import WaitableQueue
from tests.test_capture_commands import read_capture, run

T0 = 1_700_000_000.0
GAPS = (0.4, 0.8)  # between the client's three messages


def frame(connection: str, direction: Direction, opcode: Opcode, payload: str | bytes, at: float) -> Frame:
    side = Side.CLIENT if connection.startswith("client") else Side.SERVER
    return Frame(connection, side, direction, opcode, payload, -1, T0 + at)


def capture_frames() -> list[Frame]:
    first, second, third = 0.1, 0.1 + GAPS[0], 0.1 + GAPS[0] + GAPS[1]
    return [
        frame("server#1", Direction.EVENT, Opcode.OPEN, '{"path": "/ws"}', 0.0),
        frame("client#1", Direction.EVENT, Opcode.OPEN, '{"url": "ws://x/ws"}', 0.0),
        frame("server#1", Direction.SENT, Opcode.TEXT, '{"hello": true}', 0.01),
        frame("client#1", Direction.RECEIVED, Opcode.TEXT, '{"hello": true}', 0.02),
        frame("server#1", Direction.RECEIVED, Opcode.TEXT, '{"n": 1}', first - 0.001),
        frame("client#1", Direction.SENT, Opcode.TEXT, '{"n": 1}', first),
        frame("client#1", Direction.SENT, Opcode.BINARY, b"\x00\xffbinary", second),
        frame("client#1", Direction.SENT, Opcode.TEXT, '{"n": 3, "n": "dup"}', third),
        frame("client#2", Direction.EVENT, Opcode.OPEN, '{"url": "ws://x/ws"}', 2.0),
        frame("client#2", Direction.SENT, Opcode.TEXT, '"other"', 2.1),
        frame("client#1", Direction.SENT, Opcode.CLOSE, '{"code": 1000, "reason": "", "by": "client"}', 3.0),
    ]


@pytest.fixture
def capture_path(tmp_path: Path) -> Path:
    path = tmp_path / "capture.jsonl"
    with open(path, "w") as out:
        jsonl.write_frames(out, capture_frames())
    return path


@pytest.fixture
def session() -> Iterator[Session]:
    session = Session(LaunchOptions(server=False), WaitableQueue())
    session.start()
    yield session
    session.shutdown()


def test_the_first_client_connection_is_picked_with_its_offsets(capture_path: Path) -> None:
    capture = load_capture(capture_path)
    assert capture.senders() == {"server#1": 1, "client#1": 3, "client#2": 1}
    script = capture.script()
    assert script.connection == "client#1"  # client side first, though server#1 appears earlier
    assert script.payloads == ['{"n": 1}', b"\x00\xffbinary", '{"n": 3, "n": "dup"}']
    assert script.offsets == pytest.approx([0.1, 0.5, 1.3])
    assert capture.script("client#2").payloads == ['"other"']
    assert capture.script("server#1").payloads == ['{"n": 1}']  # what server#1's client sent it


def test_a_server_side_capture_replays_what_its_client_sent(tmp_path: Path) -> None:
    path = tmp_path / "served.jsonl"
    with open(path, "w") as out:
        jsonl.write_frames(out, [f for f in capture_frames() if f.connection.startswith("server")])
    assert load_capture(path).script().connection == "server#1"


def test_appended_runs_with_the_same_names_are_told_apart(tmp_path: Path) -> None:
    path = tmp_path / "appended.jsonl"
    run_one = [f for f in capture_frames() if f.connection == "client#1"]
    run_two = [frame("client#1", Direction.EVENT, Opcode.OPEN, "{}", 10.0),
               frame("client#1", Direction.SENT, Opcode.TEXT, '"second run"', 10.5)]
    with open(path, "w") as out:
        jsonl.write_frames(out, run_one + run_two)
    capture = load_capture(path)
    assert capture.senders() == {"client#1": 3, "client#1@2": 1}
    assert capture.script("client#1@2").offsets == pytest.approx([0.5])
    assert len(capture.script()) == 3


def test_a_capture_with_nothing_sent_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "quiet.jsonl"
    with open(path, "w") as out:
        jsonl.write_frames(out, [f for f in capture_frames() if f.direction == Direction.EVENT])
    with pytest.raises(CaptureError, match="no connection in this capture sent"):
        load_capture(path).script()


def sent_and_received(queue: WaitableQueue, connection: str) -> tuple[list[Frame], list[Frame]]:
    frames = [f for f in queue.frames(connection) if f.connection == connection and f.opcode in (1, 2)]
    return ([f for f in frames if f.direction == Direction.SENT],
            [f for f in frames if f.direction == Direction.RECEIVED])


def replay_to_echo(session: Session, server: EmbeddedServer, capture_path: Path, timing: Timing) -> Replay:
    script = load_capture(capture_path).script()
    progress: list[tuple[int, int]] = []
    replay = Replay(session.inspector, server.address.ws_url("/ws/echo"), script, timing,
                    on_progress=lambda sent, total: progress.append((sent, total)), linger=0.1)
    result = replay.run()
    assert result.complete, result
    assert progress == [(1, 3), (2, 3), (3, 3)]
    queue = session.queue
    assert isinstance(queue, WaitableQueue)
    queue.wait_for(lambda _: len(sent_and_received(queue, result.connection)[1]) == 3)
    sent, received = sent_and_received(queue, result.connection)
    assert [f.payload for f in sent] == script.payloads  # in order, exactly, binary as binary
    assert [f.payload for f in received] == script.payloads  # and echoed
    return replay


def test_fast_replay_sends_everything_in_order_at_once(session: Session, demo_server: EmbeddedServer,
                                                       capture_path: Path) -> None:
    replay = replay_to_echo(session, demo_server, capture_path, Timing.parse("fast"))
    sent, _ = sent_and_received(session.queue, replay.result.connection)  # type: ignore[arg-type]
    assert sent[-1].wall_time - sent[0].wall_time < sum(GAPS) / 2


def test_scaled_replay_keeps_the_gaps_times_the_factor(session: Session, demo_server: EmbeddedServer,
                                                       capture_path: Path) -> None:
    replay = replay_to_echo(session, demo_server, capture_path, Timing.parse("scale:0.5"))
    sent, _ = sent_and_received(session.queue, replay.result.connection)  # type: ignore[arg-type]
    gaps = [later.wall_time - earlier.wall_time for earlier, later in itertools.pairwise(sent)]
    for gap, recorded in zip(gaps, GAPS, strict=False):
        assert recorded * 0.5 - 0.15 <= gap <= recorded * 0.5 + 0.5, (gaps, GAPS)


def test_a_replay_can_be_cancelled(session: Session, demo_server: EmbeddedServer, capture_path: Path) -> None:
    script = load_capture(capture_path).script()
    replay = Replay(session.inspector, demo_server.address.ws_url("/ws/echo"), script, Timing.parse("scale:5"))
    replay.on_progress = lambda sent, total: replay.cancel()  # the next message is due 2 s later
    result = replay.start().result(timeout=20)
    assert result.cancelled and result.sent == 1 and not result.complete


def test_the_command_records_the_new_exchange(capture_path: Path, demo_server: EmbeddedServer,
                                              tmp_path: Path) -> None:
    out = tmp_path / "replayed.jsonl"
    done = run("replay", str(capture_path), demo_server.address.ws_url("/ws/echo"), "--timing", "scale:0.25",
               "--out", str(out), "--linger", "0.2")
    assert done.returncode == 0, done.stderr
    assert "3 of 3 messages sent as client#1" in done.stderr
    assert "client#1 -> binary 8B" in done.stdout
    frames, report = read_capture(out)
    assert not report.skipped
    sent = [f for f in frames if f.direction == Direction.SENT and f.opcode in (Opcode.TEXT, Opcode.BINARY)]
    received = [f for f in frames if f.direction == Direction.RECEIVED and f.opcode in (Opcode.TEXT, Opcode.BINARY)]
    expected = ['{"n": 1}', b"\x00\xffbinary", '{"n": 3, "n": "dup"}']
    assert [f.payload for f in sent] == expected and [f.payload for f in received] == expected
    gaps = [later.wall_time - earlier.wall_time for earlier, later in itertools.pairwise(sent)]
    assert GAPS[0] * 0.25 - 0.1 <= gaps[0] <= GAPS[0] * 0.25 + 0.5, gaps
    assert frames[-1].opcode == Opcode.CLOSE
    assert json.loads(frames[-1].payload)["code"] == 1000


def test_a_server_closing_mid_replay_exits_1(capture_path: Path, demo_server: EmbeddedServer) -> None:
    # /ws/stream?rate=bad closes with 1008 at once, before the first message is due 0.1 s after opening
    done = run("replay", str(capture_path), demo_server.address.ws_url("/ws/stream?rate=bad"))
    assert done.returncode == 1, done.stderr
    assert "of 3 messages sent" in done.stderr

