"""A file the user names, read as UTF-8 text within a size: never a device, a pipe or a folder.

`/dev/zero` never ends and a pipe waits for a writer forever, so only regular files are read,
and only up to the caller's limit (what it can parse and use in bounded time and memory).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from app.core.errors import SocketScopeError

MiB = 1024 * 1024


class UnreadableText(SocketScopeError, ValueError):
    """Why a file cannot be read as text; `line` is where invalid UTF-8 starts (0: not about a line)."""

    __slots__ = ("line", "reason")

    def __init__(self, reason: str, line: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


def read_text(path: Path, limit: int) -> str:
    """The UTF-8 text of the regular file `path`, at most `limit` bytes; `UnreadableText` saying why not."""
    try:
        # Opened without blocking, so that a pipe is refused here rather than waited on.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            size = os.fstat(descriptor)
            if not stat.S_ISREG(size.st_mode):
                raise UnreadableText("not a file")
            with os.fdopen(descriptor, "rb", closefd=False) as file:
                data = file.read(limit + 1)
        finally:
            os.close(descriptor)
    except OSError as error:
        raise UnreadableText(error.strerror or str(error)) from None
    if len(data) > limit:
        raise UnreadableText(f"{max(size.st_size, len(data)) / MiB:,.1f} MiB, over the {limit / MiB:g} MiB "
                             "read here")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UnreadableText(f"not UTF-8 text (byte {error.start})", data.count(b"\n", 0, error.start) + 1) from None
