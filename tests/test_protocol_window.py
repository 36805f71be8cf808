"""Protocols in the window: JSON-RPC against the embedded server's /ws/rpc, paired and timed."""

from __future__ import annotations

import json
import re

from PySide6.QtCore import QPoint, Qt

from app.core.frames import Direction
from app.net.options import ConnectionOptions
from tests.helpers import open_typed, shown_window


def rows_of(window, connection: str) -> list[int]:
    store = window.store
    return [row for row in range(store.first, store.end) if store.connection(row) == connection]


def apply_filter(window, qtbot, text: str) -> None:
    window.filter_bar.edit.setText(text)
    with qtbot.waitSignal(window.filter_bar.applied, timeout=5000):
        window.filter_bar.apply()


def shown_rows(window) -> list[int]:
    return [window.view.store_row(position) for position in range(window.log_model.rowCount())]


def test_jsonrpc_replies_are_paired_timed_filtered_and_linked(qtbot) -> None:
    with shown_window(qtbot, wait_open=True) as window:
        url = f"ws://127.0.0.1:{window.session.server_address.port}/ws/rpc"
        connection = window.session.connect(ConnectionOptions(url, subprotocols=("jsonrpc",)))
        qtbot.waitUntil(lambda: window.connection_states.get(connection) is not None
                        and window.connection_states[connection].value == "open", timeout=5000)
        for message in ({"jsonrpc": "2.0", "method": "slow", "params": [150], "id": 1},
                        {"jsonrpc": "2.0", "method": "add", "params": [2, 3], "id": 2},
                        {"jsonrpc": "2.0", "method": "nothing.answers.this.one", "id": 3},
                        {"jsonrpc": "2.0", "method": "slow", "params": [10_000], "id": 4}):
            window.session.inspector.submit_send(connection, json.dumps(message)).result(5)

        def received() -> list[int]:
            return [row for row in rows_of(window, connection) if window.store.directions[row] == Direction.RECEIVED]
        qtbot.waitUntil(lambda: len(received()) == 3 and window.capture.protocols.caught_up, timeout=5000)
        protocols = window.capture.protocols
        assert protocols.protocol_of(connection) is not None
        sent = [row for row in rows_of(window, connection) if window.store.directions[row] == Direction.SENT]
        slow_request, slow_reply = sent[0], protocols.partner(sent[0])
        assert slow_reply is not None and protocols.partner(slow_reply) == slow_request
        latency = protocols.latency(slow_reply)
        assert latency is not None and 150 <= latency < 1500

        # messageInfo says it, with the request's number as its own heading shows it, and links to it.
        view = window.log_pane.view
        window.log_view.selectRow(view.positions([slow_reply])[slow_reply])
        info = window.message_view.info
        qtbot.waitUntil(lambda: "reply to #" in info.text(), timeout=3000)
        match = re.search(r"reply to #(\d+) · (\d+\.\d) ms", info.text())
        assert match is not None and int(match.group(1)) == slow_request + 1
        assert abs(float(match.group(2)) - latency) < 0.1
        line = info.text().split("\n")
        assert line[1].startswith("reply to #")
        heading_height = info.fontMetrics().boundingRect(info.contentsRect().adjusted(0, 0, 0, 100_000),
                                                         int(Qt.TextFlag.TextWordWrap), line[0]).height()
        qtbot.mouseClick(info, Qt.MouseButton.LeftButton, pos=QPoint(10, info.contentsRect().top() + heading_height + 3))
        qtbot.waitUntil(lambda: window.shown_row == slow_request, timeout=3000)
        assert info.text().split("\n")[0].startswith(f"#{slow_request + 1} · ")
        assert re.search(r"replied by #\d+ · \d+\.\d ms", info.text())
        qtbot.keyClick(window, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)  # and back
        qtbot.waitUntil(lambda: window.shown_row == slow_reply, timeout=3000)

        # The Connections panel names the protocol and sums up the latencies.
        panel_model = window.connections_panel.model
        position = panel_model.position(connection)
        qtbot.waitUntil(lambda: panel_model.rows[position].latency != "—", timeout=3000)
        assert panel_model.rows[position].protocol == "JSON-RPC 2.0"
        assert re.fullmatch(r"3 · p50 [\d.]+ · p95 [\d.]+ · max [\d.]+ ms", panel_model.rows[position].latency)

        # The filter terms.
        apply_filter(window, qtbot, f"conn:{connection} is:reply")
        assert len(shown_rows(window)) == 3
        apply_filter(window, qtbot, f"conn:{connection} latency>100")
        assert sorted(shown_rows(window)) == sorted([slow_request, slow_reply])
        apply_filter(window, qtbot, f"conn:{connection} is:pending")
        assert shown_rows(window) == [sent[3]]  # slow(10 s) has not answered yet
        protocols.unanswered_after = 0.5  # then the 10 s call counts as unanswered
        qtbot.waitUntil(lambda: protocols.is_unanswered(sent[3]), timeout=3000)
        apply_filter(window, qtbot, f"conn:{connection} is:unanswered")
        assert shown_rows(window) == [sent[3]]
        apply_filter(window, qtbot, f"conn:{connection} is:pending")
        assert shown_rows(window) == []
        protocols.unanswered_after = 30.0
        apply_filter(window, qtbot, f"conn:{connection} event:add")
        assert shown_rows(window) == [sent[1]]
        apply_filter(window, qtbot, "event:add")  # the embedded server's side of it was decoded too
        assert sorted(window.store.connection(row)[:7] for row in shown_rows(window)) == ["client#", "server#"]
        apply_filter(window, qtbot, f"conn:{connection} proto:jsonrpc -is:request -op:open")
        assert len(shown_rows(window)) == 3
        apply_filter(window, qtbot, f"conn:{connection} proto:raw")
        assert shown_rows(window) == []
        # The summary starts with the method.
        apply_filter(window, qtbot, f"conn:{connection} event:slow")
        summary = window.log_model.index(0, 5).data()
        assert summary.startswith("slow · ")

        # A Latency column from the header's menu, sortable.
        apply_filter(window, qtbot, f"conn:{connection} dir:received")
        menu = window.log_columns.menu(0)
        [action] = [a for a in menu.actions() if a.objectName() == "addLatencyColumn"]
        assert action.isEnabled()
        action.trigger()
        column = window.log_model.columnCount() - 1
        assert window.log_model.headerData(column, Qt.Orientation.Horizontal) == "Latency (ms)"
        assert not [a for a in window.log_columns.menu(0).actions() if a.objectName() == "addLatencyColumn"][0].isEnabled()
        window.log_view.sortByColumn(column, Qt.SortOrder.DescendingOrder)
        qtbot.waitUntil(lambda: window.log_columns.status.text().startswith("Sorted by"), timeout=3000)
        assert window.view.store_row(0) == slow_reply
        assert window.log_model.index(0, column).data() == f"{latency:,.1f}"

        # The user's choice in the options wins: read raw, nothing is paired.
        raw = window.session.connect(ConnectionOptions(url, subprotocols=("jsonrpc",), protocol="raw"))
        qtbot.waitUntil(lambda: window.connection_states.get(raw) is not None
                        and window.connection_states[raw].value == "open", timeout=5000)
        window.session.inspector.submit_send(raw, json.dumps({"jsonrpc": "2.0", "method": "add", "params": [1, 1],
                                                              "id": 1})).result(5)
        qtbot.waitUntil(lambda: len(rows_of(window, raw)) >= 3 and window.capture.protocols.caught_up, timeout=5000)
        assert window.capture.protocols.protocol_of(raw) is None
        assert all(window.capture.protocols.partner(row) is None for row in rows_of(window, raw))


