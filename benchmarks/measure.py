"""Time and weigh one fresh process of a tox env's Python, the way the matrix runs it.

Each measurement is a new process (``.tox/ENV/bin/python``, with the variables tox sets for that
env), timed with ``time.perf_counter`` around it; its peak resident memory is the ``ru_maxrss``
that ``os.wait4`` returns for that very child (whole process, Linux: KiB), so concurrent runs do
not blur each other's peaks. Repeats keep the best time (noise only ever adds time) and the
largest peak; cases compared with each other take turns.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from compare.host.runner import tox_environment

REPO = Path(__file__).resolve().parent.parent
# A child run without tox gets what tox.ini's [testenv] sets.
FALLBACK_ENV = {
    "PYTHONPATH": str(REPO),
    "PYTHONHASHSEED": "0",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "CUDA_VISIBLE_DEVICES": "-1",
    "OPENBLAS_NUM_THREADS": "1",
}
TAIL_LINES = 15


@dataclass
class Timing:
    """One measurement: best wall time over ``runs`` processes and the largest peak RSS among them."""

    seconds: Optional[float] = None
    peak_mb: Optional[float] = None
    runs: List[float] = field(default_factory=list)
    status: str = "ok"  # "ok" | "error" | "skipped"
    reason: str = ""

    def to_dict(self) -> Dict[str, object]:
        return asdict(self)


def parse_set_env(text: str) -> Dict[str, Dict[str, str]]:
    """``tox config -k set_env`` output -> {env: {KEY: VALUE}}, tox's bookkeeping TOX_* left out."""
    found: Dict[str, Dict[str, str]] = {}
    current = None
    for line in text.splitlines():
        header = re.match(r"^\[testenv:(?P<env>[^\]]+)\]", line)
        if header:
            current = found.setdefault(header["env"], {})
        elif current is not None and re.match(r"^\s+[A-Z_][A-Z0-9_]*=", line):
            key, value = line.strip().split("=", 1)
            if not key.startswith("TOX_"):
                current[key] = value
    return found


def tox_set_env(envs: Sequence[str]) -> Dict[str, Dict[str, str]]:
    """The variables tox sets in each env, read from tox.ini through tox itself (no copy to drift)."""
    command = [
        sys.executable,
        "-m",
        "tox",
        "config",
        "-c",
        str(REPO / "tox.ini"),
        "-e",
        ",".join(envs),
        "-k",
        "set_env",
    ]
    try:
        done = subprocess.run(
            command, cwd=str(REPO), env=tox_environment(), capture_output=True, text=True, timeout=120, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        done = None
    parsed = parse_set_env(done.stdout) if done is not None and done.returncode == 0 else {}
    return {env: parsed.get(env) or fallback_set_env(env) for env in envs}


def fallback_set_env(env: str) -> Dict[str, str]:
    """What tox.ini sets, for when tox cannot be asked (kept in step with tox.ini by hand)."""
    variables = dict(FALLBACK_ENV, RNNCOMPARE_ENV=env)
    if env.endswith("legacy"):
        variables["TF_USE_LEGACY_KERAS"] = "1"
    return variables


def env_python(env: str) -> Path:
    return REPO / ".tox" / env / "bin" / "python"


@dataclass
class Command:
    """A process to time: argv run from the repo root with ``variables`` on top of the host environment."""

    argv: List[str]
    variables: Dict[str, str]
    label: str


def start(command: Command, log: Path) -> subprocess.Popen[bytes]:
    environment = dict(tox_environment(), **command.variables)
    # as under tox, which does not pass it on: bytecode is cached, so no measured run recompiles rnncompare
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    with log.open("wb") as handle:
        return subprocess.Popen(
            command.argv,
            cwd=str(REPO),
            env=environment,
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )


def wait(process: subprocess.Popen[bytes]) -> tuple:
    """(exit code, peak RSS in MB) of this child alone."""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_maxrss / 1024.0


def tail(log: Path) -> str:
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    return " | ".join(line.strip() for line in lines[-TAIL_LINES:])


def run_once(command: Command, logs: Path) -> tuple:
    """(seconds, peak MB, error reason or '') of one fresh process."""
    log = logs / (command.label + ".log")
    started = time.perf_counter()
    process = start(command, log)
    code, peak = wait(process)
    seconds = time.perf_counter() - started
    return seconds, peak, "" if code == 0 else f"exit code {code}: {tail(log)}"


def measure(command: Command, logs: Path, repeat: int) -> Timing:
    """Best of ``repeat`` runs (noise only adds time)."""
    return measure_in_turns([command], logs, repeat)[0]


def measure_in_turns(commands: Sequence[Command], logs: Path, repeat: int) -> List[Timing]:
    """Best of ``repeat`` runs of each command, the commands taking turns (one run of each per round), so
    a slow spell of the machine falls on every case compared rather than on one case's runs. Every case
    compared with another gets the same count: a best of five against a best of one favours the first."""
    timings = [Timing() for _ in commands]
    for _ in range(max(1, repeat)):
        for command, timing in zip(commands, timings):
            if timing.status != "ok":
                continue
            seconds, peak, reason = run_once(command, logs)
            if reason:
                timing.status, timing.reason, timing.peak_mb = "error", reason, None
                continue
            timing.runs.append(round(seconds, 3))
            timing.peak_mb = max(timing.peak_mb or 0.0, peak)
    for timing in timings:
        if timing.status == "ok":
            timing.seconds = min(timing.runs)
    return timings


def run_together(commands: Sequence[Command], logs: Path) -> Timing:
    """Start every command at once; wall time until the last ends, largest single peak."""
    started = time.perf_counter()
    processes = [(c, start(c, logs / (c.label + ".log"))) for c in commands]
    peaks, errors = [], []
    for command, process in processes:
        code, peak = wait(process)
        peaks.append(peak)
        if code:
            errors.append(f"{command.label}: exit code {code}")
    seconds = time.perf_counter() - started
    if errors:
        return Timing(status="error", reason="; ".join(errors))
    return Timing(seconds=seconds, peak_mb=max(peaks), runs=[round(seconds, 3)])


def scratch() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="rnncompare-bench-")
