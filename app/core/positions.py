"""Errors that point at a place in a text the user typed or received."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.errors import SocketScopeError


@dataclass(slots=True, eq=False)  # not frozen: Python sets __traceback__ on an exception as it is raised
class PositionedError(SocketScopeError):
    """Why a text is wrong, and where: 1-based line and column, 0-based character offset."""

    message: str
    line: int
    column: int
    offset: int

    def __str__(self) -> str:
        return f"Line {self.line}, column {self.column}: {self.message}"
