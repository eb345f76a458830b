"""What a user's TF1 checkpoint holds: its recurrent networks and everything around them, as records.

``rnncompare inspect`` fills an :class:`Inventory` inside a TF env (TensorFlow's checkpoint reader and,
when there is one, the ``.meta`` graph) and hands it to the host as JSON (:meth:`Inventory.to_dict`,
:func:`from_dict`); ``--scenarios-out``, ``convert`` and ``migrate`` read the records, never the JSON.

A *network* is one ``dynamic_rnn`` / ``bidirectional_dynamic_rnn`` (or fused-cell) run: one cell family,
``layers`` stacked cells per direction (``MultiRNNCell``), one or two directions. Each of its variables
carries the registry's canonical param (``gates/kernel`` whatever the TF version called it), so
``compare.core.layout`` and ``compare.core.port`` handle checkpoint weights exactly as they handle drawn ones.

What the checkpoint cannot say (the cell class where two classes share variable names, ``forget_bias``,
the activation, each variable's initializer) comes from the graph, or from the user (``--set``), and is
otherwise listed in :attr:`Network.missing`: never guessed.
"""

from dataclasses import dataclass, replace
from typing import Any, Dict, Mapping, Optional, Tuple

from compare.core import families

SCHEMA = "rnncompare/inventory"
VERSION = 1
# Where an option's or an initializer's value came from.
SOURCES = ("graph", "set", "checkpoint", "default")


@dataclass(frozen=True)
class Listed:
    """A checkpoint variable that belongs to no network: ``role`` is ``variable`` (an embedding, a dense
    layer, a counter), ``slot`` (an optimizer's, of the variable ``of``) or ``unrecognised`` (its scope
    looks recurrent but its names or shapes fit no family: ``note`` says why)."""

    name: str
    shape: Tuple[int, ...]
    dtype: str
    role: str = "variable"
    of: str = ""
    note: str = ""


@dataclass(frozen=True)
class RecordedInitializer:
    """An initializer as the graph's ``Initializer`` ops record it, in the scenario files' vocabulary
    (``compare.core.scenarios.INITIALIZER_PARAMS``: ``orthogonal`` with ``gain``, ``variance_scaling`` with
    ``scale``/``mode``/``distribution``, ``random_uniform`` with ``minval``/``maxval``, ``constant`` with
    ``value`` ...); ``op`` names the graph op it was read from, for the user to check."""

    name: str
    params: Tuple[Tuple[str, Any], ...] = ()
    op: str = ""
    source: str = "graph"

    def as_table(self) -> Dict[str, Any]:
        """The scenario-file form: ``{"name": "orthogonal", "gain": 1.0}``."""
        return dict(self.params, name=self.name)


@dataclass(frozen=True)
class OwnedVariable:
    """One variable of a network: its checkpoint name, where it sits, its optimizer slots."""

    name: str  # the checkpoint key, e.g. "encoder/rnn/multi_rnn_cell/cell_1/lstm_cell/kernel"
    layer: int
    direction: str  # "fw" | "bw"
    param: str  # the registry's canonical cell-local param
    shape: Tuple[int, ...]
    dtype: str = "float32"
    slots: Tuple[str, ...] = ()  # e.g. ".../kernel/Adam", ".../kernel/Adam_1"
    initializer: Optional[RecordedInitializer] = None  # None: unknown (no graph, or not recorded)


