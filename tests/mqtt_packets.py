"""MQTT 3.1.1 and 5 control packets built from the specifications' byte layouts, for the tests to send."""

from __future__ import annotations

import json


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def string(text: str) -> bytes:
    data = text.encode()
    return len(data).to_bytes(2) + data


def binary(data: bytes) -> bytes:
    return len(data).to_bytes(2) + data


def packet(first: int, body: bytes) -> bytes:
    return bytes([first]) + varint(len(body)) + body


def properties(*encoded: bytes) -> bytes:
    """MQTT 5 properties, each already encoded as its identifier and value."""
    data = b"".join(encoded)
    return varint(len(data)) + data


def connect(client_id: str = "scope-test", *, level: int = 4, keep_alive: int = 60, clean: bool = True,
            username: str | None = None, password: bytes | None = None, will: tuple[str, bytes] | None = None,
            props: bytes = b"") -> bytes:
    flags = (0x02 if clean else 0) | (0x80 if username is not None else 0) | (0x40 if password is not None else 0)
    flags |= 0x04 | 0x08 if will else 0  # a will at QoS 1
    name = "MQIsdp" if level == 3 else "MQTT"
    body = string(name) + bytes([level, flags]) + keep_alive.to_bytes(2)
    if level == 5:
        body += props or properties()
    body += string(client_id)
    if will:
        body += (properties() if level == 5 else b"") + string(will[0]) + binary(will[1])
    if username is not None:
        body += string(username)
    if password is not None:
        body += binary(password)
    return packet(0x10, body)


def publish(topic: str, payload: bytes | object, *, qos: int = 0, packet_id: int = 0, retain: bool = False,
            dup: bool = False, level: int = 4, props: bytes = b"") -> bytes:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    body = string(topic) + (packet_id.to_bytes(2) if qos else b"")
    if level == 5:
        body += props or properties()
    return packet(0x30 | (0x08 if dup else 0) | qos << 1 | (1 if retain else 0), body + data)


def acknowledgement(kind: int, packet_id: int, *, reason: int | None = None, props: bytes | None = None) -> bytes:
    """PUBACK (4), PUBREC (5), PUBREL (6), PUBCOMP (7); MQTT 5 may add a reason code and properties."""
    body = packet_id.to_bytes(2)
    if reason is not None:
        body += bytes([reason]) + (props if props is not None else b"")
    return packet(kind << 4 | (2 if kind == 6 else 0), body)


def subscribe(packet_id: int, *topics: tuple[str, int], level: int = 4) -> bytes:
    body = packet_id.to_bytes(2) + (properties() if level == 5 else b"")
    return packet(0x82, body + b"".join(string(topic) + bytes([options]) for topic, options in topics))


def suback(packet_id: int, *codes: int, level: int = 4) -> bytes:
    return packet(0x90, packet_id.to_bytes(2) + (properties() if level == 5 else b"") + bytes(codes))


def unsubscribe(packet_id: int, *topics: str, level: int = 4) -> bytes:
    body = packet_id.to_bytes(2) + (properties() if level == 5 else b"")
    return packet(0xA2, body + b"".join(map(string, topics)))


def unsuback(packet_id: int, *codes: int, level: int = 4) -> bytes:
    return packet(0xB0, packet_id.to_bytes(2) + (properties() + bytes(codes) if level == 5 else b""))


def connack(code: int = 0, *, session_present: bool = False, level: int = 4, props: bytes = b"") -> bytes:
    return packet(0x20, bytes([int(session_present), code]) + ((props or properties()) if level == 5 else b""))


PINGREQ = bytes([0xC0, 0x00])
PINGRESP = bytes([0xD0, 0x00])
DISCONNECT = bytes([0xE0, 0x00])


# MQTT 5 properties by identifier (the specification's section 2.2.2.2).
def content_type(value: str) -> bytes:
    return b"\x03" + string(value)


def topic_alias(value: int) -> bytes:
    return b"\x23" + value.to_bytes(2)


def user_property(name: str, value: str) -> bytes:
    return b"\x26" + string(name) + string(value)


def message_expiry(seconds: int) -> bytes:
    return b"\x02" + seconds.to_bytes(4)


def correlation_data(data: bytes) -> bytes:
    return b"\x09" + binary(data)


def subscription_identifier(value: int) -> bytes:
    return b"\x0b" + varint(value)


def reason_string(text: str) -> bytes:
    return b"\x1f" + string(text)
