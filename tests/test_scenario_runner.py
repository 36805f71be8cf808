"""Scenarios played against the embedded demo server through the inspector: each step's outcome and evidence."""

from __future__ import annotations

import json
import textwrap
import threading
from pathlib import Path

import pytest

from app.core.frames import Opcode
from app.core.scenarios import Scenario, ScenarioError, load_scenario
from app.services.scenario_runner import FAILED, NOT_RUN, PASSED, StepResult, connection_options, run_scenario
from embedded_server.runner import EmbeddedServer


def scenario_at(tmp_path: Path, server: EmbeddedServer, text: str, path: str = "/ws") -> Scenario:
    file = tmp_path / "case.wstest.yaml"
    file.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_scenario(file, environ={"URL": server.address.ws_url(path)})


def test_a_passing_scenario_reports_the_message_each_expect_matched(demo_server: EmbeddedServer,
                                                                    tmp_path: Path) -> None:
    scenario = scenario_at(tmp_path, demo_server, """\
        name: greeting and echo
        url: ${URL}
        steps:
          - expect: "$.username == 'Alice'"
            within: 2s
          - send: {"action": "subscribe", "topic": "news", "id": "{{uuid}}"}
          - expect: "$.status == 'received' $.echo.action == 'subscribe'"
            within: 2s
          - close: {code: 1000}
        """)
    heard: list[tuple[int, str]] = []
    result = run_scenario(scenario, on_step=lambda number, step: heard.append((number, step.outcome)))
    assert result.passed, [step.detail for step in result.steps]
    assert heard == [(1, PASSED), (2, PASSED), (3, PASSED), (4, PASSED)]
    greeting, reply = result.steps[0].matched, result.steps[2].matched
    assert json.loads(greeting.payload)["username"] == "Alice"
    echoed = json.loads(reply.payload)["echo"]
    assert echoed["action"] == "subscribe" and len(echoed["id"]) == 36  # the template expanded to a UUID


def test_a_failing_expect_names_its_expression_and_shows_the_last_messages(demo_server: EmbeddedServer,
                                                                          tmp_path: Path) -> None:
    scenario = scenario_at(tmp_path, demo_server, """\
        url: ${URL}
        steps:
          - send: {"n": 1}
          - expect: "$.echo.n == 2"
            within: 500ms
          - close: {code: 1000}
        """, "/ws/echo")
    result = run_scenario(scenario)
    assert not result.passed
    sent, expect, close = result.steps
    assert (sent.outcome, expect.outcome, close.outcome) == (PASSED, FAILED, NOT_RUN)
    assert expect.detail.startswith("expect $.echo.n == 2 failed: no message received within 500 ms matched")
    assert "1 other message did not match" in expect.detail
    assert [frame.payload for frame in expect.received] == ['{"n": 1}']  # /ws/echo sends it back as it came
    assert '{"n": 1}' in expect.report()


def test_strict_fails_on_the_first_message_that_does_not_match(demo_server: EmbeddedServer, tmp_path: Path) -> None:
    scenario = scenario_at(tmp_path, demo_server, """\
        url: ${URL}
        steps:
          - expect: "$.status == 'online'"
            strict: true
        """)
    result = run_scenario(scenario)
    step = result.steps[0]
    assert step.outcome == FAILED
    assert "strict, and the next message received does not match" in step.detail
    assert "Alice" in step.detail  # the greeting came first


def test_a_server_that_is_not_there_fails_the_first_step(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    file = tmp_path / "case.wstest.yaml"
    file.write_text(f"url: ws://127.0.0.1:{port}/ws\nsteps:\n  - expect: x\n  - send: {{}}\n", encoding="utf-8")
    result = run_scenario(load_scenario(file))
    assert [step.outcome for step in result.steps] == [FAILED, NOT_RUN]
    assert result.steps[0].detail.startswith(f"could not connect to ws://127.0.0.1:{port}/ws")


def test_close_sends_its_code(demo_server: EmbeddedServer, tmp_path: Path) -> None:
    scenario = scenario_at(tmp_path, demo_server, """\
        url: ${URL}
        options:
          subprotocols: [jsonrpc]
          headers: {X-Trace: abc}
        steps:
          - send: {"jsonrpc": "2.0", "method": "add", "params": [2, 3], "id": 1}
          - expect: "$.result == 5 $.id == 1"
          - close: {code: 4000, reason: done}
        """, "/ws/rpc")
    stop = threading.Event()
    results: list[StepResult] = []
    result = run_scenario(scenario, stop, lambda _number, step: results.append(step))
    assert result.passed, [step.detail for step in result.steps]
    assert results[1].matched.opcode == Opcode.TEXT


def test_bad_options_name_the_options_line(tmp_path: Path) -> None:
    file = tmp_path / "case.wstest.yaml"
    file.write_text("url: ws://127.0.0.1:1/\noptions:\n  colour: red\nsteps:\n  - expect: x\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="unknown option 'colour'") as caught:
        connection_options(load_scenario(file))
    assert caught.value.line == 2
    file.write_text("url: wss://127.0.0.1:1/\noptions:\n  ca_file: nowhere.pem\nsteps:\n  - expect: x\n",
                    encoding="utf-8")
    with pytest.raises(ScenarioError, match="Cannot load the CA file .*nowhere.pem"):
        connection_options(load_scenario(file))


def test_an_expect_after_the_connection_ended_fails_at_once_saying_so(demo_server: EmbeddedServer,
                                                                       tmp_path: Path) -> None:
    scenario = scenario_at(tmp_path, demo_server, """\
        url: ${URL}
        steps:
          - close: {code: 1000}
          - expect: "$.never"
            within: 1m
        """, "/ws/echo")
    result = run_scenario(scenario)
    closed, expect = result.steps
    assert closed.outcome == PASSED and expect.outcome == FAILED
    assert expect.detail.startswith("expect $.never failed: the connection ended (")
    assert expect.seconds < 30  # not the minute it was given


def test_expect_schema_checks_the_message_the_expect_before_matched(demo_server: EmbeddedServer,
                                                                    tmp_path: Path) -> None:
    (tmp_path / "greeting.schema.json").write_text(json.dumps({
        "$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
        "properties": {"username": {"type": "string"}, "id": {"type": "integer"}}, "required": ["username", "id"]}))
    (tmp_path / "wrong.schema.json").write_text(json.dumps({
        "type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}))
    passing = scenario_at(tmp_path, demo_server, """\
        url: ${URL}
        steps:
          - expect: "$.username == 'Alice'"
          - expect_schema: greeting.schema.json
        """)
    result = run_scenario(passing)
    assert result.passed, [step.detail for step in result.steps]
    assert result.steps[1].matched is result.steps[0].matched  # the very message the expect matched
    failing = scenario_at(tmp_path, demo_server, """\
        url: ${URL}
        steps:
          - expect_schema: wrong.schema.json
            within: 2s
        """)
    result = run_scenario(failing)
    assert not result.passed
    assert "$.id: type:" in result.steps[0].detail and "expect_schema wrong.schema.json failed" in result.steps[0].detail


def test_an_unusable_contract_is_the_scenarios_error_at_its_line(demo_server: EmbeddedServer, tmp_path: Path) -> None:
    (tmp_path / "bad.schema.json").write_text('{"type": "no such type"}')
    with pytest.raises(ScenarioError) as raised:
        scenario_at(tmp_path, demo_server, """\
            url: ${URL}
            steps:
              - expect: x
              - expect_schema: bad.schema.json
            """)
    assert raised.value.line == 4 and "not a valid schema" in str(raised.value)
