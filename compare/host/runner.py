"""Drive the tox TF envs: run the worker in each, keep each env's log, never lose the others' results.

Each env runs as ``tox run -c TOX_INI [--workdir DIR] -e ENV -- <worker args>``: from a source checkout
its own tox.ini, so tox creates or reuses the env exactly as ``tox -m matrix`` does; installed (or with
``--env-dir`` / ``RNNCOMPARE_HOME``), the managed envs of :mod:`compare.host.envs`. ``--shard I/N`` runs the
I-th of N deterministic parts of the (scenario x env) work (:func:`shard_work`). The worker prints one progress line per
scenario and route on stderr (``[env] scenario k/n NAME ROUTE: STATUS (S s)``); the runner
turns them into events for a progress display.
"""

from __future__ import annotations

import math
import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Callable, Dict, List, Optional, Sequence, Tuple, cast

from compare import artifact as artifact_io
from compare.core.cost import memory_bytes
from compare.core.scenarios import load_scenarios
from compare.errors import UserError
from compare.host import envs as env_setup_module
from compare.host.envs import EnvSetup
from compare.host.envs import matrix as toxini

if TYPE_CHECKING:  # the findings load scipy: imported when a report is made, not with this module
    from compare.host.findings.gate import Gate, Verdict

PROGRESS = re.compile(
    r"^\[(?P<env>[^\]]+)\] scenario (?P<k>\d+)/(?P<n>\d+) (?P<name>\S+) (?P<route>\S+): (?P<status>\w+)"
)
# tox (virtualenv): "could not find python interpreter with spec(s): python3.7"; tox-uv (uv venv):
# "No interpreter found for CPython 3.7 in search path or managed installations" (tests/host/test_run_faults.py).
NO_INTERPRETER = re.compile(r"could not find python interpreter|failed to find interpreter|No interpreter found", re.I)
# tox's line for the command it ran: "tf115: exit -9 (3.21 seconds) /repo> python -m backends.worker ..."
TOX_EXIT = re.compile(r"^\s*\S+: exit (?P<code>-?\d+) \(")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# A worker's memory before any weights: the benchmark measured 195-477 MB for `import tensorflow` and
# 235-527 MB for the bare build-and-draw script on the built-in suite; this leaves room above both.
TF_BYTES = 768 * 2**20
# Each env's last wall time, in its tox env folder: the order to start envs in (:func:`longest_first`).
SECONDS_FILE = "rnncompare-seconds.txt"
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
    """How one env ran. ``artifact`` is what this run wrote: complete when ``status`` is ok, the finished
    scenarios (the others marked not finished) when the worker died midway, None when it wrote nothing."""

    env: str
    status: str  # "ok" | "unavailable" | "error"
    artifact: Optional[Path]
    log: Path
    seconds: float
    reason: str = ""
    returncode: int = 0
    tail: List[str] = field(default_factory=list)


def env_setup(env_dir: Optional[str] = None) -> EnvSetup:
    """Which tox.ini and work folder run the envs (:func:`compare.host.envs.setup`)."""
    return env_setup_module.setup(env_dir)


def matrix(setup: Optional[EnvSetup] = None) -> Tuple[str, ...]:
    """The TF envs of a full run: the tox.ini's ``matrix`` label."""
    return toxini.matrix((setup or env_setup()).config)


def check_envs(envs: Sequence[str], setup: Optional[EnvSetup] = None) -> List[str]:
    """``envs`` when each is one of the matrix's; UserError naming the first that is not (or none given)."""
    known = matrix(setup)
    unknown = [e for e in envs if e not in known] or ([] if envs else [""])
    if unknown:
        raise UserError(f"unknown env {unknown[0]!r}", "envs: " + ", ".join(known))
    return list(envs)


def parse_envs(text: Optional[str], setup: Optional[EnvSetup] = None) -> List[str]:
    """``--envs tf115,tf221`` checked (:func:`check_envs`); every env of the matrix when not given."""
    return check_envs([e for e in text.split(",") if e], setup) if text else list(matrix(setup))


