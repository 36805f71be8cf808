"""The protocol tracker: deciding a connection's protocol, decoding, pairing requests with replies."""

from __future__ import annotations

import json
import math

from app.core.capture import CaptureStore
from app.core.frames import Direction, Frame, Opcode, Side
from app.core.protocols import detect
from app.core.protocols.base import SAME, Hint, Role
from app.core.protocols.jsonrpc import JsonRpc
from app.core.protocols.tracker import ProtocolTracker


def opened(connection: str, url: str, subprotocol: str | None = None, at: float = 0.0) -> Frame:
    details = json.dumps({"url": url, "subprotocol": subprotocol})
    return Frame(connection, Side.CLIENT, Direction.EVENT, Opcode.OPEN, details, 0, at)


def text(connection: str, direction: Direction, payload: object, at: float) -> Frame:
    return Frame(connection, Side.CLIENT, direction, Opcode.TEXT, json.dumps(payload), wall_time=at)


def request(identifier: object, method: str = "add", at: float = 0.0, connection: str = "client#1") -> Frame:
    return text(connection, Direction.SENT, {"jsonrpc": "2.0", "method": method, "params": [1, 2], "id": identifier}, at)


def result(identifier: object, at: float, connection: str = "client#1") -> Frame:
    return text(connection, Direction.RECEIVED, {"jsonrpc": "2.0", "result": 3, "id": identifier}, at)


def caught_up(store: CaptureStore, frames: list[Frame], **options: float) -> ProtocolTracker:
    store.extend(frames)
    tracker = ProtocolTracker(store, **options)  # type: ignore[arg-type]
    for _ in range(1000):
        if tracker.catch_up():
            break
    assert tracker.caught_up
    return tracker


def test_jsonrpc_messages_decode_to_their_kind_method_and_id() -> None:
    rpc = JsonRpc()
    decoded = rpc.decode(Opcode.TEXT, '{"jsonrpc": "2.0", "method": "add", "params": [1, 2], "id": 7}')
    assert decoded is not None and (decoded.kind, decoded.name, decoded.key, decoded.role) == (
        "request", "add", 7, Role.REQUEST)
    assert decoded.value is SAME  # plain JSON: the tree shows the payload itself
    note = rpc.decode(Opcode.TEXT, '{"jsonrpc": "2.0", "method": "tick"}')
    assert note is not None and note.kind == "notification" and note.role is Role.NONE
    failed = rpc.decode(Opcode.TEXT, '{"jsonrpc": "2.0", "error": {"code": -32601, "message": "no such"}, "id": "a"}')
    assert failed is not None and (failed.kind, failed.name, failed.key, failed.role) == ("error", "no such", "a", Role.REPLY)
    batch = rpc.decode(Opcode.TEXT, json.dumps([{"jsonrpc": "2.0", "method": "b", "id": 1},
                                                {"jsonrpc": "2.0", "method": "a"}]))
    assert batch is not None and batch.kind == "batch" and batch.name == "a, b" and len(batch.parts) == 2
    for not_rpc in ('{"method": "add", "id": 1}', '{"jsonrpc": "1.0", "method": "x"}', '[]', '"jsonrpc"', "{"):
        assert rpc.decode(Opcode.TEXT, not_rpc) is None, not_rpc
    assert rpc.decode(Opcode.BINARY, b'{"jsonrpc": "2.0", "method": "x"}') is None
    bool_id = rpc.decode(Opcode.TEXT, '{"jsonrpc": "2.0", "method": "x", "id": true}')
    assert bool_id is not None and bool_id.key is None  # true is not the id 1


def test_detection_from_the_subprotocol_or_the_first_frames() -> None:
    assert detect(Hint("ws://h/x", "jsonrpc"), 0.9) is not None
    first = [(int(Opcode.TEXT), '{"jsonrpc": "2.0", "method": "x", "id": 1}')]
    assert detect(Hint("ws://h/x", None, first)) is not None
    assert detect(Hint("ws://h/x", None, [(int(Opcode.TEXT), '{"type": "chat"}')])) is None


