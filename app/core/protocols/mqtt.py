"""MQTT 3.1.1 and 5 over WebSocket: control packets in binary frames, PUBLISH and SUBSCRIBE paired by packet id.

Each packet is a fixed header (type and flags, then the remaining length as a variable
byte integer of at most four bytes), a variable header and a payload. MQTT 5 adds
properties to most packets, so the same bytes read differently under the two versions:
a frame alone does not say which. That is why there are two decoders, `mqtt` (3.1 and
3.1.1) and `mqtt5`, and the connection's CONNECT (its protocol level) decides between
them; the `mqtt` subprotocol alone does not, so it only waits for that CONNECT.

A PUBLISH's payload that is JSON (declared so by an MQTT 5 content type, or starting as
an object or array, and parsing) is the frame's `value`; every other packet shows its
fields (topic, QoS, packet id, codes; never a password). A PUBLISH with QoS 1 or 2 waits
for its PUBACK or PUBCOMP (a PUBREC answers it first), a SUBSCRIBE for its SUBACK, an
UNSUBSCRIBE for its UNSUBACK, a CONNECT for its CONNACK. PINGREQ and PINGRESP are heartbeats.

A frame that breaks the format (reserved flags, a length running past the frame, a
string that is not UTF-8, an unknown property, bytes left over), or that holds only part
of a packet, is not decoded: the log shows it raw.
"""

from __future__ import annotations

import json
from typing import Any

from app.core.frames import Opcode
from app.core.protocols.base import Decoded, Hint, Role

TYPES = {1: "CONNECT", 2: "CONNACK", 3: "PUBLISH", 4: "PUBACK", 5: "PUBREC", 6: "PUBREL", 7: "PUBCOMP",
         8: "SUBSCRIBE", 9: "SUBACK", 10: "UNSUBSCRIBE", 11: "UNSUBACK", 12: "PINGREQ", 13: "PINGRESP",
         14: "DISCONNECT", 15: "AUTH"}
FIXED_FLAGS = {1: 0, 2: 0, 4: 0, 5: 0, 6: 2, 7: 0, 8: 2, 9: 0, 10: 2, 11: 0, 12: 0, 13: 0, 14: 0, 15: 0}
PROTOCOL_NAMES = {3: "MQIsdp", 4: "MQTT", 5: "MQTT"}  # protocol level → the name its CONNECT carries
SUBACK_CODES = frozenset({0x00, 0x01, 0x02, 0x80})  # MQTT 3.1.1: the granted QoS, or failure
SUBPROTOCOLS = {"mqtt": None, "mqttv3.1": 3}  # subprotocol → the protocol level it names (None: any)

BYTE, TWO, FOUR, VARIABLE, STRING, BINARY, PAIR = range(7)
PROPERTIES = {  # MQTT 5 property identifier → its type
    0x01: BYTE, 0x02: FOUR, 0x03: STRING, 0x08: STRING, 0x09: BINARY, 0x0B: VARIABLE, 0x11: FOUR, 0x12: STRING,
    0x13: TWO, 0x15: STRING, 0x16: BINARY, 0x17: BYTE, 0x18: FOUR, 0x19: BYTE, 0x1A: STRING, 0x1C: STRING,
    0x1F: STRING, 0x21: TWO, 0x22: TWO, 0x23: TWO, 0x24: BYTE, 0x25: BYTE, 0x26: PAIR, 0x27: FOUR, 0x28: BYTE,
    0x29: BYTE, 0x2A: BYTE,
}
CONTENT_TYPE, TOPIC_ALIAS, REASON_STRING = 0x03, 0x23, 0x1F


class Malformed(ValueError):
    """The bytes break MQTT's format: the frame is shown raw."""


