"""GraphQL over WebSocket against a GraphQL server nobody here wrote: strawberry, both of its subscription protocols.

The strawberry app runs in a real uvicorn thread on an ephemeral loopback port (the embedded
server's runner, whose tap records the server's side too); the inspector asks for the
subprotocol. The tracker must decide GraphQL on both sides, name the operations, pair every
`next`/`data` and the final `complete` with their `subscribe`/`start`, and measure the latency.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, Iterator

import pytest
import strawberry
from strawberry.asgi import GraphQL

from app.core.capture import CaptureStore
from app.core.frames import Direction, Frame, Opcode
from app.core.protocols import PROTOCOLS
from app.core.protocols.tracker import ProtocolTracker
from app.net.inspector import Inspector
from app.net.options import ConnectionOptions
from embedded_server.runner import EmbeddedServer
from tests.helpers import WaitableQueue
from tests.protocol_cases import tracked

VALUES = 3
HELD = 10.0  # seconds the endless subscription waits between values: the test cancels it long before


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "world"


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def count(self, to: int = VALUES) -> AsyncGenerator[int]:
        for n in range(1, to + 1):
            yield n

    @strawberry.subscription
    async def held(self) -> AsyncGenerator[int]:
        for n in range(3):  # bounded, though the client cancels after the first
            yield n
            await asyncio.sleep(HELD)  # noqa: sleep-ok - the server paces its subscription; nothing waits on it


@pytest.fixture
def graphql_server(events: WaitableQueue) -> Iterator[EmbeddedServer]:
    app = GraphQL(strawberry.Schema(query=Query, subscription=Subscription), keep_alive=True,
                  keep_alive_interval=0.05)  # the legacy protocol's `ka`, often enough to be seen
    server = EmbeddedServer(app, events.put, port=0)
    server.start()
    assert server.wait_ready(10), server.error
    yield server
    assert server.stop(), "server thread did not stop"


def message(kind: str, identifier: str | None = None, payload: object = None) -> str:
    fields: dict[str, object] = {"type": kind}
    if identifier is not None:
        fields["id"] = identifier
    if payload is not None:
        fields["payload"] = payload
    return json.dumps(fields)


class Client:
    """One inspector connection speaking a GraphQL subprotocol, waiting on the frames it receives."""

    def __init__(self, inspector: Inspector, events: WaitableQueue, url: str, subprotocol: str) -> None:
        connection = inspector.new_connection(ConnectionOptions(url, subprotocols=(subprotocol,)))
        inspector.submit_open(connection).result(10)
        self.inspector, self.events, self.id = inspector, events, connection.id

    def send(self, kind: str, identifier: str | None = None, payload: object = None) -> None:
        self.inspector.submit_send(self.id, message(kind, identifier, payload)).result(5)

    def wait_for(self, kind: str, identifier: str | None = None, count: int = 1) -> list[dict[str, object]]:
        def received(_: object) -> list[dict[str, object]]:
            found = [m for m in self.received() if m.get("type") == kind and m.get("id") == identifier]
            return found if len(found) >= count else []
        return self.events.wait_for(received)

    def received(self) -> list[dict[str, object]]:
        return [json.loads(f.payload) for f in self.events.frames(self.id)
                if f.direction == Direction.RECEIVED and f.opcode == Opcode.TEXT]


def settled(events: WaitableQueue, client: str) -> list[Frame]:
    """Every frame, once the server's side has recorded as many text frames as the client's.

    The tap records a sent frame after the send returns, so the client may read an answer
    before the server's record of it exists.
    """
    def texts(frames: list[Frame], prefix: str) -> int:
        return sum(1 for f in frames if f.connection.startswith(prefix) and f.opcode == Opcode.TEXT)

    def both_sides(_: object) -> list[Frame]:
        frames = events.frames()
        return frames if texts(frames, "server#") == texts(frames, client) else []
    return events.wait_for(both_sides)


def rows(store: CaptureStore, connection: str, kind: str, identifier: str | None = None) -> list[int]:
    """The rows of `connection`'s text frames of `kind` (and operation `identifier`), in order."""
    found = []
    for row in store.rows():
        if store.connection(row) != connection or store.opcodes[row] != Opcode.TEXT:
            continue
        fields = json.loads(store.payloads[row])
        if fields.get("type") == kind and (identifier is None or fields.get("id") == identifier):
            found.append(row)
    return found


def server_connection(store: CaptureStore) -> str:
    servers = {store.connection(row) for row in store.rows() if store.connection(row).startswith("server#")}
    assert len(servers) == 1, servers
    return servers.pop()


