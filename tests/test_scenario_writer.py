"""Save as test: a recorded conversation written as a scenario, pinned where stable, typed where volatile."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from PySide6.QtWidgets import QFileDialog

from app.core.capture import CaptureStore
from app.core.filters import compile_filter
from app.core.frames import Direction, Frame, Opcode, Side
from app.core.scenario_writer import ScenarioWriteError, expectation, write_scenario
from app.core.scenarios import Expect, Send, parse_scenario
from app.ui.scenarios.save_test import default_test_name
from app.ui.shell.main_window import MainWindow
from tests.helpers import CORPUS, shown_window
from tests.test_capture_commands import run


def sent(value: Any, connection: str = "client#1") -> Frame:
    return Frame(connection, Side.CLIENT, Direction.SENT, Opcode.TEXT, json.dumps(value))


def received(value: Any, wall_time: float = 0.0) -> Frame:
    return Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, json.dumps(value),
                 wall_time=wall_time or 1.0)


def matches(expression: str, value: Any) -> bool:
    store = CaptureStore()
    store.extend([Frame("c", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, json.dumps(value))])
    predicate = compile_filter(expression)
    assert predicate is not None
    return predicate(store, 0)


TICKS = [{"type": "tick", "seq": 1, "at": "2026-12-06T16:00:00.123Z", "id": "0c9f4d4e-3b8e-4bb5-9d3e-1f2a3b4c5d6e"},
         {"type": "tick", "seq": 2, "at": "2026-12-06T16:00:01.456Z", "id": "7d7e0a52-4a4c-4c31-a1e0-9f8e7d6c5b4a"}]


def test_sends_become_send_steps_and_replies_expects_that_type_check_timestamps_uuids_and_counters() -> None:
    frames = [Frame("client#1", Side.CLIENT, Direction.EVENT, Opcode.OPEN, '{"url": "ws://127.0.0.1:1/ws"}'),
              received({"hello": "Alice", "count": 3}), sent({"subscribe": "ticks"}), received(TICKS[0]),
              received(TICKS[1]), Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.BINARY, b"\x00"),
              Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT,
                    "not json"),
              Frame("client#1", Side.CLIENT, Direction.SENT, Opcode.CLOSE, '{"code": 1000, "reason": "", "by": "client"}')]
    written = write_scenario(frames, "ws://127.0.0.1:1/ws", "ticks")
    assert (written.sends, written.expects, written.skipped) == (1, 3, 2)
    document = yaml.safe_load(written.text)
    assert document["name"] == "ticks" and document["url"] == "ws://127.0.0.1:1/ws"
    assert document["steps"][0] == {"expect": "$.hello == 'Alice' $.count == 3"}  # alone of its shape: pinned
    assert document["steps"][1] == {"send": '{"subscribe": "ticks"}'}
    tick = document["steps"][2]["expect"]
    assert tick.startswith("$.type == 'tick' $.seq is number $.at =~ /")
    assert "$.id =~ /[0-9a-fA-F]{8}-" in tick
    assert document["steps"][-1] == {"close": {"code": 1000}}
    scenario = parse_scenario(written.text, Path("ticks.wstest.yaml"))  # the format's own reader takes it
    assert [type(step).__name__ for step in scenario.steps] == ["Expect", "Send", "Expect", "Expect", "Close"]
    later = {**TICKS[1], "seq": 99, "at": "2027-01-01T00:00:00Z", "id": "11111111-2222-3333-4444-555555555555"}
    assert all(matches(tick, value) for value in (*TICKS, later))


def test_a_changed_stable_value_fails_the_expect_but_changed_volatile_ones_do_not() -> None:
    value: dict[str, Any] = {"status": "received", "echo": {"id": "0c9f4d4e-3b8e-4bb5-9d3e-1f2a3b4c5d6e", "n": 1, "ok": True,
                                            "tags": [], "note": None, "price": 1.5}}
    expression = expectation(value, frozenset({("echo", "n")}))
    assert matches(expression, value)
    assert matches(expression, {**value, "echo": {**value["echo"], "n": 7, "id": "7d7e0a52-4a4c-4c31-a1e0-9f8e7d6c5b4a"}})
    changes: list[dict[str, Any]] = [{"status": "refused"}, {"echo": {**value["echo"], "ok": False}},
                    {"echo": {**value["echo"], "price": 2.5}}, {"echo": {**value["echo"], "note": 0}},
                    {"echo": {**value["echo"], "n": "1"}}, {"echo": {**value["echo"], "tags": {}}}]
    for changed in changes:
        assert not matches(expression, {**value, **changed}), changed


@pytest.mark.parametrize("value", [
    {"it's": "a \"quoted\" 'word'", "a b": ["x\ny", "\\", "\u00e9\u4e2d\U0001f600", "\t"]},
    {"$": 1, "1": [True, None, -0.5, 12345678901234567890], "": "empty key"},
    [1, [2, [3]], {}],
    "just a string", 42, None,
])
def test_every_expect_written_matches_the_message_it_was_written_from(value: Any) -> None:
    expression = expectation(value)
    assert matches(expression, value), expression


def test_rows_of_several_connections_or_nothing_usable_are_refused() -> None:
    with pytest.raises(ScenarioWriteError, match="one connection's messages; the rows are from client#1, client#2"):
        write_scenario([sent(1), sent(2, "client#2")], "ws://x", "t")
    with pytest.raises(ScenarioWriteError, match="none of the rows"):
        write_scenario([Frame("client#1", Side.CLIENT, Direction.SENT, Opcode.TEXT, '{"a": "{{uuid}}"}')], "ws://x", "t")


def test_save_as_test_reproduces_the_conversation_and_the_test_passes_against_the_same_server(
        qtbot, tmp_path: Path) -> None:
    window: MainWindow
    with shown_window(qtbot, "--status-delay", "0.2", wait_open=True) as window:
        qtbot.waitUntil(lambda: any("online" in str(window.store.payloads[r]) for r in range(len(window.store))),
                        timeout=5000)
        for _ in range(2):  # the composer expands the templates: two echoes that differ in id, at and n
            window.composer.editor.setPlainText('{"action": "ping", "id": "{{uuid}}", "at": "{{now}}", "n": {{seq}}}')
            count = len(window.store)
            window.composer.send_button.click()
            qtbot.waitUntil(lambda: len(window.store) >= count + 4, timeout=5000)  # sent and echoed, both sides
        dialog = save_rows_as_test(window, qtbot, "client#1")
        assert dialog is not None and dialog.isVisible()
        path = tmp_path / "ping"
        with qtbot.waitSignal(window.test_saver.saved, timeout=5000):
            dialog.selectFile(str(path))
            dialog.accept()
        path = tmp_path / "ping.wstest.yaml"  # the suffix added
        assert window.notice_label.text() == "Saved test ping.wstest.yaml: 2 sends, 4 expects"

        scenario = parse_scenario(path.read_text(encoding="utf-8"), path)
        assert scenario.url == window.session.server_address.ws_url("/ws")
        kinds = [type(step).__name__ for step in scenario.steps]
        assert kinds == ["Expect", "Expect", "Send", "Expect", "Send", "Expect"]
        greeting = scenario.steps[0]
        assert isinstance(greeting, Expect)
        assert greeting.expression == "$.username == 'Alice' $.id == 123 $.is_active == true"
        assert isinstance(scenario.steps[2], Send) and '"action": "ping"' in scenario.steps[2].template
        echo = scenario.steps[3]
        assert isinstance(echo, Expect)
        assert "$.echo.n is number" in echo.expression and "$.echo.id =~ /" in echo.expression

        done = run("test", str(path))  # against the window's own embedded server, still running
        assert done.returncode == 0, done.stdout + done.stderr
        assert "1 of 1 scenarios passed (6 of 6 steps)" in done.stdout

        save_rows_as_test(window, qtbot, "server#1")
        assert window.notice_label.text() == ("Not saved as a test: server#1 is the embedded server's side; "
                                              "select the rows of the client's connection (client#N)")

        path.write_text(path.read_text(encoding="utf-8").replace("$.id == 123", "$.id == 124"), encoding="utf-8")
        done = run("test", str(path))
        assert done.returncode == 1 and "$.id == 124" in done.stdout


def save_rows_as_test(window: MainWindow, qtbot, connection: str) -> QFileDialog | None:
    """Show only `connection`'s rows, select them all and choose Log → Save as test… (its dialog, if it asks)."""
    window.filter_bar.edit.setText(f"conn:{connection}")
    with qtbot.waitSignal(window.filter_bar.applied, timeout=3000):
        window.filter_bar.apply()
    window.log_view.selectAll()
    window.log_actions.save_test.trigger()
    return window.test_saver.file_dialog


