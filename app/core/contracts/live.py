"""Live checks: every stored message's verdict against its connection's contract, kept per row.

Checking is split so the GUI thread never parses nor validates: `gather` (GUI thread) walks the
store from where it stopped, up to what the protocol tracker has decoded, and takes a bounded
batch of the rows of connections with a contract: the payload's text, or a protocol-wrapped
message's decoded value. `check_batch` (a worker thread) parses and checks them; `apply` (GUI
thread) keeps the result. One batch is out at a time, so memory stays bounded whatever the flood.

Per row the verdict is two bytes: not checked, why it could not be (no message for its channel
and way, not JSON, too deep, too big, binary), or valid/invalid and the contract message it was
checked against (so `schema:<name>` finds it). The violations are kept for the latest
`DETAILS_KEPT` invalid rows only. A filter judges a row only once it has its verdict
(`checked_until`), as protocol terms wait for decoding: it never shows what it should not.
"""

from __future__ import annotations

import json
import time
from array import array
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from app.core.capture import CaptureStore
from app.core.contracts.verdicts import Flow, TooDeep, Verdict, Violation, flow_of
from app.core.frames import Direction, Opcode, Side
from app.core.protocols.base import SAME
from app.core.protocols.tracker import ProtocolTracker

if TYPE_CHECKING:  # loading a contract needs jsonschema and YAML; checking rows needs neither here
    from app.core.contracts.loading import Contract

MiB = 1024 * 1024
CHECK_LIMIT = MiB  # a bigger message is not checked: its parse would hold the GIL the window needs
BATCH_ROWS = 4000  # messages per batch handed to the worker…
BATCH_BYTES = 4 * MiB  # …whose payloads add up to at most this
GATHER_BUDGET = 0.006  # seconds of walking the store per `gather` on the GUI thread
SLICE = 64  # rows between two looks at the clock
DETAILS_KEPT = 10_000  # invalid rows whose violations are kept (the latest)

# A row's code: below NAMED, "—" and why; from NAMED on, a verdict: NAMED + 2 × message name + invalid.
UNCHECKED, NO_MESSAGE, NOT_JSON, TOO_DEEP, TOO_BIG, BINARY = range(6)
NAMED = 8
NAMES_LIMIT = (0xFFFF - NAMED) // 2  # distinct contract messages named per capture
REASONS = {
    NO_MESSAGE: "the contract has no message for this channel and way",
    NOT_JSON: "not JSON",
    TOO_DEEP: "nested too deeply to check",
    TOO_BIG: f"over {CHECK_LIMIT // MiB} MiB, not checked",
    BINARY: "binary, and no protocol reads it as a message",
}
VALID_MARK, INVALID_MARK, NO_MARK = "✓", "✗", "—"
# The way a frame went, by the side that recorded it and its direction there (flow_of, as a table).
_FLOWS: dict[int, dict[int, Flow | None]] = {
    side: {direction: flow_of(side, direction) for direction in Direction} for side in Side}


class Pending:
    """The type of PENDING: a contract that is still being read (the walk waits for it)."""

    def __repr__(self) -> str:
        return "PENDING"


PENDING: Final = Pending()  # what a contract source answers while the contract is still being read
ContractSource = Callable[[str], "Contract | Pending | None"]  # a connection's contract, by its name


@dataclass(frozen=True, slots=True)
class _Assignment:
    contract: Contract
    path: str | None  # the path the connection was opened on: an AsyncAPI channel is chosen by it


# One message to check: its row, its text to parse (or its decoded value), whether to parse it, the way it
# went, the path its connection opened on, its contract. A plain tuple: thousands are made per second.
Item = tuple[int, Any, bool, "Flow | None", "str | None", "Contract"]


@dataclass(frozen=True, slots=True)
class Batch:
    items: list[Item]
    end: int  # every row before it has been gathered


def opened_path(payload: str | bytes) -> str | None:
    """The path an OPEN event says the connection was opened on: the client's URL, or the server's scope."""
    try:
        details = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(details, dict):
        return None
    if isinstance(details.get("url"), str):
        return urlsplit(details["url"]).path or "/"
    return details["path"] if isinstance(details.get("path"), str) else None


def check_batch(items: Sequence[Item]) -> list[tuple[int, int, Verdict | None]]:
    """Parse and check each item (on a worker thread): (row, code, verdict), the verdict for NAMED codes."""
    results: list[tuple[int, int, Verdict | None]] = []
    loads = json.loads
    for row, value, parse, flow, path, contract in items:
        if parse:
            try:
                value = loads(value)
            except RecursionError:
                results.append((row, TOO_DEEP, None))
                continue
            except ValueError:
                results.append((row, NOT_JSON, None))
                continue
        try:
            verdict = contract.check(value, flow, path)
        except (TooDeep, RecursionError):
            results.append((row, TOO_DEEP, None))
            continue
        results.append((row, NAMED if verdict is not None else NO_MESSAGE, verdict))
    return results


