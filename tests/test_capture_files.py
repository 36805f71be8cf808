"""Capture files: JSONL and HAR written to real files and read back; bad files read as far as valid."""

from __future__ import annotations

import base64
import json
import random
import threading
from pathlib import Path
from urllib.parse import quote

import pytest
from websockets.sync.client import connect
from websockets.sync.server import ServerConnection, serve

from app.core import har
from app.core.capture import CaptureStore
from app.core.capture_files import CaptureFormat, export_capture, import_capture, read_capture, sniff
from app.core.frames import Direction, Frame, Opcode, Side
from embedded_server.runner import EmbeddedServer
from tests.helpers import WaitableQueue

T0 = 1764043200.123456


def capture_frames() -> list[Frame]:
    """Both sides of two connections, interleaved as the log shows them, with every odd payload."""
    return [
        Frame("client#1", Side.CLIENT, Direction.EVENT, Opcode.OPEN,
              json.dumps({"url": "ws://127.0.0.1:8765/ws?room=1", "subprotocol": None,
                          "response_headers": {"Upgrade": "websocket", "Connection": "Upgrade"}}), 0, T0),
        Frame("server#1", Side.SERVER, Direction.EVENT, Opcode.OPEN,
              json.dumps({"peer": "127.0.0.1:50000", "path": "/ws", "query": "room=1", "origin": None,
                          "headers": {"host": "127.0.0.1:8765", "upgrade": "websocket"}, "subprotocol": None}),
              0, T0 + 0.0001),
        Frame("client#1", Side.CLIENT, Direction.SENT, Opcode.TEXT,
              '{"a": 1, "a": 2, "n": 123456789012345678901234567890}', -1, T0 + 1),
        Frame("server#1", Side.SERVER, Direction.RECEIVED, Opcode.TEXT,
              '{"a": 1, "a": 2, "n": 123456789012345678901234567890}', -1, T0 + 1.000001),
        Frame("server#1", Side.SERVER, Direction.SENT, Opcode.TEXT, '"lone \ud800 surrogate", "ü €"', -1, T0 + 2),
        Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, '"lone \ud800 surrogate", "ü €"', -1, T0 + 2.5),
        Frame("client#1", Side.CLIENT, Direction.SENT, Opcode.BINARY, bytes(range(256)), -1, T0 + 3),
        Frame("server#1", Side.SERVER, Direction.RECEIVED, Opcode.BINARY, bytes(range(256)), -1, T0 + 3.25),
        Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.BINARY, b"", -1, T0 + 3.5),
        Frame("client#1", Side.CLIENT, Direction.SENT, Opcode.PING, b"are you there", -1, T0 + 3.75),
        Frame("server#2", Side.SERVER, Direction.EVENT, Opcode.REFUSED,
              json.dumps({"path": "/ws", "status": 403, "headers": {"host": "127.0.0.1:8765"}}), 0, T0 + 4),
        Frame("client#1", Side.CLIENT, Direction.SENT, Opcode.CLOSE,
              '{"code": 1000, "reason": "bye", "by": "client"}', 5, T0 + 5),
        Frame("server#1", Side.SERVER, Direction.RECEIVED, Opcode.CLOSE,
              '{"code": 1000, "reason": "bye", "by": "client"}', 5, T0 + 5.1),
        Frame("client#2", Side.CLIENT, Direction.EVENT, Opcode.ERROR,
              json.dumps({"url": "ws://127.0.0.1:9/x", "error": "connection refused"}), 0, T0 + 6),
    ]


def store_of(frames: list[Frame]) -> CaptureStore:
    store = CaptureStore()
    store.extend(frames)
    return store


def frames_of(store: CaptureStore) -> list[Frame]:
    return [store.frame(row) for row in range(len(store))]


def har_messages(path: Path) -> list[tuple[str, dict]]:
    document = json.loads(path.read_text(encoding="utf-8"))
    return [(entry["_socketscope"]["connection"], message)
            for entry in document["log"]["entries"] for message in entry["_webSocketMessages"]]


# -- round trips ------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".jsonl", ".har"])
def test_round_trip_through_a_file_is_identical_frame_by_frame(tmp_path: Path, suffix: str) -> None:
    frames = capture_frames()
    path = tmp_path / f"capture{suffix}"
    fractions: list[float] = []
    assert export_capture(path, store_of(frames), progress=fractions.append) == len(frames)
    assert fractions[-1] == 1.0 and fractions == sorted(fractions)
    assert not (tmp_path / f"capture{suffix}.part").exists()

    store = CaptureStore()
    report = import_capture(path, store)
    assert report.clean and report.imported == len(frames), report.summary()
    assert frames_of(store) == frames  # payload, time, size, direction, order: all exact


