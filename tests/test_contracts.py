"""Contracts in the core: JSON Schema drafts with `$ref` across files, AsyncAPI 2.6 and 3.0, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.core.contracts.documents import ContractError
from app.core.contracts.loading import load_contract
from app.core.contracts.verdicts import Flow, Verdict, Violation, flow_of
from app.core.frames import Direction, Side

DRAFT_2020 = "https://json-schema.org/draft/2020-12/schema"

ASYNCAPI_2 = """\
asyncapi: '2.6.0'
info: {title: Chat rooms, version: '1.0.0'}
servers:
  local: {url: 'ws://127.0.0.1:8765/api', protocol: ws}
channels:
  /rooms/{room}:
    parameters:
      room: {schema: {type: string, pattern: '^[a-z]+$'}}
    publish:
      message:
        oneOf:
          - $ref: '#/components/messages/Say'
          - $ref: '#/components/messages/Leave'
    subscribe:
      bindings: {ws: {}}
      message: {$ref: '#/components/messages/Said'}
components:
  messages:
    Say:
      name: say
      payload: {type: object, required: [type, text], properties: {type: {const: say}, text: {type: string}}}
    Leave:
      name: leave
      payload: {type: object, required: [type], properties: {type: {const: leave}}, additionalProperties: false}
    Said:
      payload: {$ref: '#/components/schemas/Said'}
  schemas:
    Said: {type: object, required: [from, text], properties: {from: {type: string}, text: {type: string}}}
"""

ASYNCAPI_3 = """\
asyncapi: 3.0.0
info: {title: Account service, version: 1.0.0}
channels:
  userSignup:
    address: 'user/{userId}/signup'
    parameters:
      userId: {enum: [alice, bob]}
    messages:
      userSignedUp: {$ref: '#/components/messages/UserSignedUp'}
      ack: {payload: {type: object, required: [ok], properties: {ok: {type: boolean}}}}
      nack: {payload: {type: object, required: [error], properties: {error: {type: string}}}}
  anything: {}
operations:
  sendUserSignedUp:
    action: send
    channel: {$ref: '#/channels/userSignup'}
    messages: [{$ref: '#/channels/userSignup/messages/userSignedUp'}]
  receiveAnswer:
    action: receive
    channel: {$ref: '#/channels/userSignup'}
    messages: [{$ref: '#/channels/userSignup/messages/ack'}, {$ref: '#/channels/userSignup/messages/nack'}]
    reply: {channel: {$ref: '#/channels/userSignup'}}
components:
  messages:
    UserSignedUp:
      payload:
        schemaFormat: 'application/vnd.aai.asyncapi+json;version=3.0.0'
        schema:
          type: object
          required: [displayName, email]
          properties: {displayName: {type: string}, email: {type: string, format: email}}
