"""The migration recipe: Keras layers that compute what the TF1 route computes, initialized like it.

``init_like_tf1`` is the library entry point (it lives in ``backends.recipes``, since only
``backends/`` imports TensorFlow; importing it here loads TensorFlow). ``snippet`` writes the
code a user pastes for one scenario; the ``recipe`` route of every env runs exactly that code,
and its diff against the real TF1 route is the recipe's verified verdict.
"""
from __future__ import annotations

from typing import Any, Dict, List

from compare.scenarios import Initializer, Scenario


def init_like_tf1(layers: Any, scope_initializer: Any = None, cell_kwargs: Any = None) -> None:
    """See :func:`backends.recipes.init_like_tf1`."""
    from backends.recipes import init_like_tf1 as implementation

    implementation(layers, scope_initializer, cell_kwargs)


def _literal(value: Any) -> str:
    if isinstance(value, Initializer):
        return repr(dict(value.params, name=value.name)) if value.params else repr(value.name)
    return repr(value)


def snippet(scenario: Scenario) -> str:
    """Python for the Keras equivalent of the scenario's TF1 route, initialized like it."""
    kind = "GRU" if scenario.cell == "gru" else "LSTM"
    options = 'recurrent_activation="sigmoid"'
    if kind == "GRU":
        options = "reset_after=False, " + options
    cells = "[tf.keras.layers.{}Cell({}, {}) for _ in range({})]".format(kind, scenario.units, options, scenario.layers)
    layer = "tf.keras.layers.RNN(tf.keras.layers.StackedRNNCells({}), return_sequences=True)".format(cells)
    if scenario.bidirectional:
        layer = "tf.keras.layers.Bidirectional({})".format(layer)
    arguments: List[str] = ["layer"]
    scope = scenario.tf1.reaching_initializer
    if scope is not None:
        arguments.append("scope_initializer=" + _literal(scope))
    kwargs: Dict[str, Any] = scenario.tf1.cell_kwargs
    if kwargs:
        pairs = ", ".join("{!r}: {}".format(k, _literal(v)) for k, v in kwargs.items())
        arguments.append("cell_kwargs={" + pairs + "}")
    return "\n".join([
        "import tensorflow as tf",
        "from compare.recipes import init_like_tf1",
        "",
        "layer = " + layer,
        "layer(tf.zeros((1, 1, {})))  # build the weights".format(scenario.input_dim),
        "init_like_tf1({})".format(", ".join(arguments)),
    ])
