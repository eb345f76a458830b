"""Drive the tox TF envs: run the worker in each, keep each env's log, never lose the others' results.

Each env runs as ``tox run -c TOX_INI [--workdir DIR] -e ENV -- <worker args>``: from a source checkout
its own tox.ini, so tox creates or reuses the env exactly as ``tox -m matrix`` does; installed (or with
``--env-dir`` / ``RNNCOMPARE_HOME``), the managed envs of :mod:`compare.host.envs`. ``--shard I/N`` runs the
I-th of N deterministic parts of the (scenario x env) work (:func:`shard_work`). The worker prints one progress line per
scenario and route on stderr (``[env] scenario k/n NAME ROUTE: STATUS (S s)``); the runner
turns them into events for a progress display.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, cast

from compare import artifact as artifact_io
from compare.core.scenarios import load_scenarios
from compare.errors import UserError
from compare.host import envs as env_setup_module
from compare.host import resume
from compare.host.children import Children, Stopped
from compare.host.envs import EnvSetup
from compare.host.envs import matrix as toxini
from compare.host.envs.ready import make_ready
from compare.host.schedule import (  # noqa: F401 - part of the runner's API (tests, benchmarks)
    SECONDS_FILE,
    available_memory,
    default_parallel,
    last_seconds,
    longest_first,
    record_seconds,
)

PROGRESS = re.compile(
    r"^\[(?P<env>[^\]]+)\] scenario (?P<k>\d+)/(?P<n>\d+) (?P<name>\S+) (?P<route>\S+): (?P<status>\w+)"
)
# tox (virtualenv): "could not find python interpreter with spec(s): python3.7"; tox-uv (uv venv):
# "No interpreter found for CPython 3.7 in search path or managed installations" (tests/host/test_run_faults.py).
NO_INTERPRETER = re.compile(r"could not find python interpreter|failed to find interpreter|No interpreter found", re.I)
# tox's line for the command it ran: "tf115: exit -9 (3.21 seconds) /repo> python -m backends.worker ..."
TOX_EXIT = re.compile(r"^\s*\S+: exit (?P<code>-?\d+) \(")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# tox's own variables would make a nested tox think it runs inside the outer env.
# Where a worker writes until it ends: an interrupted run leaves the previous artifact in place.
PARTIAL = ".partial"
GRACE_SECONDS = 0.5
SCRUBBED = ("TOX_ENV_NAME", "TOX_ENV_DIR", "TOX_WORK_DIR", "TOX_PACKAGE", "VIRTUAL_ENV", "PYTHONPATH")


@dataclass
class Event:
    """What the progress display is told: an env's stage changed."""

    env: str
    stage: str  # "starting" | "waiting" (for another process's env creation) | "ready" | "scenario" | "done"
    detail: str = ""
    done: int = 0
    total: int = 0


@dataclass
class EnvResult:
    """How one env ran. ``artifact`` is what this run wrote: complete when ``status`` is ok, the finished
    scenarios (the others marked not finished) when the worker died midway, None when it wrote nothing."""

    env: str
    status: str  # "ok" | "unavailable" | "error" | "interrupted" (artifact None: the previous one stays)
    artifact: Optional[Path]
    log: Path
    seconds: float
    reason: str = ""
    returncode: int = 0
    tail: List[str] = field(default_factory=list)
    action: str = "ran"  # "ran" | "reused" (an earlier run's complete artifact: compare.host.resume)


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
    # --skip-env-install: the env was made ready under its lock (compare.host.envs.ready); a worker never
    # changes it, so workers of several runs may share it.
    command = [sys.executable, "-m", "tox", "run"] + setup.tox_args() + ["-e", env, "--skip-env-install"]
    command += ["--", "--out", str(out)]
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
    children: Optional[Children] = None,
    wanted: Optional[Mapping[str, str]] = None,
) -> EnvResult:
    """Make the env ready (:func:`compare.host.envs.ready.make_ready`), then reuse its artifact from an
    earlier run when ``wanted`` (scenario -> spec_hash) is given and :func:`compare.host.resume.reusable`
    says so, else run its worker into ``out_dir/.partial`` and publish the artifact into ``out_dir`` when
    the worker ends, unless it was interrupted (the previous artifact then stays). Full output goes to
    ``out_dir/logs/ENV.log``."""
    setup, children = setup or env_setup(), children or Children()
    notify = on_event or (lambda _event: None)
    out_dir = Path(out_dir).resolve()
    artifact, log = out_dir / (env + ".json"), out_dir / "logs" / (env + ".log")
    staging = out_dir / PARTIAL / artifact.name
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.time()
    notify(Event(env, "starting", "creating or reusing the tox env"))
    try:
        ready = make_ready(
            env,
            setup,
            tox_environment(),
            lambda line: notify(Event(env, "waiting", line)),
            children.popen,
            children.interrupted,
        )
        if not ready.ok:
            log.write_text("\n".join(ready.lines) + "\n", encoding="utf-8")
            if children.interrupted.wait(GRACE_SECONDS):
                raise Stopped()
            status, reason = _classify(1, staging, ready.lines, started)
            return _done(notify, EnvResult(env, status, None, log, time.time() - started, reason, 1, ready.lines[-15:]))
        notify(Event(env, "ready", ready.action))
        if wanted is not None and resume.reusable(artifact, wanted, setup.env_dir(env)) is not None:
            return _done(notify, EnvResult(env, "ok", artifact, log, time.time() - started, action="reused"))
        return _done(notify, _run_worker(env, artifact, staging, log, scenarios, extra, notify, setup, children))
    except Stopped:
        return _done(notify, EnvResult(env, "interrupted", None, log, time.time() - started, "not started"))


