"""Contracts in the window: attached to a connection, checked off the GUI thread, shown and filtered."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.core.frames import Direction, Opcode
from app.main import build
from app.net.options import ConnectionOptions
from app.ui.common.style import colour
from app.ui.connections.dialog import ConnectionDialog
from app.ui.connections.profiles import read_profiles
from app.ui.log.model import COLUMNS, CONTRACT
from app.ui.shell.main_window import MainWindow
from tests.helpers import shown_window
from tests.raw_peer import RawPeer, frame, sends_then_drops

CONTRACTS = Path(__file__).parent / "data" / "contracts"
ASYNCAPI_3 = str(CONTRACTS / "hello-asyncapi-3.0.yaml")
ASYNCAPI_2 = str(CONTRACTS / "hello-asyncapi-2.6.yaml")
BROKEN = str(CONTRACTS / "broken-asyncapi-3.0.yaml")


@pytest.fixture
def window(qtbot) -> Iterator[MainWindow]:
    """The window without its server: these tests only attach contracts."""
    with shown_window(qtbot, "--no-server") as window:
        yield window


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


def open_contracted(window: MainWindow, qtbot, contract: str, path: str = "/ws/echo") -> str:
    url = f"ws://127.0.0.1:{window.session.server_address.port}{path}"
    connection = window.session.connect(ConnectionOptions(url, contract=contract))
    qtbot.waitUntil(lambda: window.connection_states.get(connection) is not None
                    and window.connection_states[connection].value == "open", timeout=5000)
    return connection


def rows_of(window: MainWindow, connection: str, opcode: Opcode = Opcode.TEXT) -> list[int]:
    store = window.store
    return [row for row in range(store.first, store.end)
            if store.connection(row) == connection and store.opcodes[row] == opcode]


def shown_rows(window: MainWindow) -> list[int]:
    return [window.view.store_row(position) for position in range(window.log_model.rowCount())]


def apply_filter(window: MainWindow, qtbot, text: str) -> list[int]:
    window.filter_bar.edit.setText(text)
    with qtbot.waitSignal(window.filter_bar.applied, timeout=5000):
        window.filter_bar.apply()
    return shown_rows(window)


def contract_cell(window: MainWindow, row: int) -> str:
    model = window.log_model
    column = len(COLUMNS) + model.json_columns.index(CONTRACT)
    position = window.view.positions([row])[row]
    return model.index(position, column).data()


def select(window: MainWindow, qtbot, row: int) -> str:
    window.log_view.selectRow(window.view.positions([row])[row])
    qtbot.waitUntil(lambda: window.shown_row == row and "Contract: " in window.message_view.info.text(),
                    timeout=5000)
    return window.message_view.info.text()


@pytest.mark.parametrize("contract", [ASYNCAPI_3, ASYNCAPI_2], ids=["asyncapi-3.0", "asyncapi-2.6"])
def test_live_traffic_is_checked_flagged_filtered_and_explained(qtbot, contract: str) -> None:
    with shown_window(qtbot) as window:
        connection = open_contracted(window, qtbot, contract)
        for message in ('"hello world"', '"bye"'):
            window.session.inspector.submit_send(connection, message).result(5)
        qtbot.waitUntil(lambda: len(rows_of(window, connection)) == 4, timeout=5000)
        checks = window.capture.checks
        rows = sorted(rows_of(window, connection), key=lambda row: window.store.payloads[row] != '"hello world"')
        qtbot.waitUntil(lambda: checks.checked_until > max(rows), timeout=5000)
        window.show_new_rows()
        # Sent and echoed: the greeting passes both ways, the farewell fails both ways.
        assert [contract_cell(window, row) for row in rows] == ["✓", "✓", "✗", "✗"]
        server_rows = [row for row in range(window.store.first, window.store.end)
                       if window.store.connection(row).startswith("server#")]
        assert server_rows and all(contract_cell(window, row) == "—" for row in server_rows)  # no contract there

        assert apply_filter(window, qtbot, "is:invalid") == sorted(rows[2:])
        assert apply_filter(window, qtbot, "is:valid") == sorted(rows[:2])
        name = "sayHello" if contract == ASYNCAPI_3 else "hello"
        assert apply_filter(window, qtbot, f"schema:{name}") == sorted(rows)
        assert apply_filter(window, qtbot, "schema:nothing") == []
        apply_filter(window, qtbot, "")

        info = select(window, qtbot, rows[2])
        assert f"Contract: ✗ invalid {name}: 1 violation" in info
        assert '  $: pattern: "bye" does not match "^hello .+$"' in info
        tree = window.message_view.tree_model  # the scalar's one row is the violating node
        qtbot.waitUntil(lambda: tree.rowCount() == 1, timeout=3000)
        assert tree.index(0, 0).data(Qt.ItemDataRole.BackgroundRole) == colour("violation.background")
        assert tree.index(0, 1).data(Qt.ItemDataRole.ForegroundRole) == colour("tree.violation")
        assert f"Contract: ✓ valid {name}" in select(window, qtbot, rows[0])
        assert tree.index(0, 0).data(Qt.ItemDataRole.BackgroundRole) is None


def test_hostile_messages_on_a_contracted_connection_leave_the_window_answering(qtbot) -> None:
    with shown_window(qtbot) as window:
        connection = open_contracted(window, qtbot, ASYNCAPI_3)
        deep = "[" * 100_000 + "]" * 100_000
        big = '"hello ' + "x" * (5 * 1024 * 1024) + '"'
        for message in (deep, big, b"\xff\xfe not UTF-8", '"hello after"'):
            window.session.inspector.submit_send(connection, message).result(10)
        checks = window.capture.checks

        def received() -> list[int]:
            store = window.store
            return [row for row in range(store.first, store.end) if store.connection(row) == connection
                    and store.directions[row] == Direction.RECEIVED and store.opcodes[row] in (Opcode.TEXT, Opcode.BINARY)]
        qtbot.waitUntil(lambda: len(received()) == 4 and checks.checked_until > received()[-1], timeout=20_000)
        window.show_new_rows()
        rows = received()
        assert [contract_cell(window, row) for row in rows] == ["—", "—", "—", "✓"]
        assert "Contract: — nested too deeply to check" in select(window, qtbot, rows[0])
        assert "Contract: — over 1 MiB, not checked" in select(window, qtbot, rows[1])
        assert "Contract: — binary, and no protocol reads it as a message" in select(window, qtbot, rows[2])
        sent = [row for row in rows_of(window, connection) if window.store.directions[row] == Direction.SENT]
        assert apply_filter(window, qtbot, "is:valid") == [sent[-1], rows[3]]  # sent and echoed
        apply_filter(window, qtbot, "")

        # A peer sending a text frame that is not UTF-8 to a contracted connection: closed with 1007, nothing
        # raised, nothing of it judged.
        with RawPeer(sends_then_drops(frame(0x1, b'"hello \xff\xfe"'))) as peer:
            hostile = window.session.connect(ConnectionOptions(peer.url, contract=ASYNCAPI_3))
            qtbot.waitUntil(lambda: window.connection_states.get(hostile) is not None
                            and window.connection_states[hostile].value in ("closed", "failed"), timeout=5000)
        qtbot.waitUntil(lambda: checks.caught_up, timeout=5000)
        closes = rows_of(window, hostile, Opcode.CLOSE)
        assert closes and "1007" in window.store.payloads[closes[0]]
        store = window.store
        assert {checks.mark(row) for row in range(store.first, store.end) if store.connection(row) == hostile} == {"—"}


def test_the_composer_checks_its_payload_against_the_contract_and_refuses_only_when_asked(qtbot) -> None:
    with shown_window(qtbot) as window:
        connection = open_contracted(window, qtbot, ASYNCAPI_3)
        window.select_connection(connection)
        composer = window.composer

        def sent() -> list[str]:
            return [window.store.payloads[row] for row in rows_of(window, connection)
                    if window.store.directions[row] == Direction.SENT]

        composer.set_text('"bye"')
        composer.request_send()
        qtbot.waitUntil(lambda: composer.error.text().startswith("Sent, but it violates"), timeout=5000)
        assert composer.error.text() == ("Sent, but it violates hello-asyncapi-3.0.yaml (sayHello): 1 violation\n"
                                         '  $: pattern: "bye" does not match "^hello .+$"')
        qtbot.waitUntil(lambda: sent() == ['"bye"'], timeout=5000)

        composer.refuse_invalid.setChecked(True)
        composer.set_text('"bye again"')
        composer.request_send()
        qtbot.waitUntil(lambda: composer.error.text().startswith("Not sent (refuse invalid is on)"), timeout=5000)
        composer.set_text('"hello there"')  # a valid payload still goes
        composer.request_send()
        qtbot.waitUntil(lambda: sent() == ['"bye"', '"hello there"'], timeout=5000)
        assert composer.error.text().startswith("Valid JSON")

    # "refuse invalid" is remembered.
    again = build(["--no-server"])
    qtbot.addWidget(again)
    try:
        assert again.composer.refuse_invalid.isChecked()
    finally:
        again.shutdown()


def marks_of(window: MainWindow, rows: list[int]) -> dict[str | bytes, list[str]]:
    """Each payload's marks, in row order."""
    found: dict[str | bytes, list[str]] = {}
    for row in rows:
        found.setdefault(window.store.payloads[row], []).append(window.capture.checks.mark(row))
    return found