class Mqtt:
    """One MQTT version's decoder: `Mqtt(4)` reads 3.1 and 3.1.1, `Mqtt(5)` reads 5."""

    def __init__(self, level: int) -> None:
        self.level = level
        self.v5 = level == 5
        self.name = "mqtt5" if self.v5 else "mqtt"
        self.title = "MQTT 5" if self.v5 else "MQTT 3.1.1"

    def speaks(self, level: int) -> bool:
        return level == 5 if self.v5 else level in (3, 4)

    def detect(self, hint: Hint) -> float:
        """The first binary frame's CONNECT decides; the subprotocol alone waits for it (the version is in it)."""
        named = SUBPROTOCOLS.get((hint.subprotocol or "").lower(), 0)
        binary = [payload for opcode, payload in hint.first if opcode == Opcode.BINARY and isinstance(payload, bytes)]
        if binary:
            level = connect_level(binary[0])
            if level is not None:
                return 0.95 if self.speaks(level) else 0.0
            decoded = [self.decode(Opcode.BINARY, payload) for payload in binary]  # a capture begun mid-session
            if not any(d is not None for d in decoded):
                return 0.0
            return (0.85 if named != 0 else 0.8) if all(d is not None for d in decoded) else 0.6
        if named == 3:
            return 0.95 if self.speaks(3) else 0.0
        return 0.85 if named is None else 0.0

    def decode(self, opcode: int, payload: str | bytes) -> Decoded | None:
        if (opcode != Opcode.BINARY or not isinstance(payload, bytes) or len(payload) < 2
                or not _plausible(payload[0])):
            return None  # the first byte's type and flags rule out most frames before anything is read
        parts, position = [], 0
        try:
            while position < len(payload):
                part, position = self._packet(payload, position)
                parts.append(part)
        except Malformed:
            return None
        if len(parts) == 1:
            return parts[0]
        names = list(dict.fromkeys(part.summary() for part in parts))
        return Decoded(self.name, "packets", ", ".join(names), value=[part.value for part in parts],
                       parts=tuple(parts))

    # -- one packet ------------------------------------------------------------------------------

    def _packet(self, data: bytes, position: int) -> tuple[Decoded, int]:
        kind_of, flags = data[position] >> 4, data[position] & 0x0F
        if not _plausible(data[position]):
            raise Malformed("reserved packet type or flags")
        header = Reader(data, position + 1, len(data))
        length = header.varint()
        end = header.position + length
        if end > len(data):
            raise Malformed("a packet longer than the frame")
        reader = Reader(data, header.position, end)
        kind = TYPES[kind_of]
        if kind_of == 1:
            decoded = self._connect(reader)
        elif kind_of == 3:
            decoded = self._publish(reader, flags)
        elif kind_of in (8, 10):
            decoded = self._subscribe(reader, kind)
        elif kind_of in (4, 5, 6, 7):
            decoded = self._acknowledgement(reader, kind)
        elif kind_of in (9, 11):
            decoded = self._subscription_ack(reader, kind)
        elif kind_of == 2:
            decoded = self._connack(reader)
        elif kind_of in (12, 13):
            decoded = Decoded(self.name, kind, kind, value={}, heartbeat=True)
        else:
            decoded = self._disconnect_or_auth(reader, kind)
        if reader.position != end:
            raise Malformed("bytes left over in the packet")
        return decoded, end

    def _properties(self, reader: Reader) -> dict[int, Any]:
        return read_properties(reader) if self.v5 else {}

    def _connect(self, reader: Reader) -> Decoded:
        protocol = reader.string()
        level = reader.byte()
        if PROTOCOL_NAMES.get(level) != protocol:
            raise Malformed("an unknown protocol name or level")
        flags = reader.byte()
        if flags & 0x01 or (not flags & 0x04 and flags & 0x38) or (flags >> 3) & 0x03 == 3:
            raise Malformed("reserved connect flags")
        v5 = level == 5
        if not v5 and flags & 0x40 and not flags & 0x80:
            raise Malformed("a password without a user name")
        keep_alive = reader.u16()
        if v5:
            read_properties(reader)
        described: dict[str, Any] = {"protocol": protocol, "level": level, "keepAlive": keep_alive,
                                     "cleanStart" if v5 else "cleanSession": bool(flags & 0x02)}
        described["clientId"] = reader.string()
        if flags & 0x04:
            if v5:
                read_properties(reader)
            described["will"] = {"topic": reader.string(), "qos": (flags >> 3) & 0x03, "retain": bool(flags & 0x20)}
            reader.binary()  # the will's message
        if flags & 0x80:
            described["username"] = reader.string()
        if flags & 0x40:
            reader.binary()  # the password: read past, never shown
        return Decoded(self.name, "CONNECT", "CONNECT", value=described, key="connect", role=Role.REQUEST)

    def _connack(self, reader: Reader) -> Decoded:
        flags = reader.byte()
        if flags & 0xFE:
            raise Malformed("reserved connack flags")
        code = reader.byte()
        described: dict[str, Any] = {"sessionPresent": bool(flags), "reasonCode" if self.v5 else "returnCode": code}
        _reason(self._properties(reader), described)
        return Decoded(self.name, "CONNACK", "CONNACK", value=described, key="connect", role=Role.REPLY)

    def _publish(self, reader: Reader, flags: int) -> Decoded:
        qos, retain, dup = (flags >> 1) & 0x03, bool(flags & 0x01), bool(flags & 0x08)
        if qos == 0 and dup:
            raise Malformed("DUP set on a QoS 0 message")
        topic = reader.string()
        packet_id = reader.nonzero_u16() if qos else None
        properties = self._properties(reader)
        if not topic and TOPIC_ALIAS not in properties:
            raise Malformed("a PUBLISH without a topic")
        body = reader.rest()
        name = f"PUBLISH {topic}" if topic else "PUBLISH"  # a topic alias alone: the topic is not in this frame
        value = _json_payload(body, properties.get(CONTENT_TYPE))
        if value is _NOT_JSON:
            described: dict[str, Any] = {"topic": topic, "qos": qos, "retain": retain, "dup": dup}
            if packet_id is not None:
                described["packetId"] = packet_id
            if TOPIC_ALIAS in properties:
                described["topicAlias"] = properties[TOPIC_ALIAS]
            _describe_payload(body, described)
            value = described
        if packet_id is None:
            return Decoded(self.name, "PUBLISH", name, value=value)
        return Decoded(self.name, "PUBLISH", name, value=value, key=f"publish {packet_id}", role=Role.REQUEST)

    def _acknowledgement(self, reader: Reader, kind: str) -> Decoded:
        """PUBACK, PUBREC, PUBREL, PUBCOMP: a packet id (MQTT 5: a reason code and properties may follow)."""
        packet_id = reader.nonzero_u16()
        described: dict[str, Any] = {"packetId": packet_id}
        if self.v5 and reader.left:
            described["reasonCode"] = reader.byte()
            if reader.left:
                _reason(read_properties(reader), described)
        role = {"PUBACK": Role.REPLY, "PUBREC": Role.PARTIAL, "PUBCOMP": Role.REPLY}.get(kind, Role.NONE)
        return Decoded(self.name, kind, kind, value=described, key=f"publish {packet_id}", role=role)

    def _subscribe(self, reader: Reader, kind: str) -> Decoded:
        packet_id = reader.nonzero_u16()
        self._properties(reader)
        topics: list[Any] = []
        while reader.left:
            topic = reader.string()
            if kind == "SUBSCRIBE":
                options = reader.byte()
                if options & (0xC0 if self.v5 else 0xFC) or options & 0x03 == 3 or (options >> 4) & 0x03 == 3:
                    raise Malformed("reserved subscription options")
                topics.append({"topic": topic, "qos": options & 0x03})
            else:
                topics.append(topic)
        if not topics:
            raise Malformed(f"a {kind} without a topic filter")
        names = [each["topic"] if isinstance(each, dict) else each for each in topics]
        return Decoded(self.name, kind, f"{kind} {', '.join(names)}", value={"packetId": packet_id, "topics": topics},
                       key=f"{kind.lower()} {packet_id}", role=Role.REQUEST)

    def _subscription_ack(self, reader: Reader, kind: str) -> Decoded:
        """SUBACK (one code per topic filter) and UNSUBACK (codes only in MQTT 5)."""
        packet_id = reader.nonzero_u16()
        described: dict[str, Any] = {"packetId": packet_id}
        _reason(self._properties(reader), described)
        if kind == "SUBACK" or self.v5:
            codes = list(reader.rest())
            if not codes:
                raise Malformed(f"a {kind} without its codes")
            if not self.v5 and not set(codes) <= SUBACK_CODES:
                raise Malformed("a SUBACK code MQTT 3.1.1 does not define")
            described["codes"] = codes
        request = "subscribe" if kind == "SUBACK" else "unsubscribe"
        return Decoded(self.name, kind, kind, value=described, key=f"{request} {packet_id}", role=Role.REPLY)

    def _disconnect_or_auth(self, reader: Reader, kind: str) -> Decoded:
        described: dict[str, Any] = {}
        if reader.left and not self.v5:
            raise Malformed(f"a {kind} with a body")
        if kind == "AUTH" and not self.v5:
            raise Malformed("AUTH is MQTT 5's")
        if reader.left:
            described["reasonCode"] = reader.byte()
            if reader.left:
                _reason(read_properties(reader), described)
        return Decoded(self.name, kind, kind, value=described)


