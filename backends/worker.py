"""The in-env worker: build every route of every scenario in this TensorFlow, write one artifact.

    python -m backends.worker [--scenarios FILE] [--out PATH.json] [--only NAME ...] [--routes tf1,keras]
                              [--weights PORTED.npz] [--export-draws K]

Defaults: the built-in suite, ``artifacts/<env>.json`` (env from ``RNNCOMPARE_ENV``).
``--weights`` loads given weights (keys ``scenario/route/layer/direction/param``, as written by
``rnncompare port``) into the routes it names instead of drawing ``seeds`` initializations, and
records their forward output: the in-env half of the forward-equivalence proof.
``--export-draws K`` writes K draws of every route's raw variables to ``--out`` (an ``.npz``) instead of an
artifact: the starting weights of ``rnncompare impact`` (``backends.export_draws``).
Progress goes to stderr, one line per scenario and route; bad input exits 2 with one line.

Nothing is lost when the worker is interrupted: the artifact is written (atomically) before the first
scenario, with every route marked ``error`` / "not finished", and committed again after scenarios
finish (each one unless rewriting the JSON would cost more than the work since the last commit:
``compare.artifact.appending``), so a worker that is interrupted or crashes leaves the scenarios it
finished, honestly marked, and never a half-written file (``"complete": true`` once all ran); a
SIGKILL loses at most the scenarios since the last commit. SIGTERM is turned into
KeyboardInterrupt so temporary files are removed; exit code 130 then.
Weights with NaN or Inf values are measured, not crashed on: every variable and block records
``stats.nonfinite`` (their count), and blocks holding any get no statistics (nulls) and no fingerprint.
"""

import argparse
import importlib
import os
import signal
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

from backends import ROUTE_MODULES, envinfo
from backends.heap import Trimmer, keep_freed_memory, release_freed_memory
from backends.routes.base import Built, Route, Unavailable, Values, Weight, forward_input
from compare import artifact
from compare.core import families
from compare.core.scenario_spec import Scenario
from compare.core.scenarios import NAME_RE, load_scenarios
from compare.errors import ArgumentParser, UserError
from compare.measure.measurer import Measurer, nonfinite
from compare.measure.stats import summary

REASON_CHARS = 600
# Values per draw from which measuring overlaps TensorFlow's next draw (below: GIL contention; benchmarks/README.md)
OVERLAP_VALUES = 1 << 20
NOT_FINISHED = (
    "not finished: the worker stopped before this scenario was done (killed, crashed or interrupted; see the env's log)"
)


def _one_line(exc: BaseException) -> str:
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text[:REASON_CHARS]


Loaded = Optional[Values]


def _cell_options(family: str, config: Dict[str, Any]) -> Dict[str, Any]:
    """num_proj and the run-time forget_bias, as the built cell's own config says (the registry reads it)."""
    fam = families.get(family)
    computes = families.computation(fam, config)
    return {
        "num_proj": computes.get("num_proj"),
        "forget_bias": computes.get("forget_bias") if fam.runtime_forget_bias else 0.0,
    }


def _measure(scenario: Scenario, built: Built, loaded: Loaded = None) -> Dict[str, Any]:
    """Draw ``seeds`` initializations (or load one set), each measured as it comes and then dropped:
    only the first is kept (its values go into the .npz).

    A large draw (``OVERLAP_VALUES``) is measured on a second thread while TensorFlow makes the next
    (numpy and TensorFlow both release the GIL in their array work), so the statistics overlap the
    draws instead of following them; at most two draws are alive at once. The measurer sees the draws
    in order, one at a time, so its figures are those of a serial run.
    """
    count = 1 if loaded else scenario.seeds
    first: List[Weight] = []
    forward: Dict[str, np.ndarray] = {}
    measurer: Optional[Measurer] = None
    measuring: Optional[Future] = None
    overlap = False
    trimmer = Trimmer()
    with ThreadPoolExecutor(max_workers=1) as measurer_thread:
        for k, weights in enumerate(built.draws(count)):
            if measurer is None:  # the first draw (k == 0): it sets up the measurer
                first = built.load(loaded) if loaded else weights
                weights = first
                if len({w.name for w in weights}) != len(weights):  # names key the artifact and the .npz
                    raise ValueError(f"{built.family} variables share a name")
                options = _cell_options(built.family, built.config())
                measurer = Measurer(built.family, count, scenario.units, **options)
                overlap = sum(w.value.size for w in weights) >= OVERLAP_VALUES
            if measuring is not None:
                measuring.result()  # the previous draw is measured (and dropped) before this one starts
            if overlap:
                measuring = measurer_thread.submit(measurer.add, weights)
            else:
                measurer.add(weights)
            if k == 0:
                forward = built.forward(forward_input(scenario))
            del weights  # the measurer holds it until measured: at most two draws in memory
            trimmer.after_draw()
        if measuring is not None:
            measuring.result()
    if measurer is None:
        raise ValueError(f"{built.family}: the route gave no draw")
    config = built.config()
    return dict(measurer.result(), family=built.family, config=config, first=first, forward=forward)