def test_the_embedded_server_checks_its_connections_against_its_contract(qtbot) -> None:
    with shown_window(qtbot) as window:
        panel = window.server_panel
        panel.attach_contract(BROKEN)  # refused with its place; nothing attached
        qtbot.waitUntil(lambda: "Contract not attached" in window.notices.label.text(), timeout=5000)
        assert "$.operations.shout.action" in window.notices.label.text() and panel.contract == ""
        panel.attach_contract(ASYNCAPI_3)
        qtbot.waitUntil(lambda: panel.contract == ASYNCAPI_3, timeout=5000)
        assert panel.contract_label.text() == "Contract: hello-asyncapi-3.0.yaml (AsyncAPI 3.0.0)"

        url = f"ws://127.0.0.1:{window.session.server_address.port}/ws/echo"
        client = window.session.connect(ConnectionOptions(url))  # no contract of its own
        qtbot.waitUntil(lambda: window.connection_states.get(client) is not None
                        and window.connection_states[client].value == "open", timeout=5000)
        for message in ('"hello world"', '"bye"'):
            window.session.inspector.submit_send(client, message).result(5)
        checks = window.capture.checks

        def server_rows() -> list[int]:
            store = window.store
            return [row for row in range(store.first, store.end) if store.opcodes[row] == Opcode.TEXT
                    and store.connection(row).startswith("server#") and store.payloads[row] in ('"hello world"', '"bye"')]
        qtbot.waitUntil(lambda: len(server_rows()) == 4 and checks.checked_until > max(server_rows()), timeout=5000)
        assert marks_of(window, server_rows()) == {'"hello world"': ["✓", "✓"], '"bye"': ["✗", "✗"]}
        assert all(checks.mark(row) == "—" for row in rows_of(window, client))  # the inspector's side has none


