"""`socketscope schema check|infer`: a capture's JSON messages against a contract, or a contract from them.

`check` validates every text message that holds JSON (events, close frames and other text are
skipped) with the contract's own draft, and prints each message that violates it with the
JSONPath of each violation. An AsyncAPI contract chooses the channel by the path each
connection was opened on and the message by the way it went. Exit codes: 0 no violation,
1 violations, 2 usage error or unreadable input (capture or contract).

`infer` writes the draft 2020-12 schema those messages pass (and, if asked, Pydantic v2 models of
it): a starting point for a contract, so a later capture shows where the traffic changed. Exit
codes: 0 written, 2 usage error, unreadable input, no JSON message, or an output not writable.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.commands.common import FAILURE, OK, Parser, UsageError, run_command
from app.commands.output import say
from app.core.capture_files import read_capture
from app.core.contracts.documents import ContractError
from app.core.contracts.inference import infer_schema, pydantic_models
from app.core.contracts.live import opened_path
from app.core.contracts.loading import Contract, load_contract
from app.core.contracts.verdicts import TooDeep, flow_of
from app.core.frames import DIRECTION_NAMES, Direction, Frame, Opcode

PROG = "socketscope schema"
_DIRECTIONS = {"received": Direction.RECEIVED, "sent": Direction.SENT}


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog=PROG, description="Check a capture's JSON messages against a JSON Schema or an "
                    "AsyncAPI document, or infer a JSON Schema from them.")
    actions = parser.add_subparsers(dest="action", required=True)
    check = actions.add_parser("check", help="check every JSON message of a capture against a contract",
                               description="Check every text message holding JSON against a contract; print each "
                               "one that violates it (#N is the frame's place in the capture, 1 the first) with "
                               "the JSONPath of each violation. Exit 0: none, 1: violations, 2: usage or "
                               "unreadable input.")
    check.add_argument("capture", metavar="CAPTURE", help="a SocketScope JSONL capture (or a HAR file)")
    check.add_argument("--schema", required=True, metavar="FILE",
                       help="a JSON Schema (draft 2020-12, 2019-09 or 07; JSON or YAML) or an AsyncAPI 2.6 or "
                       "3.0 document (read as describing the server)")
    _add_direction(check)
    infer = actions.add_parser("infer", help="write the JSON Schema a capture's JSON messages pass",
                               description="Write a draft 2020-12 JSON Schema that every chosen JSON message of "
                               "the capture passes: each property's types, and the keys every object has as "
                               "required.")
    infer.add_argument("capture", metavar="CAPTURE", help="a SocketScope JSONL capture (or a HAR file)")
    infer.add_argument("--out", required=True, metavar="S.json", help="the schema file to write (replaced)")
    _add_direction(infer)
    infer.add_argument("--connection", metavar="NAME", help="only this connection's messages (e.g. client#1)")
    infer.add_argument("--pydantic", metavar="models.py", help="also write Pydantic v2 models of the schema")
    return parser


def _add_direction(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--direction", choices=tuple(_DIRECTIONS),
                        help="only the messages in this direction, as the capture records it")


def run(argv: list[str]) -> int:
    return run_command(PROG, build_parser(), argv, _run)


def _run(args: argparse.Namespace) -> int:
    return _check(args) if args.action == "check" else _infer(args)


@dataclass(frozen=True, slots=True)
class JsonMessage:
    """A text message that holds JSON: its place in the capture, its frame, its value, its connection's path."""

    index: int
    frame: Frame
    value: Any
    path: str | None


@dataclass
class Tally:
    messages: int = 0  # text messages in the chosen direction
    not_json: int = 0
    too_deep: int = 0  # JSON nested deeper than can be parsed (or, for inference, used)

    def skipped(self) -> list[str]:
        """What was not checked, for the summary line."""
        parts = []
        if self.not_json:
            parts.append(f"{self.not_json:,} not JSON, skipped")
        if self.too_deep:
            parts.append(f"{self.too_deep:,} nested too deeply to check, skipped")
        return parts


