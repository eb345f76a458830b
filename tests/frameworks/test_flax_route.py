"""The Flax route in real Flax (the k3-jax env; skipped where Flax is not installed): each cell's registry layout
reproduces the cell's own output, and its draws are reproducible.

Every parameter is loaded with random values shifted per gate (``reference_rnn.gate_asymmetric``), the stack is
run by Flax, and the numpy cell recomputes it from the canonical blocks, level by level (a bidirectional level
2 sees both directions' outputs, as Flax's ``Bidirectional`` concatenates them).
"""

import dataclasses

import numpy as np
import pytest

from backends.routes.base import forward_input
from backends.routes.flax import ROUTE
from compare.core import families, layout
from compare.core.scenarios import parse_scenarios
from tests.helpers import reference_rnn
from tests.helpers.small_scenario import small_scenario

NEEDS = "flax"
TOLERANCE = 1e-5

CASES = {  # name: (cell, cell_class, layers, bidirectional, [flax] table TOML)
    "gru-bi": ("gru", "GRUCell", 2, True, ""),
    "lstm-bi": ("lstm", "LSTMCell", 2, True, ""),
    "optimized-lstm": ("lstm", "OptimizedLSTMCell", 2, False, ""),
    "gru-initializers": ("gru", "GRUCell", 1, False, 'kernel_init = "glorot_uniform"\nbias_init = "ones"'),
}


def scenario(name, seeds=1):
    cell, cell_class, layers, bidirectional, table = CASES[name]
    tables = f'[scenario.flax]\ncell_class = "{cell_class}"\n{table}'
    return small_scenario(name, cell, layers, bidirectional, tables, seeds)


def per_level_forward(kind, blocks, inputs, units, layers, directions, reset_after):
    """The numpy cell level by level, each level fed both directions' outputs of the one below."""
    sequence = inputs
    for level in range(layers):
        prefix = f"l{level}/"
        level_blocks = {"l0/" + k[len(prefix) :]: v for k, v in blocks.items() if k.startswith(prefix)}
        sequence = reference_rnn.forward(kind, level_blocks, sequence, units, 1, directions, reset_after=reset_after)
    return sequence


@pytest.mark.parametrize("name", sorted(CASES))
def test_flax_cells_compute_what_their_canonical_blocks_say(name, capsys):
    """Flax's output on gate-asymmetric weights is the numpy GRU/LSTM on the registry's blocks (the GRU's
    reset gate after the recurrent matmul, as the family's config says), within 1e-5."""
    s = scenario(name)
    built = ROUTE.build(s)
    weights = built.load(reference_rnn.gate_asymmetric(built.family, next(built.draws(1)), s.units))
    got = built.forward(forward_input(s))["output"]
    computes = families.computation(families.get(built.family), built.config(), s.layers, s.bidirectional)
    blocks = {k: b.value for k, b in layout.split(built.family, weights, s.units).items()}
    expected = per_level_forward(
        s.cell, blocks, forward_input(s), s.units, s.layers, s.directions, bool(computes.get("reset_after"))
    )
    worst = float(np.abs(got - expected).max())
    with capsys.disabled():
        print(f"\n{name} ({built.family}): max |Flax - numpy on the blocks| = {worst:.1e}")
    assert (computes.get("activation"), computes.get("recurrent_activation")) == ("tanh", "sigmoid")
    np.testing.assert_allclose(got, expected, rtol=0, atol=TOLERANCE)


def test_flax_draws_are_reproducible_and_each_seed_differs():
    """Draw k is ``init`` under ``PRNGKey(base_seed + k)``: two builds agree bit for bit, two seeds differ."""
    s = scenario("lstm-bi", seeds=2)
    runs = [
        [[w.value for w in draw if w.param.endswith("kernel")] for draw in ROUTE.build(s).draws(2)] for _ in range(2)
    ]
    for a, b in zip(*runs):
        for x, y in zip(a, b):
            np.testing.assert_array_equal(x, y)
    assert not any(np.array_equal(x, y) for x, y in zip(runs[0][0], runs[0][1]))


