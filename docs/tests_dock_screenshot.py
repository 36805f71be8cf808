"""Regenerate docs/tests-dock.png: a scenario running in the Tests dock, five steps passed and the sixth
waiting, the message that satisfied step 3 selected in the log.

Run it under an X server (for example Xvfb): `DISPLAY=:99 python docs/tests_dock_screenshot.py`.
"""

from __future__ import annotations

import os
import tempfile
import textwrap
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "xcb")  # before the kit: it would choose offscreen

from screenshot_kit import grab_screen, open_x_window, pump, require_x_server, settle  # noqa: E402

from app.ui.scenarios.tests_dock import RUNNING  # noqa: E402

# The embedded server greets, echoes, and says it is online every 30 s: the last expect waits for that.
SCENARIO = """\
    name: greeting, echo and status
    url: {url}
    steps:
      - expect: "$.username == 'Alice' $.is_active == true"
      - send: {{"action": "subscribe", "topic": "news"}}
      - expect: "$.status == 'received' $.echo.topic == 'news'"
      - send: {{"action": "ping", "n": 2}}
      - expect: "$.echo.action == 'ping' $.echo.n is number"
      - expect: "$.status == 'online' $.last_seen =~ /\\\\d{{4}}-/"
        within: 45s
      - close: {{code: 1000}}
"""


def main() -> None:
    require_x_server("tests_dock_screenshot.py")
    from PySide6.QtWidgets import QDockWidget

    app, window, server = open_x_window("--status-delay", "30", "--theme", "light")
    path = Path(tempfile.mkdtemp(prefix="socketscope-tests-")) / "greeting.wstest.yaml"
    path.write_text(textwrap.dedent(SCENARIO).format(url=server.ws_url("/ws")), encoding="utf-8")
    dock = window.findChild(QDockWidget, "testsDock")
    assert dock is not None
    window.dock_layout.reveal(dock)
    panel = window.tests_panel
    panel.load(str(path))
    pump(app, lambda: panel.steps.topLevelItemCount() == 7)
    panel.run_button.click()

    def result(step: int) -> str:
        item = panel.steps.topLevelItem(step)  # the run lays its steps out afresh
        return item.text(2) if item is not None else ""

    pump(app, lambda: result(5) == RUNNING, timeout=10)
    matched = panel.steps.topLevelItem(2)
    assert matched is not None
    panel.steps.setCurrentItem(matched)
    panel.steps.itemClicked.emit(matched, 3)  # as a click on its message: the log selects that row
    pump(app, lambda: window.message_view.tree_model.rowCount() > 0)
    window.message_view.tree.expandAll()
    settle(app)
    grab_screen(window, "tests-dock.png")
    panel.stop_button.click()
    pump(app, panel.run_button.isEnabled)  # the run has ended
    window.shutdown()


if __name__ == "__main__":
    main()