class LiveChecks:
    """The verdicts of the store's rows; `contract_for` says which contract a connection has."""

    def __init__(self, store: CaptureStore, protocols: ProtocolTracker) -> None:
        self.store = store
        self.protocols = protocols
        self.contract_for: ContractSource = lambda connection: None
        self._connections: dict[int, _Assignment | None] = {}  # by the store's connection id
        self._gathered = self._checked = store.first
        self._in_flight = False
        self._base: int | None = None  # the store row of codes[0]; None until a contract is met
        self.codes = array("H")
        self._names: list[str] = []
        self._name_index: dict[str, int] = {}
        self._details: OrderedDict[int, Verdict] = OrderedDict()  # the latest invalid rows'
        self.contracted = False  # some connection has had a contract

    # -- where checking stands ------------------------------------------------------------------

    @property
    def checked_until(self) -> int:
        """Rows before this have their verdict (or have none to have)."""
        return max(self._checked, self.store.first)

    @property
    def caught_up(self) -> bool:
        return self._checked >= self.store.end

    # -- the GUI thread's part -------------------------------------------------------------------

    def gather(self, budget: float = GATHER_BUDGET) -> Batch | None:
        """The next batch to check (None: nothing to check now, or a batch is out).

        Rows of connections without a contract, and those that cannot be checked, are passed
        here at once. A connection whose contract is still being read stops the walk there.
        This runs on the GUI thread for every row: one tight loop over the store's columns.
        """
        if self._in_flight:
            return None
        store = self.store
        self._forget_dropped()
        first = store.first
        row, end = max(self._gathered, first), min(self.protocols.scanned, store.end)
        ids, opcodes, directions, sides = (store.connection_ids.data, store.opcodes.data, store.directions.data,
                                           store.sides.data)
        payloads = store.payloads
        connections = self._connections
        protocols: dict[int, bool] = {}  # connection id → it speaks a protocol (its messages are decoded)
        items: list[Item] = []
        size = 0
        text, binary, event, opened = Opcode.TEXT, Opcode.BINARY, Direction.EVENT, Opcode.OPEN
        deadline = time.perf_counter() + budget
        while row < end and len(items) < BATCH_ROWS and size < BATCH_BYTES:
            stop = min(end, row + SLICE)
            if self._none_to_check(row - first, stop - first):
                row = stop  # the common case with no contract attached: the slice passes in one step
                continue
            while row < stop:
                index = row - first
                connection_id, opcode = ids[index], opcodes[index]
                assignment = connections.get(connection_id, PENDING)
                if opcode == opened or assignment is PENDING:
                    if not self._opened(connection_id, payloads[row] if opcode == opened else None):
                        stop = end = row  # its contract is being read: wait for it
                        break
                    if opcode == opened:
                        row += 1
                        continue
                    assignment = connections[connection_id]
                if assignment is None or (opcode != text and opcode != binary) or directions[index] == event:
                    row += 1
                    continue
                assert isinstance(assignment, _Assignment)
                if self._base is None:
                    self._base = row  # the codes start at the first row of a connection with a contract
                length = payloads.length(row)
                if length > CHECK_LIMIT:
                    self._set(row, TOO_BIG)
                    row += 1
                    continue
                wrapped = protocols.get(connection_id)
                if wrapped is None:
                    wrapped = protocols[connection_id] = self.protocols.protocol_of_row(row) is not None
                flow = _FLOWS[sides[index]][directions[index]]
                decoded = self.protocols.decoded(row) if wrapped else None
                if decoded is not None and decoded.value is not SAME:
                    items.append((row, decoded.value, False, flow, assignment.path, assignment.contract))
                elif opcode == text:
                    items.append((row, payloads[row], True, flow, assignment.path, assignment.contract))
                else:
                    self._set(row, BINARY)
                size += length
                row += 1
            if time.perf_counter() > deadline:
                break
        self._gathered = row
        if not items:
            self._checked = row
            return None
        self._set(items[0][0], UNCHECKED)  # rows are gathered in order: the codes reach back to the first
        self._in_flight = True
        return Batch(items, row)

    def _none_to_check(self, start: int, stop: int) -> bool:
        """Whether the rows at indexes `start..stop` are all of connections known to have no contract, with no
        connection opening among them: asked of the columns' slices at once, not row by row."""
        store = self.store
        if store.opcodes.data[start:stop].count(Opcode.OPEN):
            return False
        connections = self._connections
        return all(connections.get(connection_id, PENDING) is None
                   for connection_id in set(store.connection_ids.data[start:stop]))

    def _opened(self, connection_id: int, details: str | bytes | None) -> bool:
        """Decide the contract of a connection opening (or first seen); False while it is being read."""
        contract = self.contract_for(self.store.connection_names[connection_id])
        if contract is PENDING:
            return False
        if contract is None:
            self._connections[connection_id] = None
            return True
        assert not isinstance(contract, Pending)
        self._connections[connection_id] = _Assignment(contract, opened_path(details) if details else None)
        self.contracted = True
        return True

    def apply(self, batch: Batch, results: list[tuple[int, int, Verdict | None]]) -> None:
        """Keep the verdicts `check_batch` found for `batch` (rows dropped meanwhile are skipped)."""
        self._in_flight = False
        self._forget_dropped()
        first = self.store.first
        if results and results[-1][0] >= first:
            self._set(results[-1][0], UNCHECKED)  # the codes reach the last row: each is set in place below
        codes, base, names, details = self.codes, self._base, self._name_index, self._details
        assert base is not None
        for row, code, verdict in results:
            if row < first:
                continue
            if verdict is not None:
                name = names.get(verdict.message)
                if name is None:
                    name = self._name(verdict.message)
                if verdict.violations:
                    code = NAMED + 2 * name + 1
                    details[row] = verdict
                    if len(details) > DETAILS_KEPT:
                        details.popitem(last=False)
                else:
                    code = NAMED + 2 * name
            codes[row - base] = code
        self._checked = max(self._checked, batch.end)

    def cancel(self, batch: Batch) -> None:
        """The batch was not checked (the worker failed): its rows stay unchecked ("—"), checking goes on."""
        self._in_flight = False
        self._checked = max(self._checked, batch.end)

    def _name(self, name: str) -> int:
        index = self._name_index.get(name)
        if index is None:
            if len(self._names) >= NAMES_LIMIT:
                name = "(other messages)"
                index = self._name_index.get(name)
            if index is None:
                index = self._name_index[name] = len(self._names)
                self._names.append(name)
        return index

    def _set(self, row: int, code: int) -> None:
        if self._base is None:
            self._base = row
        if row < self._base:
            return  # dropped meanwhile
        missing = row - self._base + 1 - len(self.codes)
        if missing > 0:
            self.codes.frombytes(bytes(2 * missing))
        self.codes[row - self._base] = code

    def _forget_dropped(self) -> None:
        first, base = self.store.first, self._base
        if base is not None and first > base:
            gone = min(first - base, len(self.codes))
            del self.codes[:gone]
            self._base = first
            while self._details and next(iter(self._details)) < first:
                self._details.popitem(last=False)
        self._gathered = max(self._gathered, first)
        self._checked = max(self._checked, first)

    # -- questions the views ask ---------------------------------------------------------------------

    def code(self, row: int) -> int:
        base = self._base
        if base is None or not base <= row < base + len(self.codes):
            return UNCHECKED
        return self.codes[row - base]

    def is_valid(self, row: int) -> bool:
        code = self.code(row)
        return code >= NAMED and not (code - NAMED) & 1

    def is_invalid(self, row: int) -> bool:
        code = self.code(row)
        return code >= NAMED and bool((code - NAMED) & 1)

    def message_name(self, row: int) -> str | None:
        """The contract message `row` was checked against (None: not checked)."""
        code = self.code(row)
        return self._names[(code - NAMED) // 2] if code >= NAMED else None

    def mark(self, row: int) -> str:
        """✓ valid, ✗ invalid, — not checked (yet, or it cannot be)."""
        code = self.code(row)
        if code < NAMED:
            return NO_MARK
        return INVALID_MARK if (code - NAMED) & 1 else VALID_MARK

    def violations(self, row: int) -> tuple[Violation, ...] | None:
        """An invalid row's violations; None when not invalid or no longer kept."""
        verdict = self._details.get(row) if self.is_invalid(row) else None
        return verdict.violations if verdict is not None else None

    def checks_connection(self, row: int) -> bool:
        """Whether the connection of `row` has a contract."""
        return self._connections.get(self.store.connection_ids[row]) is not None

    def describe(self, row: int) -> list[str]:
        """messageInfo's lines on the contract: the verdict, and each violation (JSONPath, keyword, message)."""
        if not self.checks_connection(row):
            return []
        code = self.code(row)
        if code < NAMED:
            if row >= self.checked_until:
                return ["Contract: — not checked yet"]
            reason = REASONS.get(code)
            return [f"Contract: — {reason}" if reason else "Contract: — not a message"]
        name = self.message_name(row)
        if not self.is_invalid(row):
            return [f"Contract: ✓ valid {name}"]
        verdict = self._details.get(row)
        if verdict is None:
            return [f"Contract: ✗ invalid {name} (its violations are no longer kept: only the latest "
                    f"{DETAILS_KEPT:,} invalid messages keep them)"]
        return [f"Contract: ✗ invalid {name}: {verdict.summary()}", *verdict.lines()]