@dataclass(frozen=True)
class Shard:
    """``--shard I/N``: the I-th (1-based) of N parts of the work."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        index, sep, count = text.partition("/")
        try:
            shard = cls(int(index), int(count))
        except ValueError:
            shard = None
        if not sep or shard is None or not 1 <= shard.index <= shard.count:
            raise UserError(f"--shard {text!r} is not I/N with 1 <= I <= N", "e.g. --shard 2/4")
        return shard


def shard_work(envs: Sequence[str], scenarios: Sequence[str], shard: Optional[Shard]) -> Dict[str, List[str]]:
    """``{env: [scenario, ...]}`` this shard runs: the (env, scenario) pairs in env order, then the file's
    scenario order, dealt round-robin to the N shards (pair k goes to shard k mod N + 1), so every shard
    gets a near-equal share, the shards never overlap and together cover everything; envs a shard has
    nothing for are left out. Without a shard: everything."""
    work: Dict[str, List[str]] = {}
    pairs = [(env, name) for env in envs for name in scenarios]
    for k, (env, name) in enumerate(pairs):
        if shard is None or k % shard.count == shard.index - 1:
            work.setdefault(env, []).append(name)
    return work


def tox_environment() -> Dict[str, str]:
    """This process's environment for a nested tox: tox's own variables removed, this Python's folder first."""
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([bin_dir] + [p for p in env.get("PATH", "").split(os.pathsep) if p != bin_dir])
    return env


def worker_command(
    env: str, out: Path, scenarios: Optional[Path], extra: Sequence[str] = (), setup: Optional[EnvSetup] = None
) -> List[str]:
    setup = setup or env_setup()
    command = [sys.executable, "-m", "tox", "run"] + setup.tox_args() + ["-e", env, "--", "--out", str(out)]
    if scenarios is not None:
        command += ["--scenarios", str(Path(scenarios).resolve())]
    return command + list(extra)


def worker_exit(lines: List[str]) -> Optional[int]:
    """The worker's own exit code, from tox's report (tox itself exits 1 whatever killed the worker)."""
    for line in reversed(lines):
        match = TOX_EXIT.match(line)
        if match:
            return int(match["code"])
    return None


def _exit_reason(code: int) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"worker killed by {name} (signal {-code})"
    return f"exit code {code}"


def _classify(returncode: int, artifact: Path, lines: List[str], started: float = 0.0) -> tuple:
    """(status, reason) of a finished run; ``started`` tells this run's artifact from an earlier one."""
    fresh = artifact.exists() and artifact.stat().st_mtime >= started - 1.0
    if returncode == 0 and fresh:
        return "ok", ""
    if NO_INTERPRETER.search("\n".join(lines)):
        return "unavailable", (
            "tox could not find this env's Python "
            "(remedy: install it, e.g. `pyenv install 3.6` for tf11, `pyenv install 3.7` for "
            "tf115; see README)"
        )
    worker = worker_exit(lines)
    reason = _exit_reason(worker if worker is not None else returncode)
    if returncode == 0:
        reason = "the worker wrote no artifact"
    if fresh:
        reason += f"; {artifact.name} keeps the scenarios that finished"
    elif artifact.exists():
        reason += f"; {artifact.name} is from an earlier run"
    return "error", reason


def _remove_temporaries(artifact: Path) -> None:
    """A SIGKILLed worker cannot remove the temporary file it was writing; this env's own are removed."""
    for path in (artifact, artifact_io.npz_path(artifact)):
        for tmp in path.parent.glob(artifact_io.temporary_names(path)):
            tmp.unlink()


def run_env(
    env: str,
    out_dir: Path,
    scenarios: Optional[Path] = None,
    extra: Sequence[str] = (),
    on_event: Optional[Callable[[Event], None]] = None,
    setup: Optional[EnvSetup] = None,
) -> EnvResult:
    """Run the worker of one env; its full output goes to ``out_dir/logs/ENV.log``."""
    setup = setup or env_setup()
    notify = on_event or (lambda _event: None)
    out_dir = Path(out_dir).resolve()
    artifact, log = out_dir / (env + ".json"), out_dir / "logs" / (env + ".log")
    log.parent.mkdir(parents=True, exist_ok=True)
    started, lines = time.time(), []
    notify(Event(env, "starting", "creating or reusing the tox env"))
    with log.open("w", encoding="utf-8") as handle:
        process = subprocess.Popen(
            worker_command(env, artifact, scenarios, extra, setup),
            cwd=str(setup.config.parent),
            env=tox_environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            errors="replace",
        )
        for line in cast(IO[str], process.stdout):  # stdout=PIPE: a text pipe, never None
            handle.write(line)
            lines.append(ANSI.sub("", line.rstrip("\n")))
            match = PROGRESS.match(line)
            if match:
                notify(
                    Event(
                        env, "scenario", "{} {}".format(match["name"], match["route"]), int(match["k"]), int(match["n"])
                    )
                )
        returncode = process.wait()
    status, reason = _classify(returncode, artifact, lines, started)
    if status != "ok":
        _remove_temporaries(artifact)
    wrote = artifact.exists() and artifact.stat().st_mtime >= started - 1.0
    result = EnvResult(
        env, status, artifact if wrote else None, log, time.time() - started, reason, returncode, lines[-15:]
    )
    notify(Event(env, "done", status))
    return result


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


