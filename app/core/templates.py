"""Payload templates: `{{name}}` placeholders expanded at send time.

Built in: `{{uuid}}` (a random UUID 4), `{{now}}` (ISO 8601 UTC with milliseconds),
`{{epoch_ms}}`, `{{seq}}` (the sender's counter) and `{{random_int(a, b)}}` (both
bounds included); user variables are plain name → text. Values are inserted as
text, so quote them where the JSON needs a string: `"id": "{{uuid}}"`, `"n": {{seq}}`.

A placeholder that names nothing known, a bad call or a `{{` left open is an
error with its position in the template: a literal `{{uuid}}` must never reach
the wire by accident.
"""

from __future__ import annotations

import random
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from app.core.jsondoc import line_and_column
from app.core.positions import PositionedError

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_PLACEHOLDER = re.compile(r"\{\{([^{}\n]*)\}\}")
_CALL = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\((.*)\)\Z", re.DOTALL)
_INTEGER = re.compile(r"[+-]?\d+\Z")
BUILT_INS = ("uuid", "now", "epoch_ms", "seq", "random_int")


class TemplateError(PositionedError):
    """Why a template cannot be expanded, and where (1-based line and column in the template)."""

    __slots__ = ()


@dataclass(slots=True)
class TemplateContext:
    """What placeholders expand to; `seq` is the number of the send being prepared."""

    variables: Mapping[str, str] = field(default_factory=dict)
    seq: int = 1
    rng: random.Random = field(default_factory=random.Random)


def has_placeholders(template: str) -> bool:
    return "{{" in template


def validate_variable_name(name: str) -> str | None:
    """Why `name` cannot be a user variable, or None if it can."""
    if not NAME.match(name):
        return f"{name!r} is not a variable name (letters, digits and _, not starting with a digit)"
    if name in BUILT_INS:
        return f"{name!r} is built in"
    return None


def expand(template: str, context: TemplateContext) -> str:
    """The template with every placeholder replaced; raises TemplateError on the first bad one."""
    out: list[str] = []
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        _check_no_open_brace(template, position, match.start())
        out.append(template[position:match.start()])
        out.append(_value(match.group(1), match.start(), template, context))
        position = match.end()
    _check_no_open_brace(template, position, len(template))
    out.append(template[position:])
    return "".join(out)


def _check_no_open_brace(template: str, start: int, end: int) -> None:
    opened = template.find("{{", start, end)
    if opened >= 0:
        raise _error(template, opened, "'{{' is not closed with '}}'")


def _value(expression: str, at: int, template: str, context: TemplateContext) -> str:
    """The text for one placeholder; errors point at its opening `{{` (offset `at`)."""
    stripped = expression.strip()
    if not stripped:
        raise _error(template, at, "empty placeholder {{}}")
    call = _CALL.match(stripped)
    if call:
        name, arguments = call.groups()
        if name != "random_int":
            raise _error(template, at, f"unknown function {name}(); the only one is random_int(a, b)")
        return str(_random_int(arguments, at, template, context))
    if stripped == "uuid":
        return str(uuid.uuid4())
    if stripped == "now":
        return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if stripped == "epoch_ms":
        return str(time.time_ns() // 1_000_000)
    if stripped == "seq":
        return str(context.seq)
    if stripped == "random_int":
        raise _error(template, at, "random_int needs bounds: {{random_int(1, 100)}}")
    if stripped in context.variables:
        return context.variables[stripped]
    if not NAME.match(stripped):
        raise _error(template, at, f"{{{{{stripped}}}}} is not a variable name or a call")
    raise _error(template, at, f"unknown variable {{{{{stripped}}}}}; built in: uuid, now, epoch_ms, seq, "
                               f"random_int(a, b), or define it in Variables")


def _random_int(arguments: str, at: int, template: str, context: TemplateContext) -> int:
    parts = [part.strip() for part in arguments.split(",")]
    if len(parts) != 2 or not all(_INTEGER.match(part) for part in parts):
        raise _error(template, at, f"random_int takes two integers, like random_int(1, 100), not ({arguments})")
    low, high = (int(part) for part in parts)
    if low > high:
        raise _error(template, at, f"random_int({low}, {high}): the lower bound is above the upper bound")
    return context.rng.randint(low, high)


def _error(template: str, offset: int, message: str) -> TemplateError:
    line, column = line_and_column(template, offset)
    return TemplateError(message, line, column, offset)
