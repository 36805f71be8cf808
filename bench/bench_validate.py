"""validate: 150-byte JSON messages checked against a realistic contract, on one core.

`validate_rate` is the path every message takes (parse, then the contract's check, off the
GUI thread): the issue asks for 50,000 msgs/s. `validate_rate_jsonschema` is the `jsonschema`
library's `is_valid` alone on the parsed values, and `validate_rate_jsonschema_rs` that of
`jsonschema_rs`, which the contracts use since `jsonschema` is about 100 times too slow.
`validate_rate_invalid` is the rate when every message violates the schema twice (each
violation listed with its JSONPath).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import jsonschema_rs
from jsonschema import Draft202012Validator

from app.core.contracts.loading import load_contract
from bench.common import note, report

COUNT = 20_000
SCHEMA: dict[str, Any] = {  # an order-book update, as a trading feed sends it
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["type", "seq", "symbol", "side", "price", "size", "ts"],
    "additionalProperties": False,
    "properties": {
        "type": {"const": "update"},
        "seq": {"type": "integer", "minimum": 0},
        "symbol": {"type": "string", "pattern": "^[A-Z]{3,6}-[A-Z]{3,4}$"},
        "side": {"enum": ["buy", "sell"]},
        "price": {"$ref": "#/$defs/amount"},
        "size": {"$ref": "#/$defs/amount"},
        "ts": {"type": "string", "minLength": 20},
        "flags": {"type": "array", "items": {"type": "string"}, "maxItems": 4},
    },
    "$defs": {"amount": {"type": "number", "exclusiveMinimum": 0}},
}


def messages(count: int, *, valid: bool = True) -> list[str]:
    texts = []
    for seq in range(count):
        value: dict[str, Any] = {"type": "update", "seq": seq, "symbol": "BTC-USDT", "side": "buy" if seq % 2 else "sell",
                                 "price": 43_000.5 + seq % 97, "size": 0.25 + seq % 7,
                                 "ts": "2026-12-06T14:00:00.000Z", "flags": ["maker", "post-only"]}
        if not valid:
            value["seq"], value["side"] = str(seq), "hold"
        texts.append(json.dumps(value, separators=(",", ":")))
    return texts


def rate(work: Callable[[], object], count: int) -> float:
    """Messages a second: the best of three runs (the machine is shared)."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return count / best


def main() -> None:
    texts = messages(COUNT)
    size = sum(len(text) for text in texts) / len(texts)
    note(f"{COUNT:,} messages of {size:.0f} bytes on average")
    values = [json.loads(text) for text in texts]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "book.json"
        path.write_text(json.dumps(SCHEMA), encoding="utf-8")
        contract = load_contract(path)

        def check_all(batch: list[str]) -> int:
            violating = 0
            for text in batch:
                verdict = contract.check(json.loads(text), None, None)
                violating += verdict is not None and not verdict.valid
            return violating

        assert check_all(texts) == 0
        report("validate_rate", rate(lambda: check_all(texts), COUNT), "msgs/s")
        invalid = messages(COUNT // 10, valid=False)
        assert check_all(invalid) == len(invalid)
        report("validate_rate_invalid", rate(lambda: check_all(invalid), len(invalid)), "msgs/s")

    slow = Draft202012Validator(SCHEMA)
    few = values[: COUNT // 10]
    report("validate_rate_jsonschema", rate(lambda: [slow.is_valid(value) for value in few], len(few)), "msgs/s")
    fast = jsonschema_rs.Draft202012Validator(SCHEMA)
    report("validate_rate_jsonschema_rs", rate(lambda: [fast.is_valid(value) for value in values], COUNT), "msgs/s")


if __name__ == "__main__":
    main()
