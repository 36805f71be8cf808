"""The records that cross from the network threads to the GUI thread.

A `Frame` is what touched the wire, recorded where it touched it: the payload is
kept exactly as it was (``str`` for text, ``bytes`` for binary); anything parsed
from it is derived later and never stored in its place.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, field


class Side(enum.IntEnum):
    """Which part of SocketScope recorded the frame."""

    CLIENT = 0  # the inspector's own connections
    SERVER = 1  # the embedded server, through its traffic tap


class Direction(enum.IntEnum):
    """Relative to the recording side: what it sent, or what it received."""

    SENT = 0
    RECEIVED = 1
    EVENT = 2  # not a frame: a connection opened, was refused, failed


class Opcode(enum.IntEnum):
    """WebSocket opcodes plus the connection events shown in the log."""

    TEXT = 1
    BINARY = 2
    CLOSE = 8
    PING = 9
    PONG = 10
    OPEN = 100
    REFUSED = 101  # a handshake answered with HTTP instead of the upgrade
    ERROR = 102


# What the log, the filters and the capture files call each direction and opcode: one vocabulary.
DIRECTION_NAMES = {direction: direction.name.lower() for direction in Direction}
OPCODE_NAMES = {opcode: opcode.name.lower() for opcode in Opcode}


@dataclass(slots=True)
class Frame:
    """One message or connection event, exactly as seen on one socket."""

    connection: str
    side: Side
    direction: Direction
    opcode: Opcode
    payload: str | bytes
    size: int = -1
    wall_time: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        if self.size < 0:
            self.size = wire_size(self.payload)


def wire_size(payload: str | bytes) -> int:
    """Bytes the payload occupies on the wire (UTF-8 for text frames)."""
    if isinstance(payload, bytes):
        return len(payload)
    if payload.isascii():
        return len(payload)
    return len(payload.encode("utf-8", "surrogatepass"))


class ConnectionState(enum.Enum):
    CONNECTING = "connecting"
    OPEN = "open"
    CLOSING = "closing"
    CLOSED = "closed"
    FAILED = "failed"
    RECONNECTING = "reconnecting"  # waiting out the backoff before the next attempt


@dataclass(slots=True, frozen=True)
class StateChange:
    """A connection of the inspector changed state; drives the URL bar."""

    connection: str
    url: str
    state: ConnectionState
    detail: str = ""
    retry_in: float | None = None  # RECONNECTING: seconds until the next attempt


class Level(enum.StrEnum):
    """How much a notice matters: information and warnings expire, an error stays until dismissed.

    String-valued, so a level still reads and compares as the word it was ("error").
    """

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(slots=True, frozen=True)
class Notice:
    """Something the user should read, from any thread: the one way to tell the user anything.

    Network threads put it on the event queue; GUI code posts it through `app.ui.common.notify`.
    """

    level: Level
    text: str


@dataclass(slots=True, frozen=True)
class ServerStatus:
    """The embedded server started listening (url set) or stopped (url empty)."""

    url: str
    detail: str = ""
