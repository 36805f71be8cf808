"""The charts' figures from real frames: rates per second by capture time, sizes and latencies in log2 buckets."""

from __future__ import annotations

import sys

from app.core.capture import CaptureStore
from app.core.frames import Direction, Frame, Opcode, Side
from app.core.ingest import Capture
from app.core.traffic_stats import OTHERS, WINDOW_SECONDS, TrafficStats, bucket_floor
from tests.test_protocol_tracker import opened, request, result

START = 1_700_000_000  # a capture second; every time below is relative to it


def frame(connection: str, direction: Direction, at: float, payload: str | bytes = "{}",
          opcode: Opcode = Opcode.TEXT) -> Frame:
    return Frame(connection, Side.CLIENT, direction, opcode, payload, wall_time=START + at)


def test_messages_and_bytes_per_second_per_connection_and_direction() -> None:
    stats = TrafficStats()
    stats.observe([frame("client#1", Direction.SENT, 0.1, "abc"), frame("client#1", Direction.SENT, 0.9, "de"),
                   frame("client#1", Direction.RECEIVED, 1.5, "x" * 10), frame("client#2", Direction.SENT, 2.0),
                   frame("client#1", Direction.SENT, 2.2, "é")])  # two bytes on the wire
    messages, sizes = stats.rates("client#1", Direction.SENT, START + 2, span=3)
    assert messages == [2, 0, 1] and sizes == [5, 0, 2]
    assert stats.rates("client#1", Direction.RECEIVED, START + 2, span=3) == ([0, 1, 0], [0, 10, 0])
    assert stats.rates("client#2", Direction.SENT, START + 2, span=3)[0] == [0, 0, 1]
    assert list(stats.series) == [("client#1", Direction.SENT), ("client#1", Direction.RECEIVED),
                                  ("client#2", Direction.SENT)]
    assert stats.latest == START + 2


def test_only_data_frames_count_and_the_window_is_the_last_five_minutes() -> None:
    stats = TrafficStats()
    stats.observe([frame("client#1", Direction.EVENT, 0, '{"url": "ws://127.0.0.1/"}', Opcode.OPEN),
                   frame("client#1", Direction.SENT, 0, b"\x01\x02", Opcode.BINARY),
                   frame("client#1", Direction.SENT, 0, b"", Opcode.PING),
                   frame("client#1", Direction.RECEIVED, 0, b"", Opcode.PONG)])
    assert list(stats.series) == [("client#1", Direction.SENT)]
    assert stats.rates("client#1", Direction.SENT, START, span=1) == ([1], [2])
    # A frame a whole window later takes the same bucket: the old second is forgotten, not added to.
    stats.observe([frame("client#1", Direction.SENT, WINDOW_SECONDS, "abc")])
    messages, sizes = stats.rates("client#1", Direction.SENT, START + WINDOW_SECONDS)
    assert len(messages) == WINDOW_SECONDS and sum(messages) == 1 and sizes[-1] == 3
    # A late frame from the second that bucket has moved past is older than five minutes: not counted.
    stats.observe([frame("client#1", Direction.SENT, 0.5)])
    assert stats.rates("client#1", Direction.SENT, START + WINDOW_SECONDS)[0] == messages
    # Asked far ahead, nothing is left in the window.
    assert sum(stats.rates("client#1", Direction.SENT, START + 3 * WINDOW_SECONDS)[0]) == 0


def test_memory_is_bounded_however_many_connections_come() -> None:
    stats = TrafficStats(max_connections=3)
    stats.observe([frame(f"client#{n}", Direction.RECEIVED, n / 2000) for n in range(1, 1001)])
    assert stats.connections == ["client#1", "client#2", "client#3"]
    assert list(stats.series) == [(f"client#{n}", Direction.RECEIVED) for n in (1, 2, 3)] \
        + [(OTHERS, Direction.RECEIVED)]
    assert stats.rates(OTHERS, Direction.RECEIVED, START, span=1)[0] == [997]
    size_before = sys.getsizeof(stats.series) + sys.getsizeof(stats.connections)
    stats.observe([frame(f"server#{n}", Direction.SENT, 1) for n in range(10_000)])
    assert len(stats.series) == 5 and sys.getsizeof(stats.series) + sys.getsizeof(stats.connections) == size_before


