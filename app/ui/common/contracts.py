"""Contract files loaded for the window, once per file and off the GUI thread.

Reading a contract follows its `$ref`s across files and compiles every schema: too slow for
the GUI thread. `attach` loads a file on a worker (the user just picked it: its faults are
shown then, its unsupported AsyncAPI features listed in a notice); `loaded` answers the
checker from what was loaded, and `ensure` starts loading a file a profile or a preference
names, so the checker waits for it rather than judging without it. The machinery behind
(jsonschema, YAML) is imported with the first contract, not when the window starts.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from PySide6.QtCore import QObject, Signal

from app.core.contracts.live import PENDING, Pending
from app.core.errors import SocketScopeError
from app.ui.common import async_loop, notify

if TYPE_CHECKING:  # the contract machinery (jsonschema, YAML) is imported when a contract is first read
    from app.core.contracts.loading import Contract

class ContractsBridge(QObject):
    """Tells the window of each contract loaded: its AsyncAPI examples go to the Library, its servers to the URL bar."""

    attached = Signal(object)  # a Contract


_bridge = ContractsBridge()


def bridge() -> ContractsBridge:
    return _bridge


_loaded: dict[str, Contract | None] = {}  # by path; None: it failed to load (the error was shown)
_loading: dict[str, asyncio.Future[Contract | None]] = {}


def describe(contract: Contract) -> str:
    """What is attached, in a few words: the file and its kind."""
    version = getattr(contract, "version", None)
    kind = f"AsyncAPI {version}" if version else "JSON Schema"
    return f"{contract.name} ({kind})"


def tell_unsupported(contract: Contract) -> None:
    """A notice listing what the contract uses that is not checked (the rest is used)."""
    if contract.unsupported:
        notify.warning(f"{contract.name}: not checked, the rest is used: " + "; ".join(contract.unsupported))


async def attach(path: str) -> Contract:
    """Load `path` on a worker (again, if it was loaded before: the file may have changed).

    Raises `ContractError` naming the file and the place; nothing is kept then.
    """
    contract = await async_loop.in_worker(_load, path)
    _loaded[path] = contract
    tell_unsupported(contract)
    _bridge.attached.emit(contract)
    return contract


async def violations_of(payload: str | bytes, path: str, url: str) -> list[str]:
    """What a text payload sent from a connection opened on `url` violates in the contract at `path`.

    The first line names the contract and its message, each next one a violation; empty when it is
    valid, not JSON, or there is no contract (loaded) to check it against. Checked on a worker.
    """
    if not path or not isinstance(payload, str):
        return []
    contract = await wait_for(path)
    if contract is None:
        return []
    from app.core.contracts.live import check_batch
    from app.core.contracts.verdicts import Flow

    item = (0, payload, True, Flow.TO_SERVER, urlsplit(url).path or "/", contract)
    [(_row, _code, verdict)] = await async_loop.in_worker(check_batch, [item])
    if verdict is None or verdict.valid:
        return []
    # An AsyncAPI message has a name of its own; a JSON Schema's message is the file, named once.
    named = contract.name if verdict.message == contract.name else f"{contract.name} ({verdict.message})"
    return [f"{named}: {verdict.summary()}", *verdict.lines()]


async def wait_for(path: str) -> Contract | None:
    """The contract at `path`, loading it first if need be (None: it cannot be used; the error was shown)."""
    if ensure(path) is PENDING:
        return await asyncio.shield(_loading[path])
    found = _loaded.get(path)
    return found


def _load(path: str) -> Contract:
    from app.core.contracts.loading import load_contract

    return load_contract(Path(path))


def loaded(path: str) -> Contract | Pending | None:
    """The contract loaded from `path`; PENDING while it is read; None if it could not be (or never asked)."""
    if path in _loaded:
        return _loaded[path]
    return PENDING if path in _loading else None


def ensure(path: str) -> Contract | Pending | None:
    """`loaded(path)`, starting to load it if nobody has asked yet; a failure is shown as an error notice."""
    if path not in _loaded and path not in _loading:
        _loading[path] = asyncio.ensure_future(_load_quietly(path))
    return loaded(path)


async def _load_quietly(path: str) -> Contract | None:
    try:
        contract: Contract | None = await attach(path)
    except SocketScopeError as error:  # a ContractError naming the file and the place
        notify.error(f"Contract not attached: {error}")
        contract = _loaded[path] = None
    finally:
        _loading.pop(path, None)
    return contract
