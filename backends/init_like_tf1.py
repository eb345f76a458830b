"""Initialize already-built Keras GRU/LSTM layers exactly as the TF1 route would have.

The TF1 route draws, per cell, over the *concatenated* [x; h] shapes:

* ``GRUCell``: ``gates/kernel`` (in+units, 2*units) and ``candidate/kernel`` (in+units, units) from
  the cell's ``kernel_initializer``, else the enclosing variable_scope initializer, else
  ``get_variable``'s default ``glorot_uniform`` over that full shape; ``gates/bias`` from
  ``bias_initializer`` else ``constant(1.0)``, ``candidate/bias`` from ``bias_initializer`` else zeros
  (the cell passes these constants explicitly, so a scope initializer never reaches the biases).
* ``LSTMCell`` / ``BasicLSTMCell``: ``kernel`` (in+units, 4*units) from the cell's ``initializer``
  (LSTMCell), else the scope's, else glorot_uniform; ``bias`` zeros; ``forget_bias`` (default 1.0)
  added to the forget gate at run time.

This module draws those variables with TF's own ``tf.compat.v1`` initializers (without TensorFlow, Keras 3
on JAX or PyTorch draws them: ``backends.tf1_initializers``), folds
``forget_bias`` into the stored forget-gate bias (Keras adds nothing at run time), cuts them into
per-gate blocks (``compare.core.layout``) and writes them into the Keras variables
(``compare.core.assemble``). Peepholes, ``num_proj`` and ``cell_clip`` have no Keras counterpart and
are refused. It needs eager execution
(TF 2.x: Keras 2, tf_keras, Keras 3); TF 1.15's graph-mode Keras is not supported.
"""

from typing import Any, Dict, Optional, Tuple

import numpy as np

from backends import kerasenv, tf1_initializers
from backends.routes.base import Weight
from backends.routes.keras import keras_cells
from backends.routes.tf1_cells import make_initializer
from compare.core import families, layout
from compare.core.assemble import assemble
from compare.core.port import fold_forget_bias
from compare.core.scenarios import parse_initializer

GRU_GATE_BIAS = 1.0  # GRUCell: constant_initializer(1.0) for gates/bias when none is given
LSTM_FORGET_BIAS = 1.0  # LSTMCell / BasicLSTMCell default forget_bias
UNSUPPORTED = ("use_peepholes", "use_peephole", "num_proj", "cell_clip")  # use_peephole: the block cells


def _initializer(tf: Any, value: Any) -> Any:
    """A TF1 initializer object from a name, a scenario-style table, an Initializer spec or an object."""
    if value is None or callable(value):
        return value
    spec = value if hasattr(value, "params") else parse_initializer("init_like_tf1", value)
    return make_initializer(tf, spec)


def _draw(tf: Any, init: Any, shape: Tuple[int, ...]) -> np.ndarray:
    return np.asarray(init(shape, dtype=tf.float32), dtype=np.float32)


def unsupported(cell_kwargs: Dict[str, Any]) -> Optional[str]:
    """Why no Keras layer can start like a TF1 cell with these kwargs, or None."""
    refused = [k for k in UNSUPPORTED if cell_kwargs.get(k)]
    if refused:
        return f"{refused[0]} has no Keras counterpart: a Keras layer cannot start like this TF1 cell"
    return None


def tf1_variables(
    kind: str, in_dim: int, units: int, scope_initializer: Any = None, cell_kwargs: Optional[Dict[str, Any]] = None
) -> Dict[str, np.ndarray]:
    """One TF1 cell's variables ``{param: array}``, drawn as the TF1 route draws them (without TensorFlow:
    by Keras 3, ``backends.tf1_initializers``)."""
    if kerasenv.standalone():
        return _keras3_variables(kind, in_dim, units, scope_initializer, dict(cell_kwargs or {}))
    import tensorflow as tf  # as the user's program has it: no logging or eager changes here

    tf1, kwargs = tf.compat.v1, dict(cell_kwargs or {})
    refused = unsupported(kwargs)
    if refused:
        raise ValueError(refused)
    own = _initializer(tf, kwargs.get("kernel_initializer" if kind == "gru" else "initializer"))
    kernel_init = own or _initializer(tf, scope_initializer) or tf1.glorot_uniform_initializer()
    rows = in_dim + units
    if kind == "gru":
        bias_init = _initializer(tf, kwargs.get("bias_initializer"))
        return {
            "gates/kernel": _draw(tf, kernel_init, (rows, 2 * units)),
            "gates/bias": _draw(tf, bias_init or tf1.constant_initializer(GRU_GATE_BIAS), (2 * units,)),
            "candidate/kernel": _draw(tf, kernel_init, (rows, units)),
            "candidate/bias": _draw(tf, bias_init or tf1.zeros_initializer(), (units,)),
        }
    return {
        "kernel": _draw(tf, kernel_init, (rows, 4 * units)),
        "bias": _draw(tf, tf1.zeros_initializer(), (4 * units,)),
    }


