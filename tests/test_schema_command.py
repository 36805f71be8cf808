"""`socketscope schema check|infer`, run as a real process on captures written by the project's own writer."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from app.core import jsonl
from app.core.frames import Direction, Frame, Opcode, Side
from tests.test_capture_commands import run
from tests.test_convert_command import served_capture

DRAFT_2020 = "https://json-schema.org/draft/2020-12/schema"
# What `/ws` sends: the greeting, then for each message `{"status": "received", "echo": …}`.
REPLIES_SCHEMA = {
    "$schema": DRAFT_2020, "type": "object",
    "if": {"required": ["status"]},
    "then": {"required": ["echo"], "properties": {"status": {"const": "received"}}},
    "else": {"required": ["username", "id"], "properties": {"id": {"type": "integer"}}},
}

ASYNCAPI_3 = """\
asyncapi: 3.0.0
info: {title: Echo, version: 1.0.0}
channels:
  echo:
    address: /ws/{room}
    messages:
      hello: {payload: {type: object, required: [hello], properties: {hello: {type: string}}}}
      reply: {payload: {type: object, required: [status], properties: {status: {const: received}}}}
operations:
  sayHello: {action: receive, channel: {$ref: '#/channels/echo'}, messages: [{$ref: '#/channels/echo/messages/hello'}]}
  answer: {action: send, channel: {$ref: '#/channels/echo'}, messages: [{$ref: '#/channels/echo/messages/reply'}]}
"""


def write_capture(path: Path, frames: list[Frame]) -> Path:
    with open(path, "w", encoding="utf-8") as out:
        jsonl.write_frames(out, frames)
    return path


def conversation(tmp_path: Path, *, reply_id: object = 7) -> Path:
    """A client's connection to `/ws/lobby`: it sends one message and receives two, then closes."""
    def frame(direction: Direction, opcode: Opcode, payload: str | bytes) -> Frame:
        return Frame("client#1", Side.CLIENT, direction, opcode, payload, wall_time=1_764_000_000.0)

    return write_capture(tmp_path / "conversation.jsonl", [
        frame(Direction.EVENT, Opcode.OPEN, json.dumps({"url": "ws://127.0.0.1:8765/ws/lobby"})),
        frame(Direction.RECEIVED, Opcode.TEXT, json.dumps({"username": "Alice", "id": reply_id})),
        frame(Direction.SENT, Opcode.TEXT, json.dumps({"hello": "server"})),
        frame(Direction.SENT, Opcode.TEXT, "not JSON"),
        frame(Direction.SENT, Opcode.BINARY, b"\x00\x01"),
        frame(Direction.RECEIVED, Opcode.TEXT, json.dumps({"status": "received"})),
        frame(Direction.SENT, Opcode.CLOSE, json.dumps({"code": 1000, "reason": ""})),
    ])


def schema_file(tmp_path: Path, value: object, name: str = "replies.json") -> Path:
    path = tmp_path / name
    path.write_text(value if isinstance(value, str) else json.dumps(value), encoding="utf-8")
    return path


def test_check_prints_each_violating_message_with_the_jsonpath_of_each_violation(tmp_path: Path) -> None:
    capture = conversation(tmp_path, reply_id="7")
    schema = schema_file(tmp_path, REPLIES_SCHEMA)
    done = run("schema", "check", str(capture), "--schema", str(schema), "--direction", "received")
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines() == [
        "#2 client#1 received (replies.json): 1 violation",
        '  $.id: type: "7" is not of type "integer"',
        "#6 client#1 received (replies.json): 1 violation",  # 2020-12 if/then: a status needs an echo
        '  $: required: "echo" is a required property',
    ]
    assert "2 messages checked against replies.json; 2 violate it" in done.stderr


def test_check_exits_0_when_every_message_holds_and_skips_what_is_not_json(tmp_path: Path) -> None:
    capture = conversation(tmp_path)
    schema = schema_file(tmp_path, {"$schema": DRAFT_2020, "type": "object"})
    done = run("schema", "check", str(capture), "--schema", str(schema))
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert "3 messages checked against replies.json; 0 violate it; 1 not JSON, skipped" in done.stderr


