"""Canonical per-gate blocks of GRU/LSTM weights, and back (numpy only; runs in every TF env).

Every variable of one built route maps onto blocks keyed ``l{layer}/{fw|bw}/{gate}/{part}``:

* gates: GRU ``update``, ``reset``, ``candidate``; LSTM ``input``, ``forget``, ``cell``, ``output``;
  an LSTM projection (TF1 ``LSTMCell(num_proj=...)``) is the block ``l{layer}/{dir}/projection/kernel``.
* parts: ``kernel`` (input -> gate), ``recurrent`` (hidden -> gate), ``bias``, ``recurrent_bias``
  (Keras ``GRU(reset_after=True)`` only) and ``peephole`` (TF1 ``LSTMCell(use_peepholes=True)``).

The layouts relied on (the order of gates inside the fused variables, as the cells' ``call`` splits them):

* ``tf1_gru`` (``GRUCell``): ``gates/kernel`` (in+units, 2*units) columns [r | u] over rows [x; h],
  ``gates/bias`` (2*units) [r | u], ``candidate/kernel`` (in+units, units) rows [x; h], ``candidate/bias``.
* ``tf1_lstm`` (``LSTMCell``, ``BasicLSTMCell``): ``kernel`` (in+h, 4*units) columns [i | j | f | o],
  j being the cell input, rows [x; h] with h = num_proj or units; ``bias`` (4*units); ``w_i_diag``,
  ``w_f_diag``, ``w_o_diag`` (units,); ``projection/kernel`` (units, num_proj).
* ``keras_gru``: ``kernel`` (in, 3*units) and ``recurrent_kernel`` (units, 3*units) columns [z | r | h];
  ``bias`` (3*units), or (2, 3*units) with reset_after (row 0 input bias, row 1 recurrent bias), or absent.
* ``keras_lstm``: ``kernel`` (in, 4*units), ``recurrent_kernel`` (units, 4*units), ``bias`` (4*units),
  columns [i | f | c | o].

Every array may carry extra leading axes (a stack of draws: seeds first); blocks are cut with
``value[..., rows, cols]``, so one draw and a stack of draws go through the same code.
"""
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

GATES = {"gru": ("update", "reset", "candidate"), "lstm": ("input", "forget", "cell", "output")}
PARTS = ("kernel", "recurrent", "bias", "recurrent_bias", "peephole")
PROJECTION = "projection"
FAMILIES = ("tf1_gru", "tf1_lstm", "keras_gru", "keras_lstm")

# Column order of the gates inside each family's fused variables.
TF1_GRU_GATES = ("reset", "update")                        # gates/kernel, gates/bias: [r | u]
TF1_LSTM_GATES = ("input", "cell", "forget", "output")     # [i | j | f | o], j = the cell input
KERAS_GRU_GATES = ("update", "reset", "candidate")         # [z | r | h]
KERAS_LSTM_GATES = ("input", "forget", "cell", "output")   # [i | f | c | o]
PEEPHOLES = (("w_i_diag", "input"), ("w_f_diag", "forget"), ("w_o_diag", "output"))

# The variable whose last two axes are (rows, columns) of a 2-D kernel: it tells the leading axes.
ANCHOR = {"tf1_gru": "gates/kernel", "tf1_lstm": "kernel", "keras_gru": "kernel", "keras_lstm": "kernel"}

Region = Tuple[Union[int, slice], ...]


class PortError(ValueError):
    """Blocks that cannot be placed into a family's variables without changing what the layer computes."""


@dataclass(frozen=True)
class Piece:
    """Where one block sits inside a variable: ``variable[(Ellipsis,) + region]``."""

    gate: str
    part: str
    region: Region


@dataclass(frozen=True)
class ParamLayout:
    """One cell variable: its shape without leading axes, and the blocks that tile it exactly."""

    shape: Tuple[int, ...]
    pieces: Tuple[Piece, ...]


@dataclass(frozen=True)
class CellOptions:
    """The cell options that change which variables exist (defaults: a plain cell)."""

    num_proj: Optional[int] = None   # tf1_lstm only
    peepholes: bool = False          # tf1_lstm only
    use_bias: bool = True            # False only for keras_gru / keras_lstm
    reset_after: bool = False        # keras_gru only


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
    if family not in FAMILIES:
        raise ValueError("unknown family {!r} (known: {})".format(family, ", ".join(FAMILIES)))
    return family.split("_")[1]


