"""What the mitmproxy interoperability test needs to learn from inside `mitmdump` (loaded with `-s`).

It runs in mitmproxy's own environment (.venv/mitmproxy), never in the project's.
- `--set listen_file=PATH`: once listening, write the address mitmdump got (`--listen-port 0` picks one).
- `--set flows_file=PATH`: write every HTTP flow mitmdump sees (also those `-r` reads from a file) as one
  JSON line: method, URL, status, request headers and the WebSocket messages it holds, if any.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

from mitmproxy import ctx, http


def _write_atomically(path: str, text: str) -> None:
    """The test polls for the file: it must never see it half written."""
    with open(path + ".part", "w", encoding="utf-8") as file:
        file.write(text)
    os.replace(path + ".part", path)


class Probe:
    def __init__(self) -> None:
        self.flows: list[dict[str, Any]] = []

    def load(self, loader: Any) -> None:
        loader.add_option("listen_file", str, "", "Write the address mitmdump listens on to this file.")
        loader.add_option("flows_file", str, "", "Write the flows mitmdump sees to this file, one JSON line each.")

    def running(self) -> None:
        if ctx.options.listen_file:
            addresses = ctx.master.addons.get("proxyserver").listen_addrs()
            _write_atomically(ctx.options.listen_file, json.dumps([list(a[:2]) for a in addresses]))

    def response(self, flow: http.HTTPFlow) -> None:
        if flow.websocket is None:
            self._keep(flow)

    def websocket_end(self, flow: http.HTTPFlow) -> None:
        self._keep(flow)

    def _keep(self, flow: http.HTTPFlow) -> None:
        self.flows.append({
            "method": flow.request.method,
            "url": flow.request.url,
            "status": flow.response.status_code if flow.response else None,
            "request_headers": [[k, v] for k, v in flow.request.headers.items(multi=True)],
            "websocket": None if flow.websocket is None else [
                {"from_client": m.from_client, "opcode": m.type.value,
                 "content": base64.b64encode(m.content).decode()}
                for m in flow.websocket.messages
            ],
        })

    def done(self) -> None:
        if ctx.options.flows_file:
            _write_atomically(ctx.options.flows_file, "".join(json.dumps(f) + "\n" for f in self.flows))


addons = [Probe()]
