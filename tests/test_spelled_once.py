"""Things the project spells in one place, so that copies cannot drift apart."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UI = ROOT / "app" / "ui"


def _name_calls(tree: ast.AST, method: str) -> set[tuple[str, str]]:
    """(receiver, argument) of every `receiver.method(argument)` call, as source text."""
    found = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == method
                and len(node.args) == 1):
            receiver = ast.unparse(node.func.value)
            argument = ast.unparse(node.args[0])
            found.add((receiver, receiver if argument == f"{receiver}.objectName()" else argument))
    return found


def test_a_widget_gets_one_name_for_tests_and_screen_readers_through_named() -> None:
    """`named(widget, name)` sets both names; a widget named twice by hand could drift apart."""
    pairs = []
    for path in sorted(UI.rglob("*.py")):
        if path.name == "naming.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        both = _name_calls(tree, "setObjectName") & _name_calls(tree, "setAccessibleName")
        pairs += [f"{path.relative_to(UI)}: {receiver} {name}" for receiver, name in sorted(both)]
    assert pairs == []


# A lone surrogate escaped by hand: its code range, or Python's own escape of what UTF-8 cannot encode.
_SURROGATE_ESCAPE = re.compile(r"0x[dD]800|\\u[dD]800|[\ud800-\udfff]|encode\([^)]*backslashreplace")


def test_lone_surrogates_are_escaped_by_printable_displayable_alone() -> None:
    """A lone surrogate reaches Qt, the clipboard or a terminal as the same `\\udXXX` everywhere."""
    copies = []
    for path in sorted([*(ROOT / "app").rglob("*.py"), *(ROOT / "embedded_server").rglob("*.py")]):
        if path.relative_to(ROOT).as_posix() == "app/core/printable.py":
            continue
        text = path.read_text(encoding="utf-8")
        copies += [f"{path.relative_to(ROOT)}: {match.group()!r}" for match in _SURROGATE_ESCAPE.finditer(text)]
    assert copies == []
