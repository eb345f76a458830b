"""Import TensorFlow once, in the mode every route expects, and describe this env.

The TF API differences between the envs' TensorFlow versions live here, each behind one function:
where the TF1 API, its RNN cells, its initializers and Keras are found, and whether TensorFlow runs
eagerly. TensorFlow 1.1 (tox env tf11) predates ``tf.compat``, ``tf.nn.rnn_cell``, ``tf.keras``
and eager execution: it has the TF1 API at the top level, the cells in ``tf.contrib.rnn`` and
Keras 2.0 as ``tf.contrib.keras``, in graph mode.
"""

import importlib.util
import inspect
import os
import random
from typing import Any, Callable, Dict, Optional

import numpy as np

_TF = None


def missing() -> Optional[str]:
    """None when TensorFlow can be imported here, else why not (an env of Keras 3 on JAX or PyTorch has none)."""
    try:
        found = importlib.util.find_spec("tensorflow")
    except (ImportError, ValueError):
        found = None
    if found is not None:
        return None
    return "this env ({}) has no TensorFlow (use an env of the tf* matrix for it)".format(
        os.environ.get("RNNCOMPARE_ENV", "local")
    )


def tensorflow() -> Any:
    """TensorFlow, eager where it can be (TF 1.15 enables it here; the TF1 route uses its own graph)."""
    global _TF
    if _TF is None:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import tensorflow as tf

        if hasattr(tf, "get_logger"):
            tf.get_logger().setLevel("ERROR")
        else:
            tf.logging.set_verbosity(tf.logging.ERROR)
        if hasattr(tf, "executing_eagerly") and not tf.executing_eagerly():
            tf.compat.v1.enable_eager_execution()
        _TF = tf
    return _TF


def eager(tf: Any) -> bool:
    """Whether Keras variables hold values here (TF 1.15 on) or live in a graph and a session (TF 1.1)."""
    return hasattr(tf, "executing_eagerly") and tf.executing_eagerly()


def v1(tf: Any) -> Any:
    """The TF1 API: ``tf.compat.v1``, or ``tf`` itself where there is no ``tf.compat.v1`` (TF 1.1)."""
    return getattr(getattr(tf, "compat", None), "v1", tf)


def rnn_cells(tf: Any) -> Any:
    """The module of the TF1 RNN cells: ``nn.rnn_cell``, or ``tf.contrib.rnn`` in TF 1.1."""
    cells = getattr(v1(tf).nn, "rnn_cell", None)
    return cells if cells is not None else tf.contrib.rnn


def tf1_cell_class(tf: Any, name: str) -> Optional[Any]:
    """The TF1 cell class called ``name``: from ``nn.rnn_cell`` (``tf.contrib.rnn`` in TF 1.1), else from
    ``tf.contrib.rnn`` or ``tf.contrib.cudnn_rnn`` (the block, layer-norm and cuDNN cells); None where this
    TensorFlow has none (TF 2.x has no ``tf.contrib``)."""
    found = getattr(rnn_cells(tf), name, None)
    contrib = getattr(tf, "contrib", None)
    for module in ("rnn", "cudnn_rnn"):
        if found is None and contrib is not None:
            found = getattr(getattr(contrib, module, None), name, None)
    return found


def tf1_initializer(tf: Any, name: str) -> Optional[Callable[..., Any]]:
    """The TF1 initializer class called ``name``: ``initializers.<name>``, or ``tf.<name>_initializer``
    in TF 1.1; None when this TensorFlow has neither (TF 1.1 has no glorot, he, lecun, variance_scaling
    or identity initializer outside contrib)."""
    initializers = getattr(v1(tf), "initializers", None)
    found = getattr(initializers, name, None)
    return found if found is not None else getattr(tf, name + "_initializer", None)


def keras(tf: Any) -> Any:
    """``tf.keras``, or ``tf.contrib.keras`` (Keras 2.0, graph mode) in TF 1.1."""
    found = getattr(tf, "keras", None)
    return found if found is not None else tf.contrib.keras


def keras_layer_class(tf: Any, name: str) -> Optional[Any]:
    """The Keras layer class called ``name``: ``tf.keras.layers``, else ``tf.compat.v1.keras.layers`` (where
    TF 2.x keeps CuDNNGRU / CuDNNLSTM); None where neither has it (Keras 3)."""
    found = getattr(keras(tf).layers, name, None)
    if found is None:
        found = getattr(getattr(getattr(v1(tf), "keras", None), "layers", None), name, None)
    return found


def seeded_draws_repeat(tf: Any) -> bool:
    """Whether a seeded Keras initializer gives the same values wherever it is called, in a graph as
    eagerly: TF 2.x's are stateless. In TF 1.15 each eager call continues the random stream of the
    kernel that op and seed share, so a second call with the same seed gives other values."""
    return int(tf.__version__.split(".")[0]) >= 2


def clear_keras_session(keras_module: Any) -> None:
    """Reset Keras's global state (layer name counters among it), without the forced full garbage
    collection Keras 3 adds by default: about 0.13 s a call with TensorFlow loaded, once per
    scenario, while Python's own collector reclaims the previous layers anyway."""
    clear = keras_module.backend.clear_session
    if "free_memory" in inspect.signature(clear).parameters:
        clear(free_memory=False)
    else:
        clear()


def seed_everything(seed: int) -> None:
    """Seed TensorFlow, Keras, numpy and Python's ``random``: unseeded Keras initializers (Keras's own
    and, in TF 2.x, the TF1 cells' default GlorotUniform) draw their seeds from Python's ``random``,
    and Keras 2.0's (TF 1.1) from numpy's."""
    tf = tensorflow()
    setter = getattr(getattr(tf, "keras", None), "utils", None)
    setter = getattr(setter, "set_random_seed", None)
    if setter is not None:
        setter(seed)
        return
    # TF 1.1 and 1.15: the graph seed also drives the Keras initializers of that graph.
    v1(tf).set_random_seed(seed)
    np.random.seed(seed)
    random.seed(seed)


def keras_flavor(tf: Any) -> Dict[str, str]:
    """Which Keras ``tf.keras`` is in this env, and its version."""
    module = keras(tf).__name__
    if module.startswith("tf_keras"):
        import tf_keras

        return {"flavor": "tf_keras", "version": tf_keras.__version__}
    if module.startswith("keras"):
        import keras as keras_package

        major = keras_package.__version__.split(".")[0]
        return {"flavor": "keras" + major, "version": keras_package.__version__}
    if module.startswith("tensorflow.contrib"):
        return {"flavor": "tf.contrib.keras", "version": "bundled with TensorFlow " + tf.__version__}
    return {"flavor": "tf.keras", "version": getattr(tf.keras, "__version__", "unknown")}
