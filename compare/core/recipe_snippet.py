"""The migration recipe as code a user pastes: Keras layers that compute what the TF1 route computes,
initialized like it by ``init_like_tf1`` (``backends.init_like_tf1``, re-exported as ``compare.init_like_tf1``).

The ``recipe`` route of every env runs exactly what :func:`snippet` prints, and its diff against the real TF1
route is the recipe's measured verdict (``compare.host.report.pipeline.recipe_verdict``).
"""

from typing import Any, List

from compare.artifact import Spec


def _literal(init: Any) -> str:
    """An initializer of a scenario spec (``{"name", "params"}``) as init_like_tf1 takes it."""
    if isinstance(init, dict) and "name" in init:
        params = init.get("params") or {}
        return repr(dict(params, name=init["name"])) if params else repr(init["name"])
    return repr(init)


def init_call(spec: Spec, layer: str = "layer") -> str:
    """The ``init_like_tf1(...)`` call that initializes ``layer`` as the scenario's TF1 route would have."""
    arguments: List[str] = [layer]
    if spec.tf1_initializer is not None:
        arguments.append("scope_initializer=" + _literal(spec.tf1_initializer))
    if spec.tf1_cell_kwargs:
        pairs = ", ".join(f"{k!r}: {_literal(v)}" for k, v in sorted(spec.tf1_cell_kwargs.items()))
        arguments.append("cell_kwargs={" + pairs + "}")
    return "init_like_tf1({})".format(", ".join(arguments))


def snippet(spec: Spec) -> str:
    """Python for the Keras equivalent of a scenario's TF1 route, initialized like it (``spec.complete``)."""
    kind = "GRU" if spec.cell == "gru" else "LSTM"
    options = 'recurrent_activation="sigmoid"'
    if kind == "GRU":
        options = "reset_after=False, " + options
    cells = f"[tf.keras.layers.{kind}Cell({spec.units}, {options}) for _ in range({spec.layers})]"
    layer = "tf.keras.layers.RNN(tf.keras.layers.StackedRNNCells(cells), return_sequences=True)"
    if spec.layers == 1:  # the same function without StackedRNNCells, which Keras 3 on JAX cannot run around one cell
        cells, layer = "", f"tf.keras.layers.{kind}({spec.units}, {options}, return_sequences=True)"
    if spec.bidirectional:
        layer = f"tf.keras.layers.Bidirectional(\n    {layer})"
    return "\n".join(
        [
            "import tensorflow as tf",
            "from compare import init_like_tf1",
            "",
        ]
        + (["cells = " + cells] if cells else [])
        + [
            "layer = " + layer,
            f"layer(tf.zeros((1, 1, {spec.input_dim})))  # build the weights",
            init_call(spec),
        ]
    )
