"""The Keras route: ``tf.keras.layers.GRU`` / ``LSTM`` with explicit initializers.

``tf.keras`` is whatever this env ships: ``tf.contrib.keras`` (Keras 2.0, graph mode) in TF 1.1,
the Keras inside TF 1.15, Keras 2 (TF 2.15), tf_keras (TF 2.16+ with ``TF_USE_LEGACY_KERAS=1``) or
Keras 3; in the envs without TensorFlow, Keras 3 itself on its jax or torch backend (``kerasenv``),
building the same layers. Initializers the scenario leaves out are not passed, so the layer's own defaults apply and
show in the config. What this Keras cannot build (TF 1.1's has no ``Bidirectional``, no cells to
stack, no ``reset_after``) makes the route ``unavailable`` for that scenario, with the reason.

Stackings:

* ``layers``: one ``GRU``/``LSTM`` layer per level (wrapped in ``Bidirectional`` when asked),
  the usual Keras way; a bidirectional level 2 sees ``2 * units`` inputs.
* ``cells``: ``RNN(StackedRNNCells([...]))`` (wrapped in ``Bidirectional``), shaped like the TF1
  route: each direction stacks its own cells, so level 2 sees ``units`` inputs.

Draws: draw 0 clears the Keras session, seeds TensorFlow/Keras with ``base_seed`` and builds the
layers, exactly as a user script that seeds and builds would. Draw k > 0 re-initializes every
weight of those layers as their ``build`` initialized it: the cell's own initializer object,
re-seeded with ``base_seed + k`` (a seeded Keras 2+ initializer returns the same values on every
call), over the variable's shape, with ``LSTMCell``'s ``unit_forget_bias`` ones spliced in as its
``build`` does. Rebuilding the layers per draw gave the same distributions (a test compares
them in every env) at several times the cost. In graph mode (TF 1.1) the layers' variables live in
Keras's graph and session, so every draw rebuilds them there (``GraphKerasBuilt``).
"""

from dataclasses import replace
from typing import Any, Dict, Iterator, List, Optional, Tuple

import numpy as np

from backends import kerasenv, tfenv
from backends.routes import keras_draws
from backends.routes.base import (
    FORWARD_BATCH,
    FORWARD_STEPS,
    Built,
    Route,
    Unavailable,
    Values,
    Weight,
    checked_value,
    unknown_options,
)
from compare.artifact import jsonable
from compare.core import families, layout
from compare.core.scenario_spec import Initializer, KerasSpec, Scenario

# Keras class names of the initializers that take parameters (the same in every Keras).
PARAMETRIZED = {
    "orthogonal": "Orthogonal",
    "variance_scaling": "VarianceScaling",
    "random_uniform": "RandomUniform",
    "random_normal": "RandomNormal",
    "truncated_normal": "TruncatedNormal",
    "constant": "Constant",
    "identity": "Identity",
}
# The variables a Keras GRU/LSTM cell holds, as the family registry names them.
CELL_PARAMS = tuple(dict.fromkeys(families.for_cell("keras", "gru").params + families.for_cell("keras", "lstm").params))
INITIALIZER_OF = {
    "kernel": "kernel_initializer",
    "recurrent_kernel": "recurrent_initializer",
    "bias": "bias_initializer",
}


def make_initializer(tf: Any, spec: Initializer) -> Any:
    """This Keras's initializer object for an ``Initializer`` spec (seeded when it names a ``seed``);
    Unavailable when this Keras has no such initializer."""
    initializers = kerasenv.keras(tf).initializers
    params = {k: v for k, v in spec.params.items() if k != "seed"}
    try:
        if not params:
            init = initializers.get(spec.name)
        else:
            init = initializers.get({"class_name": PARAMETRIZED[spec.name], "config": params})
    except ValueError as exc:  # Keras's "Unknown initializer"
        raise Unavailable(f"{kerasenv.described(tf)} has no {spec.name} initializer ({exc})") from None
    if "seed" not in spec.params:
        return init
    if "seed" not in init.get_config():
        raise Unavailable(f"{kerasenv.described(tf)}: {type(init).__name__} takes no seed")
    return reseeded(init, spec.params["seed"])