def block_key(layer: int, direction: str, gate: str, part: str) -> str:
    return "l{}/{}/{}/{}".format(layer, direction, gate, part)


def parse_key(key: str) -> Tuple[int, str, str, str]:
    """``"l1/bw/reset/kernel"`` -> ``(1, "bw", "reset", "kernel")``; ValueError if malformed."""
    fields = key.split("/")
    if len(fields) != 4 or not fields[0].startswith("l") or not fields[0][1:].isdigit():
        raise ValueError("block key {!r} is not l{{layer}}/{{fw|bw}}/{{gate}}/{{part}}".format(key))
    return int(fields[0][1:]), fields[1], fields[2], fields[3]


def describe(region: Region) -> str:
    """``(slice(2, 5), slice(0, 3))`` -> ``"[2:5, 0:3]"``."""
    text = [str(r) if isinstance(r, int) else "{}:{}".format(r.start, r.stop) for r in region]
    return "[" + ", ".join(text) + "]"


def region_shape(region: Region) -> Tuple[int, ...]:
    return tuple(r.stop - r.start for r in region if isinstance(r, slice))


def block_keys(family: str, layers: int, directions: Sequence[str], options: Optional[CellOptions] = None) -> List[str]:
    """Every block key a built route of ``family`` yields, in layout order."""
    layout = cell_layout(family, 1, 1, options or CellOptions())
    return [block_key(layer, direction, p.gate, p.part)
            for layer in range(layers) for direction in directions
            for spec in layout.values() for p in spec.pieces]


# ---------------------------------------------------------------- layouts


def _cols(index: int, units: int) -> slice:
    return slice(index * units, (index + 1) * units)


def _matrix(gates: Sequence[str], units: int, rows: Sequence[Tuple[str, slice]]) -> Tuple[Piece, ...]:
    """Gates side by side in column blocks of ``units``; row ranges are parts."""
    return tuple(Piece(g, part, (r, _cols(i, units))) for i, g in enumerate(gates) for part, r in rows)


def _vector(gates: Sequence[str], units: int, part: str, lead: Region = ()) -> Tuple[Piece, ...]:
    return tuple(Piece(g, part, lead + (_cols(i, units),)) for i, g in enumerate(gates))


def _tf1_gru(inp: int, units: int, _options: CellOptions) -> Dict[str, ParamLayout]:
    """GRUCell: ``[x, h] @ gates/kernel`` splits into r, u; the candidate sees ``[x, r * h]``."""
    rows = (("kernel", slice(0, inp)), ("recurrent", slice(inp, inp + units)))
    return {
        "gates/kernel": ParamLayout((inp + units, 2 * units), _matrix(TF1_GRU_GATES, units, rows)),
        "gates/bias": ParamLayout((2 * units,), _vector(TF1_GRU_GATES, units, "bias")),
        "candidate/kernel": ParamLayout((inp + units, units), _matrix(("candidate",), units, rows)),
        "candidate/bias": ParamLayout((units,), _vector(("candidate",), units, "bias")),
    }


def _tf1_lstm(inp: int, units: int, options: CellOptions) -> Dict[str, ParamLayout]:
    """LSTMCell/BasicLSTMCell: ``[x, h] @ kernel + bias`` splits into i, j, f, o; h has num_proj columns."""
    h = options.num_proj or units
    rows = (("kernel", slice(0, inp)), ("recurrent", slice(inp, inp + h)))
    layout = {
        "kernel": ParamLayout((inp + h, 4 * units), _matrix(TF1_LSTM_GATES, units, rows)),
        "bias": ParamLayout((4 * units,), _vector(TF1_LSTM_GATES, units, "bias")),
    }
    if options.peepholes:
        for param, gate in PEEPHOLES:
            layout[param] = ParamLayout((units,), (Piece(gate, "peephole", (slice(0, units),)),))
    if options.num_proj:
        region = (slice(0, units), slice(0, options.num_proj))
        layout["projection/kernel"] = ParamLayout((units, options.num_proj), (Piece(PROJECTION, "kernel", region),))
    return layout


