"""Live contract checks (app/core/contracts/live.py): per-row verdicts, bounded, in store order."""

from __future__ import annotations

import json
from pathlib import Path

from app.core.contracts import live
from app.core.contracts.live import PENDING, check_batch
from app.core.contracts.loading import load_contract
from app.core.filters import compile_filter
from app.core.frames import Direction, Frame, Opcode, Side
from app.core.ingest import Capture

CONTRACT = load_contract(Path(__file__).parent / "data" / "contracts" / "hello-asyncapi-3.0.yaml")


def opened(connection: str = "client#1", path: str = "/ws/echo") -> Frame:
    return Frame(connection, Side.CLIENT, Direction.EVENT, Opcode.OPEN, json.dumps({"url": f"ws://h{path}"}), 0, 1.0)


def text(payload: str, connection: str = "client#1", direction: Direction = Direction.SENT) -> Frame:
    return Frame(connection, Side.CLIENT, direction, Opcode.TEXT, payload, len(payload), 1.0)


def check_all(capture: Capture) -> None:
    for _ in range(1000):
        capture.protocols.catch_up()
        batch = capture.checks.gather()
        if batch is None:
            if capture.checks.caught_up:
                return
            continue
        capture.checks.apply(batch, check_batch(batch.items))
    raise AssertionError("checking never caught up")


def test_verdicts_per_row_only_for_connections_with_a_contract() -> None:
    capture = Capture()
    capture.checks.contract_for = lambda connection: CONTRACT if connection == "client#1" else None
    capture.append([opened(), text('"hello world"'), text('"bye"'), text("not json"),
                    opened("client#2"), text('"bye"', "client#2")])
    check_all(capture)
    checks = capture.checks
    assert [checks.mark(row) for row in range(6)] == ["—", "✓", "✗", "—", "—", "—"]
    assert checks.message_name(1) == checks.message_name(2) == "sayHello"
    assert checks.describe(3) == ["Contract: — not JSON"]
    assert checks.describe(5) == []  # no contract: nothing to say
    assert [v.keyword for v in checks.violations(2) or ()] == ["pattern"]


def test_a_filter_judges_rows_only_once_they_are_checked() -> None:
    capture = Capture()
    capture.checks.contract_for = lambda connection: CONTRACT
    predicate = compile_filter("is:invalid", capture.protocols, capture.checks)
    capture.view.install_order(None)
    list(capture.view.refilter_steps(predicate))
    capture.append([opened(), text('"bye"')])
    capture.protocols.catch_up()
    assert capture.view.catch_up() == 0  # not checked yet: not judged (never shown wrongly)
    check_all(capture)
    assert capture.view.catch_up() == 1


def test_a_contract_being_read_holds_the_walk_until_it_is_there() -> None:
    capture = Capture()
    answer: list[object] = [PENDING]
    capture.checks.contract_for = lambda connection: answer[0]  # type: ignore[assignment,return-value]
    capture.append([opened(), text('"bye"')])
    capture.protocols.catch_up()
    assert capture.checks.gather() is None and capture.checks.checked_until == 0
    answer[0] = CONTRACT
    check_all(capture)
    assert capture.checks.mark(1) == "✗"


def test_memory_stays_bounded_and_dropped_rows_are_forgotten(monkeypatch) -> None:
    monkeypatch.setattr(live, "DETAILS_KEPT", 10)
    capture = Capture(budget=64 * 1024)
    capture.checks.contract_for = lambda connection: CONTRACT
    capture.append([opened()])
    for _ in range(20):
        capture.append([text(json.dumps("bye " + "x" * 200)) for _ in range(50)])
        check_all(capture)
    checks = capture.checks
    assert capture.store.first > 0  # the budget dropped the oldest rows…
    assert len(checks.codes) <= len(capture.store)  # …and their verdicts
    invalid = [row for row in capture.store.rows() if checks.is_invalid(row)]
    assert len(invalid) == len(capture.store) and sum(checks.violations(row) is not None for row in invalid) == 10
    assert "no longer kept" in checks.describe(invalid[0])[0]


def test_schema_finds_an_invalid_message_by_the_closest_of_its_candidates(tmp_path: Path) -> None:
    document = tmp_path / "two.yaml"
    document.write_text("""asyncapi: 2.6.0
info: {title: two, version: '1'}
channels:
  ws/echo:
    publish:
      message:
        oneOf:
          - name: chat
            payload: {type: object, required: [text], properties: {text: {type: string}}}
          - name: ping
            payload: {type: object, required: [ping, at], properties: {ping: {type: integer}, at: {type: number}}}
""", encoding="utf-8")
    contract = load_contract(document)
    capture = Capture()
    capture.checks.contract_for = lambda connection: contract
    capture.append([opened(), text('{"text": 1}'), text('{"ping": 1, "at": 2}')])
    check_all(capture)
    assert capture.checks.message_name(1) == "chat (the closest of 2)"
    predicate = compile_filter("schema:chat", capture.protocols, capture.checks)
    assert predicate is not None
    assert [row for row in range(3) if predicate(capture.store, row)] == [1]