def test_protocol_terms_say_what_they_take(qtbot) -> None:
    with shown_window(qtbot, "--no-server") as window:
        window.filter_bar.edit.setText("is:sleepy")
        window.filter_bar.apply()
        assert "is: takes heartbeat, request, reply, pending, unanswered" in window.filter_bar.error
        window.filter_bar.edit.setText("proto:carrier-pigeon")
        window.filter_bar.apply()
        assert "proto: takes jsonrpc" in window.filter_bar.error
        window.filter_bar.edit.setText("latency")  # the plain word is still a word
        window.filter_bar.apply()
        assert window.filter_bar.error is None


def test_the_composer_emits_a_socketio_event_and_its_ack_pairs(qtbot) -> None:
    from app.ui.compose.composer import EVENT

    with shown_window(qtbot, wait_open=True) as window:
        connection = open_typed(window, qtbot, "/socket.io/?EIO=4&transport=websocket")
        composer = window.composer
        composer.set_folded(False)  # it starts folded (Ctrl+E)
        composer.mode_combo.setCurrentIndex(composer.mode_combo.findData(EVENT))
        assert composer.event_row.isVisibleTo(composer)
        composer.set_text('{"text": "hi"}')  # JSON text stays: the mode is JSON too
        assert composer.validate() is None  # no event name yet
        assert "event's name" in composer.error.text()
        composer.event_name.setText("chat")
        composer.expect_ack.setChecked(True)
        assert composer.validate() is not None and "“chat”" in composer.error.text()
        composer.request_send()

        def sent_event() -> list[int]:
            store = window.store
            return [row for row in range(store.first, store.end) if store.connection(row) == connection
                    and store.directions[row] == Direction.SENT and str(store.payloads[row]).startswith("420[")]
        qtbot.waitUntil(lambda: len(sent_event()) == 1
                        and window.capture.protocols.partner(sent_event()[0]) is not None, timeout=5000)
        row = sent_event()[0]
        assert window.store.payloads[row] == '420["chat",{"text": "hi"}]'
        # Selected, the tree shows the event inside the frame, the Wire tab the frame as it came.
        window.log_view.selectRow(window.view.positions([row])[row])
        view = window.message_view
        qtbot.waitUntil(lambda: view.tabs.tabText(view.tabs.indexOf(view.raw)) == "Wire", timeout=3000)
        assert "Socket.IO event “chat”" in view.info.text()
        model = view.tree_model
        assert [model.index(r, 0).data() for r in range(model.rowCount())] == ["event", "args", "namespace", "ack"]
        ack = window.capture.protocols.partner(row)
        assert str(window.store.payloads[ack]).startswith("430[")
        assert window.log_model.index(window.view.positions([row])[row], 5).data().startswith("chat · ")


