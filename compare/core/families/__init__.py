"""The cell-family registry: every way of storing a recurrent cell's weights, declared once as data.

In-env and host alike (standard library only; Python 3.6+). A *family* is one storage layout: its
variables (param name, shape, the gate order inside each fused variable, which rows are input and
which recurrent), its bias conventions (stored, or added at run time like TF1's ``forget_bias``;
recurrent biases the reset gate scales), the config keys that change what it computes and how they
normalise across TF1 and Keras, and the TF/Keras classes that store weights this way.

``compare.core.layout`` (split and assemble), ``compare.core.port``, the diff's config row, the recipe, the
report and the routes read this registry; nothing else knows a family by name. Adding a family is one
:func:`register` call plus the code in its route that builds it.

Shapes are declared by kind, with ``inp`` inputs, ``units`` units, ``h`` the hidden width the cell
feeds back (``num_proj`` or ``units``) and ``G`` the gates of the variable:

===========  ==========================  =============================================================
kind         shape                       pieces
===========  ==========================  =============================================================
fused        (inp + h, G * units)        rows [x; h] -> parts kernel, recurrent; gates side by side
input        (inp, G * units)            part kernel; gates side by side
recurrent    (h, G * units)              part recurrent; gates side by side
vector       (G * units,)                ``part`` of each gate
pair         (2, G * units)              row 0 part bias, row 1 part recurrent_bias
diag         (units,)                    ``part`` of the one gate
stacked      (2 * G * units,)            first half part bias, second half part recurrent_bias
projection   (units, num_proj)           the projection block
opaque       cuDNN's one flat buffer     none: only cuDNN knows its layout (a GPU family)
===========  ==========================  =============================================================

An ``input`` or ``recurrent`` variable with ``cudnn_order`` (Keras's CuDNN layers) stores each gate's
(rows, units) slice as cuDNN reads it: a row-major (units, rows) matrix, so the block is
``slice.reshape(units, rows).T``.
"""
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, FrozenSet, List, Mapping, Optional, Tuple

GATES = {"gru": ("update", "reset", "candidate"), "lstm": ("input", "forget", "cell", "output")}
# The gate whose recurrent term a GRU's reset gate may scale (reset_after): its recurrent bias cannot be
# folded into its input bias.
RESET_SCALABLE = {"gru": ("candidate",), "lstm": ()}
PARTS = ("kernel", "recurrent", "bias", "recurrent_bias", "peephole", "gain", "shift")
PROJECTION = "projection"
# A layer-normalised LSTM also normalises its new cell state: its gain and shift are blocks of this
# pseudo-gate (``l0/fw/state/gain``), as the projection is one.
STATE = "state"
KINDS = ("fused", "input", "recurrent", "vector", "pair", "diag", "stacked", "projection", "opaque")
# The options a cell may have beyond the plain one (compare.core.layout.CellOptions), as a variable's
# condition names them; "!reset_after" means reset_after is off.
OPTIONS = ("num_proj", "peepholes", "use_bias", "reset_after", "layer_norm")


@dataclass(frozen=True)
class Variable:
    """One variable of a cell: which param, its shape kind, its gates in column order, when it exists."""

    param: str
    kind: str
    gates: Tuple[str, ...] = ()
    part: str = "bias"                  # vector and diag: which part their pieces are
    needs: Tuple[str, ...] = ()         # options that must hold (``"!x"``: must not) for it to exist
    cudnn_order: bool = False           # each gate's (rows, units) slice is cuDNN's row-major (units, rows)


@dataclass(frozen=True)
class Read:
    """A config value read from the built cell's config (``key``), ``default`` when absent."""

    key: str
    default: Any = None


@dataclass(frozen=True)
class Fixed:
    """A value the family always computes with, whatever the config says."""

    value: Any


# The options that change what a cell computes, in one vocabulary for every family, in display order.
COMPUTATION_KEYS = ("activation", "recurrent_activation", "use_bias", "reset_after", "forget_bias",
                    "unit_forget_bias", "use_peepholes", "num_proj", "cell_clip", "layer_norm")
CELL_KEYS = {"gru": ("activation", "recurrent_activation", "use_bias", "reset_after"),
             "lstm": ("activation", "recurrent_activation", "use_bias", "forget_bias", "unit_forget_bias",
                      "use_peepholes", "num_proj", "cell_clip", "layer_norm")}


