"""Does the worker's cost grow linearly with the number of scenarios? (issue 34, part 2)

    python -m benchmarks.scenario_scaling [--env tf115] [--counts 25,50,100,200] [--repeat 1] [--out FILE.json]

Runs the real worker (``python -m backends.worker``, every route) in one env on generated suites of
tiny scenarios (units 2-4, seeds 2, GRU and LSTM in turn), one fresh process per suite, and fits the
exponents b of wall time ~ n^b and peak RSS ~ n^b against the scenario count n (least squares on logs,
``benchmarks.targets.fit_logs``). Tiny scenarios make the per-scenario work small, so whatever the
worker does per scenario that grows with the scenarios already done (rewriting the artifact) shows.
The time fitted is the whole process minus the env's ``import tensorflow`` floor; the memory, the
peak minus that floor's peak: what the scenarios add.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

from benchmarks.measure import Command, env_python, fallback_set_env, measure, scratch, tox_set_env
from benchmarks.targets import fit_logs

COUNTS = (25, 50, 100, 200)


def suite(count: int) -> str:
    """A scenario file of ``count`` tiny scenarios, distinct in cell, units and input size."""
    blocks = []
    for i in range(count):
        cell = ("gru", "lstm")[i % 2]
        units = 2 + i % 3
        blocks.append(
            f'[[scenario]]\nname = "s{i:04d}"\ncell = "{cell}"\nunits = {units}\ninput_dim = {2 + i % 5}\n'
            f"layers = 1\nseeds = 2\nbase_seed = {i}\n"
        )
    return "\n".join(blocks)


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scenario_scaling", description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="tf115", help="the tox env whose worker runs (default tf115)")
    parser.add_argument("--counts", default=",".join(map(str, COUNTS)), help="scenario counts (default 25,50,100,200)")
    parser.add_argument("--repeat", type=int, default=1, help="processes per count; the best time is kept")
    parser.add_argument("--out", type=Path, help="write the figures here as JSON too")
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    counts = [int(c) for c in args.counts.split(",")]
    variables = tox_set_env([args.env]).get(args.env) or fallback_set_env(args.env)
    python = str(env_python(args.env))
    rows: List[Dict[str, Any]] = []
    with scratch() as tmp:
        folder = Path(tmp)
        floor = measure(Command([python, "-c", "import tensorflow"], variables, "floor"), folder, args.repeat)
        for count in counts:
            scenarios = folder / f"suite-{count}.toml"
            scenarios.write_text(suite(count), encoding="utf-8")
            argv_ = [
                python,
                "-m",
                "backends.worker",
                "--scenarios",
                str(scenarios),
                "--out",
                str(folder / f"{count}.json"),
            ]
            timing = measure(Command(argv_, variables, f"worker-{count}"), folder, args.repeat)
            if timing.status != "ok":
                print(f"{count} scenarios: {timing.reason}", file=sys.stderr)
                return 1
            size = sum(p.stat().st_size for p in folder.glob(f"{count}.*"))
            rows.append({"scenarios": count, "seconds": timing.seconds, "peak_mb": timing.peak_mb, "bytes": size})
            print(
                f"{count:4d} scenarios: {timing.seconds:7.2f} s, peak {timing.peak_mb:6.1f} MB, artifact {size / 1e6:.2f} MB",
                flush=True,
            )
    base_s, base_mb = floor.seconds or 0.0, floor.peak_mb or 0.0
    time_exp = fit_logs([(r["scenarios"], r["seconds"] - base_s) for r in rows])
    memory_exp = fit_logs([(r["scenarios"], max(r["peak_mb"] - base_mb, 1e-3)) for r in rows])
    result = {
        "env": args.env,
        "floor": {"seconds": floor.seconds, "peak_mb": floor.peak_mb},
        "rows": rows,
        "time_exponent": None if time_exp is None else round(time_exp[0], 3),
        "memory_exponent": None if memory_exp is None else round(memory_exp[0], 3),
    }
    print(f"floor (import tensorflow): {base_s:.2f} s, {base_mb:.1f} MB")
    print(f"exponents: time {result['time_exponent']}, peak memory above the floor {result['memory_exponent']}")
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