def run_matrix(
    envs: Sequence[str],
    out_dir: Path,
    scenarios: Optional[Path] = None,
    parallel: Optional[int] = None,
    on_event: Optional[Callable[[Event], None]] = None,
    setup: Optional[EnvSetup] = None,
    shard: Optional[Shard] = None,
) -> List[EnvResult]:
    """Run every env (with ``shard``: only this shard's scenarios of each, :func:`shard_work`), ``parallel``
    at a time (default: ``default_parallel``), started in :func:`longest_first` order; one failing env does
    not stop the others. Each env keeps its own log and progress events; a complete (unsharded) env's wall
    time is kept for the next run's order. Results come in ``envs`` order."""
    setup = setup or env_setup()
    check_envs(envs, setup)
    names = [s.name for s in load_scenarios(str(scenarios) if scenarios else None)]
    work = shard_work(envs, names, shard)
    extra = {env: [] if shard is None else [a for name in work[env] for a in ("--only", name)] for env in work}
    parallel = parallel or default_parallel(max(1, len(work)), scenarios)
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        futures = {
            env: pool.submit(run_env, env, out_dir, scenarios, extra[env], on_event, setup)
            for env in longest_first(list(work), setup)
        }
        results = [futures[env].result() for env in work]
    if shard is None:
        for result in results:
            if result.status == "ok":
                record_seconds(result, setup)
    return results


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


@dataclass(frozen=True)
class RunOutcome:
    """``rnncompare run``: how each env ran, the report of what they wrote (or why there is none), and the
    CI gate's verdict on it (None without a gate, or without a report to judge)."""

    results: List[EnvResult]
    report: Optional[Path]
    report_error: str = ""
    sharded: bool = False  # a shard makes no report: it is ok when its envs are
    verdict: Optional[Verdict] = None

    @property
    def ok(self) -> bool:  # every env ran and the report was written (a shard: every env ran); the gate apart
        return (self.report is not None or self.sharded) and all(r.status == "ok" for r in self.results)

    @property
    def exit_code(self) -> int:  # 1 unless ok and the gate (if any) passed: a gate without a report fails
        return 0 if self.ok and (self.verdict is None or self.verdict.passed) else 1


def check_gate(gate: Optional[Gate], shard: Optional[Shard]) -> None:
    """A gate judges a report and a shard makes none: refused before any env starts, not passed unjudged."""
    if gate is not None and shard is not None:
        hint = "gate the merged shards: rnncompare report DIR1 DIR2 ... --out REPORT --fail-on KINDS"
        raise UserError("--fail-on, --allow and --write-allow judge a report, and a shard makes none", hint)


def run_and_report(
    envs: Sequence[str],
    out_dir: Path,
    scenarios: Optional[Path] = None,
    parallel: Optional[int] = None,
    baseline: Optional[str] = None,
    on_event: Optional[Callable[[Event], None]] = None,
    env_dir: Optional[str] = None,
    shard: Optional[Shard] = None,
    gate: Optional[Gate] = None,
) -> RunOutcome:
    """Every env's worker (:func:`run_matrix`), then the migration report of whatever they wrote
    (``compare.host.report.make_report`` against ``baseline``): the whole job of ``rnncompare run``. A shard
    writes its artifacts only: the report is made where the shards' folders meet
    (``rnncompare report DIR1 DIR2 ... --out REPORT``). ``gate`` (``compare.host.findings.make_gate``)
    judges the report's findings; a sharded run refuses one (:func:`check_gate`)."""
    from compare.host.findings.gate import apply_gate
    from compare.host.report import make_report  # scipy loads only when a report is made

    check_gate(gate, shard)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    results = run_matrix(envs, out_dir, scenarios, parallel, on_event, env_setup(env_dir), shard)
    if shard is not None:
        return RunOutcome(
            results,
            None,
            f"shard {shard.index}/{shard.count}: no report (merge the shards' folders with rnncompare "
            "report DIR1 DIR2 ... --out REPORT)",
            True,
        )
    try:
        paths = make_report(out_dir, out_dir, baseline)
    except UserError as exc:
        return RunOutcome(results, None, exc.one_line())
    verdict = apply_gate(gate, paths["report.json"]) if gate is not None else None
    return RunOutcome(results, paths["report.html"], verdict=verdict)