@dataclass(frozen=True)
class Family:
    """One way of storing a cell's weights (see the module docstring)."""

    name: str
    cell: str                                   # "gru" | "lstm"
    framework: str                              # "tf1" | "keras": which route builds it
    classes: Tuple[str, ...]                    # the classes that store weights this way
    variables: Tuple[Variable, ...]
    anchor: str                                 # the 2-D variable whose rows tell the input width
    options: FrozenSet[str] = frozenset()       # options this family has besides the plain cell
    always_bias: bool = False                   # biases always exist (use_bias cannot be off)
    runtime_forget_bias: bool = False           # forget_bias added in call(), never stored
    reset_scaled: Tuple[str, ...] = ()          # gates whose recurrent_bias the reset gate scales
    config: Mapping[str, Any] = field(default_factory=dict)  # computation key -> Read | Fixed
    stacks_per_direction: bool = False          # True: each direction stacks its own layers, always
    legacy_names: Tuple[Tuple[str, str], ...] = ()  # (old, current) last name parts of older TF versions
    needs_gpu: bool = False                     # TensorFlow cannot even initialize it without a GPU
    runs_on_gpu_only: bool = False              # initializes on a CPU, but its forward pass needs cuDNN
    initialized_as: str = ""                    # the family whose initialization this one's repeats (measured)
    # (class, op type): the classes whose cells run one fused TensorFlow op rather than MatMuls, so a
    # saved graph tells them from the classes that store the same variables (checkpoint inspection)
    class_ops: Tuple[Tuple[str, str], ...] = ()

    @property
    def gates(self) -> Tuple[str, ...]:
        return GATES[self.cell]

    @property
    def params(self) -> Tuple[str, ...]:
        return tuple(v.param for v in self.variables)

    @property
    def fuses_hidden_rows(self) -> bool:
        """Whether the anchor kernel holds [x; h] rows (TF1 cells) rather than x alone."""
        return any(v.param == self.anchor and v.kind == "fused" for v in self.variables)

    def exists(self, variable: Variable, flags: Mapping[str, bool]) -> bool:
        return all(flags[n[1:]] is False if n.startswith("!") else bool(flags[n]) for n in variable.needs)


_REGISTRY = OrderedDict()  # type: Dict[str, Family]


def register(family: Family) -> Family:
    """Add ``family`` to the registry (ValueError for a malformed or duplicate entry); returns it."""
    _check(family)
    if family.name in _REGISTRY:
        raise ValueError("family {!r} is already registered".format(family.name))
    _REGISTRY[family.name] = family
    return family


def unregister(name: str) -> None:
    """Remove a family (tests add throw-away families and take them out again)."""
    _REGISTRY.pop(name, None)


def _check(family: Family) -> None:
    if family.cell not in GATES:
        raise ValueError("family {}: cell must be one of {}".format(family.name, ", ".join(GATES)))
    for var in family.variables:
        if var.kind not in KINDS:
            raise ValueError("family {}: {} has unknown kind {!r}".format(family.name, var.param, var.kind))
        stray = [g for g in var.gates if g not in family.gates + ((STATE,) if var.kind == "diag" else ())]
        if stray:
            raise ValueError("family {}: {} names gate {!r}, not a {} gate".format(
                family.name, var.param, stray[0], family.cell))
        unknown = [n for n in var.needs if n.lstrip("!") not in OPTIONS]
        if unknown:
            raise ValueError("family {}: {} needs unknown option {!r}".format(family.name, var.param, unknown[0]))
    if family.anchor not in family.params:
        raise ValueError("family {}: anchor {!r} is none of its variables".format(family.name, family.anchor))
    stray_keys = sorted(set(family.config) - set(COMPUTATION_KEYS))
    if stray_keys:
        raise ValueError("family {}: unknown config key {!r}".format(family.name, stray_keys[0]))


def names() -> Tuple[str, ...]:
    return tuple(_REGISTRY)


def get(name: str) -> Family:
    """The family called ``name``; ValueError naming the known ones otherwise."""
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise ValueError("unknown family {!r} (known: {})".format(name, ", ".join(_REGISTRY))) from None


def of_class(class_name: str, framework: Optional[str] = None) -> Family:
    """The family whose weights ``class_name`` (e.g. ``GRUCell``) stores."""
    for family in _REGISTRY.values():
        if class_name in family.classes and framework in (None, family.framework):
            return family
    raise ValueError("no family stores the weights of {!r}".format(class_name))