def test_rows_of_two_connections_are_refused_naming_them(qtbot) -> None:
    """Both sides of a conversation selected: the notice says which connections, not a bare count."""
    with shown_window(qtbot, wait_open=True) as window:
        qtbot.waitUntil(lambda: window.log_model.rowCount() >= 4, timeout=5000)  # both sides' open and greeting
        window.log_view.selectAll()
        window.log_actions.save_test.trigger()
        assert window.test_saver.file_dialog is None
        assert window.notice_label.text() == ("Not saved as a test: the rows selected are of 2 connections "
                                              "(client#1, server#1); select the rows of one connection")


def test_a_saved_test_is_named_after_its_urls_path_not_client(qtbot) -> None:
    """Every test saved from client#N was called "client": the file and the test are named after the endpoint."""
    with shown_window(qtbot, wait_open=True) as window:
        qtbot.waitUntil(lambda: window.log_model.rowCount() >= 4, timeout=5000)  # both sides' open and greeting
        dialog = save_rows_as_test(window, qtbot, "client#1")
        assert dialog is not None
        assert [Path(path).name for path in dialog.selectedFiles()] == ["ws.wstest.yaml"]
        dialog.reject()


@pytest.mark.parametrize(("url", "name"), [("ws://127.0.0.1:8765/ws/echo", "ws-echo"),
                                           ("wss://example.test/socket.io/?EIO=4", "socket.io"),
                                           ("ws://127.0.0.1:9000/", "127.0.0.1-9000"),
                                           ("ws://127.0.0.1:9000/a b/ü", "a-b-ü")])
