"""Connection options: checking, what they become on the wire, backoff, profiles."""

from __future__ import annotations

import base64
import json
import random

import pytest

from app.net.options import DEFAULT_MAX_SIZE, ConnectionOptions, OptionsError


def test_defaults_are_safe_and_large_enough_for_64_mib() -> None:
    options = ConnectionOptions("ws://127.0.0.1:1/ws")
    assert options.max_size == DEFAULT_MAX_SIZE >= 64 * 1024 * 1024
    assert not options.insecure and not options.compression and not options.reconnect
    assert options.ping_interval > 0
    assert options.problems() == []


def test_query_headers_and_auth_become_url_and_headers() -> None:
    options = ConnectionOptions(
        "ws://127.0.0.1:1/ws?room=a", query=(("token", "a b&c"),), headers=(("X-Trace", "7"),),
        auth="basic", username="ada", password="pä:ss",
    )
    assert options.effective_url() == "ws://127.0.0.1:1/ws?room=a&token=a+b%26c"
    headers = dict(options.request_headers())
    assert headers["X-Trace"] == "7"
    scheme, encoded = headers["Authorization"].split()
    assert scheme == "Basic" and base64.b64decode(encoded).decode() == "ada:pä:ss"
    bearer = ConnectionOptions("ws://h/", auth="bearer", bearer_token="t0k")
    assert bearer.request_headers() == [("Authorization", "Bearer t0k")]


@pytest.mark.parametrize(("options", "fragment"), [
    (ConnectionOptions("http://127.0.0.1/ws"), "ws:// or wss://"),
    (ConnectionOptions(""), "(empty)"),
    (ConnectionOptions("ws:///nohost"), "names no host"),
    (ConnectionOptions("ws://h:99999/"), "invalid port"),
    (ConnectionOptions("ws://h/", headers=(("Bad Name", "x"),)), "Header name 'Bad Name'"),
    (ConnectionOptions("ws://h/", headers=(("X", "a\r\nInjected: 1"),)), "line break"),
    (ConnectionOptions("ws://h/", subprotocols=("two words",)), "Subprotocol"),
    (ConnectionOptions("ws://h/", auth="bearer"), "needs a token"),
    (ConnectionOptions("ws://h/", auth="basic", username="a:b"), "cannot contain ':'"),
    (ConnectionOptions("ws://h/", auth="bearer", bearer_token="t", headers=(("authorization", "x"),)), "set twice"),
    (ConnectionOptions("ws://h/", client_key="k.pem"), "needs its client certificate"),
    (ConnectionOptions("ws://h/", reconnect_initial=5, reconnect_max=1), "Reconnect delays"),
    (ConnectionOptions("ws://h/", protocol="carrier-pigeon"), "Unknown protocol 'carrier-pigeon' (one of auto, raw, jsonrpc"),
])
def test_bad_options_are_named(options: ConnectionOptions, fragment: str) -> None:
    with pytest.raises(OptionsError) as raised:
        options.check()
    assert fragment in str(raised.value)


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    options = ConnectionOptions("ws://h/", reconnect=True, reconnect_initial=0.5, reconnect_max=8)
    rng = random.Random(7)
    for attempt, ceiling in enumerate([0.5, 1, 2, 4, 8, 8, 8]):
        delays = {options.reconnect_delay(attempt, rng) for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 40  # jittered, not one fixed value
    assert options.reconnect_delay(10_000, rng) <= 8


def test_profile_round_trips_through_json_and_keeps_unknown_keys() -> None:
    options = ConnectionOptions(
        "wss://example.test/feed", query=(("v", "2"),), headers=(("X-A", "1"), ("X-A", "2")),
        subprotocols=("graphql-ws",), auth="bearer", bearer_token="secret", ca_file="/ca.pem",
        client_cert="/c.pem", client_key="/k.pem", insecure=True, max_size=0, compression=True,
        ping_interval=0, ping_timeout=5, reconnect=True, reconnect_initial=0.2, reconnect_max=3,
        on_connect=('{"auth": "t"}', '{"subscribe": "prices"}'),
    )
    data = json.loads(json.dumps(options.to_dict()))
    assert ConnectionOptions.from_dict(data) == options
    assert options.to_dict(include_secrets=False)["bearer_token"] == ""
    later = ConnectionOptions.from_dict({"url": "ws://h/", "colour": "teal"})
    assert later.to_dict()["colour"] == "teal" and later.max_size == DEFAULT_MAX_SIZE


@pytest.mark.parametrize(("data", "fragment"), [
    ({"headers": []}, "needs a url"),
    ({"url": "ws://h/", "max_size": "big"}, "'max_size'"),
    ({"url": "ws://h/", "insecure": "yes"}, "'insecure'"),
    ({"url": "ws://h/", "headers": [["only-a-name"]]}, "'headers'"),
    ({"url": "ws://h/", "on_connect": "not a list"}, "'on_connect'"),
    ({"url": 5}, "'url'"),
])
def test_bad_profiles_are_refused_clearly(data: dict, fragment: str) -> None:
    with pytest.raises(OptionsError) as raised:
        ConnectionOptions.from_dict(data)
    assert fragment in str(raised.value)


def test_missing_tls_files_are_named(tmp_path) -> None:
    with pytest.raises(OptionsError, match="Cannot load the CA file .*missing.pem"):
        ConnectionOptions("wss://h/", ca_file=str(tmp_path / "missing.pem")).ssl_context()
    (tmp_path / "junk.pem").write_text("not a certificate")
    with pytest.raises(OptionsError, match="Cannot load the client certificate .*junk.pem"):
        ConnectionOptions("wss://h/", client_cert=str(tmp_path / "junk.pem")).ssl_context()
    assert ConnectionOptions("ws://h/", ca_file="/ignored-for-ws").ssl_context() is None


def test_the_protocol_choice_is_kept_in_a_profile() -> None:
    options = ConnectionOptions("ws://h/", protocol="jsonrpc")
    assert ConnectionOptions.from_dict(options.to_dict()).protocol == "jsonrpc"
    assert ConnectionOptions.from_dict({"url": "ws://h/"}).protocol == "auto"