def test_check_a_real_capture_of_the_embedded_server(tmp_path: Path) -> None:
    served = served_capture(tmp_path)  # the server's side: it sent the greeting and the echo
    schema = schema_file(tmp_path, REPLIES_SCHEMA)
    done = run("schema", "check", str(served), "--schema", str(schema), "--direction", "sent")
    assert (done.returncode, done.stdout) == (0, ""), done.stderr
    assert "2 messages checked" in done.stderr
    stricter = schema_file(tmp_path, dict(REPLIES_SCHEMA, required=["username"]), "stricter.json")
    done = run("schema", "check", str(served), "--schema", str(stricter), "--direction", "sent")
    assert done.returncode == 1
    assert done.stdout.splitlines()[0].startswith("#") and " server#1 sent (stricter.json): 1 violation" in done.stdout
    assert '  $: required: "username" is a required property' in done.stdout.splitlines()


def test_check_against_asyncapi_chooses_the_channel_and_the_message_per_direction(tmp_path: Path) -> None:
    capture = conversation(tmp_path)
    document = schema_file(tmp_path, ASYNCAPI_3, "echo.yaml")
    done = run("schema", "check", str(capture), "--schema", str(document))
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines() == [
        "#2 client#1 received (reply): 1 violation",  # the greeting is not a reply
        '  $: required: "status" is a required property',
    ]
    assert "3 messages checked against echo.yaml; 1 violates it" in done.stderr


def test_a_real_capture_of_the_embedded_server_against_asyncapi_2_6(tmp_path: Path) -> None:
    served = served_capture(tmp_path)  # the server received {"hello": "server"}; it sent the greeting and the echo
    document = schema_file(tmp_path, """\
asyncapi: 2.6.0
info: {title: Demo, version: 1.0.0}
channels:
  /ws:
    bindings: {ws: {method: GET}}
    publish:
      message: {name: hello, payload: {type: object, required: [hello], properties: {hello: {type: string}}}}
    subscribe:
      message:
        oneOf:
          - {name: greeting, payload: {type: object, required: [username, id], properties: {id: {type: integer}}}}
          - {name: echo, payload: {type: object, required: [status, echo], properties: {echo: {type: string}}}}
""", "demo.yaml")
    done = run("schema", "check", str(served), "--schema", str(document))
    assert done.returncode == 1, done.stderr  # the echo's `echo` is the object sent, not a string
    assert done.stdout.splitlines()[1:] == ['  $.echo: type: {"hello":"server"} is not of type "string"']
    assert " server#1 sent (echo (the closest of 2)): 1 violation" in done.stdout.splitlines()[0]
    assert "note: " + str(document) + ": bindings are not used: demo.yaml: $.channels['/ws'].bindings" in done.stderr
    assert "3 messages checked against demo.yaml; 1 violates it" in done.stderr


def test_check_usage_errors_and_unreadable_input_exit_2(tmp_path: Path) -> None:
    capture = conversation(tmp_path)
    schema = schema_file(tmp_path, {"type": "object"})
    bad = schema_file(tmp_path, {"properties": {"id": {"type": "integr"}}}, "bad.json")
    not_capture = schema_file(tmp_path, "hello\n", "notes.jsonl")
    cases = [
        (["check", str(capture)], "the following arguments are required: --schema"),
        (["check", str(capture), "--schema", str(schema), "--direction", "both"], "invalid choice: 'both'"),
        (["check", str(tmp_path / "none.jsonl"), "--schema", str(schema)], "cannot read"),
        (["check", str(not_capture), "--schema", str(schema)], "no frame to read"),
        (["check", str(capture), "--schema", str(tmp_path / "none.json")], "cannot read"),
        (["check", str(capture), "--schema", str(bad)],
         "bad.json: $.properties.id.type: not a valid schema"),
    ]
    for args, expected in cases:
        done = run("schema", *args)
        assert done.returncode == 2, (args, done.stderr)
        assert expected in done.stderr, (args, done.stderr)
        assert done.stdout == ""


def test_infer_writes_a_schema_the_capture_passes_and_a_changed_id_fails(tmp_path: Path) -> None:
    capture = conversation(tmp_path)
    schema = tmp_path / "inferred.json"
    done = run("schema", "infer", str(capture), "--out", str(schema), "--direction", "received")
    assert done.returncode == 0, done.stderr
    assert f"Inferred a schema from 2 messages: wrote {schema}" in done.stderr
    inferred = json.loads(schema.read_text(encoding="utf-8"))
    assert inferred["$schema"] == DRAFT_2020
    assert inferred["properties"]["id"] == {"type": "integer"} and inferred["properties"]["status"] == {"type": "string"}
    assert "required" not in inferred  # no key is in both replies

    done = run("schema", "check", str(capture), "--schema", str(schema), "--direction", "received")
    assert (done.returncode, done.stdout) == (0, ""), done.stderr

    changed = conversation(tmp_path, reply_id="7")
    done = run("schema", "check", str(changed), "--schema", str(schema), "--direction", "received")
    assert done.returncode == 1
    assert '  $.id: type: "7" is not of type "integer"' in done.stdout.splitlines()


