"""Canonical per-gate blocks of GRU/LSTM weights: where each sits in a family's variables, and cutting
them out of a built route for measurement (numpy only; runs in every TF env). Putting blocks back into a
family's variables is ``compare.core.assemble``.

Every variable of one built route maps onto blocks keyed ``l{layer}/{fw|bw}/{gate}/{part}``:

* gates: GRU ``update``, ``reset``, ``candidate``; LSTM ``input``, ``forget``, ``cell``, ``output``;
  an LSTM projection (TF1 ``LSTMCell(num_proj=...)``) is the block ``l{layer}/{dir}/projection/kernel``.
* parts: ``kernel`` (input -> gate), ``recurrent`` (hidden -> gate), ``bias``, ``recurrent_bias``
  (Keras ``GRU(reset_after=True)``, the cuDNN GRUs' candidate, the cuDNN LSTMs), ``peephole`` (TF1
  ``LSTMCell(use_peepholes=True)``), ``gain`` and ``shift`` (layer norm's gamma and beta, per gate and for
  the pseudo-gate ``state``: ``LayerNormBasicLSTMCell``).

Where each block sits inside a family's variables (gate order, [x; h] rows, bias rows) is read from
the family registry (``compare.core.families``); this module knows no family by name.

Every array may carry extra leading axes (a stack of draws: seeds first); blocks are cut with
``value[..., rows, cols]``, so one draw and a stack of draws go through the same code.
"""

from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from compare.core import families
from compare.core.families import GATES, PARTS, PROJECTION

__all__ = [
    "GATES",
    "PARTS",
    "PROJECTION",
    "Block",
    "CellOptions",
    "ParamLayout",
    "Piece",
    "cut",
    "stored",
    "block_key",
    "block_keys",
    "cell_layout",
    "effective_biases",
    "parse_key",
    "split",
]

Region = Tuple[Union[int, slice], ...]


@dataclass(frozen=True)
class Piece:
    """Where one block sits inside a variable: ``variable[(Ellipsis,) + region]``; with ``cudnn_order`` that
    (rows, units) slice holds cuDNN's row-major (units, rows) matrix, so the block is its reshape, transposed;
    ``transposed``: the slice is the (units, rows) block stored transposed (PyTorch's ``W @ x`` weights)."""

    gate: str
    part: str
    region: Region
    cudnn_order: bool = False
    transposed: bool = False


def cut(value: np.ndarray, piece: Piece) -> np.ndarray:
    """The block ``piece`` of a variable's ``value`` (leading axes kept)."""
    block = value[(Ellipsis,) + piece.region]
    if piece.transposed:
        return np.swapaxes(block, -1, -2)
    if not piece.cudnn_order:
        return block
    lead, (rows, units) = block.shape[:-2], block.shape[-2:]
    return np.swapaxes(block.reshape(lead + (units, rows)), -1, -2)


def stored(block: np.ndarray, piece: Piece) -> np.ndarray:
    """The inverse of :func:`cut`: what the variable holds at ``piece.region`` for this block."""
    if piece.transposed:
        return np.swapaxes(block, -1, -2)
    if not piece.cudnn_order:
        return block
    return np.swapaxes(block, -1, -2).reshape(block.shape)


@dataclass(frozen=True)
class ParamLayout:
    """One cell variable: its shape without leading axes, and the blocks that tile it exactly."""

    shape: Tuple[int, ...]
    pieces: Tuple[Piece, ...]


@dataclass(frozen=True)
class CellOptions:
    """The cell options that change which variables exist (defaults: a plain cell)."""

    num_proj: Optional[int] = None  # each is valid only for the families whose registry entry
    peepholes: bool = False  # lists it among its options (use_bias=False: families
    use_bias: bool = True  # without always_bias)
    reset_after: bool = False
    layer_norm: bool = False


@dataclass
class Block:
    """One canonical block: the TF variable it came from and where inside it (trailing axes)."""

    key: str
    variable: str
    value: np.ndarray
    region: Region = ()

    @property
    def where(self) -> str:
        """E.g. ``rnn/gru_cell/gates/kernel[2:5, 0:3]``."""
        return self.variable + describe(self.region)


# ---------------------------------------------------------------- keys


def family_cell(family: str) -> str:
    """``gru`` or ``lstm``; ValueError for an unknown family."""
    return families.get(family).cell


