"""The cell-family registry: the declarations a family is made of, and finding families.

A *family* is one way of storing a recurrent cell's weights: its variables (param name, shape kind, the
gate order inside each fused variable, which rows are input and which recurrent), its bias conventions
(stored, or added at run time like TF1's ``forget_bias``; recurrent biases the reset gate scales), the
config keys that change what it computes and how they normalise across TF1 and Keras, and the TF/Keras
classes that store weights this way. Layout, assembling, port, the diff's config row, the recipe, the
report and the routes read the registry; nothing else knows a family by name. Adding a family is one
entry in ``compare.core.families.builtin`` plus the code in its route that builds it.

Standard library only: runs on the host and in every TF env (Python 3.6+).
"""

import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, FrozenSet, List, Mapping, Optional, Tuple

GATES = {"gru": ("update", "reset", "candidate"), "lstm": ("input", "forget", "cell", "output")}
# The gate whose recurrent term a GRU's reset gate may scale (reset_after): its recurrent bias cannot be
# folded into its input bias.
RESET_SCALABLE = {"gru": ("candidate",), "lstm": ()}
PARTS = ("kernel", "recurrent", "bias", "recurrent_bias", "peephole", "gain", "shift")
PROJECTION = "projection"
# A layer-normalised LSTM also normalises its new cell state: its gain and shift are blocks of this
# pseudo-gate (``l0/fw/state/gain``), as the projection is one.
STATE = "state"
# Which route builds a family: the TF1 cells, Keras layers (any backend), PyTorch modules, Flax cells.
FRAMEWORKS = ("tf1", "keras", "torch", "flax")
KINDS = ("fused", "input", "recurrent", "vector", "pair", "diag", "stacked", "projection", "opaque")
# The options a cell may have beyond the plain one (compare.core.layout.CellOptions), as a variable's
# condition names them; "!reset_after" means reset_after is off.
OPTIONS = ("num_proj", "peepholes", "use_bias", "reset_after", "layer_norm")


@dataclass(frozen=True)
class Variable:
    """One variable of a cell: which param, its shape kind, its gates in column order, when it exists.

    Shapes are declared by kind, with ``inp`` inputs, ``units`` units, ``h`` the hidden width the cell
    feeds back (``num_proj`` or ``units``) and ``G`` the gates of the variable:

    ===========  ==========================  =========================================================
    kind         shape                       pieces
    ===========  ==========================  =========================================================
    fused        (inp + h, G * units)        rows [x; h] -> parts kernel, recurrent; gates side by side
    input        (inp, G * units)            part kernel; gates side by side
    recurrent    (h, G * units)              part recurrent; gates side by side
    vector       (G * units,)                ``part`` of each gate
    pair         (2, G * units)              row 0 part bias, row 1 part recurrent_bias
    diag         (units,)                    ``part`` of the one gate
    stacked      (2 * G * units,)            first half part bias, second half part recurrent_bias
    projection   (units, num_proj)           the projection block
    opaque       cuDNN's one flat buffer     none: only cuDNN knows its layout (a GPU family)
    ===========  ==========================  =========================================================

    An ``input`` or ``recurrent`` variable with ``cudnn_order`` (Keras's CuDNN layers) stores each gate's
    (rows, units) slice as cuDNN reads it: a row-major (units, rows) matrix, so the block is
    ``slice.reshape(units, rows).T``.

    A ``transposed`` ``input`` or ``recurrent`` variable is stored the other way round, (G * units, rows),
    gates stacked along its rows, as frameworks computing ``W @ x`` keep it (PyTorch's ``weight_ih`` /
    ``weight_hh``): each gate's block is its (units, rows) slice transposed, so every block stays in the
    ``x @ K`` sense of the other families.
    """

    param: str
    kind: str
    gates: Tuple[str, ...] = ()
    part: str = "bias"  # vector and diag: which part their pieces are
    needs: Tuple[str, ...] = ()  # options that must hold (``"!x"``: must not) for it to exist
    cudnn_order: bool = False  # each gate's (rows, units) slice is cuDNN's row-major (units, rows)
    transposed: bool = False  # stored (G * units, rows): gates stacked along the rows, blocks transposed


@dataclass(frozen=True)
class Read:
    """A config value read from the built cell's config (``key``), ``default`` when absent."""

    key: str
    default: Any = None


@dataclass(frozen=True)
class Fixed:
    """A value the family always computes with, whatever the config says."""

    value: Any


# The options that change what each cell computes, in one vocabulary for every family, in display order.
CELL_KEYS = {
    "gru": ("activation", "recurrent_activation", "use_bias", "reset_after"),
    "lstm": (
        "activation",
        "recurrent_activation",
        "use_bias",
        "forget_bias",
        "unit_forget_bias",
        "use_peepholes",
        "num_proj",
        "cell_clip",
        "layer_norm",
    ),
}
COMPUTATION_KEYS = tuple(dict.fromkeys(CELL_KEYS["gru"] + CELL_KEYS["lstm"]))


