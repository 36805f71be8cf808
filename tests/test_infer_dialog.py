"""Log → Infer schema…: a JSON Schema and Pydantic v2 models of the selected messages, saved and read back."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import jsonschema
from PySide6.QtWidgets import QPushButton

from app.core.frames import Direction, Frame, Opcode, Side
from app.ui.scenarios.infer_dialog import InferDialog
from app.ui.shell.main_window import MainWindow
from tests.test_log_window import feed, message, select_store_rows

MESSAGES = [{"type": "chat", "id": 1, "text": "hi", "tags": ["a"]},
            {"type": "chat", "id": 2, "text": "there", "tags": [], "reply_to": 1}]


def open_dialog(window: MainWindow, qtbot) -> InferDialog:
    window.log_actions.infer.trigger()
    dialog = window.findChild(InferDialog, "inferDialog")
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.tabs.isEnabled(), timeout=30000)  # the generator's import takes seconds
    assert not dialog.progress.isVisible()
    return dialog


def test_infer_schema_shows_and_saves_a_schema_and_models_the_selected_messages_pass(
        window: MainWindow, qtbot, tmp_path: Path) -> None:
    feed(window, qtbot, [message(json.dumps(MESSAGES[0])), message("not json"),
                         Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.BINARY, b"\x00"),
                         message(json.dumps(MESSAGES[1]), Direction.SENT)])
    select_store_rows(window, qtbot, [0, 1, 2, 3])
    dialog = open_dialog(window, qtbot)
    assert dialog.summary.text() == "Inferred from 2 messages; 2 rows skipped: not a JSON message"
    assert [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())] == ["JSON Schema", "Pydantic v2"]
    assert dialog.findChild(QPushButton, "inferSchemaTextSave") is not None

    schema_path, models_path = tmp_path / "chat.schema.json", tmp_path / "models.py"
    assert dialog.save_schema(str(schema_path)) and dialog.save_models(str(models_path))
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    for value in MESSAGES:
        jsonschema.validate(value, schema)
    assert set(schema["required"]) == {"type", "id", "text", "tags"}  # reply_to: only in one of them

    spec = importlib.util.spec_from_file_location("inferred_models", models_path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # compiles and imports
    model = module.Message
    for value in MESSAGES:
        assert model.model_validate(value).model_dump(exclude_none=True) == value
    dialog.close()


def test_infer_schema_says_so_when_no_selected_row_is_json(window: MainWindow, qtbot, tmp_path: Path) -> None:
    feed(window, qtbot, [message("plain text")])
    select_store_rows(window, qtbot, [0])
    window.log_actions.infer.trigger()
    dialog = window.findChild(InferDialog, "inferDialog")
    assert dialog is not None
    qtbot.waitUntil(lambda: not dialog.progress.isVisible(), timeout=30000)
    assert dialog.summary.text() == "Nothing to infer from: none of the 1 selected row is a JSON message"
    assert not dialog.tabs.isEnabled() and not dialog.save_schema(str(tmp_path / "s.json"))
    assert not (tmp_path / "s.json").exists()
    dialog.close()


def test_infer_schema_bounds_its_work_and_says_what_it_left_out(window: MainWindow, qtbot) -> None:
    """A message with 1.2 million values is left out, and a schema of 30,000 properties is not shown."""
    wide = json.dumps({f"key{n}": n for n in range(30_000)})
    huge = json.dumps([0] * 1_200_000)
    feed(window, qtbot, [message(huge), message(json.dumps(MESSAGES[0])), message(wide)])
    select_store_rows(window, qtbot, [0, 1])
    dialog = open_dialog(window, qtbot)
    assert dialog.summary.text() == ("Inferred from 1 message; 1 message skipped: past the 1,000,000 JSON values "
                                     "inferred from at once")
    dialog.close()
    for rows, said in (([0], "Nothing inferred: each selected message holds more than the 1,000,000 JSON values"),
                       ([2], "Not shown: the schema inferred holds 90,005 JSON values, more than the 20,000")):
        select_store_rows(window, qtbot, rows)
        window.log_actions.infer.trigger()
        (dialog,) = [shown for shown in window.findChildren(InferDialog) if shown.isVisible()]  # the closed one goes later
        qtbot.waitUntil(lambda dialog=dialog: not dialog.progress.isVisible(), timeout=10000)
        assert dialog.summary.text().startswith(said), dialog.summary.text()
        assert not dialog.tabs.isEnabled()
        dialog.close()
