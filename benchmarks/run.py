"""Measure the worker against honest floors, per env, in one run; print PASS/FAIL per target (issue 6).

    python -m benchmarks.run [--quick] [--parts envs,matrix,grid,production,analysis,run]
                             [--envs tf115,tf215,...] [--grid-env tf215] [--grid-units 64,256,1024]
                             [--production NAME,...] [--run-envs tf11,tf115,...] [--out DIR]

Runs on the host Python from the repo root and times fresh processes of the tox envs' Pythons
(``.tox/ENV/bin/python``; create them first with ``tox -m matrix``):

* floor A: ``import tensorflow`` alone;
* floor B: ``python -m benchmarks.floor``, the bare TF script for the same scenarios and routes;
* the worker: ``python -m backends.worker --routes tf1,keras`` (the routes floor B builds);
* per env on the default suite, and on the scaling grid (``benchmarks/grid.py``) in one env;
* the matrix: three warm envs run one after another, then all at once;
* the production points (``benchmarks/production.toml``: real model sizes at 32 seeds) in tf115;
* analysis: ``rnncompare report`` on the suite's artifacts against importing the host libraries and
  ``json.load``ing those artifacts, and on 1, 2, 4, ... of their scenarios (``benchmarks/pipeline.py``);
* run: warm ``tox -e run`` on the suite against its env workers, each timed alone in the same run.

``--parts`` runs some of these only; a target whose part did not run says NOT RUN.

Writes ``DIR/latest.json`` and ``DIR/latest.md`` (default DIR: ``benchmarks/results``).
Exit code 0 when every target holds, 1 when one fails, 2 on bad arguments.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

from benchmarks import grid, measure, pipeline, production
from benchmarks.measure import Command, Timing
from benchmarks.targets import (
    LINEAR_EXPONENT,
    MEMORY_VS_FEW_SEEDS,
    MEMORY_VS_FLOOR,
    MIN_NET_SECONDS,
    OVERHEAD_VS_INIT,
    PARALLEL_VS_SERIAL,
    REPORT_VS_LOAD,
    RUN_VS_WORKERS,
    WORKER_VS_FLOOR,
    Target,
    fit_exponents,
    not_run,
    ratio,
    worst,
)
from compare.host.envs import matrix as toxini

NO_FLOORS = ("tf11",)  # TensorFlow 1.1 predates the tf.compat / tf.keras API the bare floor scripts use
ALL_ENVS = tuple(env for env in toxini.matrix() if env not in NO_FLOORS)
MATRIX_ENVS = ("tf115", "tf215", "tf221-legacy")  # the three envs that build both routes
ROUTES = "tf1,keras"
RESULTS = Path(__file__).resolve().parent / "results"
TINY_SUITE = Path(__file__).resolve().parent / "tiny.toml"
PRODUCTION = Path(__file__).resolve().parent / "production.toml"
PRODUCTION_QUICK = Path(__file__).resolve().parent / "production-quick.toml"
PARTS = ("envs", "matrix", "grid", "production", "analysis", "run")
RUN_ENV = "run"  # tox.ini's host env of `tox -e run` (rnncompare run): its Python makes the report
SCHEMA = "rnncompare/benchmark"
VERSION = 1
BUSY_LOAD = 0.5


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class Bench:
    """One benchmark run: the envs' variables, scratch space and the repeat policy, shared by every measurement."""

    def __init__(self, args: argparse.Namespace, scratch: Path) -> None:
        self.args = args
        self.scratch = scratch
        self.logs = scratch / "logs"
        self.logs.mkdir()
        self.variables = measure.tox_set_env(wanted_envs(args))
        self.alone: Optional[Dict[str, Any]] = None  # the suite's workers run alone (analysis, run)

    def command(self, env: str, label: str, argv: Sequence[str]) -> Command:
        return Command([str(measure.env_python(env))] + list(argv), self.variables[env], env + "-" + label)

    def time(self, command: Command, repeat: Optional[int] = None) -> Timing:
        return self.in_turns([command], repeat)[0]

    def in_turns(self, commands: Sequence[Command], repeat: Optional[int] = None) -> List[Timing]:
        """Best of ``repeat`` (default ``--repeat``) runs of each command, the commands taking turns."""
        timings = measure.measure_in_turns(commands, self.logs, repeat or self.args.repeat)
        for command, timing in zip(commands, timings):
            shown = "{:.2f} s, {:.0f} MB, runs {}".format(timing.seconds, timing.peak_mb, timing.runs) \
                if timing.status == "ok" else timing.status + ": " + timing.reason
            log("  {:<40} {}".format(command.label, shown))
        return timings

    def floor_a_command(self, env: str) -> Command:
        return self.command(env, "floor-a", ["-c", "import tensorflow"])

    def floor_a(self, env: str) -> Timing:
        return self.time(self.floor_a_command(env))

    def floor_b_command(self, env: str, label: str, routes: str, scenarios: Optional[Path] = None) -> Command:
        argv = ["-m", "benchmarks.floor", "--routes", routes] + scenario_args(scenarios)
        return self.command(env, "floor-b-" + label, argv)

    def worker_command(self, env: str, label: str, routes: str, scenarios: Optional[Path] = None) -> Command:
        out = self.scratch / "out" / (env + "-" + label + ".json")
        out.parent.mkdir(exist_ok=True)
        argv = ["-m", "backends.worker", "--routes", routes, "--out", str(out)] + scenario_args(scenarios)
        return self.command(env, "worker-" + label, argv)

    def floor_b_and_worker(self, env: str, label: str, routes: str, scenarios: Optional[Path] = None,
                           repeat: Optional[int] = None) -> Dict[str, Timing]:
        """Floor B and the worker on the same scenarios and routes, taking turns."""
        floor_b, worker = self.in_turns([self.floor_b_command(env, label, routes, scenarios),
                                         self.worker_command(env, label, routes, scenarios)], repeat)
        return {"floor_b": floor_b, "worker": worker}


