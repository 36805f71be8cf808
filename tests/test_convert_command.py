"""`socketscope convert IN OUT`, run as a real process: JSONL and HAR into each other, bad input and output."""

from __future__ import annotations

import json
import resource
import signal
import subprocess
from pathlib import Path

import pytest
from websockets.sync.client import connect

from app.core import jsonl
from app.core.capture_files import read_capture
from app.core.frames import Direction, Frame, Opcode, Side
from embedded_server.demo_app import GREETING
from tests.test_capture_commands import command, environment, run, start


def served_capture(tmp_path: Path) -> Path:
    """What `serve --record` writes for one client of `/ws` that sends one message."""
    out = tmp_path / "served.jsonl"
    process = start("serve", "--port", "0", "--quiet", "--record", str(out))
    try:
        assert process.stdout is not None
        url = process.stdout.readline().split()[-1]
        with connect(url, open_timeout=10) as client:
            assert json.loads(client.recv(timeout=5)) == GREETING
            client.send('{"hello": "server"}')
            assert json.loads(client.recv(timeout=5))["status"] == "received"
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    assert process.returncode == 0, err
    return out


def test_a_serve_capture_converts_to_har_that_shows_the_clients_view_and_back(tmp_path: Path) -> None:
    served = served_capture(tmp_path)
    original, report = read_capture(served)
    assert report.clean and {f.connection for f in original} == {"server#1"}

    har_path = tmp_path / "served.har"
    done = run("convert", str(served), str(har_path))
    assert done.returncode == 0, done.stderr
    assert f"Converted {len(original)} frames from {served} to {har_path} (HAR)" in done.stderr
    (entry,) = json.loads(har_path.read_text(encoding="utf-8"))["log"]["entries"]
    assert entry["request"]["url"].endswith("/ws")
    messages = [(m["type"], json.loads(m["data"])) for m in entry["_webSocketMessages"]]
    assert messages[:2] == [("receive", GREETING), ("send", {"hello": "server"})]  # the client's view
    assert messages[2][0] == "receive" and messages[2][1]["status"] == "received"

    back = tmp_path / "back.jsonl"
    done = run("convert", str(har_path), str(back))
    assert done.returncode == 0, done.stderr
    frames, report = read_capture(back)
    assert report.clean and frames == original  # sides, directions, closes, times: all exact


def test_a_foreign_har_converts_to_jsonl(tmp_path: Path) -> None:
    document = {"log": {"version": "1.2", "creator": {"name": "mitmproxy exporthar", "version": "0.1"}, "entries": [
        {"startedDateTime": "2025-11-25T04:00:00+00:00", "request": {"url": "http://127.0.0.1:8080/ws"},
         "response": {"status": 101}, "_webSocketMessages": [
             {"type": "send", "time": 1764043200.25, "opcode": 1, "data": "{}"},
             {"type": "receive", "time": 1764043200.5, "opcode": 2, "data": "/w=="}]}]}}
    source = tmp_path / "flows.har"
    source.write_text(json.dumps(document, indent=4), encoding="utf-8")
    out = tmp_path / "flows.ndjson"
    done = run("convert", str(source), str(out))
    assert done.returncode == 0, done.stderr
    frames, report = read_capture(out)
    assert report.clean
    assert [(f.connection, f.direction, f.payload) for f in frames] == [
        ("har#1", Direction.EVENT, frames[0].payload), ("har#1", Direction.SENT, "{}"),
        ("har#1", Direction.RECEIVED, b"\xff")]


@pytest.mark.parametrize(("args", "message"), [
    (["in.jsonl", "out.txt"], "the extension must be one of .jsonl, .ndjson, .har, not '.txt'"),
    (["in.jsonl", "out"], "not 'none'"),
    (["missing.jsonl", "out.har"], "cannot read missing.jsonl: No such file or directory"),
    (["in.jsonl", "no-such-dir/out.har"], "cannot write no-such-dir/out.har: No such file or directory"),
    (["in.jsonl", "in.jsonl"], "IN and OUT are the same file"),
    (["in.jsonl"], "the following arguments are required: OUT"),
])
def test_bad_usage_exits_2_and_writes_nothing(tmp_path: Path, args: list[str], message: str) -> None:
    line = jsonl.frame_to_line(Frame("client#1", Side.CLIENT, Direction.SENT, Opcode.TEXT, "{}", -1, 100.0))
    (tmp_path / "in.jsonl").write_text(line + "\n")
    before = sorted(tmp_path.rglob("*"))
    done = subprocess.run(command("convert", *args), cwd=tmp_path, env=environment(), capture_output=True,
                          text=True, timeout=40)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("socketscope convert: ") and message in done.stderr
    assert sorted(tmp_path.rglob("*")) == before and (tmp_path / "in.jsonl").read_text() == line + "\n"


