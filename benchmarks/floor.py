"""Floor B: import TensorFlow, build every scenario's layers route by route, initialize them ``seeds`` times.

    python -m benchmarks.floor [--scenarios FILE] [--routes tf1,keras]

Runs inside a tox TF env (Python 3.7 + TF 1.15 included), reads the same scenario file as the
worker through ``compare.core.scenarios.load_scenarios`` (so sizes match by construction) and does
the TensorFlow work of the worker with nothing else: no statistics, no artifact. The driver
(``benchmarks/run.py``) times it as a fresh process; it prints one line per scenario and route.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import List, Optional

from backends import tfenv
from backends.routes import tf1 as tf1_route
from backends.routes.base import forward_input
from benchmarks import floor_keras, floor_tf1
from compare.core.scenarios import load_scenarios

ROUTES = {"tf1": floor_tf1, "keras": floor_keras}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.floor", description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", help="scenario TOML file (default: the built-in suite)")
    parser.add_argument("--routes", default="tf1,keras", help="comma-separated routes (default: tf1,keras)")
    args = parser.parse_args(argv)
    scenarios = load_scenarios(args.scenarios)
    tf = tfenv.tensorflow()
    for scenario in scenarios:
        for name in args.routes.split(","):
            if name == "tf1" and tf1_route.ROUTE.unavailable_reason() is not None:
                continue  # the worker reports this route unavailable and builds nothing
            started = time.time()
            draws, variables = ROUTES[name].run(tf, scenario, forward_input(scenario))
            took = time.time() - started
            print(
                f"floor {scenario.name} {name}: {draws} draws of {variables} variables ({took:.1f} s)",
                file=sys.stderr,
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