def test_har_holds_messages_in_chromes_form_and_the_rest_beside_them(tmp_path: Path) -> None:
    path = tmp_path / "capture.har"
    export_capture(path, store_of(capture_frames()))
    document = json.loads(path.read_text(encoding="utf-8"))
    log = document["log"]
    assert log["version"] == "1.2" and log["creator"]["name"] == "SocketScope"
    entries = log["entries"]
    assert [e["_socketscope"]["connection"] for e in entries] == ["client#1", "server#1", "server#2", "client#2"]
    for entry in entries:
        assert {"startedDateTime", "time", "request", "response", "cache", "timings", "_resourceType",
                "_webSocketMessages"} <= set(entry)
        assert entry["_resourceType"] == "websocket" and entry["request"]["method"] == "GET"
        assert {"method", "url", "httpVersion", "cookies", "headers", "queryString", "headersSize",
                "bodySize"} <= set(entry["request"])
        assert {"status", "statusText", "httpVersion", "cookies", "headers", "content", "redirectURL",
                "headersSize", "bodySize"} <= set(entry["response"])
        for message in entry["_webSocketMessages"]:
            assert set(message) == {"type", "time", "opcode", "data"}
    client, server, refused, failed = entries
    assert client["request"]["url"] == "ws://127.0.0.1:8765/ws?room=1"
    assert client["request"]["queryString"] == [{"name": "room", "value": "1"}]
    assert client["response"]["status"] == 101
    assert {"name": "Upgrade", "value": "websocket"} in client["response"]["headers"]
    assert server["request"]["url"] == "ws://127.0.0.1:8765/ws?room=1"  # rebuilt from the Host header
    assert {"name": "host", "value": "127.0.0.1:8765"} in server["request"]["headers"]
    assert refused["response"]["status"] == 403 and refused["_webSocketMessages"] == []
    assert failed["request"]["url"] == "ws://127.0.0.1:9/x" and failed["response"]["status"] == 0
    assert client["startedDateTime"].startswith("2025-11-25T04:00:00.123") and client["startedDateTime"].endswith("Z")

    assert client["_webSocketMessages"] == [
        {"type": "send", "time": T0 + 1, "opcode": 1, "data": '{"a": 1, "a": 2, "n": 123456789012345678901234567890}'},
        {"type": "receive", "time": T0 + 2.5, "opcode": 1, "data": '"lone \ud800 surrogate", "ü €"'},
        {"type": "send", "time": T0 + 3, "opcode": 2, "data": base64.b64encode(bytes(range(256))).decode()},
        {"type": "receive", "time": T0 + 3.5, "opcode": 2, "data": ""},
    ]
    kept = client["_socketscope"]["frames"]
    assert [(f["at"], f["opcode"]) for f in kept] == [(0, "open"), (4, "ping"), (4, "close")]
    assert client["_socketscope"]["side"] == "client" and server["_socketscope"]["side"] == "server"
    assert path.read_bytes().isascii()  # lone surrogates escaped, so the file is valid UTF-8


def test_foreign_reader_gets_every_message_with_direction_time_and_payload_exact(tmp_path: Path) -> None:
    """What a HAR viewer sees: SocketScope's members stripped, only Chrome's form is left."""
    frames = capture_frames()
    path = tmp_path / "capture.har"
    export_capture(path, store_of(frames))
    document = json.loads(path.read_text(encoding="utf-8"))
    del document["log"]["_socketscope"]
    for entry in document["log"]["entries"]:
        del entry["_socketscope"]
    plain = tmp_path / "plain.har"
    plain.write_text(json.dumps(document), encoding="utf-8")

    back, report = read_capture(plain)
    assert report.ignored == 2  # the refused and the failed connection carried no message
    assert not report.skipped and not report.notes
    messages = [(f.connection, f.direction, f.opcode, f.payload, f.wall_time, f.size)
                for f in back if f.opcode in (Opcode.TEXT, Opcode.BINARY)]
    names = {"client#1": "har#1", "server#1": "har#2"}
    clients_view = {Direction.SENT: Direction.RECEIVED, Direction.RECEIVED: Direction.SENT}  # server#1 turned round
    expected = [(names[f.connection], f.direction if f.side == Side.CLIENT else clients_view[f.direction],
                 f.opcode, f.payload, f.wall_time, f.size)
                for f in frames if f.opcode in (Opcode.TEXT, Opcode.BINARY)]  # in time order across entries
    assert messages == expected
    opens = [f for f in back if f.opcode == Opcode.OPEN]
    assert [json.loads(f.payload)["url"] for f in opens] == ["ws://127.0.0.1:8765/ws?room=1"] * 2
    assert back[0].opcode == Opcode.OPEN and back[0].wall_time <= back[1].wall_time