class Reader:
    """MQTT's data types read from `data[position:end]`; reading past `end` is Malformed, never an IndexError."""

    __slots__ = ("data", "end", "position")

    def __init__(self, data: bytes, position: int, end: int) -> None:
        self.data, self.position, self.end = data, position, end

    @property
    def left(self) -> int:
        return self.end - self.position

    def take(self, count: int) -> bytes:
        if count > self.left:
            raise Malformed("truncated")
        chunk = self.data[self.position:self.position + count]
        self.position += count
        return chunk

    def rest(self) -> bytes:
        return self.take(self.left)

    def byte(self) -> int:
        if self.position >= self.end:
            raise Malformed("truncated")
        self.position += 1
        return self.data[self.position - 1]

    def u16(self) -> int:
        return int.from_bytes(self.take(2))

    def nonzero_u16(self) -> int:
        """A packet identifier: 0 is not one."""
        value = self.u16()
        if not value:
            raise Malformed("packet identifier 0")
        return value

    def u32(self) -> int:
        return int.from_bytes(self.take(4))

    def varint(self) -> int:
        """A variable byte integer: seven bits a byte, four bytes at most (268,435,455)."""
        value = 0
        for shift in (0, 7, 14, 21):
            byte = self.byte()
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
        raise Malformed("a variable byte integer longer than four bytes")

    def string(self) -> str:
        try:
            text = self.take(self.u16()).decode("utf-8")
        except UnicodeDecodeError as error:
            raise Malformed("a string that is not UTF-8") from error
        if "\x00" in text:
            raise Malformed("a string holding U+0000")
        return text

    def binary(self) -> bytes:
        return self.take(self.u16())


