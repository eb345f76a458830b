"""Floor B, TF1 route: the script a TF1 user writes to initialize the scenario's layers ``seeds`` times.

One graph: a placeholder, ``MultiRNNCell`` stacks per direction run by ``bidirectional_dynamic_rnn``
(or ``dynamic_rnn``) inside ``variable_scope``s carrying the scenario's initializers, one
``global_variables_initializer``; one session runs it ``seeds`` times and fetches the variables as
numpy (dropped once fetched; the first kept, as the worker keeps it), plus one forward pass on the
first draw (a fresh graph per draw where re-running repeats the values, as the worker must too).
That is exactly the TensorFlow work ``backends/routes/tf1.py`` does, with no statistics, no
artifact, no per-variable bookkeeping, so ``worker - floor`` is what the worker adds.
Runs on Python 3.7 + TF 1.15 as on TF 2.x.
"""

from __future__ import annotations

import contextlib
from typing import Any, List, Tuple

import numpy as np

from backends.routes.tf1 import repeats
from backends.routes.tf1_cells import make_initializer


def cell(tf: Any, scenario: Any) -> Any:
    kwargs = {k: (make_initializer(tf, v) if hasattr(v, "params") else v) for k, v in scenario.tf1.cell_kwargs.items()}
    return getattr(tf.compat.v1.nn.rnn_cell, scenario.tf1.cell_class)(scenario.units, **kwargs)


def stack(tf: Any, scenario: Any) -> Any:
    cells = [cell(tf, scenario) for _ in range(scenario.layers)]
    return cells[0] if len(cells) == 1 else tf.compat.v1.nn.rnn_cell.MultiRNNCell(cells)


def graph(tf: Any, scenario: Any, seed: int) -> Tuple[Any, Any, List[Any], Any, Any]:
    """The scenario's layers in a fresh graph seeded ``seed``: (graph, input, variables, init op, output)."""
    tf1 = tf.compat.v1
    if hasattr(tf.keras.utils, "set_random_seed"):  # TF 2.x: the cells' default initializer seeds from it
        tf.keras.utils.set_random_seed(seed)
    built = tf.Graph()
    with built.as_default():
        tf1.set_random_seed(seed)
        x = tf1.placeholder(tf.float32, [None, None, scenario.input_dim])
        with contextlib.ExitStack() as scopes:
            for i, outer in enumerate(scenario.tf1.outer_scopes):
                scopes.enter_context(tf1.variable_scope(f"outer{i}", initializer=make_initializer(tf, outer)))
            scope_init = make_initializer(tf, scenario.tf1.scope_initializer)
            scopes.enter_context(tf1.variable_scope("rnn", initializer=scope_init))
            if scenario.bidirectional:
                (fw, bw), _ = tf1.nn.bidirectional_dynamic_rnn(
                    stack(tf, scenario), stack(tf, scenario), x, dtype=tf.float32
                )
                output = tf.concat([fw, bw], axis=-1)
            else:
                output, _ = tf1.nn.dynamic_rnn(stack(tf, scenario), x, dtype=tf.float32)
        return built, x, tf1.global_variables(), tf1.global_variables_initializer(), output


def run(tf: Any, scenario: Any, inputs: np.ndarray) -> Tuple[int, int]:
    """Build once, initialize ``seeds`` times, fetch every draw's values and drop them (as the worker does,
    once measured); (draws, variables per draw). Where re-running the initializer repeats its values
    (TF 2.x's default initializer for these cells is stateless), draw k builds a fresh graph seeded
    ``base_seed + k``: S distinct draws cost S graphs there."""
    tf1 = tf.compat.v1
    built, x, variables, init, output = graph(tf, scenario, scenario.base_seed)
    session = tf1.Session(graph=built)
    session.run(init)
    first = session.run(variables)  # kept, as the worker keeps its first draw for the .npz
    session.run(output, {x: inputs})
    rebuild, drawn = False, 1
    if scenario.seeds > 1:
        session.run(init)
        rebuild = repeats(first, session.run(variables))
        drawn += 0 if rebuild else 1
    for k in range(drawn, scenario.seeds):
        if rebuild:
            session.close()
            built, _, variables, init, _ = graph(tf, scenario, scenario.base_seed + k)
            session = tf1.Session(graph=built)
        session.run(init)
        session.run(variables)
    session.close()
    return scenario.seeds, len(first)