def relay_frames() -> list[Frame]:
    """A relay: its client leg recorded by the server's tap, its upstream leg by the relay as a client."""
    return [
        Frame("server#3", Side.SERVER, Direction.RECEIVED, Opcode.TEXT, '{"q": 1}', -1, T0 + 7),
        Frame("server#3>upstream", Side.CLIENT, Direction.SENT, Opcode.TEXT, '{"q": 1}', -1, T0 + 7.001),
        Frame("server#3>upstream", Side.CLIENT, Direction.RECEIVED, Opcode.BINARY, b"\x01", -1, T0 + 7.5),
        Frame("server#3", Side.SERVER, Direction.SENT, Opcode.BINARY, b"\x01", -1, T0 + 7.501),
        Frame("server#3", Side.SERVER, Direction.SENT, Opcode.CLOSE,
              '{"code": 1000, "reason": "", "by": "server"}', 2, T0 + 8),
    ]


def har_types(path: Path) -> dict[str, list[tuple[str, str]]]:
    """Each entry's messages as (type, data), by SocketScope's connection name."""
    types: dict[str, list[tuple[str, str]]] = {}
    for connection, message in har_messages(path):
        types.setdefault(connection, []).append((message["type"], message["data"]))
    return types


def test_har_type_is_the_clients_view_whichever_side_recorded_the_connection(tmp_path: Path) -> None:
    """A HAR entry is the client's view: `send` is what the client sent, also in the server's own entries."""
    frames = capture_frames() + relay_frames()
    path = tmp_path / "capture.har"
    export_capture(path, store_of(frames))
    types = har_types(path)
    binary = base64.b64encode(bytes(range(256))).decode()
    ping_pong = [("send", '{"a": 1, "a": 2, "n": 123456789012345678901234567890}'),
                 ("receive", '"lone \ud800 surrogate", "ü €"'), ("send", binary)]
    assert types["client#1"] == ping_pong + [("receive", "")]
    assert types["server#1"] == ping_pong  # the same wire, seen from the same end
    assert types["server#3"] == types["server#3>upstream"] == [("send", '{"q": 1}'), ("receive", "AQ==")]

    back, report = read_capture(path)  # SocketScope's own reader gets each side's direction back
    assert report.clean and back == frames


def test_a_peer_har_reader_sees_each_connection_from_its_client(tmp_path: Path) -> None:
    haralyzer = pytest.importorskip("haralyzer")
    path = tmp_path / "capture.har"
    export_capture(path, store_of(capture_frames() + relay_frames()))
    entries = [entry for page in haralyzer.HarParser.from_file(path).pages for entry in page.entries]
    seen = [(entry.url, [(m["type"], m["data"]) for m in entry["_webSocketMessages"]]) for entry in entries]
    client, server = seen[0], seen[1]
    assert client[0] == server[0] == "ws://127.0.0.1:8765/ws?room=1"
    assert [kind for kind, _ in client[1]] == ["send", "receive", "send", "receive"]
    assert server[1] == client[1][:3]


def test_a_real_relay_exports_both_legs_as_their_clients_saw_them(demo_server: EmbeddedServer, events: WaitableQueue,
                                                                    tmp_path: Path) -> None:
    """Through the embedded server's relay to an upstream that answers differently: in the HAR, the client leg
    (recorded by the server's tap) and the upstream leg (recorded by the relay as a client) both read `send`
    for what went towards the upstream."""
    def answer(websocket: ServerConnection) -> None:
        for message in websocket:
            websocket.send(f"up:{message!s}")

    upstream = serve(answer, "127.0.0.1", 0)
    thread = threading.Thread(target=upstream.serve_forever, name="test-upstream")
    thread.start()
    try:
        target = quote(f"ws://127.0.0.1:{upstream.socket.getsockname()[1]}/", safe="")
        with connect(demo_server.address.ws_url(f"/relay?target={target}"), open_timeout=5) as ws:
            ws.send("hello")
            assert ws.recv(timeout=5) == "up:hello"
        events.wait_for(lambda _: [f for f in events.frames("server#1>") if f.opcode == Opcode.CLOSE])
    finally:
        upstream.shutdown()
        thread.join(5)
    frames = events.frames("server#1")
    path = tmp_path / "relay.har"
    export_capture(path, store_of(frames))
    types = har_types(path)
    assert types["server#1"] == types["server#1>upstream"] == [("send", "hello"), ("receive", "up:hello")]
    back, report = read_capture(path)
    assert report.clean and back == frames


