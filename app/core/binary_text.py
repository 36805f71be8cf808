"""Binary payloads typed as text: hex or base64, with the position of the first mistake.

Hex accepts the forms people paste: `0a ff`, `0A:FF`, `0x0a 0xff`, split over lines.
Base64 accepts the standard and the URL-safe alphabet, whitespace ignored, padding
required where the length needs it.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from app.core.errors import SocketScopeError
from app.core.jsondoc import line_and_column

HEX, BASE64 = "hex", "base64"
_HEX_SEPARATORS = re.compile(r"(?<![0-9A-Fa-f])0[xX](?=[0-9A-Fa-f])|[\s:,\-]")
_BASE64_CHARACTER = re.compile(r"[A-Za-z0-9+/=_\-]")


@dataclass(frozen=True, slots=True)
class BinaryTextError(SocketScopeError):
    message: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"Line {self.line}, column {self.column}: {self.message}"


def parse(text: str, encoding: str) -> bytes:
    return parse_hex(text) if encoding == HEX else parse_base64(text)


def render(data: bytes, encoding: str) -> str:
    return format_hex(data) if encoding == HEX else base64.b64encode(data).decode("ascii")


def format_hex(data: bytes, per_line: int = 16) -> str:
    """Lowercase pairs separated by spaces, `per_line` bytes to a line."""
    return "\n".join(data[i:i + per_line].hex(" ") for i in range(0, len(data), per_line))


def parse_hex(text: str) -> bytes:
    digits: list[str] = []
    last_digit = 0
    position = 0
    for match in _HEX_SEPARATORS.finditer(text + " "):
        for offset in range(position, match.start()):
            if text[offset] not in "0123456789abcdefABCDEF":
                raise _error(text, offset, f"{text[offset]!r} is not a hex digit")
            digits.append(text[offset])
            last_digit = offset
        position = match.end()
    if len(digits) % 2:
        raise _error(text, last_digit, "odd number of hex digits: the last byte is incomplete")
    return bytes.fromhex("".join(digits))


def parse_base64(text: str) -> bytes:
    compact: list[str] = []
    for offset, character in enumerate(text):
        if character.isspace():
            continue
        if not _BASE64_CHARACTER.match(character):
            raise _error(text, offset, f"{character!r} is not a base64 character")
        compact.append(character)
    joined = "".join(compact)
    if "=" in joined.rstrip("="):
        offset = text.index("=")
        raise _error(text, offset, "'=' padding may appear only at the end")
    if len(joined) % 4 == 1:
        raise _error(text, len(text.rstrip()), "base64 length is one more than a multiple of 4: a character is missing or extra")
    joined += "=" * (-len(joined) % 4) if not joined.endswith("=") else ""
    try:
        return base64.b64decode(joined.replace("-", "+").replace("_", "/"), validate=True)
    except binascii.Error as error:
        raise _error(text, len(text.rstrip()), f"not valid base64: {error}") from error


def _error(text: str, offset: int, message: str) -> BinaryTextError:
    line, column = line_and_column(text, offset)
    return BinaryTextError(message, line, column)