def scenario_args(scenarios: Optional[Path]) -> List[str]:
    return [] if scenarios is None else ["--scenarios", str(scenarios)]


# ------------------------------------------------------------------ the measurements
def measure_envs(bench: Bench) -> Dict[str, Dict[str, Any]]:
    """Floors A and B and the worker on the default suite, in every env."""
    found = {}
    for env in bench.args.envs:
        log("[{}] default suite".format(env))
        suite = bench.args.suite
        floor_a, floor_b, worker = bench.in_turns([bench.floor_a_command(env),
                                                   bench.floor_b_command(env, "default", ROUTES, suite),
                                                   bench.worker_command(env, "default", ROUTES, suite)])
        found[env] = {"floor_a": floor_a, "floor_b": floor_b, "worker": worker}
    return found


def measure_matrix(bench: Bench) -> Dict[str, Any]:
    """Warm envs one after another (their sum), then all started at once (wall time to the last)."""
    envs = list(bench.args.matrix_envs)
    commands = [bench.worker_command(env, "matrix{}".format(i), ROUTES, bench.args.suite)
                for i, env in enumerate(envs)]
    log("[matrix] {} serial, then parallel".format(", ".join(envs)))
    serial = []
    for command in commands:
        timing = measure.measure(command, bench.logs, 1)
        log("  {:<40} {}".format(command.label + " serial", timing.seconds if timing.status == "ok" else timing.reason))
        serial.append(timing)
    parallel = measure.run_together(commands, bench.logs)
    log("  {:<40} {}".format("parallel", parallel.seconds if parallel.status == "ok" else parallel.reason))
    total = None if any(t.status != "ok" for t in serial) else sum(t.seconds for t in serial)
    return {"envs": envs, "cores": os.cpu_count(), "serial": serial, "serial_sum": total, "parallel": parallel}


def measure_grid(bench: Bench, floor_a: Timing) -> Dict[str, Any]:
    """Every grid point in one env: floor B and the worker, each as its own process, route by route."""
    env = bench.args.grid_env
    folder = bench.scratch / "grid"
    folder.mkdir()
    points = []
    for point in grid.points(folder, bench.args.quick, sizes=bench.args.grid_units):
        log("[{}] grid {}".format(env, point.label))
        entry: Dict[str, Any] = {"route": point.route, "cell": point.cell, "units": point.units,
                                 "seeds": point.seeds, "skipped": point.skipped}
        if point.skipped:
            log("  skipped: " + point.skipped)
        else:
            entry.update(bench.floor_b_and_worker(env, point.label, point.route, point.scenarios,
                                                  bench.args.grid_repeat))
        points.append(entry)
    return {"env": env, "floor_a": floor_a, "input_dim": grid.INPUT_DIM, "points": points}


def measure_production(bench: Bench) -> Dict[str, Any]:
    """Every production point in one env: floor B and the worker with routes tf1 and keras, each a fresh process."""
    env = bench.args.production_env
    folder = bench.scratch / "production"
    folder.mkdir()
    points = []
    for point in production.points(bench.args.production_file, folder, bench.args.production):
        log("[{}] production {}".format(env, point.name))
        timings = bench.floor_b_and_worker(env, point.name, ROUTES, point.scenarios, bench.args.production_repeat)
        points.append({"name": point.name, "description": point.description, "seeds": point.seeds, **timings})
    return {"env": env, "routes": ROUTES, "points": points}


