"""memory_per_message: RSS growth per stored 150-byte text message, 1,000,000 of them, in a fresh process.

Baseline: the same messages kept as a plain list of `str` plus the same numeric columns
(the store's layout before payloads moved into an arena), measured in another fresh process.
Each message is a distinct string, built and stored one batch at a time as the window does.
"""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

COUNT = 1_000_000
SIZE = 150
BATCH = 10_000


def rss() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def payload(i: int) -> str:
    head = f'{{"type": "tick", "seq": {i}, "pad": "'
    return head + "x" * (SIZE - len(head) - 2) + '"}'


def measure(kind: str) -> float:
    from array import array

    from app.core.capture import CaptureStore
    from app.core.frames import Direction, Frame, Opcode, Side

    assert len(payload(123456)) == SIZE
    gc.collect()
    before = rss()
    if kind == "store":
        store = CaptureStore()
        for start in range(0, COUNT, BATCH):
            store.extend([Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, payload(i), wall_time=0.0)
                          for i in range(start, start + BATCH)])
        assert len(store) == COUNT and store.payloads[COUNT - 1] == payload(COUNT - 1)
    else:
        columns = [array(code) for code in "dIBBBQ"]
        payloads: list[str] = []
        for i in range(COUNT):
            for column in columns:
                column.append(0)
            payloads.append(payload(i))
    gc.collect()
    return (rss() - before) / COUNT


def main() -> None:
    if len(sys.argv) > 1:
        print(f"{measure(sys.argv[1]):.1f}")
        return
    figures = {}
    for kind in ("store", "list"):
        result = subprocess.run([sys.executable, __file__, kind], capture_output=True, text=True, check=True)
        figures[kind] = float(result.stdout.strip())
    print(f"BENCH memory_per_message {figures['store']:.0f} B")
    print(f"BENCH memory_per_message_list_of_str_baseline {figures['list']:.0f} B")


if __name__ == "__main__":
    main()