def block_key(layer: int, direction: str, gate: str, part: str) -> str:
    return f"l{layer}/{direction}/{gate}/{part}"


def parse_key(key: str) -> Tuple[int, str, str, str]:
    """``"l1/bw/reset/kernel"`` -> ``(1, "bw", "reset", "kernel")``; ValueError if malformed."""
    fields = key.split("/")
    if len(fields) != 4 or not fields[0].startswith("l") or not fields[0][1:].isdigit():
        raise ValueError(f"block key {key!r} is not l{{layer}}/{{fw|bw}}/{{gate}}/{{part}}")
    return int(fields[0][1:]), fields[1], fields[2], fields[3]


def describe(region: Region) -> str:
    """``(slice(2, 5), slice(0, 3))`` -> ``"[2:5, 0:3]"``."""
    text = [str(r) if isinstance(r, int) else f"{r.start}:{r.stop}" for r in region]
    return "[" + ", ".join(text) + "]"


def region_shape(region: Region) -> Tuple[int, ...]:
    return tuple(r.stop - r.start for r in region if isinstance(r, slice))


def block_keys(family: str, layers: int, directions: Sequence[str], options: Optional[CellOptions] = None) -> List[str]:
    """Every block key a built route of ``family`` yields, in layout order."""
    layout = cell_layout(family, 1, 1, options or CellOptions())
    return [
        block_key(layer, direction, p.gate, p.part)
        for layer in range(layers)
        for direction in directions
        for spec in layout.values()
        for p in spec.pieces
    ]


# ---------------------------------------------------------------- layouts


def _cols(index: int, units: int) -> slice:
    return slice(index * units, (index + 1) * units)


def _matrix(
    gates: Sequence[str], units: int, rows: Sequence[Tuple[str, slice]], cudnn_order: bool = False
) -> Tuple[Piece, ...]:
    """Gates side by side in column blocks of ``units``; row ranges are parts."""
    return tuple(Piece(g, part, (r, _cols(i, units)), cudnn_order) for i, g in enumerate(gates) for part, r in rows)


def _vector(gates: Sequence[str], units: int, part: str, lead: Region = ()) -> Tuple[Piece, ...]:
    return tuple(Piece(g, part, lead + (_cols(i, units),)) for i, g in enumerate(gates))


def _variable_layout(var: families.Variable, inp: int, units: int, options: CellOptions) -> ParamLayout:
    """Shape and pieces of one declared variable (the kinds of ``compare.core.families.Variable``)."""
    h, width = options.num_proj or units, len(var.gates) * units
    if var.kind == "fused":
        rows = (("kernel", slice(0, inp)), ("recurrent", slice(inp, inp + h)))
        return ParamLayout((inp + h, width), _matrix(var.gates, units, rows))
    if var.transposed:  # (G * units, rows): gates stacked along the rows, each block stored transposed
        part, n = ("kernel", inp) if var.kind == "input" else ("recurrent", h)
        return ParamLayout(
            (width, n),
            tuple(Piece(g, part, (_cols(i, units), slice(0, n)), transposed=True) for i, g in enumerate(var.gates)),
        )
    if var.kind == "input":
        return ParamLayout((inp, width), _matrix(var.gates, units, (("kernel", slice(0, inp)),), var.cudnn_order))
    if var.kind == "recurrent":
        return ParamLayout((h, width), _matrix(var.gates, units, (("recurrent", slice(0, h)),), var.cudnn_order))
    if var.kind == "vector":
        return ParamLayout((width,), _vector(var.gates, units, var.part))
    if var.kind == "pair":
        return ParamLayout(
            (2, width), _vector(var.gates, units, "bias", (0,)) + _vector(var.gates, units, "recurrent_bias", (1,))
        )
    if var.kind == "diag":
        return ParamLayout((units,), tuple(Piece(g, var.part, (slice(0, units),)) for g in var.gates))
    if var.kind == "stacked":
        return ParamLayout(
            (2 * width,),
            _vector(var.gates, units, "bias")
            + tuple(Piece(g, "recurrent_bias", (_cols(len(var.gates) + i, units),)) for i, g in enumerate(var.gates)),
        )
    if var.kind == "opaque":
        raise ValueError(f"{var.param} is cuDNN's opaque parameter buffer: it has no per-gate layout")
    if options.num_proj is None:
        raise ValueError(f"{var.param} is a projection: its layout needs num_proj")
    region = (slice(0, units), slice(0, options.num_proj))
    return ParamLayout((units, options.num_proj), (Piece(PROJECTION, "kernel", region),))


