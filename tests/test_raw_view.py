"""The raw view: colouring, pretty / compact printing that keeps the document exact, and find."""

from __future__ import annotations

from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QAbstractButton, QApplication, QPlainTextEdit

from app.core import jsondoc
from app.core.frames import Opcode
from app.core.inspection import inspect_payload
from app.ui.common import async_loop
from app.ui.common.json_highlighter import HIGHLIGHT_LIMIT, MAX_BLOCK_LENGTH, JsonHighlighter
from app.ui.compose.composer import Composer
from app.ui.message.raw_view import COMPACT, INLINE_FORMAT_LIMIT, LONG_LINE_LIMIT, PRETTY, RAW, RawView

BIG = 2**64 + 1


def spans(document: QTextDocument, block_number: int, highlighter: JsonHighlighter) -> dict[str, str]:
    """Each coloured run of a block, keyed by its text, named by the highlighter's format kind."""
    block = document.findBlockByNumber(block_number)
    names = {fmt.foreground().color().name(): kind for kind, fmt in highlighter.formats.items()}
    text = block.text()
    return {text[r.start:r.start + r.length]: names.get(r.format.foreground().color().name(), "?")
            for r in block.layout().formats()}


def test_highlighter_colours_keys_strings_numbers_literals_and_punctuation(qtbot) -> None:
    editor = QPlainTextEdit()
    qtbot.addWidget(editor)
    document = editor.document()
    highlighter = JsonHighlighter(document, dark=False)
    editor.setPlainText('{\n  "key": "value", "n": -1.5e3, "ok": true, "none": null\n}')
    found = spans(document, 1, highlighter)
    assert found['"key"'] == "key" and found['"n"'] == "key"
    assert found['"value"'] == "string"
    assert found["-1.5e3"] == "number"
    assert found["true"] == "literal" and found["null"] == "literal"
    assert found[":"] == "punctuation" and found[","] == "punctuation"
    assert spans(document, 0, highlighter) == {"{": "punctuation"}


