"""The "Infer schema…" dialog: a JSON Schema and Pydantic v2 models from the messages selected in the log.

The payloads are copied on the GUI thread (the log's actions bound how many); parsing them, inferring
the schema (genson) and generating the models (datamodel-code-generator, which takes seconds to
import) run on a worker thread while the dialog shows a busy bar. Rows that are not a JSON message
(binary, events, other text) are skipped and counted, never guessed at.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from app.ui.common import async_loop, notify
from app.ui.common.naming import named
from app.ui.common.style import monospace, tint

SCHEMA_FILTER = "JSON Schema (*.schema.json *.json);;All files (*)"
MODELS_FILTER = "Python (*.py);;All files (*)"
MODEL_NAME = "Message"  # the root model's class name in the generated source
INFER_BUDGET = 1_000_000  # JSON values inferred from at once: about a second of the worker's time
# A bigger schema is not shown: its models take seconds per 10,000 values, its text would hold the window.
SCHEMA_LIMIT = 20_000


@dataclass(frozen=True, slots=True)
class Inference:
    """What the dialog shows: the schema and models' text, and what went into them."""

    schema: str
    models: str
    used: int
    skipped: int  # rows that are not a JSON message
    too_deep: int
    too_many: int = 0  # messages past INFER_BUDGET

    def summary(self) -> str:
        parts = [f"Inferred from {_count(self.used, 'message')}"]
        if self.skipped:
            parts.append(f"{_count(self.skipped, 'row')} skipped: not a JSON message")
        if self.too_deep:
            parts.append(f"{_count(self.too_deep, 'message')} skipped: nested too deeply")
        if self.too_many:
            parts.append(f"{_count(self.too_many, 'message')} skipped: past the {INFER_BUDGET:,} JSON values "
                         "inferred from at once")
        return "; ".join(parts)


class NothingToInfer(ValueError):
    """Nothing can be shown for the selected rows; the message says why (none is JSON, the schema is too big)."""


def infer(payloads: list[str | bytes | None]) -> Inference:
    """Parse the text payloads that hold JSON, infer their schema and its models (slow: on a worker)."""
    skipped = 0

    def values() -> Iterator[Any]:  # parsed one at a time: a value is dropped once inferred from
        nonlocal skipped
        for payload in payloads:
            value = _json_value(payload)
            if value is _NOT_JSON:
                skipped += 1
            else:
                yield value

    from app.core.contracts.inference import infer_schema, pydantic_models, schema_size  # genson: at first use

    inferred = infer_schema(values(), INFER_BUDGET)
    if not inferred.used:
        if inferred.too_many:
            raise NothingToInfer(f"Nothing inferred: each selected message holds more than the {INFER_BUDGET:,} "
                                 "JSON values inferred from at once (socketscope schema infer takes any number)")
        raise NothingToInfer(f"Nothing to infer from: none of the {_count(len(payloads), 'selected row')} "
                             "is a JSON message" + (" nested less than 64 levels deep" if inferred.too_deep else ""))
    schema = inferred.schema
    size = schema_size(schema)
    if size > SCHEMA_LIMIT:
        raise NothingToInfer(f"Not shown: the schema inferred holds {size:,} JSON values, more than the "
                             f"{SCHEMA_LIMIT:,} shown here (select fewer messages, or use socketscope schema infer)")
    return Inference(json.dumps(schema, indent=2) + "\n", pydantic_models(schema, MODEL_NAME),
                     inferred.used, skipped, inferred.too_deep, inferred.too_many)


_NOT_JSON = object()


def _json_value(payload: str | bytes | None) -> Any:
    if not isinstance(payload, str):
        return _NOT_JSON
    try:
        return json.loads(payload)
    except (ValueError, RecursionError):
        return _NOT_JSON


