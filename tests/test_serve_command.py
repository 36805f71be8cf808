"""`socketscope serve` as users run it: a subprocess, real clients, signals."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect
from websockets.typing import Subprotocol

from embedded_server.demo_app import GREETING
from tests.helpers import REPO


def start(*args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-m", "app", "serve", *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture
def served() -> Iterator[tuple[subprocess.Popen[str], str]]:
    process = start("--port", "0", "--app", "tests.thirdparty_app:app")
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("SocketScope server listening on http://127.0.0.1:"), line + process.stderr.read()
    yield process, line.split()[4]
    if process.poll() is None:
        process.kill()
        process.wait(10)


def test_user_app_is_served_and_every_frame_printed(served: tuple[subprocess.Popen[str], str]) -> None:
    process, http_url = served
    ws_url = http_url.replace("http://", "ws://") + "/shout"
    with connect(ws_url, open_timeout=5, subprotocols=[Subprotocol("chat.v1")]) as ws:
        assert ws.subprotocol == "chat.v1"
        ws.send("hello")
        assert ws.recv(timeout=5) == "HELLO"
        ws.send("bye")
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
    assert closed.value.rcvd.code == 4000 and closed.value.rcvd.reason == "asked to leave"
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    lines = out.splitlines()
    assert any("server#1 ** open" in line and '"path": "/shout"' in line and "chat.v1" in line for line in lines)
    assert any("server#1 <- text 5B hello" in line for line in lines)
    assert any("server#1 -> text 5B HELLO" in line for line in lines)
    assert any("server#1 -> close" in line and '"code": 4000' in line for line in lines)
    assert "stopped" in err


def test_demo_is_the_default_and_sigterm_stops_it() -> None:
    process = start("--port", "0", "--quiet")
    assert process.stdout is not None
    line = process.stdout.readline()
    ws_url = line.split()[-1]
    with connect(ws_url, open_timeout=5) as ws:
        assert json.loads(ws.recv(timeout=5)) == GREETING
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=15)
    assert process.returncode == 0 and line.startswith("SocketScope server listening")
    assert out.strip() == ""  # --quiet: nothing after the URL line


def test_port_in_use_exits_1_with_a_message() -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        process = start("--port", str(squatter.getsockname()[1]))
        _, err = process.communicate(timeout=30)
    assert process.returncode == 1 and "already in use" in err


@pytest.mark.parametrize("spec, message", [
    ("nonexistent_module_xyz:app", "Cannot import"),
    ("tests.thirdparty_app:missing", "has no attribute"),
    ("no-colon", "module:attribute"),
])
def test_bad_app_is_a_usage_error(spec: str, message: str) -> None:
    process = start("--port", "0", "--app", spec)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 2 and message in err


def test_bad_option_is_a_usage_error() -> None:
    process = start("--port", "many")
    _, err = process.communicate(timeout=30)
    assert process.returncode == 2 and "invalid int value" in err


def test_allow_host_accepts_another_name_for_the_loopback_server() -> None:
    from tests.helpers import http_get

    process = start("--port", "0", "--quiet", "--allow-host", "myhost.lan")
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        port = int(line.split("http://127.0.0.1:")[1].split()[0])
        assert http_get(port, "/healthz", host=f"myhost.lan:{port}").startswith(b"HTTP/1.1 200")
        assert http_get(port, "/healthz", host=f"otherhost.lan:{port}").startswith(b"HTTP/1.1 403")
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=15)
        assert process.returncode == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def resident_mib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) // 1024 for line in status if line.startswith("VmRSS:"))


def test_memory_of_a_refused_huge_message_is_returned_when_its_connection_closes() -> None:
    """257 MiB in 1 MiB fragments: refused with 1009 after 256 MiB; the server gives the memory back."""
    from tests.waiting import wait_until

    process = start("--port", "0")
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        ws_url = line.split()[-1].replace("/ws", "/ws/echo")
        with connect(ws_url, open_timeout=5) as ws:
            ws.send("warm-up")
            assert ws.recv(timeout=5) == "warm-up"
        baseline = resident_mib(process.pid)
        fragment = b"x" * (1 << 20)
        for attempt in range(2):
            with connect(ws_url, open_timeout=5, max_size=None) as ws:
                with pytest.raises(ConnectionClosed) as closed:
                    ws.send(iter([fragment] * 257))
                    ws.recv(timeout=30)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
            wait_until(lambda: resident_mib(process.pid) < baseline + 64, timeout=10,
                       what=f"memory back near {baseline} MiB after refusal {attempt + 1}")
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    refusals = [line for line in out.splitlines() if "-> close" in line and '"code": 1009' in line]
    assert len(refusals) == 2 and all('"by": "server"' in line for line in refusals), out[-2000:]