def _spec(value: Any) -> Any:
    """An Initializer spec from a name or a scenario-style table (a spec or an initializer object as it is)."""
    if value is None or callable(value) or hasattr(value, "params"):
        return value
    return parse_initializer("init_like_tf1", value)


def _keras3_variables(
    kind: str, in_dim: int, units: int, scope_initializer: Any, kwargs: Dict[str, Any]
) -> Dict[str, np.ndarray]:
    """``tf1_variables`` where there is no TensorFlow: the same variables, each drawn by a fresh Keras 3
    object of TF1's initializer (an initializer object given is called as it is)."""
    refused = unsupported(kwargs)
    if refused:
        raise ValueError(refused)

    def draw(value: Any, shape: Tuple[int, ...]) -> np.ndarray:
        spec = _spec(value)
        if callable(spec):
            return kerasenv.to_numpy(None, spec(shape, dtype="float32")).astype(np.float32)
        return tf1_initializers.draw(spec, shape)

    kernel = kwargs.get("kernel_initializer" if kind == "gru" else "initializer") or scope_initializer
    kernel = kernel or "glorot_uniform"
    rows = in_dim + units
    if kind == "gru":
        bias = kwargs.get("bias_initializer")
        return {
            "gates/kernel": draw(kernel, (rows, 2 * units)),
            "gates/bias": draw(bias or {"name": "constant", "value": GRU_GATE_BIAS}, (2 * units,)),
            "candidate/kernel": draw(kernel, (rows, units)),
            "candidate/bias": draw(bias or "zeros", (units,)),
        }
    return {"kernel": draw(kernel, (rows, 4 * units)), "bias": draw("zeros", (4 * units,))}


def _keras_values(kind: str, cell: Any, tf1_values: Dict[str, np.ndarray], forget_bias: float) -> Dict[str, np.ndarray]:
    units = int(cell.units)
    weights = [Weight(param, 0, "fw", param, value) for param, value in tf1_values.items()]
    source, target = families.for_cell("tf1", kind), families.of_instance(cell, "keras")
    blocks = {k: b.value for k, b in layout.split(source.name, weights, units).items()}
    blocks = fold_forget_bias(blocks, forget_bias)
    reset_after = bool(getattr(cell, "reset_after", False))
    if reset_after:  # the gates see bias + recurrent_bias: all of TF1's bias goes into the input bias
        for gate in target.gates:
            blocks[layout.block_key(0, "fw", gate, "recurrent_bias")] = np.zeros(units, np.float32)
    variables = assemble(target.name, blocks, units, 1, ["fw"], reset_after)
    return {param: value for (_, _, param), value in variables.items()}


def init_like_tf1(layers: Any, scope_initializer: Any = None, cell_kwargs: Optional[Dict[str, Any]] = None) -> None:
    """Overwrite the weights of built Keras GRU/LSTM ``layers`` with a TF1-route initialization.

    ``scope_initializer``: what ``tf.compat.v1.variable_scope(initializer=...)`` held (a name such as
    ``"orthogonal"``, a table ``{"name": "orthogonal", "gain": 2.0}``, or an initializer object);
    ``cell_kwargs``: the TF1 cell's keyword arguments (``kernel_initializer``, ``bias_initializer``,
    ``initializer``, ``forget_bias``); GRUCell, LSTMCell and BasicLSTMCell all take these. Seed
    TensorFlow first for reproducible draws.
    """
    kwargs = dict(cell_kwargs or {})
    forget_bias = float(kwargs.pop("forget_bias", LSTM_FORGET_BIAS))
    for _, _, cell in keras_cells(layers):
        kind = families.of_instance(cell, "keras").cell
        if getattr(cell, "bias", None) is None:
            raise ValueError("a Keras cell with use_bias=False cannot hold TF1's biases")
        in_dim = int(cell.kernel.shape[0])
        drawn = tf1_variables(kind, in_dim, int(cell.units), scope_initializer, kwargs)
        values = _keras_values(kind, cell, drawn, forget_bias if kind == "lstm" else 0.0)
        for param, value in values.items():
            getattr(cell, param).assign(value)
