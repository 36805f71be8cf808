"""The message view: JSONTestSuite and the odd cases through the path a selected message takes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QPlainTextEdit

from app.core.docworker import DocumentWorker
from app.core.frames import Opcode
from app.core.inspection import inspect_large, inspect_payload
from app.ui.common import async_loop
from app.ui.common.style import monospace
from app.ui.message.hex_view import HEX_FIRST, HEX_MORE
from app.ui.message.tree_model import KEY, VALUE
from app.ui.message.tree_panel import EXPAND_LIMIT
from app.ui.message.view import MessageView
from tests.helpers import CORPUS


@pytest.fixture
def worker() -> Iterator[DocumentWorker]:
    worker = DocumentWorker()
    yield worker
    worker.close()


def frame_of(path: Path) -> tuple[Opcode, str | bytes]:
    """A corpus file as a peer would send it: a text frame if it is UTF-8, else a binary frame."""
    data = path.read_bytes()
    try:
        return Opcode.TEXT, data.decode("utf-8")
    except UnicodeDecodeError:
        return Opcode.BINARY, data


def shows_tree(view: MessageView) -> bool:
    return view.tabs.currentWidget() is view.tree_panel


@pytest.mark.parametrize("large", [False, True], ids=["in-process", "document-process"])
def test_corpus_through_the_message_view(view: MessageView, worker: DocumentWorker, large: bool) -> None:
    def show(path: Path) -> None:
        opcode, payload = frame_of(path)
        inspection = inspect_large(opcode, payload, worker) if large else inspect_payload(opcode, payload)
        view.display(inspection, path.name)

    refused = []
    for path in sorted(CORPUS.glob("y_*.json")):
        show(path)
        if not shows_tree(view) or view.tree_model.document.count == 0:
            refused.append(path.name)
    assert not refused
    accepted = []
    for path in sorted(CORPUS.glob("n_*.json")):
        show(path)
        opcode, _ = frame_of(path)
        if shows_tree(view) or (opcode == Opcode.TEXT and "Not JSON — Line " not in view.info.text()):
            accepted.append(path.name)
    # NaN and Infinity are shown (flagged), as a lenient peer may send them
    assert sorted(accepted) == ["n_number_-NaN.json", "n_number_NaN.json", "n_number_infinity.json"] or all(
        "NaN" in name or "nfinity" in name for name in accepted), accepted
    for path in sorted(CORPUS.glob("i_*.json")):
        show(path)  # must not raise
        assert view.info.text().startswith(path.name)


def test_deep_nesting_is_shown(view: MessageView, qtbot) -> None:
    view.display(inspect_payload(Opcode.TEXT, '{"a":' * 5000 + "1" + "}" * 5000), "deep")
    assert shows_tree(view) and view.tree_model.index(0, KEY).data() == "a"
    view.tree_panel.expand_all()
    qtbot.waitUntil(lambda: view.tree.isExpanded(view.tree_model.index(0, KEY)), timeout=10_000)


def test_lone_surrogate_is_displayed_and_copied(view: MessageView, qtbot) -> None:
    view.display(inspect_payload(Opcode.TEXT, '{"s": "x\\ud800y"}'), "surrogate")
    index = view.tree_model.index(0, VALUE)
    assert index.data() == '"x\\ud800y"'
    view.tree.setFocus()
    view.tree.setCurrentIndex(index)
    qtbot.keyClick(view.tree, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().text() == "x\\ud800y", timeout=3000)


def test_binary_frame_with_invalid_utf8_is_a_hex_view(view: MessageView, qtbot) -> None:
    view.display(inspect_payload(Opcode.BINARY, b'["ok", "\xff\xfe"]'), "binary")
    assert not shows_tree(view) and view.tabs.currentWidget() is view.hex
    assert not view.tabs.isTabEnabled(view.tabs.indexOf(view.tree_panel))  # no empty "(value) [0 items]" tree
    assert not view.tabs.isTabEnabled(view.tabs.indexOf(view.raw))
    assert view.hex.toPlainText() == '00000000  5b 22 6f 6b 22 2c 20 22 ff fe 22 5d              ["ok", ".."]'
    assert "Binary frame, 12 bytes" in view.info.text()
    editor = view.hex.editor
    assert editor.lineWrapMode() == QPlainTextEdit.LineWrapMode.NoWrap and editor.font() == monospace()
    assert all(not block.layout().formats() for block in _blocks(editor))  # not coloured as JSON
    qtbot.mouseClick(view.hex.decode_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.hex.note.text() == "Not UTF-8: byte 0xff at offset 8 (invalid start byte)")
    assert view.tabs.currentWidget() is view.hex


def _blocks(editor: QPlainTextEdit) -> list:
    block, blocks = editor.document().firstBlock(), []
    while block.isValid():
        blocks.append(block)
        block = block.next()
    return blocks


def test_binary_json_decodes_to_a_tree_and_text_on_request(view: MessageView, qtbot) -> None:
    view.display(inspect_payload(Opcode.BINARY, '{"price": 12345678901234567890, "name": "café"}'.encode()), "binary json")
    assert view.tabs.currentWidget() is view.hex
    qtbot.mouseClick(view.hex.decode_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shows_tree(view))
    assert view.tree_model.index(0, VALUE).data() == "12345678901234567890"
    assert view.raw.toPlainText() == '{"price": 12345678901234567890, "name": "café"}'
    assert "decoded as UTF-8" in view.info.text()
    assert view.tabs.isTabEnabled(view.tabs.indexOf(view.hex))  # the bytes stay one click away
    view.display(inspect_payload(Opcode.BINARY, b"plain words"), "binary text")
    qtbot.mouseClick(view.hex.decode_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.tabs.currentWidget() is view.raw)
    assert view.raw.toPlainText() == "plain words"
    assert "Not JSON" in view.info.text()


def test_a_huge_binary_frame_shows_its_beginning_until_asked_for_more(view: MessageView, qtbot) -> None:
    data = bytes(range(256)) * 4096  # 1 MiB
    view.display(inspect_payload(Opcode.BINARY, data), "huge")
    first = view.hex.toPlainText().count("\n") + 1
    assert first == HEX_FIRST // 16
    assert view.hex.note.text() == f"Showing the first {HEX_FIRST:,} of {len(data):,} bytes"
    assert view.hex.more_button.isVisible()
    qtbot.mouseClick(view.hex.more_button, Qt.MouseButton.LeftButton)
    assert view.hex.toPlainText().count("\n") + 1 == first * HEX_MORE


def test_the_chosen_tab_stays_for_the_next_messages(view: MessageView, qtbot) -> None:
    tab_bar = view.tabs.tabBar()
    view.display(inspect_payload(Opcode.TEXT, '{"a": 1}'), "first")
    assert shows_tree(view)
    qtbot.mouseClick(tab_bar, Qt.MouseButton.LeftButton, pos=tab_bar.tabRect(view.tabs.indexOf(view.raw)).center())
    assert view.tabs.currentWidget() is view.raw
    view.display(inspect_payload(Opcode.TEXT, '{"b": 2}'), "second")
    assert view.tabs.currentWidget() is view.raw
    view.display(inspect_payload(Opcode.BINARY, b"\x00\x01"), "binary: no raw text to show")
    assert view.tabs.currentWidget() is view.hex
    view.display(inspect_payload(Opcode.TEXT, '{"c": 3}'), "third")
    assert view.tabs.currentWidget() is view.raw
    qtbot.mouseClick(tab_bar, Qt.MouseButton.LeftButton, pos=tab_bar.tabRect(view.tabs.indexOf(view.tree_panel)).center())
    view.display(inspect_payload(Opcode.TEXT, "not json"), "text: no tree")
    assert view.tabs.currentWidget() is view.raw
    view.display(inspect_payload(Opcode.TEXT, '{"d": 4}'), "fourth")
    assert shows_tree(view)


def test_text_that_is_not_json_is_shown_as_text_with_the_error(view: MessageView) -> None:
    view.display(inspect_payload(Opcode.TEXT, "hello {not json"), "text")
    assert view.raw.toPlainText() == "hello {not json"
    assert "Not JSON — Line 1, column 1" in view.info.text() and not shows_tree(view)


def test_copy_path_find_and_expand_limit(view: MessageView, qtbot) -> None:
    text = '{"data": {"items": [' + ",".join(f'{{"id": {i}, "k y": [{i}]}}' for i in range(6000)) + ']}}'
    view.display(inspect_payload(Opcode.TEXT, text), "big")
    panel = view.tree_panel
    panel.find_edit.setText("k y")
    qtbot.keyClick(panel.find_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.status.text() == "1 of 1,000+", timeout=5000)
    assert view.tree_model.json_path(view.tree.currentIndex()) == "$.data.items[0]['k y']"
    panel.copy_path_action.trigger()
    assert QGuiApplication.clipboard().text() == "$.data.items[0]['k y']"
    panel.find_edit.setText("5999")
    panel.find_step(1)
    qtbot.waitUntil(lambda: panel.status.text().startswith("1 of 2"), timeout=5000)
    assert view.tree_model.json_path(view.tree.currentIndex()) == "$.data.items[5999].id"
    panel.expand_all()
    qtbot.waitUntil(lambda: "limit reached" in panel.status.text(), timeout=20_000)
    assert str(f"{EXPAND_LIMIT:,}") in panel.status.text()
    panel.collapse_all()
    assert not view.tree.isExpanded(view.tree_model.index(0, KEY))


def test_expand_all_and_find_on_a_document_held_by_the_document_process(
    view: MessageView, worker: DocumentWorker, qtbot
) -> None:
    text = '{"items": [' + ",".join(f'{{"id": {i}, "pair": [{i}, "v{i}"]}}' for i in range(4000)) + "]}"
    view.display(inspect_large(Opcode.TEXT, text, worker), "remote")
    assert view.tree_model.document.remote
    panel = view.tree_panel
    panel.expand_all()
    qtbot.waitUntil(lambda: "limit reached" in panel.status.text(), timeout=30_000)
    items = view.tree_model.index(0, KEY)
    assert view.tree.isExpanded(items) and view.tree.isExpanded(view.tree_model.index(0, KEY, items))
    panel.collapse_all()
    panel.find_edit.setText("v3999")
    panel.find_step(1)
    qtbot.waitUntil(lambda: view.tree.currentIndex().data() == "[1]", timeout=30_000)
    assert view.tree_model.json_path(view.tree.currentIndex()) == "$.items[3999].pair[1]"


def test_a_deep_node_shows_its_path_and_its_key(view: MessageView, qtbot) -> None:
    levels = [f"level_{depth}" for depth in range(1, 61)]
    text = "".join(f'{{"{key}": ' for key in levels) + '"bottom"' + "}" * len(levels)
    view.display(inspect_payload(Opcode.TEXT, text), "deep keys")
    panel = view.tree_panel
    panel.find_edit.setText("level_60")
    qtbot.keyClick(panel.find_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.tree.currentIndex().data() == "level_60", timeout=10_000)
    expected = "$." + ".".join(levels)
    assert panel.breadcrumb.text() == expected and panel.breadcrumb.isReadOnly()
    qtbot.mouseClick(panel.copy_breadcrumb_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == expected
    # The key is inside the Key column and inside the scrolled viewport, not pushed out by indentation.
    tree = view.tree
    current = tree.currentIndex()
    key = tree.visualRect(current)
    key_end = key.x() + tree.fontMetrics().horizontalAdvance("level_60")
    column_end = tree.columnViewportPosition(KEY) + tree.columnWidth(KEY)
    assert key_end <= column_end, (key_end, column_end)
    assert 0 <= key.x() and key_end <= tree.viewport().width(), (key.x(), key_end, tree.viewport().width())


def test_a_big_binary_frame_decodes_in_the_document_process(qtbot, worker: DocumentWorker) -> None:
    async_loop.install(QGuiApplication.instance())  # type: ignore[arg-type]
    view = MessageView(documents=worker)
    qtbot.addWidget(view)
    view.show()
    data = ('{"items": [' + ",".join(f'{{"id": {i}}}' for i in range(60_000)) + "]}").encode()
    assert len(data) > 512 * 1024
    view.display(inspect_payload(Opcode.BINARY, data), "big binary json")
    qtbot.mouseClick(view.hex.decode_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shows_tree(view), timeout=20_000)
    assert view.tree_model.document.remote and view.tree_model.index(0, KEY).data() == "items"
