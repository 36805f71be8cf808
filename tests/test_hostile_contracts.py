"""Hostile contract files: each is refused with a ContractError naming the file and the place, quickly.

Every JSONTestSuite `n_` and `i_` file as a schema, YAML whose aliases expand a few lines to
billions of values or into themselves, nesting 100,000 deep, numbers too long to convert, a file
of 50 MB, a `$ref` to a device, a folder or a server (nothing is ever fetched), invalid UTF-8:
the core and `socketscope schema check` alike.
"""

from __future__ import annotations

import http.server
import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.contracts.asyncapi import AsyncApiContract
from app.core.contracts.documents import DOCUMENT_LIMIT, ContractError
from app.core.contracts.loading import load_contract
from tests.helpers import CORPUS
from tests.test_capture_commands import run
from tests.test_schema_command import conversation

DEPTH = 100_000
SECONDS = 3.0  # what refusing any of these may take


def laughs(levels: int = 9, indent: str = "") -> str:
    """YAML of a few hundred bytes whose value, expanded, holds 9 ** levels strings."""
    lines = [f'{indent}l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        lines.append(f"{indent}l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


def refused(path: Path) -> str:
    """The ContractError's message for `path`, checked to come within SECONDS."""
    started = time.monotonic()
    with pytest.raises(ContractError) as caught:
        load_contract(path)
    assert time.monotonic() - started < SECONDS, f"{path.name} took {time.monotonic() - started:.1f} s to refuse"
    return str(caught.value)


def test_every_corpus_file_as_a_schema_is_refused_with_its_name_or_loaded() -> None:
    files = sorted(path for path in CORPUS.iterdir() if path.name.startswith(("n_", "i_")))
    assert len(files) > 200
    for path in files:
        try:
            load_contract(path)
        except ContractError as error:
            assert path.name in str(error), str(error)


def test_a_schema_file_that_holds_a_list_says_so(tmp_path: Path) -> None:
    schema = tmp_path / "list.json"
    schema.write_text("[NaN]")
    assert refused(schema) == f"{schema}: a contract file holds an object (or true/false), not list"
    (tmp_path / "items.json").write_text("[1, 2]")
    (tmp_path / "root.json").write_text(json.dumps({"$ref": "items.json#/0"}))
    assert "root.json: $ref 'items.json#/0':" in refused(tmp_path / "root.json")


@pytest.mark.parametrize("document", [laughs(), "asyncapi: 2.6.0\n" + laughs(),
                                      "type: object\nproperties:\n" + laughs(indent="  ")])
def test_yaml_whose_aliases_expand_to_billions_of_values_is_refused_at_its_line(tmp_path: Path,
                                                                               document: str) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(document)
    message = refused(bomb)
    assert message.startswith(f"{bomb}:")
    assert "aliases expand to over 100,000 more values than the file holds" in message


def test_yaml_that_contains_itself_is_refused_at_its_line(tmp_path: Path) -> None:
    loop = tmp_path / "loop.yaml"
    loop.write_text("type: object\nproperties: &p\n  self: {properties: *p}\n")
    assert refused(loop) == f"{loop}:2:13: not YAML: an alias refers to a value that contains it"


@pytest.mark.parametrize(("name", "text"), [
    ("deep.json", "[" * DEPTH + "]" * DEPTH),
    ("deep.yaml", "[" * DEPTH + "]" * DEPTH),
    ("deep_objects.yaml", "{a: " * DEPTH + "1" + "}" * DEPTH),
])
def test_nesting_100000_deep_is_refused(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / name).write_text(text)
    assert "nested too deeply to read" in refused(tmp_path / name)


@pytest.mark.parametrize(("name", "text", "said"), [
    ("long.json", '{"maximum": ' + "9" * 5000 + "}", "not usable JSON: Exceeds the limit (4300 digits)"),
    ("long.yaml", "maximum: " + "9" * 5000 + "\n", ":1:10: not YAML: an integer of more than 4,300 digits"),
])
def test_a_number_too_long_to_convert_is_refused(tmp_path: Path, name: str, text: str, said: str) -> None:
    (tmp_path / name).write_text(text)
    assert said in refused(tmp_path / name)


def test_a_50_mb_contract_is_refused_before_it_is_read(tmp_path: Path) -> None:
    huge = tmp_path / "huge.json"
    huge.write_text('{"description": "' + "x" * (50 * 1000 * 1000) + '"}')
    assert refused(huge) == f"cannot read {huge}: 47.7 MiB, over the {DOCUMENT_LIMIT / (1024 * 1024):g} MiB read here"


def test_invalid_utf8_is_refused_with_its_place(tmp_path: Path) -> None:
    schema = tmp_path / "latin1.json"
    schema.write_bytes(b'{"description": "caf\xe9"}')
    assert refused(schema) == f"cannot read {schema}:1: not UTF-8 text (byte 20)"


@pytest.mark.parametrize(("target", "reason"), [("/dev/zero", "not a file"), ("/dev/urandom", "not a file"),
                                                ("/tmp", "not a file"), ("fifo", "not a file")])
def test_a_ref_to_what_is_not_a_file_is_refused_without_reading_it(tmp_path: Path, target: str, reason: str) -> None:
    if target == "fifo":
        target = str(tmp_path / "fifo")
        os.mkfifo(target)  # opening it would wait for a writer forever
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"$ref": target}))
    open_files = len(os.listdir("/proc/self/fd"))
    assert refused(schema) == f"schema.json: $ref {target!r}: cannot read {target}: {reason}"
    assert refused(Path(target)) == f"cannot read {target}: {reason}"
    assert len(os.listdir("/proc/self/fd")) == open_files  # nothing left open


