"""/ws/rpc: a JSON-RPC 2.0 service driven by a real client, errors and hostile input included."""

from __future__ import annotations

import json
import time
from typing import Any

from websockets.sync.client import connect
from websockets.typing import Subprotocol

from embedded_server.runner import EmbeddedServer
from tests.helpers import CORPUS


def call(ws: Any, message: object) -> Any:
    ws.send(json.dumps(message))
    return json.loads(ws.recv(timeout=5))


def test_methods_answer_with_the_request_id_and_errors_use_the_specifications_codes(demo_server: EmbeddedServer) -> None:
    with connect(demo_server.address.ws_url("/ws/rpc"), open_timeout=5, subprotocols=[Subprotocol("jsonrpc")]) as ws:
        assert ws.subprotocol == "jsonrpc"
        assert call(ws, {"jsonrpc": "2.0", "method": "add", "params": [2, 3], "id": 1}) == {
            "jsonrpc": "2.0", "result": 5, "id": 1}
        assert call(ws, {"jsonrpc": "2.0", "method": "add", "params": {"a": 1, "b": 1.5}, "id": "x"})["result"] == 2.5
        assert call(ws, {"jsonrpc": "2.0", "method": "echo", "params": [{"k": [1]}], "id": 2})["result"] == {"k": [1]}
        assert call(ws, {"jsonrpc": "2.0", "method": "nope", "id": 3})["error"]["code"] == -32601
        assert call(ws, {"jsonrpc": "2.0", "method": "add", "params": ["a", 1], "id": 4})["error"]["code"] == -32602
        assert call(ws, {"method": "add", "id": 5})["error"]["code"] == -32600
        ws.send("{not json")
        assert json.loads(ws.recv(timeout=5))["error"]["code"] == -32700
        batch = call(ws, [{"jsonrpc": "2.0", "method": "add", "params": [1, 1], "id": 6},
                          {"jsonrpc": "2.0", "method": "echo", "params": ["note"]},  # a notification: no reply
                          {"jsonrpc": "2.0", "method": "echo", "params": ["b"], "id": 7}])
        assert sorted(reply["id"] for reply in batch) == [6, 7]


def test_a_slow_call_holds_back_no_other_and_subscriptions_tick(demo_server: EmbeddedServer) -> None:
    with connect(demo_server.address.ws_url("/ws/rpc"), open_timeout=5) as ws:
        started = time.monotonic()
        ws.send(json.dumps({"jsonrpc": "2.0", "method": "slow", "params": [300], "id": 1}))
        ws.send(json.dumps({"jsonrpc": "2.0", "method": "add", "params": [1, 2], "id": 2}))
        first = json.loads(ws.recv(timeout=5))
        assert first["id"] == 2 and time.monotonic() - started < 0.3
        assert json.loads(ws.recv(timeout=5)) == {"jsonrpc": "2.0", "result": 300, "id": 1}
        assert time.monotonic() - started >= 0.3
        assert call(ws, {"jsonrpc": "2.0", "method": "subscribe", "params": [20, 3], "id": 3})["result"] == 1
        ticks = [json.loads(ws.recv(timeout=5)) for _ in range(3)]
        assert [tick["params"]["n"] for tick in ticks] == [1, 2, 3] and all("id" not in t for t in ticks)
        assert call(ws, {"jsonrpc": "2.0", "method": "subscribe", "params": [1, 3], "id": 4})["error"]["code"] == -32602


def test_hostile_input_gets_an_error_and_the_connection_stays(demo_server: EmbeddedServer) -> None:
    corpus = sorted(CORPUS.glob("n_*.json"))[:80]
    assert len(corpus) == 80
    with connect(demo_server.address.ws_url("/ws/rpc"), open_timeout=5, max_size=None) as ws:
        for path in corpus:
            text = path.read_bytes().decode("utf-8", "replace")
            ws.send(text)
            reply = json.loads(ws.recv(timeout=5))
            assert "error" in reply or isinstance(reply, list), path.name
        ws.send("[" * 100_000 + "]" * 100_000)
        assert json.loads(ws.recv(timeout=5))["error"]["code"] == -32700
        ws.send(b"\x00\x01")
        assert json.loads(ws.recv(timeout=5))["error"]["code"] == -32700
        assert call(ws, {"jsonrpc": "2.0", "method": "add", "params": [1, 1], "id": 9})["result"] == 2
