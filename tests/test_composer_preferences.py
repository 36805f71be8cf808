"""The composer's draft and repeat settings come back after a restart; its shortcuts work from
anywhere in the composer (send) or the window (format)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.core.frames import ConnectionState, Direction, Opcode
from app.main import build
from app.ui.compose.composer import EXAMPLE
from app.ui.shell.window_settings import DRAFT_LIMIT


def test_the_draft_its_mode_and_the_repeat_settings_survive_a_restart(qtbot) -> None:
    first = build(["--no-server"])
    qtbot.addWidget(first)
    assert first.composer.text() == EXAMPLE  # the very first run shows the example
    first.composer.mode_combo.setCurrentIndex(first.composer.mode_combo.findData("hex"))
    first.composer.set_text("de ad\nbe ef")
    first.composer.repeat_count.setValue(3)
    first.composer.repeat_interval.setValue(250)
    first.shutdown()

    second = build(["--no-server"])
    qtbot.addWidget(second)
    try:
        composer = second.composer
        assert (composer.mode, composer.text()) == ("hex", "de ad\nbe ef")
        assert composer.mode_combo.currentData() == "hex"
        assert composer.error.text() == "Valid hex: 4 bytes, sent as a binary frame"
        assert (composer.repeat_count.value(), composer.repeat_interval.value()) == (3, 250)
        composer.mode_combo.setCurrentIndex(composer.mode_combo.findData("text"))
        composer.set_text("x" * (DRAFT_LIMIT + 1))  # too big for the settings file: not kept, nor a stale one
    finally:
        second.shutdown()

    third = build(["--no-server"])
    qtbot.addWidget(third)
    try:
        assert third.composer.text() == EXAMPLE
    finally:
        third.shutdown()


def test_ctrl_enter_sends_from_any_composer_control_and_ctrl_shift_f_formats_from_the_log(qtbot) -> None:
    window = build(["--port", "0", "--status-delay", "60"])
    qtbot.addWidget(window)
    window.show()
    try:
        qtbot.waitUntil(lambda: window.connection_states.get("client#1") == ConnectionState.OPEN, timeout=5000)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=2000)
        composer = window.composer
        composer.set_text('{"from": "the repeat count"}')
        composer.repeat_count.setFocus()
        qtbot.keyClick(composer.repeat_count, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyRelease(composer.repeat_count, Qt.Key.Key_Control)
        qtbot.waitUntil(lambda: '{"from": "the repeat count"}' in [
            window.store.payloads[r] for r in range(len(window.store))
            if window.store.connection(r) == "client#1" and window.store.directions[r] == Direction.SENT
            and window.store.opcodes[r] == Opcode.TEXT], timeout=3000)

        composer.set_text('{"a":[1,2]}')
        window.log_view.setFocus()
        qtbot.keyClick(window.log_view, Qt.Key.Key_F,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        qtbot.keyRelease(window.log_view, Qt.Key.Key_Shift)
        qtbot.keyRelease(window.log_view, Qt.Key.Key_Control)
        assert composer.text() == '{\n  "a": [\n    1,\n    2\n  ]\n}'
        assert window.log_view.hasFocus()  # formatting did not steal the focus
    finally:
        window.shutdown()
