"""Floor B, Keras route: the script a Keras user writes to initialize the scenario's layers ``seeds`` times.

Builds the layers ``backends/routes/keras.py`` builds (``GRU``/``LSTM`` per level or
``RNN(StackedRNNCells)``, wrapped in ``Bidirectional``, the scenario's initializers and layer
kwargs), calls them once on the fixed input (which builds them: the one forward pass), then draws
every weight ``seeds`` times the fastest way this TensorFlow has, all of a draw's variables in one graph
execution: in TF 2.x one ``tf.function`` per draw over the assigns, from the layer's own initializers
re-seeded ``base_seed + k``; in TF 1.x a session running the layers' initializer ops in their graph.
It fetches the weights as numpy (dropped once fetched, the first kept, as the worker keeps it).
Building once is the honest baseline: a user re-initializes layers, they do not rebuild the model per
draw. No statistics.
"""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

import numpy as np

from backends import tfenv
from backends.routes.keras import CELL_PARAMS, initial_value, keras_cells, make_initializer
from backends.routes.keras_draws import GRAPH_VALUES


def layer_kwargs(tf: Any, spec: Any) -> Dict[str, Any]:
    kwargs = dict(spec.layer_kwargs)
    for key in ("kernel_initializer", "recurrent_initializer", "bias_initializer"):
        if getattr(spec, key) is not None:
            kwargs[key] = make_initializer(tf, getattr(spec, key))
    return kwargs


def build(tf: Any, scenario: Any) -> List[Any]:
    layers, spec = tf.keras.layers, scenario.keras
    if spec.stacking == "layers":
        rnn_class = layers.GRU if scenario.cell == "gru" else layers.LSTM
        rnns = [
            rnn_class(scenario.units, return_sequences=True, **layer_kwargs(tf, spec)) for _ in range(scenario.layers)
        ]
    else:
        cell_class = layers.GRUCell if scenario.cell == "gru" else layers.LSTMCell
        cells = [cell_class(scenario.units, **layer_kwargs(tf, spec)) for _ in range(scenario.layers)]
        rnns = [layers.RNN(layers.StackedRNNCells(cells), return_sequences=True)]
    return [layers.Bidirectional(r) for r in rnns] if scenario.bidirectional else rnns


def run(tf: Any, scenario: Any, inputs: np.ndarray) -> Tuple[int, int]:
    """Build and call once, draw ``seeds`` times in one graph execution per draw, fetch every draw's
    values and drop them (the first kept, as the worker keeps it); (draws, variables per draw)."""
    if tfenv.seeded_draws_repeat(tf):
        return _in_functions(tf, scenario, inputs)
    return _in_session(tf, scenario, inputs)


def _in_functions(tf: Any, scenario: Any, inputs: np.ndarray) -> Tuple[int, int]:
    """TF 2.x: each draw is one ``tf.function`` assigning every weight from its initializer re-seeded
    ``base_seed + k`` (seeded Keras initializers are stateless: a seed per draw, a trace per seed); draws
    smaller than ``GRAPH_VALUES`` are assigned eagerly, one variable after another, which is faster there."""
    tf.keras.utils.set_random_seed(scenario.base_seed)
    rnns = build(tf, scenario)
    tensor = tf.constant(inputs)
    for rnn in rnns:
        tensor = rnn(tensor)
    np.array(tensor.numpy())
    weights = [
        (c, p, getattr(c, p)) for _, _, c in keras_cells(rnns) for p in CELL_PARAMS if getattr(c, p, None) is not None
    ]
    first = [np.array(v.numpy()) for _, _, v in weights]
    small = sum(value.size for value in first) < GRAPH_VALUES  # eager assigns are faster than a trace per seed
    for k in range(1, scenario.seeds):

        def draw(seed: int = scenario.base_seed + k) -> List[Any]:
            values = [initial_value(tf, c, param, v, seed) for c, param, v in weights]
            for (_, _, variable), value in zip(weights, values):
                variable.assign(value)
            return values

        [np.array(v.numpy()) for v in (draw() if small else tf.function(draw, autograph=False)())]
    return scenario.seeds, len(first)


def _in_session(tf: Any, scenario: Any, inputs: np.ndarray) -> Tuple[int, int]:
    """TF 1.x: the layers in a graph seeded ``base_seed``; one session runs their initializers ``seeds``
    times (each run continues the initializers' random streams: fresh values) and fetches the weights."""
    tf1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        tf1.set_random_seed(scenario.base_seed)
        x = tf1.placeholder(tf.float32, [None, None, scenario.input_dim])
        tensor = x
        for rnn in build(tf, scenario):
            tensor = rnn(tensor)
        variables = tf1.global_variables()
        init = tf1.variables_initializer(variables)
    session = tf1.Session(graph=graph)
    session.run(init)
    first = session.run(variables)
    session.run(tensor, {x: inputs})
    for _ in range(1, scenario.seeds):
        session.run(init)
        session.run(variables)
    session.close()
    return scenario.seeds, len(first)
