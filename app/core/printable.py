"""Text from peers made safe to show: on a terminal, in one line of a message, in a Qt widget.

A peer controls payloads, close reasons and handshake bodies. Written to a terminal as
they are, its control characters retitle or clear the user's terminal, move the cursor
or forge lines. `escape_controls` turns every C0 and C1 control character, DEL, lone
surrogate and bidirectional control into a visible `\\uXXXX` escape: the same escape JSON
uses, so a JSON text stays valid JSON with the same value.
"""

from __future__ import annotations

import re

_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# Bidirectional embeddings, overrides and isolates: shown as they are, a U+202E makes Qt (or a terminal)
# draw the text after it backwards, so `"evil"}` reads `{"live"`. A monitor shows what was sent.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def has_controls(text: str) -> bool:
    """Whether `escape_controls` would change `text`."""
    return (_CONTROLS.search(text) is not None or _LONE_SURROGATE.search(text) is not None
            or _BIDI_CONTROLS.search(text) is not None)


def escape_controls(text: str) -> str:
    """`text` with every control character, lone surrogate and bidirectional control written as `\\uXXXX`."""
    if text.isascii() and text.isprintable():  # the common case: nothing to escape
        return text
    return _CONTROLS.sub(lambda match: f"\\u{ord(match.group()):04x}", displayable(text))


def displayable(text: str) -> str:
    """`text` safe for a QString or the clipboard: a lone surrogate (valid in a JSON string, never in
    UTF-8) would be dropped silently on its way into Qt, so it is shown as its `\\udXXX` escape, and a
    bidirectional control as its `\\u202e` escape, so that it cannot reorder what is drawn after it.

    The project's one lone-surrogate escape: whatever shows or prints text a peer sent goes through it."""
    if text.isascii():
        return text
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return _BIDI_CONTROLS.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


__all__ = ["displayable", "escape_controls", "has_controls"]
