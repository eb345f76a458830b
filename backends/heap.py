"""How the worker's process keeps and returns freed heap memory (glibc's allocator; elsewhere nothing).

A production-size draw is hundreds of megabytes of arrays, made afresh for every seed (TensorFlow's
outputs, their numpy copies). glibc's defaults map each such array from the kernel and unmap it when
freed, so every draw's pages are faulted in and zeroed again, in the kernel's time.
``keep_freed_memory`` makes freed arrays stay in the heap for the next draw to reuse, and
``release_freed_memory``, called every few draws (``Trimmer``), hands what is free back, so peak
memory stays at a few draws and does not grow with the seed count. All threads share one arena:
TensorFlow's op threads would otherwise each fill an arena of their own with freed draws, which
trimming empties but whose scattered layout grows over the first tens of draws. The measurements
behind these choices are in benchmarks/README.md.
"""

import contextlib
import ctypes
import ctypes.util
import time
from typing import Any, Callable, Iterator

# mallopt parameters (malloc.h)
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
MMAP_THRESHOLD = 1 << 30  # arrays below 1 GiB come from the heap, not a mapping of their own
TRIM_THRESHOLD = (1 << 31) - 1  # free() never trims the heap's top: release_freed_memory does
# While draws are made on several threads at once: arrays from this size get mappings of their own
MAPPED_FROM = 4 << 20
# Most draws between two trims (``Trimmer`` trims sooner after slow draws): a lower peak (benchmarks/README.md)
TRIM_EVERY = 4


def _glibc() -> Any:
    """The C library when it is glibc (it has ``malloc_trim`` and ``mallopt``), else None."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None


_GLIBC = _glibc()


def keep_freed_memory() -> bool:
    """Let freed large arrays stay in the heap for reuse, in one arena for all threads (call once,
    before TensorFlow starts its threads); True when set."""
    if _GLIBC is None:
        return False
    return all(
        bool(_GLIBC.mallopt(param, value))
        for param, value in ((M_MMAP_THRESHOLD, MMAP_THRESHOLD), (M_TRIM_THRESHOLD, TRIM_THRESHOLD), (M_ARENA_MAX, 1))
    )


@contextlib.contextmanager
def large_arrays_mapped() -> Iterator[None]:
    """Within the block, arrays from ``MAPPED_FROM`` bytes are mapped from the kernel and unmapped when freed.

    Draws made on several threads at once interleave their arrays in the one heap; freed, they leave
    holes that the next draws' arrays do not fill exactly, and the heap grows with every seed. Mapped,
    each array's pages go back as it is freed (benchmarks/README.md has the figures)."""
    if _GLIBC is None:
        yield
        return
    _GLIBC.mallopt(M_MMAP_THRESHOLD, MAPPED_FROM)
    try:
        yield
    finally:
        _GLIBC.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)


def release_freed_memory() -> None:
    """Hand the heap's free pages back to the kernel.

    Without it, the kept arrays and the fragments that TensorFlow's eager tensors and the statistics'
    temporaries leave in glibc's per-thread heaps would let peak memory creep up with every draw.
    """
    if _GLIBC is not None:
        _GLIBC.malloc_trim(0)


class Trimmer:
    """When to hand freed memory back: after every ``every`` draws, or after any draw once ``seconds``
    have passed since the last time.

    Trimming costs the pages it returns (the next draws fault them in again), so fast draws trim every
    few; slow ones (seconds each, as orthogonal initializers at units 1024) trim after every draw, at a
    small share of their time, so a peak never finds several draws' freed pages still resident.
    """

    def __init__(
        self,
        every: int = TRIM_EVERY,
        seconds: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        release: Callable[[], None] = release_freed_memory,
    ) -> None:
        self.every, self.seconds, self.clock, self.release = every, seconds, clock, release
        self.draws, self.since = 0, clock()

    def after_draw(self) -> bool:
        """Count one draw; trim when due. True when it trimmed."""
        self.draws += 1
        if self.draws < self.every and self.clock() - self.since < self.seconds:
            return False
        self.release()
        self.draws, self.since = 0, self.clock()
        return True
