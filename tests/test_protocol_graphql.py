"""GraphQL over WebSocket: both dialects decoded, detected and paired; hostile frames never raise."""

from __future__ import annotations

import json
import math
import time

import pytest

from app.core.capture import CaptureStore
from app.core.frames import Direction, Frame, Opcode, Side
from app.core.protocols import PROTOCOLS, detect
from app.core.protocols.base import SAME, Hint, Role
from app.core.protocols.graphql_ws import GraphQLWs
from tests.helpers import CORPUS
from tests.test_protocol_tracker import caught_up, opened

GRAPHQL = GraphQLWs()


def message(kind: str, identifier: object = None, payload: object = None, **extra: object) -> str:
    fields: dict[str, object] = {"type": kind}
    if identifier is not None:
        fields["id"] = identifier
    if payload is not None:
        fields["payload"] = payload
    fields.update(extra)
    return json.dumps(fields)


def sent(payload: str, at: float, connection: str = "client#1") -> Frame:
    return Frame(connection, Side.CLIENT, Direction.SENT, Opcode.TEXT, payload, wall_time=at)


def received(payload: str, at: float, connection: str = "client#1") -> Frame:
    return Frame(connection, Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, payload, wall_time=at)


def test_graphql_is_registered() -> None:
    assert PROTOCOLS["graphql"].title == "GraphQL over WebSocket"


def test_graphql_transport_ws_messages_decode_to_their_kind_name_and_role() -> None:
    subscribe = GRAPHQL.decode(Opcode.TEXT, message("subscribe", "op-1", {
        "query": "subscription OnTick($n: Int) { tick(n: $n) }", "variables": {"n": 3}}))
    assert subscribe is not None
    assert (subscribe.protocol, subscribe.kind, subscribe.name, subscribe.key, subscribe.role) == (
        "graphql", "subscribe", "OnTick", "op-1", Role.REQUEST)
    assert subscribe.value is SAME and subscribe.summary() == "OnTick"
    given = GRAPHQL.decode(Opcode.TEXT, message("subscribe", "2", {
        "operationName": "Second", "query": "query First { a } query Second { b }"}))
    assert given is not None and given.name == "Second"  # the client's choice among several operations
    following = GRAPHQL.decode(Opcode.TEXT, message("next", "op-1", {"data": {"tick": 1}}))
    assert following is not None and (following.kind, following.key, following.role) == ("next", "op-1", Role.PARTIAL)
    assert following.summary() == "next"
    done = GRAPHQL.decode(Opcode.TEXT, message("complete", "op-1"))
    assert done is not None and (done.kind, done.key, done.role) == ("complete", "op-1", Role.REPLY)
    failed = GRAPHQL.decode(Opcode.TEXT, message("error", "op-1", [{"message": "Unknown field 'x'"}]))
    assert failed is not None and (failed.name, failed.key, failed.role) == ("Unknown field 'x'", "op-1", Role.REPLY)
    for kind in ("connection_init", "connection_ack"):
        handshake = GRAPHQL.decode(Opcode.TEXT, message(kind, payload={}))
        assert handshake is not None and handshake.kind == kind and handshake.role is Role.NONE
        assert not handshake.heartbeat
    for kind in ("ping", "pong"):
        beat = GRAPHQL.decode(Opcode.TEXT, message(kind))
        assert beat is not None and beat.heartbeat and beat.role is Role.NONE and beat.key is None


def test_legacy_graphql_ws_messages_decode_to_their_kind_name_and_role() -> None:
    start = GRAPHQL.decode(Opcode.TEXT, message("start", "1", {"query": "subscription { news }"}))
    assert start is not None and (start.kind, start.name, start.key, start.role) == ("start", None, "1", Role.REQUEST)
    assert start.summary() == "start"  # an anonymous operation: the kind
    data = GRAPHQL.decode(Opcode.TEXT, message("data", "1", {"data": {"news": "x"}}))
    assert data is not None and (data.kind, data.role) == ("data", Role.PARTIAL)
    stop = GRAPHQL.decode(Opcode.TEXT, message("stop", "1"))
    assert stop is not None and (stop.key, stop.role) == ("1", Role.REPLY)
    alive = GRAPHQL.decode(Opcode.TEXT, message("ka"))
    assert alive is not None and alive.heartbeat
    refused = GRAPHQL.decode(Opcode.TEXT, message("connection_error", payload={"message": "no token"}))
    assert refused is not None and refused.name == "no token" and refused.role is Role.NONE
    legacy_error = GRAPHQL.decode(Opcode.TEXT, message("error", "1", {"message": "bad query"}))
    assert legacy_error is not None and legacy_error.name == "bad query" and legacy_error.role is Role.REPLY
    terminate = GRAPHQL.decode(Opcode.TEXT, message("connection_terminate"))
    assert terminate is not None and terminate.role is Role.NONE


