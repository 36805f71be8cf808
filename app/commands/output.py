"""How every command writes to the terminal: through `say`, which escapes what peers control.

Payloads, close reasons, handshake bodies, file names: any of them may hold terminal
control codes. Every line a command prints goes through `say` (and log records through
the handler `prepare_output` installs), so none of them reaches the terminal raw.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from app.core.printable import escape_controls


def say(text: str = "", *, error: bool = False, start: str = "", end: str = "\n") -> None:
    """Print one line (stdout, or stderr with `error`), its control characters escaped.

    `start` and `end` are the command's own, written as they are (a line rewritten in place
    starts with a carriage return and ends by erasing the rest of the old line).
    """
    stream: TextIO = sys.stderr if error else sys.stdout
    print(start + escape_controls(text), end=end, file=stream, flush=True)


class _EscapingFormatter(logging.Formatter):
    """Log records as Python prints them by default, each line of them escaped."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return escape_controls(super().formatMessage(record))

    def formatException(self, ei) -> str:
        return "\n".join(escape_controls(line) for line in super().formatException(ei).splitlines())

    def formatStack(self, stack_info: str) -> str:
        return "\n".join(escape_controls(line) for line in stack_info.splitlines())


def prepare_output() -> None:
    """Make printing safe for a command: odd characters never crash it, log records are escaped."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")  # what escaping leaves (e.g. no UTF-8 locale)
    root = logging.getLogger()
    if not any(isinstance(handler.formatter, _EscapingFormatter) for handler in root.handlers):
        handler = logging.StreamHandler()  # stderr, warnings and up: as Python's last-resort handler
        handler.setLevel(logging.WARNING)
        handler.setFormatter(_EscapingFormatter("%(message)s"))
        root.addHandler(handler)


__all__ = ["prepare_output", "say"]