def _done(notify: Callable[[Event], None], result: EnvResult) -> EnvResult:
    notify(Event(result.env, "done", result.action if result.action == "reused" else result.status))
    return result


def _run_worker(
    env: str,
    artifact: Path,
    staging: Path,
    log: Path,
    scenarios: Optional[Path],
    extra: Sequence[str],
    notify: Callable[[Event], None],
    setup: EnvSetup,
    children: Children,
) -> EnvResult:
    staging.parent.mkdir(exist_ok=True)
    for path in (staging, artifact_io.npz_path(staging)):
        path.unlink(missing_ok=True)
    started, lines = time.time(), []
    with log.open("w", encoding="utf-8") as handle:
        process = children.popen(
            worker_command(env, staging, scenarios, extra, setup),
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
        children.forget(process)
    _remove_temporaries(staging)
    seconds = time.time() - started
    # A Ctrl-C reaches the worker at once and the main thread a moment later: a worker that failed waits
    # that moment before it is judged an error (and its partial artifact published over a complete one).
    if returncode != 0 and children.interrupted.wait(GRACE_SECONDS):
        kept = f"{staging} keeps its finished scenarios" if staging.exists() else "no scenario finished"
        return EnvResult(env, "interrupted", None, log, seconds, kept, returncode, lines[-15:])
    status, reason = _classify(returncode, staging, lines, started)
    wrote = staging.exists() and staging.stat().st_mtime >= started - 1.0
    if wrote:
        _publish(staging, artifact, stamped=status == "ok")
    return EnvResult(env, status, artifact if wrote else None, log, seconds, reason, returncode, lines[-15:])


def _publish(staging: Path, artifact: Path, stamped: bool) -> None:
    """Move the worker's artifact into place: the .npz first, then the .json that refers to it (a reader
    starts from the .json), each by one rename. The stamp that allows reuse comes last."""
    resume.unstamp(artifact)
    if artifact_io.npz_path(staging).exists():
        os.replace(artifact_io.npz_path(staging), artifact_io.npz_path(artifact))
    else:
        artifact_io.npz_path(artifact).unlink(missing_ok=True)
    os.replace(staging, artifact)
    if stamped:
        resume.stamp(artifact)


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM during :func:`run_matrix`: every env's result once its worker stopped."""

    def __init__(self, results: List[EnvResult]) -> None:
        super().__init__("interrupted")
        self.results = results


def run_matrix(
    envs: Sequence[str],
    out_dir: Path,
    scenarios: Optional[Path] = None,
    parallel: Optional[int] = None,
    on_event: Optional[Callable[[Event], None]] = None,
    setup: Optional[EnvSetup] = None,
    shard: Optional[Shard] = None,
    fresh: bool = False,
) -> List[EnvResult]:
    """Run every env (with ``shard``: only this shard's scenarios of each, :func:`shard_work`), ``parallel``
    at a time (default: ``default_parallel``), started in :func:`longest_first` order; one failing env does
    not stop the others. An env whose artifact in ``out_dir`` already holds this run's scenarios, complete,
    is reused (:mod:`compare.host.resume`) unless ``fresh``. Each env keeps its own log and progress events;
    a complete (unsharded) env's wall time is kept for the next run's order. Results come in ``envs`` order.
    Ctrl-C (or SIGTERM, :func:`compare.host.cli.main`) stops every worker and raises :class:`Interrupted`."""
    setup = setup or env_setup()
    check_envs(envs, setup)
    hashes = {s.name: s.spec_hash for s in load_scenarios(str(scenarios) if scenarios else None)}
    work = shard_work(envs, list(hashes), shard)
    extra = {env: [] if shard is None else [a for name in work[env] for a in ("--only", name)] for env in work}
    wanted = {env: None if fresh else {name: hashes[name] for name in work[env]} for env in work}
    parallel = parallel or default_parallel(max(1, len(work)), scenarios)
    children = Children()
    pool = ThreadPoolExecutor(max_workers=parallel)
    try:
        futures = {
            env: pool.submit(run_env, env, out_dir, scenarios, extra[env], on_event, setup, children, wanted[env])
            for env in longest_first(list(work), setup)
        }
        try:
            results = [futures[env].result() for env in work]
        except KeyboardInterrupt:
            children.interrupt()
            raise Interrupted([futures[env].result() for env in work]) from None
    finally:
        pool.shutdown(wait=True)
    if shard is None:
        for result in results:
            if result.status == "ok" and result.action == "ran":
                record_seconds(result, setup)
    return results
