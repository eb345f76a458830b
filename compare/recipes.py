"""The migration recipe: Keras layers that compute what the TF1 route computes, initialized like it.

``init_like_tf1`` is the library entry point (it lives in ``backends.recipes``, since only
``backends/`` imports TensorFlow; importing it here loads TensorFlow). ``snippet`` writes the
code a user pastes for one scenario; the ``recipe`` route of every env runs exactly that code,
and its diff against the real TF1 route is the recipe's verified verdict.
"""
from typing import Any, Dict, List, Sequence, Tuple


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


def _reaching(tf1: Dict[str, Any]) -> Any:
    scopes = [tf1.get("scope_initializer")] + [s.get("initializer") for s in reversed(tf1.get("outer_scopes", []))]
    return next((init for init in scopes if init is not None), None)


def snippet(spec: Dict[str, Any]) -> str:
    """Python for the Keras equivalent of a scenario's TF1 route, initialized like it.

    ``spec`` is ``Scenario.to_dict()``, as every artifact stores it.
    """
    kind = "GRU" if spec["cell"] == "gru" else "LSTM"
    options = 'recurrent_activation="sigmoid"'
    if kind == "GRU":
        options = "reset_after=False, " + options
    cells = "[tf.keras.layers.{}Cell({}, {}) for _ in range({})]".format(kind, spec["units"], options, spec["layers"])
    layer = "tf.keras.layers.RNN(tf.keras.layers.StackedRNNCells(cells), return_sequences=True)"
    if spec["bidirectional"]:
        layer = "tf.keras.layers.Bidirectional(\n    {})".format(layer)
    arguments: List[str] = ["layer"]
    scope = _reaching(spec["tf1"])
    if scope is not None:
        arguments.append("scope_initializer=" + _literal(scope))
    kwargs = spec["tf1"].get("cell_kwargs") or {}
    if kwargs:
        pairs = ", ".join("{!r}: {}".format(k, _literal(v)) for k, v in sorted(kwargs.items()))
        arguments.append("cell_kwargs={" + pairs + "}")
    return "\n".join([
        "import tensorflow as tf",
        "from compare.recipes import init_like_tf1",
        "",
        "cells = " + cells,
        "layer = " + layer,
        "layer(tf.zeros((1, 1, {})))  # build the weights".format(spec["input_dim"]),
        "init_like_tf1({})".format(", ".join(arguments)),
    ])


def verdict(rows: Sequence[Dict[str, Any]], scenario: str, baseline: Tuple[str, str]) -> str:
    """The recipe route's measured verdict against the baseline, per env, from diff rows."""
    per_env: Dict[str, Dict[str, int]] = {}
    for row in rows:
        a, b = row["a"], row["b"]
        if row["scenario"] == scenario and (a["env"], a["route"]) == baseline and b["route"] == "recipe":
            counts = per_env.setdefault(b["env"], {"same": 0, "differs": 0, "missing": 0})
            counts[row["verdict"]] += 1
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
