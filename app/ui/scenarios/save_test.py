"""Log → Save as test…: the selected rows of one connection written as a scenario file.

The rows are copied on the GUI thread (the log's actions bound how many); the scenario is written
(app/core/scenario_writer.py parses every reply) and saved on a worker thread. The URL and options
are the connection's own as the inspector opened it, or, for an imported capture, the URL its open
event recorded. Secrets (token, password, Socket.IO auth) are never written to the file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QWidget
from qasync import asyncSlot

from app.core.frames import Frame, Opcode, Side
from app.core.scenario_writer import ScenarioWriteError, WrittenScenario, write_scenario
from app.core.scenarios import SCENARIO_SUFFIX
from app.net.options import ConnectionOptions
from app.services.session import Session
from app.ui.common import async_loop, notify

SCENARIO_FILTER = f"Scenario tests (*{SCENARIO_SUFFIX});;YAML (*.yaml *.yml);;All files (*)"
# What a scenario's `options:` carries over from the connection (never its secrets, nor on_connect
# messages: those were recorded as sends and become send steps).
CARRIED_OPTIONS = ("query", "headers", "subprotocols", "ca_file", "client_cert", "client_key", "insecure",
                   "max_size", "compression", "protocol", "socketio_namespace")


def scenario_target(session: Session, frames: list[Frame]) -> tuple[str, dict[str, Any]] | None:
    """The URL and non-default options of the frames' connection; None if neither knows its URL."""
    if not frames:
        return None
    connection = session.inspector.connections.get(frames[0].connection)
    if connection is not None:
        options, plain = connection.options.to_dict(include_secrets=False), ConnectionOptions(connection.url).to_dict()
        return connection.url, {name: options[name] for name in CARRIED_OPTIONS if options[name] != plain[name]}
    for frame in frames:
        if frame.opcode == Opcode.OPEN and isinstance(frame.payload, str):
            try:
                url = json.loads(frame.payload).get("url")
            except (ValueError, AttributeError):
                continue
            if isinstance(url, str) and url:
                return url, {}
    return None


def default_test_name(url: str) -> str:
    """A test's name from its URL: the path's segments (`/ws/echo` → ws-echo), else the host and port."""
    parts = urlsplit(url)
    words = [segment for segment in parts.path.split("/") if segment] or [parts.hostname or "test",
                                                                         *([str(parts.port)] if parts.port else [])]
    name = "-".join(words)
    return "-".join(re.findall(r"[\w.]+", name)) or "test"


def _write(path: str, frames: list[Frame], url: str, options: dict[str, Any]) -> WrittenScenario:
    name = Path(path).name.removesuffix(SCENARIO_SUFFIX).removesuffix(".yaml") or "recorded conversation"
    written = write_scenario(frames, url, name, options)
    Path(path).write_text(written.text, encoding="utf-8")
    return written


class ScenarioSaver(QObject):
    """Asks where to save, then writes the scenario off the GUI thread."""

    saved = Signal(str)  # the file written

    def __init__(self, window: QWidget, session: Session) -> None:
        super().__init__(window)
        self.window = window
        self.session = session
        self.file_dialog: QFileDialog | None = None

    def choose_file(self, frames: list[Frame]) -> None:
        """Check the rows can make a test (one known connection), then ask for the file."""
        connections = sorted({frame.connection for frame in frames})
        if len(connections) != 1:
            names = ", ".join(connections[:3]) + (", …" if len(connections) > 3 else "")
            chosen = (f"the rows selected are of {len(connections)} connections ({names})"
                      if connections else "no rows are selected")
            notify.warning(f"Not saved as a test: {chosen}; select the rows of one connection")
            return
        if frames[0].side == Side.SERVER:
            notify.warning(f"Not saved as a test: {connections[0]} is the embedded server's side; "
                           "select the rows of the client's connection (client#N)")
            return
        target = scenario_target(self.session, frames)
        if target is None:
            notify.warning(f"Not saved as a test: the URL of {connections[0]} is not known "
                           "(select its open event too)")
            return
        dialog = QFileDialog(self.window, "Save as test", f"{default_test_name(target[0])}{SCENARIO_SUFFIX}",
                             SCENARIO_FILTER)
        dialog.setObjectName("saveTestDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix(SCENARIO_SUFFIX.lstrip("."))
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
        dialog.fileSelected.connect(lambda path: self.save(path, frames, *target))
        self.file_dialog = dialog
        dialog.open()

    @asyncSlot(str, object, str, object)
    async def save(self, path: str, frames: list[Frame], url: str, options: dict[str, Any]) -> None:
        try:
            written = await async_loop.in_worker(_write, path, frames, url, options)
        except ScenarioWriteError as error:
            notify.warning(f"Not saved as a test: {error}")
            return
        except OSError as error:
            notify.error(f"Test not saved: {error.strerror or error} ({path})")
            return
        notify.info(f"Saved test {Path(path).name}: {written.summary()}")
        self.saved.emit(path)


__all__ = ["ScenarioSaver", "scenario_target"]