def test_only_the_given_rows_are_exported(tmp_path: Path) -> None:
    store = store_of(capture_frames())
    rows = [row for row in range(len(store)) if store.connection(row) == "server#1" and store.opcodes[row] == Opcode.TEXT]
    for suffix in (".jsonl", ".har"):
        path = tmp_path / f"part{suffix}"
        assert export_capture(path, store, rows) == 2
        back, report = read_capture(path)
        assert back == [store.frame(row) for row in rows] and report.clean
    entry = json.loads((tmp_path / "part.har").read_text())["log"]["entries"][0]
    assert entry["request"]["url"] == "ws://127.0.0.1:8765/ws?room=1"  # the open event is found outside the rows


# -- other tools' files -----------------------------------------------------------------------


def chrome_har() -> dict:
    """A HAR as Chrome DevTools' "Save all as HAR with content" writes one: HTTP and WebSocket entries."""
    def entry(url: str, resource: str, status: int) -> dict:
        return {
            "_initiator": {"type": "script"}, "_priority": "High", "_resourceType": resource, "cache": {},
            "connection": "12345", "pageref": "page_1",
            "request": {"method": "GET", "url": url, "httpVersion": "HTTP/1.1",
                        "headers": [{"name": "Host", "value": "example.test"},
                                    {"name": "Upgrade", "value": "websocket"}],
                        "queryString": [], "cookies": [], "headersSize": 420, "bodySize": 0},
            "response": {"status": status, "statusText": "Switching Protocols" if status == 101 else "OK",
                         "httpVersion": "HTTP/1.1",
                         "headers": [{"name": "Sec-WebSocket-Accept", "value": "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="}],
                         "cookies": [], "content": {"size": 0, "mimeType": "x-unknown"}, "redirectURL": "",
                         "headersSize": 129, "bodySize": 0, "_transferSize": 129, "_error": None},
            "serverIPAddress": "127.0.0.1", "startedDateTime": "2025-11-25T04:00:00.000Z", "time": 1.25,
            "timings": {"blocked": 0.5, "dns": -1, "ssl": -1, "connect": -1, "send": 0, "wait": 0.75,
                        "receive": 0, "_blocked_queueing": -1},
        }

    socket = entry("wss://example.test/feed", "websocket", 101)
    socket["_webSocketMessages"] = [
        {"type": "send", "time": 1764043200.5, "opcode": 1, "data": '{"subscribe": "prices"}'},
        {"type": "receive", "time": 1764043200.625, "opcode": 1, "data": '{"price": 1e400, "id": 9007199254740993}'},
        {"type": "receive", "time": 1764043201.0, "opcode": 2, "data": "AAEC/w=="},
        {"type": "send", "time": 1764043201.5, "opcode": 1, "data": ""},
    ]
    second = entry("ws://example.test/chat", "websocket", 101)
    second["_webSocketMessages"] = [{"type": "receive", "time": 1764043202, "opcode": 1, "data": "hi"}]
    return {"log": {
        "version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
        "pages": [{"startedDateTime": "2025-11-25T03:59:59.000Z", "id": "page_1", "title": "https://example.test/",
                   "pageTimings": {"onContentLoad": 100, "onLoad": 200}}],
        "entries": [entry("https://example.test/", "document", 200), socket,
                    entry("https://example.test/app.js", "script", 200), second],
    }}


def test_a_chrome_devtools_har_imports_with_every_message(tmp_path: Path) -> None:
    path = tmp_path / "example.test.har"
    path.write_text(json.dumps(chrome_har(), indent=2), encoding="utf-8")
    store = CaptureStore()
    report = import_capture(path, store)
    frames = sorted(frames_of(store), key=lambda f: f.connection)  # entry by entry (they are in time order)
    assert report.imported == 7 == len(frames) and report.ignored == 2 and not report.skipped
    assert "2 entries without WebSocket messages ignored" in report.summary()
    opening = frames[0]
    assert (opening.connection, opening.side, opening.direction, opening.opcode) == (
        "har#1", Side.CLIENT, Direction.EVENT, Opcode.OPEN)
    details = json.loads(opening.payload)
    assert details["url"] == "wss://example.test/feed" and details["status"] == 101
    assert details["response_headers"] == {"Sec-WebSocket-Accept": "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="}
    assert opening.wall_time == 1764043200.0  # startedDateTime
    assert [(f.direction, f.opcode, f.payload, f.wall_time) for f in frames[1:5]] == [
        (Direction.SENT, Opcode.TEXT, '{"subscribe": "prices"}', 1764043200.5),
        (Direction.RECEIVED, Opcode.TEXT, '{"price": 1e400, "id": 9007199254740993}', 1764043200.625),
        (Direction.RECEIVED, Opcode.BINARY, b"\x00\x01\x02\xff", 1764043201.0),
        (Direction.SENT, Opcode.TEXT, "", 1764043201.5),
    ]
    assert {f.connection for f in frames[5:]} == {"har#2"}
    assert json.loads(frames[5].payload)["url"] == "ws://example.test/chat"
    assert store.sent_count == 2 and store.received_count == 3