def _keras(gates: Sequence[str], inp: int, units: int, options: CellOptions) -> Dict[str, ParamLayout]:
    """Keras GRU/LSTM: ``x @ kernel`` and ``h @ recurrent_kernel``, gates side by side."""
    width = len(gates) * units
    layout = {
        "kernel": ParamLayout((inp, width), _matrix(gates, units, (("kernel", slice(0, inp)),))),
        "recurrent_kernel": ParamLayout((units, width), _matrix(gates, units, (("recurrent", slice(0, units)),))),
    }
    if options.use_bias and options.reset_after:
        pieces = _vector(gates, units, "bias", (0,)) + _vector(gates, units, "recurrent_bias", (1,))
        layout["bias"] = ParamLayout((2, width), pieces)
    elif options.use_bias:
        layout["bias"] = ParamLayout((width,), _vector(gates, units, "bias"))
    return layout


def _keras_gru(inp: int, units: int, options: CellOptions) -> Dict[str, ParamLayout]:
    return _keras(KERAS_GRU_GATES, inp, units, options)


def _keras_lstm(inp: int, units: int, options: CellOptions) -> Dict[str, ParamLayout]:
    return _keras(KERAS_LSTM_GATES, inp, units, options)


LAYOUTS = {"tf1_gru": _tf1_gru, "tf1_lstm": _tf1_lstm, "keras_gru": _keras_gru, "keras_lstm": _keras_lstm}


def unsupported(family: str, options: CellOptions) -> Optional[str]:
    """Why ``family`` has no cell with these options, or None."""
    if options.num_proj and family != "tf1_lstm":
        return "{} has no projection (only TF1 LSTMCell num_proj has)".format(family)
    if options.peepholes and family != "tf1_lstm":
        return "{} has no peephole connections (only TF1 LSTMCell use_peepholes has)".format(family)
    if options.reset_after and family != "keras_gru":
        return "{} has no reset_after variant (only Keras GRU has)".format(family)
    if not options.use_bias and family.startswith("tf1_"):
        return "{} always has biases".format(family)
    return None


def cell_layout(family: str, inp: int, units: int, options: Optional[CellOptions] = None) -> Dict[str, ParamLayout]:
    """Every variable of one cell (``inp`` inputs, ``units`` units) and the blocks that tile it."""
    family_cell(family)
    options = options or CellOptions()
    reason = unsupported(family, options)
    if reason:
        raise ValueError(reason)
    return LAYOUTS[family](inp, units, options)


# ---------------------------------------------------------------- variables -> blocks


def _by_cell(weights: Iterable[Any]) -> Dict[Tuple[int, str], Dict[str, Any]]:
    cells: Dict[Tuple[int, str], Dict[str, Any]] = {}
    for w in weights:
        cell = cells.setdefault((w.layer, w.direction), {})
        if w.param in cell:
            raise ValueError("two {!r} variables in cell l{}/{}: {} and {}".format(
                w.param, w.layer, w.direction, cell[w.param].name, w.name))
        cell[w.param] = w
    return cells


def _inputs(family: str, cell: Dict[str, Any], units: int, num_proj: Optional[int]) -> Tuple[Tuple[int, ...], int]:
    """(leading axes, input width) of a cell, read off its anchor kernel."""
    anchor = cell.get(ANCHOR[family])
    if anchor is None:
        raise ValueError("no {!r} variable among {}".format(ANCHOR[family], sorted(cell)))
    shape = np.shape(anchor.value)
    if len(shape) < 2:
        raise ValueError("{} has shape {}, not (..., rows, columns)".format(anchor.name, shape))
    hidden = (num_proj or units) if family.startswith("tf1_") else 0
    if shape[-2] <= hidden:
        raise ValueError("{} has {} rows: no room for inputs besides {} hidden rows".format(
            anchor.name, shape[-2], hidden))
    return tuple(shape[:-2]), shape[-2] - hidden