class InferDialog(QDialog):
    """Shows the inferred schema and models once the worker has them; each can be copied or saved."""

    def __init__(self, parent: QWidget | None, payloads: list[str | bytes | None]) -> None:
        super().__init__(parent)
        named(self, "inferDialog")
        self.setWindowTitle("Infer schema")
        self.inference: Inference | None = None
        self._closed = False
        self.summary = named(QLabel("Inferring…"), "inferSummary")
        self.progress = named(QProgressBar(), "inferProgress")
        self.progress.setRange(0, 0)  # busy: the generator gives no steps
        self.tabs = named(QTabWidget(), "inferTabs")
        self.schema_text = self._tab("JSON Schema", "inferSchemaText", "Schema", self.save_schema, SCHEMA_FILTER,
                                     "schema.json")
        self.models_text = self._tab("Pydantic v2", "inferModelsText", "Models", self.save_models, MODELS_FILTER,
                                     "models.py")
        self.tabs.setEnabled(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.progress)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        self.resize(720, 560)
        self.file_dialog: QFileDialog | None = None
        self._infer(payloads)

    def _tab(self, title: str, name: str, noun: str, save: Callable[[str], bool], file_filter: str,
             suggested: str) -> QPlainTextEdit:
        text = named(QPlainTextEdit(), name)
        text.setReadOnly(True)
        text.setFont(monospace())
        copy = named(QPushButton("Copy"), f"{name}Copy")
        copy.clicked.connect(lambda: self._copy(text, noun))
        save_button = named(QPushButton("Save…"), f"{name}Save")
        save_button.clicked.connect(lambda: self._choose_file(f"Save {noun.lower()}", file_filter, suggested, save))
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(copy)
        row.addWidget(save_button)
        page = QWidget()
        column = QVBoxLayout(page)
        column.addWidget(text, 1)
        column.addLayout(row)
        self.tabs.addTab(page, title)
        return text

    @asyncSlot(object)
    async def _infer(self, payloads: list[str | bytes | None]) -> None:
        try:
            result = await async_loop.in_worker(infer, payloads)
        except NothingToInfer as error:
            self._show_problem(str(error))
            return
        except (ValueError, TypeError, RecursionError) as error:  # the generator refused the schema
            self._show_problem(f"The models could not be generated: {error}")
            return
        if self._closed:
            return
        self.progress.hide()
        self.inference = result
        self.summary.setText(result.summary())
        self.schema_text.setPlainText(result.schema)
        self.models_text.setPlainText(result.models)
        self.tabs.setEnabled(True)

    def done(self, code: int) -> None:
        self._closed = True  # closing deletes the dialog: an inference finishing later touches nothing
        super().done(code)

    def _show_problem(self, text: str) -> None:
        if self._closed:
            return
        self.progress.hide()
        self.summary.setText(text)
        tint(self.summary, "status.error")

    def _copy(self, text: QPlainTextEdit, noun: str) -> None:
        QGuiApplication.clipboard().setText(text.toPlainText())
        notify.info(f"{noun} copied")

    def _choose_file(self, title: str, file_filter: str, suggested: str, save: Callable[[str], bool]) -> None:
        dialog = QFileDialog(self, title, suggested, file_filter)
        dialog.setObjectName("inferFileDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
        dialog.fileSelected.connect(save)
        self.file_dialog = dialog
        dialog.open()

    def save_schema(self, path: str) -> bool:
        return self._save(path, self.schema_text.toPlainText(), "Schema")

    def save_models(self, path: str) -> bool:
        return self._save(path, self.models_text.toPlainText(), "Models")

    def _save(self, path: str, text: str, noun: str) -> bool:
        """Write `text` (a few KiB) to `path`; False and an error notice if it cannot be written."""
        if self.inference is None:
            return False
        try:
            Path(path).write_text(text, encoding="utf-8")
        except OSError as error:
            notify.error(f"{noun} not saved: {error.strerror or error} ({path})")
            return False
        notify.info(f"{noun} saved to {path}")
        return True


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


__all__ = ["InferDialog", "Inference", "NothingToInfer", "infer"]