@dataclass(frozen=True)
class Network:
    """One recurrent network found in the checkpoint.

    ``options`` holds the cell's constructor options that change what it computes, under the names the
    cell class takes (``forget_bias``, ``activation``, ``use_peepholes``/``use_peephole``, ``num_proj``,
    ``cell_clip``, ``layer_norm`` ...): the family registry's ``Read`` keys, with their known values (None
    is a value: no clip, no projection). ``missing`` names the options nobody recorded, to be given
    (``--set NAME.OPTION=VALUE``) before the network can be rebuilt. ``option_sources`` says where each
    known value came from (:data:`SOURCES`)."""

    name: str  # its scope path, e.g. "encoder/bidirectional_rnn"
    family: str  # the registry family; "" while the cell class is unknown
    cell_class: Optional[str]  # from the graph or --set; None when unknown
    candidates: Tuple[str, ...]  # the cell classes whose variables have these names and shapes
    layers: int
    directions: Tuple[str, ...]
    units: int
    input_size: int
    num_proj: Optional[int] = None
    peepholes: bool = False
    options: Tuple[Tuple[str, Any], ...] = ()
    option_sources: Tuple[Tuple[str, str], ...] = ()
    missing: Tuple[str, ...] = ()
    variables: Tuple[OwnedVariable, ...] = ()
    notes: Tuple[str, ...] = ()  # what the user should know (e.g. an opaque cuDNN buffer: not convertible)

    @property
    def bidirectional(self) -> bool:
        return self.directions == ("fw", "bw")

    def option(self, key: str, default: Any = None) -> Any:
        return dict(self.options).get(key, default)

    @property
    def unknown(self) -> Tuple[str, ...]:
        """What must still be given before the network can be rebuilt: ``cell_class`` and options."""
        return (() if self.cell_class else ("cell_class",)) + self.missing

    def variable(self, layer: int, direction: str, param: str) -> OwnedVariable:
        for owned in self.variables:
            if (owned.layer, owned.direction, owned.param) == (layer, direction, param):
                return owned
        raise KeyError(f"{self.name} has no {param} in layer {layer} {direction}")

    def with_option(self, key: str, value: Any, source: str = "set") -> "Network":
        """This network with one option (or ``cell_class``) given; the family follows the cell class."""
        if key == "cell_class":
            family = families.of_class(value, "tf1")
            # the options the new family never reads (a cuDNN-compatible cell's fixed forget_bias) are not missing
            reads = {rule.key for rule in family.config.values() if isinstance(rule, families.Read)}
            return replace(
                self, cell_class=value, family=family.name, missing=tuple(m for m in self.missing if m in reads)
            )
        options = dict(self.options)
        options[key] = value
        sources = dict(self.option_sources)
        sources[key] = source
        return replace(
            self,
            options=tuple(sorted(options.items())),
            option_sources=tuple(sorted(sources.items())),
            missing=tuple(m for m in self.missing if m != key),
        )

    def computation(self) -> families.Computation:
        """What the network computes (``compare.core.families.computation``); KeyError while an option the
        family reads is unknown."""
        if not self.family:
            raise KeyError("cell_class")
        config = {"cell": dict(self.options)}
        return families.computation(families.get(self.family), config, self.layers, self.bidirectional)


@dataclass(frozen=True)
class Inventory:
    """Everything one checkpoint holds, as ``inspect`` found it."""

    checkpoint: str  # the checkpoint prefix read
    tensorflow: str  # the TensorFlow version whose reader read it
    graph: Optional[str]  # the .meta file read, or None
    networks: Tuple[Network, ...] = ()
    others: Tuple[Listed, ...] = ()  # non-RNN variables, optimizer slots, unrecognised ones
    # "saver" (tf.train.Saver, TF 1.x or TF 2's compat.v1: keys are the variables' names) or "object"
    # (tf.train.Checkpoint: keys are object paths, the names come from its object graph)
    source: str = "saver"
    keys: Tuple[Tuple[str, str], ...] = ()  # (variable name, checkpoint key) where the two differ

    def key(self, name: str) -> str:
        """The checkpoint key that holds variable ``name``."""
        return dict(self.keys).get(name, name)

    def network(self, name: str) -> Network:
        for network in self.networks:
            if network.name == name:
                return network
        raise KeyError(name)

    def to_dict(self) -> Dict[str, Any]:
        return {
            "schema": SCHEMA,
            "version": VERSION,
            "checkpoint": self.checkpoint,
            "tensorflow": self.tensorflow,
            "graph": self.graph,
            "networks": [_network_dict(n) for n in self.networks],
            "others": [_listed_dict(o) for o in self.others],
            "source": self.source,
            "keys": dict(self.keys),
        }


