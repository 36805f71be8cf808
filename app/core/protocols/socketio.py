"""Socket.IO v5 over Engine.IO v4: events, acks and heartbeats inside WebSocket frames.

Every text frame starts with an Engine.IO packet type (0 open, 1 close, 2 ping, 3 pong,
4 message, 5 upgrade, 6 noop); a message carries a Socket.IO packet, whose head
`<type>[<attachments>-][<namespace>,][<ack id>]` precedes its JSON data. An event
`42/admin,12["chat",{...}]` decodes to `{"event": "chat", "args": [{...}],
"namespace": "/admin", "ack": 12}`; with an ack id it is a request that its ack
(`43/admin,12[...]`) answers, paired by namespace and id.

Binary attachments: a binary event or ack (`451-[...]`) keeps its placeholders
(`{"_placeholder": true, "num": 0}`) and notes how many binary frames follow; each of
those frames decodes on its own as an attachment. The tracker, which sees the frames that
follow, asks `attachments_expected` and `join`: the message the tree shows then has each
placeholder replaced by its attachment's bytes (`{"$bytes": "<base64>"}`, as binary
documents show bytes).

A frame that breaks the grammar (a truncated head, data that is not JSON, an event
without a name, an ack id longer than any counter reaches) is not decoded: the log
shows it raw, as it came.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from app.core.frames import Opcode
from app.core.protocols.base import Decoded, Hint, Role

NAME = "socket.io"
URL_MARK = "/socket.io"
MAX_ACK_DIGITS = 18  # ack ids and attachment counts are counters: 18 digits fit an int64; longer are not Socket.IO's
ROOT = "/"

ENGINE_KINDS = {"0": "open", "1": "close", "2": "ping", "3": "pong", "5": "upgrade", "6": "noop"}
CONNECT, DISCONNECT, EVENT, ACK, CONNECT_ERROR, BINARY_EVENT, BINARY_ACK = "0123456"
SOCKET_KINDS = {CONNECT: "connect", DISCONNECT: "disconnect", EVENT: "event", ACK: "ack",
                CONNECT_ERROR: "connect_error", BINARY_EVENT: "binary_event", BINARY_ACK: "binary_ack"}

# The Socket.IO head after the Engine.IO `4`: type, attachments (binary packets), namespace, ack id.
_HEAD = re.compile(r"([0-6])(?:([0-9]+)-)?(?:(/[^,]*),?)?([0-9]*)", re.ASCII)


class _NotJson(ValueError):
    """NaN or Infinity: Python's parser reads them, JSON (and a JavaScript peer) does not."""


def _refuse(name: str) -> Any:
    raise _NotJson(name)


def _json(text: str) -> tuple[bool, Any]:
    """(True, value) for one JSON text, (False, None) for anything else; never raises."""
    try:
        return True, json.loads(text, parse_constant=_refuse)
    except (ValueError, RecursionError):  # not JSON, too deep, or an integer of thousands of digits
        return False, None


def connect_packet(namespace: str = ROOT, auth: dict[str, Any] | None = None) -> str:
    """The client's namespace connect: `40`, `40/admin,`, `40{"token":…}` or `40/admin,{"token":…}`."""
    return "40" + (namespace + "," if namespace != ROOT else "") + (
        json.dumps(auth, separators=(",", ":"), ensure_ascii=False) if auth is not None else "")


def event_packet(name: str, args_json: str, namespace: str = ROOT, ack: int | None = None) -> str:
    """`42["name",…args]` (with `/ns,` and an ack id when given) around args exactly as typed.

    `args_json` is one JSON value: an array's elements become the arguments, any other value
    the only one; its text is kept as it is (exact numbers, key order, duplicates).
    """
    text = args_json.strip()
    inner = text[1:-1].strip() if text.startswith("[") and text.endswith("]") else text
    head = "42" + (namespace + "," if namespace != ROOT else "") + (str(ack) if ack is not None else "")
    name_json = json.dumps(name, ensure_ascii=False)
    return f"{head}[{name_json}{',' + inner if inner else ''}]"