def test_a_tests_default_name_comes_from_its_url(url: str, name: str) -> None:
    assert default_test_name(url) == name


def test_replies_of_half_a_million_values_are_written_in_bounded_time() -> None:
    """Only the first values of each reply are looked at: what an expect checks, and its counters."""
    replies = [received([{"a": n, "b": "x"} for n in range(250_000)], float(at)) for at in range(2)]
    started = time.monotonic()
    written = write_scenario(replies, "ws://127.0.0.1:1/", "wide")
    assert time.monotonic() - started < 1.5
    assert written.expects == 2 and "$[0].a == 0 $[0].b == 'x' $[1].a == 1" in written.text


def test_every_corpus_file_sent_and_received_makes_a_scenario_that_reads_back(tmp_path: Path) -> None:
    for file in sorted(CORPUS.iterdir()):
        try:
            payload: str | bytes = file.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            payload = file.read_bytes()
        frames = [Frame("client#1", Side.CLIENT, direction, Opcode.TEXT if isinstance(payload, str) else Opcode.BINARY,
                        payload) for direction in (Direction.SENT, Direction.RECEIVED)]
        try:
            written = write_scenario(frames, "ws://127.0.0.1:1/", file.name)
        except ScenarioWriteError:
            continue  # neither is a JSON message: nothing to write, and the reason said
        parse_scenario(written.text, tmp_path / "corpus.wstest.yaml", environ={})