def _listed_dict(listed: Listed) -> Dict[str, Any]:
    return {
        "name": listed.name,
        "shape": list(listed.shape),
        "dtype": listed.dtype,
        "role": listed.role,
        "of": listed.of,
        "note": listed.note,
    }


def _initializer_dict(init: Optional[RecordedInitializer]) -> Optional[Dict[str, Any]]:
    if init is None:
        return None
    return {"name": init.name, "params": dict(init.params), "op": init.op, "source": init.source}


def _network_dict(network: Network) -> Dict[str, Any]:
    return {
        "name": network.name,
        "family": network.family,
        "cell_class": network.cell_class,
        "candidates": list(network.candidates),
        "layers": network.layers,
        "directions": list(network.directions),
        "units": network.units,
        "input_size": network.input_size,
        "num_proj": network.num_proj,
        "peepholes": network.peepholes,
        "options": dict(network.options),
        "option_sources": dict(network.option_sources),
        "missing": list(network.missing),
        "notes": list(network.notes),
        "variables": [
            {
                "name": v.name,
                "layer": v.layer,
                "direction": v.direction,
                "param": v.param,
                "shape": list(v.shape),
                "dtype": v.dtype,
                "slots": list(v.slots),
                "initializer": _initializer_dict(v.initializer),
            }
            for v in network.variables
        ],
    }


def _initializer(raw: Optional[Mapping[str, Any]]) -> Optional[RecordedInitializer]:
    if raw is None:
        return None
    return RecordedInitializer(raw["name"], tuple(sorted(raw["params"].items())), raw["op"], raw["source"])


def _network(raw: Mapping[str, Any]) -> Network:
    variables = tuple(
        OwnedVariable(
            v["name"],
            v["layer"],
            v["direction"],
            v["param"],
            tuple(v["shape"]),
            v["dtype"],
            tuple(v["slots"]),
            _initializer(v["initializer"]),
        )
        for v in raw["variables"]
    )
    return Network(
        raw["name"],
        raw["family"],
        raw["cell_class"],
        tuple(raw["candidates"]),
        raw["layers"],
        tuple(raw["directions"]),
        raw["units"],
        raw["input_size"],
        raw["num_proj"],
        raw["peepholes"],
        tuple(sorted(raw["options"].items())),
        tuple(sorted(raw["option_sources"].items())),
        tuple(raw["missing"]),
        variables,
        tuple(raw.get("notes", ())),
    )


def from_dict(raw: Mapping[str, Any]) -> Inventory:
    """The records of :meth:`Inventory.to_dict`'s JSON (ValueError for another schema or version)."""
    if raw.get("schema") != SCHEMA or raw.get("version") != VERSION:
        raise ValueError(f"not an {SCHEMA} version {VERSION} document")
    others = tuple(
        Listed(o["name"], tuple(o["shape"]), o["dtype"], o["role"], o["of"], o["note"]) for o in raw["others"]
    )
    return Inventory(
        raw["checkpoint"],
        raw["tensorflow"],
        raw["graph"],
        tuple(_network(n) for n in raw["networks"]),
        others,
        raw.get("source", "saver"),
        tuple(sorted(raw.get("keys", {}).items())),
    )


# The variable kinds a variable scope's initializer reaches in every TF1 cell (biases carry their own).
SCOPE_KINDS = ("fused", "input", "recurrent", "projection")


