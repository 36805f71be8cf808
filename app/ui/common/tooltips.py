"""Tooltips that show text as it is.

Qt renders a tooltip as rich text when it merely looks like HTML, so a peer's error page (`<h1>500</h1>`)
quoted in a state would be drawn as a heading, and markup could pull in images. Every tooltip that can
hold text from the network goes through `plain_tooltip`.
"""

from __future__ import annotations

import html


def plain_tooltip(text: str | None) -> str | None:
    """`text` as a tooltip that shows every character literally, line breaks and spaces kept."""
    if not text:
        return None
    return "<p style='white-space:pre-wrap'>" + html.escape(text, quote=False) + "</p>"
