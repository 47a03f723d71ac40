"""The app process's memory -> back towards its baseline after load.

In: nothing (glibc's allocator, through ctypes). Out: `tune_malloc()` (fewer arenas, a fixed threshold above
which blocks are mapped and so returned to the system when freed) and `start_trimming()` (a daemon thread that
hands freed heap back every TRIM_EVERY_S). Measured by benchmarks/soak.py. Elsewhere than glibc both do nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
import time

M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
ARENAS = 2  # one per core here; glibc's default (8 per core) keeps a freed heap per thread that served a request
MMAP_THRESHOLD = 4 * 2**20  # a fixed value also stops glibc raising it after each large free
TRIM_EVERY_S = 30.0


def libc():
    name = ctypes.util.find_library("c")
    try:
        lib = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return lib if lib is not None and hasattr(lib, "malloc_trim") and hasattr(lib, "mallopt") else None


def tune_malloc() -> bool:
    lib = libc()
    if lib is None:
        return False
    return bool(lib.mallopt(M_ARENA_MAX, ARENAS)) and bool(lib.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))


def trim() -> None:
    lib = libc()
    if lib is not None:
        lib.malloc_trim(0)


def start_trimming(every_s: float = TRIM_EVERY_S) -> threading.Thread:
    def loop() -> None:
        while True:
            time.sleep(every_s)
            trim()

    thread = threading.Thread(target=loop, name="malloc-trim", daemon=True)
    thread.start()
    return thread