def _options(family: str, cell: Dict[str, Any], leading: Tuple[int, ...], num_proj: Optional[int]) -> CellOptions:
    keras = family.startswith("keras_")
    bias = cell.get("bias")
    if num_proj is None and "projection/kernel" in cell:
        raise ValueError("{} is a projection: pass num_proj".format(cell["projection/kernel"].name))
    return CellOptions(
        num_proj=num_proj,
        peepholes=family == "tf1_lstm" and any(p in cell for p, _ in PEEPHOLES),
        use_bias=(bias is not None) if keras else True,
        reset_after=family == "keras_gru" and bias is not None and np.ndim(bias.value) == len(leading) + 2,
    )


def _split_cell(family: str, cell: Dict[str, Any], units: int, num_proj: Optional[int]) -> List[Block]:
    leading, inp = _inputs(family, cell, units, num_proj)
    layout = cell_layout(family, inp, units, _options(family, cell, leading, num_proj))
    unknown = sorted(set(cell) - set(layout))
    if unknown:
        raise ValueError("{} has no variable {!r} ({})".format(family, unknown[0], cell[unknown[0]].name))
    missing = sorted(set(layout) - set(cell))
    if missing:
        raise ValueError("{} cell lacks its {!r} variable".format(family, missing[0]))
    blocks = []
    for param, w in cell.items():
        value, spec = np.asarray(w.value), layout[param]
        if value.shape != leading + spec.shape:
            raise ValueError("{} has shape {}; {} with units={} needs {}".format(
                w.name, value.shape, family, units, leading + spec.shape))
        for p in spec.pieces:
            key = block_key(w.layer, w.direction, p.gate, p.part)
            blocks.append(Block(key, w.name, value[(Ellipsis,) + p.region], p.region))
    return blocks


def split(family: str, weights: Iterable[Any], units: int, num_proj: Optional[int] = None) -> Dict[str, Block]:
    """Canonical blocks of every variable of one built route.

    ``weights`` are ``backends.base.Weight`` records (``name, layer, direction, param, value``);
    values may carry leading axes (a stack of draws), read off each cell's kernel. ``num_proj`` is
    the TF1 LSTMCell projection width (its recurrent kernel rows are then num_proj, not units).
    Raises ValueError for an unknown family or param, a missing variable or a shape that does not fit.
    """
    family_cell(family)
    if num_proj is not None and family != "tf1_lstm":
        raise ValueError("num_proj is a TF1 LSTMCell option; {} has none".format(family))
    blocks: Dict[str, Block] = {}
    for cell in _by_cell(weights).values():
        for block in _split_cell(family, cell, units, num_proj):
            blocks[block.key] = block
    return blocks


def _value(block: Any) -> np.ndarray:
    return np.asarray(getattr(block, "value", block))


def effective_biases(family: str, blocks: Dict[str, Any], forget_bias: float = 0.0) -> Dict[str, np.ndarray]:
    """For every ``.../bias`` block, the bias its gate really sees before the nonlinearity.

    * tf1_lstm: ``LSTMCell``/``BasicLSTMCell`` add ``forget_bias`` to the forget gate at run time
      (``sigmoid(f + forget_bias)``); it is never stored, so the caller passes the value from the cell
      config. Every other family takes no forget_bias (Keras ``unit_forget_bias`` stores its 1.0).
    * keras_gru with reset_after: update and reset see ``x W + b_in + h U + b_rec``, so bias +
      recurrent_bias; the candidate computes ``tanh(x W + b_in + r * (h U + b_rec))``, its recurrent
      bias is scaled by r and is no plain bias: its effective bias is ``bias`` alone.
    * otherwise the stored bias.
    ``blocks`` may map keys to ``Block`` or to arrays.
    """
    family_cell(family)
    if forget_bias and family != "tf1_lstm":
        raise ValueError("forget_bias is a run-time TF1 LSTM cell option; {} has none".format(family))
    biases = {}
    for key, block in blocks.items():
        layer, direction, gate, part = parse_key(key)
        if part != "bias":
            continue
        value = _value(block)
        recurrent = blocks.get(block_key(layer, direction, gate, "recurrent_bias"))
        if family == "tf1_lstm" and gate == "forget":
            value = value + forget_bias
        elif recurrent is not None and gate != "candidate":
            value = value + _value(recurrent)
        biases[key] = value
    return biases


# ---------------------------------------------------------------- blocks -> variables

