"""Decode as… in the message view: the user names the layers, the result shows in the tree or as hex."""

from __future__ import annotations

import base64
import gzip
import json
import os
import zlib

import msgpack
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog

from app.core.decode_chain import CBOR, JSON, MSGPACK, OUTPUT_LIMIT
from app.core.frames import Opcode
from app.core.inspection import inspect_payload
from app.ui.message.decode_as import DecodeAsDialog
from app.ui.message.tree_model import KEY, VALUE
from app.ui.message.view import MessageView

DOCUMENT = {"event": "quote", "price": 187.25, "symbols": ["AAPL", "MSFT"]}


def open_dialog(view: MessageView, qtbot) -> DecodeAsDialog:
    qtbot.mouseClick(view.decode_bar.choose_button, Qt.MouseButton.LeftButton)
    dialog = view.findChild(QDialog, "decodeAsDialog")
    assert isinstance(dialog, DecodeAsDialog)
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def decode(view: MessageView, qtbot, steps: list[str], then: str | None) -> None:
    dialog = open_dialog(view, qtbot)
    while dialog.steps:
        qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    for step in steps:
        qtbot.mouseClick(dialog.step_buttons[step], Qt.MouseButton.LeftButton)
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData(then))
    qtbot.mouseClick(dialog.decode_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()


def tree_keys(view: MessageView) -> list[str]:
    return [view.tree_model.index(row, KEY).data() for row in range(view.tree_model.rowCount())]


def test_base64_then_gzip_then_json_by_keyboard_and_again_in_one_click_on_the_next_message(
        view: MessageView, qtbot) -> None:
    compressed = gzip.compress(json.dumps(DOCUMENT).encode())
    text = base64.b64encode(compressed).decode()
    view.display(inspect_payload(Opcode.TEXT, text), "#1 · text")
    assert view.tabs.currentWidget() is view.raw and not view.decode_bar.again_button.isVisible()
    view.raw.editor.setFocus()
    qtbot.keyClick(view.raw.editor, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    dialog = view.findChild(QDialog, "decodeAsDialog")
    assert isinstance(dialog, DecodeAsDialog)
    qtbot.waitUntil(dialog.isVisible)
    qtbot.keyRelease(dialog, Qt.Key.Key_Shift)  # QTest leaves it held
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    assert QApplication.focusWidget() is dialog.step_buttons["base64"]
    for key in (Qt.Key.Key_Space, Qt.Key.Key_Tab, Qt.Key.Key_Space):  # base64, then the next button: gzip
        qtbot.keyClick(QApplication.focusWidget(), key)
    assert dialog.chain_label.text() == "base64 → gzip → JSON"
    assert [dialog.step_list.item(row).text() for row in range(dialog.step_list.count())] == ["1. base64", "2. gzip"]
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)  # Decode
    qtbot.waitUntil(lambda: view.tabs.currentWidget() is view.tree_panel)
    assert tree_keys(view) == ["event", "price", "symbols"]
    assert view.tree_model.index(0, VALUE).data() == '"quote"'
    size = len(json.dumps(DOCUMENT).encode())
    assert view.info.text() == (f"#1 · text\nDecoded as base64 → gzip → JSON: {len(text):,} → {len(compressed):,} → "
                                f"{size:,} bytes; the tree shows the result, Raw the frame as it came")
    assert view.tabs.isTabEnabled(view.tabs.indexOf(view.raw)) and view.raw.toPlainText() == text

    other = base64.b64encode(gzip.compress(b'{"second": true}')).decode()
    view.display(inspect_payload(Opcode.TEXT, other), "#2 · text")
    assert view.tabs.currentWidget() is view.raw  # nothing is decoded until asked
    again = view.decode_bar.again_button
    assert again.isVisible() and again.text() == "Again: base64 → gzip → JSON"
    qtbot.mouseClick(again, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.tabs.currentWidget() is view.tree_panel)
    assert tree_keys(view) == ["second"] and view.info.text().startswith("#2 · text\nDecoded as base64 → gzip → JSON")
    dialog = open_dialog(view, qtbot)  # the dialog starts from the last chain
    assert dialog.chain_label.text() == "base64 → gzip → JSON"
    dialog.reject()


def test_base64_then_messagepack_from_a_binary_frame(view: MessageView, qtbot) -> None:
    packed = msgpack.packb({"n": 1, "raw": b"\x00\xff", "list": [1, 2]})
    payload = base64.b64encode(packed)
    view.display(inspect_payload(Opcode.BINARY, payload), "#7 · binary")
    assert view.tabs.currentWidget() is view.hex
    decode(view, qtbot, ["base64"], MSGPACK)
    qtbot.waitUntil(lambda: view.tabs.currentWidget() is view.tree_panel)
    assert tree_keys(view) == ["n", "raw", "list"]
    raw = view.tree_model.index(1, KEY)
    view.tree.expand(raw)
    assert view.tree_model.index(0, KEY, raw).data() == "$bytes"
    assert view.tree_model.index(0, VALUE, raw).data() == '"AP8="'
    assert f"Decoded as base64 → MessagePack: {len(payload):,} → {len(packed):,} bytes" in view.info.text()
    assert "Hex the frame as it came" in view.info.text()
    assert view.tabs.isTabEnabled(view.tabs.indexOf(view.hex)) and view.hex.data == payload


def test_a_decompression_bomb_stops_with_the_limit_and_keeps_the_view(view: MessageView, qtbot) -> None:
    bomb = gzip.compress(bytes(OUTPUT_LIMIT * 2))
    view.display(inspect_payload(Opcode.BINARY, bomb), "#3 · bomb")
    info = view.info.text()
    decode(view, qtbot, ["gzip"], JSON)
    status = view.decode_bar.status
    qtbot.waitUntil(status.isVisible, timeout=20_000)
    assert status.text() == (f"Step 1 (gzip): inflates to more than {OUTPUT_LIMIT:,} bytes: stopped there "
                             "(a decompression bomb, or more than is shown)")
    assert view.tabs.currentWidget() is view.hex and view.hex.data == bomb and view.info.text() == info
    assert not view.tabs.isTabEnabled(view.tabs.indexOf(view.tree_panel))
    assert view.decode_bar.choose_button.isEnabled() and not view.decode_bar.progress.isVisible()


def test_a_bad_step_says_which_and_the_result_shown_stays(view: MessageView, qtbot) -> None:
    text = base64.b64encode(zlib.compress(json.dumps(DOCUMENT).encode())).decode()
    view.display(inspect_payload(Opcode.TEXT, text), "#4 · text")
    decode(view, qtbot, ["base64", "zlib"], JSON)
    qtbot.waitUntil(lambda: view.tabs.currentWidget() is view.tree_panel)
    info = view.info.text()
    decode(view, qtbot, ["base64", "gzip"], CBOR)
    status = view.decode_bar.status
    qtbot.waitUntil(status.isVisible)
    assert status.text() == "Step 2 (gzip): not gzip data (incorrect header check)"
    assert view.tabs.currentWidget() is view.tree_panel and tree_keys(view) == ["event", "price", "symbols"]
    assert view.info.text() == info
    view.display(inspect_payload(Opcode.TEXT, "{}"), "#5 · text")
    assert not status.isVisible()  # the failure was about the message before


def test_a_big_input_shows_its_progress_and_a_chain_may_end_in_bytes(view: MessageView, qtbot) -> None:
    data = os.urandom(256 * 1024)
    text = base64.b64encode(zlib.compress(data)).decode()
    view.display(inspect_payload(Opcode.TEXT, text), "#6 · big")
    decode(view, qtbot, ["base64", "zlib"], None)
    progress = view.decode_bar.progress
    assert progress.isVisible() and progress.maximum() == 2 and not view.decode_bar.choose_button.isEnabled()
    qtbot.waitUntil(lambda: view.tabs.currentWidget() is view.hex, timeout=20_000)
    assert not progress.isVisible() and view.hex.data == data
    assert not view.hex.decode_button.isEnabled()  # it would read the frame, not the bytes shown
    assert not view.tabs.isTabEnabled(view.tabs.indexOf(view.tree_panel))
    assert view.raw.toPlainText().startswith(text[:100])
    assert (f"Decoded as base64 → zlib → bytes: {len(text):,} → {len(zlib.compress(data)):,} → {len(data):,} bytes; "
            "Hex shows the bytes after the last step; Raw shows the frame as it came") in view.info.text()
    view.display(inspect_payload(Opcode.TEXT, '{"next": 1}'), "#7 · text")
    assert view.hex.data == b""  # the bytes made from the message before are let go
