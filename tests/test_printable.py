"""Text a peer sent, shown or printed: nothing in it may change how the rest of it reads."""

import json

from app.core.frames import Opcode
from app.core.printable import displayable, escape_controls, has_controls
from app.core.summary import summarize

TROJAN = '{"user": "\u202e"}' + '{"role": "admin"}'  # drawn as sent, the override reverses what follows it


def test_a_bidirectional_override_is_shown_as_its_escape_and_cannot_reorder_the_rest() -> None:
    for control in ("\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"):
        shown = displayable(f'{{"name": "{control}evil"}}')
        assert shown == f'{{"name": "\\u{ord(control):04x}evil"}}' and control not in shown
        assert json.loads(shown) == {"name": f"{control}evil"}  # inside a JSON string: the same value
    assert "\u202e" not in summarize(Opcode.TEXT, TROJAN) and "\\u202e" in summarize(Opcode.TEXT, TROJAN)
    assert has_controls("a\u2067b") and escape_controls("\x1b\u202e") == "\\u001b\\u202e"


def test_right_to_left_text_itself_is_left_as_it_is() -> None:
    for text in ("שלום", "مرحبا", "é", "\u200f"):  # letters and the weak marks are not overrides
        assert displayable(text) == text