RESET_AFTER_REASON = ("a reset_after=True GRU candidate computes r * (h @ U + b_rec), a TF1 GRUCell or "
                      "reset_after=False GRU computes (r * h) @ U: no weights make these the same function")


def _group(blocks: Dict[str, Any], layers: int, directions: Sequence[str]) -> Dict[Tuple[int, str], Dict]:
    cells: Dict[Tuple[int, str], Dict[Tuple[str, str], np.ndarray]] = {}
    for key, block in blocks.items():
        layer, direction, gate, part = parse_key(key)
        if layer >= layers or direction not in directions:
            raise PortError("block {} lies outside layers 0..{} and directions {}".format(
                key, layers - 1, "/".join(directions)))
        cells.setdefault((layer, direction), {})[(gate, part)] = _value(block)
    return cells


def _port_options(family: str, cell: Dict[Tuple[str, str], np.ndarray], reset_after: bool) -> CellOptions:
    """The target cell's options, from which blocks exist; PortError when no such cell exists."""
    parts = {part for _, part in cell}
    projection = cell.get((PROJECTION, "kernel"))
    has_recurrent_bias = "recurrent_bias" in parts
    if has_recurrent_bias != reset_after and "bias" in parts:
        raise PortError(RESET_AFTER_REASON)
    options = CellOptions(
        num_proj=None if projection is None else int(projection.shape[-1]),
        peepholes="peephole" in parts,
        use_bias="bias" in parts or family.startswith("tf1_"),
        reset_after=reset_after,
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
                cell[(p.gate, p.part)] = np.zeros(leading + region_shape(p.region), dtype)


def _fill(family: str, name: str, cell: Dict, spec: ParamLayout, leading: Tuple[int, ...]) -> np.ndarray:
    values = [cell[(p.gate, p.part)] for p in spec.pieces]
    array = np.empty(leading + spec.shape, np.result_type(*values))
    for p, value in zip(spec.pieces, values):
        need = leading + region_shape(p.region)
        if value.shape != need:
            raise PortError("block {}/{}/{} has shape {}; {} needs {}".format(
                name, p.gate, p.part, value.shape, family, need))
        array[(Ellipsis,) + p.region] = value
    return array


def _assemble_cell(family: str, cell: Dict, layer: int, direction: str, units: int,
                   reset_after: bool) -> Dict[Tuple[int, str, str], np.ndarray]:
    name = "l{}/{}".format(layer, direction)
    gates = GATES[family_cell(family)]
    foreign = sorted(k for k in cell if k[0] not in gates + (PROJECTION,))
    if foreign:
        raise PortError("block {}/{}/{} has no place in {} (gates {})".format(
            name, foreign[0][0], foreign[0][1], family, ", ".join(gates)))
    kernel = cell.get((gates[0], "kernel"))
    if kernel is None or kernel.ndim < 2:
        raise PortError("block {}/{}/kernel is missing or not a matrix".format(name, gates[0]))
    leading, inp = tuple(kernel.shape[:-2]), int(kernel.shape[-2])
    layout = cell_layout(family, inp, units, _port_options(family, cell, reset_after))
    _zero_biases(cell, layout, leading, kernel.dtype)
    expected = {(p.gate, p.part) for spec in layout.values() for p in spec.pieces}
    for gate, part in sorted(set(cell) ^ expected):
        what = "has no place in" if (gate, part) in cell else "is missing, needed by"
        raise PortError("block {}/{}/{} {} {} with these options".format(name, gate, part, what, family))
    return {(layer, direction, param): _fill(family, name, cell, spec, leading) for param, spec in layout.items()}


def assemble(family: str, blocks: Dict[str, Any], units: int, layers: int, directions: Sequence[str],
             reset_after: bool = False) -> Dict[Tuple[int, str, str], np.ndarray]:
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
    family_cell(family)
    if reset_after and family != "keras_gru":
        raise PortError("reset_after is a Keras GRU option; {} has none".format(family))
    cells = _group(blocks, layers, directions)
    variables: Dict[Tuple[int, str, str], np.ndarray] = {}
    for layer in range(layers):
        for direction in directions:
            cell = cells.get((layer, direction), {})
            variables.update(_assemble_cell(family, cell, layer, direction, units, reset_after))
    return variables
