"""Scenario tests: a conversation with a WebSocket server written in YAML, read and checked before it runs.

```yaml
name: greeting and echo
url: ws://127.0.0.1:8765/ws          # ${VAR} expands from the environment
steps:
  - expect: "$.username == 'Alice'"  # the filter bar's language; within: 5s unless given
  - send: {"action": "subscribe"}    # JSON; composer templates ({{uuid}}, {{seq}}…) expand at send time
  - close: {code: 1000}
```

On a Socket.IO connection, `emit: {event: chat, args: [...]}` sends an event (its args as JSON, templates
expanded), and `expect` can name events with the filter's `event:` term: each expect is compiled over the
runner's own protocol decoding.

Everything wrong with a file is found here, before any connection is made, and reported as a
`ScenarioError` naming the file, the line and the key at fault (an unknown step `sned:`, a bad
duration, a filter expression that does not compile, a send that is not JSON). The YAML is read
with a loader that keeps each mapping's line numbers, since PyYAML's plain values forget them.
Connection `options:` are kept as written (with ${VAR} expanded): the layer that opens the
connection checks them, and reports its problems against the line of `options:`.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core import jsondoc
from app.core.capture import CaptureStore
from app.core.errors import SocketScopeError
from app.core.filters import RowPredicate, compile_filter
from app.core.frames import Opcode
from app.core.json_query import FilterError
from app.core.protocols.socketio import ROOT, event_packet
from app.core.protocols.tracker import ProtocolTracker
from app.core.summary import summarize
from app.core.templates import TemplateContext, TemplateError, expand
from app.core.text_files import MiB, UnreadableText, read_text

if TYPE_CHECKING:
    from app.core.contracts.loading import Contract

SCENARIO_LIMIT = 8 * MiB  # a bigger file is refused unread: a scenario is steps, not data
EXPANDED_LIMIT = MiB  # characters a text may have once its ${VAR}s are expanded
DEFAULT_WITHIN = 5.0  # seconds an expect waits unless told
SCENARIO_SUFFIX = ".wstest.yaml"  # what the pytest plugin collects
STEP_KINDS = ("expect", "send", "close", "expect_schema", "emit")
TOP_KEYS = ("name", "url", "options", "steps")
# What each step may hold besides its own key.
STEP_MODIFIERS: dict[str, tuple[str, ...]] = {"expect": ("within", "strict"), "send": (), "close": (),
                                              "expect_schema": ("within",), "emit": ()}
EMIT_KEYS = ("event", "args")
_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m)\s*\Z")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0}
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class ScenarioError(SocketScopeError, ValueError):
    """A scenario file that cannot be run: where (file and 1-based line) and why."""

    def __init__(self, message: str, file: str = "", line: int = 0) -> None:
        super().__init__(message)
        self.message, self.file, self.line = message, file, line

    def __str__(self) -> str:
        place = ":".join(str(part) for part in (self.file, self.line) if part)
        return f"{place}: {self.message}" if place else self.message


@dataclass(frozen=True, slots=True)
class Expect:
    """Wait for the next received message the filter expression matches."""

    expression: str
    predicate: RowPredicate = field(compare=False, repr=False)
    within: float = DEFAULT_WITHIN
    strict: bool = False  # fail on the first received message that does not match, instead of skipping it
    line: int = 0

    def describe(self) -> str:
        return f"expect {_one_line(self.expression)}"


@dataclass(frozen=True, slots=True)
class Send:
    """Send one text message: JSON once its composer templates are expanded."""

    template: str
    line: int = 0

    def describe(self) -> str:
        return f"send {_one_line(self.template)}"

    def payload(self, seq: int) -> str:
        """The text to send as the `seq`-th send of the run (templates expanded afresh)."""
        return expand(self.template, TemplateContext(seq=seq))


@dataclass(frozen=True, slots=True)
class Emit:
    """Send one Socket.IO event on the connection's namespace: its arguments are JSON once templates expand."""

    event: str
    template: str  # a JSON array of the arguments
    line: int = 0

    def describe(self) -> str:
        return f"emit {_one_line(self.event)} {_one_line(self.template)}"

    def payload(self, seq: int, namespace: str = ROOT) -> str:
        """The event packet for the `seq`-th send of the run (`42["chat",…]`), templates expanded afresh."""
        return event_packet(self.event, expand(self.template, TemplateContext(seq=seq)), namespace)


@dataclass(frozen=True, slots=True)
class Close:
    """Close the connection with this code and reason, and wait until it is closed."""

    code: int = 1000
    reason: str = ""
    line: int = 0

    def describe(self) -> str:
        return f"close {self.code}" + (f" {self.reason!r}" if self.reason else "")


