"""What one route's first-seed weights say beyond each block alone (host only).

From the ``.npz`` of first-seed values, cut into canonical blocks by ``compare.core.layout``:

* **all gates of one part** (``l{k}/{dir}/*/kernel``, ``.../*/recurrent``): the relative orthogonality
  error of the gates' blocks side by side (Keras's recurrent kernel is orthogonal as a whole, no gate
  block alone is);
* **the whole cell** (``l{k}/{dir}/*/cell``), in one frame for every family: the fused
  ``[x; h] x gates`` matrix (input rows over recurrent rows, gates side by side). Its
  orthogonality error, and the *coupling* of its input and recurrent rows: the largest singular value
  of ``X Hᵀ`` over ``σmax(X) σmax(H)``, 0 when the two row sets are mutually orthogonal (TF1 draws one
  orthogonal matrix over the fused kernel), well above 0 for independent draws (Keras's kernel and
  recurrent kernel);
* **copies**: a block whose values equal an earlier block's exactly (across gates, parts, layers and
  directions; constants aside), as when one seeded initializer object draws several weights.
"""

import functools
import math
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np

from compare.artifact import Artifact, reading
from compare.core import layout
from compare.core.weights import Weight
from compare.measure.orthogonality import orthogonality_error

CELL_PART = "cell"  # the part name of whole-cell rows: l{k}/{dir}/*/cell


def _orth(matrix: np.ndarray) -> Optional[float]:
    """The relative orthogonality error (the absolute one of a zero matrix), None where not finite."""
    with np.errstate(all="ignore"):
        err, g2, _, _ = orthogonality_error(matrix, (int(matrix.shape[0]), int(matrix.shape[1])))
    value = err / g2 if g2 > 0 else err
    return float(value) if math.isfinite(value) else None


def coupling(inputs: np.ndarray, recurrent: np.ndarray) -> Optional[float]:
    """``σmax(X Hᵀ) / (σmax(X) σmax(H))``: 0 for mutually orthogonal row sets, at most 1."""
    x, h = np.asarray(inputs, np.float64), np.asarray(recurrent, np.float64)
    scale = np.linalg.norm(x, 2) * np.linalg.norm(h, 2)
    if not scale or not math.isfinite(scale):
        return None
    return float(np.linalg.norm(x @ h.T, 2) / scale)


@dataclass(frozen=True)
class CellFigures:
    """The whole cell of one layer and direction: orthogonality error and input/recurrent coupling."""

    orth_rel_err: Optional[float]
    coupling: Optional[float]
    shape: Tuple[int, int]


@dataclass
class FirstSeed:
    """One route's first-seed blocks (empty, with ``why``, when they cannot be had); each figure is
    worked out once, on first use."""

    blocks: Dict[str, np.ndarray] = field(default_factory=dict)
    why: str = ""

    def _cells(self) -> Dict[Tuple[int, str], Dict[Tuple[str, str], np.ndarray]]:
        cells: Dict[Tuple[int, str], Dict[Tuple[str, str], np.ndarray]] = {}
        for key, value in self.blocks.items():
            layer, direction, gate, part = layout.parse_key(key)
            if part in ("kernel", "recurrent") and gate != layout.PROJECTION:
                cells.setdefault((layer, direction), {})[(gate, part)] = value
        return cells

    def _gates(self, cell: Dict[Tuple[str, str], np.ndarray], part: str) -> Optional[np.ndarray]:
        """The part's blocks side by side (by gate name: column order changes none of the figures)."""
        found = sorted((g, v) for (g, p), v in cell.items() if p == part)
        return np.concatenate([v for _, v in found], axis=-1) if found else None

    @functools.cached_property
    def part_orthogonality(self) -> Dict[str, float]:
        """``l{k}/{dir}/*/{kernel|recurrent}`` -> relative orthogonality error of all gates side by side."""
        out = {}
        for (layer, direction), cell in self._cells().items():
            for part in ("kernel", "recurrent"):
                matrix = self._gates(cell, part)
                value = None if matrix is None else _orth(matrix)
                if value is not None:
                    out[layout.block_key(layer, direction, "*", part)] = value
        return out

    @functools.cached_property
    def cells(self) -> Dict[str, CellFigures]:
        """``l{k}/{dir}/*/cell`` -> the whole cell's figures, in the fused [x; h] x gates frame."""
        out = {}
        for (layer, direction), cell in self._cells().items():
            x, h = self._gates(cell, "kernel"), self._gates(cell, "recurrent")
            if x is None or h is None or x.shape[1] != h.shape[1]:
                continue
            fused = np.concatenate([x, h], axis=0)
            out[layout.block_key(layer, direction, "*", CELL_PART)] = CellFigures(
                _orth(fused), coupling(x, h), (int(fused.shape[0]), int(fused.shape[1]))
            )
        return out

    @functools.cached_property
    def copies(self) -> Dict[str, str]:
        """block key -> the earlier block key whose values it repeats exactly (non-constant blocks only)."""
        seen: Dict[Tuple[Tuple[int, ...], bytes], str] = {}
        out = {}
        for key in sorted(self.blocks, key=_order):
            value = np.ascontiguousarray(self.blocks[key])
            if value.size < 2 or value.min() == value.max():
                continue  # equal constants (zero biases, ones) are conventions, not copies
            signature = (value.shape, value.tobytes())
            if signature in seen:
                out[key] = seen[signature]
            else:
                seen[signature] = key
        return out


def _order(key: str) -> Tuple[int, int, str, str]:
    layer, direction, gate, part = layout.parse_key(key)
    return layer, 0 if direction == "fw" else 1, part, gate


def first_seed(art: Artifact, scenario: str, route_name: str) -> FirstSeed:
    """The first seed's canonical blocks of one route, or why there are none."""
    values = reading.first_seed(art, scenario, route_name)
    if values is None:
        return FirstSeed(why=f"no .npz beside {art.path}" if art.path else "hand-made artifact")
    route, spec = art.route(scenario, route_name), art.scenarios[scenario].spec
    if route is None:
        return FirstSeed(why=f"{art.name} {scenario} has no route {route_name}")
    if spec.units is None:
        return FirstSeed(why=f"{art.name} {scenario} does not say its units")
    weights: List[Weight] = []
    for name, v in route.variables.items():
        if name not in values:
            continue
        if v.layer is None or v.direction is None or v.param is None:
            return FirstSeed(why=f"{art.name} {scenario} {route_name} does not say where variable {name} sits")
        weights.append(Weight(name, v.layer, v.direction, v.param, values[name]))
    try:
        blocks = layout.split(route.family, weights, spec.units, route.computation(spec).get("num_proj"))
    except ValueError as exc:
        return FirstSeed(why=f"cannot cut {art.name} {scenario} {route_name} into blocks: {exc}")
    return FirstSeed({key: block.value for key, block in blocks.items()})


class FirstSeeds:
    """:func:`first_seed` of each (artifact, scenario, route) once per diff: the baseline's blocks meet
    every other env's."""

    def __init__(self) -> None:
        # (id of the artifact, scenario, route) -> (the artifact, kept so its id is not reused; its blocks)
        self._found: Dict[Tuple[int, str, str], Tuple[Artifact, FirstSeed]] = {}

    def of(self, art: Artifact, scenario: str, route_name: str) -> FirstSeed:
        key = (id(art), scenario, route_name)
        if key not in self._found:
            self._found[key] = (art, first_seed(art, scenario, route_name))
        return self._found[key][1]
