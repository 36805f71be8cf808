"""The allocator's tuning for big messages: blocks reused while traffic flows, memory still bounded."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from app.core import heap

# A store with a 32 MiB budget fed 400 messages of 1 MiB, each made and freed as a client thread would:
# the resident size at the end, in MiB.
PROBE = textwrap.dedent("""
    import resource, sys
    from app.core import heap
    from app.core.capture import CaptureStore
    from app.core.frames import Direction, Frame, Opcode, Side
    assert heap.reuse_big_blocks() == (sys.argv[1] == "tuned")
    store = CaptureStore(budget=32 * 1024 * 1024)
    for n in range(400):
        store.extend([Frame("c", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, str(n % 10) * (1 << 20))])
        store.enforce_budget()
    with open("/proc/self/statm") as statm:
        print(int(statm.read().split()[1]) * resource.getpagesize() // (1 << 20))
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_big_blocks_are_reused_and_memory_stays_within_the_budget() -> None:
    assert heap.reuse_big_blocks()
    resident = int(subprocess.run([sys.executable, "-c", PROBE, "tuned"], capture_output=True, text=True,
                                  check=True, timeout=60).stdout)
    # The interpreter and the app's core take about 30 MiB; the store at most its 32 MiB budget; a message
    # or two in flight, and what the heap may keep free for reuse.
    assert resident < 32 + 30 + heap.KEPT_FREE // (1 << 20), f"{resident} MiB resident"
