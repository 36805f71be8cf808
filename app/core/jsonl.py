"""SocketScope's JSONL capture format: one frame per line, payload exactly as on the wire.

A file may start with a header line ``{"format": "socketscope-jsonl", "version": 1, ...}``;
every other line is one frame:

    {"time": 1764043200.123456, "connection": "client#1", "side": "client",
     "direction": "received", "opcode": "text", "size": 15, "text": "{\"id\": 1}"}

Text payloads are in ``text`` (written with ASCII escapes, so lone surrogates survive),
binary payloads in ``base64``. Close frames also carry ``close: {"code", "reason", "by"}``
and events their description under ``event`` (both derived from the payload, which stays
authoritative). Readers ignore fields they do not know. The full description is in
docs/formats.md.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from json.encoder import encode_basestring_ascii
from typing import Any, TextIO

from app.core.errors import SocketScopeError
from app.core.frames import DIRECTION_NAMES, OPCODE_NAMES, Direction, Frame, Opcode, Side

FORMAT_NAME = "socketscope-jsonl"
FORMAT_VERSION = 1

SIDE_NAMES = {Side.CLIENT: "client", Side.SERVER: "server"}
_SIDES = {name: value for value, name in SIDE_NAMES.items()}
_DIRECTIONS = {name: value for value, name in DIRECTION_NAMES.items()}
_OPCODES = {name: value for value, name in OPCODE_NAMES.items()}
_EVENT_OPCODES = (Opcode.OPEN, Opcode.REFUSED, Opcode.ERROR)


LATEST_TIME = 253402300800.0  # 10000-01-01: later (or negative) times cannot be shown as dates
MAX_SIZE = 2**53  # no frame is bigger; the store keeps sizes in unsigned 64-bit integers


def epoch_seconds(value: Any) -> float | None:
    """`value` as seconds since the epoch, or None unless it is a number of a showable date."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < LATEST_TIME:
        return None  # NaN fails the comparison; a huge integer is compared exactly, never converted
    return float(value)


class RecordError(SocketScopeError, ValueError):
    """A line is not a frame record; the message says which field is wrong."""


MAX_REASONS = 1000  # a corrupt file can have millions of bad lines; the count stays exact


@dataclass(slots=True)
class ImportReport:
    """What an import took and what it skipped, with the reason for each skip.

    `where` is a 1-based line (JSONL) or entry (HAR) number; `unit` names it. Problems
    with the file as a whole (empty, binary, cut off) are `notes`; entries that hold no
    WebSocket traffic at all (a HAR's plain HTTP requests) are counted in `ignored`.
    """

    imported: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (1-based line or entry, why)
    skipped_count: int = 0
    ignored: int = 0
    notes: list[str] = field(default_factory=list)
    unit: str = "line"

    def skip(self, where: int, why: str) -> None:
        self.skipped_count += 1
        if len(self.skipped) < MAX_REASONS:
            self.skipped.append((where, why))

    def note(self, text: str) -> None:
        self.notes.append(text)

    @property
    def clean(self) -> bool:
        """Everything in the file was imported."""
        return not self.skipped_count and not self.notes

    def reasons(self, limit: int = 3) -> list[str]:
        """The first skipped lines or entries, each with its reason."""
        return [f"{self.unit} {where}: {why}" for where, why in self.skipped[: max(0, limit)]]

    def summary(self) -> str:
        text = f"{self.imported:,} {'frame' if self.imported == 1 else 'frames'} imported"
        if self.skipped_count:
            first = "; ".join(self.reasons(3))
            more = " …" if self.skipped_count > 3 else ""
            text += f", {self.skipped_count:,} skipped ({first}{more})"
        if self.ignored:
            text += f", {self.ignored:,} {'entry' if self.ignored == 1 else 'entries'} without WebSocket messages ignored"
        if self.notes:
            text += ". " + " ".join(self.notes)
        return text


def header(**extra: Any) -> str:
    """The optional first line of a file, naming the format."""
    return json.dumps({"format": FORMAT_NAME, "version": FORMAT_VERSION, **extra})


def _json_description(payload: str | bytes) -> Any:
    if isinstance(payload, bytes):
        return None
    try:
        return json.loads(payload)
    except ValueError:
        return None


def frame_to_record(frame: Frame) -> dict[str, Any]:
    record: dict[str, Any] = {
        "time": frame.wall_time,
        "connection": frame.connection,
        "side": SIDE_NAMES[frame.side],  # IntEnum keys: plain ints from the store look up too
        "direction": DIRECTION_NAMES[frame.direction],
        "opcode": OPCODE_NAMES[frame.opcode],
        "size": frame.size,
    }
    if isinstance(frame.payload, bytes):
        record["base64"] = base64.b64encode(frame.payload).decode("ascii")
    else:
        record["text"] = frame.payload
    if frame.opcode == Opcode.CLOSE:
        described = _json_description(frame.payload)
        if isinstance(described, dict):
            record["close"] = described
    elif frame.opcode in _EVENT_OPCODES:
        described = _json_description(frame.payload)
        if described is not None:
            record["event"] = described
    return record


# One encoder for every line: json.dumps with a non-default option builds a new one per call.
_encode = json.JSONEncoder(ensure_ascii=True, allow_nan=False).encode