def test_optimized_lstm_cell_stores_what_lstm_cell_stores():
    """OptimizedLSTMCell fuses the per-gate denses at run time only: its parameter names and shapes are
    LSTMCell's, and under one key it draws the same values."""
    plain = next(ROUTE.build(dataclasses.replace(scenario("lstm-bi"), bidirectional=False)).draws(1))
    optimized = next(ROUTE.build(scenario("optimized-lstm")).draws(1))
    assert [(w.name, w.value.shape) for w in plain] == [(w.name, w.value.shape) for w in optimized]
    for a, b in zip(plain, optimized):
        np.testing.assert_array_equal(a.value, b.value)


def test_the_flax_defaults_are_recorded_and_the_given_initializers_applied():
    """Absent initializers are Flax's own (recorded so); ``bias_init = "ones"`` makes every bias 1."""
    built = ROUTE.build(scenario("gru-initializers"))
    weights = next(built.draws(1))
    cell = built.config()["cell"]
    assert cell["recurrent_kernel_init"] == "Flax default"
    assert cell["kernel_init"] == {"name": "glorot_uniform", "params": {}}
    biases = {w.param: float(w.value.mean()) for w in weights if w.param.endswith("/bias")}
    assert biases == {"in/bias": 1.0, "ir/bias": 1.0, "iz/bias": 1.0, "hn/bias": 1.0}


INITIALIZER_CASES = {  # [flax] table for the kernels (input 3 -> widened to 64 rows here), what the draw must show
    "orthogonal-gain-2": '{ name = "orthogonal", gain = 2.0 }',
    "uniform-bounds": '{ name = "random_uniform", minval = -0.2, maxval = 0.3 }',
    "untruncated-vs": '{ name = "variance_scaling", scale = 2.0, mode = "fan_in", distribution = "untruncated_normal" }',
    "truncated-mean": '{ name = "truncated_normal", mean = 0.5, stddev = 0.1 }',
}


def initialized(table):
    (s,) = parse_scenarios(
        f"""
[[scenario]]
name = "init"
cell = "lstm"
units = 32
input_dim = 64
[scenario.flax]
kernel_init = {table}
recurrent_kernel_init = {table}
"""
    )
    return {w.param: w.value.astype(np.float64) for w in next(ROUTE.build(s).draws(1))}


@pytest.mark.parametrize("name", sorted(INITIALIZER_CASES))
def test_the_scenarios_initializers_reach_the_flax_kernels_as_defined(name):
    """Each [flax] initializer draws what its parameters say, on the (64, 32) input and (32, 32) recurrent
    kernels: gain 2 orthogonal columns, the uniform's bounds, the untruncated normal's std sqrt(2 / fan_in),
    the truncated normal cut at mean +- 2 stddev."""
    values = initialized(INITIALIZER_CASES[name])
    kernel, recurrent = values["ii/kernel"], values["hi/kernel"]
    if name == "orthogonal-gain-2":
        np.testing.assert_allclose(kernel.T @ kernel, 4 * np.eye(32), atol=1e-4)
        np.testing.assert_allclose(recurrent.T @ recurrent, 4 * np.eye(32), atol=1e-4)
    elif name == "uniform-bounds":
        assert -0.2 <= kernel.min() < -0.19 and 0.29 < kernel.max() < 0.3
    elif name == "untruncated-vs":
        assert abs(kernel.std() / np.sqrt(2.0 / 64) - 1) < 0.1 and np.abs(kernel).max() > 2 * np.sqrt(2.0 / 64)
    else:
        assert 0.3 <= kernel.min() and kernel.max() <= 0.7 and abs(kernel.mean() - 0.5) < 0.01


def test_a_seeded_flax_initializer_is_unavailable_with_the_reason():
    """Flax draws every parameter from the module's PRNG key: a seed in the [flax] table is refused, by name."""
    from backends.routes.base import Unavailable

    with pytest.raises(Unavailable, match="^Flax draws orthogonal from the module's PRNG key"):
        initialized('{ name = "orthogonal", seed = 3 }')
