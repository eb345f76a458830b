"""How the worker's process keeps and returns freed heap memory (glibc's allocator; elsewhere nothing).

A production-size draw is hundreds of megabytes of arrays, made afresh for every seed (TensorFlow's
outputs, their numpy copies). glibc's defaults map each such array from the kernel and unmap it when
freed, so every draw's pages are faulted in and zeroed again: the DeepSpeech-sized point (a
bidirectional 2048-unit LSTM, 32 seeds, two routes) spent 17 s of its 35 s in the kernel.
``keep_freed_memory`` makes freed arrays stay in the heap for the next draw to reuse, and
``release_freed_memory``, called every few draws, hands what is free back, so peak memory stays at
a few draws and does not grow with the seed count.

Side: in-env (every TF env's Python and numpy; no host libraries).
"""
import ctypes
import ctypes.util
from typing import Any

# mallopt parameters (malloc.h)
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 1 << 30  # arrays below 1 GiB come from the heap, not a mapping of their own
TRIM_THRESHOLD = (1 << 31) - 1  # free() never trims the heap's top: release_freed_memory does


def _glibc() -> Any:
    """The C library when it is glibc (it has ``malloc_trim`` and ``mallopt``), else None."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None


_GLIBC = _glibc()


def keep_freed_memory() -> bool:
    """Let freed large arrays stay in the heap for reuse (call once, before the draws); True when set."""
    if _GLIBC is None:
        return False
    return bool(_GLIBC.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and \
        bool(_GLIBC.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))


def release_freed_memory() -> None:
    """Hand the heap's free pages back to the kernel.

    Without it, the kept arrays and the fragments that TensorFlow's eager tensors and the statistics'
    temporaries leave in glibc's per-thread heaps would let peak memory creep up with every draw.
    """
    if _GLIBC is not None:
        _GLIBC.malloc_trim(0)