def test_infer_from_one_connection_records_its_required_keys(tmp_path: Path) -> None:
    served = served_capture(tmp_path)  # the embedded server's view of one client: greeting, echo
    schema = tmp_path / "sent.json"
    done = run("schema", "infer", str(served), "--out", str(schema), "--connection", "server#1", "--direction", "sent")
    assert done.returncode == 0, done.stderr
    done = run("schema", "check", str(served), "--schema", str(schema), "--direction", "sent")
    assert done.returncode == 0, done.stdout + done.stderr
    received = tmp_path / "received.json"
    done = run("schema", "infer", str(served), "--out", str(received), "--direction", "received")
    assert done.returncode == 0, done.stderr
    assert json.loads(received.read_text(encoding="utf-8"))["required"] == ["hello"]
    done = run("schema", "check", str(served), "--schema", str(received), "--direction", "sent")
    assert done.returncode == 1 and '  $: required: "hello" is a required property' in done.stdout.splitlines()


def test_infer_writes_pydantic_models_that_accept_the_messages(tmp_path: Path) -> None:
    capture = write_capture(tmp_path / "users.jsonl", [
        Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, json.dumps(value), wall_time=1.0)
        for value in ({"id": 1, "name": "Alice", "tags": ["a"]}, {"id": 2, "name": "Bob", "tags": [], "age": 30})])
    models = tmp_path / "models.py"
    done = run("schema", "infer", str(capture), "--out", str(tmp_path / "users.json"), "--pydantic", str(models))
    assert done.returncode == 0, done.stderr
    script = ("import sys; sys.path.insert(0, sys.argv[1]); from models import Message; "
              "print(Message.model_validate({'id': 3, 'name': 'Carol', 'tags': ['x']}).model_dump_json()); "
              "Message.model_validate({'id': 'three', 'name': 'Carol', 'tags': []})")
    checked = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True,
                             timeout=30)
    assert checked.stdout.splitlines() == ['{"id":3,"name":"Carol","tags":["x"],"age":null}']
    assert checked.returncode == 1 and "ValidationError" in checked.stderr and "id" in checked.stderr


def test_infer_usage_errors_exit_2(tmp_path: Path) -> None:
    capture = conversation(tmp_path)
    out = tmp_path / "s.json"
    cases = [
        (["infer", str(capture)], "the following arguments are required: --out"),
        (["infer", str(capture), "--out", str(out), "--connection", "client#9"], "no connection 'client#9'"),
        (["infer", str(capture), "--out", str(tmp_path / "missing" / "s.json")], "cannot write"),
    ]
    only_text = write_capture(tmp_path / "text.jsonl", [
        Frame("client#1", Side.CLIENT, Direction.SENT, Opcode.TEXT, "hello", wall_time=1.0)])
    cases.append((["infer", str(only_text), "--out", str(out)], "no JSON message to infer a schema from"))
    for args, expected in cases:
        done = run("schema", *args)
        assert done.returncode == 2, (args, done.stderr)
        assert expected in done.stderr, (args, done.stderr)
    assert not out.exists()


def test_a_message_nested_too_deeply_to_check_is_skipped_and_counted(tmp_path: Path) -> None:
    deep, parseable = "[" * 200_000 + "]" * 200_000, "[" * 900 + "]" * 900
    capture = write_capture(tmp_path / "deep.jsonl", [
        Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, text, wall_time=1.0)
        for text in (deep, "{}", parseable)])
    schema = schema_file(tmp_path, {"type": "object"})
    done = run("schema", "check", str(capture), "--schema", str(schema))
    assert (done.returncode, done.stdout) == (0, ""), done.stderr  # 900 deep parses, but is beyond the validator
    assert "1 message checked against replies.json; 0 violate it; 2 nested too deeply to check, skipped" in done.stderr
    done = run("schema", "infer", str(capture), "--out", str(tmp_path / "inferred.json"))
    assert done.returncode == 0, done.stderr  # too deep for a useful schema: left out
    assert "Inferred a schema from 1 message; 2 nested too deeply to check, skipped" in done.stderr
