"""MQTT against peers nobody here wrote: an amqtt broker with a WebSocket listener, and paho-mqtt as a client.

`make venv` installs both into a virtual environment of their own, .venv/amqtt: amqtt pins a `websockets`
older than the project's. The broker (tests/amqtt_broker.py) and paho (tests/paho_client.py) run as
subprocesses on loopback. What crosses is recorded by SocketScope itself: the inspector speaks to the
broker with packets built from the specification, and paho reaches the broker through the embedded
server's relay, whose tap records paho's own packets and the broker's answers.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app.core.frames import Direction, Frame, Opcode
from app.core.protocols import PROTOCOLS
from app.core.protocols.base import Decoded, Role
from app.core.protocols.tracker import ProtocolTracker
from app.net.inspector import Inspector
from app.net.options import ConnectionOptions
from embedded_server.runner import EmbeddedServer
from tests import mqtt_packets as mq
from tests.helpers import REPO, WaitableQueue
from tests.protocol_cases import tracked
from tests.waiting import wait_until

PYTHON = REPO / ".venv" / "amqtt" / "bin" / "python"
HERE = Path(__file__).parent

pytestmark = pytest.mark.skipif(
    not PYTHON.exists(), reason="amqtt and paho-mqtt are installed by `make venv` into .venv/amqtt; they are not here")


@pytest.fixture
def broker_port(tmp_path: Path) -> Iterator[int]:
    """amqtt listening for MQTT over WebSocket on an ephemeral loopback port; stopped by closing its stdin."""
    port_file = tmp_path / "port.json"
    process = subprocess.Popen([str(PYTHON), str(HERE / "amqtt_broker.py"), str(port_file)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        listening = wait_until(lambda: process.poll() is not None or json.loads(port_file.read_text()),
                               timeout=20, what="amqtt listening")
        assert process.poll() is None, process.communicate(timeout=5)  # it failed to start: say why
        assert isinstance(listening, dict)
        yield listening["port"]
    finally:
        try:
            process.communicate(timeout=10)  # closes its stdin: the broker shuts down
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate(timeout=5)


def received(events: WaitableQueue, connection: str) -> list[bytes]:
    return [f.payload for f in events.frames(connection)
            if f.direction == Direction.RECEIVED and f.opcode == Opcode.BINARY and isinstance(f.payload, bytes)]


def packet_types(events: WaitableQueue, connection: str) -> list[int]:
    return [payload[0] >> 4 for payload in received(events, connection)]


def decoded_rows(tracker: ProtocolTracker, frames: list[Frame], connection: str) -> list[tuple[int, Frame, Decoded]]:
    """(row, frame, decoded) for each data frame of `connection`; every one must decode."""
    rows = []
    for row, each in enumerate(frames):
        if each.connection == connection and each.opcode in (Opcode.TEXT, Opcode.BINARY):
            decoded = tracker.decoded(row)
            assert decoded is not None, (connection, each.payload)
            rows.append((row, each, decoded))
    return rows


def test_the_inspector_speaks_mqtt_to_amqtt_and_reads_what_paho_published_through_it(
        inspector: Inspector, demo_server: EmbeddedServer, events: WaitableQueue, broker_port: int) -> None:
    connection = inspector.new_connection(ConnectionOptions(f"ws://127.0.0.1:{broker_port}/mqtt", subprotocols=("mqtt",)))
    inspector.submit_open(connection).result(10)
    client = connection.id

    def send(payload: bytes, answer: int, count: int = 1) -> None:
        """Send a packet and wait until `count` packets of type `answer` have come back in all."""
        inspector.submit_send(client, payload).result(5)
        events.wait_for(lambda _: packet_types(events, client).count(answer) >= count, timeout=10)

    send(mq.connect("scope-inspector", keep_alive=30), answer=2)  # CONNACK
    send(mq.subscribe(1, ("scope/#", 1)), answer=9)  # SUBACK

    relay = urlsplit(demo_server.address.ws_url(f"/relay?target=ws://127.0.0.1:{broker_port}/mqtt"))
    paho = subprocess.run([str(PYTHON), str(HERE / "paho_client.py"), "127.0.0.1", str(relay.port),
                           f"{relay.path}?{relay.query}"], capture_output=True, text=True, timeout=40)
    assert paho.returncode == 0, (paho.stdout, paho.stderr)

    # The broker passes paho's three messages on (the QoS 2 one at the subscription's QoS 1); each is acknowledged.
    events.wait_for(lambda _: packet_types(events, client).count(3) >= 3, timeout=10)
    for payload in received(events, client):
        if payload[0] >> 4 == 3 and (payload[0] >> 1) & 3:
            key = PROTOCOLS["mqtt"].decode(Opcode.BINARY, payload).key  # "publish 7"
            assert isinstance(key, str)
            inspector.submit_send(client, mq.acknowledgement(4, int(key.split()[1]))).result(5)
    send(mq.publish("scope/self", {"from": "the inspector"}, qos=1, packet_id=100), answer=4)  # PUBACK
    send(mq.PINGREQ, answer=13)  # PINGRESP
    events.wait_for(lambda _: packet_types(events, client).count(3) >= 4, timeout=10)  # our own message, back
    inspector.submit_send(client, mq.DISCONNECT).result(5)
    paho_leg = events.wait_for(lambda _: [f.connection for f in events.frames("server#")
                                          if f.opcode == Opcode.CLOSE and ">" not in f.connection], timeout=10)[0]

    frames = [f for f in events.seen if isinstance(f, Frame)]
    _, tracker = tracked(frames)

    # The inspector's connection: the broker's packets as amqtt encodes them.
    assert tracker.protocol_of(client) is PROTOCOLS["mqtt"]
    rows = decoded_rows(tracker, frames, client)
    by_name = {(each.direction, decoded.summary()): (row, decoded) for row, each, decoded in rows}
    sent, got = Direction.SENT, Direction.RECEIVED
    connect_row, connack_row = by_name[(sent, "CONNECT")][0], by_name[(got, "CONNACK")][0]
    assert tracker.partner(connect_row) == connack_row
    assert by_name[(got, "CONNACK")][1].value == {"sessionPresent": False, "returnCode": 0}
    assert tracker.partner(by_name[(sent, "SUBSCRIBE scope/#")][0]) == by_name[(got, "SUBACK")][0]
    assert by_name[(got, "SUBACK")][1].value == {"packetId": 1, "codes": [1]}
    news_row, news = by_name[(got, "PUBLISH scope/news")]
    assert news.value == {"headline": "MQTT decoded", "n": 1} and news.role is Role.REQUEST
    assert tracker.partner(news_row) is not None and tracker.is_reply(tracker.partner(news_row))  # our PUBACK
    assert by_name[(got, "PUBLISH scope/prices")][1].value == {"AAPL": 187.5}
    assert by_name[(got, "PUBLISH scope/plain")][1].value["payload"] == "not JSON"
    own_row = by_name[(sent, "PUBLISH scope/self")][0]
    assert frames[tracker.partner(own_row)].payload == mq.acknowledgement(4, 100)
    assert by_name[(got, "PUBLISH scope/self")][1].value == {"from": "the inspector"}
    assert tracker.is_heartbeat(by_name[(sent, "PINGREQ")][0]) and tracker.is_heartbeat(by_name[(got, "PINGRESP")][0])

    # paho's connection, as the relay's tap recorded it: paho's own packets (received) and the broker's.
    assert tracker.protocol_of(paho_leg) is PROTOCOLS["mqtt"]
    assert tracker.protocol_of(paho_leg + ">upstream") is PROTOCOLS["mqtt"]
    decoded_rows(tracker, frames, paho_leg + ">upstream")
    paho_rows = decoded_rows(tracker, frames, paho_leg)
    from_paho = {decoded.summary(): (row, decoded) for row, each, decoded in paho_rows if each.direction == got}
    to_paho = {decoded.summary(): (row, decoded) for row, each, decoded in paho_rows if each.direction == sent}
    assert from_paho["CONNECT"][1].value["clientId"] == "paho-scope"
    assert tracker.partner(from_paho["CONNECT"][0]) == to_paho["CONNACK"][0]
    assert tracker.partner(from_paho["SUBSCRIBE paho/#"][0]) == to_paho["SUBACK"][0]
    news_row, news = from_paho["PUBLISH scope/news"]
    assert news.value == {"headline": "MQTT decoded", "n": 1}
    assert tracker.partner(news_row) == to_paho["PUBACK"][0]
    prices_row = from_paho["PUBLISH scope/prices"][0]
    assert tracker.partner(prices_row) == to_paho["PUBREC"][0]  # QoS 2: the PUBREC answers first…
    assert tracker.partner(to_paho["PUBCOMP"][0]) == prices_row  # …and the PUBCOMP ends it
    assert "PUBREL" in from_paho and "DISCONNECT" in from_paho
    assert from_paho["PUBLISH scope/plain"][1].role is Role.NONE  # QoS 0 waits for nothing
