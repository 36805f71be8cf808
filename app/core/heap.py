"""Give memory freed after a huge message back to the operating system.

Python frees a refused 256 MiB message at once, but glibc's allocator keeps the
pages of its heaps for later: the process would go on showing (and holding) the
message's size long after it was dropped. `malloc_trim` hands free pages back.
It costs a few milliseconds, so it is called only after freeing something big.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys
from collections.abc import Callable

log = logging.getLogger("socketscope")

WORTH_TRIMMING = 16 * 1024 * 1024  # bytes freed at once above which the pages are handed back


def _load_malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None  # other allocators return large blocks by themselves
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):  # musl and other C libraries without it
        log.debug("malloc_trim is not available; freed memory stays with the allocator")
        return None


_malloc_trim = _load_malloc_trim()


def return_freed_memory(freed: int) -> None:
    """After `freed` bytes were released: return the allocator's free pages when that was a lot."""
    if _malloc_trim is not None and freed >= WORTH_TRIMMING:
        _malloc_trim(0)