"""


def write(path: Path, value: object) -> Path:
    path.write_text(value if isinstance(value, str) else json.dumps(value), encoding="utf-8")
    return path


def test_a_frame_flows_to_the_server_when_the_client_sent_it_or_the_server_received_it() -> None:
    assert flow_of(Side.CLIENT, Direction.SENT) is flow_of(Side.SERVER, Direction.RECEIVED) is Flow.TO_SERVER
    assert flow_of(Side.CLIENT, Direction.RECEIVED) is flow_of(Side.SERVER, Direction.SENT) is Flow.TO_CLIENT
    assert flow_of(Side.CLIENT, Direction.EVENT) is None


def test_draft_2020_12_if_then_and_a_ref_to_another_file(tmp_path: Path) -> None:
    (tmp_path / "defs").mkdir()
    write(tmp_path / "defs" / "common.json", {"$schema": DRAFT_2020, "$defs": {"id": {"type": "integer"}}})
    schema = write(tmp_path / "chat.json", {
        "$schema": DRAFT_2020, "type": "object", "required": ["id"],
        "properties": {"id": {"$ref": "defs/common.json#/$defs/id"}, "kind": {"type": "string"},
                       "items": {"type": "array", "items": {"type": "object", "properties": {"n": {"type": "number"}}}}},
        "if": {"required": ["kind"], "properties": {"kind": {"const": "chat"}}}, "then": {"required": ["text"]}})
    contract = load_contract(schema)
    assert contract.name == "chat.json" and contract.unsupported == ()
    assert contract.check({"id": 1, "kind": "chat", "text": "hi"}, None, None) == Verdict("chat.json")
    assert contract.check({"id": 1, "kind": "other"}, None, None) == Verdict("chat.json")
    verdict = contract.check({"id": "7", "kind": "chat", "items": [{"n": 1}, {"n": "two"}]}, None, None)
    assert verdict is not None and not verdict.valid
    assert verdict.violations == (
        Violation("$", "required", '"text" is a required property'),
        Violation("$.id", "type", '"7" is not of type "integer"'),
        Violation("$.items[1].n", "type", '"two" is not of type "number"'))


def test_drafts_2019_09_and_07_use_their_own_keywords(tmp_path: Path) -> None:
    later = load_contract(write(tmp_path / "a.json", {
        "$schema": "https://json-schema.org/draft/2019-09/schema", "dependentRequired": {"a": ["b"]}}))
    assert [v.keyword for v in later.check({"a": 1}, None, None).violations] == ["dependentRequired"]
    older = load_contract(write(tmp_path / "b.json", {
        "$schema": "http://json-schema.org/draft-07/schema#", "dependencies": {"a": ["b"]},
        "dependentRequired": {"c": ["d"]}}))  # not a draft-07 keyword: ignored there
    assert [v.keyword for v in older.check({"a": 1, "c": 2}, None, None).violations] == ["dependencies"]


def test_an_asyncapi_2_6_document_chooses_the_channel_by_path_and_the_message_by_its_const(tmp_path: Path) -> None:
    contract = load_contract(write(tmp_path / "chat.yaml", ASYNCAPI_2))
    path = "/api/rooms/lobby"
    assert contract.check({"type": "say", "text": "hi"}, Flow.TO_SERVER, path) == Verdict("say")
    assert contract.check({"type": "leave"}, Flow.TO_SERVER, path) == Verdict("leave")
    said = contract.check({"type": "say"}, Flow.TO_SERVER, path)
    assert said == Verdict("say", (Violation("$", "required", '"text" is a required property'),))
    left = contract.check({"type": "leave", "why": "late"}, Flow.TO_SERVER, path)
    assert left.message == "leave" and [v.keyword for v in left.violations] == ["additionalProperties"]
    heard = contract.check({"from": 1, "text": "hi"}, Flow.TO_CLIENT, path)
    assert heard == Verdict("Said", (Violation("$.from", "type", '1 is not of type "string"'),))
    assert contract.check({"type": "say", "text": "hi"}, Flow.TO_SERVER, "/rooms/lobby") == Verdict("say")
    assert contract.check({}, Flow.TO_SERVER, "/api/rooms/Lobby") is None  # the parameter's pattern fails
    assert contract.check({}, Flow.TO_SERVER, "/api/elsewhere") is None
    assert contract.unsupported == ("bindings are not used: chat.yaml: $.channels['/rooms/{room}'].subscribe.bindings",)


def test_an_asyncapi_3_0_document_uses_its_operations_and_the_message_that_validates(tmp_path: Path) -> None:
    contract = load_contract(write(tmp_path / "account.yaml", ASYNCAPI_3))
    path = "/user/alice/signup"
    assert contract.check({"displayName": "A", "email": "a@example.com"}, Flow.TO_CLIENT, path) == Verdict("userSignedUp")
    assert contract.check({"ok": True}, Flow.TO_SERVER, path) == Verdict("ack")
    assert contract.check({"error": "no"}, Flow.TO_SERVER, path) == Verdict("nack")
    closest = contract.check({"ok": "yes"}, Flow.TO_SERVER, path)
    assert closest.message == "ack (the closest of 2)" and closest.violations[0].path == "$.ok"
    assert contract.check({"ok": True}, Flow.TO_SERVER, "/user/carol/signup") is None  # not in the enum
    assert contract.check({"ok": True}, Flow.TO_SERVER, "/elsewhere") is None  # `anything` has no operations
    assert any(line.startswith("operation replies are not checked: account.yaml: $.operations.receiveAnswer.reply")
               for line in contract.unsupported)


def test_a_place_reached_through_several_references_is_listed_once() -> None:
    # the channel is read once, then again through each operation's `$ref`
    contract = load_contract(Path(__file__).parent / "data" / "contracts" / "hello-asyncapi-3.0.yaml")
    assert contract.unsupported == ("bindings are not used: hello-asyncapi-3.0.yaml: $.channels.hello.bindings",)


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("bad.json", '{"type": "object",\n "properties": {"id": {"type": "integr"}}}',
     "bad.json: $.properties.id.type: not a valid schema: 'integr' is not valid under any of the given schemas"),
    ("broken.json", '{"type": "object",\n "required": [id]}', "broken.json:2:15: not JSON: Expecting value"),
    ("broken.yaml", "asyncapi: 3.0.0\nchannels: [a\n", "broken.yaml:3:1: not YAML:"),
    ("ref.json", '{"properties": {"id": {"$ref": "missing.json"}}}',
     "ref.json: $.properties.id: $ref 'missing.json': cannot read "),
    ("pointer.json", '{"properties": {"id": {"$ref": "#/$defs/nothing"}}}',
     "pointer.json: $.properties.id: $ref '#/$defs/nothing' leads nowhere"),
    ("deep.json", '{"not": ' * 600 + "{}" + "}" * 600, "deep.json: cannot be used: Recursion limit reached"),
    ("deeper.json", '{"not": ' * 5000 + "{}" + "}" * 5000, "deeper.json: nested too deeply to read"),
    ("deeper.yaml", "{not: " * 5000 + "{}" + "}" * 5000, "not YAML: nested too deeply to read"),
    ("dialect.json", '{"$schema": "http://json-schema.org/draft-03/schema#"}', "is not supported here"),
    ("old.yaml", "asyncapi: 1.2.0\n", "old.yaml: asyncapi: version '1.2.0' is not supported (2.6 or 3.0)"),
    ("action.yaml", "asyncapi: 3.0.0\nchannels: {c: {address: x}}\noperations: {o: {action: publish, channel: "
     "{$ref: '#/channels/c'}}}\n", "action.yaml: $.operations.o.action: must be send or receive, not 'publish'"),
    ("payload.yaml", "asyncapi: 2.6.0\nchannels:\n  /x:\n    publish:\n      message:\n        payload: "
     "{type: object, required: true}\n",
     "payload.yaml: $.channels['/x'].publish.message.payload.required: not a valid schema"),
])
def test_a_bad_contract_is_an_error_naming_the_place(tmp_path: Path, name: str, text: str, expected: str) -> None:
    with pytest.raises(ContractError) as raised:
        load_contract(write(tmp_path / name, text))
    assert expected in str(raised.value)


def test_yaml_dates_and_number_keys_are_read_as_json_would_have_them(tmp_path: Path) -> None:
    document = ASYNCAPI_2.replace("    Said:\n      payload:", "    Said:\n      examples:\n        - payload: "
                                  "{from: bob, text: hi, at: 2026-12-06T14:00:00Z}\n      x-codes: {200: ok}\n"
                                  "      payload:")
    contract = load_contract(write(tmp_path / "dated.yaml", document))
    assert contract.check({"from": "bob", "text": "hi"}, Flow.TO_CLIENT, "/rooms/lobby") == Verdict("Said")
    schema = load_contract(write(tmp_path / "dated.json.yaml", "properties:\n  at: {const: 2026-12-06}\n"))
    assert schema.check({"at": "2026-12-06"}, None, None) == Verdict("dated.json.yaml")