def of_instance(obj: Any, framework: Optional[str] = None) -> Family:
    """The family of a built cell object: its class or the nearest base class the registry names
    (a user's subclass of ``GRUCell`` stores its weights as ``GRUCell`` does)."""
    for klass in type(obj).__mro__:
        for family in _REGISTRY.values():
            if klass.__name__ in family.classes and framework in (None, family.framework):
                return family
    raise ValueError("no family stores the weights of {!r}".format(type(obj).__name__))


def for_cell(framework: str, cell: str) -> Family:
    """The plain family of ``framework`` for a ``gru`` or ``lstm`` (the first registered)."""
    for family in _REGISTRY.values():
        if family.framework == framework and family.cell == cell:
            return family
    raise ValueError("no {} family for a {}".format(framework, cell))


# ---------------------------------------------------------------- what a built cell computes


@dataclass(frozen=True)
class Computation:
    """What a built route computes, normalised across families (compare with ``==`` key by key).

    ``stacking`` is ``per direction`` (each direction stacks its own layers: MultiRNNCell, Keras
    ``stacking="cells"``, one direction) or ``per level`` (a bidirectional Keras ``layers`` stack:
    layer 2 sees both directions' outputs)."""

    family: str
    values: Tuple[Tuple[str, Any], ...]   # (key, value) in CELL_KEYS order
    stacking: str

    def get(self, key: str, default: Any = None) -> Any:
        return dict(self.values).get(key, default)

    def as_dict(self) -> "OrderedDict[str, Any]":
        """The cell's keys in display order, then ``stacking``."""
        out = OrderedDict(self.values)
        out["stacking"] = self.stacking
        return out


PER_DIRECTION = "per direction"
PER_LEVEL = "per level (layer 2 sees both directions)"


def function_name(value: Any) -> Optional[str]:
    """An activation as configs store it (a name, a Keras config dict, a function's repr) -> ``"tanh"``."""
    if value is None:
        return None
    if isinstance(value, dict):
        inner = value.get("config") if isinstance(value.get("config"), dict) else {}
        value = inner.get("name") or value.get("class_name") or value.get("name")
    text = str(value)
    match = re.search(r"function (\w+)", text)
    return (match.group(1) if match else text).lower()


_NORMALISE = {
    "activation": lambda v: function_name(v) or "tanh",
    "recurrent_activation": function_name,
    "use_bias": bool,
    "reset_after": bool,
    "forget_bias": float,
    "unit_forget_bias": bool,
    "use_peepholes": bool,
    "layer_norm": bool,
}


def cell_config(config: Mapping[str, Any]) -> Mapping[str, Any]:
    """The built config's cell table (the first cell of a Keras ``StackedRNNCells``)."""
    cell = config.get("cell") or {}
    if isinstance(cell.get("cells"), list) and cell["cells"]:
        first = cell["cells"][0]
        cell = first.get("config", first) if isinstance(first, dict) else {}
    return cell


def computation(family: Family, config: Mapping[str, Any], layers: int = 1, bidirectional: bool = False) -> Computation:
    """What a route of ``family`` with this built ``config`` computes (KeyError for a required key absent)."""
    cell = cell_config(config)
    values: List[Tuple[str, Any]] = []
    for key in CELL_KEYS[family.cell]:
        rule = family.config.get(key, Fixed(None))
        if isinstance(rule, Fixed):
            value = rule.value
        elif rule.default is None and key == "forget_bias":
            value = cell[rule.key]  # TF1's run-time forget_bias decides the forget gate: never guessed
        else:
            value = cell.get(rule.key, rule.default)
        values.append((key, _NORMALISE[key](value) if key in _NORMALISE else value))
    per_level = (not family.stacks_per_direction and config.get("stacking") == "layers"
                 and bidirectional and layers > 1)
    return Computation(family.name, tuple(values), PER_LEVEL if per_level else PER_DIRECTION)


# ---------------------------------------------------------------- the families

TF1_GATE_ACTIVATION = "sigmoid"  # TF1 GRUCell/LSTMCell gates: math_ops.sigmoid, not configurable

_TF1_CONFIG = {"activation": Read("activation", "tanh"), "recurrent_activation": Fixed(TF1_GATE_ACTIVATION),
               "use_bias": Fixed(True), "reset_after": Fixed(False)}
