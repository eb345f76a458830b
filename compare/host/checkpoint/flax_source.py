"""The ``flax_model.py`` that ``rnncompare convert --to flax`` writes: Flax modules needing Flax and JAX only.

:func:`render` fills :data:`TEMPLATE` with ``RNNS`` (network name -> the TF1 variables it came from, the
options used, the modules and their params file). The generated file imports nothing of rnncompare;
``build(name)`` makes a ``TF1Network``: per direction ``layers`` ``flax.linen.RNN`` over ``LSTMCell`` /
``GRUCell`` (each direction stacks its own layers, as TF1's ``MultiRNNCell`` in ``bidirectional_dynamic_rnn``
did), given each sequence's length, the backward one reversed within it; ``load(name)`` returns the module
and its variables ``{"params": ...}`` read from the msgpack file.
"""

from __future__ import annotations

import pprint
from typing import Any, Dict

TEMPLATE = '''"""Flax modules converted from the TF1 checkpoint {checkpoint} by `rnncompare convert` (TensorFlow {tf1}).

Written for tox env {env}; needs Flax and JAX only. Each module computes what the TF1 network computed:
see proof.json beside this file for the measured max |diff| per output.

    import flax_model
    module, variables = flax_model.load("{example}")     # the module and its converted params
    sequence, states = module.apply(variables, x, lengths)  # x (batch, steps, input_size), lengths (batch,)

`sequence` (batch, steps, directions * units) holds zeros past each length, as TF1's dynamic_rnn did;
`states` lists per direction, per layer h (and c for an LSTM) at each sequence's last valid step (the
backward direction's at step 0). `RNNS[name]`: `variables` (the checkpoint variables it came from),
`options` (the TF1 cell's), `flax` (the modules), `state_names`; `weights_file(name)`: its params
(flax.serialization msgpack) beside this file. TF1's forget_bias is folded into the forget gate's hf/bias.
"""
import os

import flax.linen as nn
import jax.numpy as jnp
from flax import serialization

HERE = os.path.dirname(os.path.abspath(__file__))

RNNS = {rnns}


def weights_file(name):
    """The params file of RNNS[name], beside this file."""
    return os.path.join(HERE, RNNS[name]["stem"] + ".msgpack")


class Direction(nn.Module):
    """One direction: `layers` RNNs over the valid steps, the backward one over each sequence reversed."""

    cell: str
    units: int
    layers: int
    reverse: bool

    @nn.compact
    def __call__(self, x, lengths):
        cell_class = nn.GRUCell if self.cell == "gru" else nn.LSTMCell
        states = []
        for layer in range(self.layers):
            rnn = nn.RNN(cell_class(self.units, parent=None), return_carry=True, reverse=self.reverse,
                         keep_order=True, name=f"l{{layer}}")
            carry, x = rnn(x, seq_lengths=lengths)
            states.extend([carry] if self.cell == "gru" else [carry[1], carry[0]])  # Flax's LSTM carry is (c, h)
        return x, states


class TF1Network(nn.Module):
    """One TF1 network: its directions side by side, zeros past each sequence's length."""

    cell: str
    units: int
    layers: int
    directions: tuple

    @nn.compact
    def __call__(self, x, lengths):
        lengths = jnp.asarray(lengths)
        valid = (jnp.arange(x.shape[1])[None, :] < lengths[:, None])[:, :, None]
        outputs, states = [], []
        for direction in self.directions:
            output, found = Direction(self.cell, self.units, self.layers, direction == "bw", name=direction)(x, lengths)
            outputs.append(jnp.where(valid, output, 0.0))
            states.extend(found)
        return jnp.concatenate(outputs, axis=-1), states


def build(name):
    """The module of RNNS[name] (no params)."""
    spec = RNNS[name]["flax"]
    return TF1Network(spec["cell"], spec["units"], spec["layers"], tuple(spec["directions"]))


def load(name):
    """(the module of RNNS[name], its variables holding the converted trained weights)."""
    with open(weights_file(name), "rb") as handle:
        params = serialization.msgpack_restore(handle.read())
    return build(name), {{"params": params}}
'''


def render(rnns: Dict[str, Any], checkpoint: str, tf1: str, env: str) -> str:
    """The text of ``flax_model.py`` for ``rnns`` (plain Python literals only)."""
    return TEMPLATE.format(
        checkpoint=checkpoint,
        tf1=tf1,
        env=env,
        example=next(iter(rnns), "NAME"),
        rnns=pprint.pformat(rnns, indent=1, width=110, sort_dicts=False),
    )