def _forward_stats(value: np.ndarray) -> Dict[str, Any]:
    bad = nonfinite(value)
    if not bad:
        return summary(value)
    return {
        "count": int(value.size),
        "nonfinite": bad,
        "mean": None,
        "std": None,
        "min": None,
        "max": None,
        "constant": None,
    }


def run_route(route: Route, scenario: Scenario, arrays: Dict[str, np.ndarray], loaded: Loaded = None) -> Dict[str, Any]:
    """One route of one scenario: its artifact entry; raw first-seed values go into ``arrays``."""
    reason = route.unavailable_reason()
    if reason is not None:
        return {"status": "unavailable", "reason": reason}
    try:
        built = route.build(scenario)
        try:
            result = _measure(scenario, built, loaded)
        finally:
            built.close()
            release_freed_memory()  # the route's layers, graph and last draws: the next route starts lean
    except Unavailable as exc:  # an option this TensorFlow lacks: said per scenario, never dropped
        return {"status": "unavailable", "reason": str(exc)}
    except Exception as exc:  # TF refusing a construction is a finding to report, not a crash
        return {"status": "error", "reason": _one_line(exc)}
    prefix = f"{scenario.name}/{route.name}/"
    for w in result.pop("first"):
        arrays[prefix + w.name] = w.value
    forward = result.pop("forward")
    for key, value in forward.items():
        arrays[prefix + "forward/" + key] = value
    result["forward"] = {key: {"shape": list(v.shape), "stats": _forward_stats(v)} for key, v in forward.items()}
    result["weights"] = "loaded" if loaded else "drawn"
    reason = ""
    if result.get("nonfinite"):
        reason = (
            "{} weight values are NaN or Inf (e.g. an initializer overflowing float32); the blocks "
            "holding them have no statistics".format(result["nonfinite"])
        )
    return dict({"status": "ok", "reason": reason}, **result)


def load_weights(path: Optional[str]) -> Dict[str, Values]:
    """``--weights`` file -> {"scenario/route": {(layer, direction, param): array}}."""
    if not path:
        return {}
    try:
        with np.load(path, allow_pickle=False) as data:
            items = {key: data[key] for key in data.files}
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read weights {path}: {exc}", "pass an .npz written by rnncompare port") from None
    grouped: Dict[str, Values] = {}
    for key, value in items.items():
        parts = key.split("/")
        if len(parts) < 5 or not parts[2].isdigit():
            raise UserError(f"weights {path}: unexpected key {key!r}", "keys are scenario/route/layer/direction/param")
        grouped.setdefault("/".join(parts[:2]), {})[(int(parts[2]), parts[3], "/".join(parts[4:]))] = value
    return grouped


def _routes(names: Optional[str]) -> List[Route]:
    wanted = names.split(",") if names else list(ROUTE_MODULES)
    unknown = [n for n in wanted if n not in ROUTE_MODULES]
    if unknown:
        raise UserError(f"unknown route {unknown[0]!r}", "routes: " + ", ".join(ROUTE_MODULES))
    return [importlib.import_module(ROUTE_MODULES[n]).ROUTE for n in wanted]


