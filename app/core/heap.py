"""How the process's memory allocator treats big blocks: reused while traffic flows, returned after.

Python frees a refused 256 MiB message at once, but glibc's allocator keeps the
pages of its heaps for later: the process would go on showing (and holding) the
message's size long after it was dropped. `malloc_trim` hands free pages back.
It costs a few milliseconds, so it is called only after freeing something big.

The other way round, by default glibc maps each block of 128 KiB or more afresh and unmaps it when
freed (raising that bound only as it sees such blocks freed), and hands the top of its heap back
as soon as it is free: a stream of 1 MiB messages then spends its time in page faults, each message
decoded, encoded and copied into pages the kernel has just zeroed. `reuse_big_blocks` keeps blocks up
to 32 MiB in the heap for the next message, and up to 128 MiB of free heap, which made the window
read 1 MiB messages about 1.5 times as fast (bench/bench_large_messages.py); what a drop of old rows
or a refused message frees is still returned by `return_freed_memory`.
"""

from __future__ import annotations

import ctypes
import logging
import sys
from collections.abc import Callable

log = logging.getLogger("socketscope")

WORTH_TRIMMING = 16 * 1024 * 1024  # bytes freed at once above which the pages are handed back
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters
MAPPED_FROM = 32 * 1024 * 1024  # blocks this big or bigger get pages of their own (glibc's largest bound)
KEPT_FREE = 128 * 1024 * 1024  # free memory at the top of a heap kept for reuse


def _glibc_function(name: str) -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None  # other allocators return large blocks by themselves
    try:
        # The running process's own symbols, libc's among them: no search for the library (find_library
        # starts a subprocess, which cost the window's start-up milliseconds).
        function: Callable[..., int] = getattr(ctypes.CDLL(None), name)
        return function
    except (OSError, AttributeError):  # musl and other C libraries without it
        log.debug("%s is not available: the allocator keeps its own ways", name)
        return None


_malloc_trim = _glibc_function("malloc_trim")
_mallopt = _glibc_function("mallopt")


def reuse_big_blocks() -> bool:
    """Keep big blocks and free heap for reuse rather than mapping pages per message; True if set."""
    if _mallopt is None:
        return False
    return bool(_mallopt(M_MMAP_THRESHOLD, MAPPED_FROM)) and bool(_mallopt(M_TRIM_THRESHOLD, KEPT_FREE))


def return_freed_memory(freed: int) -> None:
    """After `freed` bytes were released: return the allocator's free pages when that was a lot."""
    if _malloc_trim is not None and freed >= WORTH_TRIMMING:
        _malloc_trim(0)
