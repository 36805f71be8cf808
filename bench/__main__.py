"""Run every `bench/bench_*.py` in a fresh process and relay its `BENCH name value unit` lines.

A failing script is reported and the others still run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    # Benchmarked windows must not write into the user's own settings, history and library.
    private = tempfile.mkdtemp(prefix="socketscope-bench-")
    env = dict(os.environ, SOCKETSCOPE_DATA_DIR=private, XDG_CONFIG_HOME=private)
    failures = 0
    figures = 0
    for script in scripts:
        started = time.monotonic()
        print(f"# {script.name}", flush=True)
        result = subprocess.run(
            [sys.executable, str(script)], cwd=HERE.parent, capture_output=True, text=True, timeout=600, env=env,
        )
        for line in result.stdout.splitlines():
            if line.startswith("BENCH "):
                figures += 1
            print(line, flush=True)
        if result.returncode != 0:
            failures += 1
            print(f"# {script.name} FAILED (exit {result.returncode}):\n{result.stderr[-2000:]}", flush=True)
        print(f"# {script.name} took {time.monotonic() - started:.1f} s", flush=True)
    print(f"# {len(scripts)} scripts, {figures} figures, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