@pytest.fixture
def counting_http_server() -> Iterator[tuple[str, list[str]]]:
    """A real HTTP server on 127.0.0.1 that serves a schema and records every request."""
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
            requests.append(self.path)
            body = b'{"type": "string"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/schema+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the standard library's name)
            return  # the test reads `requests`, not the log

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.mark.parametrize("document", ['{{"$ref": "{base}/s.json"}}',
                                      '{{"properties": {{"a": {{"$ref": "{base}/s.json#/x"}}}}}}',
                                      '{{"$id": "{base}/root.json", "$ref": "s.json"}}'])
def test_a_remote_ref_is_never_fetched(tmp_path: Path, counting_http_server: tuple[str, list[str]],
                                       document: str) -> None:
    base, requests = counting_http_server
    schema = tmp_path / "remote.json"
    schema.write_text(document.format(base=base))
    with pytest.raises(ContractError) as caught:
        load_contract(schema)
    assert str(caught.value).startswith("remote.json")
    assert requests == []


@pytest.mark.parametrize(("name", "text", "said"), [
    ("bomb.yaml", laughs(), "bomb.yaml:6:5: not YAML: its aliases expand to over 100,000 more values"),
    ("list.json", "[1]", "list.json: a contract file holds an object (or true/false), not list"),
    ("deep.yaml", "[" * DEPTH + "]" * DEPTH, "deep.yaml:1:"),
])
def test_schema_check_refuses_a_hostile_contract_with_exit_2(tmp_path: Path, name: str, text: str,
                                                            said: str) -> None:
    (tmp_path / name).write_text(text)
    done = run("schema", "check", str(conversation(tmp_path)), "--schema", str(tmp_path / name))
    assert done.returncode == 2, done.stderr
    assert said in done.stderr
    assert "Traceback" not in done.stderr


