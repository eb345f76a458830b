"""The TF1 route: ``tf.compat.v1.variable_scope(initializer=...)`` around ``nn.rnn_cell`` cells.

What this route relies on, as TF 1.x documents it:

* A cell creates its kernels with ``get_variable`` and no initializer of its own (unless the
  cell kwargs give one), so the innermost enclosing ``variable_scope`` initializer reaches them;
  a scope without one inherits its parent's; with none at all, ``get_variable`` falls back to
  ``glorot_uniform`` over the variable's full shape.
* ``GRUCell`` biases and ``LSTMCell`` biases carry their own constant initializers, so a scope
  initializer does not reach them; ``forget_bias`` of the LSTM cells is added at run time and
  never stored.
* Stacks are ``MultiRNNCell``; ``dynamic_rnn`` / ``bidirectional_dynamic_rnn`` run them, each
  direction stacking its own layers (layer 2 of each direction sees ``units`` inputs).
* TensorFlow 1.1 (see ``backends.tfenv``) has the cells in ``tf.contrib.rnn``, names their variables
  ``weights`` / ``biases`` (``kernel`` / ``bias`` from 1.2 on; each Weight keeps the real name and
  carries the canonical ``param``), and its cells are not layers: no ``weights``, no ``get_config``.
  A scenario option the env's TensorFlow lacks (a cell kwarg, an initializer) makes the route
  ``unavailable`` for that scenario, with the reason.

Draws: draw 0 builds the graph with graph seed ``base_seed``; later draws re-run its initializer,
or, where that repeats the values, build a fresh graph seeded ``base_seed + k`` as a separate TF1
program would (see ``TF1Built.draws``); every run of the worker reproduces them.
"""

import contextlib
import inspect
from dataclasses import replace
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from backends import tfenv
from backends.routes.base import Built, Route, Unavailable, Values, Weight, checked_value, unknown_options
from compare.artifact import jsonable
from compare.core import families
from compare.core.scenario_spec import Initializer, Scenario, TF1Spec


def make_initializer(tf: Any, spec: Optional[Initializer]) -> Any:
    """This TensorFlow's TF1 initializer object for an ``Initializer`` spec (None stays None)."""
    if spec is None:
        return None
    factory = tfenv.tf1_initializer(tf, spec.name)
    if factory is None:
        raise Unavailable(f"TensorFlow {tf.__version__} has no {spec.name} initializer")
    unknown = unknown_options(factory, spec.params)
    if unknown:
        raise Unavailable(
            "the {} initializer of TensorFlow {} takes no {}".format(spec.name, tf.__version__, ", ".join(unknown))
        )
    return factory(**spec.params)


def available_cell_class(tf: Any, name: str) -> Any:
    """This TensorFlow's TF1 cell class ``name``; Unavailable when it has none."""
    cell_class = tfenv.tf1_cell_class(tf, name)
    if cell_class is None:
        where = "tf.contrib" if hasattr(tf, "contrib") else "tf.contrib (this TensorFlow has no tf.contrib)"
        raise Unavailable(f"TensorFlow {tf.__version__} has no {name} in its TF1 cells or {where}")
    return cell_class


def check_options(tf: Any, spec: TF1Spec) -> None:
    """Raise Unavailable when this TensorFlow lacks the [tf1] table's cell class, a cell kwarg or an
    initializer; each initializer is made once here, so a missing one is named before any graph is built."""
    cell_class = available_cell_class(tf, spec.cell_class)
    if families.of_class(spec.cell_class, "tf1").needs_gpu:
        raise Unavailable(opaque_reason(tf, cell_class))
    unknown = unknown_options(cell_class, spec.cell_kwargs)
    if unknown:
        raise Unavailable("{} of TensorFlow {} takes no {}".format(spec.cell_class, tf.__version__, ", ".join(unknown)))
    kwarg_inits = [v for v in spec.cell_kwargs.values() if hasattr(v, "params")]
    for init in [spec.scope_initializer] + list(spec.outer_scopes) + kwarg_inits:
        make_initializer(tf, init)


def opaque_reason(tf: Any, cell_class: Any) -> str:
    """Why a cuDNN layer with one opaque parameter buffer is not measured: TensorFlow is asked to build and
    initialize one, and either cannot (no GPU: its message says which op lacks a CPU kernel) or can, and
    the buffer's layout is cuDNN's own."""
    tf1 = tfenv.v1(tf)
    graph = tf.Graph()
    with graph.as_default():
        layer = cell_class(1, 1)
        try:
            layer(tf1.zeros([1, 1, 1]))
            with tf1.Session(graph=graph) as session:
                session.run(tf1.global_variables_initializer())
        except Exception as exc:  # noqa: BLE001 - TensorFlow's own refusal is the reason reported
            first = " ".join(str(exc).split("(defined at")[0].split())
            return f"needs a GPU: TensorFlow {tf.__version__} cannot initialize {cell_class.__name__} here ({type(exc).__name__}: {first[:200]})"
    return f"{cell_class.__name__} keeps its weights in one opaque cuDNN buffer with no per-gate layout"


