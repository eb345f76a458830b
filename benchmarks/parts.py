"""The benchmark's parts, one function each: what runs, in which env, against which floor.

Every case is a fresh process of a tox env's Python, timed through one ``Bench`` so that cases
compared with each other run with the same variables and repeats, taking turns:

* envs: floor A (``import tensorflow``), floor B (``benchmarks.floor``, the bare TF script for the same
  scenarios and routes) and the worker (``backends.worker``), on the suite, in every env;
* matrix: three warm envs' workers one after another, then all at once;
* grid: floor B and the worker at every point of ``benchmarks/grid.py``, in one env;
* production: floor B and the worker at the points of ``benchmarks/production.toml``, in one env;
* analysis: ``rnncompare report`` on the suite's artifacts against importing the host libraries and
  ``json.load``ing those artifacts, and on 1, 2, 4, ... times their scenarios (``benchmarks/pipeline.py``);
* run: warm ``tox -e run`` on the suite against its env workers, each timed alone in the same run.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from benchmarks import grid, measure, pipeline, production
from benchmarks.measure import Command, Timing
from benchmarks.targets import seconds

ROUTES = "tf1,keras"
RUN_ENV = "run"  # tox.ini's host env of `tox -e run` (rnncompare run): its Python makes the report


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def note(label: str, timing: Timing) -> None:
    shown = (
        f"{timing.seconds:.2f} s, {timing.peak_mb:.0f} MB, runs {timing.runs}"
        if timing.status == "ok"
        else timing.status + ": " + timing.reason
    )
    log(f"  {label:<40} {shown}")


def wanted_envs(args: argparse.Namespace) -> List[str]:
    """Every tox env the asked-for parts start a Python of."""
    parts = set(args.parts)
    wanted = set()
    if "envs" in parts:
        wanted |= set(args.envs)
    if "grid" in parts:
        wanted.add(args.grid_env)
    if "production" in parts:
        wanted |= set(args.production_envs)
    if "matrix" in parts:
        wanted |= set(args.matrix_envs)
    if parts & {"analysis", "run", "impact"}:
        wanted |= set(args.run_envs) | {RUN_ENV}
    return sorted(wanted)


def suite_label(suite: Optional[Path]) -> str:
    return "default suite" if suite is None else Path(suite).name


def scenario_args(scenarios: Optional[Path]) -> List[str]:
    return [] if scenarios is None else ["--scenarios", str(scenarios)]


class Bench:
    """One benchmark run: the envs' variables, scratch space and the repeat policy, shared by every measurement."""

    def __init__(self, args: argparse.Namespace, scratch: Path) -> None:
        self.args = args
        self.scratch = scratch
        self.logs = self.folder("logs")
        self.variables = measure.tox_set_env(wanted_envs(args))
        self.alone: Optional[Dict[str, Any]] = None  # the suite's workers run alone (analysis, run)

    def folder(self, name: str) -> Path:
        """A new folder in the scratch space."""
        folder = self.scratch / name
        folder.mkdir()
        return folder

    def command(self, env: str, label: str, argv: Sequence[str]) -> Command:
        return Command([str(measure.env_python(env))] + list(argv), self.variables[env], env + "-" + label)

    def time(self, command: Command, repeat: Optional[int] = None) -> Timing:
        return self.in_turns([command], repeat)[0]

    def in_turns(self, commands: Sequence[Command], repeat: Optional[int] = None) -> List[Timing]:
        """Best of ``repeat`` (default ``--repeat``) runs of each command, the commands taking turns."""
        timings = measure.measure_in_turns(commands, self.logs, repeat or self.args.repeat)
        for command, timing in zip(commands, timings):
            note(command.label, timing)
        return timings

    def floor_a_command(self, env: str) -> Command:
        return self.command(env, "floor-a", ["-c", "import tensorflow"])

    def floor_a(self, env: str) -> Timing:
        return self.time(self.floor_a_command(env))

    def floor_b_command(self, env: str, label: str, routes: str, scenarios: Optional[Path] = None) -> Command:
        argv = ["-m", "benchmarks.floor", "--routes", routes] + scenario_args(scenarios)
        return self.command(env, "floor-b-" + label, argv)

    def worker_command(
        self, env: str, label: str, routes: Optional[str], scenarios: Optional[Path] = None, out: Optional[Path] = None
    ) -> Command:
        """The worker on ``routes`` (None: all, as ``tox -e run`` starts it), writing ``out`` (default: scratch)."""
        if out is None:
            out = self.scratch / "out" / (env + "-" + label + ".json")
            out.parent.mkdir(exist_ok=True)
        argv = ["-m", "backends.worker"] + (["--routes", routes] if routes else []) + ["--out", str(out)]
        return self.command(env, "worker-" + label, argv + scenario_args(scenarios))

    def floor_b_and_worker(
        self, env: str, label: str, routes: str, scenarios: Optional[Path] = None, repeat: Optional[int] = None
    ) -> Dict[str, Timing]:
        """Floor B and the worker on the same scenarios and routes, taking turns."""
        floor_b, worker = self.in_turns(
            [self.floor_b_command(env, label, routes, scenarios), self.worker_command(env, label, routes, scenarios)],
            repeat,
        )
        return {"floor_b": floor_b, "worker": worker}