def test_a_url_pattern_gives_a_connection_its_contract_unless_its_options_name_one(qtbot) -> None:
    with shown_window(qtbot) as window:
        dialog = window.contract_sources.show_preferences()
        dialog.patterns.add_row("ws://127.0.0.1:*/ws/echo*", ASYNCAPI_3)
        dialog.accept()
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=2000)
        again = window.contract_sources.show_preferences()  # remembered
        assert again.patterns.pairs() == (("ws://127.0.0.1:*/ws/echo*", ASYNCAPI_3),)
        again.reject()

        by_pattern = open_contracted(window, qtbot, "")
        by_options = open_contracted(window, qtbot, ASYNCAPI_2)
        elsewhere = open_contracted(window, qtbot, "", "/ws")
        for connection in (by_pattern, by_options):
            window.session.inspector.submit_send(connection, '"hello world"').result(5)
        checks = window.capture.checks
        qtbot.waitUntil(lambda: all(rows_of(window, connection) and checks.checked_until > max(rows_of(window, connection))
                                    for connection in (by_pattern, by_options, elsewhere)), timeout=5000)
        assert {checks.message_name(row) for row in rows_of(window, by_pattern)} == {"sayHello"}
        assert {checks.message_name(row) for row in rows_of(window, by_options)} == {"hello"}
        assert {checks.mark(row) for row in rows_of(window, elsewhere)} == {"—"}
        window.select_connection(by_pattern)  # the composer checks against the pattern's contract too
        window.composer.set_text('"bye"')
        window.composer.request_send()
        qtbot.waitUntil(lambda: window.composer.error.text().startswith(
            "Sent, but it violates hello-asyncapi-3.0.yaml (sayHello)"), timeout=5000)