def describe_initializer(init: Any) -> Any:
    if init is None:
        return None
    config = init.get_config() if hasattr(init, "get_config") else {}
    return {"class_name": type(init).__name__, "config": jsonable(config)}


def cell_param(cell_class: str, variable_name: str) -> str:
    """The registry's canonical cell-local param of a variable of ``cell_class``: ``.../gates/weights``
    (TF <= 1.1's name) is ``gates/kernel``; longest match first (``projection/kernel`` before ``kernel``)."""
    family = families.of_class(cell_class, "tf1")
    head, _, last = variable_name.rpartition("/")
    canonical = head + "/" + dict(family.legacy_names).get(last, last)
    for param in sorted(set(family.params), key=len, reverse=True):
        if canonical.endswith("/" + param):
            return param
    raise ValueError(f"unexpected {cell_class} variable {variable_name}")


def cell_config(cell: Any, units: int, kwargs: Dict[str, Any]) -> Dict[str, Any]:
    """The built cell's config: its own ``get_config``, or (TF 1.1 cells have none) its constructor's
    defaults with the arguments it was given, functions by name and initializers described, as
    ``get_config`` gives them from TF 1.2 on."""
    own = _own_config(cell)
    if "num_units" in own:
        return jsonable(own)
    parameters = inspect.signature(type(cell).__init__).parameters
    config = {name: p.default for name, p in parameters.items() if p.default is not p.empty}
    config.update(kwargs, num_units=units)
    config.update(own)
    return jsonable({name: _described(value) for name, value in config.items()})


def _own_config(cell: Any) -> Dict[str, Any]:
    """What ``get_config`` says: the contrib cells' say only name and dtype (``forget_bias`` and the rest
    are then the constructor's), LSTMBlockFusedCell's raises NotImplementedError, TF 1.1's cells have none."""
    try:
        return dict(cell.get_config())
    except (AttributeError, NotImplementedError):
        return {}


def _described(value: Any) -> Any:
    if inspect.isfunction(value):
        return value.__name__
    if isinstance(value, (bool, int, float, str, type(None))):
        return value
    return describe_initializer(value)


def cell_variables(tf: Any, cell: Any) -> List[Any]:
    """The variables a called cell created: its ``weights``, or (TF 1.1 cells are not layers) the
    graph's trainable variables inside the scope the cell recorded when it was called."""
    if hasattr(cell, "weights"):
        return list(cell.weights)
    scope = getattr(cell, "_scope", None)
    if scope is None:  # TF 1.1's contrib block cells
        raise Unavailable(
            f"{type(cell).__name__} of TensorFlow {tf.__version__} is no layer and records no variable scope: its variables cannot "
            "be told apart cell by cell"
        )
    prefix = scope.name + "/"
    return [v for v in tfenv.v1(tf).trainable_variables() if v.name.startswith(prefix)]


def repeats(first: Sequence[np.ndarray], second: Sequence[np.ndarray]) -> bool:
    """Whether a random (non-constant) variable's values came out identical in two draws."""
    return any(a.size > 1 and a.min() != a.max() and np.array_equal(a, b) for a, b in zip(first, second))