OPTION_TEXT = {
    "num_proj": "has no projection (num_proj)",
    "peepholes": "has no peephole connections (use_peepholes)",
    "reset_after": "has no reset_after variant",
    "layer_norm": "has no layer normalisation (layer_norm)",
}


def _flags(options: CellOptions) -> Dict[str, bool]:
    return {
        "num_proj": bool(options.num_proj),
        "peepholes": options.peepholes,
        "use_bias": options.use_bias,
        "reset_after": options.reset_after,
        "layer_norm": options.layer_norm,
    }


def unsupported(family: str, options: CellOptions) -> Optional[str]:
    """Why ``family`` has no cell with these options, or None."""
    fam = families.get(family)
    for option, on in _flags(options).items():
        if option == "use_bias":
            if not on and fam.always_bias:
                return f"{family} always has biases"
        elif on and option not in fam.options:
            having = [f for f in families.names() if option in families.get(f).options]
            return "{} {} (only {} {})".format(
                family, OPTION_TEXT[option], " and ".join(having), "has" if len(having) == 1 else "have"
            )
    return None


def cell_layout(family: str, inp: int, units: int, options: Optional[CellOptions] = None) -> Dict[str, ParamLayout]:
    """Every variable of one cell (``inp`` inputs, ``units`` units) and the blocks that tile it."""
    fam = families.get(family)
    options = options or CellOptions()
    reason = unsupported(family, options)
    if reason:
        raise ValueError(reason)
    flags = _flags(options)
    return {var.param: _variable_layout(var, inp, units, options) for var in fam.variables if fam.exists(var, flags)}


# ---------------------------------------------------------------- variables -> blocks


def _by_cell(weights: Iterable[Any]) -> Dict[Tuple[int, str], Dict[str, Any]]:
    cells: Dict[Tuple[int, str], Dict[str, Any]] = {}
    for w in weights:
        cell = cells.setdefault((w.layer, w.direction), {})
        if w.param in cell:
            raise ValueError(
                f"two {w.param!r} variables in cell l{w.layer}/{w.direction}: {cell[w.param].name} and {w.name}"
            )
        cell[w.param] = w
    return cells


def _inputs(family: str, cell: Dict[str, Any], units: int, num_proj: Optional[int]) -> Tuple[Tuple[int, ...], int]:
    """(leading axes, input width) of a cell, read off its anchor kernel."""
    fam = families.get(family)
    anchor = cell.get(fam.anchor)
    if anchor is None:
        raise ValueError(f"no {fam.anchor!r} variable among {sorted(cell)}")
    shape = np.shape(anchor.value)
    if len(shape) < 2:
        raise ValueError(f"{anchor.name} has shape {shape}, not (..., rows, columns)")
    if fam.anchor_transposed:
        return tuple(shape[:-2]), shape[-1]
    hidden = (num_proj or units) if fam.fuses_hidden_rows else 0
    if shape[-2] <= hidden:
        raise ValueError(f"{anchor.name} has {shape[-2]} rows: no room for inputs besides {hidden} hidden rows")
    return tuple(shape[:-2]), shape[-2] - hidden


def _options(family: str, cell: Dict[str, Any], leading: Tuple[int, ...], num_proj: Optional[int]) -> CellOptions:
    """The options of a built cell, from which of its family's optional variables it has."""
    fam = families.get(family)

    def present(option: str) -> List[Any]:
        return [cell[v.param] for v in fam.variables if option in v.needs and v.param in cell]

    projection = present("num_proj")
    if num_proj is None and projection:
        raise ValueError(f"{projection[0].name} is a projection: pass num_proj")
    return CellOptions(
        num_proj=num_proj,
        peepholes=bool(present("peepholes")),
        use_bias=fam.always_bias or bool(present("use_bias")),
        reset_after=any(np.ndim(w.value) == len(leading) + 2 for w in present("reset_after")),
        layer_norm=bool(present("layer_norm")),
    )


