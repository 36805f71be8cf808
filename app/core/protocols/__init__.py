"""Protocols spoken inside WebSocket frames, one module each, behind `base.WireProtocol`.

`PROTOCOLS` is the registry (in the order ties are broken); `detect` picks the one a
connection most likely speaks. The tracker (`tracker.py`) decides per connection,
decodes frames in time slices and pairs requests with replies.
"""

from __future__ import annotations

from app.core.protocols.base import Hint, WireProtocol
from app.core.protocols.graphql_ws import GraphQLWs
from app.core.protocols.jsonrpc import JsonRpc
from app.core.protocols.mqtt import Mqtt
from app.core.protocols.msgpack_cbor import Cbor, MessagePack
from app.core.protocols.signalr import SignalR
from app.core.protocols.socketio import SocketIo
from app.core.protocols.stomp import Stomp

PROTOCOLS: dict[str, WireProtocol] = {
    protocol.name: protocol
    for protocol in (JsonRpc(), SocketIo(), GraphQLWs(), SignalR(), Stomp(), Mqtt(4), Mqtt(5), MessagePack(), Cbor())
}
URL_CONFIDENCE = 0.9  # from the URL or the subprotocol alone: decided at open
FRAMES_CONFIDENCE = 0.6  # from the first frames: at least this sure, or the connection stays raw


def detect(hint: Hint, threshold: float = FRAMES_CONFIDENCE) -> WireProtocol | None:
    """The registered protocol most sure of `hint`, if any is at least `threshold` sure."""
    best, best_confidence = None, threshold
    for protocol in PROTOCOLS.values():
        confidence = protocol.detect(hint)
        if confidence >= best_confidence and (best is None or confidence > best_confidence):
            best, best_confidence = protocol, confidence
    return best
