"""Hostile messages on a connection with a contract: each gets "—" with its reason, or ✗ with what is wrong, quickly.

Every JSONTestSuite `n_` and `i_` file (invalid UTF-8 as a binary frame), JSON 100,000 deep, 5 MiB, and an
array that breaks its schema half a million times, whose violations are counted but not all listed.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from app.core.contracts.live import NO_MARK, REASONS
from app.core.contracts.loading import load_contract
from app.core.contracts.schemas import VIOLATIONS_LISTED
from app.core.frames import Direction, Frame, Opcode, Side
from app.core.ingest import Capture
from tests.test_contract_checks import check_all, opened, text
from tests.test_hostile_inputs import DEPTH, MiB, as_frame, corpus


def frame(payload: str | bytes) -> Frame:
    if isinstance(payload, str):
        return text(payload)
    return Frame("client#1", Side.CLIENT, Direction.SENT, Opcode.BINARY, payload, len(payload), 1.0)


def strings_only(tmp_path: Path) -> Path:
    schema = tmp_path / "strings.json"
    schema.write_text(json.dumps({"type": "array", "items": {"type": "string"}, "maxItems": 3}))
    return schema


def test_every_corpus_file_and_absurd_message_gets_a_true_mark_and_reason(tmp_path: Path) -> None:
    contract = load_contract(strings_only(tmp_path))
    capture = Capture(budget=64 * MiB)
    capture.checks.contract_for = lambda connection: contract
    payloads = [as_frame(data) for _, data in corpus()]
    payloads += ["[" * DEPTH + "]" * DEPTH, json.dumps(["x" * (5 * MiB)])]
    capture.append([opened(), *map(frame, payloads)])
    check_all(capture)
    checks = capture.checks
    for row, payload in enumerate(payloads, start=1):
        lines = checks.describe(row)
        if checks.mark(row) == NO_MARK:
            assert lines[0].removeprefix("Contract: — ") in REASONS.values(), (payload[:40], lines)
        else:
            assert lines[0].startswith(("Contract: ✓ valid strings.json", "Contract: ✗ invalid strings.json")), lines
    deep, huge = len(payloads) - 1, len(payloads)
    assert checks.describe(deep) == ["Contract: — nested too deeply to check"]
    assert checks.describe(huge) == ["Contract: — over 1 MiB, not checked"]


def test_a_message_breaking_its_schema_500000_times_is_checked_quickly_and_lists_a_few(tmp_path: Path) -> None:
    contract = load_contract(strings_only(tmp_path))
    capture = Capture()
    capture.checks.contract_for = lambda connection: contract
    payload = "[" + ",".join(["1"] * 500_000) + "]"  # just under the 1 MiB checked
    capture.append([opened(), text(payload)])
    started = time.monotonic()
    check_all(capture)
    # About a second on a quiet machine; every violation listed took 8-17 s. The bound leaves room for a busy one.
    assert time.monotonic() - started < 6.0
    lines = capture.checks.describe(1)
    assert lines[0] == "Contract: ✗ invalid strings.json: too many violations to count"
    assert len(lines) == 1 + VIOLATIONS_LISTED + 1 and lines[-1] == "  … and more, not listed"
    assert '  $[0]: type: 1 is not of type "string"' in lines
    assert len(capture.checks.violations(1) or ()) == VIOLATIONS_LISTED


def test_violations_are_counted_as_reported_and_listed_by_path(tmp_path: Path) -> None:
    schema = tmp_path / "choices.json"
    schema.write_text(json.dumps({"type": "array", "items": {"oneOf": [{"type": "string"}, {"required": ["a"]}] * 12},
                                  "maxItems": 1}))
    contract = load_contract(schema)
    verdict = contract.check([1, 2, 3] * 10, None, None)
    assert verdict is not None and verdict.summary() == "31 violations"  # one per item, and maxItems: not per branch
    assert [violation.path for violation in verdict.violations][:3] == ["$", "$[0]", "$[1]"]
    assert verdict.lines()[-1] == "  … and 11 more, not listed"
    schema.write_text(json.dumps({"items": {"oneOf": [{"type": "string"}, {"required": ["a"]}] * 12}}))
    everything = load_contract(schema).check([{"b": n} for n in range(20_000)], None, None)  # 480,000 failed branches
    assert everything is not None and everything.summary() == "too many violations to count"
    assert [(violation.path, violation.keyword) for violation in everything.violations] == [("$[0]", "oneOf")]
    assert not everything.valid