def _shared(network: Network, owned: Tuple[OwnedVariable, ...], what: str) -> Optional[RecordedInitializer]:
    """The one initializer all of ``owned`` recorded; None when none is recorded; ValueError when they differ
    (a scenario gives one initializer to them all)."""
    recorded = {
        repr(sorted(o.initializer.as_table().items())): o.initializer for o in owned if o.initializer is not None
    }
    if not recorded:
        return None
    if len(recorded) > 1 or any(o.initializer is None for o in owned):
        raise ValueError(
            "{}: its {} were initialized differently ({}): a scenario gives them one initializer".format(
                network.name, what, ", ".join(sorted(i.name for i in recorded.values()))
            )
        )
    return next(iter(recorded.values()))


def recorded_initialization(network: Network) -> Tuple[Optional[Dict[str, Any]], Dict[str, Any]]:
    """(the scope initializer table, cell kwargs) that repeat the initializers the graph recorded: the kernels'
    common initializer on the scope; a GRUCell's biases' common one as its ``bias_initializer``. Kernels
    with no record (no graph) leave the scope initializer out: TensorFlow's own default."""
    from compare.core import (
        scenarios,  # scenarios imports tomli; records alone need nothing beyond the standard library
    )

    kinds = {v.param: v.kind for v in families.get(network.family).variables}
    kernels = tuple(o for o in network.variables if kinds.get(o.param) in SCOPE_KINDS)
    scope = _shared(network, kernels, "kernels")
    kwargs: Dict[str, Any] = {}
    takes = scenarios.TF1_CELL_KWARGS.get(network.cell_class or "", {})
    biases = tuple(o for o in network.variables if kinds.get(o.param) == "vector")
    if "bias_initializer" in takes and biases:
        try:
            bias = _shared(network, biases, "biases")
        except ValueError:
            bias = None  # the gate and candidate biases differ: the class's own defaults (1.0 and 0.0)
        if bias is not None:
            kwargs["bias_initializer"] = bias.as_table()
    return (scope.as_table() if scope is not None else None), kwargs


def scenario_table(network: Network, name: str, seeds: int = 32, initializers: bool = True) -> Dict[str, Any]:
    """The scenario (TOML table form, for ``compare.core.scenarios.parse_scenario``) that rebuilds ``network``'s
    cells in the TF1 route with its known options (and, with ``initializers``, the initializers the graph
    recorded), against Keras's defaults stacked as the TF1 cells stack.
    ValueError when the network cannot be rebuilt: something unknown, or an option scenarios cannot say."""
    if network.unknown or network.cell_class is None:  # no cell_class: "cell_class" is among the unknown
        raise ValueError(
            "{}: {} unknown (give it with --set {}.{}=VALUE)".format(
                network.name, ", ".join(network.unknown), network.name, network.unknown[0]
            )
        )
    from compare.core import (
        scenarios,  # scenarios imports tomli; records alone need nothing beyond the standard library
    )

    takes = scenarios.TF1_CELL_KWARGS[network.cell_class]
    kwargs = {}
    for key, value in network.options:
        if key in takes and value is not None:  # None: the cell's own default (no clip)
            kwargs[key] = value
        elif key == "activation" and families.function_name(value) != "tanh":
            raise ValueError(f"{network.name}: activation {value} cannot be rebuilt by a scenario (tanh only)")
    if network.num_proj is not None:
        kwargs["num_proj"] = network.num_proj
    if network.peepholes:
        kwargs["use_peepholes" if "use_peepholes" in takes else "use_peephole"] = True
    keras = {"stacking": "cells"} if network.bidirectional and network.layers > 1 else {}
    tf1: Dict[str, Any] = {"cell_class": network.cell_class, "cell_kwargs": kwargs}
    if initializers:
        scope, init_kwargs = recorded_initialization(network)
        if scope is not None:
            tf1["scope_initializer"] = scope
        kwargs.update(init_kwargs)
    return {
        "name": name,
        "cell": families.get(network.family).cell,
        "units": network.units,
        "input_dim": network.input_size,
        "layers": network.layers,
        "bidirectional": network.bidirectional,
        "seeds": seeds,
        "tf1": tf1,
        "keras": keras,
    }
