"""Scenario files: the YAML format read and checked, every mistake reported with its file and line."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from app.core.scenarios import DEFAULT_WITHIN, Close, Expect, ScenarioError, Send, load_scenario, parse_duration

THE_ISSUES_EXAMPLE = """\
name: greeting and echo
url: ws://127.0.0.1:8765/ws        # --url overrides; ${VAR} expands from the environment
steps:
  - expect: "$.username == 'Alice'"   # the filter-bar language; every term must hold
    within: 2s                        # default 5s
  - send: {"action": "subscribe", "topic": "news"}   # JSON; composer templates ({{uuid}}…) expand
  - expect: "$.status == 'received' $.echo.action == 'subscribe'"
    within: 2s
  - close: {code: 1000}
"""


def write(tmp_path: Path, text: str, name: str = "case.wstest.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def error_of(path: Path, **kwargs: object) -> ScenarioError:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, **kwargs)  # type: ignore[arg-type]
    return caught.value


def test_the_format_as_written_in_the_issue(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, THE_ISSUES_EXAMPLE), environ={})
    assert scenario.name == "greeting and echo"
    assert scenario.url == "ws://127.0.0.1:8765/ws"
    first, send, second, close = scenario.steps
    assert isinstance(first, Expect) and first.expression == "$.username == 'Alice'"
    assert (first.within, first.strict, first.line) == (2.0, False, 4)
    assert isinstance(send, Send) and json.loads(send.payload(1)) == {"action": "subscribe", "topic": "news"}
    assert isinstance(second, Expect) and second.within == 2.0
    assert close == Close(1000, "", 9)


def test_defaults_environment_and_templates(tmp_path: Path) -> None:
    path = write(tmp_path, """\
        url: ws://${HOST}:${PORT}/ws
        options:
          headers: {Authorization: "Bearer ${TOKEN}"}
        steps:
          - expect: hello
            strict: true
          - send: '{"n": {{seq}}, "id": "{{uuid}}", "day": "x"}'
          - send: {day: 2024-01-01}
          - close:
        """, "greeting.wstest.yaml")
    scenario = load_scenario(path, environ={"HOST": "127.0.0.1", "PORT": "9", "TOKEN": "t0k"})
    assert scenario.name == "greeting"  # the file's name without its suffix
    assert scenario.url == "ws://127.0.0.1:9/ws"
    assert scenario.options == {"headers": {"Authorization": "Bearer t0k"}}
    expect, templated, dated, close = scenario.steps
    assert isinstance(expect, Expect) and (expect.within, expect.strict) == (DEFAULT_WITHIN, True)
    assert isinstance(templated, Send)
    first, second = json.loads(templated.payload(1)), json.loads(templated.payload(2))
    assert (first["n"], second["n"]) == (1, 2) and first["id"] != second["id"]
    assert isinstance(dated, Send) and json.loads(dated.payload(1)) == {"day": "2024-01-01"}  # dates stay text
    assert close == Close(1000, "", 9)


def test_the_command_lines_url_replaces_the_files(tmp_path: Path) -> None:
    path = write(tmp_path, "url: ws://${UNSET}/ws\nsteps:\n  - expect: x\n")
    assert load_scenario(path, url="ws://127.0.0.1:1/", environ={}).url == "ws://127.0.0.1:1/"
    no_url = write(tmp_path, "steps:\n  - expect: x\n", "bare.wstest.yaml")
    assert load_scenario(no_url, url="ws://127.0.0.1:1/", environ={}).url == "ws://127.0.0.1:1/"


@pytest.mark.parametrize("text, expected", [("500ms", 0.5), ("2s", 2.0), ("1m", 60.0), ("1.5s", 1.5)])
def test_durations(text: str, expected: float) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["2", "2 sec", "-1s", "0s", "s", 2])
def test_a_duration_needs_its_unit(text: object) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


@pytest.mark.parametrize("body, line, words", [
    ("  - sned: {a: 1}\n", 4, "unknown step 'sned'"),
    ("  - expect: x\n    witin: 2s\n", 5, "unknown key 'witin' in a expect step"),
    ("  - expect: x\n    within: 2\n", 5, "within: 2 is not a duration"),
    ("  - expect: x\n    strict: yes please\n", 5, "strict must be true or false"),
    ("  - expect: '$.a =='\n", 4, "needs a value to compare with"),
    ("  - expect: ''\n", 4, "expect needs a filter expression"),
    ("  - send: '{\"a\": }'\n", 4, "send: the message is not JSON"),
    ("  - send: '{\"id\": \"{{uid}}\"}'\n", 4, "unknown variable {{uid}}"),
    ("  - close: {code: 1006}\n", 4, "close code 1006 cannot be sent"),
    ("  - close: {code: 1000, why: x}\n", 4, "unknown key 'why' in close"),
    ("  - expect: x\n    send: {}\n", 5, "both 'expect' and 'send'"),
    ("  - just text\n", 4, "a step is a mapping"),
    ("  - expect_schema: missing.schema.json\n", 4, "expect_schema: cannot read"),
    ("  - emit: {args: [1]}\n", 4, "emit needs the event's name"),
    ("  - emit:\n      event: ''\n", 5, "emit needs the event's name"),
    ("  - emit: {event: chat, arg: 1}\n", 4, "unknown key 'arg' in emit"),
    ("  - emit: {event: chat, args: '[{{uid}}]'}\n", 4, "emit: unknown variable {{uid}}"),
    ("  - expect: x\n    expect: y\n", 5, "'expect' is written twice (first on line 4)"),
    ("  - expect: [x\n", 5, "not valid YAML"),
])
def test_an_invalid_step_names_its_file_line_and_key(tmp_path: Path, body: str, line: int, words: str) -> None:
    path = write(tmp_path, "name: n\nurl: ws://127.0.0.1:1/\nsteps:\n" + body)
    error = error_of(path, environ={})
    assert (error.file, error.line) == (str(path), line)
    assert words in error.message
    assert str(error).startswith(f"{path}:{line}: ")


@pytest.mark.parametrize("text, line, words", [
    ("url: ws://127.0.0.1:1/\nstesp:\n  - expect: x\n", 2, "unknown key 'stesp'"),
    ("name: n\nsteps:\n  - expect: x\n", 1, "no url"),
    ("url: ws://${NOT_SET_HERE}/\nsteps:\n  - expect: x\n", 1, "NOT_SET_HERE is not set"),
    ("url: ws://127.0.0.1:1/\n", 1, "no steps"),
    ("url: ws://127.0.0.1:1/\nsteps: []\n", 2, "at least one step"),
    ("url: ws://127.0.0.1:1/\noptions: [a]\nsteps:\n  - expect: x\n", 2, "options must be a mapping"),
    ("- expect: x\n", 1, "a scenario is a mapping"),
])
def test_an_invalid_scenario_names_its_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    error = error_of(write(tmp_path, text), environ={})
    assert error.line == line and words in error.message


def test_an_unreadable_file_is_an_error_naming_it(tmp_path: Path) -> None:
    error = error_of(tmp_path / "missing.wstest.yaml")
    assert error.file.endswith("missing.wstest.yaml") and "cannot read" in error.message
