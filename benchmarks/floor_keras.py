"""Floor B, Keras route: the script a Keras user writes to initialize the scenario's layers ``seeds`` times.

Builds the layers ``backends/routes/keras.py`` builds (``GRU``/``LSTM`` per level or
``RNN(StackedRNNCells)``, wrapped in ``Bidirectional``, the scenario's initializers and layer
kwargs), calls them once on the fixed input (which builds them: the one forward pass), then
re-initializes every weight ``seeds`` times from the layer's own initializers, seeded
``base_seed + k`` (a fresh initializer object per draw: Keras 2+ unseeded initializers return the
same values when called again), and fetches the weights as numpy (dropped once fetched, the first
kept, as the worker keeps it). Building once is the honest
baseline: a user re-initializes layers, they do not rebuild the model per draw. No statistics.
"""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

import numpy as np

from backends.routes.keras import CELL_PARAMS, initial_value, keras_cells, make_initializer


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
    """Build and call once, re-initialize ``seeds`` times, fetch every draw's values and drop them (the
    first kept, as the worker keeps it); (draws, variables per draw)."""
    if hasattr(tf.keras.utils, "set_random_seed"):
        tf.keras.utils.set_random_seed(scenario.base_seed)
    else:
        tf.compat.v1.set_random_seed(scenario.base_seed)
    rnns = build(tf, scenario)
    tensor = tf.constant(inputs)
    for rnn in rnns:
        tensor = rnn(tensor)
    np.array(tensor.numpy())
    weights = [
        (c, p, getattr(c, p)) for _, _, c in keras_cells(rnns) for p in CELL_PARAMS if getattr(c, p, None) is not None
    ]
    first = [np.array(v.numpy()) for _, _, v in weights]
    for k in range(1, scenario.seeds):
        for c, param, variable in weights:
            variable.assign(initial_value(tf, c, param, variable, scenario.base_seed + k))
        [np.array(v.numpy()) for _, _, v in weights]
    return scenario.seeds, len(first)