def test_a_reply_pairs_with_its_request_and_both_know_the_latency() -> None:
    store = CaptureStore()
    tracker = caught_up(store, [opened("client#1", "ws://127.0.0.1:1/rpc", "jsonrpc", 100.0),
                                request(1, at=100.0), request(2, at=100.010), result(2, 100.160), result(1, 100.200)])
    assert tracker.protocol_of("client#1") is not None
    assert tracker.partner(1) == 4 and tracker.partner(4) == 1
    assert tracker.partner(2) == 3 and tracker.partner(3) == 2
    latency = tracker.latency(3)
    assert latency is not None and math.isclose(latency, 150.0, abs_tol=0.01)
    assert tracker.latency(2) == tracker.latency(3)
    assert tracker.is_reply(3) and not tracker.is_reply(2)
    assert not tracker.is_pending(1, now=100.3) and not tracker.is_unanswered(1, now=200.0)
    decoded = tracker.decoded(1)
    assert decoded is not None and decoded.name == "add"


def test_a_request_never_answered_is_pending_then_unanswered() -> None:
    store = CaptureStore()
    tracker = caught_up(store, [opened("client#1", "ws://127.0.0.1:1/", "jsonrpc", 10.0), request(9, at=10.0)],
                        unanswered_after=30.0)
    assert tracker.is_pending(1, now=20.0) and not tracker.is_unanswered(1, now=20.0)
    assert tracker.is_unanswered(1, now=40.0) and not tracker.is_pending(1, now=40.0)
    assert tracker.partner(1) is None and tracker.latency(1) is None


def test_a_reply_in_the_same_direction_or_another_connection_does_not_pair() -> None:
    store = CaptureStore()
    echo = text("client#1", Direction.SENT, {"jsonrpc": "2.0", "result": 1, "id": 1}, 1.0)
    tracker = caught_up(store, [opened("client#1", "ws://h/", "jsonrpc"), opened("client#2", "ws://h/", "jsonrpc"),
                                request(1, at=0.5), echo, result(1, 2.0, connection="client#2")])
    assert tracker.partner(2) is None and tracker.partner(3) is None and tracker.partner(4) is None


def test_pending_requests_are_bounded_the_oldest_becoming_unanswered() -> None:
    store = CaptureStore()
    frames = [opened("client#1", "ws://h/", "jsonrpc")] + [request(n, at=1.0) for n in range(50)]
    tracker = caught_up(store, frames, pending_limit=10)
    assert tracker.is_unanswered(1, now=1.0)  # gave up its place: unanswered at once
    assert tracker.is_pending(50, now=1.0)
    store.extend([result(0, 2.0), result(45, 2.0)])
    assert tracker.catch_up()
    assert tracker.partner(store.end - 2) is None  # a reply to a request that gave up pairs with nothing
    assert tracker.partner(store.end - 1) == 46


def test_a_connection_without_a_hint_is_decided_from_its_first_frames_and_raw_ones_cost_nothing() -> None:
    store = CaptureStore()
    frames = [opened("client#1", "ws://h/feed")] + [text("client#1", Direction.RECEIVED, {"n": n}, 1.0)
                                                    for n in range(20)]
    frames += [opened("client#2", "ws://h/feed"), request(1, connection="client#2", at=1.0),
               result(1, 1.1, connection="client#2")]
    tracker = caught_up(store, frames)
    assert tracker.protocol_of("client#1") is None and tracker.protocol_of("client#2") is not None
    assert tracker.partner(23) == 22  # decided by its first frame, paired though it came before the decision
    assert len(tracker.flags) == 2  # per-row arrays start at the first protocol row


def test_dropped_rows_leave_the_arrays_and_catch_up_works_in_slices() -> None:
    store = CaptureStore()
    frames = [opened("client#1", "ws://h/", "jsonrpc")]
    for n in range(5000):
        frames += [request(n, at=float(n)), result(n, n + 0.001)]
    store.extend(frames)
    tracker = ProtocolTracker(store)
    steps = 0
    while not tracker.catch_up(budget=0.0):  # one slice per call
        steps += 1
        assert steps < 10_000
    assert steps > 10
    assert tracker.partner(2) == 1
    store.drop_oldest(1001)
    tracker.catch_up()
    assert tracker.partner(1002) == 1001 or tracker.partner(1002) is None
    assert tracker.partner(store.end - 1) == store.end - 2
    assert len(tracker.flags) == store.end - store.first


