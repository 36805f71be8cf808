import pytest

from app.core import capture
from app.core.capture import ARENA_CHUNK, ROW_BYTES, CaptureStore
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


@pytest.mark.parametrize("payload", [
    "", "plain", "déjà vu ☃ 😀", "a\ud800b", "\udfff", "\ud83d\ude00 pair stays two", "x" * (3 * ARENA_CHUNK + 17),
    b"", b"\x00\xff\xfe binary", bytes(range(256)) * 9000,
])
def test_payloads_round_trip_exactly(payload: str | bytes) -> None:
    store = CaptureStore()
    filler = Frame("c", Side.CLIENT, Direction.SENT, Opcode.TEXT, "f" * (ARENA_CHUNK - 5))  # the next one spans chunks
    opcode = Opcode.BINARY if isinstance(payload, bytes) else Opcode.TEXT
    store.extend([filler, Frame("c", Side.CLIENT, Direction.SENT, opcode, payload), filler])
    assert type(store.payloads[1]) is type(payload) and store.payloads[1] == payload
    assert store.frame(1).payload == payload and store.payloads[2] == filler.payload
    head = store.payloads.head(1, 10)
    assert head == payload[:11]


def test_the_budget_drops_the_oldest_rows_in_bulk_and_counts_them() -> None:
    per_row = 100 + ROW_BYTES
    store = CaptureStore(budget=per_row * 1000)
    frames = [Frame("c", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, f"{i:0100d}") for i in range(1500)]
    store.extend(frames[:1000])
    assert store.enforce_budget() == 0 and store.dropped == 0
    store.extend(frames[1000:1001])
    dropped = store.enforce_budget()
    assert dropped == 101 and store.dropped == 101 and store.first == 101  # down to 90 %, not one row
    assert len(store) == 900 and store.nbytes <= store.budget * 0.9
    assert store.payloads[101] == frames[101].payload and store.payloads[1000] == frames[1000].payload
    assert store.rows() == range(101, 1001) and store.frame(500).payload == frames[500].payload
    for dropped_row in (store.payloads.__getitem__, store.directions.__getitem__, store.payloads.is_text,
                        store.payloads.length, store.frame):
        with pytest.raises(IndexError, match="row 100 was dropped"):
            dropped_row(100)
    store.extend(frames[1001:1500])
    assert store.enforce_budget() > 0 and store.end == 1500
    assert store.payloads[store.first] == frames[store.first].payload
    assert [store.payloads[r] for r in store.rows()] == [f.payload for f in frames[store.first:]]
    assert list(store.payloads) == [f.payload for f in frames[store.first:]]  # iteration: the rows kept
    assert len(list(store.directions)) == len(store) and store.payloads[-1] == frames[-1].payload


def test_dropping_releases_whole_arena_chunks() -> None:
    store = CaptureStore(budget=4 * ARENA_CHUNK)
    big = Frame("c", Side.CLIENT, Direction.SENT, Opcode.TEXT, "y" * (ARENA_CHUNK // 2))
    for _ in range(20):
        store.extend([big])
        store.enforce_budget()
    assert store.dropped > 0 and store.payloads.chunk_count <= 5
    assert all(store.payloads[r] == big.payload for r in store.rows())


@pytest.mark.parametrize("text, size", [("512M", 512 * 1024 ** 2), ("2G", 2 * 1024 ** 3), ("1.5GiB", 1536 * 1024 ** 2),
                                        ("4000000", 4_000_000), ("64 mb", 64 * 1024 ** 2)])
def test_memory_budget_option_takes_sizes(text: str, size: int) -> None:
    from app.window_args import parse_options

    assert parse_options(["--memory-budget", text]).memory_budget == size


@pytest.mark.parametrize("text", ["lots", "1K", "-5M", "0"])
def test_memory_budget_option_refuses_nonsense(text: str, capsys: pytest.CaptureFixture[str]) -> None:
    from app.window_args import parse_options

    with pytest.raises(SystemExit) as exit_info:
        parse_options(["--memory-budget", text])
    assert exit_info.value.code == 2 and "--memory-budget" in capsys.readouterr().err


def test_default_memory_budget_is_one_gibibyte() -> None:
    from app.window_args import parse_options

    assert parse_options([]).memory_budget == 1024 ** 3 == CaptureStore().budget


def test_the_window_command_line_has_a_name_of_its_own() -> None:
    """`app.window_args` parses the window's command line; the one `options` module is the connections'."""
    import importlib.util

    assert importlib.util.find_spec("app.window_args") is not None
    assert importlib.util.find_spec("app.options") is None
    assert importlib.util.find_spec("app.net.options") is not None


@pytest.fixture(params=["mapped", "bytearray"])
def chunk_kind(request, monkeypatch) -> str:
    """The arena's chunks as Linux makes them (populated mappings) and as other systems do (bytearrays)."""
    if request.param == "bytearray":
        monkeypatch.setattr(capture, "POPULATE", None)
    elif capture.POPULATE is None:
        pytest.skip("this system has no MAP_POPULATE")
    return request.param


def test_a_bulk_prefix_check_agrees_with_the_row_by_row_one(chunk_kind: str) -> None:
    store = CaptureStore()
    store.extend([Frame("c", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, "x" * 1000)])  # not at a chunk's start
    payloads = ['42["a"]', "42", '["b"]', '421["c"]', "", '42["d",{"é":1}]', "4", '2["e"]', '42["f"]']
    store.extend(Frame("c", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, text) for text in payloads)
    rows = range(store.first + 1, store.end)
    assert type(store.payloads.views(store.first)[0].obj).__name__ == ("mmap" if chunk_kind == "mapped" else "bytearray")
    bulk = store.payloads.starting_with(rows, b'42["')
    assert bulk == [store.payloads.starts_with(row, b'42["') for row in rows]
    assert bulk == [True, False, False, False, False, True, False, False, True]  # "42" then '["b"]' is no match


def test_payloads_round_trip_in_either_kind_of_chunk_and_dropped_chunks_go(chunk_kind: str) -> None:
    store = CaptureStore(budget=4 * ARENA_CHUNK)
    texts = [f'{{"n": {n}, "pad": "{"é" * (n * 997 % 60_000)}"}}' for n in range(400)]
    store.extend(Frame("c", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, text) for text in texts)
    store.extend([Frame("c", Side.CLIENT, Direction.RECEIVED, Opcode.BINARY, bytes(range(256)) * 5000)])
    assert store.enforce_budget() > 0 and store.payloads.chunk_count <= 5
    kept = texts[store.first:]
    assert [store.payloads[row] for row in range(store.first, store.end - 1)] == kept
    assert store.payloads[store.end - 1] == bytes(range(256)) * 5000


def test_a_bulk_prefix_check_declines_binary_rows_and_rows_across_chunks() -> None:
    store = CaptureStore()
    store.extend([Frame("c", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, '42["a"]'),
                  Frame("c", Side.CLIENT, Direction.RECEIVED, Opcode.BINARY, b'42["b"]')])
    assert store.payloads.starting_with(range(store.first, store.end), b"42") is None
    assert store.payloads.starting_with(range(store.first, store.first + 1), b"42") == [True]
    store.extend([Frame("c", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, "x" * (ARENA_CHUNK - 20)),
                  Frame("c", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, '42["spans two chunks"]')])
    assert store.payloads.starting_with(range(store.end - 2, store.end), b"42") is None
    assert store.payloads.starting_with(range(store.end, store.end), b"42") is None