@dataclass(frozen=True, slots=True)
class ExpectSchema:
    """Check a message against a contract: the one the previous expect matched, else the next received."""

    path: str  # as written (relative to the scenario file)
    contract: Contract = field(compare=False, repr=False)
    within: float = DEFAULT_WITHIN  # when it waits for the next message
    line: int = 0

    def describe(self) -> str:
        return f"expect_schema {self.path}"


Step = Expect | Send | Close | ExpectSchema | Emit


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    path: Path
    url: str
    steps: tuple[Step, ...]
    options: dict[str, Any] = field(default_factory=dict)  # as written, ${VAR} expanded; checked when opened
    options_line: int = 0
    url_line: int = 0

    def error(self, message: str, line: int) -> ScenarioError:
        return ScenarioError(message, str(self.path), line)


def _one_line(text: str) -> str:
    """A step's text as reports, the Tests dock and JUnit name it: bounded, as the log summarises a message."""
    return summarize(Opcode.TEXT, text)


def parse_duration(text: object) -> float:
    """`500ms`, `2s` or `1m` in seconds; `ValueError` saying how to write one otherwise."""
    match = _DURATION.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"{text!r} is not a duration: write it with its unit, like 500ms, 2s or 1m")
    seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds <= 0:
        raise ValueError(f"{text!r}: a duration must be longer than zero")
    return seconds


def expand_environment(text: str, environ: Mapping[str, str]) -> str:
    """`${VAR}` replaced by the environment's value; `KeyError` names the first variable that is not set.

    `ValueError` if the text would grow past EXPANDED_LIMIT: a few bytes of `${BIG}${BIG}…` must
    not make gigabytes.
    """
    length = len(text)

    def value(match: re.Match[str]) -> str:
        nonlocal length
        name = match.group(1)
        if name not in environ:
            raise KeyError(name)
        length += len(environ[name]) - len(match.group(0))
        if length > EXPANDED_LIMIT:
            raise ValueError(f"the environment's values make it over {EXPANDED_LIMIT // MiB} MiB")
        return environ[name]

    return _VARIABLE.sub(value, text)


def load_scenario(path: str | Path, url: str | None = None, environ: Mapping[str, str] | None = None) -> Scenario:
    """Read and check a scenario file; `url` (the command's --url) replaces the file's own."""
    path = Path(path)
    try:
        text = read_text(path, SCENARIO_LIMIT)
    except UnreadableText as error:
        raise ScenarioError(f"cannot read the scenario: {error.reason}", str(path), error.line) from None
    return parse_scenario(text, path, url, os.environ if environ is None else environ)


def parse_scenario(text: str, path: Path, url: str | None = None,
                   environ: Mapping[str, str] | None = None) -> Scenario:
    return _Reader(path, os.environ if environ is None else environ).scenario(text, url)


# --- What the YAML loader (app/core/scenario_yaml.py) gives: containers that know their lines ----------

class LineMapping(dict[Any, Any]):
    """A YAML mapping that remembers its own line and each key's."""

    line = 0
    key_lines: dict[Any, int]


class LineSequence(list[Any]):
    line = 0
    item_lines: list[int]


# --- Checking ---------------------------------------------------------------------------------------