def check_options(tf: Any, scenario: Scenario, spec: KerasSpec) -> None:
    """Raise Unavailable when this Keras lacks what the scenario's [keras] table (``spec``) asks for."""
    layers = kerasenv.keras(tf).layers
    keras = kerasenv.described(tf)
    name = layer_class_name(scenario, spec)
    available_layer_class(tf, name)  # Unavailable when this Keras has no such layer
    needed = ["Bidirectional"] if scenario.bidirectional else []
    if spec.stacking == "cells":
        needed += ["RNN", "StackedRNNCells", name + "Cell"]
    missing = [n for n in needed if not hasattr(layers, n)]
    if missing:
        raise Unavailable(
            '{} has no {}, which {}stacking = "{}" needs'.format(
                keras, ", ".join(missing), "bidirectional = true and " if scenario.bidirectional else "", spec.stacking
            )
        )
    layer_class = available_layer_class(tf, name + "Cell" if spec.stacking == "cells" else name)
    unknown = unknown_options(layer_class, spec.layer_kwargs)
    if unknown:
        raise Unavailable("{} of {} takes no {}".format(layer_class.__name__, keras, ", ".join(unknown)))
    for key in INITIALIZER_OF.values():
        if getattr(spec, key) is not None:
            make_initializer(tf, getattr(spec, key))


def layer_class_name(scenario: Scenario, spec: KerasSpec) -> str:
    """The Keras layer class a [keras] table builds: its ``layer_class``, else GRU or LSTM."""
    return spec.layer_class or ("GRU" if scenario.cell == "gru" else "LSTM")


def available_layer_class(tf: Any, name: str) -> Any:
    """This Keras's layer (or cell) class ``name``; Unavailable when it has none."""
    found = kerasenv.layer_class(tf, name)
    if found is None:
        where = "in keras.layers" if tf is None else "neither in tf.keras.layers nor in tf.compat.v1.keras.layers"
        raise Unavailable(f"{kerasenv.described(tf)} has no {name} ({where})")
    return found


def reseeded(init: Any, seed: int) -> Any:
    """A copy of the initializer ``init`` seeded with ``seed``; initializers without a seed (zeros,
    constant, identity) are returned as they are."""
    config = init.get_config()
    if "seed" not in config:
        return init
    config["seed"] = seed
    return type(init).from_config(config)


def initial_value(tf: Any, cell: Any, param: str, variable: Any, seed: int) -> Any:
    """What the cell's ``build`` puts into ``variable`` (its ``param``), drawn again with ``seed``."""
    init = reseeded(getattr(cell, INITIALIZER_OF[param]), seed)
    dtype = variable.dtype
    if param == "bias" and getattr(cell, "unit_forget_bias", False):  # as LSTMCell / CuDNNLSTM.build do
        ones, size = forget_ones(cell), int(variable.shape[0])
        return kerasenv.concat(
            tf,
            [
                init((ones.start,), dtype=dtype),
                kerasenv.ones(tf, ones.stop - ones.start, dtype),
                init((size - ones.stop,), dtype=dtype),
            ],
        )
    return init(tuple(int(n) for n in variable.shape), dtype=dtype)


def forget_ones(cell: Any) -> slice:
    """Where ``unit_forget_bias`` puts its ones in the bias: the last forget-gate piece of the family's bias
    (LSTMCell: its one forget bias; CuDNNLSTM: the recurrent forget bias, bias[5u:6u])."""
    family = families.of_instance(cell, "keras").name
    pieces = layout.cell_layout(family, 1, int(cell.units))["bias"].pieces
    ones = [p for p in pieces if p.gate == "forget"][-1].region[-1]
    if not isinstance(ones, slice):
        raise ValueError(f"{family}'s forget bias is no range of the bias: {ones!r}")
    return ones


def keras_cells(layers: Any) -> List[Tuple[int, str, Any]]:
    """``(level, direction, cell)`` of built Keras RNN layers (GRU, LSTM, RNN of StackedRNNCells,
    Bidirectional, or a list of them stacked in order)."""
    found: List[Tuple[int, str, Any]] = []
    level = 0
    for rnn in layers if isinstance(layers, (list, tuple)) else [layers]:
        parts = (
            [("fw", rnn.forward_layer), ("bw", rnn.backward_layer)] if hasattr(rnn, "forward_layer") else [("fw", rnn)]
        )
        depth = 0
        for direction, part in parts:
            # Keras 2.0's (TF 1.1) GRU/LSTM are their own cells; so are the CuDNN layers, whose ``cell`` is
            # only a namedtuple of state sizes, not a layer
            cell = getattr(part, "cell", None)
            cell = cell if hasattr(cell, "get_config") else part
            cells = list(getattr(cell, "cells", [cell]))
            found += [(level + i, direction, cell) for i, cell in enumerate(cells)]
            depth = len(cells)
        level += depth
    return found


