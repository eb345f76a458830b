"""The machine a benchmark ran on, recorded beside its numbers: times compare only on the same machine and load."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any, Dict, List, Optional


def machine() -> Dict[str, Any]:
    return {
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "memory_gb": memory_gb(),
        "host_python": platform.python_version(),
        "load_before": load(),
    }


def load() -> List[float]:
    """1/5/15-minute load averages: a busy machine (another tox run) inflates every time; look here first."""
    return [round(x, 2) for x in os.getloadavg()]


def cpu_model() -> str:
    return proc_value("/proc/cpuinfo", "model name") or platform.processor() or "unknown"


def memory_gb() -> Optional[float]:
    total = proc_value("/proc/meminfo", "MemTotal")  # "16318004 kB"
    return None if total is None else round(int(total.split()[0]) / 2**20, 1)


def proc_value(path: str, key: str) -> Optional[str]:
    """What follows ``key:`` on its line of a /proc file; None where there is no such file or line (not Linux)."""
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None
