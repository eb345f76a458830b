"""From the weights of every draw to the artifact's ``variables``, ``blocks`` and ``effective_bias``.

Runs in the TF envs (numpy only, Python 3.6 + numpy 1.18 compatible). ``Measurer`` takes the draws
one at a time and keeps only their statistics (``compare.measure.stats.SeedStats``), so the caller drops each
draw once it is added and memory does not grow with the seed count. Weights with NaN or Inf values
are measured, not crashed on: every stats entry records ``nonfinite`` (their count); an entry holding
any gets nulls instead of statistics, and no fingerprint.
"""

import itertools
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from compare.artifact import pack_floats
from compare.core import families, layout
from compare.measure.fingerprint import fingerprint_stats
from compare.measure.stats import SeedStats

ORTHOGONAL_REL_ERR = 1e-4  # a variable this close to g·(orthonormal) was drawn orthogonal


def nonfinite(values: np.ndarray) -> int:
    return int(values.size - np.count_nonzero(np.isfinite(values)))


def _stats(acc: SeedStats) -> Dict[str, Any]:
    """The artifact's stats entry: ``nonfinite: 0`` when clean; the NaN/Inf counts and nulls otherwise."""
    stats = acc.result()
    stats.setdefault("nonfinite", 0)
    return stats


def _fingerprint(
    shape: List[int],
    over_shapes: List[List[int]],
    stats: Dict[str, Any],
    orthogonal_over: Optional[tuple] = None,
    prefer: Sequence[str] = (),
) -> Optional[Dict[str, Any]]:
    return None if stats["nonfinite"] else fingerprint_stats(shape, over_shapes, stats, orthogonal_over, prefer)


def _orthogonal_over(shape: List[int], stats: Dict[str, Any]) -> Optional[tuple]:
    rel = stats.get("orth_rel_err")
    if rel is not None and rel <= ORTHOGONAL_REL_ERR:
        return tuple(shape), stats["orth_gain"]
    return None


class Measurer:
    """Statistics and fingerprints per variable and per canonical block, and the effective biases, of
    ``seeds`` draws of one built route, given one draw at a time (``add``), then ``result``.

    A block's candidate shapes are its own and its variable's (TF1 draws over the concatenated
    [x; h] kernel), a ``transposed`` variable's (PyTorch) the other way round, so its fans are those
    of the ``x @ K`` sense every block is in; a block cut from a variable measured orthogonal is
    fingerprinted against it.
    ``num_proj`` and ``forget_bias`` are the TF1 LSTM cell's (see ``compare.core.layout``).
    """

    def __init__(
        self, family: str, seeds: int, units: int, num_proj: Optional[int] = None, forget_bias: float = 0.0
    ) -> None:
        layout.family_cell(family)
        self.family, self.seeds, self.units = family, seeds, units
        self.num_proj, self.forget_bias = num_proj, forget_bias
        self.variables: Dict[str, Any] = {}  # name -> (its artifact entry but stats, SeedStats)
        self.blocks: Dict[str, Any] = {}  # key -> (variable name, shape, SeedStats)
        self.biases: Dict[str, SeedStats] = {}
        self.tiles: Dict[str, List[SeedStats]] = {}  # variable name -> its blocks' accumulators
        self.splitter: Optional[layout.Splitter] = None  # from the first draw
        own = families.get(family).own_default
        self.prefer = (own,) if own else ()  # the framework's own default explains its draws first

    def add(self, weights: Sequence[Any]) -> None:
        """One draw: ``backends.routes.base.Weight`` records (name, layer, direction, param, value)."""
        if self.splitter is None:
            self.splitter = layout.Splitter(self.family, weights, self.units, self.num_proj)
        split = self.splitter(weights)
        effective = layout.effective_biases(self.family, split, self.forget_bias)
        if not self.variables:
            self._start(weights, split, effective)
        with np.errstate(all="ignore"):
            for key, block in split.items():
                self.blocks[key][2].add(block.value)
            for w in weights:
                self.variables[w.name][1].add(w.value, self.tiles.get(w.name, ()))
            for key, value in effective.items():
                self.biases[key].add(value)

    def _start(self, weights: Sequence[Any], split: Dict[str, layout.Block], effective: Dict[str, Any]) -> None:
        # A variable's singular values (the costliest, its thin side being the widest) are shown
        # nowhere: the diff and the report work per block.
        for w in weights:
            entry = {
                "shape": list(w.value.shape),
                "dtype": str(w.value.dtype),
                "layer": w.layer,
                "direction": w.direction,
                "param": w.param,
            }
            self.variables[w.name] = (entry, SeedStats(self.seeds, w.value.shape, singular_values=False))
        for key, block in split.items():
            self.blocks[key] = (block.variable, list(block.value.shape), SeedStats(self.seeds, block.value.shape))
        # A variable's moments are joined from its blocks' when they tile it (as every layout's do).
        for name, (_, acc) in self.variables.items():
            parts = [b[2] for b in self.blocks.values() if b[0] == name]
            if sum(p.per for p in parts) == acc.per:
                self.tiles[name] = parts
        for key, value in effective.items():
            self.biases[key] = SeedStats(self.seeds, np.shape(value))

    def _drawn_over(self, variable: Dict[str, Any]) -> List[int]:
        """The shape a variable's values were drawn over, in the ``x @ K`` sense the fans are defined in: a
        ``transposed`` variable (PyTorch's (G * units, rows)) the other way round."""
        declared = [v for v in families.get(self.family).variables if v.param == variable["param"]]
        shape = list(variable["shape"])
        return shape[::-1] if declared and declared[0].transposed else shape

    def result(self) -> Dict[str, Any]:
        """``{"variables", "blocks", "nonfinite", "effective_bias"}`` as the artifact stores them.

        ``nonfinite`` counts NaN/Inf values over all variables (effective biases are then left out).
        Samples come out packed (``compare.artifact.pack_floats``); the variables' are empty: they
        serve their fingerprint only (a fifth of the artifact's JSON, shown nowhere).
        """
        variables = {
            name: _variable(entry, acc, self._drawn_over(entry)) for name, (entry, acc) in self.variables.items()
        }
        blocks = {}
        for key, (name, shape, acc) in self.blocks.items():
            parent, stats = variables[name], _stats(acc)
            stats["orth_err_variable"] = parent["stats"]["orth_err"]
            blocks[key] = {
                "shape": shape,
                "variable": name,
                "stats": stats,
                "fingerprint": _fingerprint(
                    shape,
                    [shape, self._drawn_over(parent)],
                    stats,
                    _orthogonal_over(self._drawn_over(parent), parent["stats"]),
                    self.prefer,
                ),
            }
        bad = sum(v["nonfinite"] for v in variables.values())
        effective_bias = {} if bad else {key: {"stats": _stats(acc)} for key, acc in self.biases.items()}
        for entry in itertools.chain(variables.values(), blocks.values(), effective_bias.values()):
            entry["stats"]["sample"] = pack_floats(entry["stats"]["sample"])
        return {"variables": variables, "blocks": blocks, "nonfinite": bad, "effective_bias": effective_bias}


def _variable(entry: Dict[str, Any], acc: SeedStats, drawn_over: List[int]) -> Dict[str, Any]:
    stats = _stats(acc)
    fingerprinted = _fingerprint(entry["shape"], [drawn_over], stats)
    stats["sample"] = []
    return dict(entry, nonfinite=stats["nonfinite"], stats=stats, fingerprint=fingerprinted)
