"""STOMP 1.2 over WebSocket: a command line, headers, a blank line, a body and a NUL; receipts pair.

A frame is text (`SEND`, `destination:/queue/a`, …, then the body up to a NUL, or up to
`content-length` octets); a WebSocket message may carry several, and one that is only end
of lines is a heart-beat. Header values are unescaped (`\\n`, `\\r`, `\\c`, `\\\\`) except in
CONNECT/STOMP and CONNECTED, as the specification says. A body declared JSON, or one that
starts like a JSON object or array and parses, is the frame's `value`; a frame without one
shows its command, headers and text body instead. A frame with a `receipt` header waits
for the RECEIPT (or ERROR) whose `receipt-id` names it.

A message that breaks the grammar (an unknown command, a header line without a colon, an
undefined escape, a body without its NUL, headers that are not UTF-8) is not decoded: the
log shows it raw.
"""

from __future__ import annotations

import json
import re
from typing import Any

from app.core.frames import Opcode
from app.core.protocols.base import Decoded, Hint, Role

CLIENT_COMMANDS = frozenset({"CONNECT", "STOMP", "SEND", "SUBSCRIBE", "UNSUBSCRIBE", "BEGIN", "COMMIT", "ABORT",
                             "ACK", "NACK", "DISCONNECT"})
SERVER_COMMANDS = frozenset({"CONNECTED", "MESSAGE", "RECEIPT", "ERROR"})
COMMANDS = CLIENT_COMMANDS | SERVER_COMMANDS
UNESCAPED = frozenset({"CONNECT", "STOMP", "CONNECTED"})  # their header values are taken literally
LONGEST_COMMAND = max(map(len, COMMANDS))
ESCAPES = {"r": "\r", "n": "\n", "c": ":", "\\": "\\"}
NOT_END_OF_LINE = re.compile(rb"[^\r\n]")
SUBPROTOCOLS = frozenset({"v12.stomp", "v11.stomp", "v10.stomp", "stomp"})


class Stomp:
    name = "stomp"
    title = "STOMP 1.2"

    def detect(self, hint: Hint) -> float:
        if (hint.subprotocol or "").lower() in SUBPROTOCOLS:
            return 0.95
        decoded = [self.decode(opcode, payload) for opcode, payload in hint.first]
        if decoded and decoded[0] is not None and decoded[0].kind in ("CONNECT", "STOMP"):
            return 0.95
        if not any(d is not None and not d.heartbeat for d in decoded):
            return 0.0  # an end of line alone could be anything
        return 0.8 if all(d is not None for d in decoded) else 0.6

    def decode(self, opcode: int, payload: str | bytes) -> Decoded | None:
        if opcode not in (Opcode.TEXT, Opcode.BINARY) or not _looks_like_stomp(payload):
            return None
        data = payload.encode("utf-8", "surrogatepass") if isinstance(payload, str) else payload
        frames = _frames(data)
        if frames is None:
            return None
        if not frames:
            return Decoded(self.name, "heart-beat", heartbeat=True)
        parts = tuple(_decoded(*each) for each in frames)
        if len(parts) == 1:
            return parts[0]
        names = list(dict.fromkeys(part.summary() for part in parts))
        return Decoded(self.name, "frames", ", ".join(names), value=[part.value for part in parts], parts=parts)


def _looks_like_stomp(payload: str | bytes) -> bool:
    """A command line or a heart-beat's end of line at the start: checked before anything is parsed."""
    head = payload[:LONGEST_COMMAND + 2]
    text = head.decode("ascii", "replace") if isinstance(head, bytes) else head
    if not text:
        return False
    if text[0] in "\r\n":
        return True
    command = text.split("\n", 1)[0].removesuffix("\r")
    return command in COMMANDS and "\n" in text


def _frames(data: bytes) -> list[tuple[str, dict[str, str], bytes]] | None:
    """Every frame in `data` as (command, headers, body); [] for heart-beats only; None if it breaks the grammar."""
    frames: list[tuple[str, dict[str, str], bytes]] = []
    position, end = 0, len(data)
    while True:
        content = NOT_END_OF_LINE.search(data, position)  # end of lines between frames are heart-beats
        if content is None:
            return frames
        position = content.start()
        line_end = data.find(b"\n", position)
        if line_end < 0:
            return None
        command = data[position:line_end].removesuffix(b"\r").decode("ascii", "replace")
        if command not in COMMANDS:
            return None
        position = line_end + 1
        headers: dict[str, str] = {}
        while True:
            line_end = data.find(b"\n", position)
            if line_end < 0:
                return None
            line = data[position:line_end].removesuffix(b"\r")
            position = line_end + 1
            if not line:
                break
            header = _header(line, literal=command in UNESCAPED)
            if header is None:
                return None
            headers.setdefault(*header)  # a repeated header: the first one counts
        length = headers.get("content-length")
        if length is not None:
            if not length.isdigit() or not length.isascii():
                return None
            body_end = position + int(length)
            if body_end >= end or data[body_end] != 0:
                return None
        else:
            body_end = data.find(b"\x00", position)
            if body_end < 0:
                return None
        frames.append((command, headers, data[position:body_end]))
        position = body_end + 1


def _header(line: bytes, literal: bool) -> tuple[str, str] | None:
    name, colon, value = line.partition(b":")
    if not colon:
        return None
    try:
        name_text, value_text = name.decode("utf-8"), value.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if literal:
        return name_text, value_text
    unescaped_name, unescaped_value = _unescape(name_text), _unescape(value_text)
    if unescaped_name is None or unescaped_value is None:
        return None
    return unescaped_name, unescaped_value


def _unescape(text: str) -> str | None:
    """STOMP 1.2's four escapes; any other backslash is an error (None)."""
    if "\\" not in text:
        return text
    pieces, position = [], 0
    while (backslash := text.find("\\", position)) >= 0:
        escaped = ESCAPES.get(text[backslash + 1:backslash + 2])
        if escaped is None:
            return None
        pieces += [text[position:backslash], escaped]
        position = backslash + 2
    pieces.append(text[position:])
    return "".join(pieces)


def _decoded(command: str, headers: dict[str, str], body: bytes) -> Decoded:
    destination = headers.get("destination")
    name = f"{command} {destination}" if destination else command
    key: str | None = None
    role = Role.NONE
    if command in ("RECEIPT", "ERROR") and "receipt-id" in headers:
        key, role = headers["receipt-id"], Role.REPLY
    elif command in CLIENT_COMMANDS and "receipt" in headers:
        key, role = headers["receipt"], Role.REQUEST
    return Decoded(Stomp.name, command, name, value=_value(command, headers, body), key=key, role=role)


_NOT_JSON = object()


def _json(text: str) -> Any:
    """The JSON value of `text`, or `_NOT_JSON` (a body that claimed JSON but is not shows as text)."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return _NOT_JSON


def _value(command: str, headers: dict[str, str], body: bytes) -> Any:
    """The JSON body; else the command, headers and text body, so the tree shows what the frame says."""
    try:
        text: str | None = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and ("json" in headers.get("content-type", "").lower() or text.lstrip()[:1] in ("{", "[")):
        parsed = _json(text)
        if parsed is not _NOT_JSON:
            return parsed
    described: dict[str, Any] = {"command": command, "headers": headers}
    if text:
        described["body"] = text
    elif body:
        described["bodySize"] = len(body)  # a binary body: its size, not a guess at its text
    return described

