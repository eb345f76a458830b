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
  ``unavailable`` for that scenario, with the reason (the cells: ``backends.routes.tf1_cells``).

Draws: draw 0 builds the graph with graph seed ``base_seed``; later draws re-run its initializer,
or, where that repeats the values, build a fresh graph seeded ``base_seed + k`` as a separate TF1
program would (see ``TF1Built.draws``); every run of the worker reproduces them.
"""

import contextlib
from dataclasses import replace
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from backends import tfenv
from backends.routes.base import Built, Route, Values, Weight, checked_value
from backends.routes.tf1_cells import (
    available_cell_class,
    cell_config,
    cell_param,
    cell_variables,
    check_options,
    describe_initializer,
    make_initializer,
)
from compare.core import families
from compare.core.scenario_spec import Scenario


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
        if tfenv.missing() is not None:
            return "the TF1 cells need TensorFlow: " + str(tfenv.missing())
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
