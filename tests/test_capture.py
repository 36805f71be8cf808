from app.core.capture import CaptureStore
from app.core.events import EventQueue
from app.core.frames import Direction, Frame, Opcode, Side, wire_size
from app.core.summary import summarize


def test_store_appends_in_columns_and_counts_directions() -> None:
    store = CaptureStore()
    rows = store.extend([
        Frame("client#1", Side.CLIENT, Direction.SENT, Opcode.TEXT, '{"a": 1}'),
        Frame("server#1", Side.SERVER, Direction.RECEIVED, Opcode.BINARY, b"\x00\x01"),
        Frame("client#1", Side.CLIENT, Direction.EVENT, Opcode.OPEN, "{}", size=0),
    ])
    assert rows == range(0, 3) and len(store) == 3
    assert (store.sent_count, store.received_count) == (1, 1)
    assert store.connection_names == ["client#1", "server#1"]
    frame = store.frame(1)
    assert frame.payload == b"\x00\x01" and frame.opcode is Opcode.BINARY and frame.side is Side.SERVER
    assert store.extend([]) == range(3, 3)


def test_wire_size_counts_utf8_bytes_even_with_lone_surrogates() -> None:
    assert wire_size("é") == 2
    assert wire_size("\ud800") == 3
    assert wire_size(b"abc") == 3


def test_queue_drains_in_order_up_to_a_limit() -> None:
    queue = EventQueue()
    for i in range(10):
        queue.put(i)
    assert queue.drain(4) == [0, 1, 2, 3]
    assert queue.drain() == [4, 5, 6, 7, 8, 9]
    assert queue.drain() == [] and len(queue) == 0


def test_summary_is_one_bounded_line() -> None:
    assert summarize(Opcode.TEXT, '{\n  "a":\t1\n}') == '{ "a": 1 }'
    long = summarize(Opcode.TEXT, "x" * 10_000)
    assert len(long) < 200 and long.endswith("…")
    assert summarize(Opcode.BINARY, b"\x00\xff").startswith("binary 2 B  00 ff")
    assert summarize(Opcode.TEXT, "a\ud800b") == "a\\ud800b"
