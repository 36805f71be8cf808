"""Headless Chromium driven through its DevTools protocol, for tests that load the test page.

`--dump-dom` with a virtual-time budget is not enough: virtual time does not wait for WebSocket
traffic, so under load the DOM was dumped before the reply arrived. Here the test asks the live
page (`Runtime.evaluate`) until a DOM condition holds, with a real timeout, and reads the DOM then.
The DevTools endpoint listens on loopback only (Chromium's default); its port is read from the
`DevToolsActivePort` file Chromium writes into its profile directory.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

from tests.waiting import wait_until

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--remote-debugging-port=0"]
REPLY_TIMEOUT = 20.0  # seconds for one DevTools command, however loaded the machine is


class HeadlessChromium:
    """One headless Chromium process with one page, usable as a context manager."""

    def __init__(self, profile: Path) -> None:
        assert CHROMIUM is not None, "headless Chromium is not installed"
        self._chromium = CHROMIUM
        self._profile = profile
        self._process: subprocess.Popen[bytes] | None = None
        self._devtools: ClientConnection | None = None
        self._connection = contextlib.ExitStack()  # closes the DevTools connection
        self._ids = itertools.count(1)
        self._session = ""

    def __enter__(self) -> HeadlessChromium:
        self._process = subprocess.Popen([self._chromium, *FLAGS, f"--user-data-dir={self._profile}", "about:blank"],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            port_file = self._profile / "DevToolsActivePort"
            lines = wait_until(lambda: _port_and_path(port_file), timeout=30,
                               what="Chromium's DevToolsActivePort file")
            assert lines is not None  # wait_until returns only a true value
            port, path = lines
            self._devtools = self._connection.enter_context(
                connect(f"ws://127.0.0.1:{port}{path}", max_size=None, open_timeout=REPLY_TIMEOUT))
        except BaseException:
            self._stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop()

    def open(self, url: str) -> None:
        """Open `url` in a new page; later calls evaluate in that page."""
        target = self._command("Target.createTarget", {"url": url})["targetId"]
        self._session = self._command("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (JSON-serialisable values only)."""
        result = self._command("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30.0) -> Any:
        """Evaluate `expression` until it is truthy (polling, bounded by `timeout` seconds); return its value."""
        return wait_until(lambda: self.evaluate(expression), timeout=timeout, what=expression)

    def dom(self) -> str:
        return str(self.evaluate("document.documentElement.outerHTML"))

    def _command(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        assert self._devtools is not None
        ident = next(self._ids)
        message: dict[str, Any] = {"id": ident, "method": method, "params": params}
        if self._session and not method.startswith("Target."):
            message["sessionId"] = self._session
        self._devtools.send(json.dumps(message))
        while True:  # events in between are skipped; each recv is bounded, and so is the test's timeout
            reply = json.loads(self._devtools.recv(timeout=REPLY_TIMEOUT))
            if reply.get("id") == ident:
                assert "error" not in reply, reply["error"]
                return dict(reply["result"])

    def _stop(self) -> None:
        self._connection.close()
        self._devtools = None
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(10)
            self._process = None


def _port_and_path(port_file: Path) -> list[str] | None:
    """The DevTools port and browser path, once Chromium has written both lines."""
    lines = port_file.read_text().split()
    return lines if len(lines) == 2 else None
