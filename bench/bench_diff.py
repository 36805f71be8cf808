"""diff: comparing two 2 MiB messages (worker side) and showing them (GUI side).

The two messages are the same 2 MiB document with three values changed, one member
added and one array element inserted; `prepare` runs on a worker in the app,
`DiffView.display` on the GUI thread.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtWidgets import QApplication

from app.core.frames import Opcode
from app.ui.message.diff_view import DiffView, Message, prepare


def documents(count: int) -> tuple[str, str]:
    items: list[dict[str, Any]] = [{"id": i, "name": f"item {i}", "active": i % 2 == 0, "price": i * 1.25, "tags": ["a", "b"]}
             for i in range(count)]
    left = json.dumps({"items": items}, separators=(",", ":"))
    items[10]["price"] = -1
    items[count // 2]["name"] = None
    items[-1]["tags"].insert(0, "z")
    items[count // 3]["extra"] = {"k": 1}
    return left, json.dumps({"items": items, "more": True}, separators=(",", ":"))


def report(name: str, value: float, unit: str = "ms") -> None:
    print(f"BENCH {name} {value:.1f} {unit}", flush=True)


def main() -> None:
    app = QApplication([])
    view = DiffView()
    view.show()
    for count in (2_000, 24_000):
        left, right = documents(count)
        label = f"{len(left) / 1024 / 1024:.2f}MiB" if len(left) > 1024 * 1024 else f"{len(left) // 1024}KiB"
        started = time.perf_counter()
        prepared = prepare(Message("left", Opcode.TEXT, left), Message("right", Opcode.TEXT, right))
        report(f"diff_prepare_{label}_{len(prepared.comparison.rows)}_rows", (time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        view.display(prepared)
        app.processEvents()
        report(f"diff_display_{label}", (time.perf_counter() - started) * 1000)
        report(f"diff_changes_{label}", len(prepared.comparison.differences.changes), "changes")
    view.close()


if __name__ == "__main__":
    main()
