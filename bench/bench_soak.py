"""soak_5k_60s: the window fed a steady 5,000 messages/s for 60 s within `--memory-budget 64M`.

The fast server (bench/fast_stream_server.js) paces 300,000 × 150-byte messages at 5,000/s. Figures:
the worst lateness of a 5 ms QTimer on the GUI thread over the whole soak (`_max_stall`, and its p99),
and `_lost`: messages sent minus those the window accounts for, kept in its store plus dropped to stay
within the budget as it reports them (the droppedCount label's figure). Must be 0.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import FastStreamServer, LoopGapMeter, note, report, run_qt_until

RATE = 5_000
SECONDS = 60
COUNT = RATE * SECONDS
SIZE = 150
GRACE_S = 30  # after the last message is due, for the window to catch up


def main() -> None:
    from PySide6.QtWidgets import QApplication

    from app.core.frames import Direction, Opcode
    from app.main import build

    app = QApplication.instance() or QApplication([])
    with FastStreamServer(COUNT, SIZE, rate=RATE) as server:
        print(f"# fast server: {server.kind}, paced at {RATE:,} msgs/s", flush=True)
        window = build(["--no-server", "--connect", server.url, "--memory-budget", "64M"])
        window.show()
        try:
            meter = LoopGapMeter()
            store = window.store
            assert run_qt_until(lambda: store.received_count > 0, 30), "no message"
            meter.reset()
            run_qt_until(lambda: store.received_count >= COUNT, SECONDS + GRACE_S)
            meter.stop()
            kept = sum(1 for row in store.rows() if store.opcodes[row] == Opcode.TEXT
                       and store.directions[row] == Direction.RECEIVED)
            dropped = store.dropped_messages
            note(f"{len(meter.gaps)} loop-gap samples; {kept:,} kept, {dropped:,} dropped, "
                 f"{store.received_count:,} received; label: {window.dropped_label.text()!r}")
        finally:
            window.shutdown()
            window.close()
            window.deleteLater()
    app.processEvents()
    report("soak_5k_60s_max_stall", meter.worst, "ms")
    report("soak_5k_60s_loop_gap_p99", meter.p99, "ms")
    report("soak_5k_60s_lost", COUNT - (kept + dropped), "messages")


if __name__ == "__main__":
    main()
