"""The composer's Templates menu: a protocol's ready payload in the editor, in the mode it is sent in."""

from __future__ import annotations

import json
import uuid

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QPushButton

from app.ui.compose.composer import EVENT, TEXT, Composer


@pytest.fixture
def composer(qtbot) -> Composer:
    composer = Composer()
    qtbot.addWidget(composer)
    composer.show()
    return composer


def choose(composer: Composer, title: str) -> None:
    button = composer.findChild(QPushButton, "composerTemplates")
    assert button is not None and button.isVisible() and button.menu() is not None
    actions = {action.text(): action for action in button.menu().actions() if isinstance(action, QAction)}
    actions[title].trigger()


def test_the_menu_offers_json_payloads_of_each_protocol(composer: Composer) -> None:
    button = composer.findChild(QPushButton, "composerTemplates")
    assert button is not None
    assert [action.text() for action in button.menu().actions()] == [
        "GraphQL: connection_init", "GraphQL: subscribe", "JSON-RPC: request", "Socket.IO: event"]


def test_a_graphql_subscribe_gets_a_fresh_id_at_each_send(composer: Composer) -> None:
    choose(composer, "GraphQL: connection_init")
    assert json.loads(composer.text()) == {"type": "connection_init", "payload": {}}
    choose(composer, "GraphQL: subscribe")
    assert composer.mode == TEXT and composer.send_button.isEnabled()
    assert composer.error.text() == "Valid JSON (variables expanded)"
    first, second = (json.loads(composer.prepare_payload() or "") for _ in range(2))
    assert first["type"] == "subscribe" and first["payload"] == {
        "operationName": "OnEvent", "query": "subscription OnEvent { event }", "variables": {}}
    assert uuid.UUID(first["id"]) != uuid.UUID(second["id"])
    assert "{{uuid}}" in composer.text()  # the editor keeps the template


def test_a_json_rpc_request_counts_its_ids_and_leaves_a_binary_mode(composer: Composer, qtbot) -> None:
    composer.convert_to("hex")
    composer.set_text("de ad")
    choose(composer, "JSON-RPC: request")
    assert composer.mode == TEXT and composer.mode_combo.currentData() == TEXT
    assert [json.loads(composer.prepare_payload() or "")["id"] for _ in range(2)] == [1, 2]
    assert json.loads(composer.prepare_payload() or "")["method"] == "add"


def test_a_socketio_event_switches_to_the_event_mode_and_undo_brings_the_text_back(
        composer: Composer, qtbot) -> None:
    typed = composer.text()
    choose(composer, "Socket.IO: event")
    assert composer.mode == EVENT and composer.event_row.isVisible() and composer.event_name.text() == "chat"
    assert composer.prepare_payload() == '42["chat",{"text": "hello"}]'
    composer.editor.setFocus()
    qtbot.keyClick(composer.editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert composer.text() == typed