def test_highlighter_has_colours_for_dark_palettes_and_skips_huge_lines(qtbot) -> None:
    light, dark = JsonHighlighter(dark=False), JsonHighlighter(dark=True)
    assert light.formats["key"].foreground().color().lightness() < 128
    assert dark.formats["key"].foreground().color().lightness() > 128
    editor = QPlainTextEdit()
    qtbot.addWidget(editor)
    highlighter = JsonHighlighter(editor.document())
    editor.setPlainText("[" + "1," * (MAX_BLOCK_LENGTH // 2) + "1]\n[1]")
    assert spans(editor.document(), 0, highlighter) == {}
    assert spans(editor.document(), 1, highlighter) == {"[": "punctuation", "1": "number", "]": "punctuation"}


def test_composer_editor_is_coloured(qtbot) -> None:
    composer = Composer()
    qtbot.addWidget(composer)
    found = spans(composer.editor.document(), 1, composer.highlighter)
    assert found['"action"'] == "key" and found['"ping"'] == "string"
    composer.editor.setPlainText("[\n" + "1,\n" * HIGHLIGHT_LIMIT + "1]")  # a huge paste is left plain
    assert spans(composer.editor.document(), 1, composer.highlighter) == {}


def raw_view(qtbot, payload: str) -> RawView:
    async_loop.install(QApplication.instance())  # type: ignore[arg-type]
    view = RawView()
    qtbot.addWidget(view)
    view.set_inspection(inspect_payload(Opcode.TEXT, payload))
    return view


def test_pretty_and_compact_keep_duplicate_keys_and_big_integers(qtbot) -> None:
    payload = f'{{"a": 1, "a": {BIG}, "b": [1e400, "x"]}}'
    view = raw_view(qtbot, payload)
    assert view.toPlainText() == payload
    pretty_button = view.findChild(QAbstractButton, "rawPrettyButton")
    pretty_button.click()
    assert view.mode == PRETTY
    assert view.toPlainText() == f'{{\n  "a": 1,\n  "a": {BIG},\n  "b": [\n    1e400,\n    "x"\n  ]\n}}'
    assert list(jsondoc.parse(view.toPlainText()).value)[1] == ("a", BIG)
    view.set_mode(COMPACT)
    assert view.toPlainText() == f'{{"a":1,"a":{BIG},"b":[1e400,"x"]}}'
    view.set_mode(RAW)
    assert view.toPlainText() == payload
    qtbot.waitUntil(lambda: spans(view.editor.document(), 0, view.highlighter).get("1e400") == "number", timeout=2000)


def test_mode_stays_for_the_next_message_and_text_is_left_as_is(qtbot) -> None:
    view = raw_view(qtbot, '{"a":1}')
    view.set_mode(PRETTY)
    view.set_inspection(inspect_payload(Opcode.TEXT, "[1,2]"))
    assert view.toPlainText() == "[\n  1,\n  2\n]"
    view.set_inspection(inspect_payload(Opcode.TEXT, "not json"))
    assert view.toPlainText() == "not json"
    assert view.note.text() == "Not JSON: shown as received"


def test_big_documents_are_formatted_on_a_worker(qtbot) -> None:
    payload = "[" + ",".join(str(BIG) for _ in range(INLINE_FORMAT_LIMIT // 20 + 10)) + "]"
    view = raw_view(qtbot, payload)
    view.set_mode(PRETTY)
    assert view.note.text().startswith("Formatting")
    assert view.toPlainText() == payload[:LONG_LINE_LIMIT]  # as received: the GUI thread has not printed it
    qtbot.waitUntil(lambda: view.toPlainText().startswith(f"[\n  {BIG},\n"), timeout=10_000)
    assert len(view.toPlainText()) > HIGHLIGHT_LIMIT
    assert view.highlighter.document() is None  # too big to colour: said so
    assert "Colouring is off" in view.note.text()


def test_find_counts_matches_case_insensitively_and_steps_through_them(qtbot) -> None:
    view = raw_view(qtbot, '{"Name": "alice", "name": "ALICE", "other": "é Alice"}')
    view.find_edit.setText("alice")
    assert view.match_count() == 3
    assert view.match_label.text() == "1 of 3"
    assert view.editor.textCursor().selectedText() == "alice"
    view.find_next()
    assert view.editor.textCursor().selectedText() == "ALICE"
    view.find_next()
    assert view.editor.textCursor().selectedText() == "Alice"  # after a non-ASCII character
    view.find_next()
    assert view.match_label.text() == "1 of 3"
    view.find_previous()
    assert view.match_label.text() == "3 of 3"
    assert len(view.editor.extraSelections()) == 3  # every match marked
    view.set_inspection(inspect_payload(Opcode.TEXT, '["\U0001F600 x", "\U0001F600\U0001F600 X"]'))
    assert view.match_count() == 0 and view.match_label.text() == "No matches"  # searched again
    view.find_edit.setText("x")
    view.find_next()
    assert view.match_label.text() == "2 of 2" and view.editor.textCursor().selectedText() == "X"
    view.find_edit.setText("bob")
    assert view.match_label.text() == "No matches" and view.match_count() == 0


def test_a_long_message_shows_its_beginning_until_asked_for_all(qtbot) -> None:
    payload = '{"data": "' + "x" * (LONG_LINE_LIMIT * 2) + '"}'
    view = raw_view(qtbot, payload)
    assert view.toPlainText() == payload[:LONG_LINE_LIMIT]
    assert view.note.text() == f"Showing the first {LONG_LINE_LIMIT:,} of {len(payload):,} characters\n" \
        f"Lines over {MAX_BLOCK_LENGTH:,} characters are not coloured"
    assert view.show_all_button.isVisibleTo(view)
    view.show_all_button.click()
    assert view.toPlainText() == payload and not view.show_all_button.isVisibleTo(view)


def test_documents_deeper_than_the_recursion_limit_allows_still_print(qtbot) -> None:
    view = raw_view(qtbot, "[" * 800 + "]" * 800)
    view.set_mode(PRETTY)
    lines = view.text.split("\n")  # more than the editor shows at first
    assert view.toPlainText() == view.text[:len(view.toPlainText())] and view.show_all_button.isVisibleTo(view)
    assert len(lines) == 1599 and lines[799] == " " * 128 + "[]"  # indentation capped at 64 levels


def test_a_lone_surrogate_is_shown_escaped_not_dropped(qtbot) -> None:
    view = raw_view(qtbot, '["a\\ud800b"]')
    view.set_mode(COMPACT)
    assert view.toPlainText() == '["a\\ud800b"]'