class TF1Built(Built):
    """``with_lengths``: the graph also takes ``sequence_length`` and hands out the final states
    (``forward(inputs, lengths)``; ``rnncompare convert`` runs a restored network so)."""

    def __init__(self, scenario: Scenario, with_lengths: bool = False) -> None:
        self.scenario = scenario
        self.with_lengths = with_lengths
        self.lengths: Any = None
        self.states: Dict[str, Any] = {}
        self.family = families.of_class(scenario.tf1.cell_class, "tf1").name
        self.session: Any = None
        self._draws = ""

    def _build(self, seed: int) -> None:
        """A fresh graph with graph seed ``seed``, initialized: one draw, as a fresh TF1 program makes it."""
        tf = tfenv.tensorflow()
        tf1, spec, scenario = tfenv.v1(tf), self.scenario.tf1, self.scenario
        self.close()
        tfenv.seed_everything(seed)
        self.graph = tf.Graph()
        with self.graph.as_default():
            tf1.set_random_seed(seed)
            self.inputs = tf1.placeholder(tf.float32, [None, None, scenario.input_dim], name="inputs")
            with contextlib.ExitStack() as scopes:
                for i, outer in enumerate(spec.outer_scopes):
                    outer_init = make_initializer(tf, outer)
                    scopes.enter_context(tf1.variable_scope(f"outer{i}", initializer=outer_init))
                scope_init = make_initializer(tf, spec.scope_initializer)
                scopes.enter_context(tf1.variable_scope("rnn", initializer=scope_init))
                self.cells = {
                    d: [self._cell(tf, scenario) for _ in range(scenario.layers)] for d in scenario.directions
                }
                self.output = self._run(tf, tf1)
            self.variables = {d: [cell_variables(tf, c) for c in cells] for d, cells in self.cells.items()}
            self.init_op = tf1.global_variables_initializer()
            self.session = tf1.Session(graph=self.graph)
            self.session.run(self.init_op)
        self._config = {
            "cell_class": spec.cell_class,
            "cell": cell_config(self.cells["fw"][0], scenario.units, self._cell_kwargs(tf)),
            "scope_initializer": describe_initializer(scope_init),
            "outer_scope_initializers": [o.to_dict() if o else None for o in spec.outer_scopes],
            "stacking": "MultiRNNCell" if scenario.layers > 1 else "single cell",
            "runner": "bidirectional_dynamic_rnn" if scenario.bidirectional else "dynamic_rnn",
        }
        if not hasattr(self.cells["fw"][0], "state_size"):
            self._config.update(
                stacking="fused cells in sequence per direction" if scenario.layers > 1 else "single cell",
                runner="the fused cell, time-major",
            )

    def _cell_kwargs(self, tf: Any) -> Dict[str, Any]:
        return {
            k: (make_initializer(tf, v) if hasattr(v, "params") else v)
            for k, v in self.scenario.tf1.cell_kwargs.items()
        }

    def _cell(self, tf: Any, scenario: Scenario) -> Any:
        cell_class = available_cell_class(tf, scenario.tf1.cell_class)
        return cell_class(scenario.units, **self._cell_kwargs(tf))

    def _run(self, tf: Any, tf1: Any) -> Any:
        if not hasattr(self.cells["fw"][0], "state_size"):
            return self._run_fused(tf, tf1)
        multi = tfenv.rnn_cells(tf).MultiRNNCell
        stacks = {d: (c[0] if len(c) == 1 else multi(c)) for d, c in self.cells.items()}
        lengths = None
        if self.with_lengths:
            self.lengths = lengths = tf1.placeholder(tf.int32, [None], name="sequence_length")
        if self.scenario.bidirectional:
            (fw, bw), (fw_state, bw_state) = tf1.nn.bidirectional_dynamic_rnn(
                stacks["fw"], stacks["bw"], self.inputs, sequence_length=lengths, dtype=tf.float32
            )
            self.states = dict(
                _named_states("fw", fw_state, self.scenario.layers),
                **_named_states("bw", bw_state, self.scenario.layers),
            )
            return tf.concat([fw, bw], axis=-1)
        output, state = tf1.nn.dynamic_rnn(stacks["fw"], self.inputs, sequence_length=lengths, dtype=tf.float32)
        self.states = _named_states("fw", state, self.scenario.layers)
        return output

    def _run_fused(self, tf: Any, tf1: Any) -> Any:
        """A fused cell (LSTMBlockFusedCell) is no RNNCell: it runs time-major over the whole sequence. Each
        direction stacks its own cells, the backward one on the reversed sequence, as
        ``bidirectional_dynamic_rnn`` does (built ``with_lengths``: each sequence reversed within its length,
        ``sequence_length`` given to every cell, as there)."""
        steps = tf.transpose(self.inputs, [1, 0, 2])
        lengths = None
        if self.with_lengths:
            self.lengths = lengths = tf1.placeholder(tf.int32, [None], name="sequence_length")

        def reverse(tensor: Any) -> Any:
            if lengths is None:
                return tf.reverse(tensor, [0])
            return tf1.reverse_sequence(tensor, lengths, seq_axis=0, batch_axis=1)

        outputs = []
        for direction, cells in self.cells.items():
            with tf1.variable_scope(direction):
                tensor = steps if direction == "fw" else reverse(steps)
                states = []
                for i, cell in enumerate(cells):
                    with tf1.variable_scope(f"cell_{i}"):  # TF 1.1's fused cells share one name
                        if lengths is None:
                            tensor, state = cell(tensor, dtype=tf.float32)
                        else:
                            tensor, state = cell(tensor, dtype=tf.float32, sequence_length=lengths)
                    states.append(state)
                self.states.update(
                    _named_states(direction, tuple(states) if len(states) > 1 else states[0], len(states))
                )
                outputs.append(tensor if direction == "fw" else reverse(tensor))
        return tf.transpose(tf.concat(outputs, axis=-1), [1, 0, 2])

    def config(self) -> Dict[str, Any]:
        return dict(self._config, draws=self._draws)

    def _located(self) -> List[Tuple[Weight, Any]]:
        located = []
        for direction, cells in self.variables.items():
            for layer, variables in enumerate(cells):
                for variable in variables:
                    name = variable.name.split(":")[0]
                    located.append(
                        (
                            Weight(name, layer, direction, cell_param(self.scenario.tf1.cell_class, name), np.empty(0)),
                            variable,
                        )
                    )
        return located

    def _fetch(self) -> List[Weight]:
        located = self._located()
        values = self.session.run([v for _, v in located])
        return [Weight(w.name, w.layer, w.direction, w.param, v) for (w, _), v in zip(located, values)]

    def _rerun(self) -> List[Weight]:
        self.session.run(self.init_op)
        return self._fetch()

    def _fresh(self, seed: int) -> List[Weight]:
        self._build(seed)
        return self._fetch()

    def draws(self, count: int) -> Iterator[List[Weight]]:
        """Draw 0 builds the graph (graph seed ``base_seed``); later draws re-run its initializer.

        Building a TF1 graph costs far more than initializing it (``dynamic_rnn``'s while loop), so
        re-running is the cheap way to independent draws, but only where it gives new values: in TF
        2.x the TF1 cells' default initializer (no scope or cell initializer) is Keras's stateless
        GlorotUniform, which repeats itself. When a random variable repeats, every draw k builds a
        fresh graph with graph seed ``base_seed + k`` instead. Either way, reproducible.
        """
        first = self._fresh(self.scenario.base_seed)
        self._draws = "one graph, initializer re-run per draw"
        yield first
        rebuild = False
        for k in range(1, count):
            current = self._fresh(self.scenario.base_seed + k) if rebuild else self._rerun()
            if k == 1 and repeats([w.value for w in first], [w.value for w in current]):
                rebuild = True
                self._draws = "fresh graph per draw (re-running the initializer repeats its values)"
                current = self._fresh(self.scenario.base_seed + k)
            yield current
            del current  # before the next draw is fetched: the caller holds one draw at a time

    def load(self, values: Values) -> List[Weight]:
        located = self._located()
        current = self.session.run([v for _, v in located])
        loaded = []
        with self.graph.as_default():  # TF 1.15 runs eagerly outside it
            for (weight, variable), drawn in zip(located, current):
                # the drawn value's shape is what checked_value holds the given one to
                weight = replace(weight, value=checked_value(values, replace(weight, value=drawn)))
                variable.load(weight.value, self.session)
                loaded.append(weight)
        return loaded

    def forward(self, inputs: np.ndarray, lengths: Optional[np.ndarray] = None) -> Dict[str, np.ndarray]:
        """The output sequence; built ``with_lengths``, also the final states (``state/fw/l0/h``, and ``c``
        for an LSTM), with ``lengths`` (default: every sequence whole) as ``sequence_length``."""
        if not self.with_lengths:
            return {"output": self.session.run(self.output, {self.inputs: inputs})}
        if lengths is None:
            lengths = np.full(inputs.shape[0], inputs.shape[1], dtype=np.int32)
        names = sorted(self.states)
        values = self.session.run(
            [self.output] + [self.states[n] for n in names], {self.inputs: inputs, self.lengths: lengths}
        )
        return dict(zip(["output"] + names, values))

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None


