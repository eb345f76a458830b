"""Import TensorFlow once, in the mode every route expects, and describe this env.

Side: in-env (every TF env's Python and numpy; no host libraries).
"""
from __future__ import annotations

import os
import platform
from typing import Any, Dict

import numpy as np

_TF = None


def tensorflow() -> Any:
    """TensorFlow with eager execution on (TF 1.15 enables it here; the TF1 route uses its own graph)."""
    global _TF
    if _TF is None:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import tensorflow as tf

        tf.get_logger().setLevel("ERROR")
        if not tf.executing_eagerly():
            tf.compat.v1.enable_eager_execution()
        _TF = tf
    return _TF


def seed_everything(seed: int) -> None:
    """Seed TensorFlow, Keras, numpy and Python's ``random``: unseeded Keras initializers (Keras's own
    and, in TF 2.x, the TF1 cells' default GlorotUniform) draw their seeds from Python's ``random``."""
    tf = tensorflow()
    setter = getattr(tf.keras.utils, "set_random_seed", None)
    if setter is not None:
        setter(seed)
    else:  # TF 1.15: the global seed also drives tf.keras initializers
        tf.compat.v1.set_random_seed(seed)


def keras_flavor(tf: Any) -> Dict[str, str]:
    """Which Keras ``tf.keras`` is in this env, and its version."""
    module = tf.keras.__name__
    if module.startswith("tf_keras"):
        import tf_keras

        return {"flavor": "tf_keras", "version": tf_keras.__version__}
    if module.startswith("keras"):
        import keras

        major = keras.__version__.split(".")[0]
        return {"flavor": "keras" + major, "version": keras.__version__}
    return {"flavor": "tf.keras", "version": getattr(tf.keras, "__version__", "unknown")}


def env_info() -> Dict[str, Any]:
    tf = tensorflow()
    return {
        "name": os.environ.get("RNNCOMPARE_ENV", "local"),
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras_flavor(tf),
        "numpy": np.__version__,
        "platform": platform.platform(),
        "legacy_keras": os.environ.get("TF_USE_LEGACY_KERAS", ""),
    }