def ack_key(namespace: str, ack: int) -> str:
    """What pairs an event with its ack: ids count per namespace (a namespace cannot hold a comma)."""
    return f"{namespace},{ack}"


_SCANNED = {packet_type: Decoded(NAME, kind) for packet_type, kind in SOCKET_KINDS.items()}  # shared: immutable


class SocketIo:
    name = NAME
    title = "Socket.IO"

    def detect(self, hint: Hint) -> float:
        parts = urlsplit(hint.url)
        if URL_MARK in parts.path or any(key == "EIO" for key, _ in parse_qsl(parts.query)):
            return 0.95
        decoded = [self.decode(opcode, payload) for opcode, payload in hint.first]
        if any(d is not None and d.kind == "open" and isinstance(d.value, dict) and "sid" in d.value
               for d in decoded):
            return 0.9  # the Engine.IO handshake a server sends first
        if decoded and all(d is not None for d in decoded) and any(
                d is not None and d.kind in SOCKET_KINDS.values() for d in decoded):
            return 0.7
        return 0.0

    quiet_prefix = b'42["'  # a root-namespace event without an ack id: nothing to pair or dim, left unread

    def scan(self, opcode: int, payload: str | bytes) -> Decoded | None:
        """What pairing needs, without parsing an event that has no ack id (most of a stream).

        Kind, key, role and heartbeat only: no name, no value. A frame with an ack id is decoded
        in full, so a malformed one never pairs.
        """
        if opcode != Opcode.TEXT or not isinstance(payload, str) or payload[:1] != "4":
            return self.decode(opcode, payload)
        if payload[:3] == '42[':  # most of a stream: an event of the root namespace, no ack id
            return _SCANNED[EVENT]
        head = _HEAD.match(payload, 1)
        if head is None or head.group(4):  # not a packet, or one with an ack id: read it all
            return self.decode(opcode, payload)
        return _SCANNED[head.group(1)]

    def attachments_expected(self, decoded: Decoded) -> int:
        """How many binary frames after this one belong to it (a binary event's or ack's attachments)."""
        value = decoded.value
        return value.get("attachments", 0) if decoded.protocol == NAME and isinstance(value, dict) else 0

    def join(self, decoded: Decoded, attachments: Sequence[bytes]) -> Decoded:
        """The binary event or ack with each placeholder replaced by its attachment's bytes."""
        value = dict(decoded.value)
        key = "args"
        value[key] = _with_attachments(value[key], attachments)
        return replace(decoded, value=value)

    def decode(self, opcode: int, payload: str | bytes) -> Decoded | None:
        if opcode == Opcode.BINARY:
            # Socket.IO sends binary frames only as the attachments of a binary event or ack.
            return Decoded(NAME, "attachment") if isinstance(payload, bytes) else None
        if opcode != Opcode.TEXT or not isinstance(payload, str) or not payload:
            return None
        engine = payload[0]
        if engine == "4":
            return _socket_packet(payload)
        kind = ENGINE_KINDS.get(engine)
        if kind is None:
            return None
        data = payload[1:]
        if kind == "open":
            parsed, value = _json(data)
            return Decoded(NAME, kind, value=value) if parsed and isinstance(value, dict) else None
        if kind in ("ping", "pong"):  # "2probe"/"3probe" test a transport before an upgrade
            return Decoded(NAME, kind, value=data or None, heartbeat=True)
        return Decoded(NAME, kind, value=None) if not data else None


