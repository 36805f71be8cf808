"""A real browser (headless Chromium) on the embedded server's test page, where Chromium is installed.

CI's `.ci/run` installs Debian's `chromium`; elsewhere the test is skipped where it is missing.
docs/interop.md gives the manual check.
"""

from __future__ import annotations

import re
import urllib.parse

import pytest

from app.core.frames import Direction, Opcode
from app.main import build
from tests.headless_chromium import CHROMIUM, HeadlessChromium

SENT = '{"text": "hello from chromium ✓"}'
SHOWN_BROADCAST = "[...document.querySelectorAll('div.in')].some((line) => line.textContent.includes('hello from'))"


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (see docs/interop.md)")
def test_browser_page_chats_through_the_embedded_server(qtbot, tmp_path) -> None:
    window = build(["--port", "0", "--status-delay", "60"])
    qtbot.addWidget(window)
    try:
        qtbot.waitUntil(lambda: window.state_label.text() == "Open", timeout=5000)
        page = (window.session.server_address.http_url + "/?connect=/ws/chat&send=" + urllib.parse.quote(SENT))
        with HeadlessChromium(tmp_path) as browser:
            browser.open(page)
            # Poll the live page through the event loop, so the window keeps taking in the traffic meanwhile.
            qtbot.waitUntil(lambda: browser.evaluate(SHOWN_BROADCAST), timeout=30000)
            dom = browser.dom()
        # Leaving the block ended the browser, and with it the chat connection.
        store = window.store
        qtbot.waitUntil(lambda: any(c.path == "/ws/chat" and c.state.startswith("closed")
                                    for c in window.server_panel.model.clients), timeout=10000)
        chat = next(c for c in window.server_panel.model.clients if c.path == "/ws/chat")
        assert chat.origin == window.session.server_address.http_url  # a browser, from the server's own page
        received = [(store.payloads[r], store.sizes[r]) for r in store.rows() if store.connection(r) == chat.id
                    and store.directions[r] == Direction.RECEIVED and store.opcodes[r] == Opcode.TEXT]
        assert received == [(SENT, len(SENT.encode()))]  # the text the browser sent, its UTF-8 size
        # The page shows the room's broadcast of it (pretty-printed or not: only white space may differ).
        assert "hello from chromium" in dom and re.search(r'"event"\s*:\s*"message"', dom), dom
    finally:
        window.shutdown()
