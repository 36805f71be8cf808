"""MQTT 3.1.1 and 5 packets, built from the specifications' byte layouts (tests/mqtt_packets.py)."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.frames import Direction, Opcode
from app.core.protocols import PROTOCOLS, detect
from app.core.protocols.base import Decoded, Hint, Role
from app.core.protocols.mqtt import Mqtt
from tests import mqtt_packets as mq
from tests.protocol_cases import corpus_files, deep, frame, opened, tracked, truncations

V3, V5 = Mqtt(4), Mqtt(5)
BINARY = int(Opcode.BINARY)


def decode(payload: bytes, decoder: Mqtt = V3) -> Decoded | None:
    return decoder.decode(Opcode.BINARY, payload)


def test_mqtt_3_packets_decode_to_their_type_topic_and_packet_id() -> None:
    expected = {
        mq.connect("sensor-1"): ("CONNECT", "CONNECT", "connect", Role.REQUEST),
        mq.connack(0, session_present=True): ("CONNACK", "CONNACK", "connect", Role.REPLY),
        mq.publish("home/temp", {"celsius": 21.5}): ("PUBLISH", "PUBLISH home/temp", None, Role.NONE),
        mq.publish("home/temp", {"celsius": 21.5}, qos=1, packet_id=10): ("PUBLISH", "PUBLISH home/temp", "publish 10",
                                                                          Role.REQUEST),
        mq.acknowledgement(4, 10): ("PUBACK", "PUBACK", "publish 10", Role.REPLY),
        mq.acknowledgement(5, 11): ("PUBREC", "PUBREC", "publish 11", Role.PARTIAL),
        mq.acknowledgement(6, 11): ("PUBREL", "PUBREL", "publish 11", Role.NONE),
        mq.acknowledgement(7, 11): ("PUBCOMP", "PUBCOMP", "publish 11", Role.REPLY),
        mq.subscribe(12, ("home/#", 1), ("alerts", 2)): ("SUBSCRIBE", "SUBSCRIBE home/#, alerts", "subscribe 12",
                                                         Role.REQUEST),
        mq.suback(12, 1, 0x80): ("SUBACK", "SUBACK", "subscribe 12", Role.REPLY),
        mq.unsubscribe(13, "home/#"): ("UNSUBSCRIBE", "UNSUBSCRIBE home/#", "unsubscribe 13", Role.REQUEST),
        mq.unsuback(13): ("UNSUBACK", "UNSUBACK", "unsubscribe 13", Role.REPLY),
        mq.PINGREQ: ("PINGREQ", "PINGREQ", None, Role.NONE),
        mq.PINGRESP: ("PINGRESP", "PINGRESP", None, Role.NONE),
        mq.DISCONNECT: ("DISCONNECT", "DISCONNECT", None, Role.NONE),
    }
    for payload, (kind, name, key, role) in expected.items():
        decoded = decode(payload)
        assert decoded is not None, payload
        assert (decoded.protocol, decoded.kind, decoded.name, decoded.key, decoded.role) == (
            "mqtt", kind, name, key, role), payload
        assert decoded.heartbeat == (kind in ("PINGREQ", "PINGRESP"))
    assert decode(mq.suback(12, 1, 0x80)).value == {"packetId": 12, "codes": [1, 0x80]}
    assert decode(mq.subscribe(12, ("home/#", 1))).value == {"packetId": 12, "topics": [{"topic": "home/#", "qos": 1}]}


def test_a_json_payload_is_the_value_and_other_packets_show_their_fields_but_never_a_password() -> None:
    assert decode(mq.publish("t", {"celsius": 21.5}, qos=2, packet_id=3)).value == {"celsius": 21.5}
    assert decode(mq.publish("t", b"on", retain=True)).value == {
        "topic": "t", "qos": 0, "retain": True, "dup": False, "payload": "on"}
    assert decode(mq.publish("t", b"\xff\x00\x01", qos=1, packet_id=4, dup=True)).value == {
        "topic": "t", "qos": 1, "retain": False, "dup": True, "packetId": 4, "payloadSize": 3}
    assert decode(mq.publish("t", b"{broken")).value["payload"] == "{broken"
    assert decode(mq.publish("t", b"42")).value["payload"] == "42"  # JSON only when it starts as one (or says so)
    connect = decode(mq.connect("c1", username="ada", password=b"lovelace", will=("status/c1", b"gone")))
    assert connect.value == {"protocol": "MQTT", "level": 4, "keepAlive": 60, "cleanSession": True, "clientId": "c1",
                             "will": {"topic": "status/c1", "qos": 1, "retain": False}, "username": "ada"}
    assert "lovelace" not in json.dumps(connect.value)
    old = decode(mq.connect("c1", level=3))  # MQTT 3.1 ("MQIsdp")
    assert old.value["protocol"] == "MQIsdp" and old.value["level"] == 3


def test_mqtt_5_properties_are_read_past_and_its_extra_fields_decode() -> None:
    props = mq.properties(mq.content_type("application/json"), mq.user_property("trace", "a1"),
                          mq.message_expiry(60), mq.correlation_data(b"\x00\x01"), mq.subscription_identifier(300))
    published = decode(mq.publish("metrics", b"42", qos=1, packet_id=9, level=5, props=props), V5)
    assert (published.protocol, published.name, published.key, published.value) == ("mqtt5", "PUBLISH metrics",
                                                                                     "publish 9", 42)
    aliased = decode(mq.publish("", {"a": 1}, level=5, props=mq.properties(mq.topic_alias(3))), V5)
    assert aliased.name == "PUBLISH" and aliased.value == {"a": 1}  # the topic is not in this frame: not named
    aliased_text = decode(mq.publish("", b"x", level=5, props=mq.properties(mq.topic_alias(3))), V5)
    assert aliased_text.value["topicAlias"] == 3
    refused = decode(mq.acknowledgement(4, 9, reason=0x87, props=mq.properties(mq.reason_string("not authorized"))), V5)
    assert refused.value == {"packetId": 9, "reasonCode": 0x87, "reason": "not authorized"} and refused.role is Role.REPLY
    assert decode(mq.acknowledgement(4, 9, reason=0x10), V5).value == {"packetId": 9, "reasonCode": 0x10}
    assert decode(mq.acknowledgement(4, 9), V5).value == {"packetId": 9}
    assert decode(mq.connect("c5", level=5, will=("w", b"x"), username="u", password=b"p"), V5).value["cleanStart"]
    assert decode(mq.connack(0x86, level=5), V5).value == {"sessionPresent": False, "reasonCode": 0x86}
    assert decode(mq.subscribe(2, ("a/+", 0x2D), level=5), V5).value["topics"] == [{"topic": "a/+", "qos": 1}]
    assert decode(mq.suback(2, 1, level=5), V5).value["codes"] == [1]
    assert decode(mq.unsuback(2, 0x11, level=5), V5).value["codes"] == [0x11]
    assert decode(bytes([0xE0, 0x01, 0x04]), V5).value == {"reasonCode": 4}  # DISCONNECT with will message
    auth = decode(mq.packet(0xF0, b"\x18" + mq.properties(b"\x15" + mq.string("SCRAM-SHA-1"))), V5)
    assert auth.kind == "AUTH"


def test_the_version_matters_and_each_decoder_refuses_the_other_s_layout() -> None:
    v5_publish = mq.publish("t", {"a": 1}, qos=1, packet_id=1, level=5, props=mq.properties(mq.user_property("k", "v")))
    v3_publish = mq.publish("t", {"a": 1}, qos=1, packet_id=1)
    assert decode(v5_publish, V5).value == {"a": 1} and decode(v3_publish, V3).value == {"a": 1}
    assert decode(v3_publish, V5) is None  # "{" read as a property length runs past the packet
    misread = decode(v5_publish, V3)
    assert misread is None or misread.value != {"a": 1}
    assert decode(mq.connack(0, level=5), V3) is None and decode(mq.suback(1, 0x87, level=5), V3) is None
    assert decode(bytes([0xE0, 0x01, 0x04]), V3) is None and decode(mq.packet(0xF0, b""), V3) is None


def test_several_packets_in_a_frame_are_parts_and_a_partial_packet_is_raw() -> None:
    both = decode(mq.acknowledgement(4, 1) + mq.publish("a", {"n": 1}) + mq.PINGRESP)
    assert both.kind == "packets" and [p.kind for p in both.parts] == ["PUBACK", "PUBLISH", "PINGRESP"]
    assert both.name == "PUBACK, PUBLISH a, PINGRESP" and both.value == [p.value for p in both.parts]
    whole = mq.publish("a", {"n": 1}, qos=1, packet_id=2)
    assert decode(whole[:-3]) is None and decode(whole + whole[:4]) is None


def test_packets_that_break_the_format_are_not_decoded() -> None:
    broken = [
        b"", b"\x10", bytes([0x00, 0x00]), bytes([0xC1, 0x00]),  # reserved type; reserved flags
        bytes([0x36, 0x03, 0x00, 0x01, 0x61]),  # QoS 3
        bytes([0x38, 0x03, 0x00, 0x01, 0x61]),  # DUP on QoS 0
        mq.publish("t", b"x", qos=1, packet_id=0),  # packet identifier 0
        mq.packet(0x30, mq.string("") + b"x"),  # no topic
        bytes([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]),  # a remaining length of five bytes
        bytes([0x30, 0xFF, 0xFF, 0xFF, 0x7F]) + b"\x00\x01a",  # 268,435,455 announced, a few bytes there
        mq.packet(0x30, b"\x00\x02\xff\xfe" + b"x"),  # a topic that is not UTF-8
        mq.packet(0x30, mq.string("a\x00b") + b"x"),  # U+0000 in a topic
        mq.PINGREQ[:1] + b"\x01\x00",  # bytes left over
        mq.connect("c")[:-1] + b"",
        mq.packet(0x10, mq.string("MQTT") + bytes([9, 2]) + b"\x00\x3c" + mq.string("c")),  # unknown level
        mq.packet(0x10, mq.string("MQTT") + bytes([4, 3]) + b"\x00\x3c" + mq.string("c")),  # reserved connect flag
        mq.packet(0x10, mq.string("MQTT") + bytes([4, 0x42]) + b"\x00\x3c" + mq.string("c") + mq.binary(b"p")),
        mq.subscribe(1, ("a", 3)), mq.subscribe(1, ("a", 0x04)), mq.packet(0x82, b"\x00\x01"),  # no topic filter
        mq.packet(0x90, b"\x00\x01"),  # SUBACK without codes
        mq.packet(0x20, b"\x02\x00"),  # reserved CONNACK flags
    ]
    for payload in broken:
        assert decode(payload) is None and decode(payload, V5) is None, payload
    unknown_property = mq.publish("t", b"x", level=5, props=mq.properties(b"\x7f\x00"))
    assert decode(unknown_property, V5) is None
    assert V3.decode(Opcode.TEXT, mq.PINGREQ.decode("latin-1")) is None  # MQTT travels in binary frames


def test_hostile_frames_never_raise() -> None:
    for payload in (mq.publish("t", deep("[").encode()), mq.publish("t", deep('{"a":').encode(), level=5),
                    mq.publish("t", b"{" * 1_000_000), mq.PINGREQ * 100_000, b"\x30\x80" * 1000, b"\xff" * 1000):
        decode(payload)
        decode(payload, V5)
    session = mq.connect("c") + mq.subscribe(1, ("a", 1)) + mq.publish("a", {"x": [1, 2]}, qos=1, packet_id=2)
    for cut in truncations(session):
        decode(cut)
        decode(cut, V5)
    json_type = mq.properties(mq.content_type("application/json"))
    for name, data in corpus_files():
        for payload in (mq.publish("corpus", data, qos=1, packet_id=1), mq.publish("corpus", data, level=5, props=json_type),
                        mq.packet(0x30, data), mq.packet(0x82, data), data):
            for decoder in (V3, V5):
                decoded = decode(payload, decoder)
                assert decoded is None or decoded.protocol == decoder.name, name


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64), st.integers(min_value=1, max_value=15), st.integers(min_value=0, max_value=15))
def test_arbitrary_bytes_after_a_plausible_first_byte_never_raise(rest: bytes, kind: int, flags: int) -> None:
    payload = bytes([kind << 4 | flags]) + mq.varint(len(rest)) + rest
    for decoder in (V3, V5):
        decoder.decode(Opcode.BINARY, payload)
        decoder.decode(Opcode.BINARY, payload + rest)


def test_detection_waits_for_the_connect_which_names_the_version() -> None:
    mqtt, mqtt5 = PROTOCOLS["mqtt"], PROTOCOLS["mqtt5"]
    url = "ws://127.0.0.1:9001/mqtt"
    assert detect(Hint(url, "mqtt"), 0.9) is None  # the version is not known yet
    assert detect(Hint(url, "mqtt"), 0.6) is mqtt
    assert detect(Hint(url, "mqttv3.1"), 0.9) is mqtt
    assert detect(Hint(url, "mqtt", [(BINARY, mq.connect("c"))]), 0.9) is mqtt
    assert detect(Hint(url, "mqtt", [(BINARY, mq.connect("c", level=5))]), 0.9) is mqtt5
    assert detect(Hint(url, None, [(BINARY, mq.connect("c", level=5))]), 0.9) is mqtt5  # no subprotocol: the CONNECT
    assert detect(Hint(url, None, [(BINARY, mq.connect("c", level=3))]), 0.9) is mqtt
    v5_session = [(BINARY, mq.publish("a", {"n": 1}, qos=1, packet_id=1, level=5)), (BINARY, mq.acknowledgement(4, 1, reason=0))]
    assert detect(Hint(url, None, v5_session), 0.9) is None and detect(Hint(url, None, v5_session)) is mqtt5
    assert detect(Hint(url, None, [(BINARY, b"\x00\x01\x02")])) is None
    assert detect(Hint(url, None, [(int(Opcode.TEXT), "CONNECT")])) is None


def test_publishes_and_subscriptions_pair_with_their_acknowledgements() -> None:
    store, tracker = tracked([
        opened("client#1", "ws://127.0.0.1:9001/mqtt", "mqtt"),
        frame(Direction.SENT, mq.connect("c5", level=5), 1.0),  # 1
        frame(Direction.RECEIVED, mq.connack(0, level=5), 1.004),  # 2
        frame(Direction.SENT, mq.subscribe(1, ("scope/#", 2), level=5), 1.010),  # 3
        frame(Direction.RECEIVED, mq.suback(1, 2, level=5), 1.030),  # 4
        frame(Direction.SENT, mq.publish("scope/a", {"n": 1}, qos=1, packet_id=2, level=5), 2.0),  # 5
        frame(Direction.RECEIVED, mq.acknowledgement(4, 2), 2.150),  # 6
        frame(Direction.SENT, mq.publish("scope/b", {"n": 2}, qos=2, packet_id=3, level=5), 3.0),  # 7
        frame(Direction.RECEIVED, mq.acknowledgement(5, 3), 3.010),  # 8
        frame(Direction.SENT, mq.acknowledgement(6, 3), 3.020),  # 9
        frame(Direction.RECEIVED, mq.acknowledgement(7, 3), 3.030),  # 10
        frame(Direction.SENT, mq.PINGREQ, 4.0),  # 11
        frame(Direction.RECEIVED, mq.PINGRESP, 4.001),  # 12
        frame(Direction.SENT, mq.publish("scope/c", {"n": 3}, qos=1, packet_id=4, level=5), 5.0),  # 13
    ])
    assert tracker.protocol_of("client#1") is PROTOCOLS["mqtt5"]
    assert tracker.partner(1) == 2 and tracker.partner(3) == 4 and tracker.partner(4) == 3
    assert tracker.partner(5) == 6 and abs(tracker.latency(6) - 150.0) < 0.01
    assert tracker.partner(7) == 8 and tracker.partner(10) == 7 and tracker.is_reply(10)  # PUBREC first, PUBCOMP ends
    assert tracker.partner(9) is None
    assert tracker.is_heartbeat(11) and tracker.is_heartbeat(12) and not tracker.is_heartbeat(13)
    assert tracker.is_pending(13, now=6.0)
    assert tracker.decoded(5).value == {"n": 1} and tracker.decoded(5).summary() == "PUBLISH scope/a"
