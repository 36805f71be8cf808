"""Qt-free asyncio client side: the inspector's own WebSocket connections."""