def test_an_asyncapi_documents_examples_land_in_the_library_and_its_servers_in_the_url_bar(window, qtbot) -> None:
    dialog = ConnectionDialog(ConnectionOptions("ws://127.0.0.1:9/ws/echo"), window)
    dialog.attach_contract(ASYNCAPI_3)
    qtbot.waitUntil(lambda: "AsyncAPI" in dialog.contract_label.text(), timeout=5000)
    saved = {entry.name: entry.payload for entry in window.payload_tools.store.saved_payloads()}
    assert saved["sayHello: hello world"] == '"hello world"'
    library = window.payload_tools.library
    assert any("sayHello: hello world" in str(library.table.model().index(row, 0).data())
               for row in range(library.table.model().rowCount()))
    assert window.contract_sources.url_servers.stringList() == ["ws://localhost:8765/ws/echo"]
    completer = window.url_edit.completer()
    completer.setCompletionPrefix("ws://local")
    assert completer.currentCompletion() == "ws://localhost:8765/ws/echo"
    dialog.reject()
    dialog.deleteLater()


def test_a_window_shut_down_takes_no_more_contracts(qtbot) -> None:
    first = build(["--no-server"])
    qtbot.addWidget(first)
    first.shutdown()  # its Library's file is closed; the window itself lives on until the test ends
    with shown_window(qtbot, "--no-server") as second, qtbot.captureExceptions() as exceptions:
        dialog = ConnectionDialog(ConnectionOptions("ws://127.0.0.1:9/ws/echo"), second)
        dialog.attach_contract(ASYNCAPI_2)
        qtbot.waitUntil(lambda: second.contract_sources.url_servers.stringList() == ["ws://localhost:8765"],
                        timeout=5000)
        dialog.deleteLater()
    assert not exceptions
    assert first.contract_sources.url_servers.stringList() == []


def test_a_json_schema_contract_is_named_once_in_the_composers_verdict(qtbot, tmp_path: Path) -> None:
    """A JSON Schema has no message names: the file is its message, so the verdict does not say it twice."""
    schema = tmp_path / "price.schema.json"
    schema.write_text('{"type": "object", "properties": {"price": {"type": "number", "maximum": 14}}}',
                      encoding="utf-8")
    with shown_window(qtbot) as window:
        window.select_connection(open_contracted(window, qtbot, str(schema)))
        composer = window.composer
        composer.set_text('{"price": 20}')
        composer.request_send()
        qtbot.waitUntil(lambda: composer.error.text().startswith("Sent, but it violates"), timeout=5000)
        assert composer.error.text() == ("Sent, but it violates price.schema.json: 1 violation\n"
                                         "  $.price: maximum: 20 is greater than the maximum of 14")


def test_preferences_choose_a_patterns_file_and_refuse_a_row_without_one(window: MainWindow, qtbot) -> None:
    """The contract file is picked with a file dialog; a half-filled row is named, not silently dropped."""
    dialog = window.contract_sources.show_preferences()
    qtbot.waitExposed(dialog)
    assert dialog.choose_button.width() < dialog.patterns.width() // 2  # a button under the table, not a bar
    dialog.patterns.add_row("ws://127.0.0.1:*/ws/echo*", "")
    dialog.choose_button.click()
    chooser = dialog.file_dialog
    assert chooser is not None and chooser.isVisible()
    chooser.selectFile(ASYNCAPI_3)
    chooser.accept()
    assert dialog.patterns.pairs() == (("ws://127.0.0.1:*/ws/echo*", ASYNCAPI_3),)

    dialog.patterns.add_row("ws://127.0.0.1:*/ws/chat*", "")
    dialog.accept()
    assert dialog.isVisible()  # nothing saved, nothing lost
    assert dialog.problem.text() == "Row 2 has no contract file: choose one (Contract file…) or remove the row"
    missing = str(Path(ASYNCAPI_3).with_name("missing.yaml"))
    dialog.patterns.table.item(1, 1).setText(missing)
    dialog.accept()
    assert dialog.isVisible() and dialog.problem.text() == f"Row 2: no file at {missing}"
    dialog.patterns.table.item(1, 1).setText(ASYNCAPI_2)
    dialog.accept()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=2000)
    again = window.contract_sources.show_preferences()
    assert [pattern for pattern, _file in again.patterns.pairs()] == ["ws://127.0.0.1:*/ws/echo*",
                                                                       "ws://127.0.0.1:*/ws/chat*"]
    again.reject()
