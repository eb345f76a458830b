"""From the weights of every draw to the artifact's ``variables``, ``blocks`` and ``effective_bias``.

Runs in the TF envs (numpy only, Python 3.7 + numpy 1.18 compatible): the stacks of draws never
leave the env, only their statistics and fingerprints do.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from compare import layout
from compare.fingerprint import fingerprint
from compare.stats import block_stats

ORTHOGONAL_REL_ERR = 1e-4  # a variable this close to g·(orthonormal) was drawn orthogonal


class Stacked:
    """One variable over all draws: ``value`` has the seeds axis first."""

    def __init__(self, first: Any, values: Sequence[np.ndarray]) -> None:
        self.name, self.layer, self.direction, self.param = first.name, first.layer, first.direction, first.param
        self.value = np.stack(values)


def _orthogonal_over(shape: List[int], stats: Dict[str, Any]) -> Optional[tuple]:
    rel = stats.get("orth_rel_err")
    if rel is not None and rel <= ORTHOGONAL_REL_ERR:
        return tuple(shape), stats["orth_gain"]
    return None


def measure(family: str, stacked: List[Stacked], units: int, num_proj: Optional[int] = None,
            forget_bias: float = 0.0) -> Dict[str, Any]:
    """Statistics and fingerprints per variable and per canonical block, and the effective biases.

    A block's candidate shapes are its own and its variable's (TF1 draws over the concatenated
    [x; h] kernel); a block cut from a variable measured orthogonal is fingerprinted against it.
    """
    variables: Dict[str, Any] = {}
    for var in stacked:
        shape = list(var.value.shape[1:])
        stats = block_stats(var.value)
        variables[var.name] = {
            "shape": shape, "dtype": str(var.value.dtype), "layer": var.layer, "direction": var.direction,
            "param": var.param, "stats": stats, "fingerprint": fingerprint(var.value, [shape], stats=stats),
        }
    blocks: Dict[str, Any] = {}
    split = layout.split(family, stacked, units, num_proj)
    for key, block in split.items():
        shape, parent = list(block.value.shape[1:]), variables[block.variable]
        stats = block_stats(block.value)
        stats["orth_err_variable"] = parent["stats"]["orth_err"]
        blocks[key] = {
            "shape": shape, "variable": block.variable, "stats": stats,
            "fingerprint": fingerprint(block.value, [shape, parent["shape"]],
                                       _orthogonal_over(parent["shape"], parent["stats"]), stats),
        }
    effective = layout.effective_biases(family, {k: b.value for k, b in split.items()}, forget_bias)
    return {"variables": variables, "blocks": blocks,
            "effective_bias": {key: {"stats": block_stats(value)} for key, value in effective.items()}}