def test_latency_statistics_per_connection() -> None:
    store = CaptureStore()
    frames = [opened("client#1", "ws://h/", "jsonrpc")]
    for n in range(100):
        frames += [request(n, at=float(n)), result(n, n + (n + 1) / 1000)]  # 1 … 100 ms
    tracker = caught_up(store, frames)
    stats = tracker.latency_stats("client#1")
    assert stats is not None and stats.count == 100
    assert math.isclose(stats.max, 100.0, abs_tol=0.01) and math.isclose(stats.p50, 51.0, abs_tol=1.01)
    assert math.isclose(stats.p95, 95.0, abs_tol=1.01)
    assert stats.describe().startswith("100 · p50 ")
    assert tracker.latency_stats("client#2") is None


def test_the_users_choice_in_the_open_event_overrides_detection() -> None:
    store = CaptureStore()
    raw = Frame("client#1", Side.CLIENT, Direction.EVENT, Opcode.OPEN,
                json.dumps({"url": "ws://h/", "subprotocol": "jsonrpc", "protocol": "raw"}), 0, 0.0)
    forced = Frame("client#2", Side.CLIENT, Direction.EVENT, Opcode.OPEN,
                   json.dumps({"url": "ws://h/", "subprotocol": None, "protocol": "jsonrpc"}), 0, 0.0)
    tracker = caught_up(store, [raw, request(1), result(1, 0.1), forced,
                                request(1, connection="client#2"), result(1, 0.1, connection="client#2")])
    assert tracker.protocol_of("client#1") is None and tracker.partner(1) is None
    assert tracker.protocol_of("client#2") is not None and tracker.partner(4) == 5


def test_a_filter_with_protocol_terms_judges_only_decoded_rows() -> None:
    from app.core.filters import compile_filter
    from app.core.ingest import Capture

    capture = Capture()
    capture.append([opened("client#1", "ws://h/", "jsonrpc"), request(1, at=0.0), result(1, 0.1)])
    predicate = compile_filter("-is:request", capture.protocols)
    assert getattr(predicate, "needs_decoding", False)
    assert not getattr(compile_filter("dir:sent", capture.protocols), "needs_decoding", False)
    for _ in capture.view.refilter_steps(predicate):
        pass
    assert len(capture.view) == 0  # nothing decoded yet: nothing judged, nothing wrongly shown
    assert capture.protocols.catch_up()
    capture.view.catch_up()
    assert [capture.view.store_row(i) for i in range(len(capture.view))] == [0, 2]  # the open event and the reply


def test_a_request_the_requester_cancels_is_neither_pending_nor_unanswered() -> None:
    store = CaptureStore()
    opened_graphql = Frame("client#1", Side.CLIENT, Direction.EVENT, Opcode.OPEN,
                           json.dumps({"url": "ws://h/graphql", "subprotocol": "graphql-transport-ws"}), 0, 0.0)
    subscribe = text("client#1", Direction.SENT, {"id": "1", "type": "subscribe",
                                                  "payload": {"query": "subscription S { tick }"}}, 1.0)
    cancel = text("client#1", Direction.SENT, {"id": "1", "type": "complete"}, 2.0)
    tracker = caught_up(store, [opened_graphql, subscribe, cancel])
    assert tracker.is_request(1)
    assert not tracker.is_pending(1, now=2.5) and not tracker.is_unanswered(1, now=100.0)


def test_ids_are_per_direction_and_a_frame_with_a_message_is_not_dimmed() -> None:
    store = CaptureStore()
    both_ways = [opened("client#1", "ws://h/", "jsonrpc"),
                 request(5, at=1.0),  # the client asks with id 5 …
                 text("client#1", Direction.RECEIVED, {"jsonrpc": "2.0", "method": "ask", "id": 5}, 1.1),  # … so does the server
                 text("client#1", Direction.SENT, {"jsonrpc": "2.0", "result": "yes", "id": 5}, 1.2),  # the client answers it
                 result(5, 1.5)]  # the server answers the client's
    tracker = caught_up(store, both_ways)
    assert tracker.partner(3) == 2 and tracker.partner(4) == 1
    assert tracker.partner(1) == 4 and tracker.partner(2) == 3


