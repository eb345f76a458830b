"""Port weights between the TF1 route and the Keras route, exactly or not at all.

TF1 ``GRUCell`` computes what Keras ``GRU(reset_after=False, recurrent_activation="sigmoid")``
computes; TF1 ``LSTMCell`` / ``BasicLSTMCell`` compute what Keras ``LSTM(recurrent_activation=
"sigmoid")`` computes once the run-time ``forget_bias`` is folded into the stored forget-gate
bias. Both routes stack the same way only when each direction stacks its own layers (Keras
``stacking = "cells"``, or one direction). Everything else is refused with the reason, because
weights that load but compute something else are worse than none.

The weights go through the canonical blocks of ``compare.layout``: split from the source
family, forget bias folded, assembled into the target family. Forward-equivalence tests on real
TensorFlow prove it (tests/test_port_equivalence.py).
"""
from typing import Any, Dict, Iterable, List, Tuple

import numpy as np

from compare import layout
from compare.layout import PortError

TF1_GATE_ACTIVATION = "sigmoid"  # TF1 GRUCell/LSTMCell gates: math_ops.sigmoid, not configurable
Variables = Dict[Tuple[int, str, str], np.ndarray]


def semantics(route: Dict[str, Any]) -> Dict[str, Any]:
    """What a built route computes, in Keras terms, from its artifact entry (family and config)."""
    family, config = route["family"], route["config"]
    cell = config.get("cell", {})
    if family.startswith("tf1_"):
        return {
            "family": family, "reset_after": False, "recurrent_activation": TF1_GATE_ACTIVATION,
            "activation": cell.get("activation") or "tanh", "forget_bias": float(cell.get("forget_bias", 0.0)),
            "stacking": "cells", "use_peepholes": bool(cell.get("use_peepholes")),
            "num_proj": cell.get("num_proj"), "cell_clip": cell.get("cell_clip"),
        }
    return {
        "family": family, "reset_after": bool(cell.get("reset_after", False)),
        "recurrent_activation": cell.get("recurrent_activation"), "activation": cell.get("activation"),
        "forget_bias": 0.0, "stacking": config.get("stacking"), "use_peepholes": False,
        "num_proj": None, "cell_clip": None,
    }


def check_portable(source: Dict[str, Any], target: Dict[str, Any], layers: int, bidirectional: bool) -> None:
    """Raise PortError unless weights of ``source`` can make ``target`` compute the same function."""
    if source["family"].split("_")[1] != target["family"].split("_")[1]:
        raise PortError("a {} cannot hold {} weights".format(target["family"], source["family"]))
    for key in ("recurrent_activation", "activation"):
        if source[key] != target[key]:
            raise PortError("the source uses {}={!r} and the target {!r}: the gates compute other values".format(
                key, source[key], target[key]))
    if source["cell_clip"] is not None or target["cell_clip"] is not None:
        raise PortError("cell_clip clips the LSTM cell state; Keras LSTM has no such option")
    if layers > 1 and bidirectional and source["stacking"] != target["stacking"]:
        raise PortError("stacking 'layers' feeds level 2 both directions (2*units inputs), the TF1 route "
                        "stacks each direction on its own (units inputs): use Keras stacking = 'cells'")


def fold_forget_bias(blocks: Dict[str, np.ndarray], delta: float) -> Dict[str, np.ndarray]:
    """``blocks`` with ``delta`` added to every forget-gate bias (a run-time forget_bias made stored)."""
    folded = dict(blocks)
    for key in blocks:
        _, _, gate, part = layout.parse_key(key)
        if gate == "forget" and part == "bias":
            folded[key] = blocks[key] + np.asarray(delta, dtype=blocks[key].dtype)
    return folded


def port(weights: Iterable[Any], source: Dict[str, Any], target: Dict[str, Any], units: int, layers: int,
         directions: List[str]) -> Variables:
    """Target-family variables ``{(layer, direction, param): array}`` computing what ``weights`` compute.

    ``weights``: records with ``name, layer, direction, param, value`` (one draw); ``source`` and
    ``target``: :func:`semantics` of the two routes.
    """
    check_portable(source, target, layers, len(directions) == 2)
    split = layout.split(source["family"], weights, units, source["num_proj"])
    blocks = {key: block.value for key, block in split.items()}
    blocks = fold_forget_bias(blocks, source["forget_bias"] - target["forget_bias"])
    return layout.assemble(target["family"], blocks, units, layers, directions, target["reset_after"])


class _Stored:
    """A variable of an artifact, with its first-seed value from the .npz."""

    def __init__(self, name: str, record: Dict[str, Any], value: np.ndarray) -> None:
        self.name, self.value = name, value
        self.layer, self.direction, self.param = record["layer"], record["direction"], record["param"]


def stored_weights(route: Dict[str, Any], arrays: Any, prefix: str) -> List[_Stored]:
    """The first-seed weights of one route of an artifact (``prefix`` = ``scenario/route/``)."""
    return [_Stored(name, record, np.asarray(arrays[prefix + name])) for name, record in route["variables"].items()]


def port_between(source_doc: Dict[str, Any], source_arrays: Any, source_route: str,
                 target_doc: Dict[str, Any], target_route: str, scenario: str) -> Variables:
    """Port one scenario's first-seed weights from one artifact's route to another artifact's route."""
    spec = source_doc["scenarios"][scenario]["spec"]
    src = source_doc["scenarios"][scenario]["routes"][source_route]
    dst = target_doc["scenarios"][scenario]["routes"][target_route]
    for route, name in ((src, source_route), (dst, target_route)):
        if route["status"] != "ok":
            raise PortError("route {} of {} is {}: {}".format(name, scenario, route["status"], route["reason"]))
    weights = stored_weights(src, source_arrays, "{}/{}/".format(scenario, source_route))
    directions = ["fw", "bw"] if spec["bidirectional"] else ["fw"]
    return port(weights, semantics(src), semantics(dst), spec["units"], spec["layers"], directions)


def npz_keys(scenario: str, route: str, variables: Variables) -> Dict[str, np.ndarray]:
    """The ``--weights`` file layout the worker loads: ``scenario/route/layer/direction/param``."""
    return {"{}/{}/{}/{}/{}".format(scenario, route, layer, direction, param): value
            for (layer, direction, param), value in variables.items()}