def test_sizes_and_latencies_fall_into_log2_buckets() -> None:
    stats = TrafficStats()
    stats.observe([frame("client#1", Direction.SENT, 0, "x" * size) for size in (0, 1, 2, 3, 4, 1000, 1024)])
    sent = stats.sizes[Direction.SENT]
    assert [bucket_floor(bucket) for bucket, count in enumerate(sent) for _ in range(count)] \
        == [0, 1, 2, 2, 4, 512, 1024]
    assert sum(stats.sizes[Direction.RECEIVED]) == 0
    for milliseconds in (0.0005, 0.75, 1.0, 150.0):
        stats.add_latency(milliseconds)
    floors = [bucket_floor(bucket) for bucket, count in enumerate(stats.latencies) for _ in range(count)]
    assert floors == [0, 512, 512, 131072]  # µs: < 1, 750 and 1000 in [512, 1024), 150,000 in [131072, 262144)


def test_the_latency_histogram_is_fed_from_the_trackers_pairs() -> None:
    capture = Capture()
    stats = TrafficStats()
    capture.add_observer(stats)
    capture.protocols.pair_observers.append(stats.add_latency)
    capture.append([opened("client#1", "ws://127.0.0.1:1/rpc", "jsonrpc", 100.0), request(1, at=100.0),
                    request(2, at=100.010), result(2, 100.160), result(1, 100.200)])
    for _ in range(100):
        if capture.protocols.catch_up():
            break
    floors = sorted(bucket_floor(bucket) for bucket, count in enumerate(stats.latencies) for _ in range(count))
    assert floors == [131072, 131072]  # 150 and 200 ms
    assert stats.rates("client#1", Direction.SENT, 100, span=1)[0] == [2]
    assert isinstance(capture.store, CaptureStore)


def test_a_flood_batch_counted_from_the_store_gives_the_figures_of_counting_each_frame() -> None:
    capture = Capture()
    from_store, each_frame = TrafficStats(store=capture.store), TrafficStats()
    capture.add_observer(from_store)
    capture.add_observer(each_frame)
    uniform = [frame("client#1", Direction.RECEIVED, 0.001 * n, "x" * 150) for n in range(500)]
    capture.append(uniform)  # one connection, direction, second and size bucket: counted at once
    assert from_store.rates("client#1", Direction.RECEIVED, START, span=1) == ([500], [75_000])
    batches = [
        [frame("client#1", Direction.RECEIVED, 0.5 + 0.001 * n, "x" * (100 + n)) for n in range(60)],  # two buckets
        [frame("client#1", Direction.RECEIVED, 0.9 + 0.001 * n) for n in range(200)],  # across a second
        [frame("client#2", Direction.SENT, 2.0), frame("client#1", Direction.SENT, 2.0)],  # two connections
        [frame("client#1", Direction.SENT, 3.0), frame("client#1", Direction.SENT, 3.0, b"", Opcode.PING)],
        [frame("client#1", Direction.EVENT, 4.0, "{}", Opcode.OPEN)],  # nothing to count
        [frame("client#3", Direction.SENT, 5.0, b"\x00" * 4, Opcode.BINARY)] * 3,
    ]
    for batch in batches:
        capture.append(batch)
    assert from_store.series.keys() == each_frame.series.keys()
    for key in each_frame.series:
        assert from_store.rates(*key, START + 5, span=6) == each_frame.rates(*key, START + 5, span=6), key
    assert from_store.sizes == each_frame.sizes and from_store.latest == each_frame.latest == START + 5
