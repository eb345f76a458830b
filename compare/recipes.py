"""The migration recipe: Keras layers that compute what the TF1 route computes, initialized like it.

``init_like_tf1`` is the library entry point (it lives in ``backends.recipes``, since only
``backends/`` imports TensorFlow; importing it here loads TensorFlow). ``snippet`` writes the
code a user pastes for one scenario; the ``recipe`` route of every env runs exactly that code,
and its diff against the real TF1 route is the recipe's verified verdict.

Side: in-env (every TF env's Python and numpy; no host libraries).
"""
from typing import Any, Dict, List, Sequence, Tuple

from compare.artifact import Spec


def init_like_tf1(layers: Any, scope_initializer: Any = None, cell_kwargs: Any = None) -> None:
    """See :func:`backends.recipes.init_like_tf1`."""
    from backends.recipes import init_like_tf1 as implementation

    implementation(layers, scope_initializer, cell_kwargs)


def _literal(init: Any) -> str:
    """An initializer of a scenario spec (``{"name", "params"}``) as init_like_tf1 takes it."""
    if isinstance(init, dict) and "name" in init:
        params = init.get("params") or {}
        return repr(dict(params, name=init["name"])) if params else repr(init["name"])
    return repr(init)


def snippet(spec: Spec) -> str:
    """Python for the Keras equivalent of a scenario's TF1 route, initialized like it (``spec.complete``)."""
    kind = "GRU" if spec.cell == "gru" else "LSTM"
    options = 'recurrent_activation="sigmoid"'
    if kind == "GRU":
        options = "reset_after=False, " + options
    cells = "[tf.keras.layers.{}Cell({}, {}) for _ in range({})]".format(kind, spec.units, options, spec.layers)
    layer = "tf.keras.layers.RNN(tf.keras.layers.StackedRNNCells(cells), return_sequences=True)"
    if spec.bidirectional:
        layer = "tf.keras.layers.Bidirectional(\n    {})".format(layer)
    arguments: List[str] = ["layer"]
    if spec.tf1_initializer is not None:
        arguments.append("scope_initializer=" + _literal(spec.tf1_initializer))
    if spec.tf1_cell_kwargs:
        pairs = ", ".join("{!r}: {}".format(k, _literal(v)) for k, v in sorted(spec.tf1_cell_kwargs.items()))
        arguments.append("cell_kwargs={" + pairs + "}")
    return "\n".join([
        "import tensorflow as tf",
        "from compare.recipes import init_like_tf1",
        "",
        "cells = " + cells,
        "layer = " + layer,
        "layer(tf.zeros((1, 1, {})))  # build the weights".format(spec.input_dim),
        "init_like_tf1({})".format(", ".join(arguments)),
    ])


def verdict(rows: Sequence[Any], scenario: str, baseline: Tuple[str, str]) -> str:
    """The recipe route's measured verdict against the baseline, per env, from the diff's rows."""
    per_env: Dict[str, Dict[str, int]] = {}
    for row in rows:
        if row.scenario == scenario and (row.a.env, row.a.route) == baseline and row.b.route == "recipe":
            counts = per_env.setdefault(row.b.env, {"same": 0, "differs": 0, "missing": 0})
            counts[row.verdict] += 1
    if not per_env:
        return "not measured: no recipe route was compared with {}:{}".format(*baseline)
    parts = []
    for env, counts in sorted(per_env.items()):
        total = sum(counts.values())
        if counts["same"] == total:
            parts.append("{}: same on all {} rows".format(env, total))
        else:
            parts.append("{}: {} of {} rows differ or are missing".format(env, total - counts["same"], total))
    return "; ".join(parts)