@pytest.mark.parametrize(("query", "name"), [
    ("subscription OnTick { tick }", "OnTick"),
    ("query Q1($a: Int = 1) { a }", "Q1"),
    ("mutation Add { add }", "Add"),
    ("\ufeff # a comment\n  , subscription # between\n _named_2 { x }", "_named_2"),
    ("subscription { tick }", None),  # anonymous
    ("subscription($n: Int) { tick }", None),
    ("{ user { query name } }", None),  # a field called `query` is not an operation
    ("fragment F on T { x } subscription Later { ...F }", None),  # not on the first line: shown as the kind
    ("subscriptionOnTick { tick }", None),
    ("#" * 100_000 + "\nsubscription Far { x }", None),  # beyond the bounded prefix
    ("# unterminated " * 20_000, None),
])
def test_the_operation_name_comes_from_the_first_operation_of_the_query(query: str, name: str | None) -> None:
    decoded = GRAPHQL.decode(Opcode.TEXT, message("subscribe", "1", {"query": query}))
    assert decoded is not None and decoded.name == name


def test_frames_that_are_not_graphql_or_break_it_are_not_decoded_or_not_paired() -> None:
    for other in ('{"type": "chat", "id": "1"}', '{"kind": "subscribe"}', '["subscribe"]', '"type"',
                  '{"type": 5}', '{"type": ["next"]}', '{"type": "next"', "type", ' {"type": "ka"}x',
                  '{"jsonrpc": "2.0", "method": "subscribe", "id": 1}'):
        assert GRAPHQL.decode(Opcode.TEXT, other) is None, other
    assert GRAPHQL.decode(Opcode.BINARY, b'{"type": "ka"}') is None
    assert GRAPHQL.decode(Opcode.TEXT, '\n {"type": "ka"}') is not None  # white space before the object is JSON
    for identifier in (1, True, None, 1.5, ["1"], {"id": "1"}, "", "x" * 1025):
        decoded = GRAPHQL.decode(Opcode.TEXT, json.dumps({"type": "subscribe", "id": identifier,
                                                          "payload": {"query": "subscription S { s }"}}))
        assert decoded is not None and decoded.key is None and decoded.role is Role.NONE, identifier
        assert decoded.name == "S"  # still shown for what it is
    for payload in ("subscription S { s }", ["query"], 7, None, {"query": 7}, {"operationName": 7}):
        decoded = GRAPHQL.decode(Opcode.TEXT, json.dumps({"type": "subscribe", "id": "1", "payload": payload}))
        assert decoded is not None and decoded.name is None and decoded.role is Role.REQUEST, payload
    for error in ([], [7], [{"message": 7}], "boom", {"message": ""}):
        decoded = GRAPHQL.decode(Opcode.TEXT, json.dumps({"type": "error", "id": "1", "payload": error}))
        assert decoded is not None and decoded.name is None, error
    long_name = GRAPHQL.decode(Opcode.TEXT, message("subscribe", "1", {"operationName": "N" * 10_000}))
    assert long_name is not None and long_name.name == "N" * 200 + "…"


