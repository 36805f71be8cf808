"""Themes: one table of colours that every view reads."""

from __future__ import annotations

import re
from pathlib import Path

from app.ui.common import theme

APP_UI = Path(__file__).resolve().parent.parent / "app" / "ui"
# A colour spelled in code: #rrggbb (or #aarrggbb), or a QColor made from numbers or a name.
_SPELLED_COLOUR = re.compile(r"#[0-9a-f]{6}(?:[0-9a-f]{2})?\b|QColor\(\s*[\d\"']|Qt\.GlobalColor", re.IGNORECASE)


def test_no_colour_is_spelled_outside_the_theme_table() -> None:
    table = APP_UI / "common" / "theme.py"
    found = [f"{path.relative_to(APP_UI)}:{number}: {line.strip()}"
             for path in sorted(APP_UI.rglob("*.py")) if path != table
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if _SPELLED_COLOUR.search(line)]
    assert not found, "colours belong in app/ui/common/theme.py:\n" + "\n".join(found)


def test_both_themes_name_the_same_colours() -> None:
    assert theme.LIGHT_COLOURS.keys() == theme.DARK_COLOURS.keys()
