"""The log filter: a small expression language compiled once into a row predicate.

Terms are separated by spaces and must all match (AND):

- a word: the payload contains it, ignoring case (`"two words"` for a phrase)
- `/regex/`: the payload matches the regular expression (Python syntax)
- `dir:sent`, `dir:received`, `dir:event`: the direction
- `conn:client#1`: the connection name starts with this
- `op:text|binary|close|ping|pong|open|refused|error`: the opcode (`|` means any of them)
- `-term`: the opposite of any term above

Binary payloads are searched as their hex form. A bad expression raises
`FilterError` with a message for the user; it never half-applies.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from app.core.capture import CaptureStore
from app.core.frames import Direction, Opcode

RowPredicate = Callable[[CaptureStore, int], bool]

OPCODES = {
    "text": Opcode.TEXT, "binary": Opcode.BINARY, "close": Opcode.CLOSE, "ping": Opcode.PING,
    "pong": Opcode.PONG, "open": Opcode.OPEN, "refused": Opcode.REJECT, "error": Opcode.ERROR,
}
DIRECTIONS = {"sent": Direction.SENT, "received": Direction.RECEIVED, "event": Direction.EVENT}


class FilterError(ValueError):
    """The expression is not valid; the message says what to fix."""


def _payload_text(payload: str | bytes) -> str:
    return payload.hex(" ") if isinstance(payload, bytes) else payload


def _term(token: str) -> RowPredicate:
    if token.startswith("-") and len(token) > 1:
        inner = _term(token[1:])
        return lambda store, row: not inner(store, row)
    if len(token) >= 2 and token.startswith("/") and token.endswith("/"):
        try:
            pattern = re.compile(token[1:-1])
        except re.error as error:
            raise FilterError(f"Bad regular expression {token}: {error}") from None
        return lambda store, row: pattern.search(_payload_text(store.payloads[row])) is not None
    key, colon, value = token.partition(":")
    if colon and key == "dir":
        if value not in DIRECTIONS:
            raise FilterError(f"dir: takes sent, received or event, not {value!r}")
        wanted = DIRECTIONS[value]
        return lambda store, row: store.directions[row] == wanted
    if colon and key == "op":
        names = value.split("|")
        unknown = [n for n in names if n not in OPCODES]
        if unknown or not value:
            raise FilterError(f"op: takes {', '.join(OPCODES)}; not {', '.join(unknown) or 'nothing'}")
        codes = frozenset(OPCODES[n] for n in names)
        return lambda store, row: store.opcodes[row] in codes
    if colon and key == "conn":
        if not value:
            raise FilterError("conn: needs a connection name, e.g. conn:client#1")
        return lambda store, row: store.connection(row).startswith(value)
    needle = token.casefold()
    if needle.isascii():
        # ASCII-only needles: a lower() of the payload is enough and much faster than casefold().
        return lambda store, row: needle in _payload_text(store.payloads[row]).lower()
    return lambda store, row: needle in _payload_text(store.payloads[row]).casefold()


_TOKEN = re.compile(r"""-?/(?:\\.|[^/\\])*/(?=\s|$)|-?"[^"]*"|-?'[^']*'|\S+""")


def tokenize(expression: str) -> list[str]:
    """Split into terms: `/regex with spaces/`, quoted phrases (quotes removed), words."""
    tokens = []
    for match in _TOKEN.finditer(expression):
        token = match.group()
        body = token[1:] if token.startswith("-") else token
        if body[:1] in "\"'":
            if len(body) < 2 or body[-1] != body[0]:
                raise FilterError(f"Unbalanced quotes in {token!r}: close the phrase with {body[0]}")
            token = ("-" if token.startswith("-") else "") + body[1:-1]
        tokens.append(token)
    return tokens


def compile_filter(expression: str) -> RowPredicate | None:
    """Compile `expression`; None means "show everything"."""
    tokens = tokenize(expression)
    if not tokens:
        return None
    terms = [_term(token) for token in tokens]
    if len(terms) == 1:
        return terms[0]
    return lambda store, row: all(term(store, row) for term in terms)