def _named_states(direction: str, state: Any, layers: int) -> Dict[str, Any]:
    """A direction's final state tensors by name: ``state/fw/l0/h`` (and ``.../c`` of an LSTM's
    ``LSTMStateTuple(c, h)``); a ``MultiRNNCell`` state is one per layer."""
    per_layer = list(state) if layers > 1 else [state]
    named = {}
    for layer, cell_state in enumerate(per_layer):
        prefix = f"state/{direction}/l{layer}/"
        if hasattr(cell_state, "c") and hasattr(cell_state, "h"):
            named[prefix + "c"], named[prefix + "h"] = cell_state.c, cell_state.h
        else:
            named[prefix + "h"] = cell_state
    return named


class TF1Route(Route):
    name = "tf1"

    def unavailable_reason(self) -> Optional[str]:
        tf = tfenv.tensorflow()
        try:
            for cls in ("GRUCell", "LSTMCell", "BasicLSTMCell", "MultiRNNCell"):
                getattr(tfenv.rnn_cells(tf), cls)
        except (AttributeError, ImportError) as exc:
            reason = f"the TF1 RNN cells are not usable in TensorFlow {tf.__version__}: {exc}"
            if tfenv.keras_flavor(tf)["flavor"] == "keras3":
                major_minor = ".".join(tf.__version__.split(".")[:2])
                reason += (
                    f" (remedy: pip install 'tf-keras~={major_minor}.0' and set TF_USE_LEGACY_KERAS=1, "
                    "as the tox env tf221-legacy does)"
                )
            return reason
        return None

    def build(self, scenario: Scenario) -> Built:
        check_options(tfenv.tensorflow(), scenario.tf1)
        return TF1Built(scenario)


ROUTE = TF1Route()
