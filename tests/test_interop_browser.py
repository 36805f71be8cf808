"""A real browser (headless Chromium) on the embedded server's test page, where Chromium is installed.

CI's `.ci/run` installs Debian's `chromium`; elsewhere the test is skipped where it is missing.
docs/interop.md gives the manual check.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import urllib.parse

import pytest

from app.core.frames import Direction, Opcode
from app.main import build

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SENT = '{"text": "hello from chromium ✓"}'


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (see docs/interop.md)")
def test_browser_page_chats_through_the_embedded_server(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    window = build(["--port", "0", "--status-delay", "60"])
    qtbot.addWidget(window)
    try:
        qtbot.waitUntil(lambda: window.state_label.text() == "Open", timeout=5000)
        page = (window.session.server_address.http_url + "/?connect=/ws/chat&send=" + urllib.parse.quote(SENT))
        browser = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path}", "--virtual-time-budget=4000", "--dump-dom", page],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        try:
            qtbot.waitUntil(lambda: browser.poll() is not None, timeout=40000)
            dom = browser.stdout.read() if browser.stdout else ""
        finally:
            if browser.poll() is None:
                browser.kill()
                browser.wait(5)
        store = window.store
        qtbot.waitUntil(lambda: any(c.path == "/ws/chat" and c.state.startswith("closed")
                                    for c in window.server_panel.model.clients), timeout=5000)
        chat = next(c for c in window.server_panel.model.clients if c.path == "/ws/chat")
        assert chat.origin == window.session.server_address.http_url  # a browser, from the server's own page
        received = [(store.payloads[r], store.sizes[r]) for r in store.rows() if store.connection(r) == chat.id
                    and store.directions[r] == Direction.RECEIVED and store.opcodes[r] == Opcode.TEXT]
        assert received == [(SENT, len(SENT.encode()))]  # the text the browser sent, its UTF-8 size
        # The page shows the room's broadcast of it (pretty-printed or not: only white space may differ).
        assert "hello from chromium" in dom and re.search(r'"event"\s*:\s*"message"', dom), dom
    finally:
        window.shutdown()