_KERAS_CONFIG = {"activation": Read("activation"), "recurrent_activation": Read("recurrent_activation"),
                 "use_bias": Read("use_bias", True), "reset_after": Read("reset_after", False),
                 "forget_bias": Fixed(0.0), "unit_forget_bias": Read("unit_forget_bias", False),
                 "use_peepholes": Fixed(False), "num_proj": Fixed(None), "cell_clip": Fixed(None)}

_TF1_LEGACY = (("weights", "kernel"), ("biases", "bias"))  # TF <= 1.1 named the variables so

TF1_GRU = register(Family(
    name="tf1_gru", cell="gru", framework="tf1", classes=("GRUCell",), anchor="gates/kernel",
    variables=(Variable("gates/kernel", "fused", ("reset", "update")),
               Variable("gates/bias", "vector", ("reset", "update")),
               Variable("candidate/kernel", "fused", ("candidate",)),
               Variable("candidate/bias", "vector", ("candidate",))),
    always_bias=True, config=_TF1_CONFIG, stacks_per_direction=True, legacy_names=_TF1_LEGACY))

TF1_LSTM = register(Family(
    name="tf1_lstm", cell="lstm", framework="tf1", classes=("LSTMCell", "BasicLSTMCell"), anchor="kernel",
    variables=(Variable("kernel", "fused", ("input", "cell", "forget", "output")),  # [i | j | f | o]
               Variable("bias", "vector", ("input", "cell", "forget", "output")),
               Variable("w_i_diag", "diag", ("input",), "peephole", ("peepholes",)),
               Variable("w_f_diag", "diag", ("forget",), "peephole", ("peepholes",)),
               Variable("w_o_diag", "diag", ("output",), "peephole", ("peepholes",)),
               Variable("projection/kernel", "projection", (), "kernel", ("num_proj",))),
    options=frozenset({"num_proj", "peepholes"}), always_bias=True, runtime_forget_bias=True,
    config=dict(_TF1_CONFIG, forget_bias=Read("forget_bias"), unit_forget_bias=Fixed(False),
                use_peepholes=Read("use_peepholes", False), num_proj=Read("num_proj"),
                cell_clip=Read("cell_clip")),
    stacks_per_direction=True, legacy_names=_TF1_LEGACY))

_KERAS_GRU_GATES = ("update", "reset", "candidate")        # [z | r | h]
_KERAS_LSTM_GATES = ("input", "forget", "cell", "output")  # [i | f | c | o]

KERAS_GRU = register(Family(
    name="keras_gru", cell="gru", framework="keras", classes=("GRU", "GRUCell"), anchor="kernel",
    variables=(Variable("kernel", "input", _KERAS_GRU_GATES),
               Variable("recurrent_kernel", "recurrent", _KERAS_GRU_GATES),
               Variable("bias", "vector", _KERAS_GRU_GATES, "bias", ("use_bias", "!reset_after")),
               Variable("bias", "pair", _KERAS_GRU_GATES, "bias", ("use_bias", "reset_after"))),
    options=frozenset({"use_bias", "reset_after"}), reset_scaled=("candidate",), config=_KERAS_CONFIG))

KERAS_LSTM = register(Family(
    name="keras_lstm", cell="lstm", framework="keras", classes=("LSTM", "LSTMCell"), anchor="kernel",
    variables=(Variable("kernel", "input", _KERAS_LSTM_GATES),
               Variable("recurrent_kernel", "recurrent", _KERAS_LSTM_GATES),
               Variable("bias", "vector", _KERAS_LSTM_GATES, "bias", ("use_bias",))),
    options=frozenset({"use_bias"}), config=_KERAS_CONFIG))

# ---------------------------------------------------------------- TF 1.15 contrib and cuDNN families
# Each layout below is read from the cell's own call or op (TF 1.15 sources) and proven by a forward
# pass in tf115 (tests/test_cells_tf.py): numpy on the canonical blocks reproduces the cell's output.
# ``initialized_as``: the block cells draw their kernel over [x; h] from the scope initializer (glorot
# by default) and store LSTMCell's zero bias / GRUCell's gate bias 1.0 and candidate bias 0, as measured
# in tf115 (compare/suites/cells.toml), so the recipe that starts Keras like those starts it like these.

_BLOCK_LSTM_CONFIG = dict(_TF1_CONFIG, recurrent_activation=Fixed("sigmoid"), activation=Fixed("tanh"),
                          unit_forget_bias=Fixed(False), num_proj=Fixed(None))
