"""From the weights of every draw to the artifact's ``variables``, ``blocks`` and ``effective_bias``.

Runs in the TF envs (numpy only, Python 3.6 and numpy 1.18 compatible): the stacks of draws never
leave the env, only their statistics and fingerprints do. Weights with NaN or Inf values are
measured, not crashed on: every stats entry records ``nonfinite`` (their count); an entry holding
any gets nulls instead of statistics, and no fingerprint.

Side: in-env (every TF env's Python and numpy; no host libraries).
"""
import itertools
from typing import Any, Dict, List, Optional

import numpy as np

from compare import layout
from compare.artifact import pack_floats
from compare.fingerprint import fingerprint
from compare.stats import block_stats

ORTHOGONAL_REL_ERR = 1e-4  # a variable this close to g·(orthonormal) was drawn orthogonal
STAT_KEYS = ("mean", "std", "min", "max", "abs_max", "kurtosis", "constant", "fro_norm", "orth_err",
             "orth_rel_err", "orth_side", "orth_gain", "sv_min", "sv_max", "sv_mean")


def nonfinite(values: np.ndarray) -> int:
    return int(values.size - np.count_nonzero(np.isfinite(values)))


def safe_stats(values: np.ndarray, singular_values: bool = True) -> Dict[str, Any]:
    """``block_stats`` with ``nonfinite: 0``; for values holding NaN/Inf, their counts and nulls instead."""
    bad = nonfinite(values)
    if not bad:
        return dict(block_stats(values, singular_values=singular_values), nonfinite=0)
    stats: Dict[str, Any] = dict.fromkeys(STAT_KEYS)
    stats.update({"count": int(values.size), "seeds": int(values.shape[0]), "nonfinite": bad,
                  "nan": int(np.count_nonzero(np.isnan(values))),
                  "per_seed": {"mean": [], "std": [], "fro_norm": []}, "sample": []})
    return stats


def _fingerprint(values: np.ndarray, shapes: List[List[int]], stats: Dict[str, Any],
                 orthogonal_over: Optional[tuple] = None) -> Optional[Dict[str, Any]]:
    return None if stats["nonfinite"] else fingerprint(values, shapes, orthogonal_over, stats)


class Stacked:
    """One variable over all draws: ``value`` has the seeds axis first."""

    def __init__(self, first: Any, stack: np.ndarray) -> None:
        self.name, self.layer, self.direction, self.param = first.name, first.layer, first.direction, first.param
        self.value = stack


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
    ``nonfinite`` in the result counts NaN/Inf values over all variables. Samples come out packed
    (``compare.artifact.pack_floats``), the variables' empty.
    """
    variables: Dict[str, Any] = {}
    with np.errstate(all="ignore"):
        for var in stacked:
            # The diff and the report work per block: a variable's singular values (the costliest, its
            # thin side being the widest) and its sample (a fifth of the artifact's JSON) are shown
            # nowhere, so the sample serves its fingerprint and is not stored.
            shape, stats = list(var.value.shape[1:]), safe_stats(var.value, singular_values=False)
            fingerprinted = _fingerprint(var.value, [shape], stats)
            stats["sample"] = []
            variables[var.name] = {
                "shape": shape, "dtype": str(var.value.dtype), "layer": var.layer, "direction": var.direction,
                "param": var.param, "nonfinite": stats["nonfinite"], "stats": stats, "fingerprint": fingerprinted,
            }
        blocks: Dict[str, Any] = {}
        split = layout.split(family, stacked, units, num_proj)
        for key, block in split.items():
            shape, parent = list(block.value.shape[1:]), variables[block.variable]
            stats = safe_stats(block.value)
            stats["orth_err_variable"] = parent["stats"]["orth_err"]
            blocks[key] = {
                "shape": shape, "variable": block.variable, "stats": stats,
                "fingerprint": _fingerprint(block.value, [shape, parent["shape"]], stats,
                                            _orthogonal_over(parent["shape"], parent["stats"])),
            }
    bad = sum(v["nonfinite"] for v in variables.values())
    effective = {} if bad else layout.effective_biases(family, {k: b.value for k, b in split.items()}, forget_bias)
    effective_bias = {key: {"stats": safe_stats(value)} for key, value in effective.items()}
    for entry in itertools.chain(variables.values(), blocks.values(), effective_bias.values()):
        entry["stats"]["sample"] = pack_floats(entry["stats"]["sample"])
    return {"variables": variables, "blocks": blocks, "nonfinite": bad, "effective_bias": effective_bias}
