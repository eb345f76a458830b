"""TF1's initializers drawn by Keras 3 where there is no TensorFlow (k3-jax, k3-torch): what ``init_like_tf1``
draws there.

``tf.compat.v1.initializers.<name>`` and the Keras 3 initializer of the same definition, with TF1's
defaults for the parameters a spec leaves out (TF1's ``random_uniform`` is U(0, 1), its ``random_normal``
and ``truncated_normal`` have stddev 1.0, its ``variance_scaling`` ``"normal"`` is truncated; Keras's own
defaults differ). Every call makes a fresh initializer object: Keras 3 draws an unseeded one from a seed
it takes from Python's ``random`` (``keras.utils.set_random_seed`` seeds it), and on JAX one object
called twice repeats its values, where TF1 draws each variable afresh.
"""

from typing import Any, Dict, Tuple

import numpy as np

from backends import kerasenv
from compare.core.scenario_spec import Initializer

# rnncompare's name -> (Keras 3 class, TF1's defaults of the parameters)
KERAS3_OF_TF1: Dict[str, Tuple[str, Dict[str, Any]]] = {
    "glorot_uniform": ("GlorotUniform", {}),
    "glorot_normal": ("GlorotNormal", {}),
    "he_uniform": ("HeUniform", {}),
    "he_normal": ("HeNormal", {}),
    "lecun_uniform": ("LecunUniform", {}),
    "lecun_normal": ("LecunNormal", {}),
    "orthogonal": ("Orthogonal", {"gain": 1.0}),
    "variance_scaling": ("VarianceScaling", {"scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal"}),
    "random_uniform": ("RandomUniform", {"minval": 0.0, "maxval": 1.0}),
    "random_normal": ("RandomNormal", {"mean": 0.0, "stddev": 1.0}),
    "truncated_normal": ("TruncatedNormal", {"mean": 0.0, "stddev": 1.0}),
    "constant": ("Constant", {"value": 0.0}),
    "zeros": ("Zeros", {}),
    "ones": ("Ones", {}),
    "identity": ("Identity", {"gain": 1.0}),
}


def draw(spec: Initializer, shape: Tuple[int, ...]) -> np.ndarray:
    """Values of ``shape`` drawn as TF1's initializer ``spec`` draws them, by a fresh Keras 3 object."""
    class_name, defaults = KERAS3_OF_TF1[spec.name]
    params = dict(defaults, **spec.params)
    if params.get("distribution") == "normal":  # TF1's "normal" is the truncated normal
        params["distribution"] = "truncated_normal"
    init = kerasenv.keras(None).initializers.get({"class_name": class_name, "config": params})
    return kerasenv.to_numpy(None, init(shape, dtype="float32")).astype(np.float32)