class SocketIoClient:
    """The client's part of Socket.IO: connect the namespace once Engine.IO is open, answer every ping.

    Engine.IO v4's server pings (`2`) and closes a client that leaves a ping unanswered for its
    ping timeout, so each is answered at once with a pong (`3`, echoing a probe's data). The
    handshake ends when the server accepts (`40…`) or refuses (`44…`) the namespace. A server
    whose first frame is not an open packet is not spoken to at all. Engine.IO v3 (`EIO=3`),
    where the client pings, is not spoken.
    """

    quiet_prefix = '42["'  # an event of the root namespace: never answered (only pings and the handshake are)

    def __init__(self, namespace: str = ROOT, auth: dict[str, Any] | None = None) -> None:
        self.namespace = namespace
        self._connect = connect_packet(namespace, auth)
        self._connect_sent = False  # sent in answer to the first frame, the open packet
        self._ready = False
        self._silent = False

    @property
    def ready(self) -> bool:
        return self._ready

    def opening(self) -> tuple[str, ...]:
        return ()  # the server speaks first: its open packet

    def answer(self, opcode: int, payload: str | bytes) -> tuple[str, ...]:
        if opcode != Opcode.TEXT or not isinstance(payload, str) or not payload:
            return ()
        if self._silent:
            return ()
        engine = payload[0]
        if not self._connect_sent:
            self._connect_sent = True
            if engine != "0" or SocketIo().decode(opcode, payload) is None:
                self._silent = self._ready = True  # not an Engine.IO server after all: say nothing
                return ()
            return (self._connect,)
        if engine == "2":
            return ("3" + payload[1:],)
        if engine == "4" and not self._ready and payload[1:2] in (CONNECT, CONNECT_ERROR):
            decoded = _socket_packet(payload)
            if decoded is not None and decoded.value["namespace"] == self.namespace:
                self._ready = True
        return ()


def _with_attachments(args: Any, attachments: Sequence[bytes]) -> Any:
    """A copy of `args` whose placeholders hold their attachments, walked iteratively."""
    def filled(item: Any) -> tuple[Any, bool]:
        """The item to put in place, and whether to walk into it."""
        if isinstance(item, dict):
            num = item.get("num")
            if item.get("_placeholder") is True and isinstance(num, int) and not isinstance(num, bool) \
                    and 0 <= num < len(attachments):
                return {"$bytes": base64.b64encode(attachments[num]).decode("ascii")}, False
            return dict(item), True
        if isinstance(item, list):
            return list(item), True
        return item, False

    root, walk = filled(args)
    stack = [root] if walk else []
    while stack:
        container = stack.pop()
        keys = list(container) if isinstance(container, dict) else range(len(container))
        for key in keys:
            new, walk = filled(container[key])
            container[key] = new
            if walk:
                stack.append(new)
    return root


def _socket_packet(payload: str) -> Decoded | None:
    """The Socket.IO packet inside an Engine.IO message (`payload` starts with `4`)."""
    head = _HEAD.match(payload, 1)
    if head is None:
        return None
    packet_type, attachments_text, namespace, ack_text = head.groups()
    namespace = namespace or ROOT
    binary = packet_type in (BINARY_EVENT, BINARY_ACK)
    if binary != (attachments_text is not None) or len(ack_text) > MAX_ACK_DIGITS:
        return None
    if attachments_text is not None and len(attachments_text) > MAX_ACK_DIGITS:
        return None
    ack = int(ack_text) if ack_text else None
    data = payload[head.end():]
    parsed, value = _json(data) if data else (True, None)
    if not parsed:
        return None
    kind = SOCKET_KINDS[packet_type]
    if packet_type in (CONNECT, CONNECT_ERROR, DISCONNECT):
        if ack is not None or (packet_type == CONNECT and value is not None and not isinstance(value, dict)):
            return None
        if packet_type == DISCONNECT and data:
            return None
        return Decoded(NAME, kind, value={"namespace": namespace, "data": value})
    if not isinstance(value, list):
        return None
    extra = {"attachments": int(attachments_text)} if attachments_text is not None else {}
    if packet_type in (EVENT, BINARY_EVENT):
        if not value or not isinstance(value[0], str):
            return None  # an event without a name
        event = {"event": value[0], "args": value[1:], "namespace": namespace, "ack": ack, **extra}
        if ack is None:
            return Decoded(NAME, kind, value[0], value=event)
        return Decoded(NAME, kind, value[0], value=event, key=ack_key(namespace, ack), role=Role.REQUEST)
    if ack is None:
        return None  # an ack answers one id
    reply = {"args": value, "namespace": namespace, "ack": ack, **extra}
    return Decoded(NAME, kind, value=reply, key=ack_key(namespace, ack), role=Role.REPLY)


__all__ = ["NAME", "SocketIo", "SocketIoClient", "ack_key", "connect_packet"]