def test_detection_from_the_subprotocol_or_the_first_frames() -> None:
    for subprotocol in ("graphql-transport-ws", "graphql-ws"):
        assert detect(Hint("ws://h/api", subprotocol), 0.9) is PROTOCOLS["graphql"]
        assert GRAPHQL.detect(Hint("ws://h/api", subprotocol)) >= 0.95
    text = int(Opcode.TEXT)
    assert detect(Hint("ws://h/api", None, [(text, message("connection_init", payload={}))]), 0.9) is PROTOCOLS["graphql"]
    results = [(text, message("next", "1", {"data": {"a": n}})) for n in range(8)]
    assert detect(Hint("ws://h/api", None, results)) is PROTOCOLS["graphql"]
    homegrown = [(text, '{"type": "ping"}'), (text, '{"type": "data", "id": "1", "payload": [1, 2]}'),
                 (text, '{"type": "error", "message": "x"}')]
    assert detect(Hint("ws://h/api", None, homegrown)) is None  # common words are not GraphQL's shape
    feeds = [[(text, '{"type": "subscribe", "product_ids": ["BTC-USD"], "channels": ["ticker"]}')],
             [(text, '{"type": "start"}')], [(text, '{"type": "subscribe", "id": "1", "payload": {"topic": "x"}}')],
             [(text, '{"type": "connection_init", "user": "u"}')]]
    for first in feeds:  # a market feed or a game says `subscribe` or `start` too: not with GraphQL's fields
        assert detect(Hint("ws://h/api", None, first * 8)) is None, first
    assert GRAPHQL.detect(Hint("ws://h/graphql", "chat.v1")) == 0.0


def test_a_subscription_pairs_every_next_and_its_complete_with_the_subscribe() -> None:
    store = CaptureStore()
    tracker = caught_up(store, [
        opened("client#1", "ws://127.0.0.1:1/graphql", "graphql-transport-ws", 100.0),
        sent(message("connection_init", payload={}), 100.0),
        received(message("connection_ack"), 100.001),
        sent(message("subscribe", "a", {"query": "subscription Ticks { tick }"}), 100.010),
        received(message("next", "a", {"data": {"tick": 1}}), 100.030),
        received(message("ping"), 100.035),
        received(message("next", "a", {"data": {"tick": 2}}), 100.050),
        received(message("complete", "a"), 100.110),
    ])
    assert tracker.protocol_of("client#1") is PROTOCOLS["graphql"]
    subscribe = 3
    assert [tracker.partner(row) for row in (4, 6, 7)] == [subscribe] * 3
    assert tracker.partner(subscribe) == 4  # its first answer
    first, last = tracker.latency(4), tracker.latency(7)
    assert first is not None and math.isclose(first, 20.0, abs_tol=0.01)
    assert last is not None and math.isclose(last, 100.0, abs_tol=0.01)
    assert tracker.is_heartbeat(5) and not tracker.is_heartbeat(4)
    assert not tracker.is_pending(subscribe, now=100.2) and not tracker.is_unanswered(subscribe, now=1000.0)
    decoded = tracker.decoded(subscribe)
    assert decoded is not None and decoded.summary() == "Ticks"


def test_legacy_graphql_ws_written_from_its_specification_pairs_start_with_data_and_complete() -> None:
    """subscriptions-transport-ws: init, ack and ka; start, data, stop from the client, complete from the server."""
    store = CaptureStore()
    tracker = caught_up(store, [
        opened("client#1", "ws://127.0.0.1:1/subscriptions", "graphql-ws", 10.0),
        sent(message("connection_init", payload={"authToken": "t"}), 10.0),
        received(message("connection_ack"), 10.001),
        received(message("ka"), 10.002),
        sent(message("start", "1", {"query": "subscription OnNews { news }", "variables": {}}), 10.010),
        received(message("data", "1", {"data": {"news": "a"}}), 10.020),
        received(message("ka"), 10.025),
        received(message("data", "1", {"data": {"news": "b"}}), 10.030),
        sent(message("stop", "1"), 10.040),  # the client's cancel: in the start's own direction
        received(message("complete", "1"), 10.045),
        sent(message("start", "2", {"query": "query Bad { nope }"}), 10.050),
        received(message("error", "2", {"message": "Cannot query field 'nope'"}), 10.060),
        sent(message("connection_terminate"), 10.070),
    ])
    assert tracker.protocol_of("client#1") is PROTOCOLS["graphql"]
    assert [tracker.partner(row) for row in (5, 7, 9)] == [4, 4, 4]
    assert tracker.partner(8) is None  # the client's stop answers nothing
    assert tracker.is_heartbeat(3) and tracker.is_heartbeat(6)
    assert tracker.partner(11) == 10 and tracker.partner(10) == 11
    latency = tracker.latency(11)
    assert latency is not None and math.isclose(latency, 10.0, abs_tol=0.01)
    names = [tracker.decoded(row) for row in (4, 10, 11)]
    assert [d.summary() if d else None for d in names] == ["OnNews", "Bad", "Cannot query field 'nope'"]


