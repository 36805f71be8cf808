"""The root of SocketScope's own exceptions.

Every error the project raises on purpose derives from `SocketScopeError` (keeping its
older base too, such as `ValueError` or `OSError`), so the window can catch what the
project reports narrowly and leave anything else to the unexpected-error hook, which
logs its traceback.
"""

from __future__ import annotations


class SocketScopeError(Exception):
    """Something SocketScope knows how to say to the user; the message says what."""

    __slots__ = ()


__all__ = ["SocketScopeError"]