def test_a_users_pairing_rule_pairs_a_home_grown_protocol() -> None:
    store = CaptureStore()
    rule = Frame("client#1", Side.CLIENT, Direction.EVENT, Opcode.OPEN,
                 json.dumps({"url": "ws://h/", "pairing": {"request": "$.request_id", "reply": "$.in_reply_to"}}), 0, 0.0)
    frames = [rule, text("client#1", Direction.SENT, {"request_id": 7, "op": "get"}, 1.0),
              text("client#1", Direction.SENT, {"request_id": "7", "op": "get"}, 1.1),
              text("client#1", Direction.RECEIVED, {"in_reply_to": 7, "request_id": 99, "ok": True}, 1.25),
              text("client#1", Direction.RECEIVED, {"tick": 1}, 1.3)]
    tracker = caught_up(store, frames)
    assert tracker.partner(3) == 1 and tracker.partner(1) == 3  # 7, not "7"; the reply's own id ignored
    assert tracker.partner(2) is None and tracker.is_request(2)
    latency = tracker.latency(3)
    assert latency is not None and math.isclose(latency, 250.0, abs_tol=0.01)
    assert tracker.decoded(4) is None  # neither path: not a message of the rule


def test_a_pairing_rule_needs_both_paths_and_valid_ones() -> None:
    from app.net.options import ConnectionOptions

    assert "needs both" in ConnectionOptions("ws://h/", pair_request="$.id").problems()[0]
    assert "Pairing rule" in ConnectionOptions("ws://h/", pair_request="$.[", pair_reply="$.r").problems()[0]
    assert ConnectionOptions("ws://h/", pair_request="$.id", pair_reply="$.re").problems() == []


def test_the_decoded_cache_is_bounded_by_bytes_too() -> None:
    from app.core.protocols import tracker as module

    store = CaptureStore()
    big = {"jsonrpc": "2.0", "method": "bulk", "params": ["x" * 200_000], "id": 1}
    frames = [opened("client#1", "ws://h/", "jsonrpc")] + [text("client#1", Direction.SENT, big, 1.0)
                                                            for _ in range(100)]
    tracker = caught_up(store, frames)
    for row in range(1, 101):
        assert tracker.decoded(row) is not None
    assert tracker._cache_bytes <= module.CACHE_BYTES  # noqa: SLF001 - the bound itself is what is tested
    assert len(tracker._cache) < 100  # noqa: SLF001


def test_a_big_first_frame_is_not_read_to_guess_the_protocol(monkeypatch) -> None:
    from app.core.protocols import tracker as module

    seen: list[int] = []
    real = module.detect  # type: ignore[attr-defined]

    def recording(hint: Hint, threshold: float = 0.6) -> object:
        seen.extend(len(payload) for _opcode, payload in hint.first)
        return real(hint, threshold)
    monkeypatch.setattr(module, "detect", recording)
    store = CaptureStore()
    huge = "[" + ",".join(["1"] * 300_000) + "]"  # 600 KB of JSON a detector would parse on the GUI thread
    store.extend([opened("client#1", "ws://h/feed"),
                  Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, huge, wall_time=1.0),
                  text("client#1", Direction.RECEIVED, {"small": True}, 1.1)])
    tracker = ProtocolTracker(store)
    assert tracker.catch_up()
    assert seen and max(seen) < len(huge)  # the small frame was looked at, the big one never


def test_runs_of_quiet_socketio_events_read_in_bulk_decode_and_pair_as_row_by_row(monkeypatch) -> None:
    """Events without an ack id are skipped a slice at a time; everything around them is read as before."""
    url = "ws://h/socket.io/?EIO=4&transport=websocket"
    frames = [opened("client#1", url), opened("client#2", url)]
    for i in range(600):
        at = i / 1000
        frames.append(Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, f'42["tick",{{"n":{i}}}]', wall_time=at))
        if i % 97 == 0:  # an event that asks for an ack, and its ack
            frames.append(Frame("client#1", Side.CLIENT, Direction.SENT, Opcode.TEXT, f'42{i}["ask",{i}]', wall_time=at))
            frames.append(Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, f"43{i}[{i}]", wall_time=at + 0.005))
        if i % 131 == 0:  # a short frame, a binary one, another connection's event
            frames.append(Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, "42", wall_time=at))
            frames.append(Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.BINARY, b'42["b"]', wall_time=at))
            frames.append(Frame("client#2", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, "2", wall_time=at))
    bulk = caught_up(CaptureStore(), frames)
    monkeypatch.setattr(ProtocolTracker, "_read_quiet_run", lambda self, start, stop: False)
    reference = caught_up(CaptureStore(), frames)
    rows = range(len(frames))
    assert [bulk.flags_of(row) for row in rows] == [reference.flags_of(row) for row in rows]
    assert [bulk.partner(row) for row in rows] == [reference.partner(row) for row in rows]
    assert [bulk.latency(row) for row in rows] == [reference.latency(row) for row in rows]
    assert bulk.latency_stats("client#1").count == 7  # every ack paired
