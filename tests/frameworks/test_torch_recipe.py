"""The PyTorch recipe in real PyTorch (k3-torch): nn.LSTMCell stacks started as the TF1 route starts
LSTMCell (its [x; h] kernel drawn over TF1's shape, forget_bias folded into bias_ih), and the GRU refused
with the reason. The diff against the real TF1 route (another env) is the recipe's verdict; here the draws
are checked against what TF1's cell holds and computes.
"""

import numpy as np
import pytest

from backends.routes import torch_recipe
from backends.routes.base import Unavailable, forward_input
from compare.core import layout
from compare.core.assemble import RESET_AFTER_REASON, assemble
from compare.core.scenarios import parse_scenarios
from tests.helpers import reference_rnn

NEEDS = "torch"


def scenario(cell="lstm", tf1=""):
    text = f"""
[[scenario]]
name = "r"
cell = "{cell}"
units = 4
input_dim = 6
layers = 2
bidirectional = true
seeds = 2
[scenario.tf1]
{tf1}
"""
    return parse_scenarios(text)[0]


def tf1_variables(built, weights, s):
    """The draw as TF1 LSTMCell variables {(layer, direction): {"kernel", "bias"}} (forget_bias folded)."""
    blocks = {k: b.value for k, b in layout.split(built.family, weights, s.units).items()}
    effective = layout.effective_biases(built.family, blocks)
    no_recurrent = {k: v for k, v in blocks.items() if not k.endswith("/recurrent_bias")}
    no_recurrent.update({k: v for k, v in effective.items()})
    variables = assemble("tf1_lstm", no_recurrent, s.units, s.layers, s.directions)
    cells = {}
    for (layer, direction, param), value in variables.items():
        cells.setdefault((layer, direction), {})[param] = value
    return cells, blocks, effective


def test_orthogonal_scope_draws_each_cell_s_whole_x_h_kernel_orthogonal_and_forget_bias_one():
    """Every cell's [x; h] kernel, (inputs + units, 4 units), is orthogonal on its thin side (as TF1's
    orthogonal scope draws it), its gates see bias 0 but the forget gate 1 (forget_bias folded), and bias_hh is 0."""
    s = scenario(tf1='scope_initializer = "orthogonal"')
    built = torch_recipe.ROUTE.build(s)
    weights = next(built.draws(1))
    cells, blocks, effective = tf1_variables(built, weights, s)
    assert len(cells) == 4
    for kernel in (c["kernel"] for c in cells.values()):
        assert kernel.shape in ((6 + s.units, 4 * s.units), (2 * s.units, 4 * s.units))
        thin = kernel if kernel.shape[0] >= kernel.shape[1] else kernel.T  # (10, 16) and (8, 16): orthonormal rows
        np.testing.assert_allclose(thin.T @ thin, np.eye(thin.shape[1]), atol=1e-5)
    for key, value in effective.items():
        assert np.all(value == (1.0 if "/forget/" in key else 0.0)), key
    assert all(not v.any() for k, v in blocks.items() if k.endswith("/recurrent_bias"))


def test_default_kernel_is_glorot_uniform_over_tf1_s_fused_shape_and_draws_repeat_by_seed():
    """No initializer: TF1's default glorot_uniform over (inputs + units, 4 units), |value| under
    sqrt(6 / (rows + cols)) and reaching near it; a second run gives the same draws, draw 1 others."""
    s = scenario()
    first = [[w.value for w in d] for d in torch_recipe.ROUTE.build(s).draws(2)]
    again = [[w.value for w in d] for d in torch_recipe.ROUTE.build(s).draws(2)]
    built = torch_recipe.ROUTE.build(s)
    cells, _, _ = tf1_variables(built, next(built.draws(1)), s)
    for kernel in (c["kernel"] for c in cells.values()):
        limit = np.sqrt(6.0 / sum(kernel.shape))
        assert 0.9 * limit < np.abs(kernel).max() <= limit
    for a, b in zip(first[1], again[1]):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0][0], first[1][0])


def test_the_started_module_computes_tf1_s_lstm_cell_on_its_variables():
    """The recipe's module output equals TF1's LSTMCell equations on the TF1 variables it was drawn as: the
    same kernels, the stored bias without the folded forget_bias, and forget_bias 0.5 added at run time."""
    s = scenario(tf1='scope_initializer = "orthogonal"\ncell_kwargs = { forget_bias = 0.5 }')
    built = torch_recipe.ROUTE.build(s)
    weights = next(built.draws(1))
    got = built.forward(forward_input(s))["output"]
    _, blocks, effective = tf1_variables(built, weights, s)
    tf1 = {k: v for k, v in blocks.items() if layout.parse_key(k)[3] in ("kernel", "recurrent")}
    tf1.update({k: v - (0.5 if "/forget/" in k else 0.0) for k, v in effective.items()})
    assert all(not v.any() for k, v in tf1.items() if k.endswith("/bias"))  # TF1 stores zeros
    expected = reference_rnn.forward("lstm", tf1, forward_input(s), s.units, s.layers, s.directions, forget_bias=0.5)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)


def test_a_gru_is_refused_with_the_reason():
    with pytest.raises(Unavailable) as refused:
        torch_recipe.ROUTE.build(scenario("gru"))
    assert str(refused.value) == "PyTorch's nn.GRU cannot compute TF1's GRUCell: " + RESET_AFTER_REASON
