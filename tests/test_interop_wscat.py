"""Interoperability with wscat, a real client nobody here wrote (installed by `make test` via npm)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from app.core.frames import Direction, Opcode
from app.main import build
from tests.helpers import REPO

WSCAT = REPO / ".venv" / "node" / "node_modules" / ".bin" / "wscat"


@pytest.mark.skipif(not WSCAT.exists() or shutil.which("node") is None,
                    reason="wscat is installed by `make test` only where npm and node exist")
def test_wscat_on_chat_appears_in_the_log_and_the_panel(qtbot) -> None:
    window = build(["--port", "0", "--status-delay", "60"])
    qtbot.addWidget(window)
    try:
        qtbot.waitUntil(lambda: window.state_label.text() == "Open", timeout=5000)
        url = window.session.server_address.ws_url("/ws/chat")
        process = subprocess.Popen(
            [str(WSCAT), "--no-color", "-c", url],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        try:
            store = window.store
            qtbot.waitUntil(lambda: any(c.path == "/ws/chat" for c in window.server_panel.model.clients),
                            timeout=10000)
            assert process.stdin is not None
            process.stdin.write('{"text": "hello from wscat"}\n')
            process.stdin.flush()

            def wscat_rows() -> list[int]:
                return [r for r in range(len(store)) if store.directions[r] == Direction.RECEIVED
                        and store.opcodes[r] == Opcode.TEXT and "hello from wscat" in str(store.payloads[r])]

            qtbot.waitUntil(lambda: bool(wscat_rows()), timeout=10000)
            clients = window.server_panel.model.clients
            chat = [c for c in clients if c.path == "/ws/chat"]
            assert chat and chat[0].received == 1
            assert store.connection(wscat_rows()[0]) == chat[0].id
            qtbot.waitUntil(lambda: chat[0].sent >= 2, timeout=5000)  # its join notice and the broadcast
            out, err = process.communicate(timeout=15)  # closing stdin ends wscat
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(5)
        replies = [json.loads(line.lstrip("<> ").strip()) for line in out.splitlines() if "{" in line]
        assert {"event": "message", "user": "user1", "data": {"text": "hello from wscat"}} in replies, out + err
        qtbot.waitUntil(lambda: chat[0].state.startswith("closed"), timeout=5000)
    finally:
        window.shutdown()