def measure_envs(bench: Bench) -> Dict[str, Dict[str, Any]]:
    """Floors A and B and the worker on the default suite, in every env."""
    found = {}
    for env in bench.args.envs:
        log(f"[{env}] default suite")
        suite = bench.args.suite
        floor_a, floor_b, worker = bench.in_turns(
            [
                bench.floor_a_command(env),
                bench.floor_b_command(env, "default", ROUTES, suite),
                bench.worker_command(env, "default", ROUTES, suite),
            ]
        )
        found[env] = {"floor_a": floor_a, "floor_b": floor_b, "worker": worker}
    return found


def measure_matrix(bench: Bench) -> Dict[str, Any]:
    """Warm envs one after another (their sum), then all started at once (wall time to the last)."""
    envs = list(bench.args.matrix_envs)
    commands = [bench.worker_command(env, f"matrix{i}", ROUTES, bench.args.suite) for i, env in enumerate(envs)]
    log("[matrix] {} serial, then parallel".format(", ".join(envs)))
    serial = [bench.time(command, 1) for command in commands]
    parallel = measure.run_together(commands, bench.logs)
    note("parallel", parallel)
    total = None if any(t.status != "ok" for t in serial) else sum(t.seconds for t in serial)
    return {"envs": envs, "cores": os.cpu_count(), "serial": serial, "serial_sum": total, "parallel": parallel}


def measure_grid(bench: Bench, floor_a: Timing) -> Dict[str, Any]:
    """Every grid point in one env: floor B and the worker, each as its own process, route by route."""
    env = bench.args.grid_env
    points = []
    for point in grid.points(bench.folder("grid"), bench.args.quick, sizes=bench.args.grid_units):
        log(f"[{env}] grid {point.label}")
        entry: Dict[str, Any] = {
            "route": point.route,
            "cell": point.cell,
            "units": point.units,
            "seeds": point.seeds,
            "skipped": point.skipped,
        }
        if point.skipped:
            log("  skipped: " + point.skipped)
        else:
            entry.update(
                bench.floor_b_and_worker(env, point.label, point.route, point.scenarios, bench.args.grid_repeat)
            )
        points.append(entry)
    return {"env": env, "floor_a": floor_a, "input_dim": grid.INPUT_DIM, "points": points}


def measure_production(bench: Bench) -> Dict[str, Any]:
    """Every production point in each production env: floor B and the worker with routes tf1 and keras,
    each a fresh process."""
    points = []
    found = production.points(bench.args.production_file, bench.folder("production"), bench.args.production)
    for env in bench.args.production_envs:
        for point in found:
            log(f"[{env}] production {point.name}")
            label = f"{env}-{point.name}"
            timings = bench.floor_b_and_worker(env, label, ROUTES, point.scenarios, bench.args.production_repeat)
            points.append(
                {"env": env, "name": point.name, "description": point.description, "seeds": point.seeds, **timings}
            )
    return {"envs": list(bench.args.production_envs), "routes": ROUTES, "points": points}