def test_a_binary_events_attachments_show_in_the_tree(qtbot) -> None:
    from app.core.frames import Frame, Opcode, Side

    with shown_window(qtbot, "--no-server") as window:
        opened = json.dumps({"url": "ws://127.0.0.1:1/socket.io/?EIO=4&transport=websocket"})
        window.ingest([Frame("client#1", Side.CLIENT, Direction.EVENT, Opcode.OPEN, opened, 0, 1.0),
                       Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT,
                             '451-["upload",{"_placeholder":true,"num":0}]', wall_time=1.1),
                       Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.BINARY, b"\x01\x02", wall_time=1.2)])
        window.show_new_rows()
        qtbot.waitUntil(lambda: window.capture.protocols.caught_up and window.log_model.rowCount() == 3, timeout=3000)
        window.log_view.selectRow(1)
        view = window.message_view
        qtbot.waitUntil(lambda: view.tree_model.rowCount() == 5, timeout=3000)  # event, args, namespace, ack, attachments
        model = view.tree_model
        args = next(model.index(r, 0) for r in range(5) if model.index(r, 0).data() == "args")
        if model.canFetchMore(args):
            model.fetchMore(args)
        first = model.index(0, 0, args)
        if model.canFetchMore(first):
            model.fetchMore(first)
        assert model.index(0, 0, first).data() == "$bytes" and model.index(0, 1, first).data() == '"AQI="'
