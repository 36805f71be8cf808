"""An amqtt broker listening for MQTT over WebSocket on an ephemeral loopback port, for the MQTT tests.

Run by .venv/amqtt/bin/python (amqtt pins a `websockets` older than the project's, so it lives in a
virtual environment of its own). Writes `{"port": N}` to the file named by its argument once it
listens, and stops when its standard input closes.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import psutil
from amqtt.broker import Broker

CONFIG = {
    "listeners": {"default": {"type": "ws", "bind": "127.0.0.1:0"}},
    "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
}


def listening_port() -> int:
    """The port this process listens on: amqtt does not say which one port 0 became."""
    ports = {c.laddr.port for c in psutil.Process(os.getpid()).net_connections("tcp") if c.status == psutil.CONN_LISTEN}
    (port,) = ports
    return port


async def main(port_file: Path) -> None:
    broker = Broker(CONFIG)
    await broker.start()
    try:
        port_file.write_text(json.dumps({"port": listening_port()}))
        await asyncio.to_thread(sys.stdin.read)  # until the test closes the pipe
    finally:
        await broker.shutdown()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
