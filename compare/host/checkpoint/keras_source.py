"""The ``keras_model.py`` that ``rnncompare convert`` writes: converted Keras layers needing their Keras only.

:func:`render` fills :data:`TEMPLATE` with ``RNNS`` (network name -> the TF1 variables it came from, the
options used, the Keras layer and its weights file). The generated file imports nothing of rnncompare, and
``tensorflow`` (its ``tf.keras``) for a TF env, the standalone ``keras`` for k3-jax and k3-torch;
``build(name)`` makes the layer (``GRU`` / ``LSTM``, ``RNN(StackedRNNCells)``, ``Bidirectional``) with
``return_sequences`` and ``return_state``, inside a one-layer ``Model`` that owns the weights file;
``load(name)`` loads the converted weights and returns the layer.
"""

from __future__ import annotations

import pprint
from typing import Any, Dict

TEMPLATE = '''"""Keras layers converted from the TF1 checkpoint {checkpoint} by `rnncompare convert` (TensorFlow {tf1}).

Written for tox env {env}; needs {needs} only. Each layer computes what the TF1
network computed: see proof.json beside this file for the measured max |diff| per output.

    import keras_model
    layer = keras_model.load("{example}")        # the built layer, converted weights loaded
    outputs = layer(x, mask={mask})
    sequence, states = outputs[0], outputs[1:]   # per direction, per layer: h (and c for an LSTM)

`RNNS[name]`: `variables` (the checkpoint variables it came from), `options` (the TF1 cell's),
`keras` (the layer and its cell options), `state_names` (the final states in the order the layer returns
them); `weights_file(name)`: its weights beside this file, in this Keras version's own format (Keras 3:
`NAME.weights.h5`; Keras 2 and tf_keras: `NAME.h5`, HDF5 via `save_weights`).
Padded steps: pass the mask. Compare valid steps only: a `Bidirectional` layer gives zeros there, as TF1's
dynamic_rnn does, a one-direction layer repeats its last valid output (measured: proof.json's `masked_steps`).
"""
import os

{imports}

HERE = os.path.dirname(os.path.abspath(__file__))

RNNS = {rnns}

KERAS_3 = str(getattr(keras, "__version__", "2")).startswith("3")


def weights_file(name):
    """The weights file of RNNS[name], beside this file."""
    return os.path.join(HERE, RNNS[name]["stem"] + (".weights.h5" if KERAS_3 else ".h5"))


def build(name):
    """The Keras layer of RNNS[name], built inside a one-layer Model (weights not loaded): (model, layer)."""
    spec = RNNS[name]["keras"]
    layers = keras.layers
    cell_class = layers.GRUCell if spec["cell"] == "gru" else layers.LSTMCell
    layer_class = layers.GRU if spec["cell"] == "gru" else layers.LSTM
    kwargs = spec["cell_kwargs"]
    if spec["layers"] == 1:
        rnn = layer_class(return_sequences=True, return_state=True, **kwargs)
    else:
        rnn = layers.RNN(layers.StackedRNNCells([cell_class(**kwargs) for _ in range(spec["layers"])]),
                         return_sequences=True, return_state=True)
    layer = layers.Bidirectional(rnn, merge_mode="concat") if len(spec["directions"]) == 2 else rnn
    inputs = keras.Input(shape=(None, spec["input_size"]))
    model = keras.Model(inputs, layer(inputs))
    return model, layer


def load(name):
    """The Keras layer of RNNS[name] holding the converted trained weights."""
    model, layer = build(name)
    model.load_weights(weights_file(name))
    return layer
'''


def render(rnns: Dict[str, Any], checkpoint: str, tf1: str, env: str, standalone: bool = False) -> str:
    """The text of ``keras_model.py`` for ``rnns`` (plain Python literals only); ``standalone``: for a Keras 3
    env without TensorFlow (it imports ``keras``, whichever backend ``KERAS_BACKEND`` names)."""
    example = next(iter(rnns), "NAME")
    return TEMPLATE.format(
        needs="Keras 3 (on the backend the env's KERAS_BACKEND names)" if standalone else "TensorFlow",
        imports="import keras" if standalone else "import tensorflow as tf\n\nkeras = tf.keras",
        mask="numpy.arange(x.shape[1])[None, :] < lengths[:, None]"
        if standalone
        else "tf.sequence_mask(lengths, tf.shape(x)[1])",
        checkpoint=checkpoint,
        tf1=tf1,
        env=env,
        example=example,
        rnns=pprint.pformat(rnns, indent=1, width=110, sort_dicts=False),
    )