def workers_alone(bench: Bench) -> Dict[str, Any]:
    """Every run env's worker on the suite, one at a time, as ``tox -e run`` starts it (all routes), once
    each; their artifacts are what the analysis part reports on. Measured once per benchmark run."""
    if bench.alone is None:
        folder = bench.folder("alone")
        log(
            "[run envs] workers alone on the {}: {}".format(
                suite_label(bench.args.suite), ", ".join(bench.args.run_envs)
            )
        )
        timings = {
            env: bench.time(bench.worker_command(env, "alone", None, bench.args.suite, folder / (env + ".json")), 1)
            for env in bench.args.run_envs
        }
        bench.alone = {"folder": folder, "workers": timings}
    return bench.alone


def report_command(bench: Bench, folder: Path, label: str) -> Command:
    out = bench.scratch / ("report-" + label)
    out.mkdir(exist_ok=True)
    return bench.command(RUN_ENV, "report-" + label, ["-m", "compare", "report", str(folder), "--out", str(out)])


def measure_analysis(bench: Bench) -> Dict[str, Any]:
    """The report on the suite's artifacts against loading them (best of ``--repeat``), then on the suite
    once, twice and four times over (once each) for the exponent of report time against the scenario
    count."""
    folder = workers_alone(bench)["folder"]
    log("[analysis] report on {}".format(", ".join(p.name for p in pipeline.artifact_files(folder))))
    imports = bench.time(bench.command(RUN_ENV, "analysis-imports", ["-c", pipeline.imports_code()]))
    load = bench.time(bench.command(RUN_ENV, "analysis-load", ["-c", pipeline.load_code(folder)]))
    report = bench.time(report_command(bench, folder, "all"))
    names = pipeline.scenario_names(folder)
    sizes = []
    for copies in pipeline.COPIES:
        part = pipeline.replicate(folder, bench.scratch / "copies" / str(copies), copies)
        sizes.append(
            {"scenarios": copies * len(names), "report": bench.time(report_command(bench, part, f"x{copies}"), 1)}
        )
    return {
        "scenarios": len(names),
        "artifacts": [p.name for p in pipeline.artifact_files(folder)],
        "host_libs": list(pipeline.HOST_LIBS),
        "imports": imports,
        "load": load,
        "report": report,
        "sizes": sizes,
        "exponent": report_exponent(sizes, seconds(imports)),
    }


def report_exponent(sizes: Sequence[Dict[str, Any]], imports: Optional[float]) -> Optional[float]:
    """b of (report - imports) ~ scenarios^b: the fixed cost of starting Python and importing the host
    libraries taken out, so it cannot hide a super-linear term."""
    rows = [
        (s["scenarios"], seconds(s["report"]) - (imports or 0.0)) for s in sizes if seconds(s["report"]) is not None
    ]
    fit = pipeline.fit_power(rows)
    return None if fit is None else round(fit, 3)


def measure_run(bench: Bench) -> Dict[str, Any]:
    """Warm ``tox -e run`` on the suite (once), after the same workers timed alone and the report alone.
    Warm as a user's second run is: one untimed ``tox -e run`` first, so the envs exist, their files are
    cached and each env's last time is on record for the runner's start order."""
    alone = workers_alone(bench)
    report = bench.time(report_command(bench, alone["folder"], "alone"), 1)
    log(f"[run] tox -e run on the {suite_label(bench.args.suite)}, once to warm up, then timed")
    warm_up = bench.time(tox_run_command(bench, "warm-up"), 1)
    tox_run = bench.time(tox_run_command(bench, "timed"), 1)
    return {
        "envs": list(bench.args.run_envs),
        "cores": os.cpu_count(),
        "workers": alone["workers"],
        "report": report,
        "warm_up": warm_up,
        "tox_run": tox_run,
    }


def tox_run_command(bench: Bench, label: str) -> Command:
    out = bench.scratch / ("tox-run-" + label)
    argv = [
        sys.executable,
        "-m",
        "tox",
        "run",
        "-c",
        str(measure.REPO / "tox.ini"),
        "-e",
        RUN_ENV,
        "--",
        "--out",
        str(out),
        "--envs",
        ",".join(bench.args.run_envs),
    ] + scenario_args(bench.args.suite)
    return Command(argv, {}, "tox-run-" + label)
