"""What a check of one message says: the violations found, and which message of the contract was checked."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from app.core.errors import SocketScopeError
from app.core.frames import Direction, Side


class TooDeep(SocketScopeError, ValueError):
    """A value nested deeper than the validator goes: it cannot be checked (neither valid nor invalid)."""

    __slots__ = ()


class Flow(enum.Enum):
    """Which way a message went between the client and the server (a contract describes the server)."""

    TO_SERVER = "to the server"
    TO_CLIENT = "to the client"


def flow_of(side: Side, direction: Direction) -> Flow | None:
    """The way a frame went, from the side that recorded it and its direction there (None for events)."""
    if direction == Direction.EVENT:
        return None
    client_sent = (side == Side.CLIENT) == (direction == Direction.SENT)
    return Flow.TO_SERVER if client_sent else Flow.TO_CLIENT


@dataclass(frozen=True, slots=True)
class Violation:
    """One way a message breaks its schema: where (JSONPath), which keyword, and what is wrong."""

    path: str
    keyword: str
    message: str


@dataclass(frozen=True, slots=True)
class Verdict:
    """A message's check: the contract's message it was checked against, and what it violates (empty: valid).

    `more` counts the violations found beyond those listed (see schemas.VIOLATIONS_LISTED); when
    there were too many to count (`uncounted`), it is how many errors the evaluation found beyond
    those listed, failed branches of `anyOf` and `oneOf` included: more than the violations.
    """

    message: str
    violations: tuple[Violation, ...] = ()
    more: int = 0
    uncounted: bool = False

    @property
    def valid(self) -> bool:
        return not self.violations

    @property
    def count(self) -> int:
        """How many violations were found, listed or not (with `uncounted`, at most this many)."""
        return len(self.violations) + self.more

    def summary(self) -> str:
        if self.uncounted:
            return "too many violations to count"
        return f"{self.count:,} violation{'' if self.count == 1 else 's'}"

    def lines(self, indent: str = "  ") -> list[str]:
        """Each listed violation (JSONPath, keyword, message), and how many more there are."""
        lines = [f"{indent}{violation.path}: {violation.keyword}: {violation.message}" for violation in self.violations]
        if self.uncounted:
            lines.append(f"{indent}… and more, not listed")
        elif self.more:
            lines.append(f"{indent}… and {self.more:,} more, not listed")
        return lines