def test_a_mitmproxy_har_imports_too(tmp_path: Path) -> None:
    """mitmproxy's save.har: four-space indent, no _initiator, message time from its flow."""
    document = {"log": {"version": "1.2", "creator": {"name": "mitmproxy exporthar", "version": "0.1"},
                        "pages": [], "entries": [{
        "startedDateTime": "2025-11-25T04:00:00+00:00", "time": 3.0,
        "request": {"method": "GET", "url": "http://127.0.0.1:8080/ws", "httpVersion": "HTTP/1.1",
                    "cookies": [], "headers": [], "queryString": [], "headersSize": 10, "bodySize": 0},
        "response": {"status": 101, "statusText": "Switching Protocols", "httpVersion": "HTTP/1.1",
                     "cookies": [], "headers": [], "content": {"size": 0, "compression": 0, "mimeType": ""},
                     "redirectURL": "", "headersSize": 10, "bodySize": 0},
        "cache": {}, "timings": {"connect": 1.0, "ssl": None, "send": 1.0, "receive": 0, "wait": 1.0},
        "_resourceType": "websocket",
        "_webSocketMessages": [{"type": "send", "time": 1764043200.25, "opcode": 1, "data": "{}"},
                               {"type": "receive", "time": 1764043200.5, "opcode": 2, "data": "/w=="}],
    }]}}
    path = tmp_path / "flows.har"
    path.write_text(json.dumps(document, indent=4), encoding="utf-8")
    frames, report = read_capture(path)
    assert report.clean and [f.opcode for f in frames] == [Opcode.OPEN, Opcode.TEXT, Opcode.BINARY]
    assert frames[2].payload == b"\xff" and frames[0].wall_time == 1764043200.0


def mitmproxy_entry(path: str, started: str, messages: list[tuple[str, float, str]]) -> dict:
    """One WebSocket flow as mitmproxy's save.har writes it."""
    return {
        "startedDateTime": started, "time": 3.0,
        "request": {"method": "GET", "url": f"http://127.0.0.1:8080{path}", "httpVersion": "HTTP/1.1",
                    "cookies": [], "headers": [], "queryString": [], "headersSize": 10, "bodySize": 0},
        "response": {"status": 101, "statusText": "Switching Protocols", "httpVersion": "HTTP/1.1",
                     "cookies": [], "headers": [], "content": {"size": 0, "compression": 0, "mimeType": ""},
                     "redirectURL": "", "headersSize": 10, "bodySize": 0},
        "cache": {}, "timings": {"connect": 1.0, "ssl": None, "send": 1.0, "receive": 0, "wait": 1.0},
        "_resourceType": "websocket",
        "_webSocketMessages": [{"type": kind, "time": at, "opcode": 1, "data": data} for kind, at, data in messages],
    }


def test_overlapping_connections_of_a_mitmproxy_har_import_in_time_order(tmp_path: Path) -> None:
    """Two chat clients in one room: mitmproxy writes one flow after the other, the log shows them as they happened."""
    t = 1764043200.0
    alice = mitmproxy_entry("/ws/chat", "2025-11-25T04:00:00+00:00", [
        ("send", t + 1, "alice: hi"), ("receive", t + 1.5, "bob joined"),
        ("receive", t + 3, "bob: hello"), ("send", t + 4, "alice: bye")])
    bob = mitmproxy_entry("/ws/chat", "2025-11-25T04:00:01.500000+00:00", [
        ("receive", t + 1.5, "you joined"), ("send", t + 2.5, "bob: hello"), ("receive", t + 4, "alice: bye")])
    document = {"log": {"version": "1.2", "creator": {"name": "mitmproxy exporthar", "version": "0.1"},
                        "pages": [], "entries": [alice, bob]}}
    path = tmp_path / "flows.har"
    path.write_text(json.dumps(document, indent=4), encoding="utf-8")
    frames, report = read_capture(path)
    assert report.clean and report.imported == 9
    assert [(f.connection, f.wall_time, f.payload if f.opcode == Opcode.TEXT else "open") for f in frames] == [
        ("har#1", t, "open"),
        ("har#1", t + 1, "alice: hi"),
        ("har#1", t + 1.5, "bob joined"),  # equal times: the earlier entry first
        ("har#2", t + 1.5, "open"),
        ("har#2", t + 1.5, "you joined"),
        ("har#2", t + 2.5, "bob: hello"),
        ("har#1", t + 3, "bob: hello"),
        ("har#1", t + 4, "alice: bye"),
        ("har#2", t + 4, "alice: bye"),
    ]