def _cell_pieces(
    family: str, cell: Dict[str, Any], units: int, num_proj: Optional[int]
) -> List[Tuple[str, Any, Piece]]:
    """(block key, variable, piece) of every block of one cell, its variables checked against its layout."""
    leading, inp = _inputs(family, cell, units, num_proj)
    layout = cell_layout(family, inp, units, _options(family, cell, leading, num_proj))
    unknown = sorted(set(cell) - set(layout))
    if unknown:
        raise ValueError(f"{family} has no variable {unknown[0]!r} ({cell[unknown[0]].name})")
    missing = sorted(set(layout) - set(cell))
    if missing:
        raise ValueError(f"{family} cell lacks its {missing[0]!r} variable")
    pieces: List[Tuple[str, Any, Piece]] = []
    for param, w in cell.items():
        shape, spec = np.shape(w.value), layout[param]
        if shape != leading + spec.shape:
            raise ValueError(f"{w.name} has shape {shape}; {family} with units={units} needs {leading + spec.shape}")
        pieces.extend((block_key(w.layer, w.direction, p.gate, p.part), w, p) for p in spec.pieces)
    return pieces


class Splitter:
    """Cuts the canonical blocks out of the variables of one built route, draw after draw.

    The layout is worked out (and the variables checked against it) once, from the first draw's
    ``weights``; every later draw must list the same variables, in the same order, with the same shapes.
    """

    def __init__(self, family: str, weights: Sequence[Any], units: int, num_proj: Optional[int] = None) -> None:
        if num_proj is not None and "num_proj" not in families.get(family).options:
            raise ValueError(f"num_proj is a projection width; {family} has no projection")
        index = {id(w): i for i, w in enumerate(weights)}
        self.pieces = [
            (key, index[id(w)], w.name, p)
            for cell in _by_cell(weights).values()
            for key, w, p in _cell_pieces(family, cell, units, num_proj)
        ]

    def __call__(self, weights: Sequence[Any]) -> Dict[str, Block]:
        values = [np.asarray(w.value) for w in weights]  # once per variable, not per block
        return {key: Block(key, name, cut(values[i], p), p.region) for key, i, name, p in self.pieces}


def split(family: str, weights: Sequence[Any], units: int, num_proj: Optional[int] = None) -> Dict[str, Block]:
    """Canonical blocks of every variable of one built route.

    ``weights`` are ``backends.routes.base.Weight`` records (``name, layer, direction, param, value``);
    values may carry leading axes (a stack of draws), read off each cell's kernel. ``num_proj`` is
    the TF1 LSTMCell projection width (its recurrent kernel rows are then num_proj, not units).
    Raises ValueError for an unknown family or param, a missing variable or a shape that does not fit.
    """
    return Splitter(family, weights, units, num_proj)(weights)


def block_value(block: Any) -> np.ndarray:
    """The array of a ``Block`` or an array."""
    return np.asarray(getattr(block, "value", block))


def effective_biases(family: str, blocks: Dict[str, Any], forget_bias: float = 0.0) -> Dict[str, np.ndarray]:
    """For every ``.../bias`` block, the bias its gate really sees before the nonlinearity.

    * a family with a run-time forget bias (TF1 ``LSTMCell``/``BasicLSTMCell``) adds ``forget_bias`` to
      the forget gate in ``call`` (``sigmoid(f + forget_bias)``); it is never stored, so the caller passes
      the value from the cell config. Other families take none (Keras ``unit_forget_bias`` stores 1.0).
    * a stored ``recurrent_bias`` (Keras GRU reset_after): update and reset see ``x W + b_in + h U +
      b_rec``, so bias + recurrent_bias; a gate whose recurrent term the reset gate scales (the
      candidate: ``tanh(x W + b_in + r * (h U + b_rec))``) sees ``bias`` alone.
    * otherwise the stored bias.
    ``blocks`` may map keys to ``Block`` or to arrays.
    """
    fam = families.get(family)
    if forget_bias and not fam.runtime_forget_bias:
        raise ValueError(f"forget_bias is a run-time TF1 LSTM cell option; {family} has none")
    biases = {}
    for key, block in blocks.items():
        layer, direction, gate, part = parse_key(key)
        if part != "bias":
            continue
        value = block_value(block)
        recurrent = blocks.get(block_key(layer, direction, gate, "recurrent_bias"))
        if fam.runtime_forget_bias and gate == "forget":
            value = value + forget_bias
        elif recurrent is not None and gate not in fam.reset_scaled:
            value = value + block_value(recurrent)
        biases[key] = value
    return biases
