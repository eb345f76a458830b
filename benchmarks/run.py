"""Measure the worker against honest floors, per env, in one run; print PASS/FAIL per target (issue 6).

    python -m benchmarks.run [--quick] [--parts envs,matrix,grid,production,analysis,run,impact]
                             [--envs tf115,tf215,...] [--grid-env tf215] [--grid-units 64,256,1024]
                             [--production NAME,...] [--run-envs tf11,tf115,...] [--out DIR]

Runs on the host Python from the repo root and times fresh processes of the tox envs' Pythons
(``.tox/ENV/bin/python``; create them first with ``tox -m matrix``). The parts are those of
``benchmarks/parts.py``; a target whose part did not run says NOT RUN.

Writes ``DIR/latest.json`` and ``DIR/latest.md`` (default DIR: ``benchmarks/results``).
Exit code 0 when every target holds, 1 when one fails, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

from benchmarks import grid, measure
from benchmarks.impact_part import impact_target, measure_impact
from benchmarks.machine import load, machine
from benchmarks.markdown import markdown
from benchmarks.parts import (
    Bench,
    log,
    measure_analysis,
    measure_envs,
    measure_grid,
    measure_matrix,
    measure_production,
    measure_run,
    suite_label,
    wanted_envs,
)
from benchmarks.targets import fmt, scaling, targets
from compare.artifact import atomic_write, jsonable
from compare.host.envs import matrix as toxini

# TensorFlow 1.1 predates the tf.compat / tf.keras API the bare floor scripts use; the k3 envs have no TensorFlow
NO_FLOORS = ("tf11", "k3-jax", "k3-torch")
ALL_ENVS = tuple(env for env in toxini.matrix() if env not in NO_FLOORS)
MATRIX_ENVS = ("tf115", "tf215", "tf221-legacy")  # the three envs that build both routes
RESULTS = Path(__file__).resolve().parent / "results"
TINY_SUITE = Path(__file__).resolve().parent / "tiny.toml"
PRODUCTION = Path(__file__).resolve().parent / "production.toml"
PRODUCTION_QUICK = Path(__file__).resolve().parent / "production-quick.toml"
PARTS = ("envs", "matrix", "grid", "production", "analysis", "run", "impact")
SCHEMA = "rnncompare/benchmark"
VERSION = 1
BUSY_LOAD = 0.5


def choice_list(kind: str, allowed: Sequence[str]) -> Callable[[str], List[str]]:
    """An argparse type: comma-separated names, each one of ``allowed``."""

    def parse(text: str) -> List[str]:
        names = [n for n in text.split(",") if n]
        unknown = [n for n in names if n not in allowed]
        if unknown or not names:
            raise argparse.ArgumentTypeError(
                "unknown {} {!r} ({}s: {})".format(kind, unknown[0] if unknown else text, kind, ", ".join(allowed))
            )
        return names

    return parse


env_list = choice_list("env", ALL_ENVS)
run_env_list = choice_list("env", toxini.matrix())
part_list = choice_list("part", PARTS)


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="tiny suite and grid, matrix of the first env three times, 1 run"
    )
    parser.add_argument(
        "--suite",
        type=Path,
        help="scenario file for floors, worker and matrix (default: the built-in suite; --quick: benchmarks/tiny.toml)",
    )
    parser.add_argument("--envs", type=env_list, help="envs for floors and the default suite (default: all four)")
    parser.add_argument("--grid-env", help="env for the scaling grid (default: tf215; --quick: the first env)")
    parser.add_argument(
        "--matrix-envs", type=env_list, help="three warm envs for the matrix (default: tf115,tf215,tf221-legacy)"
    )
    parser.add_argument("--repeat", type=int, help="runs per case, best kept (default 5; --quick 1)")
    parser.add_argument(
        "--grid-repeat",
        type=int,
        default=1,
        help="runs per grid point (default 1: the log-log fit over the grid absorbs the noise)",
    )
    parser.add_argument(
        "--production-repeat",
        type=int,
        help="runs per production point, best kept (default 3: one ratio of two half-minute runs, "
        "which vary by about 10 %% from run to run here; --quick 1)",
    )
    parser.add_argument(
        "--parts",
        type=part_list,
        default=list(PARTS),
        help="what to measure (default: all of {})".format(",".join(PARTS)),
    )
    parser.add_argument(
        "--grid-units",
        type=int_list,
        help="units of the grid (default: {}; --quick: {})".format(
            ",".join(map(str, grid.FULL["units"])), ",".join(map(str, grid.QUICK["units"]))
        ),
    )
    parser.add_argument(
        "--production",
        type=lambda t: [n for n in t.split(",") if n],
        help="production points to run, by name (default: all in benchmarks/production.toml)",
    )
    parser.add_argument(
        "--production-envs",
        type=lambda t: [n for n in t.split(",") if n],
        help="envs of the production points (default: tf115,tf221; --quick: the first env)",
    )
    parser.add_argument(
        "--run-envs",
        type=run_env_list,
        help="envs of the analysis and run parts (default: tox.ini's matrix label, as `tox -e run`; "
        "--quick: the first env)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for latest.json and latest.md")
    args = parser.parse_args(argv)
    args.envs = args.envs or list(ALL_ENVS)
    args.grid_env = args.grid_env or (args.envs[0] if args.quick else "tf215")
    args.matrix_envs = args.matrix_envs or ([args.envs[0]] * 3 if args.quick else list(MATRIX_ENVS))
    args.repeat = args.repeat or (1 if args.quick else 5)
    args.production_repeat = args.production_repeat or (1 if args.quick else 3)
    args.suite = args.suite.resolve() if args.suite else (TINY_SUITE if args.quick else None)
    args.production_envs = args.production_envs or ([args.envs[0]] if args.quick else ["tf115", "tf221"])
    args.production_file = PRODUCTION_QUICK if args.quick else PRODUCTION
    args.run_envs = args.run_envs or ([args.envs[0]] if args.quick else list(toxini.matrix()))
    return args


def int_list(text: str) -> List[int]:
    try:
        return [int(n) for n in text.split(",") if n]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, got {text!r}") from None


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
    impact_result = measure_impact(bench) if "impact" in parts else None
    options = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    host["load_after"] = load()
    doc = {
        "schema": SCHEMA,
        "version": VERSION,
        "machine": host,
        "options": options,
        "variables": bench.variables,
        "envs": envs,
        "matrix": matrix,
        "grid": grid_result,
        "scaling": scaling(grid_result) if grid_result else {},
        "production": prod,
        "analysis": analysis,
        "run": run_result,
        "impact": impact_result,
        "suite": suite_label(args.suite),
    }
    doc["targets"] = targets(jsonable(doc)) + [impact_target(jsonable(impact_result))]
    doc["seconds_total"] = round(time.perf_counter() - started, 1)
    doc["finished"] = datetime.datetime.now().isoformat(timespec="seconds")
    return doc


def write(out_dir: Path, doc: Dict[str, Any], text: str) -> None:
    """Both files, each atomically (a failed run never leaves half a latest.json)."""
    for name, content in (("latest.json", json.dumps(doc, indent=2) + "\n"), ("latest.md", text)):
        atomic_write(out_dir / name, lambda handle, content=content: handle.write(content.encode("utf-8")))


def main(argv: Optional[List[str]] = None, runner: Callable[..., Dict[str, Any]] = run) -> int:
    args = parse_args(argv)
    missing = missing_envs(args)
    if missing:
        print(
            "error: no tox env {} (hint: create it with `tox run -e {} --notest`, or `tox -m matrix`)".format(
                ", ".join(missing), ",".join(missing)
            ),
            file=sys.stderr,
        )
        return 2
    busy = load()[0]
    if busy > BUSY_LOAD:
        log(f"warning: load average {busy:.2f} before starting; other processes will inflate the times")
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
