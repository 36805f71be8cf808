"""What every protocol decoder answers: is this connection mine, what does this frame say, what pairs.

A decoder never changes a frame: `decode` reads the payload as captured and returns a
`Decoded` record (or None when the frame is not the protocol's), so the log, the tree,
the filters and the pairing can work on the message inside the wrapper while the Wire
view keeps the exact frame. Decoders are pure and Qt-free; callers cache their results.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


class _Same:
    """The frame's own payload is the message (plain JSON protocols): the tree parses it as it would anyway."""

    def __repr__(self) -> str:
        return "SAME"


SAME: Any = _Same()


class Role(enum.Enum):
    """Where a message stands in a request/reply exchange."""

    NONE = "none"  # an event, a notification, a heartbeat: nothing answers it
    REQUEST = "request"  # waits for a reply with the same key
    REPLY = "reply"  # answers the request with its key, and ends it
    PARTIAL = "partial"  # answers the request with its key; more may follow (a subscription's next)


@dataclass(frozen=True, slots=True)
class Decoded:
    """One frame as its protocol reads it."""

    protocol: str  # the registry name: "jsonrpc", "socket.io", …
    kind: str  # the protocol's own word for the packet: "request", "event", "ping", "next", …
    name: str | None = None  # the event, method or operation: the log summary starts with it
    value: Any = SAME  # the JSON value inside the wrapper: what the tree shows and JSONPath reads
    key: str | int | None = None  # what pairs a request with its reply (per connection and direction)
    role: Role = Role.NONE
    heartbeat: bool = False  # a keep-alive: dimmed in the log, `is:heartbeat` finds it
    parts: tuple[Decoded, ...] = field(default=())  # several messages in one frame (a batch, SignalR records)

    def summary(self) -> str:
        """The start of the log's summary: the name, or the kind when there is none."""
        return self.name if self.name else self.kind


@dataclass(frozen=True, slots=True)
class Hint:
    """What is known of a connection when its protocol is guessed."""

    url: str = ""
    subprotocol: str | None = None
    first: Sequence[tuple[int, str | bytes]] = ()  # (opcode, payload) of its first data frames


class WireProtocol(Protocol):
    """A protocol decoder: one module per protocol in this package, registered in `app.core.protocols`."""

    name: str  # the registry and filter name (`proto:jsonrpc`)
    title: str  # what the user reads: "JSON-RPC 2.0"

    def detect(self, hint: Hint) -> float:
        """How sure (0 to 1) that a connection speaks this protocol; 0.9 or more from the URL or subprotocol."""

    def decode(self, opcode: int, payload: str | bytes) -> Decoded | None:
        """The frame as this protocol reads it, or None when it is not one of its frames.

        A protocol may also offer `scan(opcode, payload)`: the same answer's kind, key, role and
        heartbeat only, cheaper (the tracker reads every frame with it; views decode what they show);
        and `quiet_prefix`: bytes that start a text frame with nothing to pair or dim, which the
        tracker then skips without reading it.
        """


class ClientSpeaker(Protocol):
    """What a client must say by itself to keep a protocol's peer talking: a namespace connect, a pong per ping.

    The inspector sends `opening()` once the WebSocket is open, then passes each frame it receives
    to `answer` until `ready` (the protocol's own handshake is done: what the user sends may follow),
    and goes on passing every received frame to `answer` while the connection lasts. What they return
    is sent and recorded like any frame the user sends, so the log shows every frame that crossed.
    `answer` runs on every received frame: it rejects cheaply.
    """

    @property
    def ready(self) -> bool:
        """The protocol's handshake has ended (accepted or refused): the user's frames may follow."""

    def opening(self) -> Sequence[str | bytes]:
        """The frames to send as soon as the WebSocket is open, before any the user sends."""

    def answer(self, opcode: int, payload: str | bytes) -> Sequence[str | bytes]:
        """The frames to send in answer to one received frame (usually none)."""