def read_frames(capture: str) -> list[Frame]:
    """The capture's frames; `UsageError` if it cannot be read or holds none (what was skipped is warned)."""
    try:
        frames, report = read_capture(Path(capture))
    except OSError as error:
        raise UsageError(f"cannot read {capture}: {error.strerror or error}") from None
    if not frames:
        raise UsageError(f"{capture}: no frame to read: {report.summary()}")
    if not report.clean:
        say(f"warning: {capture}: {report.summary()}", error=True)
    return frames


def json_messages(frames: list[Frame], direction: str | None, tally: Tally,
                  connection: str | None = None) -> Iterator[JsonMessage]:
    """The text messages holding JSON, in the capture's order, with the path their connection opened on."""
    wanted = _DIRECTIONS[direction] if direction else None
    paths: dict[str, str | None] = {}
    for index, frame in enumerate(frames, start=1):
        if frame.opcode == Opcode.OPEN:
            paths[frame.connection] = opened_path(frame.payload)
            continue
        if frame.opcode != Opcode.TEXT or frame.direction == Direction.EVENT or not isinstance(frame.payload, str):
            continue
        if (wanted is not None and frame.direction != wanted) or (connection and frame.connection != connection):
            continue
        tally.messages += 1
        try:
            value = json.loads(frame.payload)
        except ValueError:
            tally.not_json += 1
            continue
        except RecursionError:
            tally.too_deep += 1
            continue
        yield JsonMessage(index, frame, value, paths.get(frame.connection))


def _load_contract(path: str) -> Contract:
    try:
        contract = load_contract(Path(path))
    except ContractError as error:
        raise UsageError(str(error)) from None
    for line in contract.unsupported:
        say(f"note: {path}: {line}", error=True)
    return contract


def _check(args: argparse.Namespace) -> int:
    contract = _load_contract(args.schema)
    frames = read_frames(args.capture)
    tally = Tally()
    checked = violating = without_message = 0
    for message in json_messages(frames, args.direction, tally):
        frame = message.frame
        try:
            verdict = contract.check(message.value, flow_of(frame.side, frame.direction), message.path)
        except TooDeep:
            tally.too_deep += 1
            continue
        if verdict is None:
            without_message += 1
            continue
        checked += 1
        if verdict.valid:
            continue
        violating += 1
        say(f"#{message.index} {frame.connection} {DIRECTION_NAMES[frame.direction]} ({verdict.message}): "
            f"{verdict.summary()}")
        for line in verdict.lines():
            say(line)
    summary = [f"{checked:,} message{'' if checked == 1 else 's'} checked against {contract.name}",
               f"{violating:,} violate{'s' if violating == 1 else ''} it"]
    summary += tally.skipped()
    if without_message:
        summary.append(f"{without_message:,} with no message in the contract for their channel and direction, "
                       "not checked")
    say("; ".join(summary), error=True)
    return FAILURE if violating else OK


def _infer(args: argparse.Namespace) -> int:
    frames = read_frames(args.capture)
    if args.connection and not any(frame.connection == args.connection for frame in frames):
        names = sorted({frame.connection for frame in frames})
        raise UsageError(f"{args.capture}: no connection {args.connection!r} (it has {', '.join(names)})")
    tally = Tally()
    values = [message.value for message in json_messages(frames, args.direction, tally, args.connection)]
    inferred = infer_schema(values)
    tally.too_deep += inferred.too_deep
    if not inferred.used:
        skipped = "".join(f"; {part}" for part in tally.skipped())
        raise UsageError(f"{args.capture}: no JSON message to infer a schema from "
                         f"({tally.messages:,} text message{'' if tally.messages == 1 else 's'} chosen{skipped})")
    _write(Path(args.out), json.dumps(inferred.schema, indent=2) + "\n")
    written = [args.out]
    if args.pydantic:
        _write(Path(args.pydantic), pydantic_models(inferred.schema))
        written.append(args.pydantic)
    skipped = "".join(f"; {part}" for part in tally.skipped())
    say(f"Inferred a schema from {inferred.used:,} message{'' if inferred.used == 1 else 's'}{skipped}: "
        f"wrote {' and '.join(written)}", error=True)
    return OK


def _write(path: Path, text: str) -> None:
    """Write `text` to `path` through a `.part` file, so a failure leaves the old file as it was."""
    partial = path.with_name(path.name + ".part")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise UsageError(f"cannot write {path}: {error.strerror or error}") from None
