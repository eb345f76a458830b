"""Canonical per-gate blocks put back into a family's variables: porting (numpy only; runs in every TF env).

The inverse of ``compare.core.layout.split``: blocks cut from one family's variables become the
variables of another family, or a ``PortError`` says why no weights of that family compute what the
blocks compute. ``compare.core.port`` (and through it a converted checkpoint's Keras plan) and the
recipe (``backends/init_like_tf1.py``) use it.
"""

from typing import Any, Dict, Sequence, Tuple

import numpy as np

from compare.core import families
from compare.core.families import PROJECTION, STATE
from compare.core.layout import (
    CellOptions,
    ParamLayout,
    Piece,
    block_value,
    cell_layout,
    parse_key,
    region_shape,
    stored,
    unsupported,
)


class PortError(ValueError):
    """Blocks that cannot be placed into a family's variables without changing what the layer computes."""


RESET_AFTER_REASON = (
    "a reset_after=True GRU candidate computes r * (h @ U + b_rec), a TF1 GRUCell or "
    "reset_after=False GRU computes (r * h) @ U: no weights make these the same function"
)


def _block_shape(piece: Piece) -> Tuple[int, ...]:
    """The shape of the block ``piece`` cuts (its region's, the other way round when stored transposed)."""
    shape = region_shape(piece.region)
    return shape[::-1] if piece.transposed else shape


def _group(blocks: Dict[str, Any], layers: int, directions: Sequence[str]) -> Dict[Tuple[int, str], Dict]:
    cells: Dict[Tuple[int, str], Dict[Tuple[str, str], np.ndarray]] = {}
    for key, block in blocks.items():
        layer, direction, gate, part = parse_key(key)
        if layer >= layers or direction not in directions:
            raise PortError(
                "block {} lies outside layers 0..{} and directions {}".format(key, layers - 1, "/".join(directions))
            )
        cells.setdefault((layer, direction), {})[(gate, part)] = block_value(block)
    return cells


def _port_options(family: str, cell: Dict[Tuple[str, str], np.ndarray], reset_after: bool) -> CellOptions:
    """The target cell's options, from which blocks exist; PortError when no such cell exists."""
    fam = families.get(family)
    parts = {part for _, part in cell}
    projection = cell.get((PROJECTION, "kernel"))
    # Only a recurrent bias the reset gate scales tells reset_after apart; the option decides it where the
    # family has one, elsewhere its layout always scales one or never does.
    scalable = families.RESET_SCALABLE[fam.cell]
    source_scaled = any((gate, "recurrent_bias") in cell for gate in scalable)
    target_scaled = reset_after if "reset_after" in fam.options else bool(fam.reset_scaled)
    if source_scaled != target_scaled and "bias" in parts:
        raise PortError(RESET_AFTER_REASON)
    options = CellOptions(
        num_proj=None if projection is None else int(projection.shape[-1]),
        peepholes="peephole" in parts,
        use_bias="bias" in parts or fam.always_bias,
        reset_after=reset_after and "reset_after" in fam.options,
        layer_norm="gain" in parts,
    )
    reason = unsupported(family, options)
    if reason:
        raise PortError(reason)
    return options


def _zero_biases(cell: Dict, layout: Dict[str, ParamLayout], leading: Tuple[int, ...], dtype: Any) -> None:
    """A bias-less (Keras use_bias=False) cell is a TF1 cell with zero stored biases."""
    if any(part == "bias" for _, part in cell):
        return
    for spec in layout.values():
        for p in spec.pieces:
            if p.part == "bias":
                cell[(p.gate, p.part)] = np.zeros(leading + _block_shape(p), dtype)


def _fit_recurrent_biases(cell: Dict, expected: set, leading: Tuple[int, ...], dtype: Any) -> None:
    """A gate the reset gate does not scale sees bias + recurrent_bias alone: where the target stores no
    recurrent bias for it the sum goes into its bias, where the target stores one and the source none it is
    zero (reset-scaled recurrent biases never reach here: ``_port_options`` refuses a mismatch)."""
    for gate, part in list(cell):
        if part == "recurrent_bias" and (gate, part) not in expected and (gate, "bias") in expected:
            cell[(gate, "bias")] = cell[(gate, "bias")] + cell.pop((gate, part))
    for gate, part in expected:
        if part == "recurrent_bias" and (gate, part) not in cell and (gate, "bias") in cell:
            cell[(gate, part)] = np.zeros(leading + cell[(gate, "bias")].shape[len(leading) :], dtype)