class _Reader:
    def __init__(self, path: Path, environ: Mapping[str, str]) -> None:
        self.path = path
        self.environ = environ

    def error(self, message: str, line: int = 0) -> ScenarioError:
        return ScenarioError(message, str(self.path), line)

    def scenario(self, text: str, url_override: str | None) -> Scenario:
        document = self.parse_yaml(text)
        if not isinstance(document, LineMapping):
            raise self.error("a scenario is a mapping with name, url and steps", getattr(document, "line", 1))
        for key in document:
            if key not in TOP_KEYS:
                raise self.error(f"unknown key {key!r} (a scenario has {', '.join(TOP_KEYS)})",
                                 document.key_lines[key])
        name = document.get("name", self.path.name.removesuffix(SCENARIO_SUFFIX).removesuffix(".yaml"))
        if not isinstance(name, str) or not name.strip():
            raise self.error("name must be some text", document.key_lines.get("name", document.line))
        url_line = document.key_lines.get("url", 0)
        if url_override is not None:
            url, url_line = url_override, 0  # not the file's
        elif "url" not in document:
            raise self.error("the scenario has no url (add `url: ws://…` or give --url)", document.line)
        else:
            url = self.expanded(document["url"], "url", url_line)
        options, options_line = self.options(document)
        if "steps" not in document:
            raise self.error("the scenario has no steps", document.line)
        steps = document["steps"]
        steps_line = document.key_lines["steps"]
        if not isinstance(steps, LineSequence) or not steps:
            raise self.error("steps must be a list of at least one step (- expect: …, - send: …)", steps_line)
        return Scenario(name.strip(), self.path, url,
                        tuple(self.step(step, line) for step, line in zip(steps, steps.item_lines, strict=True)),
                        options, options_line, url_line)

    def parse_yaml(self, text: str) -> Any:
        import yaml  # here, not at the top: see app/core/scenario_yaml.py

        from app.core import scenario_yaml

        try:
            return scenario_yaml.parse(text)
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            problem = " ".join(part for part in (error.context, error.problem) if part)
            raise self.error(f"not valid YAML: {problem}", mark.line + 1 if mark else 0) from None
        except yaml.YAMLError as error:
            raise self.error(f"not valid YAML: {error}") from None

    def expanded(self, value: object, key: str, line: int) -> str:
        if not isinstance(value, str):
            raise self.error(f"{key} must be text, not {_kind(value)}", line)
        try:
            return expand_environment(value, self.environ)
        except KeyError as missing:
            raise self.error(f"{key}: the environment variable {missing.args[0]} is not set", line) from None
        except ValueError as error:
            raise self.error(f"{key}: {error}", line) from None

    def options(self, document: LineMapping) -> tuple[dict[str, Any], int]:
        if "options" not in document:
            return {}, 0
        line = document.key_lines["options"]
        options = document["options"]
        if options is None:
            return {}, line
        if not isinstance(options, LineMapping):
            raise self.error("options must be a mapping (headers:, subprotocols:, auth:…)", line)
        return {key: self.option_value(value, f"options.{key}", options.key_lines[key])
                for key, value in options.items()}, line

    def option_value(self, value: Any, key: str, line: int) -> Any:
        """The value with ${VAR} expanded in its text, wherever it is nested."""
        if isinstance(value, str):
            return self.expanded(value, key, line)
        if isinstance(value, LineMapping):
            return {name: self.option_value(item, key, value.key_lines[name]) for name, item in value.items()}
        if isinstance(value, list):
            return [self.option_value(item, key, line) for item in value]
        return value

    def step(self, step: object, line: int) -> Step:
        if not isinstance(step, LineMapping):
            raise self.error(f"a step is a mapping like `- expect: …` or `- send: …`, not {_kind(step)}", line)
        kinds = [key for key in step if key in STEP_KINDS]
        if not kinds:
            key = next(iter(step), None)
            raise self.error(f"unknown step {key!r} (a step is one of {', '.join(STEP_KINDS)})",
                             step.key_lines.get(key, line))
        if len(kinds) > 1:
            raise self.error(f"one step holds both {kinds[0]!r} and {kinds[1]!r}: write them as two steps",
                             step.key_lines[kinds[1]])
        kind = kinds[0]
        for key in step:
            if key != kind and key not in STEP_MODIFIERS[kind]:
                allowed = ", ".join(STEP_MODIFIERS[kind]) or "nothing else"
                raise self.error(f"unknown key {key!r} in a {kind} step (it may hold {allowed})", step.key_lines[key])
        line = step.key_lines[kind]
        if kind == "expect":
            return self.expect(step, line)
        if kind == "send":
            return self.send(step["send"], line)
        if kind == "expect_schema":
            return self.expect_schema(step, line)
        if kind == "emit":
            return self.emit(step["emit"], line)
        return self.close(step["close"], line)

    def expect_schema(self, step: LineMapping, line: int) -> ExpectSchema:
        """The contract is read now: a missing or invalid one is the scenario's error, at this line."""
        written = step["expect_schema"]
        if not isinstance(written, str) or not written.strip():
            raise self.error("expect_schema needs a JSON Schema or AsyncAPI file, like reply.schema.json", line)
        path = self.path.parent / self.expanded(written.strip(), "expect_schema", line)
        from app.core.contracts.documents import ContractError  # the validators load with the first contract
        from app.core.contracts.loading import load_contract

        try:
            contract = load_contract(path)
        except ContractError as error:
            raise self.error(f"expect_schema: {error}", line) from None
        return ExpectSchema(written.strip(), contract, self.within(step), line)

    def within(self, step: LineMapping) -> float:
        """How long a waiting step waits: its `within`, else DEFAULT_WITHIN."""
        if "within" not in step:
            return DEFAULT_WITHIN
        try:
            return parse_duration(step["within"])
        except ValueError as error:
            raise self.error(f"within: {error}", step.key_lines["within"]) from None

    def expect(self, step: LineMapping, line: int) -> Expect:
        expression = step["expect"]
        if not isinstance(expression, str) or not expression.strip():
            raise self.error("expect needs a filter expression, like \"$.status == 'ok'\"", line)
        try:  # checked over a decoder of its own: the runner compiles it again over the run's
            predicate = compile_filter(expression, ProtocolTracker(CaptureStore()))
        except FilterError as error:
            raise self.error(f"expect: {error}", line) from None
        if predicate is None:
            raise self.error("expect needs a filter expression, like \"$.status == 'ok'\"", line)
        within = self.within(step)
        strict = step.get("strict", False)
        if not isinstance(strict, bool):
            raise self.error(f"strict must be true or false, not {strict!r}", step.key_lines["strict"])
        return Expect(expression.strip(), predicate, within, strict, line)

    def send(self, value: object, line: int) -> Send:
        """A mapping or list is sent as its JSON; text is sent as written and must be JSON once expanded."""
        if isinstance(value, str):
            template = value
        else:
            try:
                template = json.dumps(value, ensure_ascii=False, allow_nan=False)
            except (TypeError, ValueError) as error:
                raise self.error(f"send: not a JSON value: {error}", line) from None
        try:
            jsondoc.parse(expand(template, TemplateContext()))
        except TemplateError as error:
            raise self.error(f"send: {error.message} (column {error.column} of the message)", line) from None
        except jsondoc.JsonSyntaxError as error:
            raise self.error(f"send: the message is not JSON: {error}", line) from None
        return Send(template, line)

    def emit(self, value: object, line: int) -> Emit:
        """`{event: chat, args: [...]}`: a list's items are the arguments, any other value the only one."""
        if not isinstance(value, LineMapping) or not isinstance(value.get("event"), str) or not value["event"].strip():
            raise self.error("emit needs the event's name: emit: {event: chat, args: [{text: hi}]}",
                             value.key_lines.get("event", line) if isinstance(value, LineMapping) else line)
        for key in value:
            if key not in EMIT_KEYS:
                raise self.error(f"unknown key {key!r} in emit (it may hold event and args)", value.key_lines[key])
        args = value.get("args", [])
        if isinstance(args, str):
            template = args  # text: JSON once its templates expand, like a send's
        else:
            try:
                template = json.dumps(args if isinstance(args, list) else [args], ensure_ascii=False, allow_nan=False)
            except (TypeError, ValueError) as error:
                raise self.error(f"emit: the args are not JSON: {error}", value.key_lines.get("args", line)) from None
        try:
            jsondoc.parse(expand(template, TemplateContext()))
        except TemplateError as error:
            raise self.error(f"emit: {error.message} (column {error.column} of the args)",
                             value.key_lines.get("args", line)) from None
        except jsondoc.JsonSyntaxError as error:
            raise self.error(f"emit: the args are not JSON: {error}", value.key_lines.get("args", line)) from None
        return Emit(value["event"].strip(), template, line)

    def close(self, value: object, line: int) -> Close:
        if value is None:
            return Close(line=line)
        if not isinstance(value, LineMapping):
            raise self.error("close takes {code: 1000} (and optionally reason: …)", line)
        for key in value:
            if key not in ("code", "reason"):
                raise self.error(f"unknown key {key!r} in close (it may hold code and reason)", value.key_lines[key])
        code = value.get("code", 1000)
        if isinstance(code, bool) or not isinstance(code, int) or not sendable_close_code(code):
            raise self.error(f"close code {code!r} cannot be sent (1000-1014 but 1005, 1006, 1015; or 3000-4999)",
                             value.key_lines.get("code", line))
        reason = value.get("reason", "")
        if not isinstance(reason, str) or len(reason.encode("utf-8", "surrogatepass")) > 123:
            raise self.error("close reason must be text of at most 123 bytes", value.key_lines.get("reason", line))
        return Close(code, reason, line)


def sendable_close_code(code: int) -> bool:
    """What a client may send (the inspector refuses the rest): RFC 6455's defined codes and 3000-4999."""
    from websockets.frames import CLOSE_CODE_EXPLANATIONS  # noqa: PLC0415 - not with the window: see app/net/client_connection.py

    return code in CLOSE_CODE_EXPLANATIONS and code not in (1005, 1006, 1015) or 3000 <= code <= 4999


def _kind(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


__all__ = ["Close", "Emit", "Expect", "Scenario", "ScenarioError", "Send", "Step", "load_scenario", "parse_duration",
           "parse_scenario", "sendable_close_code"]
