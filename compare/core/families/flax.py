"""Flax's recurrent families: ``flax.linen`` ``GRUCell`` and ``LSTMCell`` / ``OptimizedLSTMCell``, declared as data.

A Flax cell is a set of per-gate ``Dense`` layers, one parameter subtree each (``ii/kernel``, ``hf/bias``), so
every variable holds one gate's block: input kernels (inputs, units), recurrent kernels (units, units), biases
(units,). Read from ``flax/linen/recurrent.py`` (flax 0.12) and proven by a forward pass in the k3-jax env
(tests/frameworks/test_flax_route.py):

* ``LSTMCell``: ``i = σ(W_ii x + W_hi h + b_hi)``, likewise ``f``, ``o``; ``g = tanh(W_ig x + W_hg h + b_hg)``:
  the input denses ``i{i,f,g,o}`` have no bias, the hidden denses ``h{i,f,g,o}`` one each, the gate's only
  bias (so the part ``bias``); no forget offset. ``OptimizedLSTMCell`` concatenates those same parameters
  at run time (one matmul per side) and stores them under the same names.
* ``GRUCell``: ``r = σ(W_ir x + b_ir + W_hr h)``, ``z = σ(W_iz x + b_iz + W_hz h)``,
  ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``, ``h' = (1 - z) n + z h``: the input denses
  ``i{r,z,n}`` have biases (part ``bias``), of the hidden denses only ``hn`` (part ``recurrent_bias``,
  scaled by the reset gate: Keras's ``reset_after=True``).

The gate functions are read from the built cell (``gate_fn``, ``activation_fn``: sigmoid and tanh by
default). Standard library only: runs on the host and in every env.
"""

from compare.core.families.registry import Family, Fixed, Read, Variable, register

_FLAX_CONFIG = {
    "activation": Read("activation"),
    "recurrent_activation": Read("recurrent_activation"),
    "use_bias": Fixed(True),
}
_GRU = (("r", "reset"), ("z", "update"), ("n", "candidate"))
_LSTM = (("i", "input"), ("f", "forget"), ("g", "cell"), ("o", "output"))


def _kernels(gates: tuple) -> tuple:
    return tuple(Variable(f"i{g}/kernel", "input", (gate,)) for g, gate in gates) + tuple(
        Variable(f"h{g}/kernel", "recurrent", (gate,)) for g, gate in gates
    )


register(
    Family(
        name="flax_gru",
        cell="gru",
        framework="flax",
        classes=("GRUCell",),
        anchor="ir/kernel",
        variables=_kernels(_GRU)
        + tuple(Variable(f"i{g}/bias", "vector", (gate,), "bias") for g, gate in _GRU)
        + (Variable("hn/bias", "vector", ("candidate",), "recurrent_bias"),),
        always_bias=True,
        reset_scaled=("candidate",),
        config=dict(_FLAX_CONFIG, reset_after=Fixed(True)),
    )
)

register(
    Family(
        name="flax_lstm",
        cell="lstm",
        framework="flax",
        classes=("LSTMCell", "OptimizedLSTMCell"),
        anchor="ii/kernel",
        variables=_kernels(_LSTM) + tuple(Variable(f"h{g}/bias", "vector", (gate,), "bias") for g, gate in _LSTM),
        always_bias=True,
        config=dict(
            _FLAX_CONFIG,
            forget_bias=Fixed(0.0),
            unit_forget_bias=Fixed(False),
            use_peepholes=Fixed(False),
            num_proj=Fixed(None),
            cell_clip=Fixed(None),
        ),
    )
)
