"""Every colour the window draws with, per theme: one table, so a theme is changed and checked in one place.

Views ask for a colour by name (`app.ui.common.style.colour("log.sent")`) and get
the one for the palette the application shows now. A name with eight hex digits (#aarrggbb) is a
translucent background laid over the rows. No other module of app/ui spells a
colour (tests/test_themes.py checks).
"""

from __future__ import annotations

LIGHT_COLOURS = {
    # the log's Direction and Opcode columns, and a protocol's keep-alives (dimmed)
    "log.sent": "#1f6feb", "log.received": "#1a7f37", "log.event": "#8250df",
    "log.error": "#cf222e", "log.heartbeat": "#6e7781",
    # the message tree's values by JSON type
    "tree.string": "#0a3069", "tree.number": "#0550ae", "tree.boolean": "#8250df", "tree.null": "#6e7781",
    "tree.object": "#57606a", "tree.array": "#57606a", "tree.warning": "#bc4c00",
    # JSON text: the raw view, the composer and the comparison
    "json.key": "#0550ae", "json.string": "#0a3069", "json.number": "#953800", "json.literal": "#8250df",
    "json.punctuation": "#57606a",
    # the comparison's row backgrounds, and the raw view's find matches
    "diff.removed": "#46f85149", "diff.added": "#462ea043", "diff.changed": "#50d29922",
    "diff.type_changed": "#50a371f7", "diff.gap": "#28808080", "find.match": "#5affc800",
    # text that says how things went: valid, failed, to watch
    "status.valid": "#1a7f37", "status.error": "#cf222e", "status.warning": "#9a6700", "text.muted": "#6e7781",
    "connection.closed": "#6e7781", "connection.failed": "#cf222e", "connection.reconnecting": "#9a6700",
    "badge.paused": "#9a6700", "badge.dropped": "#9a6700", "recording": "#cf222e",
}

# The same names on a dark palette: the light theme's colours are too dim to read there.
DARK_COLOURS = {
    "log.sent": "#58a6ff", "log.received": "#3fb950", "log.event": "#bc8cff",
    "log.error": "#ff7b72", "log.heartbeat": "#8b949e",
    "tree.string": "#a5d6ff", "tree.number": "#79c0ff", "tree.boolean": "#d2a8ff", "tree.null": "#8b949e",
    "tree.object": "#8b949e", "tree.array": "#8b949e", "tree.warning": "#ffa657",
    "json.key": "#79c0ff", "json.string": "#a5d6ff", "json.number": "#ffa657", "json.literal": "#d2a8ff",
    "json.punctuation": "#8b949e",
    "diff.removed": "#46f85149", "diff.added": "#462ea043", "diff.changed": "#50d29922",
    "diff.type_changed": "#50a371f7", "diff.gap": "#28808080", "find.match": "#5affc800",
    "status.valid": "#3fb950", "status.error": "#f85149", "status.warning": "#d29922", "text.muted": "#8b949e",
    "connection.closed": "#8b949e", "connection.failed": "#ff7b72", "connection.reconnecting": "#d29922",
    "badge.paused": "#d29922", "badge.dropped": "#d29922", "recording": "#f85149",
}


def colours_for(dark: bool) -> dict[str, str]:
    """The colour table of a dark or light palette."""
    return DARK_COLOURS if dark else LIGHT_COLOURS