# What a line holds between the connection and the size, for every frame whose record has no field
# derived from its payload (close and event records do): preformatted once, as the encoder writes it.
_MIDDLES = {
    (side, direction, opcode):
        f', "side": "{SIDE_NAMES[side]}", "direction": "{DIRECTION_NAMES[direction]}", '
        f'"opcode": "{OPCODE_NAMES[opcode]}", "size": '
    for side in Side for direction in Direction for opcode in (Opcode.TEXT, Opcode.BINARY, Opcode.PING, Opcode.PONG)
}


# The last time written and its text: the frames of one socket read share their time (the same float),
# and writing a float is a third of the cost of a line. A tuple, replaced whole, so threads may share it.
_last_time: tuple[float | None, str] = (None, "")


def frame_to_line(frame: Frame) -> str:
    """One line of JSON, without the newline; ASCII only, so any text survives.

    A message is the bulk of a capture, so its line is put together from preformatted pieces and the
    encoder's own string escaping, byte for byte what encoding `frame_to_record` gives (a test holds
    them equal); anything else, or a field of an unexpected type, takes the encoder itself.
    """
    global _last_time
    middle = _MIDDLES.get((frame.side, frame.direction, frame.opcode))
    wall_time, size, payload, connection = frame.wall_time, frame.size, frame.payload, frame.connection
    if middle is None or type(size) is not int or type(connection) is not str:
        return _encode(frame_to_record(frame))
    last = _last_time
    if wall_time is last[0]:
        time_text = last[1]
    elif type(wall_time) is float and math.isfinite(wall_time):
        time_text = repr(wall_time)  # as the encoder writes a float
        _last_time = (wall_time, time_text)
    else:
        return _encode(frame_to_record(frame))
    if type(payload) is str:
        return (f'{{"time": {time_text}, "connection": {encode_basestring_ascii(connection)}{middle}{size}, '
                f'"text": {encode_basestring_ascii(payload)}}}')
    if type(payload) is bytes:
        return (f'{{"time": {time_text}, "connection": {encode_basestring_ascii(connection)}{middle}{size}, '
                f'"base64": "{binascii.b2a_base64(payload, newline=False).decode("ascii")}"}}')
    return _encode(frame_to_record(frame))


def frames_to_lines(frames: Iterable[Frame]) -> str:
    """The lines of `frames`, each ended by a newline: what a capture file appends."""
    to_line = frame_to_line
    return "".join([to_line(frame) + "\n" for frame in frames])


def _field(record: dict[str, Any], name: str, names: dict[str, Any]) -> Any:
    value = record.get(name)
    if value not in names:
        raise RecordError(f"{name} must be one of {', '.join(names)}, not {value!r}")
    return names[value]


def record_to_frame(record: Any) -> Frame:
    """Rebuild a frame from a parsed line; raise `RecordError` saying what is wrong."""
    if not isinstance(record, dict):
        raise RecordError(f"a frame is a JSON object, not {type(record).__name__}")
    wall_time = epoch_seconds(record.get("time"))
    if wall_time is None:
        raise RecordError(f"time must be seconds since the epoch, not {record.get('time')!r:.40}")
    connection = record.get("connection")
    if not isinstance(connection, str) or not connection:
        raise RecordError("connection must be a non-empty string")
    side = _field(record, "side", _SIDES)
    direction = _field(record, "direction", _DIRECTIONS)
    opcode = _field(record, "opcode", _OPCODES)
    payload: str | bytes
    if "base64" in record:
        try:
            payload = base64.b64decode(record["base64"], validate=True)
        except (binascii.Error, TypeError, ValueError) as error:
            raise RecordError(f"base64 payload is not valid base64: {error}") from None
    elif isinstance(record.get("text"), str):
        payload = record["text"]
    else:
        raise RecordError("a frame needs a text or base64 payload")
    size = record.get("size", -1)
    if isinstance(size, bool) or not isinstance(size, int) or not -1 <= size <= MAX_SIZE:
        raise RecordError(f"size must be a whole number of bytes, not {size!r:.40}")
    return Frame(connection, side, direction, opcode, payload, size, wall_time)


def write_frames(out: TextIO, frames: Iterable[Frame], *, with_header: bool = True) -> int:
    """Write frames as lines; return how many were written."""
    count = 0
    if with_header:
        out.write(header() + "\n")
    for frame in frames:
        out.write(frame_to_line(frame) + "\n")
        count += 1
    return count


def read_frames(lines: Iterable[str | bytes], report: ImportReport) -> Iterator[Frame]:
    """Yield the valid frames of a JSONL text; note every skipped line in `report`.

    Lines may be `bytes` straight from the file: a line that is not UTF-8 is then
    skipped like any other invalid line. A truncated last line (a capture cut off by
    a crash) is skipped too, so everything before it is kept.
    """
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except UnicodeDecodeError:
            report.skip(number, "not UTF-8 text")
            continue
        except ValueError as error:
            report.skip(number, f"not JSON ({error})")
            continue
        except RecursionError:
            report.skip(number, "nested too deeply to be a frame")
            continue
        if isinstance(record, dict) and record.get("format") == FORMAT_NAME:
            if record.get("version") != FORMAT_VERSION:
                report.skip(number, f"format version {record.get('version')!r} is not supported")
            continue
        try:
            frame = record_to_frame(record)
        except RecordError as error:
            report.skip(number, str(error))
            continue
        report.imported += 1
        yield frame