# -- bad input --------------------------------------------------------------------------------


def test_truncated_jsonl_keeps_every_complete_line(tmp_path: Path) -> None:
    path = tmp_path / "cut.jsonl"
    export_capture(path, store_of(capture_frames()))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 30])  # cut inside the last line
    frames, report = read_capture(path)
    assert frames == capture_frames()[:-1]
    assert report.skipped_count == 1 and report.skipped[0][0] == len(capture_frames()) + 1
    assert "not JSON" in report.skipped[0][1]


def test_truncated_har_salvages_the_complete_entries(tmp_path: Path) -> None:
    path = tmp_path / "cut.har"
    path.write_text(json.dumps(chrome_har(), indent=2), encoding="utf-8")
    text = path.read_text()
    path.write_text(text[: text.index('"ws://example.test/chat"')])  # inside the fourth entry
    frames, report = read_capture(path)
    assert len(frames) == 5 and {f.connection for f in frames} == {"har#1"}
    assert report.ignored == 2 and report.notes and "cut off or broken" in report.notes[0]
    assert "3 complete entries" in report.notes[0]


def test_a_har_cut_inside_one_long_connection_keeps_the_messages_before_the_cut(tmp_path: Path) -> None:
    frames = [Frame("client#1", Side.CLIENT, Direction.EVENT, Opcode.OPEN, '{"url": "ws://127.0.0.1:1/long"}', 0, T0)]
    frames += [Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, f'{{"seq": {i}}}', -1, T0 + i)
               for i in range(1, 1001)]
    path = tmp_path / "crash.har"
    export_capture(path, store_of(frames))
    text = path.read_text()
    path.write_text(text[: text.index('{\\"seq\\": 700}') + 5])  # inside message 700's data
    back, report = read_capture(path)
    assert [f.payload for f in back[1:]] == [f.payload for f in frames[1:700]]
    assert back[0].opcode == Opcode.OPEN and json.loads(back[0].payload)["url"] == "ws://127.0.0.1:1/long"
    assert back[0].connection == "har#1"  # SocketScope's own member came after the cut
    assert "the first 699 messages of the entry it cuts were read" in report.notes[0]

    document = chrome_har()  # the same in Chrome's form: the second connection cut in its messages
    text = json.dumps(document, indent=2)
    path.write_text(text[: text.index('"data": "hi"')])
    back, report = read_capture(path)
    assert len(back) == 5 and report.notes and "3 complete entries" in report.notes[0]


def test_wrong_types_missing_fields_and_bad_base64_are_skipped_with_reasons(tmp_path: Path) -> None:
    document = chrome_har()
    socket = document["log"]["entries"][1]
    socket["_webSocketMessages"] += [
        {"type": "send", "time": "soon", "opcode": 1, "data": "x"},
        {"type": "sideways", "time": 1.0, "opcode": 1, "data": "x"},
        {"type": "receive", "time": 1.0, "opcode": 2, "data": "not base64!"},
        {"type": "receive", "time": 1.0, "opcode": 1},
        {"type": "receive", "time": 1.0, "opcode": 7, "data": "x"},
        "a string",
        {"type": "error", "time": 1764043203.0, "opcode": -1, "data": "Invalid frame header"},
    ]
    document["log"]["entries"] += [
        "not an entry",
        {"_resourceType": "websocket", "request": {"url": "ws://x"}, "_webSocketMessages": {"not": "a list"}},
        {"request": {"url": 5}, "_webSocketMessages": [{"type": "send", "time": 2.0, "opcode": 1, "data": "ok"}]},
    ]
    path = tmp_path / "odd.har"
    path.write_text(json.dumps(document), encoding="utf-8")
    frames, report = read_capture(path)
    reasons = [f"{where}: {why}" for where, why in report.skipped]
    assert reasons == [
        "2: message 5: time must be seconds since the epoch, not 'soon'",
        "2: message 6: type must be send, receive or error, not 'sideways'",
        "2: message 7: binary data is not valid base64: Only base64 data is allowed",
        "2: message 8: data must be a string, not NoneType",
        "2: message 9: opcode must be 1 (text) or 2 (binary), not 7",
        "2: message 10: a message is a JSON object, not str",
        "5: an entry is a JSON object, not str",
        "6: _webSocketMessages must be a list, not dict",
    ]
    error = [f for f in frames if f.connection == "har#1"][5]
    assert error.opcode == Opcode.ERROR and json.loads(error.payload)["error"] == "Invalid frame header"
    last = [f for f in frames if f.connection == "har#3"]
    assert [f.payload for f in last][1:] == ["ok"] and json.loads(last[0].payload)["url"] == ""
    assert report.imported == len(frames) == 1 + 5 + 2 + 2
    assert report.summary().startswith(f"{len(frames)} frames imported, 8 skipped (entry 2: message 5: time")


