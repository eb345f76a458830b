"""Describe this env for its artifact: Python, numpy, TensorFlow and Keras (with its backend), and the
other frameworks a route may build with (JAX, Flax, PyTorch).

An env without TensorFlow (k3-jax, k3-torch: Keras 3 on another backend) is described too: its
``tensorflow`` is ``""`` and its Keras is the standalone ``keras`` package. Frameworks are imported
only when installed, and only here, the routes and ``tfenv`` (lazily).
"""

import importlib
import importlib.util
import os
import platform
from typing import Any, Dict

import numpy as np

from backends import tfenv

# The frameworks besides TensorFlow and Keras whose versions say what an env measures, as imported.
FRAMEWORKS = ("jax", "flax", "torch")


def installed(module: str) -> bool:
    """Whether ``module`` can be imported here (looked up, not imported)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def version(name: str) -> str:
    """The installed distribution's version (as pip lists it: ``2.15.0``, where ``torch.__version__`` says
    ``2.15.0+cu132``), read without importing it; the module's ``__version__`` where Python has no
    ``importlib.metadata`` (3.6, 3.7)."""
    try:
        from importlib import metadata

        return metadata.version(name)
    except ImportError:
        return str(getattr(importlib.import_module(name), "__version__", "unknown"))


def frameworks() -> Dict[str, str]:
    """``{"jax": "0.12.1", ...}``: the version of each of ``FRAMEWORKS`` installed in this env."""
    return {name: version(name) for name in FRAMEWORKS if installed(name)}


def keras_description() -> Dict[str, str]:
    """Which Keras this env has (flavor, version) and the backend it runs on: ``tf.keras`` where TensorFlow
    is, else the standalone Keras 3 package; ``{}`` when there is none."""
    if tfenv.missing() is None:
        described = dict(tfenv.keras_flavor(tfenv.tensorflow()))
        described["backend"] = "tensorflow"
        return described
    if not installed("keras"):
        return {}
    described = {"flavor": "keras" + version("keras").split(".")[0], "version": version("keras")}
    try:
        import keras
    except ImportError as exc:  # e.g. KERAS_BACKEND unset: Keras 3 then asks for TensorFlow
        described["backend"] = "{} (not importable: {})".format(os.environ.get("KERAS_BACKEND", "tensorflow"), exc)
        return described
    described["backend"] = keras.backend.backend()
    return described


def env_info() -> Dict[str, Any]:
    """The artifact's ``env`` table."""
    return {
        "name": os.environ.get("RNNCOMPARE_ENV", "local"),
        "python": platform.python_version(),
        "tensorflow": tfenv.tensorflow().__version__ if tfenv.missing() is None else "",
        "keras": keras_description(),
        "frameworks": frameworks(),
        "numpy": np.__version__,
        "platform": platform.platform(),
        "legacy_keras": os.environ.get("TF_USE_LEGACY_KERAS", ""),
    }