def _fill(family: str, name: str, cell: Dict, spec: ParamLayout, leading: Tuple[int, ...]) -> np.ndarray:
    values = [cell[(p.gate, p.part)] for p in spec.pieces]
    array = np.empty(leading + spec.shape, np.result_type(*values))
    for p, value in zip(spec.pieces, values):
        need = leading + _block_shape(p)
        if value.shape != need:
            raise PortError(f"block {name}/{p.gate}/{p.part} has shape {value.shape}; {family} needs {need}")
        array[(Ellipsis,) + p.region] = stored(value, p)
    return array


def _assemble_cell(
    family: str, cell: Dict, layer: int, direction: str, units: int, reset_after: bool
) -> Dict[Tuple[int, str, str], np.ndarray]:
    name = f"l{layer}/{direction}"
    gates = families.get(family).gates
    foreign = sorted(k for k in cell if k[0] not in gates + (PROJECTION, STATE))
    if foreign:
        raise PortError(
            "block {}/{}/{} has no place in {} (gates {})".format(
                name, foreign[0][0], foreign[0][1], family, ", ".join(gates)
            )
        )
    kernel = cell.get((gates[0], "kernel"))
    if kernel is None or kernel.ndim < 2:
        raise PortError(f"block {name}/{gates[0]}/kernel is missing or not a matrix")
    leading, inp = tuple(kernel.shape[:-2]), int(kernel.shape[-2])
    layout = cell_layout(family, inp, units, _port_options(family, cell, reset_after))
    _zero_biases(cell, layout, leading, kernel.dtype)
    expected = {(p.gate, p.part) for spec in layout.values() for p in spec.pieces}
    _fit_recurrent_biases(cell, expected, leading, kernel.dtype)
    for gate, part in sorted(set(cell) ^ expected):
        what = "has no place in" if (gate, part) in cell else "is missing, needed by"
        raise PortError(f"block {name}/{gate}/{part} {what} {family} with these options")
    return {(layer, direction, param): _fill(family, name, cell, spec, leading) for param, spec in layout.items()}


def assemble(
    family: str, blocks: Dict[str, Any], units: int, layers: int, directions: Sequence[str], reset_after: bool = False
) -> Dict[Tuple[int, str, str], np.ndarray]:
    """The variables of ``family`` holding ``blocks`` exactly: ``{(layer, direction, param): array}``.

    The inverse of ``split``. The target cell's options follow from which blocks exist: a
    ``projection/kernel`` block means TF1 ``num_proj``, ``peephole`` blocks mean ``use_peepholes``,
    no ``bias`` blocks mean Keras ``use_bias=False`` (or zero biases for TF1 cells, which always
    have them: the same function). ``reset_after`` picks the Keras GRU variant. Stored biases are
    placed as they are: a TF1 LSTM's run-time ``forget_bias`` is the caller's to account for.
    Raises PortError when no weights of ``family`` compute what the blocks compute: peepholes or a
    projection outside tf1_lstm, a ``recurrent_bias`` outside Keras GRU reset_after=True, biases
    without ``recurrent_bias`` into reset_after=True, blocks of the other cell kind, missing blocks.
    Without any bias the reset_after variant cannot be told from the blocks: the caller checks it.
    """
    fam = families.get(family)
    if reset_after and "reset_after" not in fam.options and not fam.reset_scaled:  # cuDNN GRUs always are
        raise PortError(f"{family} has no reset_after variant")
    cells = _group(blocks, layers, directions)
    variables: Dict[Tuple[int, str, str], np.ndarray] = {}
    for layer in range(layers):
        for direction in directions:
            cell = cells.get((layer, direction), {})
            variables.update(_assemble_cell(family, cell, layer, direction, units, reset_after))
    return variables