def workers_alone(bench: Bench) -> Dict[str, Any]:
    """Every run env's worker on the suite, one at a time, as ``tox -e run`` starts it (all routes), once
    each; their artifacts are what the analysis part reports on. Measured once per benchmark run."""
    if bench.alone is None:
        folder = bench.scratch / "alone"
        folder.mkdir()
        log("[run envs] workers alone on the {}: {}".format(suite_label(bench.args.suite),
                                                            ", ".join(bench.args.run_envs)))
        timings = {}
        for env in bench.args.run_envs:
            argv = ["-m", "backends.worker", "--out", str(folder / (env + ".json"))] + scenario_args(bench.args.suite)
            timings[env] = bench.time(bench.command(env, "alone", argv), 1)
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
    alone = workers_alone(bench)
    folder = alone["folder"]
    log("[analysis] report on {}".format(", ".join(p.name for p in pipeline.artifact_files(folder))))
    imports = bench.time(bench.command(RUN_ENV, "analysis-imports", ["-c", pipeline.imports_code()]))
    load = bench.time(bench.command(RUN_ENV, "analysis-load", ["-c", pipeline.load_code(folder)]))
    report = bench.time(report_command(bench, folder, "all"))
    names = pipeline.scenario_names(folder)
    sizes = []
    for copies in pipeline.COPIES:
        part = pipeline.replicate(folder, bench.scratch / "copies" / str(copies), copies)
        sizes.append({"scenarios": copies * len(names),
                      "report": bench.time(report_command(bench, part, "x{}".format(copies)), 1)})
    return {"scenarios": len(names), "artifacts": [p.name for p in pipeline.artifact_files(folder)],
            "host_libs": list(pipeline.HOST_LIBS), "imports": imports, "load": load, "report": report,
            "sizes": sizes, "exponent": report_exponent(sizes, seconds(imports))}


def report_exponent(sizes: Sequence[Dict[str, Any]], imports: Optional[float]) -> Optional[float]:
    """b of (report - imports) ~ scenarios^b: the fixed cost of starting Python and importing the host
    libraries taken out, so it cannot hide a super-linear term."""
    rows = [(s["scenarios"], seconds(s["report"]) - (imports or 0.0)) for s in sizes
            if seconds(s["report"]) is not None]
    fit = pipeline.fit_power(rows)
    return None if fit is None else round(fit, 3)


def measure_run(bench: Bench) -> Dict[str, Any]:
    """Warm ``tox -e run`` on the suite (once), after the same workers timed alone and the report alone.
    Warm as a user's second run is: one untimed ``tox -e run`` first, so the envs exist, their files are
    cached and each env's last time is on record for the runner's start order."""
    alone = workers_alone(bench)
    report = bench.time(report_command(bench, alone["folder"], "alone"), 1)
    log("[run] tox -e run on the {}, once to warm up, then timed".format(suite_label(bench.args.suite)))
    warm_up = bench.time(tox_run_command(bench, "warm-up"), 1)
    tox_run = bench.time(tox_run_command(bench, "timed"), 1)
    return {"envs": list(bench.args.run_envs), "cores": os.cpu_count(), "workers": alone["workers"],
            "report": report, "warm_up": warm_up, "tox_run": tox_run}


def tox_run_command(bench: Bench, label: str) -> Command:
    out = bench.scratch / ("tox-run-" + label)
    argv = [sys.executable, "-m", "tox", "run", "-c", str(measure.REPO / "tox.ini"), "-e", RUN_ENV, "--",
            "--out", str(out), "--envs", ",".join(bench.args.run_envs)] + scenario_args(bench.args.suite)
    return Command(argv, {}, "tox-run-" + label)


# ------------------------------------------------------------------ targets
def seconds(timing: Any) -> Optional[float]:
    """A Timing's (or its JSON dict's) best time; None when it failed or never ran."""
    return _field(timing, "seconds")


def peak(timing: Any) -> Optional[float]:
    return _field(timing, "peak_mb")


def _field(timing: Any, name: str) -> Optional[float]:
    if isinstance(timing, dict):
        timing = Timing(**timing)
    return getattr(timing, name) if timing is not None and timing.status == "ok" else None