def assert_paired(tracker: ProtocolTracker, request: int, answers: list[int]) -> None:
    """Every answer pairs with the request, the request with its first answer; latencies grow."""
    assert [tracker.partner(row) for row in answers] == [request] * len(answers)
    assert tracker.partner(request) == answers[0]
    latencies = [tracker.latency(row) for row in answers]
    assert all(latency is not None and latency >= 0 for latency in latencies), latencies
    assert latencies == sorted(latencies)
    assert tracker.latency(request) == latencies[0]
    assert tracker.is_reply(answers[-1]) and not tracker.is_reply(request)


def test_a_graphql_transport_ws_subscription_is_named_and_paired_on_both_sides(
        inspector: Inspector, graphql_server: EmbeddedServer, events: WaitableQueue) -> None:
    assert graphql_server.address is not None
    client = Client(inspector, events, graphql_server.address.ws_url("/graphql"), "graphql-transport-ws")
    client.send("connection_init", payload={})
    client.wait_for("connection_ack")
    client.send("subscribe", "count-1", {"query": "subscription Count { count }"})
    client.wait_for("complete", "count-1")
    assert [m["payload"] for m in client.received() if m["type"] == "next"] == [
        {"data": {"count": n}} for n in range(1, VALUES + 1)]
    client.send("subscribe", "held-1", {"operationName": "Held", "query": "subscription Held { held }"})
    client.wait_for("next", "held-1")
    client.send("complete", "held-1")  # the client's cancel
    client.send("ping")
    client.wait_for("pong")

    store, tracker = tracked(settled(events, client.id))
    server = server_connection(store)
    for connection in (client.id, server):
        assert tracker.protocol_of(connection) is PROTOCOLS["graphql"]
        subscribe = rows(store, connection, "subscribe", "count-1")[0]
        answers = rows(store, connection, "next", "count-1") + rows(store, connection, "complete", "count-1")
        assert len(answers) == VALUES + 1
        assert_paired(tracker, subscribe, answers)
        names = [tracker.decoded(row) for row in rows(store, connection, "subscribe")]
        assert [decoded.summary() if decoded else None for decoded in names] == ["Count", "Held"]
        held = rows(store, connection, "subscribe", "held-1")[0]
        cancel = rows(store, connection, "complete", "held-1")
        assert len(cancel) == 1 and tracker.partner(cancel[0]) is None  # a cancel answers nothing
        assert tracker.partner(held) == rows(store, connection, "next", "held-1")[0]
        beats = rows(store, connection, "ping") + rows(store, connection, "pong")
        assert beats and all(tracker.is_heartbeat(row) for row in beats)
    # Directions are the recording side's own: the client sent the subscribe, the server received it.
    assert store.directions[rows(store, client.id, "subscribe")[0]] == Direction.SENT
    assert store.directions[rows(store, server, "subscribe")[0]] == Direction.RECEIVED


def test_a_legacy_graphql_ws_subscription_is_named_and_paired_with_keep_alives_dimmed(
        inspector: Inspector, graphql_server: EmbeddedServer, events: WaitableQueue) -> None:
    assert graphql_server.address is not None
    client = Client(inspector, events, graphql_server.address.ws_url("/graphql"), "graphql-ws")
    client.send("connection_init", payload={})
    client.wait_for("connection_ack")
    client.send("start", "1", {"query": "subscription LegacyCount { count }"})
    client.wait_for("complete", "1")
    client.wait_for("ka", count=2)
    client.send("start", "2", {"query": "subscription { nope }"})
    refused = client.wait_for("error", "2")[0]["payload"]
    said = (refused[0] if isinstance(refused, list) else refused)["message"]  # type: ignore[index]
    client.send("connection_terminate")

    store, tracker = tracked(settled(events, client.id))
    server = server_connection(store)
    for connection in (client.id, server):
        assert tracker.protocol_of(connection) is PROTOCOLS["graphql"]
        start = rows(store, connection, "start", "1")[0]
        answers = rows(store, connection, "data", "1") + rows(store, connection, "complete", "1")
        assert len(answers) == VALUES + 1
        assert_paired(tracker, start, answers)
        decoded = tracker.decoded(start)
        assert decoded is not None and decoded.summary() == "LegacyCount"
        failed = rows(store, connection, "start", "2")[0]
        error = rows(store, connection, "error", "2")[0]
        assert tracker.partner(error) == failed and tracker.partner(failed) == error
        reason = tracker.decoded(error)
        assert reason is not None and reason.summary() == said and "nope" in said  # the server's own message
        alive = rows(store, connection, "ka")
        assert len(alive) >= 2 and all(tracker.is_heartbeat(row) for row in alive)
