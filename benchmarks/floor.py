"""Floor B: import TensorFlow, build every scenario's layers route by route, initialize them ``seeds`` times.

    python -m benchmarks.floor [--scenarios FILE] [--routes tf1,keras]

Runs inside a tox TF env (Python 3.7 + TF 1.15 included), reads the same scenario file as the
worker through ``compare.scenarios.load_scenarios`` (so sizes match by construction) and does
the TensorFlow work of the worker with nothing else: no statistics, no artifact. The driver
(``benchmarks/run.py``) times it as a fresh process; it prints one line per scenario and route.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from typing import List, Optional

import numpy as np

from benchmarks import floor_keras, floor_tf1
from compare.scenarios import load_scenarios

ROUTES = {"tf1": floor_tf1, "keras": floor_keras}


def forward_input(scenario) -> np.ndarray:  # noqa: ANN001 - mirrors backends.base.forward_input
    rng = np.random.RandomState(scenario.base_seed + 1)
    return rng.standard_normal((2, 5, scenario.input_dim)).astype(np.float32)


def tensorflow():  # noqa: ANN201
    """TensorFlow with eager on, as the worker's ``backends.tfenv`` sets it up (TF 1.15 needs enabling)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    if not tf.executing_eagerly():
        tf.compat.v1.enable_eager_execution()
    return tf


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.floor", description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", help="scenario TOML file (default: the built-in suite)")
    parser.add_argument("--routes", default="tf1,keras", help="comma-separated routes (default: tf1,keras)")
    args = parser.parse_args(argv)
    scenarios = load_scenarios(args.scenarios)
    tf = tensorflow()
    for scenario in scenarios:
        for name in args.routes.split(","):
            if name == "tf1" and not floor_tf1.available(tf):
                continue  # the worker reports this route unavailable and builds nothing
            started = time.time()
            draws = ROUTES[name].run(tf, scenario, forward_input(scenario))
            print("floor {} {}: {} draws of {} variables ({:.1f} s)".format(
                scenario.name, name, len(draws), len(draws[0]), time.time() - started), file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