def ran(points: Sequence[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return [p for p in points if not p["skipped"]]


def point_name(p: Dict[str, Any]) -> str:
    return "{} {} u{} s{}".format(p["route"], p["cell"], p["units"], p["seeds"])


def overhead_ratio(p: Dict[str, Any], floor_a: Optional[float]) -> Optional[float]:
    """(worker - floor B) / (floor B - floor A): what statistics add, per unit of initialization cost.

    The cost is floored at MIN_NET_SECONDS: on tiny grids floor B is within noise of floor A, and a
    huge ratio says that more truthfully than none.
    """
    worker, floor_b = seconds(p.get("worker")), seconds(p.get("floor_b"))
    if worker is None or floor_b is None or floor_a is None:
        return None
    return ratio(worker - floor_b, max(floor_b - floor_a, MIN_NET_SECONDS))


def scaling(grid_result: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    """Exponents b, c of net time (t - floor A) ~ units^b * seeds^c, per route and cell, worker and floor B."""
    floor_a = seconds(grid_result["floor_a"]) or 0.0
    fits: Dict[str, Dict[str, Any]] = {}
    for p in ran(grid_result["points"]):
        key = p["route"] + "/" + p["cell"]
        for system in ("worker", "floor_b"):
            t = seconds(p.get(system))
            if t is not None:
                fits.setdefault(key, {}).setdefault(system, []).append((p["units"], p["seeds"], t - floor_a))
    result = {}
    for key, systems in sorted(fits.items()):
        result[key] = {}
        for system, rows in systems.items():
            fit = fit_exponents(rows)
            result[key][system] = {"points": len(rows), "units_exp": None if fit is None else round(fit[0], 3),
                                   "seeds_exp": None if fit is None else round(fit[1], 3)}
    return result


def suite_label(suite: Optional[Path]) -> str:
    return "default suite" if suite is None else Path(suite).name


def targets(doc: Dict[str, Any], suite: str) -> List[Target]:
    """Every target of the issues; those whose part did not run are NOT RUN."""
    envs, matrix, grid_result, prod = doc["envs"], doc["matrix"], doc["grid"], doc["production"]
    found = [worker_target(envs, suite), overhead_target(grid_result), matrix_target(matrix),
             memory_target(envs, grid_result), seeds_memory_target(grid_result)]
    found += production_targets(prod)
    found += analysis_targets(doc.get("analysis"))
    found.append(run_target(doc.get("run")))
    found.append(scaling_target(doc["scaling"]) if grid_result else not_run("time growth stated from the grid", None,
                                                                            "grid"))
    return found


def worker_target(envs: Dict[str, Any], suite: str) -> Target:
    name = "worker <= 1.3 x floor B ({})".format(suite)
    if not envs:
        return not_run(name, WORKER_VS_FLOOR, "envs")
    return worst(name, WORKER_VS_FLOOR, [(env, ratio(seconds(m["worker"]), seconds(m["floor_b"])))
                                         for env, m in envs.items()], "worker / floor B per env")


def overhead_target(grid_result: Optional[Dict[str, Any]]) -> Target:
    if not grid_result:
        return not_run("statistics overhead <= 1 x initialization cost (largest units)", OVERHEAD_VS_INIT, "grid")
    points = ran(grid_result["points"])
    floor_a = seconds(grid_result["floor_a"])
    top_units = max((p["units"] for p in points), default=0)
    return worst("statistics overhead <= 1 x initialization cost (units {})".format(top_units), OVERHEAD_VS_INIT,
                 [(point_name(p), overhead_ratio(p, floor_a)) for p in points if p["units"] == top_units],
                 "(worker - floor B) / (floor B - floor A) in {}".format(grid_result["env"]))


def matrix_target(matrix: Optional[Dict[str, Any]]) -> Target:
    if not matrix:
        return not_run("warm 3-env matrix parallel <= 0.7 x serial", PARALLEL_VS_SERIAL, "matrix")
    return worst("warm {}-env matrix parallel <= 0.7 x serial".format(len(matrix["envs"])), PARALLEL_VS_SERIAL,
                 [("{} on {} cores".format("+".join(matrix["envs"]), matrix["cores"]),
                   ratio(seconds(matrix["parallel"]), matrix["serial_sum"]))], "parallel wall time / serial sum")


def memory_target(envs: Dict[str, Any], grid_result: Optional[Dict[str, Any]]) -> Target:
    name = "worker peak memory <= 1.5 x floor B"
    memory = [(env, ratio(peak(m["worker"]), peak(m["floor_b"]))) for env, m in envs.items()]
    memory += [(point_name(p), ratio(peak(p.get("worker")), peak(p.get("floor_b"))))
               for p in ran(grid_result["points"] if grid_result else [])]
    if not memory:
        return not_run(name, MEMORY_VS_FLOOR, "envs, grid")
    return worst(name, MEMORY_VS_FLOOR, memory, "peak RSS worker / floor B")


def seeds_memory_target(grid_result: Optional[Dict[str, Any]]) -> Target:
    """Peak memory at the grid's most seeds against its fewest, for every (route, cell, units) that ran both."""
    name = "worker peak memory at most seeds <= 1.1 x at fewest seeds"
    if not grid_result:
        return not_run(name, MEMORY_VS_FEW_SEEDS, "grid")
    points = ran(grid_result["points"])
    pairs = []
    for key in sorted({(p["route"], p["cell"], p["units"]) for p in points}):
        same = sorted((p for p in points if (p["route"], p["cell"], p["units"]) == key), key=lambda p: p["seeds"])
        if len(same) > 1:
            few, most = same[0], same[-1]
            pairs.append(("{} {} u{} s{}/s{}".format(key[0], key[1], key[2], most["seeds"], few["seeds"]),
                          ratio(peak(most.get("worker")), peak(few.get("worker")))))
    return worst(name, MEMORY_VS_FEW_SEEDS, pairs, "peak RSS of the worker, most / fewest seeds in {}".format(
        grid_result["env"]))


def production_targets(prod: Optional[Dict[str, Any]]) -> List[Target]:
    time_name, memory_name = "production: worker <= 1.3 x floor B", "production: worker peak memory <= 1.5 x floor B"
    if not prod:
        return [not_run(time_name, WORKER_VS_FLOOR, "production"), not_run(memory_name, MEMORY_VS_FLOOR, "production")]
    where = "in {}, routes {}".format(prod["env"], prod["routes"])
    return [
        worst(time_name, WORKER_VS_FLOOR, [(p["name"], ratio(seconds(p["worker"]), seconds(p["floor_b"])))
                                           for p in prod["points"]], "worker / floor B " + where),
        worst(memory_name, MEMORY_VS_FLOOR, [(p["name"], ratio(peak(p["worker"]), peak(p["floor_b"])))
                                             for p in prod["points"]], "peak RSS worker / floor B " + where),
    ]


def analysis_targets(analysis: Optional[Dict[str, Any]]) -> List[Target]:
    load_name = "report <= 3 x (json.load of its artifacts + host imports)"
    linear_name = "report time linear in scenarios (fitted exponent <= 1.1)"
    if not analysis:
        return [not_run(load_name, REPORT_VS_LOAD, "analysis"), not_run(linear_name, LINEAR_EXPONENT, "analysis")]
    where = "{} scenarios, {} artifacts".format(analysis["scenarios"], len(analysis["artifacts"]))
    sizes = ", ".join("{}: {} s".format(s["scenarios"], fmt(seconds(s["report"]))) for s in analysis["sizes"])
    exponent = analysis["exponent"]
    linear = Target(linear_name, LINEAR_EXPONENT, exponent, "FAIL", "cannot fit: " + (sizes or "nothing measured"))
    if exponent is not None:
        linear = Target(linear_name, LINEAR_EXPONENT, exponent, "PASS" if exponent <= LINEAR_EXPONENT else "FAIL",
                        "(report - host imports) ~ scenarios^b, least squares on logs; report s per scenario "
                        "count: " + sizes)
    return [worst(load_name, REPORT_VS_LOAD, [(where, ratio(seconds(analysis["report"]), seconds(analysis["load"])))],
                  "report / (fresh process: import {} + json.load every artifact)".format(
                      ", ".join(analysis["host_libs"]))), linear]


def run_target(run_result: Optional[Dict[str, Any]]) -> Target:
    """(tox -e run - report) / max(slowest worker, sum of workers / cores) <= 1.2, all measured in this run."""
    name = "warm tox -e run <= 1.2 x max(slowest worker, sum / cores) + report"
    if not run_result:
        return not_run(name, RUN_VS_WORKERS, "run")
    workers = [seconds(t) for t in run_result["workers"].values()]
    report, tox_run = seconds(run_result["report"]), seconds(run_result["tox_run"])
    if None in workers or report is None or tox_run is None:
        return worst(name, RUN_VS_WORKERS, [("tox -e run", None)], "")
    bound = max(max(workers), sum(workers) / run_result["cores"])
    return worst(name, RUN_VS_WORKERS, [("{} envs on {} cores".format(len(workers), run_result["cores"]),
                                         ratio(tox_run - report, bound))],
                 "(tox -e run {} s - report {} s) / max(slowest worker {} s, sum {} s / {} cores)".format(
                     fmt(tox_run), fmt(report), fmt(max(workers)), fmt(sum(workers)), run_result["cores"]))


def scaling_target(fits: Dict[str, Dict[str, Any]]) -> Target:
    """Stated, not judged: the exponents of the worker (and of floor B beside them) from the grid."""
    parts, missing = [], []
    for key, systems in fits.items():
        w, b = systems.get("worker", {}), systems.get("floor_b", {})
        if w.get("units_exp") is None or b.get("units_exp") is None:
            missing.append(key)
            continue
        parts.append("{}: worker ~ units^{:.2f} seeds^{:.2f} (floor B units^{:.2f} seeds^{:.2f})".format(
            key, w["units_exp"], w["seeds_exp"], b["units_exp"], b["seeds_exp"]))
    if missing or not parts:
        return Target("time growth stated from the grid", None, None, "FAIL",
                      "cannot fit: " + (", ".join(missing) or "no grid points"))
    top = max(systems["worker"]["seeds_exp"] for systems in fits.values())
    return Target("time growth stated from the grid", None, round(top, 3), "STATED",
                  "net time (t - floor A) fitted by least squares on logs; " + "; ".join(parts))


# ------------------------------------------------------------------ output
def machine() -> Dict[str, Any]:
    return {"platform": platform.platform(), "cpu": cpu_model(), "cores": os.cpu_count(),
            "memory_gb": memory_gb(), "host_python": platform.python_version(), "load_before": load()}


def load() -> List[float]:
    """1/5/15-minute load averages: a busy machine (another tox run) inflates every time; look here first."""
    return [round(x, 2) for x in os.getloadavg()]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_gb() -> Optional[float]:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2 ** 20, 1)
    except OSError:
        pass
    return None


def jsonable(value: Any) -> Any:
    if isinstance(value, (Timing, Target)):
        return value.to_dict()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def fmt(value: Optional[float], digits: int = 2) -> str:
    return "–" if value is None else "{:.{}f}".format(value, digits)


def markdown(doc: Dict[str, Any]) -> str:
    """The tables README carries: targets, per env, matrix, grid, exponents."""
    m = doc["machine"]
    o = doc["options"]
    lines = ["Measured {} on {} ({} cores, {} GB RAM, {}; load {} before, {} after); parts {}; best of {} runs "
             "(grid: {}, production: {}); {:.0f} s in all.".format(
                 doc["finished"][:10], m["cpu"], m["cores"], m["memory_gb"], m["platform"], m["load_before"][0],
                 m["load_after"][0], ",".join(o["parts"]), o["repeat"], o.get("grid_repeat", o["repeat"]),
                 o["production_repeat"], doc["seconds_total"]), ""]
    lines += ["| target | limit | measured | verdict | detail |", "|---|---|---|---|---|"]
    for t in doc["targets"]:
        lines.append("| {} | {} | {} | **{}** | {} |".format(t["name"], fmt(t["limit"], 1), fmt(t["ratio"]),
                                                              t["status"], t["detail"]))
    if doc["envs"]:
        lines += env_lines(doc["envs"], doc["suite"])
    if doc["matrix"]:
        lines += matrix_lines(doc["matrix"])
    if doc["grid"]:
        lines += grid_lines(doc["grid"]) + scaling_lines(doc["scaling"])
    if doc["production"]:
        lines += production_lines(doc["production"])
    if doc.get("analysis"):
        lines += analysis_lines(doc["analysis"])
    if doc.get("run"):
        lines += run_lines(doc["run"])
    return "\n".join(lines) + "\n"


def env_lines(envs: Dict[str, Any], suite: str) -> List[str]:
    lines = ["", "Per env, {}:".format(suite), "",
             "| env | floor A s | floor B s | worker s | worker / B | peak MB A | peak MB B | peak MB worker |",
             "|---|---|---|---|---|---|---|---|"]
    for env, e in envs.items():
        a, b, w = (e[k] for k in ("floor_a", "floor_b", "worker"))
        lines.append("| {} | {} | {} | {} | {} | {} | {} | {} |".format(
            env, fmt(a["seconds"]), fmt(b["seconds"]), fmt(w["seconds"]), fmt(ratio(w["seconds"], b["seconds"])),
            fmt(a["peak_mb"], 0), fmt(b["peak_mb"], 0), fmt(w["peak_mb"], 0)))
    return lines


def production_lines(prod: Dict[str, Any]) -> List[str]:
    lines = ["", "Production points in {} (routes {}):".format(prod["env"], prod["routes"]), "",
             "| point | what | seeds | floor B s | worker s | worker / B | peak MB B | peak MB worker | memory / B |",
             "|---|---|---|---|---|---|---|---|---|"]
    for p in prod["points"]:
        b, w = p["floor_b"], p["worker"]
        lines.append("| {} | {} | {} | {} | {} | {} | {} | {} | {} |".format(
            p["name"], p["description"], p["seeds"], fmt(b["seconds"]), fmt(w["seconds"]),
            fmt(ratio(w["seconds"], b["seconds"])), fmt(b["peak_mb"], 0), fmt(w["peak_mb"], 0),
            fmt(ratio(w["peak_mb"], b["peak_mb"]))))
    return lines


def analysis_lines(a: Dict[str, Any]) -> List[str]:
    lines = ["", "Analysis ({} scenarios, artifacts {}): import host libraries {} s; + json.load of the artifacts "
             "{} s; rnncompare report {} s (peak {} MB); ratio {}.".format(
                 a["scenarios"], ", ".join(a["artifacts"]), fmt(seconds(a["imports"])), fmt(seconds(a["load"])),
                 fmt(seconds(a["report"])), fmt(peak(a["report"]), 0),
                 fmt(ratio(seconds(a["report"]), seconds(a["load"])))), "",
             "| scenarios | report s |", "|---|---|"]
    lines += ["| {} | {} |".format(s["scenarios"], fmt(seconds(s["report"]))) for s in a["sizes"]]
    return lines + ["", "Fitted exponent of (report - imports) against scenarios: {}.".format(fmt(a["exponent"]))]


def run_lines(r: Dict[str, Any]) -> List[str]:
    workers = ", ".join("{} {}".format(env, fmt(seconds(t))) for env, t in r["workers"].items())
    return ["", "Run ({} cores): workers alone {} s; report alone {} s; tox -e run {} s to warm up, then "
                "{} s warm.".format(r["cores"], workers, fmt(seconds(r["report"])), fmt(seconds(r["warm_up"])),
                                    fmt(seconds(r["tox_run"])))]


def matrix_lines(mx: Dict[str, Any]) -> List[str]:
    serial = " + ".join("{} {}".format(env, fmt(t["seconds"])) for env, t in zip(mx["envs"], mx["serial"]))
    return ["", "Matrix ({} cores): serial {} = {} s; parallel {} s; ratio {}.".format(
        mx["cores"], serial, fmt(mx["serial_sum"]), fmt(mx["parallel"]["seconds"]),
        fmt(ratio(mx["parallel"]["seconds"], mx["serial_sum"])))]


def grid_lines(g: Dict[str, Any]) -> List[str]:
    floor_a = g["floor_a"]["seconds"]
    lines = ["", "Grid in {} (2 layers, bidirectional, input_dim {}; floor A {} s):".format(
        g["env"], g["input_dim"], fmt(floor_a)), "",
        "| route | cell | units | seeds | floor B s | worker s | worker / B | overhead / init | peak MB B | "
        "peak MB worker |", "|---|---|---|---|---|---|---|---|---|---|"]
    for p in g["points"]:
        if p["skipped"]:
            lines.append("| {} | {} | {} | {} | skipped: refused by the worker's memory guard | | | | | |".format(
                p["route"], p["cell"], p["units"], p["seeds"]))
            continue
        b, w = p["floor_b"], p["worker"]
        over = overhead_ratio(p, floor_a)
        lines.append("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |".format(
            p["route"], p["cell"], p["units"], p["seeds"], fmt(b["seconds"]), fmt(w["seconds"]),
            fmt(ratio(w["seconds"], b["seconds"])), fmt(over), fmt(b["peak_mb"], 0), fmt(w["peak_mb"], 0)))
    return lines


def scaling_lines(fits: Dict[str, Dict[str, Any]]) -> List[str]:
    lines = ["", "Net time (t − floor A) ~ units^b · seeds^c, least squares on logs:", "",
             "| route/cell | worker b (units) | worker c (seeds) | floor B b | floor B c |", "|---|---|---|---|---|"]
    for key, s in fits.items():
        w, b = s.get("worker", {}), s.get("floor_b", {})
        lines.append("| {} | {} | {} | {} | {} |".format(key, fmt(w.get("units_exp")), fmt(w.get("seeds_exp")),
                                                        fmt(b.get("units_exp")), fmt(b.get("seeds_exp"))))
    return lines


def write(out_dir: Path, doc: Dict[str, Any], text: str) -> None:
    """Both files atomically (a failed run never leaves half a latest.json)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, content in (("latest.json", json.dumps(doc, indent=2) + "\n"), ("latest.md", text)):
        partial = out_dir / (name + ".partial")
        partial.write_text(content, encoding="utf-8")
        os.replace(str(partial), str(out_dir / name))


# ------------------------------------------------------------------ main
def choice_list(kind: str, allowed: Sequence[str]) -> Callable[[str], List[str]]:
    """An argparse type: comma-separated names, each one of ``allowed``."""
    def parse(text: str) -> List[str]:
        names = [n for n in text.split(",") if n]
        unknown = [n for n in names if n not in allowed]
        if unknown or not names:
            raise argparse.ArgumentTypeError("unknown {} {!r} ({}s: {})".format(
                kind, unknown[0] if unknown else text, kind, ", ".join(allowed)))
        return names
    return parse


env_list = choice_list("env", ALL_ENVS)
run_env_list = choice_list("env", toxini.matrix())
part_list = choice_list("part", PARTS)


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="tiny suite and grid, matrix of the first env three times, 1 run")
    parser.add_argument("--suite", type=Path,
                        help="scenario file for floors, worker and matrix (default: the built-in suite; "
                             "--quick: benchmarks/tiny.toml)")
    parser.add_argument("--envs", type=env_list, help="envs for floors and the default suite (default: all four)")
    parser.add_argument("--grid-env", help="env for the scaling grid (default: tf215; --quick: the first env)")
    parser.add_argument("--matrix-envs", type=env_list,
                        help="three warm envs for the matrix (default: tf115,tf215,tf221-legacy)")
    parser.add_argument("--repeat", type=int, help="runs per case, best kept (default 5; --quick 1)")
    parser.add_argument("--grid-repeat", type=int, default=1,
                        help="runs per grid point (default 1: the log-log fit over the grid absorbs the noise)")
    parser.add_argument("--production-repeat", type=int,
                        help="runs per production point, best kept (default 3: one ratio of two half-minute runs, "
                             "which vary by about 10 %% from run to run here; --quick 1)")
    parser.add_argument("--parts", type=part_list, default=list(PARTS),
                        help="what to measure (default: all of {})".format(",".join(PARTS)))
    parser.add_argument("--grid-units", type=int_list,
                        help="units of the grid (default: {}; --quick: {})".format(
                            ",".join(map(str, grid.FULL["units"])), ",".join(map(str, grid.QUICK["units"]))))
    parser.add_argument("--production", type=lambda t: [n for n in t.split(",") if n],
                        help="production points to run, by name (default: all in benchmarks/production.toml)")
    parser.add_argument("--production-env", help="env for the production points (default: tf115; --quick: the "
                                                 "first env)")
    parser.add_argument("--run-envs", type=run_env_list,
                        help="envs of the analysis and run parts (default: tox.ini's matrix label, as `tox -e run`; "
                             "--quick: the first env)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for latest.json and latest.md")
    args = parser.parse_args(argv)
    args.envs = args.envs or list(ALL_ENVS)
    args.grid_env = args.grid_env or (args.envs[0] if args.quick else "tf215")
    args.matrix_envs = args.matrix_envs or ([args.envs[0]] * 3 if args.quick else list(MATRIX_ENVS))
    args.repeat = args.repeat or (1 if args.quick else 5)
    args.production_repeat = args.production_repeat or (1 if args.quick else 3)
    args.suite = args.suite.resolve() if args.suite else (TINY_SUITE if args.quick else None)
    args.production_env = args.production_env or (args.envs[0] if args.quick else "tf115")
    args.production_file = PRODUCTION_QUICK if args.quick else PRODUCTION
    args.run_envs = args.run_envs or ([args.envs[0]] if args.quick else list(toxini.matrix()))
    return args


def wanted_envs(args: argparse.Namespace) -> List[str]:
    """Every tox env the asked-for parts start a Python of."""
    parts = set(args.parts)
    wanted = set()
    if "envs" in parts:
        wanted |= set(args.envs)
    if "grid" in parts:
        wanted.add(args.grid_env)
    if "production" in parts:
        wanted.add(args.production_env)
    if "matrix" in parts:
        wanted |= set(args.matrix_envs)
    if parts & {"analysis", "run"}:
        wanted |= set(args.run_envs) | {RUN_ENV}
    return sorted(wanted)


def int_list(text: str) -> List[int]:
    try:
        return [int(n) for n in text.split(",") if n]
    except ValueError:
        raise argparse.ArgumentTypeError("expected numbers separated by commas, got {!r}".format(text)) from None


def missing_envs(args: argparse.Namespace) -> List[str]:
    return [e for e in wanted_envs(args) if not measure.env_python(e).exists()]


def run(args: argparse.Namespace, scratch: Path) -> Dict[str, Any]:
    started = time.perf_counter()
    host = machine()
    bench = Bench(args, scratch)
    parts = args.parts
    envs = measure_envs(bench) if "envs" in parts else {}
    matrix = measure_matrix(bench) if "matrix" in parts else None
    grid_result = None
    if "grid" in parts:
        floor_a = envs[args.grid_env]["floor_a"] if args.grid_env in envs else bench.floor_a(args.grid_env)
        grid_result = measure_grid(bench, floor_a)
    prod = measure_production(bench) if "production" in parts else None
    analysis = measure_analysis(bench) if "analysis" in parts else None
    run_result = measure_run(bench) if "run" in parts else None
    options = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    host["load_after"] = load()
    doc = {"schema": SCHEMA, "version": VERSION, "machine": host, "options": options,
           "variables": bench.variables, "envs": envs, "matrix": matrix, "grid": grid_result,
           "scaling": scaling(grid_result) if grid_result else {}, "production": prod,
           "analysis": analysis, "run": run_result,
           "suite": suite_label(args.suite)}
    doc["targets"] = targets(jsonable(doc), suite_label(args.suite))
    doc["seconds_total"] = round(time.perf_counter() - started, 1)
    doc["finished"] = datetime.datetime.now().isoformat(timespec="seconds")
    return doc


def main(argv: Optional[List[str]] = None, runner: Callable[..., Dict[str, Any]] = run) -> int:
    args = parse_args(argv)
    missing = missing_envs(args)
    if missing:
        print("error: no tox env {} (hint: create it with `tox run -e {} --notest`, or `tox -m matrix`)".format(
            ", ".join(missing), ",".join(missing)), file=sys.stderr)
        return 2
    if os.getloadavg()[0] > BUSY_LOAD:
        log("warning: load average {:.2f} before starting; other processes will inflate the times".format(
            os.getloadavg()[0]))
    with measure.scratch() as scratch:
        doc = jsonable(runner(args, Path(scratch)))
    text = markdown(doc)
    write(args.out, doc, text)
    print(text)
    for t in doc["targets"]:
        print("{:<7} {:<62} {}".format(t["status"], t["name"], fmt(t["ratio"])))
    print("wrote {} and {} ({:.0f} s)".format(args.out / "latest.json", args.out / "latest.md", doc["seconds_total"]))
    return 1 if any(t["status"] == "FAIL" for t in doc["targets"]) else 0  # NOT RUN is not a failure


if __name__ == "__main__":
    sys.exit(main())
