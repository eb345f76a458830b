"""When each env's worker starts and how many run at once: one per core as memory allows
(:func:`default_parallel`), the longest last run first (:func:`longest_first`, from each env's wall time kept
in its tox env folder).
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional, Sequence

from compare.core.cost import memory_bytes
from compare.core.scenarios import load_scenarios
from compare.host.envs import EnvSetup

if TYPE_CHECKING:
    from compare.host.runner import EnvResult

# A worker's memory before any weights: the benchmark measured 195-477 MB for `import tensorflow` and
# 235-527 MB for the bare build-and-draw script on the built-in suite; this leaves room above both.
TF_BYTES = 768 * 2**20
# Each env's last wall time, in its tox env folder: the order to start envs in (:func:`longest_first`).
SECONDS_FILE = "rnncompare-seconds.txt"


def available_memory() -> Optional[int]:
    """Bytes the kernel says can be allocated without swapping (Linux ``MemAvailable``), None elsewhere."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def default_parallel(
    envs: int, scenarios: Optional[Path] = None, cores: Optional[int] = None, memory: Optional[int] = None
) -> int:
    """How many env workers to run at once: one per core, as many as fit in the available memory (each
    needs TensorFlow plus the scenario file's largest one-draw estimate), never more than there are envs.
    ``cores`` and ``memory`` default to this machine's."""
    cores = cores or os.cpu_count() or 1
    memory = memory if memory is not None else available_memory()
    per_env = TF_BYTES + max(memory_bytes(s) for s in load_scenarios(str(scenarios) if scenarios else None))
    fit = envs if memory is None else memory // per_env
    return max(1, min(envs, cores, fit))


def last_seconds(env: str, setup: EnvSetup) -> Optional[float]:
    """This env's wall time in its last complete ``run_matrix``, None when it has none on record."""
    try:
        return float((setup.env_dir(env) / SECONDS_FILE).read_text())
    except (OSError, ValueError):
        return None


def record_seconds(result: EnvResult, setup: EnvSetup) -> None:
    """Keep ``result``'s wall time in its tox env's folder (gone when tox recreates the env)."""
    folder = setup.env_dir(result.env)
    if folder.is_dir():
        (folder / SECONDS_FILE).write_text(f"{result.seconds:.3f}\n")


def longest_first(envs: Sequence[str], setup: EnvSetup) -> List[str]:
    """The order to start ``envs`` in: the longest last run first, as greedy longest-processing-time
    scheduling does, so that no long env starts last while the other cores sit idle (tox.ini's order puts
    the slower TF 2 envs last). Envs with no time on record go first, since they may be the longest;
    ties keep the given order."""
    known = {env: last_seconds(env, setup) for env in envs}

    def longest(env: str) -> float:
        seconds = known[env]
        return -seconds if seconds is not None else -math.inf

    return sorted(envs, key=longest)