def test_the_connection_dialog_refuses_each_hostile_contract_and_keeps_the_one_attached(qtbot, tmp_path: Path) -> None:
    """Read on a worker: the window keeps answering, each refusal names the place, nothing is attached."""
    from app.net.options import ConnectionOptions
    from app.ui.connections.dialog import ConnectionDialog
    from tests.helpers import shown_window
    from tests.test_contract_window import ASYNCAPI_3
    from tests.test_hostile_inputs import MAX_GAP_MS, Heartbeat

    (tmp_path / "bomb.yaml").write_text("asyncapi: 3.0.0\n" + laughs())
    (tmp_path / "list.json").write_text("[1, 2]")
    (tmp_path / "deep.yaml").write_text("[" * DEPTH + "]" * DEPTH)
    (tmp_path / "zero.json").write_text(json.dumps({"$ref": "/dev/zero"}))
    with shown_window(qtbot, "--no-server") as window:
        dialog = ConnectionDialog(ConnectionOptions("ws://127.0.0.1:9/ws/echo"), window, window.payload_tools.store)
        dialog.attach_contract(ASYNCAPI_3)
        qtbot.waitUntil(lambda: dialog.options().contract == ASYNCAPI_3, timeout=5000)
        heartbeat = Heartbeat()
        for name, said in (("bomb.yaml", "bomb.yaml:7:5: not YAML: its aliases expand to over 100,000 more values"),
                           ("list.json", "a contract file holds an object (or true/false), not list"),
                           ("deep.yaml", "not YAML: nested too deeply to read"),
                           ("zero.json", "$ref '/dev/zero': cannot read /dev/zero: not a file")):
            dialog.attach_contract(str(tmp_path / name))
            qtbot.waitUntil(lambda name=name: "Contract not attached" in dialog.problems.text()
                            and name in dialog.problems.text(), timeout=5000)
            assert said in dialog.problems.text()
            assert dialog.options().contract == ASYNCAPI_3
        assert heartbeat.stop() < MAX_GAP_MS
        dialog.reject()
        dialog.deleteLater()


def test_a_channel_address_cannot_make_a_check_take_exponential_time(tmp_path: Path) -> None:
    from app.core.contracts.verdicts import Flow

    def document(address: str) -> Path:
        path = tmp_path / "channels.yaml"
        path.write_text("asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\n"
                        f"channels:\n  c:\n    address: '{address}'\n    messages:\n      m: {{payload: {{type: string}}}}\n"
                        "operations:\n  o: {action: receive, channel: {$ref: '#/channels/c'}}\n")
        return path

    many = "-".join(f"{{p{n}}}" for n in range(13))
    contract = load_contract(document(f"/{many}x"))
    started = time.monotonic()
    assert contract.check("x", Flow.TO_SERVER, "/" + "-" * 40) is None  # no channel for it
    assert time.monotonic() - started < 0.5
    assert contract.check("x", Flow.TO_SERVER, "/" + "a-" * 12 + "ax") is not None
    assert refused(document("/rooms/{a}{b}")) == (
        "channels.yaml: $.channels.c: channel address '/rooms/{a}{b}': parameters {a}{b} need text between them")


def test_an_asyncapi_document_offers_the_library_at_most_1000_examples_and_says_how_many_more(
        qtbot, tmp_path: Path) -> None:
    from app.net.options import ConnectionOptions
    from app.ui.connections.dialog import ConnectionDialog
    from tests.helpers import shown_window

    examples = "".join(f"          - {{name: e{n}, payload: {{n: {n}}}}}\n" for n in range(1500))
    document = tmp_path / "examples.yaml"
    document.write_text("asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\nchannels:\n  c:\n    address: /ws\n"
                        "    messages:\n      m:\n        payload: {type: object}\n        examples:\n" + examples)
    contract = AsyncApiContract.load(document)
    assert len(contract.examples) == 1000 and contract.examples["m: e999"] == {"n": 999}
    assert contract.examples_left_out == 500 and contract.unsupported == ()
    with shown_window(qtbot, "--no-server") as window:
        dialog = ConnectionDialog(ConnectionOptions("ws://127.0.0.1:9/ws"), window, window.payload_tools.store)
        dialog.attach_contract(str(document))
        qtbot.waitUntil(lambda: "its first 1,000 examples are in the Library, 500 more are not"
                        in window.notices.label.text(), timeout=10_000)
        assert len(window.payload_tools.store.saved_payloads("#asyncapi")) == 1000
        dialog.reject()
        dialog.deleteLater()


def test_files_under_the_limit_each_cannot_make_a_contract_over_it_together(tmp_path: Path) -> None:
    part = '{"description": "' + "x" * (3 * 1024 * 1024) + '"}'  # 3 MiB each: 4 of them make 12 MiB
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.json").write_text(part)
    (tmp_path / "root.json").write_text(json.dumps({"allOf": [{"$ref": f"{name}.json"} for name in "abc"]}))
    message = refused(tmp_path / "root.json")
    assert message.startswith("root.json: $.allOf[")
    assert message.endswith("the contract's files would hold over 8 MiB together")