def variable_name(variable: Any) -> str:
    """Keras 3 names a variable by ``path``; earlier Keras by ``name`` with a ':0' suffix."""
    return (getattr(variable, "path", None) or variable.name).split(":")[0]


class KerasBuilt(Built):
    """The scenario's Keras layers; ``spec`` (default: the scenario's [keras] table) says how to build them."""

    def __init__(self, scenario: Scenario, spec: Optional[KerasSpec] = None) -> None:
        self.scenario = scenario
        self.spec = spec or scenario.keras
        self.layer_class = layer_class_name(scenario, self.spec)
        self.family = families.of_class(self.layer_class, "keras").name
        self.tf = kerasenv.tensorflow()  # None: Keras 3 on another backend (jax, torch)
        self.keras = kerasenv.keras(self.tf)
        self.rnns: List[Any] = []
        # A seeded initializer is one object, passed to every weight it is given for, as user code
        # does (``init = Orthogonal(seed=1)``): in Keras 2 and 3 those weights start as copies.
        self.seeded = any("seed" in init.params for init in self._specs().values())

    def _specs(self) -> Dict[str, Initializer]:
        return {key: getattr(self.spec, key) for key in INITIALIZER_OF.values() if getattr(self.spec, key) is not None}

    def _kwargs(self, shared: Dict[str, Any]) -> Dict[str, Any]:
        """One layer's keyword arguments: fresh initializer objects, but the seeded ones from ``shared``."""
        kwargs = dict(self.spec.layer_kwargs)
        for key, init in self._specs().items():
            if "seed" in init.params:
                token = repr(init.to_dict())
                kwargs[key] = shared[token] = shared.get(token) or make_initializer(self.tf, init)
            else:
                kwargs[key] = make_initializer(self.tf, init)
        return kwargs

    def _stack(self) -> List[Any]:
        layers, s = self.keras.layers, self.scenario
        shared: Dict[str, Any] = {}
        if self.spec.stacking == "layers":
            rnn_class = available_layer_class(self.tf, self.layer_class)
            rnns = [rnn_class(s.units, return_sequences=True, **self._kwargs(shared)) for _ in range(s.layers)]
        else:
            cell_class = layers.GRUCell if s.cell == "gru" else layers.LSTMCell
            cells = [cell_class(s.units, **self._kwargs(shared)) for _ in range(s.layers)]
            rnns = [layers.RNN(layers.StackedRNNCells(cells), return_sequences=True)]
        return [layers.Bidirectional(r) for r in rnns] if s.bidirectional else rnns

    def _cells(self, direction: str) -> List[Any]:
        return [cell for _, d, cell in keras_cells(self.rnns) if d == direction]

    def _build(self, seed: int) -> None:
        """Fresh layers seeded with ``seed``, after resetting Keras's name counters, so the variable
        names do not depend on what ran before."""
        tfenv.clear_keras_session(self.keras)
        kerasenv.seed_everything(self.tf, seed)
        self.rnns = self._stack()
        self._build_weights()

    def _build_weights(self) -> None:
        """Create the weights without running the layers: a forward pass costs more than the draw."""
        s = self.scenario
        width = s.input_dim
        for rnn in self.rnns:
            rnn.build((FORWARD_BATCH, FORWARD_STEPS, width))
            width = s.units * len(s.directions)

    def _redraws(self, seeds: List[int]) -> Iterator[List[np.ndarray]]:
        """Every weight drawn again per seed, as the layers' ``build`` drew it (``keras_draws``).

        The re-seeded initializers make the values independent of the global seeds, so these are not
        reset per draw: resetting them clears TF's kernel cache and made drawing 5x slower."""
        located = [(cell, param, variable) for _, _, cell, param, variable in self._variables()]
        if self.tf is None:
            return self._assigned_one_by_one(located, seeds)
        return keras_draws.redraws(self.tf, located, seeds, initial_value)

    def _assigned_one_by_one(self, located: keras_draws.Located, seeds: List[int]) -> Iterator[List[np.ndarray]]:
        """Keras 3 on jax or torch: each variable assigned its value in turn, as ``build`` does."""
        for seed in seeds:
            for cell, param, variable in located:
                variable.assign(initial_value(None, cell, param, variable, seed))
            yield self._values([variable for _, _, variable in located])

    def _variables(self) -> Iterator[Tuple[int, str, Any, str, Any]]:
        for direction in self.scenario.directions:
            for layer, cell in enumerate(self._cells(direction)):
                for param in CELL_PARAMS:
                    variable = getattr(cell, param, None)
                    if variable is not None:
                        yield layer, direction, cell, param, variable

    def _values(self, variables: List[Any]) -> List[np.ndarray]:
        return [kerasenv.to_numpy(self.tf, v) for v in variables]

    def _assign(self, variable: Any, value: np.ndarray) -> None:
        variable.assign(value)

    def _weights(self, values: Optional[List[np.ndarray]] = None) -> List[Weight]:
        """The weights, with ``values`` (in ``_variables``'s order) or else the variables' own."""
        located = list(self._variables())
        if values is None:
            values = self._values([v for _, _, _, _, v in located])
        weights = [
            Weight(variable_name(v), layer, direction, param, value)
            for (layer, direction, _, param, v), value in zip(located, values)
        ]
        names = [w.name for w in weights]
        # TF 1.15's eager Keras names every stacked cell's kernel ".../kernel"
        return [
            replace(w, name=f"{w.name}[l{w.layer}/{w.direction}]") if names.count(w.name) > 1 else w for w in weights
        ]

    def load(self, values: Values) -> List[Weight]:
        for weight, (_, _, _, _, variable) in zip(self._weights(), self._variables()):
            self._assign(variable, checked_value(values, weight))
        return self._weights()

    def draws(self, count: int) -> Iterator[List[Weight]]:
        """Draw 0 builds the layers (seeded ``base_seed``); draw k re-initializes them (``base_seed + k``).
        With a seeded initializer, draw k builds the layers afresh under the global seed ``base_seed + k``
        and keeps the user's seed, as a rerun of the user's program would."""
        seeds = [self.scenario.base_seed + k for k in range(count)]
        for seed in seeds if self.seeded else seeds[:1]:
            self._build(seed)
            yield self._weights()
        if not self.seeded:
            for values in self._redraws(seeds[1:]):
                yield self._weights(values)

    def config(self) -> Dict[str, Any]:
        if not self.rnns:
            self._build(self.scenario.base_seed)
        return {
            "stacking": self.spec.stacking,
            "layer_class": type(self.rnns[0]).__name__,
            "layer": jsonable(self.rnns[0].get_config()),
            "cell": jsonable(self._cells("fw")[0].get_config()),
        }

    def forward(self, inputs: np.ndarray) -> Dict[str, np.ndarray]:
        if families.get(self.family).runs_on_gpu_only:
            return {}  # cuDNN's kernels only: no output to record on a CPU (the weights are still measured)
        tensor = kerasenv.constant(self.tf, inputs)
        for rnn in self.rnns:
            tensor = rnn(tensor)
        return {"output": kerasenv.to_numpy(self.tf, tensor)}


