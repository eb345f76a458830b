"""A GRU and an LSTM written once in numpy over the canonical blocks: the yardstick the cells' own outputs are
held to. If a family's layout put any element into the wrong block, this would compute something else.

The equations (``x`` input, ``h`` state, per gate ``W`` kernel, ``U`` recurrent, ``b`` bias, ``b'``
recurrent_bias, ``p`` peephole):

* GRU: ``z = σ(xWz + hUz + bz + b'z)``, ``r = σ(xWr + hUr + br + b'r)``; the candidate is
  ``tanh(xWc + (r*h)Uc + bc)`` or, reset after the matmul, ``tanh(xWc + bc + r*(hUc + b'c))``;
  ``h' = z*h + (1 - z)*c``.
* LSTM: ``i, f, o = σ(xW + hU + b + b' [+ p*c])`` (``f`` also ``+ forget_bias``, ``o`` sees the new
  ``c``), ``g = tanh(...)``, ``c' = clip(f*c + i*g)``, ``h' = o * tanh(c')``. With layer norm (gain and
  shift blocks) each gate's pre-activation is ``LN(v) = (v - mean) / sqrt(var + 1e-12) * gain + shift``
  over the units before ``forget_bias`` and the nonlinearity, and ``c'`` is normalised likewise (the
  ``state`` blocks).

Each direction stacks its own layers (MultiRNNCell), the backward one on the reversed sequence; or, with
``per_level``, each level runs both directions over the previous level's joined outputs (a bidirectional
``nn.GRU(num_layers=2)``, Keras's ``layers`` stacking).
"""

from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np

from compare.core import families, layout


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


class _Cell:
    def __init__(self, blocks: Dict[str, np.ndarray], prefix: str) -> None:
        self.blocks, self.prefix = blocks, prefix

    def get(self, gate: str, part: str) -> Optional[np.ndarray]:
        block = self.blocks.get(f"{self.prefix}/{gate}/{part}")
        return None if block is None else np.asarray(block, np.float64)

    def pre(self, gate: str, x: np.ndarray, h: np.ndarray) -> np.ndarray:
        out = x @ self.get(gate, "kernel") + h @ self.get(gate, "recurrent")
        for part in ("bias", "recurrent_bias"):
            if self.get(gate, part) is not None:
                out = out + self.get(gate, part)
        return self.norm(gate, out)

    def norm(self, gate: str, value: np.ndarray) -> np.ndarray:
        """Layer norm over the units where the cell has a gain for ``gate`` (else ``value`` as it is)."""
        gain = self.get(gate, "gain")
        if gain is None:
            return value
        mean = value.mean(axis=-1, keepdims=True)
        variance = ((value - mean) ** 2).mean(axis=-1, keepdims=True)
        return (value - mean) / np.sqrt(variance + 1e-12) * gain + self.get(gate, "shift")


def _gru_step(cell: _Cell, x: np.ndarray, h: np.ndarray, reset_after: bool) -> np.ndarray:
    z, r = _sigmoid(cell.pre("update", x, h)), _sigmoid(cell.pre("reset", x, h))
    bias, recurrent_bias = cell.get("candidate", "bias"), cell.get("candidate", "recurrent_bias")
    inner = x @ cell.get("candidate", "kernel") + (0 if bias is None else bias)
    if reset_after:
        recurrent = h @ cell.get("candidate", "recurrent") + (0 if recurrent_bias is None else recurrent_bias)
        candidate = np.tanh(inner + r * recurrent)
    else:
        candidate = np.tanh(inner + (r * h) @ cell.get("candidate", "recurrent"))
    return z * h + (1 - z) * candidate


def _lstm_step(cell: _Cell, x: np.ndarray, state: tuple, forget_bias: float, clip: Optional[float]) -> tuple:
    c, h = state

    def peep(gate: str, value: np.ndarray) -> np.ndarray:
        p = cell.get(gate, "peephole")
        return 0 if p is None else p * value

    i = _sigmoid(cell.pre("input", x, h) + peep("input", c))
    f = _sigmoid(cell.pre("forget", x, h) + forget_bias + peep("forget", c))
    new_c = cell.norm("state", f * c + i * np.tanh(cell.pre("cell", x, h)))
    if clip is not None:
        new_c = np.clip(new_c, -clip, clip)
    o = _sigmoid(cell.pre("output", x, h) + peep("output", new_c))
    return new_c, o * np.tanh(new_c)


def _layer(kind: str, cell: _Cell, sequence: np.ndarray, units: int, options: dict) -> np.ndarray:
    """One cell over ``sequence`` (batch, time, features) from a zero state: its outputs (batch, time, units)."""
    h = np.zeros((sequence.shape[0], units))
    state = (h, h)
    steps = []
    for t in range(sequence.shape[1]):
        if kind == "gru":
            h = _gru_step(cell, sequence[:, t], h, options["reset_after"])
        else:
            state = _lstm_step(cell, sequence[:, t], state, options["forget_bias"], options["cell_clip"])
            h = state[1]
        steps.append(h)
    return np.stack(steps, axis=1)


def forward(
    kind: str,
    blocks: Dict[str, np.ndarray],
    inputs: np.ndarray,
    units: int,
    layers: int,
    directions: Sequence[str],
    reset_after: bool = False,
    forget_bias: float = 0.0,
    cell_clip: Optional[float] = None,
    per_level: bool = False,
) -> np.ndarray:
    """The output sequence (batch, time, units * directions), computed in float64 from ``blocks``."""
    options = {"reset_after": reset_after, "forget_bias": forget_bias, "cell_clip": cell_clip}

    def run(layer: int, direction: str, sequence: np.ndarray) -> np.ndarray:
        cell = _Cell(blocks, f"l{layer}/{direction}")
        if direction == "fw":
            return _layer(kind, cell, sequence, units, options)
        return _layer(kind, cell, sequence[:, ::-1], units, options)[:, ::-1]

    if per_level:
        sequence = np.asarray(inputs, np.float64)
        for layer in range(layers):
            sequence = np.concatenate([run(layer, d, sequence) for d in directions], axis=-1)
        return sequence
    outputs = []
    for direction in directions:
        sequence = np.asarray(inputs, np.float64)
        for layer in range(layers):
            sequence = run(layer, direction, sequence)
        outputs.append(sequence)
    return np.concatenate(outputs, axis=-1)


def gate_asymmetric(
    family: str, weights: Sequence[Any], units: int, seed: int = 7
) -> Dict[Tuple[int, str, str], np.ndarray]:
    """Random values for every variable of a built route, ``{(layer, direction, param): array}``, each
    gate's blocks shifted by an offset of its own (-0.3 ... 0.3 over the gates), so a layout that puts a
    gate's weights where another gate's belong changes the cell's output."""
    rng = np.random.RandomState(seed)
    gates = families.get(family).gates
    offsets = dict(zip(gates, np.linspace(-0.3, 0.3, len(gates))))
    values = [rng.uniform(-0.5, 0.5, np.shape(w.value)).astype(np.float32) for w in weights]
    for _, i, _, piece in layout.Splitter(family, weights, units).pieces:
        values[i][(Ellipsis,) + piece.region] += np.float32(offsets.get(piece.gate, 0.0))
    return {(w.layer, w.direction, w.param): v for w, v in zip(weights, values)}
