"""Every colour the window draws with, per theme: one table, so a theme is changed and checked in one place.

Views ask for a colour by name (`app.ui.common.style.colour("log.sent")`) and get
the one for the palette the application shows now. A name with eight hex digits (#aarrggbb) is a
translucent background laid over the rows. No other module of app/ui spells a
colour (tests/test_themes.py checks).

Each table goes with a whole palette (`palette_for`), applied with the Fusion style:
every text colour of the tables has a WCAG 2.1 contrast ratio of at least 4.5:1
against the palette's Base and AlternateBase (the log's and tree's row colours)
and its Window (labels); tests/test_themes.py measures them.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

Role = QPalette.ColorRole

# The window's palettes: text, fields and rows (Base, AlternateBase), chrome (Window, Button), selection.
LIGHT_PALETTE = {
    Role.Window: "#eef0f3", Role.WindowText: "#1c1f24", Role.Base: "#ffffff", Role.AlternateBase: "#f4f5f7",
    Role.Text: "#1c1f24", Role.Button: "#e6e8ec", Role.ButtonText: "#1c1f24", Role.BrightText: "#ffffff",
    Role.Light: "#ffffff", Role.Midlight: "#f4f5f7", Role.Mid: "#b8bcc4", Role.Dark: "#9aa0a9",
    Role.Shadow: "#6b7079", Role.Highlight: "#2b62c9", Role.HighlightedText: "#ffffff", Role.Link: "#1f5fbf",
    Role.LinkVisited: "#7140c4", Role.ToolTipBase: "#fdfbe8", Role.ToolTipText: "#1c1f24",
    Role.PlaceholderText: "#6b7079", Role.Accent: "#2b62c9",
}
DARK_PALETTE = {
    Role.Window: "#202328", Role.WindowText: "#e3e6ea", Role.Base: "#17191d", Role.AlternateBase: "#1e2126",
    Role.Text: "#e3e6ea", Role.Button: "#2b2f36", Role.ButtonText: "#e3e6ea", Role.BrightText: "#ffffff",
    Role.Light: "#3a3f47", Role.Midlight: "#31353c", Role.Mid: "#24272d", Role.Dark: "#121417",
    Role.Shadow: "#000000", Role.Highlight: "#3b72d6", Role.HighlightedText: "#ffffff", Role.Link: "#7ab4ff",
    Role.LinkVisited: "#c29bff", Role.ToolTipBase: "#2b2f36", Role.ToolTipText: "#e3e6ea",
    Role.PlaceholderText: "#8b929c", Role.Accent: "#3b72d6",
}
# What a disabled control shows instead: dimmer text, no selection colour.
_DISABLED = {
    False: {Role.WindowText: "#8c9199", Role.Text: "#8c9199", Role.ButtonText: "#8c9199", Role.Base: "#eef0f3",
            Role.Highlight: "#b8bcc4"},
    True: {Role.WindowText: "#6f757e", Role.Text: "#6f757e", Role.ButtonText: "#6f757e", Role.Base: "#202328",
           Role.Highlight: "#3a3f47"},
}

LIGHT_COLOURS = {
    # the log's Direction and Opcode columns, and a protocol's keep-alives (dimmed)
    "log.sent": "#135fd6", "log.received": "#187432", "log.event": "#7943dd",
    "log.error": "#c6212c", "log.heartbeat": "#5f666f",
    # the message tree's values by JSON type
    "tree.string": "#0a3069", "tree.number": "#0550ae", "tree.boolean": "#7943dd", "tree.null": "#5f666f",
    "tree.object": "#57606a", "tree.array": "#57606a", "tree.warning": "#ad4600", "tree.violation": "#a40e26",
    # JSON text: the raw view, the composer and the comparison
    "json.key": "#0550ae", "json.string": "#0a3069", "json.number": "#953800", "json.literal": "#7943dd",
    "json.punctuation": "#57606a",
    # the comparison's row backgrounds, and the raw view's find matches
    "diff.removed": "#46f85149", "diff.added": "#462ea043", "diff.changed": "#50d29922",
    "diff.type_changed": "#50a371f7", "diff.gap": "#28808080", "find.match": "#5affc800",
    "violation.background": "#28f85149",  # the tree's nodes that violate the message's contract
    # text that says how things went: valid, failed, to watch
    "status.valid": "#187432", "status.error": "#c6212c", "status.warning": "#8b5d00", "text.muted": "#5f666f",
    "connection.closed": "#5f666f", "connection.failed": "#c6212c", "connection.reconnecting": "#8b5d00",
    "badge.paused": "#8b5d00", "badge.dropped": "#8b5d00", "recording": "#c6212c",
    # charts (the Statistics dock, field plots): axes and their text, then one colour per series
    "chart.axis": "#57606a", "chart.1": "#135fd6", "chart.2": "#187432", "chart.3": "#c6212c", "chart.4": "#7943dd",
    "chart.5": "#8b5d00", "chart.6": "#0b6b75", "chart.7": "#b3237a",
    "control.outline": "#5f666f",  # a check box's or radio button's box, against the window (3:1 at least)
}

# The same names on a dark palette: the light theme's colours are too dim to read there.
DARK_COLOURS = {
    "log.sent": "#58a6ff", "log.received": "#3fb950", "log.event": "#bc8cff",
    "log.error": "#ff7b72", "log.heartbeat": "#8b949e",
    "tree.string": "#a5d6ff", "tree.number": "#79c0ff", "tree.boolean": "#d2a8ff", "tree.null": "#8b949e",
    "tree.object": "#8b949e", "tree.array": "#8b949e", "tree.warning": "#ffa657", "tree.violation": "#ffaba8",
    "json.key": "#79c0ff", "json.string": "#a5d6ff", "json.number": "#ffa657", "json.literal": "#d2a8ff",
    "json.punctuation": "#8b949e",
    "diff.removed": "#46f85149", "diff.added": "#462ea043", "diff.changed": "#50d29922",
    "diff.type_changed": "#50a371f7", "diff.gap": "#28808080", "find.match": "#5affc800",
    "violation.background": "#3cf85149",
    "status.valid": "#3fb950", "status.error": "#f85d55", "status.warning": "#d29922", "text.muted": "#8b949e",
    "connection.closed": "#8b949e", "connection.failed": "#ff7b72", "connection.reconnecting": "#d29922",
    "badge.paused": "#d29922", "badge.dropped": "#d29922", "recording": "#f85d55",
    "chart.axis": "#8b949e", "chart.1": "#58a6ff", "chart.2": "#3fb950", "chart.3": "#ff7b72", "chart.4": "#bc8cff",
    "chart.5": "#d29922", "chart.6": "#39c5cf", "chart.7": "#f778ba",
    "control.outline": "#8b929c",
}


def colours_for(dark: bool) -> dict[str, str]:
    """The colour table of a dark or light palette."""
    return DARK_COLOURS if dark else LIGHT_COLOURS


def palette_for(dark: bool) -> QPalette:
    """The whole palette of the dark or the light theme (disabled controls included)."""
    palette = QPalette()
    for role, value in (DARK_PALETTE if dark else LIGHT_PALETTE).items():
        palette.setColor(role, QColor(value))
    for role, value in _DISABLED[dark].items():
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(value))
    return palette
