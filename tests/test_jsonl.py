"""The JSONL capture format: frames survive a round trip byte for byte; bad lines are reported."""

from __future__ import annotations

import io
import json
import math

import pytest

from app.core import jsonl
from app.core.frames import Direction, Frame, Opcode, Side
from tests.helpers import CORPUS


def sample_frames() -> list[Frame]:
    return [
        Frame("client#1", Side.CLIENT, Direction.EVENT, Opcode.OPEN, '{"url": "ws://127.0.0.1:1/ws"}', 0, 1.5),
        Frame("client#1", Side.CLIENT, Direction.SENT, Opcode.TEXT, '{"a": 1, "a": 2, "n": 123456789012345678901}'),
        Frame("server#1", Side.SERVER, Direction.RECEIVED, Opcode.TEXT, '"lone \ud800 surrogate"'),
        Frame("server#1", Side.SERVER, Direction.SENT, Opcode.BINARY, bytes(range(256))),
        Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, "not json ü €"),
        Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.CLOSE,
              '{"code": 4001, "reason": "bye", "by": "server"}', 5),
    ]


def test_round_trip_is_identical_frame_by_frame() -> None:
    out = io.StringIO()
    frames = sample_frames()
    assert jsonl.write_frames(out, frames) == len(frames)
    text = out.getvalue()
    assert text.isascii()
    report = jsonl.ImportReport()
    back = list(jsonl.read_frames(text.splitlines(), report))
    assert back == frames
    assert report.imported == len(frames) and not report.skipped


def test_close_frames_carry_their_code() -> None:
    record = jsonl.frame_to_record(sample_frames()[-1])
    assert record["close"] == {"code": 4001, "reason": "bye", "by": "server"}
    assert record["opcode"] == "close"


def test_bad_lines_are_skipped_with_a_reason_and_the_rest_kept() -> None:
    good = jsonl.frame_to_line(sample_frames()[1])
    lines = [
        jsonl.header(),
        good,
        "{not json",
        '{"time": 1, "connection": "c", "side": "nowhere", "direction": "sent", "opcode": "text", "text": ""}',
        '{"time": 1, "connection": "c", "side": "client", "direction": "sent", "opcode": "binary", "base64": "!!"}',
        "[1, 2]",
        good,
        good[: len(good) // 2],  # a line cut off by a crash
    ]
    report = jsonl.ImportReport()
    frames = list(jsonl.read_frames(lines, report))
    assert len(frames) == 2 and report.imported == 2
    assert [where for where, _ in report.skipped] == [3, 4, 5, 6, 8]
    assert "side must be one of" in report.skipped[1][1]
    assert "base64" in report.skipped[2][1]
    assert "2 frames imported, 5 skipped" in report.summary()


def corpus_payloads() -> list[str | bytes]:
    """Every JSONTestSuite file, as the bytes a binary frame would carry and as text (lone surrogates
    standing for the bytes that are not UTF-8), and a few strings the encoder must escape."""
    payloads: list[str | bytes] = ["", '"\\/\b\f\n\r\t', "\x00\x1f\x7f", "é€😀", "\udfff\ud800x", "x" * 150]
    files = sorted(CORPUS.glob("*.json"))
    assert len(files) > 300, f"JSONTestSuite not found at {CORPUS}"
    for path in files:
        data = path.read_bytes()
        payloads += [data, data.decode("utf-8", "surrogateescape")]
    return payloads


def test_lines_are_byte_for_byte_the_encoding_of_their_record() -> None:
    """The preformatted lines equal the encoder's output for every kind of frame, field and payload."""
    frames = [Frame(connection, side, direction, opcode, payload, -1, wall_time)
              for payload in corpus_payloads()
              for connection, wall_time in (("client#1", 1764043200.123456), ('odd "名" \x01', 0.0))
              for side in Side for direction in Direction
              for opcode in (Opcode.TEXT, Opcode.BINARY, Opcode.PING, Opcode.PONG)]
    frames += [*sample_frames(), Frame("c", Side.CLIENT, Direction.SENT, Opcode.TEXT, "int time", 8, 1764043200)]
    lines = jsonl.frames_to_lines(frames).split("\n")
    assert lines.pop() == ""
    assert lines == [json.JSONEncoder(allow_nan=False).encode(jsonl.frame_to_record(frame)) for frame in frames]
    report = jsonl.ImportReport()
    assert list(jsonl.read_frames(lines, report)) == frames and report.clean


def test_a_time_that_is_not_a_number_is_refused_as_before() -> None:
    with pytest.raises(ValueError):
        jsonl.frame_to_line(Frame("c", Side.CLIENT, Direction.SENT, Opcode.TEXT, "x", 1, math.nan))