class GraphKerasBuilt(KerasBuilt):
    """Keras in graph mode (``tf.contrib.keras`` in TF 1.1): values go through Keras's session."""

    def _redraws(self, seeds: List[int]) -> Iterator[List[np.ndarray]]:
        """The initializers are ops of Keras's graph, seeded by its graph seed: a fresh graph per draw."""
        for seed in seeds:
            self._build(seed)
            yield self._values([v for _, _, _, _, v in self._variables()])

    def _values(self, variables: List[Any]) -> List[np.ndarray]:
        return [np.array(v) for v in self.keras.backend.batch_get_value(variables)]

    def _assign(self, variable: Any, value: np.ndarray) -> None:
        self.keras.backend.set_value(variable, value)

    def close(self) -> None:
        tfenv.clear_keras_session(self.keras)

    def forward(self, inputs: np.ndarray) -> Dict[str, np.ndarray]:
        backend = self.keras.backend
        placeholder = backend.placeholder(shape=(None, None, self.scenario.input_dim))
        tensor = placeholder
        for rnn in self.rnns:
            tensor = rnn(tensor)
        return {"output": backend.get_session().run(tensor, {placeholder: inputs})}


class KerasRoute(Route):
    name = "keras"

    def unavailable_reason(self) -> Optional[str]:
        tf = kerasenv.tensorflow()
        try:
            kerasenv.keras(tf)
        except ImportError:
            return "this env has neither TensorFlow nor Keras 3 (install keras and a backend: jax or torch)"
        except AttributeError:  # only TensorFlow's Keras is found as an attribute
            return "this TensorFlow {} has no tf.keras".format(getattr(tf, "__version__", ""))
        return None

    def build(self, scenario: Scenario) -> Built:
        tf = kerasenv.tensorflow()
        check_options(tf, scenario, scenario.keras)
        return KerasBuilt(scenario) if tf is None or tfenv.eager(tf) else GraphKerasBuilt(scenario)


ROUTE = KerasRoute()