def test_a_connection_without_the_subprotocol_is_decided_by_its_handshake() -> None:
    store = CaptureStore()
    tracker = caught_up(store, [
        opened("client#1", "ws://127.0.0.1:1/graphql"),
        sent(message("connection_init"), 1.0), received(message("connection_ack"), 1.001),
        sent(message("subscribe", "s", {"query": "subscription S { s }"}), 1.01),
        received(message("next", "s", {"data": {"s": 1}}), 1.02),
    ])
    assert tracker.protocol_of("client#1") is PROTOCOLS["graphql"]
    assert tracker.partner(4) == 3


DEEP = '{"type": "next", "id": "1", "payload": ' + "[" * 100_000 + "]" * 100_000 + "}"
HUGE_ID = '{"type": "subscribe", "id": "' + "i" * 1_000_000 + '", "payload": {}}'


def hostile_payloads() -> list[str | bytes]:
    files = sorted(p for p in CORPUS.iterdir() if p.name.startswith(("n_", "i_")))
    assert len(files) > 200, f"JSONTestSuite not found at {CORPUS}"
    corpus: list[str | bytes] = []
    for path in files:
        data = path.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            corpus.append(data)
            corpus.append(data.decode("utf-8", "surrogateescape"))  # as text that is no valid UTF-8
            continue
        corpus.append(text)
        corpus.append('{"type": "subscribe", "id": "1", "payload": ' + text + "}")  # a broken payload inside
    corpus += [
        DEEP,
        '{"type": "next", "id": "1", "payload": ' + "[" * 100_000,
        '{"type": "subscribe", "id": "1", "payload": {"query": "' + "subscription " * 200_000 + '"}}',
        '{"type": "subscribe", "id": "1", "payload": {"query": "' + "#" * 1_000_000 + '"}}',
        '{"type": "subscribe", "id": "1", "payload": {"query": "query ' + "a" * 1_000_000 + '"}}',
        HUGE_ID,
        '{"type": "error", "id": "1", "payload": [' + '{"message": 1},' * 100_000 + "{}]}",
        '{"type": "next", "id": "1", "payload": {"data": 1}',  # cut short
        '{"type": "ka", "type": "next", "id": "\\ud800"}',  # a lone surrogate, a duplicated key
        '{"type": "\\u0000"}', '{"type": "subscribe\\u0000"}', "\ufeff" + '{"type": "ka"}',
        '{"type": "next", "id": "1", "payload": 1e999999}', '{"type": "next", "id": "1"} ' * 1000,
        '{"type": ["ka"]}', '{"type": {"ka": 1}}', '{"type": null}', '{"type": "next", "id": {}, "payload": []}',
    ]
    return corpus


def test_hostile_frames_never_raise_and_stay_fast() -> None:
    started = time.perf_counter()
    corpus = hostile_payloads()
    for payload in corpus:
        for opcode in (Opcode.TEXT, Opcode.BINARY):
            decoded = GRAPHQL.decode(opcode, payload)
            assert decoded is None or decoded.protocol == "graphql"
        GRAPHQL.detect(Hint("ws://h/", None, [(int(Opcode.TEXT), payload)] * 8))
    assert GRAPHQL.decode(Opcode.TEXT, DEEP) is None  # too deep for the parser: shown raw
    huge_id = GRAPHQL.decode(Opcode.TEXT, HUGE_ID)
    assert huge_id is not None and huge_id.key is None
    store = CaptureStore()
    frames = [opened("client#1", "ws://127.0.0.1:1/graphql", "graphql-transport-ws")]
    for payload in corpus:
        opcode = Opcode.TEXT if isinstance(payload, str) else Opcode.BINARY
        frames += [Frame("client#1", Side.CLIENT, direction, opcode, payload, wall_time=1.0)
                   for direction in (Direction.SENT, Direction.RECEIVED)]
    tracker = caught_up(store, frames)
    assert tracker.protocol_of("client#1") is PROTOCOLS["graphql"]
    assert time.perf_counter() - started < 30
