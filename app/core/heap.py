"""Give memory freed after a huge message, or a big drop of old rows, back to the operating system.

Python frees a refused 256 MiB message at once, but glibc's allocator keeps the
pages of its heaps for later: the process would go on showing (and holding) the
message's size long after it was dropped. `malloc_trim` hands free pages back.
It costs a few milliseconds, so it is called only after freeing something big.
"""

from __future__ import annotations

import ctypes
import logging
import sys
from collections.abc import Callable

log = logging.getLogger("socketscope")

WORTH_TRIMMING = 16 * 1024 * 1024  # bytes freed at once above which the pages are handed back


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


def return_freed_memory(freed: int) -> None:
    """After `freed` bytes were released: return the allocator's free pages when that was a lot."""
    if _malloc_trim is not None and freed >= WORTH_TRIMMING:
        _malloc_trim(0)
