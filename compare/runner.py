"""Drive the tox TF envs: run the worker in each, keep each env's log, never lose the others' results.

Each env runs as ``tox run -e ENV -- <worker args>`` from the source checkout, so tox creates or
reuses the env exactly as ``tox -m matrix`` does. The worker prints one progress line per
scenario and route on stderr (``[env] scenario k/n NAME ROUTE: STATUS (S s)``); the runner
turns them into events for a progress display.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, List, Optional, Sequence

from compare.errors import UserError

MATRIX = ("tf115", "tf215", "tf221", "tf221-legacy")
REPO = Path(__file__).resolve().parent.parent
PROGRESS = re.compile(
    r"^\[(?P<env>[^\]]+)\] scenario (?P<k>\d+)/(?P<n>\d+) (?P<name>\S+) (?P<route>\S+): (?P<status>\w+)")
NO_INTERPRETER = re.compile(r"could not find python interpreter|failed to find interpreter|No interpreter found", re.I)
# tox's own variables would make a nested tox think it runs inside the outer env.
SCRUBBED = ("TOX_ENV_NAME", "TOX_ENV_DIR", "TOX_WORK_DIR", "TOX_PACKAGE", "VIRTUAL_ENV", "PYTHONPATH")


@dataclass
class Event:
    """What the progress display is told: an env's stage changed."""

    env: str
    stage: str  # "starting" | "scenario" | "done"
    detail: str = ""
    done: int = 0
    total: int = 0


@dataclass
class EnvResult:
    env: str
    status: str  # "ok" | "unavailable" | "error"
    artifact: Optional[Path]
    log: Path
    seconds: float
    reason: str = ""
    returncode: int = 0
    tail: List[str] = field(default_factory=list)


def tox_ini() -> Path:
    path = REPO / "tox.ini"
    if not path.exists():
        raise UserError("tox.ini not found next to the compare package ({})".format(REPO),
                        "rnncompare run drives the tox envs of a source checkout: run it from a clone")
    return path


def _environment() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([bin_dir] + [p for p in env.get("PATH", "").split(os.pathsep) if p != bin_dir])
    return env


def worker_command(env: str, out: Path, scenarios: Optional[Path], extra: Sequence[str] = ()) -> List[str]:
    command = [sys.executable, "-m", "tox", "run", "-c", str(tox_ini()), "-e", env, "--", "--out", str(out)]
    if scenarios is not None:
        command += ["--scenarios", str(Path(scenarios).resolve())]
    return command + list(extra)


def _classify(returncode: int, artifact: Path, lines: List[str]) -> tuple:
    if returncode == 0 and artifact.exists():
        return "ok", ""
    text = "\n".join(lines)
    if NO_INTERPRETER.search(text):
        return "unavailable", ("tox could not find this env's Python "
                               "(remedy: install it, e.g. `pyenv install 3.7` for tf115; see README)")
    if returncode < 0:
        return "error", "worker killed by signal {}".format(-returncode)
    return "error", "exit code {}".format(returncode)


def run_env(env: str, out_dir: Path, scenarios: Optional[Path] = None, extra: Sequence[str] = (),
            on_event: Optional[Callable[[Event], None]] = None) -> EnvResult:
    """Run the worker of one env; its full output goes to ``out_dir/logs/ENV.log``."""
    notify = on_event or (lambda _event: None)
    out_dir = Path(out_dir).resolve()
    artifact, log = out_dir / (env + ".json"), out_dir / "logs" / (env + ".log")
    log.parent.mkdir(parents=True, exist_ok=True)
    started, lines = time.time(), []
    notify(Event(env, "starting", "creating or reusing the tox env"))
    with log.open("w", encoding="utf-8") as handle:
        process = subprocess.Popen(worker_command(env, artifact, scenarios, extra), cwd=str(REPO),
                                   env=_environment(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, text=True, errors="replace")
        for line in process.stdout:
            handle.write(line)
            lines.append(line.rstrip("\n"))
            match = PROGRESS.match(line)
            if match:
                notify(Event(env, "scenario", "{} {}".format(match["name"], match["route"]),
                             int(match["k"]), int(match["n"])))
        returncode = process.wait()
    status, reason = _classify(returncode, artifact, lines)
    result = EnvResult(env, status, artifact if status == "ok" else None, log, time.time() - started,
                       reason, returncode, lines[-15:])
    notify(Event(env, "done", status))
    return result


def run_matrix(envs: Sequence[str], out_dir: Path, scenarios: Optional[Path] = None, parallel: int = 1,
               on_event: Optional[Callable[[Event], None]] = None) -> List[EnvResult]:
    """Run every env (``parallel`` at a time); one failing env does not stop the others."""
    unknown = [e for e in envs if e not in MATRIX]
    if unknown:
        raise UserError("unknown env {!r}".format(unknown[0]), "envs: " + ", ".join(MATRIX))
    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        futures = [pool.submit(run_env, env, out_dir, scenarios, (), on_event) for env in envs]
        return [f.result() for f in futures]
