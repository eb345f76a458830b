"""Port weights between the TF1 route and the Keras route, exactly or not at all.

TF1 ``GRUCell`` computes what Keras ``GRU(reset_after=False, recurrent_activation="sigmoid")``
computes; TF1 ``LSTMCell`` / ``BasicLSTMCell`` compute what Keras ``LSTM(recurrent_activation=
"sigmoid")`` computes once the run-time ``forget_bias`` is folded into the stored forget-gate
bias. Both routes stack the same way only when each direction stacks its own layers (Keras
``stacking = "cells"``, or one direction). Everything else is refused with the reason, because
weights that load but compute something else are worse than none.

The weights go through the canonical blocks: split from the source family (``compare.core.layout``),
forget bias folded, assembled into the target family (``compare.core.assemble``). Forward-equivalence tests on real
TensorFlow prove it (tests/host/test_port_equivalence.py).
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from compare.artifact import Artifact, RouteResult, check_writable, first_seed, read, split_route, write_npz
from compare.core import families, layout
from compare.core.assemble import PortError, assemble
from compare.core.families import Computation
from compare.core.weights import Weight
from compare.errors import UserError

Variables = Dict[Tuple[int, str, str], np.ndarray]


def semantics(family: str, config: Mapping[str, Any], layers: int = 1, bidirectional: bool = False) -> Computation:
    """What a built route computes (``compare.core.families.computation``), from its family and built config."""
    return families.computation(families.get(family), config, layers, bidirectional)


def check_portable(source: Computation, target: Computation) -> None:
    """Raise PortError unless weights of ``source`` can make ``target`` compute the same function."""
    reason = families.ports_exactly(families.get(source.family), families.get(target.family))
    if reason:
        raise PortError(reason)
    for key in ("recurrent_activation", "activation"):
        if source.get(key) != target.get(key):
            raise PortError(
                f"the source uses {key}={source.get(key)!r} and the target {target.get(key)!r}: the gates compute other values"
            )
    if bool(source.get("layer_norm")) != bool(target.get("layer_norm")):
        raise PortError(
            "layer_norm normalises each gate's pre-activation and the new cell state over the units "
            "(LayerNormBasicLSTMCell); no Keras LSTM layer normalises per gate"
        )
    if source.get("cell_clip") is not None or target.get("cell_clip") is not None:
        raise PortError("cell_clip clips the LSTM cell state; Keras LSTM has no such option")
    if source.stacking != target.stacking:
        raise PortError(
            "stacking 'layers' feeds level 2 both directions (2*units inputs), the TF1 route "
            "stacks each direction on its own (units inputs): use Keras stacking = 'cells'"
        )


def fold_forget_bias(blocks: Dict[str, np.ndarray], delta: float) -> Dict[str, np.ndarray]:
    """``blocks`` with ``delta`` added to every forget-gate bias (a run-time forget_bias made stored)."""
    folded = dict(blocks)
    for key in blocks:
        _, _, gate, part = layout.parse_key(key)
        if gate == "forget" and part == "bias":
            folded[key] = blocks[key] + np.asarray(delta, dtype=blocks[key].dtype)
    return folded


def port(
    weights: Sequence[Weight], source: Computation, target: Computation, units: int, layers: int, directions: List[str]
) -> Variables:
    """Target-family variables ``{(layer, direction, param): array}`` computing what ``weights`` compute.

    ``weights``: one draw's :class:`compare.core.weights.Weight` records; ``source`` and ``target``:
    :func:`semantics` of the two routes.
    """
    check_portable(source, target)
    split = layout.split(source.family, weights, units, source.get("num_proj"))
    blocks = {key: block.value for key, block in split.items()}
    blocks = fold_forget_bias(blocks, (source.get("forget_bias") or 0.0) - (target.get("forget_bias") or 0.0))
    return assemble(target.family, blocks, units, layers, directions, bool(target.get("reset_after")))


def stored_weights(art: Artifact, scenario: str, route_name: str) -> List[Weight]:
    """The first-seed weights of one route of an artifact, from its ``.npz``."""
    route = art.route(scenario, route_name)
    values = first_seed(art, scenario, route_name) if route is not None else None
    if route is None or values is None:
        raise UserError(
            f"{art.name} has no first-seed weights for {scenario} {route_name}", "copy the .npz together with the .json"
        )
    weights = []
    for name, v in route.variables.items():
        if v.layer is None or v.direction is None or v.param is None:
            raise UserError(
                f"{art.name} does not say where variable {name} of {scenario} {route_name} sits (layer, direction, param)",
                "re-run the env's worker to rewrite the artifact",
            )
        weights.append(Weight(name, v.layer, v.direction, v.param, np.asarray(values[name])))
    return weights


def _ok_route(art: Artifact, scenario: str, name: str) -> RouteResult:
    route = art.route(scenario, name)
    if route is None:
        raise UserError(
            f"{art.name} has no route {name} for scenario {scenario!r}", "routes there: " + ", ".join(art.routes())
        )
    if not route.ok:
        raise PortError(f"route {name} of {scenario} is {route.status}: {route.reason}")
    return route


def port_between(source: Artifact, source_route: str, target: Artifact, target_route: str, scenario: str) -> Variables:
    """Port one scenario's first-seed weights from one artifact's route to another artifact's route."""
    src, dst = _ok_route(source, scenario, source_route), _ok_route(target, scenario, target_route)
    spec = source.scenarios[scenario].spec
    if spec.units is None or spec.layers is None or spec.bidirectional is None:
        raise UserError(
            f"scenario {scenario!r} of {source.name} does not say its units, layers and directions",
            "re-run the env's worker to rewrite the artifact",
        )
    weights = stored_weights(source, scenario, source_route)
    return port(weights, src.computation(spec), dst.computation(spec), spec.units, spec.layers, spec.directions)


