"""Find this env's Keras, with TensorFlow or without, behind one small interface.

In the TF envs Keras is ``tf.keras`` (``backends.tfenv``: TF 1.1's ``tf.contrib.keras`` through Keras 3
inside TF 2.21). In the Keras 3 envs without TensorFlow (k3-jax, k3-torch) it is the standalone
``keras`` package on the backend ``KERAS_BACKEND`` names (jax, torch). Each function takes ``tf``: the
TensorFlow module where Keras runs on it, else None (``tensorflow()`` says which), so the Keras route
and its callers keep one code path and the TF-only ways (graph mode, ``tf.function`` draws) stay in the
TF branches.
"""

import os
from typing import Any, Dict, Optional, Sequence

import numpy as np

from backends import tfenv

# Keras 3 backends that run without TensorFlow
STANDALONE_BACKENDS = ("jax", "torch", "numpy")


def standalone() -> bool:
    """Whether Keras runs here without TensorFlow: ``KERAS_BACKEND`` names another backend, or this env
    has no TensorFlow (where Keras 3 falls back to its configured backend)."""
    return os.environ.get("KERAS_BACKEND", "tensorflow") in STANDALONE_BACKENDS or tfenv.missing() is not None


def tensorflow() -> Optional[Any]:
    """TensorFlow where Keras runs on it, else None."""
    return None if standalone() else tfenv.tensorflow()


def keras(tf: Optional[Any]) -> Any:
    """``tf.keras`` (``tfenv.keras``), or the standalone ``keras`` package where ``tf`` is None."""
    if tf is not None:
        return tfenv.keras(tf)
    import keras as keras_package

    return keras_package


def flavor(tf: Optional[Any]) -> Dict[str, str]:
    """Which Keras this is: flavor, version and, for Keras 3, the backend it computes on."""
    if tf is not None:
        return dict(tfenv.keras_flavor(tf), backend="tensorflow")
    module = keras(None)
    major = module.__version__.split(".")[0]
    return {"flavor": "keras" + major, "version": module.__version__, "backend": module.backend.backend()}


def described(tf: Optional[Any]) -> str:
    """This Keras in words, for messages: ``keras3 in TensorFlow 2.21.0``, ``keras3 3.15.1 on jax``."""
    found = flavor(tf)
    if tf is not None:
        return "{} in TensorFlow {}".format(found["flavor"], tf.__version__)
    return "{} {} on {}".format(found["flavor"], found["version"], found["backend"])


def layer_class(tf: Optional[Any], name: str) -> Optional[Any]:
    """This Keras's layer (or cell) class ``name``; None where it has none."""
    if tf is not None:
        return tfenv.keras_layer_class(tf, name)
    return getattr(keras(None).layers, name, None)


def seed_everything(tf: Optional[Any], seed: int) -> None:
    """Seed Keras and what its unseeded initializers draw from (``keras.utils.set_random_seed`` seeds
    Python's ``random``, numpy and the backend's generator)."""
    if tf is not None:
        tfenv.seed_everything(seed)
    else:
        keras(None).utils.set_random_seed(seed)


def to_numpy(tf: Optional[Any], value: Any) -> np.ndarray:
    """A tensor's or a variable's values as a numpy array."""
    if tf is not None:
        return np.array(value.numpy())
    ops = keras(None).ops
    return np.array(ops.convert_to_numpy(ops.convert_to_tensor(value)))


def constant(tf: Optional[Any], value: np.ndarray) -> Any:
    """``value`` as a tensor of this Keras's backend."""
    return tf.constant(value) if tf is not None else keras(None).ops.convert_to_tensor(value)


def concat(tf: Optional[Any], parts: Sequence[Any]) -> Any:
    return tf.concat(list(parts), 0) if tf is not None else keras(None).ops.concatenate(list(parts), axis=0)


def ones(tf: Optional[Any], size: int, dtype: Any) -> Any:
    return tf.ones((size,), dtype=dtype) if tf is not None else keras(None).ops.ones((size,), dtype=dtype)
