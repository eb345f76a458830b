"""One arm of an impact run: a route's exported draws, as the Keras cell that computes what the route's layer
computes (numpy only; ``backends.export_draws`` wrote them).

The weights go through ``compare.core.port`` (what ``rnncompare port`` and ``convert`` use), into a Keras
``GRU`` / ``LSTM`` target with the source's own functions: TF1's run-time ``forget_bias`` folded into the
stored bias, TF1 ``GRUCell`` as ``reset_after=False``, a Keras ``reset_after=True`` kept, each route's
activations as that route's env measured them (``Activation``).
"""

import json
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

from compare.core import families, port
from compare.core.weights import Weight

Key = Tuple[int, str, str]
# Activations the trainer can reproduce, as numpy functions of the grid: the env's samples pick one
KNOWN: Dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sigmoid": lambda x: 1.0 / (1.0 + np.exp(-x)),
    "tanh": np.tanh,
    "hard_sigmoid_0.2": lambda x: np.clip(0.2 * x + 0.5, 0.0, 1.0),  # TF 1.x and Keras 2
    "hard_sigmoid_1/6": lambda x: np.clip(x / 6.0 + 0.5, 0.0, 1.0),  # Keras 3 (relu6(x + 3) / 6)
}
MATCH_TOLERANCE = 1e-5


@dataclass(frozen=True)
class Arm:
    """The Keras cell one route's layer is, and where its draws are."""

    label: str  # "ENV:ROUTE" or "SCENARIO@ENV:ROUTE"
    cell: str  # gru | lstm
    units: int
    input_dim: int
    layers: int
    directions: Tuple[str, ...]
    per_level: bool  # Keras stacking "layers" (level 2 sees both directions) vs each direction its own stack
    activation: str  # a KNOWN name
    recurrent_activation: str
    reset_after: bool
    meta: Dict[str, Any]

    def weight_order(self) -> List[Key]:
        """``(layer, direction, param)`` in the order the trainer's Keras layers list their weights."""
        params = ("kernel", "recurrent_kernel", "bias")
        if self.per_level:
            return [(lv, d, p) for lv in range(self.layers) for d in self.directions for p in params]
        return [(lv, d, p) for d in self.directions for lv in range(self.layers) for p in params]


def _measured(name: str, meta: Dict[str, Any]) -> str:
    """The KNOWN function ``name`` is in the env that built the route, from its samples; the name's
    only meaning when the env sampled none (TF1 cells: tanh and sigmoid written into the cell)."""
    samples = meta.get("activations", {}).get(name)
    if samples is None:
        if name in ("sigmoid", "tanh"):
            return name
        raise ValueError(f"activation {name!r} was not sampled in env {meta['env']['name']}")
    grid = np.asarray(meta["activation_grid"], dtype=np.float64)
    for known, function in KNOWN.items():
        if np.max(np.abs(function(grid) - np.asarray(samples))) <= MATCH_TOLERANCE:
            return known
    raise ValueError(f"activation {name!r} of env {meta['env']['name']} matches none of {sorted(KNOWN)}")


def _computations(meta: Dict[str, Any]) -> Tuple[families.Computation, families.Computation, Dict[str, Any]]:
    spec = meta["scenario"]
    source = port.semantics(meta["family"], meta["config"], spec["layers"], spec["bidirectional"])
    cell = families.get(meta["family"]).cell
    kwargs = {
        "units": spec["units"],
        "activation": source.get("activation") or "tanh",
        "recurrent_activation": source.get("recurrent_activation") or "sigmoid",
        "use_bias": True,
    }
    if cell == "gru":
        kwargs["reset_after"] = bool(source.get("reset_after"))
    else:
        kwargs["unit_forget_bias"] = False
    stacking = "layers" if source.stacking == families.PER_LEVEL else "cells"
    target = port.semantics(
        "keras_" + cell, {"cell": kwargs, "stacking": stacking}, spec["layers"], spec["bidirectional"]
    )
    return source, target, kwargs


def arm(label: str, meta: Dict[str, Any]) -> Arm:
    """The arm of the route whose export ``meta`` describes (``SCENARIO/ROUTE/meta``, decoded)."""
    source, _, kwargs = _computations(meta)
    spec = meta["scenario"]
    return Arm(
        label,
        families.get(meta["family"]).cell,
        spec["units"],
        spec["input_dim"],
        spec["layers"],
        ("fw", "bw") if spec["bidirectional"] else ("fw",),
        source.stacking == families.PER_LEVEL,
        _measured(kwargs["activation"], meta),
        _measured(kwargs["recurrent_activation"], meta),
        bool(kwargs.get("reset_after")),
        meta,
    )


def keras_weights(the_arm: Arm, draws: Any, prefix: str, seed: int) -> List[np.ndarray]:
    """Draw ``seed`` of the route (``draws``: the opened export, ``prefix``: ``SCENARIO/ROUTE/``) as the
    trainer's Keras weights, in :meth:`Arm.weight_order`."""
    meta = the_arm.meta
    weights = [
        Weight(name, int(where[0]), str(where[1]), str(where[2]), np.asarray(draws[f"{prefix}seed{seed}/{name}"]))
        for name, where in sorted(meta["variables"].items())
    ]
    source, target, _ = _computations(meta)
    ported = port.port(weights, source, target, the_arm.units, the_arm.layers, list(the_arm.directions))
    return [ported[key] for key in the_arm.weight_order()]


def read_meta(draws: Any, prefix: str) -> Optional[Dict[str, Any]]:
    """The export's record of one route, or None when that route made no draws in its env."""
    key = prefix + "meta"
    return json.loads(str(draws[key])) if key in draws.files else None