@dataclass(frozen=True)
class Ported:
    """One scenario of :func:`port_files`: how many variables were ported, or why none could be."""

    scenario: str
    variables: int = 0
    refused: str = ""


def _scenarios(source: Artifact, target: Artifact, only: Optional[Sequence[str]]) -> List[str]:
    names = list(only or [n for n in source.scenarios if n in target.scenarios])
    if not names:
        raise UserError("the two artifacts share no scenario", "port between artifacts of one scenario file")
    missing = [n for n in names if n not in source.scenarios or n not in target.scenarios]
    if missing:
        raise UserError(f"scenario {missing[0]!r} is not in both artifacts", "check --scenario")
    return names


def port_files(source: str, target: str, out: Path, scenarios: Optional[Sequence[str]] = None) -> List[Ported]:
    """``rnncompare port``: every (or each named) scenario's first-seed weights from ``SOURCE.json:ROUTE``
    rewritten for ``TARGET.json:ROUTE``, written to the ``.npz`` ``out`` (the worker's ``--weights``).
    Scenarios that cannot be ported exactly are reported with the reason and left out."""
    src_path, src_route = split_route(source, "PATH.json:tf1 or PATH.json:keras")
    dst_path, dst_route = split_route(target, "PATH.json:tf1 or PATH.json:keras")
    out = check_writable(Path(out), "--out", ".npz")
    src, dst = read(Path(src_path)), read(Path(dst_path))
    ported: Dict[str, np.ndarray] = {}
    outcome = []
    for name in _scenarios(src, dst, scenarios):
        try:
            variables = port_between(src, src_route, dst, dst_route, name)
        except PortError as exc:
            outcome.append(Ported(name, refused=str(exc)))
            continue
        ported.update(npz_keys(name, dst_route, variables))
        outcome.append(Ported(name, len(variables)))
    write_npz(out, ported)
    return outcome


def npz_keys(scenario: str, route: str, variables: Variables) -> Dict[str, np.ndarray]:
    """The ``--weights`` file layout the worker loads: ``scenario/route/layer/direction/param``."""
    return {
        f"{scenario}/{route}/{layer}/{direction}/{param}": value
        for (layer, direction, param), value in variables.items()
    }
