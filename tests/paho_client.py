"""paho-mqtt, an MQTT client nobody here wrote, over WebSocket: subscribes, publishes at QoS 0, 1 and 2, leaves.

Run by .venv/amqtt/bin/python with the host, port and path (query included) to connect to. Each step
waits for the broker's answer (at most TIMEOUT seconds) before the next, so the packets cross in a known
order; prints what happened as JSON and exits 0 when every step was answered.
"""

from __future__ import annotations

import json
import sys
import threading

import paho.mqtt.client as mqtt

TIMEOUT = 10.0
MESSAGES = [("scope/news", json.dumps({"headline": "MQTT decoded", "n": 1}), 1),
            ("scope/prices", json.dumps({"AAPL": 187.5}), 2),
            ("scope/plain", "not JSON", 0)]


def main(host: str, port: int, path: str) -> int:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="paho-scope", transport="websockets",
                         protocol=mqtt.MQTTv311)
    client.ws_set_options(path=path)
    connected, subscribed, published = threading.Event(), threading.Event(), threading.Event()
    client.on_connect = lambda *_: connected.set()
    client.on_subscribe = lambda *_: subscribed.set()
    client.on_publish = lambda *_: published.set()
    client.connect(host, port, keepalive=60)
    client.loop_start()
    try:
        steps = [connected.wait(TIMEOUT)]
        client.subscribe("paho/#", qos=1)
        steps.append(subscribed.wait(TIMEOUT))
        for topic, payload, qos in MESSAGES:
            published.clear()
            client.publish(topic, payload, qos=qos)
            steps.append(published.wait(TIMEOUT))  # QoS 1: the PUBACK; QoS 2: the PUBCOMP
        client.disconnect()
    finally:
        client.loop_stop()
    print(json.dumps({"steps": steps}))
    return 0 if all(steps) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
