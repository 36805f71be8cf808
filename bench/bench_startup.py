"""startup: process start to the window painted, and to the first message received.

Each run is a fresh interpreter (bench/startup_probe.py running the real `socketscope`
start-up, embedded server on a free port, offscreen, with settings and data of its own, as at a first
start); the figures are medians of RUNS after one warm-up run.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO, note, report

RUNS = 5


def one_run() -> dict[str, float]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")  # settings and data of its own: see bench/common.py
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed app starts from cached bytecode
    started = time.time()
    result = subprocess.run([sys.executable, str(REPO / "bench" / "startup_probe.py"), "--port", "0"],
                            capture_output=True, text=True, timeout=60, env=env, cwd=REPO)
    stamps = {}
    for line in result.stdout.splitlines():
        name, _, value = line.partition(" ")
        if name in ("painted", "first_message"):
            stamps[name] = float(value) - started
    assert set(stamps) == {"painted", "first_message"}, f"probe failed: {result.stdout}\n{result.stderr[-2000:]}"
    return stamps


def main() -> None:
    one_run()  # warm-up: writes the bytecode cache and fills the disk cache
    runs = [one_run() for _ in range(RUNS)]
    for name in ("painted", "first_message"):
        values = [r[name] for r in runs]
        note(f"startup_{name}: " + ", ".join(f"{v:.2f}" for v in values) + " s")
        report(f"startup_{name}", statistics.median(values), "s")


if __name__ == "__main__":
    main()