def read_properties(reader: Reader) -> dict[int, Any]:
    """MQTT 5 properties, read to their end (every type is known, so none is skipped blindly)."""
    length = reader.varint()
    inner = Reader(reader.data, reader.position, reader.position + length)
    if length > reader.left:
        raise Malformed("properties longer than the packet")
    found: dict[int, Any] = {}
    while inner.left:
        identifier = inner.varint()
        kind = PROPERTIES.get(identifier)
        if kind is None:
            raise Malformed(f"unknown property {identifier:#x}")
        value: Any
        if kind == BYTE:
            value = inner.byte()
        elif kind == TWO:
            value = inner.u16()
        elif kind == FOUR:
            value = inner.u32()
        elif kind == VARIABLE:
            value = inner.varint()
        elif kind == STRING:
            value = inner.string()
        elif kind == BINARY:
            value = inner.binary()
        else:
            value = (inner.string(), inner.string())
        found.setdefault(identifier, value)
    reader.position = inner.end
    return found


def connect_level(payload: bytes) -> int | None:
    """The protocol level of a frame that starts with a CONNECT (None when it does not)."""
    if len(payload) < 2 or payload[0] != 0x10:
        return None
    try:
        reader = Reader(payload, 1, len(payload))
        reader.varint()
        protocol, level = reader.string(), reader.byte()
    except Malformed:
        return None
    return level if PROTOCOL_NAMES.get(level) == protocol else None


def _plausible(first: int) -> bool:
    """A packet type MQTT defines, with the flags it requires (PUBLISH: any but QoS 3)."""
    kind_of, flags = first >> 4, first & 0x0F
    if kind_of == 3:
        return flags & 0x06 != 0x06
    return FIXED_FLAGS.get(kind_of) == flags


_NOT_JSON = object()


def _json_payload(body: bytes, content_type: Any) -> Any:
    """The payload's JSON value, or `_NOT_JSON`: JSON when so declared, or when it starts as an object or array."""
    declared = isinstance(content_type, str) and "json" in content_type.lower()
    if not declared and body.lstrip()[:1] not in (b"{", b"["):
        return _NOT_JSON
    try:
        return json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return _NOT_JSON


def _describe_payload(body: bytes, described: dict[str, Any]) -> None:
    """A payload that is not JSON: its text when it is UTF-8, else only its size."""
    try:
        described["payload"] = body.decode("utf-8")
    except UnicodeDecodeError:
        described["payloadSize"] = len(body)


def _reason(properties: dict[int, Any], described: dict[str, Any]) -> None:
    if REASON_STRING in properties:
        described["reason"] = properties[REASON_STRING]