def _select(scenarios: List[Scenario], only: Optional[List[str]]) -> List[Scenario]:
    if not only:
        return scenarios
    names = [s.name for s in scenarios]
    missing = [n for n in only if n not in names]
    if missing:
        raise UserError(f"no scenario named {missing[0]!r}", "scenarios: " + ", ".join(names))
    return [s for s in scenarios if s.name in only]


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = ArgumentParser(prog="python -m backends.worker", description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", help="scenario TOML file (default: the built-in suite)")
    parser.add_argument("--out", help="artifact path (default: artifacts/<env>.json)")
    parser.add_argument("--only", action="append", metavar="NAME", help="run only this scenario (repeatable)")
    parser.add_argument("--routes", help="comma-separated routes to run (default: all)")
    parser.add_argument("--weights", help="load these weights (an .npz from rnncompare port) instead of drawing")
    parser.add_argument("--export-draws", type=int, metavar="K", help="write K draws per route to --out (.npz)")
    return parser.parse_args(argv)


def output_path(out: Optional[str]) -> Tuple[str, Path]:
    """This env's name and the artifact path, both checked before any work (the name may become a path)."""
    name = os.environ.get("RNNCOMPARE_ENV", "local")
    if not NAME_RE.match(name):
        raise UserError(f"RNNCOMPARE_ENV {name!r} is not a valid env name", "use letters, digits, '.', '_' or '-'")
    path = Path(out) if out else Path("artifacts") / (name + ".json")
    return name, artifact.check_writable(path, "--out", ".json")


def _pending(scenario: Scenario, routes: List[Route], weights: Dict[str, Values]) -> Dict[str, Any]:
    """A scenario's entry before it runs: every route it will run marked not finished."""
    names = [r.name for r in routes if not weights or f"{scenario.name}/{r.name}" in weights]
    return {
        "spec_hash": scenario.spec_hash,
        "spec": scenario.to_dict(),
        "routes": {n: {"status": "error", "reason": NOT_FINISHED} for n in names},
    }


def _run_scenario(
    scenario: Scenario,
    label: str,
    routes: List[Route],
    weights: Dict[str, Values],
    keep: Callable[[Dict[str, np.ndarray]], None],
    env: str,
) -> Dict[str, Any]:
    """Every route of one scenario; each route's first-seed arrays are handed to ``keep`` as it ends,
    so a route's draws are never in memory beside another's."""
    results: Dict[str, Dict[str, Any]] = {}
    entry = {"spec_hash": scenario.spec_hash, "spec": scenario.to_dict(), "routes": results}
    for route in routes:
        started = time.time()
        loaded = weights.get(f"{scenario.name}/{route.name}")
        if weights and loaded is None:
            continue  # --weights names the routes to run
        arrays: Dict[str, np.ndarray] = {}
        results[route.name] = run_route(route, scenario, arrays, loaded)
        keep(arrays)
        print(
            "[{}] scenario {} {} {}: {} ({:.1f} s)".format(
                env, label, scenario.name, route.name, results[route.name]["status"], time.time() - started
            ),
            file=sys.stderr,
            flush=True,
        )
    return entry


def _terminate(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def run(out: Path, name: str, scenarios: List[Scenario], routes: List[Route], weights: Dict[str, Values]) -> None:
    """Every scenario; the artifact is written (atomically) before the first, and each finished scenario
    is added to it (``compare.artifact.Appender``: each route's arrays appended to the .npz as the route
    ends and dropped, the JSON committed when that is cheap, and on an interrupt), so writing stays
    linear in the scenarios."""
    document: Dict[str, Any] = {
        "env": {"name": name},
        "complete": False,
        "scenarios": {s.name: _pending(s, routes, weights) for s in scenarios},
    }
    appender = artifact.Appender(out, document)
    appender.document["env"] = envinfo.env_info()
    try:
        for index, scenario in enumerate(scenarios, 1):
            label = f"{index}/{len(scenarios)}"
            entry = _run_scenario(scenario, label, routes, weights, appender.append, name)
            appender.add(scenario.name, entry, {}, last=index == len(scenarios))
    except BaseException:
        appender.close()  # every finished scenario kept, the others marked not finished
        raise


def _export(count: int, out: Optional[str], scenarios: List[Scenario], routes: List[Route]) -> int:
    name = os.environ.get("RNNCOMPARE_ENV", "local")
    if count < 1:
        raise UserError(f"--export-draws {count}: needs at least one draw", "pass K >= 1")
    if not out:
        raise UserError("--export-draws needs --out", "name the .npz to write, e.g. --out draws/tf221.npz")
    path = artifact.check_writable(Path(out), "--out", ".npz")
    from backends.export_draws import export  # the impact path only: plain runs never import it

    export(path, scenarios, routes, count, name)
    print(f"wrote {path}")
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    try:
        scenarios = _select(load_scenarios(args.scenarios), args.only)
        routes = _routes(args.routes)
        weights = load_weights(args.weights)
        if args.export_draws is not None:
            return _export(args.export_draws, args.out, scenarios, routes)
        name, out = output_path(args.out)
    except UserError as exc:
        print(exc.one_line(), file=sys.stderr)
        return 2
    keep_freed_memory()
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        run(out, name, scenarios, routes, weights)
    except KeyboardInterrupt:
        print(
            f"error: interrupted; {out} holds the scenarios that finished, the others are marked "
            "not finished (hint: run again)",
            file=sys.stderr,
        )
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    print(f"wrote {out} and {artifact.npz_path(out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
