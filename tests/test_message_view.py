"""The message view: JSONTestSuite and the odd cases through the path a selected message takes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from app.core.docworker import DocumentWorker
from app.core.frames import Opcode
from app.core.inspection import inspect_large, inspect_payload
from app.ui import async_loop
from app.ui.json_tree_model import KEY, VALUE
from app.ui.json_tree_panel import EXPAND_LIMIT
from app.ui.message_view import MessageView
from tests.helpers import CORPUS


@pytest.fixture
def view(qtbot) -> MessageView:  # type: ignore[no-untyped-def]
    async_loop.install(QGuiApplication.instance())  # type: ignore[arg-type]
    view = MessageView()
    qtbot.addWidget(view)
    view.show()
    return view


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


def test_deep_nesting_is_shown(view: MessageView, qtbot) -> None:  # type: ignore[no-untyped-def]
    view.display(inspect_payload(Opcode.TEXT, '{"a":' * 5000 + "1" + "}" * 5000), "deep")
    assert shows_tree(view) and view.tree_model.index(0, KEY).data() == "a"
    view.tree_panel.expand_all()
    qtbot.waitUntil(lambda: view.tree.isExpanded(view.tree_model.index(0, KEY)), timeout=10_000)


def test_lone_surrogate_is_displayed_and_copied(view: MessageView, qtbot) -> None:  # type: ignore[no-untyped-def]
    view.display(inspect_payload(Opcode.TEXT, '{"s": "x\\ud800y"}'), "surrogate")
    index = view.tree_model.index(0, VALUE)
    assert index.data() == '"x\\ud800y"'
    view.tree.setFocus()
    view.tree.setCurrentIndex(index)
    qtbot.keyClick(view.tree, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().text() == "x\\ud800y", timeout=3000)


def test_binary_frame_with_invalid_utf8_is_a_hex_view(view: MessageView) -> None:
    view.display(inspect_payload(Opcode.BINARY, b'["ok", "\xff\xfe"]'), "binary")
    assert not shows_tree(view) and view.tabs.currentWidget() is view.raw
    assert "ff fe" in view.raw.toPlainText() and "Binary frame, 12 bytes" in view.info.text()


def test_text_that_is_not_json_is_shown_as_text_with_the_error(view: MessageView) -> None:
    view.display(inspect_payload(Opcode.TEXT, "hello {not json"), "text")
    assert view.raw.toPlainText() == "hello {not json"
    assert "Not JSON — Line 1, column 1" in view.info.text() and not shows_tree(view)


def test_copy_path_find_and_expand_limit(view: MessageView, qtbot) -> None:  # type: ignore[no-untyped-def]
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
    view: MessageView, worker: DocumentWorker, qtbot  # type: ignore[no-untyped-def]
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