@dataclass(frozen=True)
class Family:
    """One way of storing a cell's weights (see the module docstring; shape kinds: ``Variable``)."""

    name: str
    cell: str  # "gru" | "lstm"
    framework: str  # one of FRAMEWORKS: which route builds it
    classes: Tuple[str, ...]  # the classes that store weights this way
    variables: Tuple[Variable, ...]
    anchor: str  # the 2-D variable whose rows tell the input width
    options: FrozenSet[str] = frozenset()  # options this family has besides the plain cell
    always_bias: bool = False  # biases always exist (use_bias cannot be off)
    runtime_forget_bias: bool = False  # forget_bias added in call(), never stored
    reset_scaled: Tuple[str, ...] = ()  # gates whose recurrent_bias the reset gate scales
    config: Mapping[str, Any] = field(default_factory=dict)  # computation key -> Read | Fixed
    stacks_per_direction: bool = False  # True: each direction stacks its own layers, always
    legacy_names: Tuple[Tuple[str, str], ...] = ()  # (old, current) last name parts of older TF versions
    needs_gpu: bool = False  # TensorFlow cannot even initialize it without a GPU
    runs_on_gpu_only: bool = False  # initializes on a CPU, but its forward pass needs cuDNN
    initialized_as: str = ""  # the family whose initialization this one's repeats (measured)
    own_default: str = ""  # the fingerprint of its framework's default draw, tried first on its weights
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
    def anchor_transposed(self) -> bool:
        """Whether the anchor is stored (G * units, inputs), its input width then read off its columns."""
        return any(v.param == self.anchor and v.transposed for v in self.variables)

    @property
    def fuses_hidden_rows(self) -> bool:
        """Whether the anchor kernel holds [x; h] rows (TF1 cells) rather than x alone."""
        return any(v.param == self.anchor and v.kind == "fused" for v in self.variables)

    def exists(self, variable: Variable, flags: Mapping[str, bool]) -> bool:
        return all(flags[n[1:]] is False if n.startswith("!") else bool(flags[n]) for n in variable.needs)


# Ordered on Python 3.6 too: for_cell takes the first registered family, display_order follows registration.
_REGISTRY: "OrderedDict[str, Family]" = OrderedDict()


def register(family: Family) -> Family:
    """Add ``family`` to the registry (ValueError for a malformed or duplicate entry); returns it."""
    _check(family)
    if family.name in _REGISTRY:
        raise ValueError(f"family {family.name!r} is already registered")
    _REGISTRY[family.name] = family
    return family


def unregister(name: str) -> None:
    """Remove a family (tests add throw-away families and take them out again)."""
    _REGISTRY.pop(name, None)


def _check(family: Family) -> None:
    if family.cell not in GATES:
        raise ValueError("family {}: cell must be one of {}".format(family.name, ", ".join(GATES)))
    if family.framework not in FRAMEWORKS:
        raise ValueError("family {}: framework must be one of {}".format(family.name, ", ".join(FRAMEWORKS)))
    for var in family.variables:
        if var.kind not in KINDS:
            raise ValueError(f"family {family.name}: {var.param} has unknown kind {var.kind!r}")
        stray = [g for g in var.gates if g not in family.gates + ((STATE,) if var.kind == "diag" else ())]
        if stray:
            raise ValueError(f"family {family.name}: {var.param} names gate {stray[0]!r}, not a {family.cell} gate")
        if var.transposed and (var.kind not in ("input", "recurrent") or var.cudnn_order):
            raise ValueError(f"family {family.name}: only an input or recurrent variable in plain order is transposed")
        unknown = [n for n in var.needs if n.lstrip("!") not in OPTIONS]
        if unknown:
            raise ValueError(f"family {family.name}: {var.param} needs unknown option {unknown[0]!r}")
    if family.anchor not in family.params:
        raise ValueError(f"family {family.name}: anchor {family.anchor!r} is none of its variables")
    stray_keys = sorted(set(family.config) - set(COMPUTATION_KEYS))
    if stray_keys:
        raise ValueError(f"family {family.name}: unknown config key {stray_keys[0]!r}")


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
    raise ValueError(f"no family stores the weights of {class_name!r}")


def of_instance(obj: Any, framework: Optional[str] = None) -> Family:
    """The family of a built cell object: its class or the nearest base class the registry names
    (a user's subclass of ``GRUCell`` stores its weights as ``GRUCell`` does)."""
    for klass in type(obj).__mro__:
        for family in _REGISTRY.values():
            if klass.__name__ in family.classes and framework in (None, family.framework):
                return family
    raise ValueError(f"no family stores the weights of {type(obj).__name__!r}")


def for_cell(framework: str, cell: str) -> Family:
    """The plain family of ``framework`` for a ``gru`` or ``lstm`` (the first registered)."""
    for family in _REGISTRY.values():
        if family.framework == framework and family.cell == cell:
            return family
    raise ValueError(f"no {framework} family for a {cell}")


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
        return f"a {target.name} cannot hold {source.name} weights"
    for family in (source, target):
        if family.needs_gpu:
            return f"{family.classes[0]} keeps its weights in one opaque cuDNN buffer, whose layout only cuDNN on a GPU knows"
    return None


# ---------------------------------------------------------------- what a built cell computes


@dataclass(frozen=True)
class Computation:
    """What a built route computes, normalised across families (compare with ``==`` key by key).

    ``stacking`` is ``per direction`` (each direction stacks its own layers: MultiRNNCell, Keras
    ``stacking="cells"``, one direction) or ``per level`` (a bidirectional Keras ``layers`` stack:
    layer 2 sees both directions' outputs)."""

    family: str
    values: Tuple[Tuple[str, Any], ...]  # (key, value) in CELL_KEYS order
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
        config = value.get("config")
        inner = config if isinstance(config, dict) else {}
        value = inner.get("name") or value.get("class_name") or value.get("name")
    text = str(value)
    match = re.search(r"function (\w+)", text)
    return (match.group(1) if match else text).lower()


_NORMALISE: Dict[str, Callable[[Any], Any]] = {
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
    per_level = not family.stacks_per_direction and config.get("stacking") == "layers" and bidirectional and layers > 1
    return Computation(family.name, tuple(values), PER_LEVEL if per_level else PER_DIRECTION)
