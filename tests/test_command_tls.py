"""`record`, `send` and `replay` to wss:// servers: a CA file, a client certificate, --insecure (subprocesses)."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from tests.test_capture_commands import read_capture, run
from tests.ws_server import WsTestServer

PAYLOAD = '{"over": "tls"}'


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def files(authority: trustme.CA, tmp_path: Path) -> dict[str, str]:
    """The CA's certificate and a client certificate with its key, as PEM files."""
    paths = {name: tmp_path / f"{name}.pem" for name in ("ca", "cert", "key")}
    authority.cert_pem.write_to_path(str(paths["ca"]))
    client = authority.issue_cert("client@example.test")
    client.cert_chain_pems[0].write_to_path(str(paths["cert"]))
    client.private_key_pem.write_to_path(str(paths["key"]))
    return {name: str(path) for name, path in paths.items()}


def tls_server(authority: trustme.CA, require_client_cert: bool = False) -> WsTestServer:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    if require_client_cert:
        context.verify_mode = ssl.CERT_REQUIRED
        authority.configure_trust(context)
    return WsTestServer(ssl_context=context).start()


@pytest.fixture
def server(authority: trustme.CA) -> Iterator[WsTestServer]:
    server = tls_server(authority)
    yield server
    server.stop()


def test_send_trusts_a_ca_file_and_says_how_when_it_cannot_verify(server: WsTestServer, files: dict[str, str]) -> None:
    trusted = run("send", server.url(), "--json", PAYLOAD, "--expect", "1", "--cafile", files["ca"])
    assert trusted.returncode == 0, trusted.stderr
    assert trusted.stdout == PAYLOAD + "\n"

    untrusted = run("send", server.url(), "--json", PAYLOAD, "--expect", "1")
    assert untrusted.returncode == 1
    assert untrusted.stderr.startswith("socketscope send: TLS certificate verify failed")
    assert untrusted.stderr.rstrip().endswith("(here: --cafile FILE, or --insecure)")

    insecure = run("send", server.url(), "--json", PAYLOAD, "--expect", "1", "--insecure")
    assert insecure.returncode == 0, insecure.stderr
    assert insecure.stdout == PAYLOAD + "\n"


def test_record_and_replay_present_a_client_certificate(
        authority: trustme.CA, files: dict[str, str], tmp_path: Path) -> None:
    server = tls_server(authority, require_client_cert=True)
    tls = ["--cafile", files["ca"], "--cert", files["cert"], "--key", files["key"]]
    try:
        refused = run("send", server.url(), "--json", PAYLOAD, "--cafile", files["ca"])
        assert refused.returncode == 1  # the server wants a certificate: without one there is no connection
        capture = tmp_path / "sent.jsonl"
        sent = run("send", server.url(), "--json", PAYLOAD, "--expect", "1", "--out", str(capture), *tls)
        assert sent.returncode == 0, sent.stderr
        replayed = run("replay", str(capture), server.url(), "--timing", "fast", "--linger", "0", "--quiet", *tls)
        assert replayed.returncode == 0, replayed.stderr
        assert "Replay done: 1 of 1 messages sent" in replayed.stderr
        recording = tmp_path / "recorded.jsonl"
        recorded = run("record", server.url(), "--out", str(recording), "--duration", "0.5", *tls)
        assert recorded.returncode == 0, recorded.stderr
        frames, _ = read_capture(recording)
        assert [f.opcode.name for f in frames][:1] == ["OPEN"]
        assert [c.messages for c in server.connections if c.messages] == [[PAYLOAD], [PAYLOAD]]
    finally:
        server.stop()


@pytest.mark.parametrize(("arguments", "message"), [
    (["--cafile", "CA"], "apply to wss:// URLs only"),
    (["--key", "KEY"], "A client key needs its client certificate"),
    (["--cafile", "/nonexistent/ca.pem"], "Cannot load the CA file /nonexistent/ca.pem"),
])
def test_tls_options_that_cannot_work_are_usage_errors(
        arguments: list[str], message: str, files: dict[str, str], tmp_path: Path) -> None:
    arguments = [files["ca"] if a == "CA" else files["key"] if a == "KEY" else a for a in arguments]
    url = "ws://127.0.0.1:9/" if message.startswith("apply") else "wss://127.0.0.1:9/"
    capture = tmp_path / "c.jsonl"
    for command in (["record", url, "--out", str(capture)], ["send", url, "--json", "{}"],
                    ["replay", str(capture), url]):
        result = run(*command, *arguments)
        assert result.returncode == 2, result.stderr
        assert message in result.stderr
    assert not capture.exists()  # nothing was started
