"""Text from peers made safe to show: on a terminal, in one line of a message, in a Qt widget.

A peer controls payloads, close reasons and handshake bodies. Written to a terminal as
they are, its control characters retitle or clear the user's terminal, move the cursor
or forge lines. `escape_controls` turns every C0 and C1 control character, DEL and lone
surrogate into a visible `\\uXXXX` escape: the same escape JSON uses, so a JSON text stays
valid JSON with the same value.
"""

from __future__ import annotations

import re

_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def has_controls(text: str) -> bool:
    """Whether `escape_controls` would change `text`."""
    return _CONTROLS.search(text) is not None or _LONE_SURROGATE.search(text) is not None


def escape_controls(text: str) -> str:
    """`text` with every control character and lone surrogate written as `\\uXXXX`."""
    if text.isascii() and text.isprintable():  # the common case: nothing to escape
        return text
    return _CONTROLS.sub(lambda match: f"\\u{ord(match.group()):04x}", displayable(text))


def displayable(text: str) -> str:
    """`text` safe for a QString or the clipboard: a lone surrogate (valid in a JSON string, never in
    UTF-8) would be dropped silently on its way into Qt, so it is shown as its `\\udXXX` escape.

    The project's one lone-surrogate escape: whatever shows or prints text a peer sent goes through it."""
    return text if text.isascii() else text.encode("utf-8", "backslashreplace").decode("utf-8")


__all__ = ["displayable", "escape_controls", "has_controls"]