_BLOCK_LSTM_VARIABLES = (Variable("kernel", "fused", ("input", "cell", "forget", "output")),  # op: [i | ci | f | o]
                         Variable("bias", "vector", ("input", "cell", "forget", "output")),
                         Variable("w_i_diag", "diag", ("input",), "peephole", ("peepholes",)),
                         Variable("w_f_diag", "diag", ("forget",), "peephole", ("peepholes",)),
                         Variable("w_o_diag", "diag", ("output",), "peephole", ("peepholes",)))

TF1_LSTM_BLOCK = register(Family(
    # LSTMBlockFusedCell is not an RNNCell (it runs time-major over the whole sequence) but stores the
    # same variables and runs the same op per step.
    name="tf1_lstm_block", cell="lstm", framework="tf1", classes=("LSTMBlockCell", "LSTMBlockFusedCell"),
    anchor="kernel", variables=_BLOCK_LSTM_VARIABLES, options=frozenset({"peepholes"}), always_bias=True,
    runtime_forget_bias=True, stacks_per_direction=True, initialized_as="tf1_lstm",
    class_ops=(("LSTMBlockCell", "LSTMBlockCell"), ("LSTMBlockFusedCell", "BlockLSTM"),
               ("LSTMBlockFusedCell", "BlockLSTMV2")),
    # TF 1.1's block cells name them weights / biases (read off real TF 1.1 checkpoints: tests/test_inspect_tf.py)
    legacy_names=_TF1_LEGACY,
    config=dict(_BLOCK_LSTM_CONFIG, forget_bias=Read("forget_bias"), use_peepholes=Read("use_peephole", False),
                cell_clip=Read("cell_clip"))))

TF1_CUDNN_LSTM = register(Family(
    # an LSTMBlockCell built with forget_bias=0, no clip, no peepholes: cuDNN's LSTM on a CPU
    name="tf1_cudnn_compatible_lstm", cell="lstm", framework="tf1", classes=("CudnnCompatibleLSTMCell",),
    anchor="kernel", variables=_BLOCK_LSTM_VARIABLES[:2], always_bias=True, runtime_forget_bias=True,
    stacks_per_direction=True, class_ops=(("CudnnCompatibleLSTMCell", "LSTMBlockCell"),),
    config=dict(_BLOCK_LSTM_CONFIG, forget_bias=Fixed(0.0), use_peepholes=Fixed(False), cell_clip=Fixed(None))))

TF1_GRU_BLOCK = register(Family(
    name="tf1_gru_block", cell="gru", framework="tf1", classes=("GRUBlockCellV2", "GRUBlockCell"),
    anchor="gates/kernel", variables=TF1_GRU.variables, always_bias=True, stacks_per_direction=True,
    # the GRUBlockCell op: tanh, not configurable
    config=dict(_TF1_CONFIG, activation=Fixed("tanh")), initialized_as="tf1_gru",
    class_ops=(("GRUBlockCellV2", "GRUBlockCell"), ("GRUBlockCell", "GRUBlockCell"))))

TF1_CUDNN_GRU = register(Family(
    # the candidate keeps separate input and hidden projections: tanh(x Wx + bx + r * (h Wh + bh))
    name="tf1_cudnn_compatible_gru", cell="gru", framework="tf1", classes=("CudnnCompatibleGRUCell",),
    anchor="gates/kernel",
    variables=(Variable("gates/kernel", "fused", ("reset", "update")),
               Variable("gates/bias", "vector", ("reset", "update")),
               Variable("candidate/input_projection/kernel", "input", ("candidate",)),
               Variable("candidate/hidden_projection/kernel", "recurrent", ("candidate",)),
               Variable("candidate/input_projection/bias", "vector", ("candidate",)),
               Variable("candidate/hidden_projection/bias", "vector", ("candidate",), "recurrent_bias")),
    always_bias=True, reset_scaled=("candidate",), stacks_per_direction=True,
    config=dict(_TF1_CONFIG, reset_after=Fixed(True))))

_LN_GATES = (("input", "input"), ("transform", "cell"), ("forget", "forget"), ("output", "output"))  # scope, gate