def test_damaged_input_converts_what_is_valid_and_lists_what_was_skipped(tmp_path: Path) -> None:
    good = [Frame("client#1", Side.CLIENT, Direction.SENT, Opcode.TEXT, f'{{"n": {n}}}', -1, 100.0 + n)
            for n in range(3)]
    lines = [jsonl.header(), jsonl.frame_to_line(good[0]), "garbage", jsonl.frame_to_line(good[1]),
             '{"time": "soon", "connection": "c", "side": "client", "direction": "sent", "opcode": "text", "text": ""}',
             '{"time": 1, "connection": "c", "side": "nowhere", "direction": "sent", "opcode": "text", "text": ""}',
             '{"time": 1, "connection": "c", "side": "client", "direction": "sent", "opcode": "text"}',
             jsonl.frame_to_line(good[2]), jsonl.frame_to_line(good[2])[:30]]
    source = tmp_path / "damaged.jsonl"
    source.write_text("\n".join(lines))
    out = tmp_path / "damaged.har"
    done = run("convert", str(source), str(out))
    assert done.returncode == 0, done.stderr
    assert f"warning: {source}: 3 frames imported, 5 skipped (line 3: not JSON" in done.stderr
    for reason in ("line 3: not JSON", "line 5: time must be seconds since the epoch, not 'soon'",
                   "line 6: side must be one of client, server, not 'nowhere'",
                   "line 7: a frame needs a text or base64 payload", "line 9: not JSON"):
        assert f"  {reason}" in done.stderr
    assert "Converted 3 frames" in done.stderr
    frames, report = read_capture(out)
    assert report.clean and frames == good


@pytest.mark.parametrize(("name", "content", "message"), [
    ("empty.jsonl", b"", "no frame to convert: 0 frames imported. The file is empty."),
    ("notes.txt", b"hello\n", "no frame to convert: 0 frames imported. Not a capture file"),
    ("page.har", json.dumps({"log": {"entries": [{"request": {"url": "https://x/"}}]}}).encode(),
     "no frame to convert: 0 frames imported, 1 entry without WebSocket messages ignored"),
])
def test_input_without_a_single_frame_exits_2(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    source = tmp_path / name
    source.write_bytes(content)
    out = tmp_path / "out.har"
    done = run("convert", str(source), str(out))
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert not out.exists()


def test_a_disk_filling_up_while_writing_exits_1_and_leaves_out_as_it_was(tmp_path: Path) -> None:
    frames = [Frame("client#1", Side.CLIENT, Direction.SENT, Opcode.TEXT, '{"pad": "%s"}' % ("x" * 200), -1,
                    100.0 + n) for n in range(200)]
    source = tmp_path / "big.jsonl"
    with open(source, "w") as capture:
        jsonl.write_frames(capture, frames)
    out = tmp_path / "out.har"
    out.write_text("old content")

    def small_file_limit() -> None:  # Python ignores SIGXFSZ, so a write past the limit fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (8_000, 8_000))

    done = subprocess.run(command("convert", str(source), str(out)), env=environment(), capture_output=True,
                          text=True, timeout=40, preexec_fn=small_file_limit)
    assert done.returncode == 1, done.stderr
    assert f"socketscope convert: writing {out} failed: File too large; it was left as it was" in done.stderr
    assert out.read_text() == "old content" and not (tmp_path / "out.har.part").exists()


def test_help_lists_convert() -> None:
    done = run("--help")
    assert done.returncode == 0 and "  convert  convert a capture between JSONL and HAR" in done.stdout