@pytest.mark.parametrize(("name", "content", "note"), [
    ("empty.jsonl", b"", "The file is empty."),
    ("blank.har", b"  \n\n ", "The file holds only white space."),
    ("image.jsonl", bytes(range(256)) * 40, "The file is binary, not a JSONL or HAR capture."),
    ("notes.txt", b"hello\nworld\n", "Not a capture file: it is neither SocketScope JSONL nor HAR."),
    ("broken.har", b'{"log": {"entries": [{"request": ', "Not a HAR file: it is not valid JSON"),
    ("array.har", b"[1, 2, 3]", "Not a HAR file: it has no log.entries list."),
])
def test_files_that_are_not_captures_import_nothing_and_say_why(tmp_path: Path, name: str, content: bytes,
                                                                note: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    frames, report = read_capture(path)
    assert frames == [] and report.imported == 0
    assert report.notes and report.notes[0].startswith(note)
    assert note in report.summary()


def test_a_jsonl_file_that_is_not_json_reports_every_line(tmp_path: Path) -> None:
    path = tmp_path / "prose.jsonl"
    path.write_bytes("Dear reader,\nthis is not JSON.\n\xff\n".encode("latin-1") + b'{"time": 1}\n')
    frames, report = read_capture(path)
    assert frames == [] and report.skipped_count == 4
    assert [why.split(" (")[0] for _, why in report.skipped[:3]] == ["not JSON", "not JSON", "not UTF-8 text"]
    assert report.skipped[2] == (3, "not UTF-8 text")
    assert "connection must be a non-empty string" in report.skipped[3][1]


def test_a_har_that_is_not_utf8_part_way_keeps_what_precedes(tmp_path: Path) -> None:
    text = json.dumps(chrome_har(), indent=2).encode()
    cut = text.index(b'"ws://example.test/chat"')
    path = tmp_path / "mixed.har"
    path.write_bytes(text[:cut] + b"\xff\xfe" + text[cut:])
    frames, report = read_capture(path)
    assert len(frames) == 5
    assert report.notes[0].startswith(f"The file is not UTF-8 text from byte {cut:,} on")


def test_sniffing_decides_before_the_extension(tmp_path: Path) -> None:
    assert sniff(b'\xef\xbb\xbf{\n  "log": {') is CaptureFormat.HAR
    assert sniff(b'{"format": "socketscope-jsonl", "version": 1}\n') is CaptureFormat.JSONL
    assert sniff(b'{"time": 1, "connection": "a"') is CaptureFormat.JSONL
    assert sniff(b"[]") is None
    path = tmp_path / "capture.txt"  # a HAR under a misleading name
    path.write_text(json.dumps(chrome_har()), encoding="utf-8")
    frames, report = read_capture(path)
    assert len(frames) == 7 and report.unit == "entry"


def test_a_connection_is_renamed_by_tag_and_order_survives_a_broken_order_member(tmp_path: Path) -> None:
    frames = capture_frames()
    path = tmp_path / "capture.har"
    export_capture(path, store_of(frames))
    document = json.loads(path.read_text())
    document["log"]["_socketscope"]["order"][0][1] += 1  # no longer fits the entries
    path.write_text(json.dumps(document))
    store = CaptureStore()
    report = import_capture(path, store, tag="2")
    assert "interleaved by time" in report.notes[0]
    assert store.connection_names == ["client#1~2", "server#1~2", "server#2~2", "client#2~2"]
    assert len(store) == len(frames)
    assert [(f.connection, f.wall_time) for f in frames_of(store)] == [(f"{f.connection}~2", f.wall_time) for f in frames]


def test_an_export_that_fails_leaves_the_target_as_it_was(tmp_path: Path) -> None:
    target = tmp_path / "keep.jsonl"
    target.write_text("old content")

    class Boom(Exception):
        pass

    def fail(fraction: float) -> None:
        raise Boom

    store = store_of(capture_frames() * 20)
    with pytest.raises(Boom):
        export_capture(target, store, progress=fail)
    assert target.read_text() == "old content" and not (tmp_path / "keep.jsonl.part").exists()
    with pytest.raises(OSError):
        export_capture(tmp_path / "missing-dir" / "x.har", store)


def test_har_message_mapping_leaves_out_what_har_cannot_hold() -> None:
    close = capture_frames()[-3]
    assert har.message_of(close) is None
    text = Frame("c", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, "hi", -1, 2.5)
    assert har.message_of(text) == {"type": "receive", "time": 2.5, "opcode": 1, "data": "hi"}


@pytest.mark.parametrize("bad_time", ["1" + "0" * 400, "NaN", "-Infinity", "1e300", "-5", "true", '"12:00"'])
def test_times_that_are_no_date_are_skipped_not_raised(tmp_path: Path, bad_time: str) -> None:
    line = ('{"time": %s, "connection": "c", "side": "client", "direction": "sent", "opcode": "text", "text": "x"}'
            % bad_time)
    path = tmp_path / "times.jsonl"
    path.write_text(line + "\n" + line.replace(bad_time, "1.5") + "\n")
    frames, report = read_capture(path)
    assert [f.wall_time for f in frames] == [1.5]
    assert report.skipped_count == 1 and report.skipped[0][1].startswith("time must be seconds since the epoch")

    document = chrome_har()
    document["log"]["entries"][3]["startedDateTime"] = "0001-01-01T00:00:00Z"  # no usable start: first message
    messages = document["log"]["entries"][1]["_webSocketMessages"]
    messages[0] = json.loads(json.dumps(messages[0]).replace("1764043200.5", bad_time))
    har_path = tmp_path / "times.har"
    har_path.write_text(json.dumps(document))  # NaN and Infinity as Python writes them
    frames, report = read_capture(har_path)
    assert report.skipped_count == 1 and "message 1: time must be seconds" in report.skipped[0][1]
    assert [f.wall_time for f in frames if f.connection == "har#2"] == [1764043202.0, 1764043202.0]


def test_a_size_no_frame_can_have_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "sizes.jsonl"
    path.write_text('{"time": 1, "connection": "c", "side": "client", "direction": "sent", "opcode": "text", '
                    '"text": "x", "size": 100000000000000000000000000}\n')
    store = CaptureStore()
    report = import_capture(path, store)
    assert len(store) == 0 and report.skipped[0][1].startswith("size must be a whole number of bytes")


def test_damaged_copies_of_real_files_never_raise(tmp_path: Path) -> None:
    """300 seeded random cuts, insertions and byte flips of JSONL and HAR files: read as far as valid."""
    sources = []
    for suffix in (".jsonl", ".har"):
        path = tmp_path / f"source{suffix}"
        export_capture(path, store_of(capture_frames()))
        sources.append((suffix, path.read_bytes()))
    sources.append((".har", json.dumps(chrome_har(), indent=1).encode()))
    rng = random.Random(20261125)
    junk = [b"{", b"}", b"[", b"]", b",", b'"', b"\\", b"\x00", b"\xff", b"1e999", b"null", b"-1", b"\n", b"NaN"]
    for attempt in range(300):
        suffix, source = rng.choice(sources)
        data = bytearray(source)
        for _ in range(rng.randint(1, 4)):
            position = rng.randrange(max(1, len(data)))
            choice = rng.random()
            if choice < 0.3:
                del data[position:]
            elif choice < 0.6:
                data[position:position] = rng.choice(junk)
            elif choice < 0.8:
                del data[position:position + rng.randint(1, 20)]
            elif data:
                data[position] = rng.randrange(256)
        path = tmp_path / f"damaged{suffix}"
        path.write_bytes(bytes(data))
        store = CaptureStore()
        report = import_capture(path, store)
        assert report.imported == len(store), attempt
        assert all(isinstance(payload, (str, bytes)) for payload in store.payloads)


@pytest.mark.parametrize("suffix", [".jsonl", ".har"])
def test_export_after_the_budget_dropped_rows_writes_the_rows_kept(tmp_path: Path, suffix: str) -> None:
    store = CaptureStore(budget=1024 * 1024)
    sent = [Frame("client#1", Side.CLIENT, Direction.SENT, Opcode.TEXT, json.dumps({"seq": i, "pad": "x" * 2000}),
                  wall_time=1_700_000_000 + i) for i in range(1000)]
    store.extend(sent)
    assert store.enforce_budget() > 0 and store.first > 0
    kept = [store.frame(row) for row in store.rows()]
    path = tmp_path / f"kept{suffix}"
    assert export_capture(path, store) == len(kept)
    frames, report = read_capture(path)
    assert [json.loads(f.payload)["seq"] for f in frames if f.opcode == Opcode.TEXT] == \
        [json.loads(f.payload)["seq"] for f in kept]
