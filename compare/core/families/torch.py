"""PyTorch's recurrent families: ``nn.GRU`` / ``nn.GRUCell`` and ``nn.LSTM`` / ``nn.LSTMCell``, declared as data.

Each layer and direction of a module (``weight_ih_l{k}[_reverse]``), and each cell, holds four parameters:

* ``weight_ih`` (G * units, inputs) and ``weight_hh`` (G * units, units): the module computes ``W @ x``, so
  the gates are stacked along the rows and each gate's block is its row slice transposed
  (``Variable.transposed``);
* ``bias_ih`` and ``bias_hh`` (G * units,): two biases, the input-side one the part ``bias``, the hidden-side
  one the part ``recurrent_bias``.

GRU gates r, z, n (reset, update, candidate): ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``, the reset
gate applied after the recurrent matmul, as Keras's ``reset_after=True`` does, so the candidate's
recurrent bias is reset-scaled. LSTM gates i, f, g, o (input, forget, cell, output), no forget offset.
Activations are fixed (sigmoid gates, tanh). Proven by a forward pass in the k3-torch env
(tests/frameworks/test_torch_route.py).

Standard library only: runs on the host and in every env.
"""

from compare.core.families.registry import Family, Fixed, Variable, register

_TORCH_CONFIG = {
    "activation": Fixed("tanh"),
    "recurrent_activation": Fixed("sigmoid"),
    "use_bias": Fixed(True),
}
_GRU_GATES = ("reset", "update", "candidate")  # r, z, n
_LSTM_GATES = ("input", "forget", "cell", "output")  # i, f, g, o


def _variables(gates: tuple) -> tuple:
    return (
        Variable("weight_ih", "input", gates, transposed=True),
        Variable("weight_hh", "recurrent", gates, transposed=True),
        Variable("bias_ih", "vector", gates, "bias"),
        Variable("bias_hh", "vector", gates, "recurrent_bias"),
    )


register(
    Family(
        name="torch_gru",
        cell="gru",
        framework="torch",
        classes=("GRU", "GRUCell"),
        anchor="weight_ih",
        variables=_variables(_GRU_GATES),
        always_bias=True,
        own_default="torch_default",
        reset_scaled=("candidate",),
        config=dict(_TORCH_CONFIG, reset_after=Fixed(True)),
    )
)

register(
    Family(
        name="torch_lstm",
        cell="lstm",
        framework="torch",
        classes=("LSTM", "LSTMCell"),
        anchor="weight_ih",
        variables=_variables(_LSTM_GATES),
        always_bias=True,
        own_default="torch_default",
        config=dict(
            _TORCH_CONFIG,
            forget_bias=Fixed(0.0),
            unit_forget_bias=Fixed(False),
            use_peepholes=Fixed(False),
            num_proj=Fixed(None),
            cell_clip=Fixed(None),
        ),
    )
)
