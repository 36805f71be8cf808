"""Contracts in the window: attached to a connection, checked off the GUI thread, shown and filtered."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.main import build
from app.net.options import ConnectionOptions
from app.ui.connections.dialog import ConnectionDialog
from app.ui.connections.profiles import read_profiles
from app.ui.shell.main_window import MainWindow

CONTRACTS = Path(__file__).parent / "data" / "contracts"
ASYNCAPI_3 = str(CONTRACTS / "hello-asyncapi-3.0.yaml")
ASYNCAPI_2 = str(CONTRACTS / "hello-asyncapi-2.6.yaml")
BROKEN = str(CONTRACTS / "broken-asyncapi-3.0.yaml")


@pytest.fixture
def window(qtbot) -> Iterator[MainWindow]:
    window = build(["--no-server"])
    qtbot.addWidget(window)
    window.show()
    yield window
    window.shutdown()


def test_a_contract_is_attached_in_the_options_dialog_and_saved_in_profiles(window: MainWindow, qtbot) -> None:
    dialog = ConnectionDialog(ConnectionOptions("ws://127.0.0.1:9/ws/echo"), window, window.payload_tools.store)
    assert dialog.options().contract == ""
    notices = window.notices
    dialog.attach_contract(ASYNCAPI_3)
    qtbot.waitUntil(lambda: "AsyncAPI 3.0.0" in dialog.contract_label.text(), timeout=5000)
    assert dialog.contract_label.text() == "hello-asyncapi-3.0.yaml (AsyncAPI 3.0.0)"
    assert dialog.options().contract == ASYNCAPI_3
    # What AsyncAPI features it uses that are not checked are listed; the rest is used.
    qtbot.waitUntil(lambda: "bindings are not used" in notices.label.text(), timeout=2000)

    # A broken document: its error names the place, and the contract attached before stays.
    dialog.attach_contract(BROKEN)
    qtbot.waitUntil(lambda: "Contract not attached" in dialog.problems.text(), timeout=5000)
    assert "$.operations.shout.action: must be send or receive" in dialog.problems.text()
    assert dialog.options().contract == ASYNCAPI_3
    assert dialog.contract_label.text().startswith("hello-asyncapi-3.0.yaml")

    # Saved with the profile, read back with it; Clear detaches it.
    window.payload_tools.store.save_profile("echo", dialog.options().to_dict(include_secrets=False))
    assert read_profiles(window.payload_tools.store)[0]["echo"].contract == ASYNCAPI_3
    dialog.contract_clear.click()
    assert dialog.options().contract == ""
    dialog.reject()
    dialog.deleteLater()
