"""SocketScope: see and shape live WebSocket JSON traffic."""

__version__ = "0.1.0"
