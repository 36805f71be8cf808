"""uvicorn's WebSocket protocol with what a monitor's server needs on top: honest closes.

- **Who closed.** When the server itself fails a connection (1009 message too big, 1007 invalid
  UTF-8, 1002 protocol error, 1011 keepalive timeout), uvicorn hands the app the same
  `websocket.disconnect` a client's close would produce. Here that event carries `CLOSED_BY_SERVER`,
  so the traffic tap records the server's close as sent by the server. A connection lost without
  any close frame is reported as 1006 (uvicorn says 1005, "no status code", which only a close
  frame can say).
"""

from __future__ import annotations

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from embedded_server.tap import CLOSED_BY_SERVER


class MonitoredWebSocketProtocol(WebSocketsSansIOProtocol):
    def handle_parser_exception(self) -> None:
        """The peer broke the protocol or sent too much: the server fails the connection."""
        close = self.conn.close_sent
        assert close is not None
        self.queue.put_nowait({"type": "websocket.disconnect", "code": close.code, "reason": close.reason,
                               CLOSED_BY_SERVER: True})
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.close_sent = True
        self.transport.close()

    def keepalive_timeout(self) -> None:
        if not (self.close_sent or self.transport.is_closing()):
            self.queue.put_nowait({"type": "websocket.disconnect", "code": 1011, "reason": "keepalive ping timeout",
                                   CLOSED_BY_SERVER: True})
        super().keepalive_timeout()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.handshake_complete and self.initial_response is None and not self.close_sent \
                and self.conn.close_rcvd is None:
            self.queue.put_nowait({"type": "websocket.disconnect", "code": 1006})  # before uvicorn's 1005
        super().connection_lost(exc)
