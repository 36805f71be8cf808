"""One entry point for a contract file: an AsyncAPI document if it says so (`asyncapi:`), else a JSON Schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from app.core.contracts.asyncapi import AsyncApiContract
from app.core.contracts.documents import read_document
from app.core.contracts.schemas import SchemaContract
from app.core.contracts.verdicts import Flow, Verdict


class Contract(Protocol):
    name: str

    @property
    def unsupported(self) -> tuple[str, ...]: ...

    def check(self, value: Any, flow: Flow | None, path: str | None) -> Verdict | None:
        """The verdict on a message that went `flow` on a connection opened on `path`.

        None when the contract has no message for it; `TooDeep` when it is nested too deeply to check.
        """


def load_contract(path: Path) -> Contract:
    """The contract in `path`; `ContractError` naming the file and the place if it cannot be used."""
    value = read_document(path)
    if isinstance(value, dict) and "asyncapi" in value:
        return AsyncApiContract.load(path, value)
    return SchemaContract.load(path, value)