TF1_LAYER_NORM_LSTM = register(Family(
    # call: [i | j | f | o] = [x; h] @ kernel (+ bias only without layer_norm); each gate's pre-activation,
    # then the new cell state, normalised over units and scaled by its gamma, shifted by its beta; the
    # run-time forget_bias is added to the normalised forget gate
    name="tf1_layer_norm_lstm", cell="lstm", framework="tf1", classes=("LayerNormBasicLSTMCell",), anchor="kernel",
    variables=((Variable("kernel", "fused", ("input", "cell", "forget", "output")),
                Variable("bias", "vector", ("input", "cell", "forget", "output"), "bias", ("!layer_norm",)))
               + tuple(Variable("{}/{}".format(scope, name), "diag", (gate,), part, ("layer_norm",))
                       for scope, gate in _LN_GATES + (("state", STATE),)
                       for name, part in (("gamma", "gain"), ("beta", "shift")))),
    options=frozenset({"layer_norm"}), runtime_forget_bias=True, stacks_per_direction=True,
    config=dict(_TF1_CONFIG, forget_bias=Read("forget_bias"), unit_forget_bias=Fixed(False),
                use_peepholes=Fixed(False), num_proj=Fixed(None), cell_clip=Fixed(None),
                layer_norm=Read("layer_norm", True)), legacy_names=_TF1_LEGACY))

_CUDNN_OPAQUE = (Variable("opaque_kernel", "opaque"),)
TF1_CUDNN_OPAQUE_LSTM = register(Family(
    name="tf1_cudnn_lstm", cell="lstm", framework="tf1", classes=("CudnnLSTM",), anchor="opaque_kernel",
    variables=_CUDNN_OPAQUE, needs_gpu=True))
TF1_CUDNN_OPAQUE_GRU = register(Family(
    name="tf1_cudnn_gru", cell="gru", framework="tf1", classes=("CudnnGRU",), anchor="opaque_kernel",
    variables=_CUDNN_OPAQUE, needs_gpu=True))

# Keras's CuDNNGRU / CuDNNLSTM: Keras gate order, and one flat bias [input biases | recurrent biases]
# (their call hands cuDNN bias[:3u] as the input and bias[3u:] as the recurrent biases). Their call also
# hands each gate's kernel slice to cuDNN flattened as it is, and cuDNN reads the flat buffer as a
# row-major (units, rows) matrix W computing W @ x: the gate's kernel in the x @ K sense is
# slice.reshape(units, rows).T (for the square recurrent slice, slice.T). Keras's own weight converter
# (hdf5_format._convert_rnn_weights) does the same; tests/test_cells_tf.py checks both agree.
_KERAS_CUDNN_CONFIG = dict(_KERAS_CONFIG, activation=Fixed("tanh"), recurrent_activation=Fixed("sigmoid"),
                           use_bias=Fixed(True))

KERAS_CUDNN_GRU = register(Family(
    name="keras_cudnn_gru", cell="gru", framework="keras", classes=("CuDNNGRU",), anchor="kernel",
    variables=(Variable("kernel", "input", _KERAS_GRU_GATES, cudnn_order=True),
               Variable("recurrent_kernel", "recurrent", _KERAS_GRU_GATES, cudnn_order=True),
               Variable("bias", "stacked", _KERAS_GRU_GATES)),
    always_bias=True, reset_scaled=("candidate",), config=dict(_KERAS_CUDNN_CONFIG, reset_after=Fixed(True)),
    runs_on_gpu_only=True))

KERAS_CUDNN_LSTM = register(Family(
    name="keras_cudnn_lstm", cell="lstm", framework="keras", classes=("CuDNNLSTM",), anchor="kernel",
    variables=(Variable("kernel", "input", _KERAS_LSTM_GATES, cudnn_order=True),
               Variable("recurrent_kernel", "recurrent", _KERAS_LSTM_GATES, cudnn_order=True),
               Variable("bias", "stacked", _KERAS_LSTM_GATES)),
    always_bias=True, config=_KERAS_CUDNN_CONFIG, runs_on_gpu_only=True))


def display_order() -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """(gates, parts) in the order tables show them: GRU gates, LSTM gates, the projection, then all-gates."""
    gates: List[str] = []
    for family in _REGISTRY.values():
        gates += [g for g in family.gates if g not in gates]
    return tuple(gates) + (PROJECTION, STATE, "*"), PARTS


def ports_exactly(source: Family, target: Family) -> Optional[str]:
    """None when weights of ``source`` can be carried into ``target`` unchanged in function, else why not
    (the options of the two built cells are checked by ``compare.core.port``)."""
    if source.cell != target.cell:
        return "a {} cannot hold {} weights".format(target.name, source.name)
    for family in (source, target):
        if family.needs_gpu:
            return "{} keeps its weights in one opaque cuDNN buffer, whose layout only cuDNN on a GPU knows".format(
                family.classes[0])
    return None
