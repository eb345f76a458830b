"""Export K real draws of each route's raw variables for ``rnncompare impact`` (the worker's ``--export-draws``).

One ``.npz`` per env: ``SCENARIO/ROUTE/seed{k}/VARIABLE`` holds draw ``k`` of one variable as the route's
own layers hold it (the same draws the worker measures: ``Built.draws``), and ``SCENARIO/ROUTE/meta`` a
JSON string with the route's family, built config, the scenario's shape, where each variable sits
(layer, direction, param), this env's versions and, for each activation the built config names, this
env's own function sampled on a grid: the trainer reproduces the function it measured there (TF 1.x and
Keras 2 ``hard_sigmoid`` is not Keras 3's), never the one its name means in another Keras.
"""

import json
import sys
import time
from pathlib import Path
from typing import Any, Dict, List

import numpy as np

from backends import envinfo, kerasenv, tfenv
from backends.routes.base import Built, Route, Unavailable
from compare import artifact
from compare.core.scenario_spec import Scenario

# points the activations are sampled at: both saturations and every hard_sigmoid kink (+-2.5, +-3)
ACTIVATION_GRID = np.linspace(-6.0, 6.0, 97).astype(np.float32)
ACTIVATION_KEYS = ("activation", "recurrent_activation")


def _activation_samples(config: Dict[str, Any]) -> Dict[str, List[float]]:
    """Each activation named in the built layer's config, evaluated by this env's Keras on the grid."""
    names = set()
    stack = [config]
    while stack:
        item = stack.pop()
        for key, value in item.items():
            if isinstance(value, dict):
                stack.append(value)
            elif key in ACTIVATION_KEYS and isinstance(value, str):
                names.add(value)
    if not names:
        return {}
    tf = kerasenv.tensorflow()  # None where Keras 3 runs on JAX or PyTorch
    keras = kerasenv.keras(tf)
    samples = {}
    for name in sorted(names):
        value = keras.activations.get(name)(kerasenv.constant(tf, ACTIVATION_GRID))
        if tf is not None and not tfenv.eager(tf):
            with tfenv.v1(tf).Session() as session:
                value = session.run(value)
        else:
            value = kerasenv.to_numpy(tf, value)
        samples[name] = [float(v) for v in np.asarray(value)]
    return samples


def _route_draws(route: Route, scenario: Scenario, count: int, arrays: Dict[str, np.ndarray]) -> str:
    """Draw ``count`` seeds of one route into ``arrays``; the route's status line."""
    reason = route.unavailable_reason()
    if reason is not None:
        return "unavailable: " + reason
    try:
        built: Built = route.build(scenario)
    except Unavailable as exc:
        return "unavailable: " + str(exc)
    except Exception as exc:  # TF refusing a construction: that arm has no draws, the others go on
        return f"error: {type(exc).__name__}: {exc}"
    try:
        prefix = f"{scenario.name}/{route.name}/"
        where: Dict[str, List[Any]] = {}
        for k, weights in enumerate(built.draws(count)):
            for w in weights:
                arrays[f"{prefix}seed{k}/{w.name}"] = w.value
                where[w.name] = [w.layer, w.direction, w.param]
        config = built.config()
        meta = {
            "family": built.family,
            "config": config,
            "scenario": scenario.to_dict(),
            "variables": where,
            "seeds": count,
            "env": envinfo.env_info(),
            "activations": _activation_samples(config),
            "activation_grid": [float(v) for v in ACTIVATION_GRID],
        }
        arrays[prefix + "meta"] = np.asarray(json.dumps(artifact.jsonable(meta), sort_keys=True))
    finally:
        built.close()
    return "ok"


def export(out: Path, scenarios: List[Scenario], routes: List[Route], count: int, env: str) -> None:
    """``count`` draws of every route of every scenario, written (atomically) to the ``.npz`` ``out``."""
    arrays: Dict[str, np.ndarray] = {}
    for scenario in scenarios:
        for route in routes:
            started = time.time()
            status = _route_draws(route, scenario, count, arrays)
            print(
                f"[{env}] draws {scenario.name} {route.name}: {status} ({time.time() - started:.1f} s)",
                file=sys.stderr,
                flush=True,
            )
    artifact.write_npz(out, arrays)
