"""PyTorch's families in compare.core.layout (numpy only, hand-made arrays): weight_ih / weight_hh stored
(G * units, rows) with the gates stacked along the rows, two biases, and the way back.

The layouts below are written out from PyTorch's documentation of ``nn.GRU`` / ``nn.LSTM`` (independently of
the registry); the forward pass in real PyTorch is tests/frameworks/test_torch_route.py.
"""

import numpy as np
import pytest

from compare.core import layout
from compare.core.assemble import RESET_AFTER_REASON, PortError, assemble
from compare.core.layout import effective_biases, split
from compare.core.weights import Weight

TORCH_GATES = {"torch_gru": ("reset", "update", "candidate"), "torch_lstm": ("input", "forget", "cell", "output")}


def torch_cell(family, inp, units, layer=0, direction="fw", leading=()):
    """One layer and direction of distinct values, named as nn.GRU / nn.LSTM name them."""
    g = len(TORCH_GATES[family])
    suffix = f"_l{layer}" + ("_reverse" if direction == "bw" else "")
    shapes = {"weight_ih": (g * units, inp), "weight_hh": (g * units, units), "bias_ih": (g * units,)}
    shapes["bias_hh"] = (g * units,)
    start, weights = 1000 * (2 * layer + (direction == "bw")), []
    for param, shape in shapes.items():
        size = int(np.prod(leading + shape))
        value = np.arange(start, start + size, dtype=np.float64).reshape(leading + shape)
        start += size
        weights.append(Weight(param + suffix, layer, direction, param, value))
    return weights


@pytest.mark.parametrize("family", sorted(TORCH_GATES))
def test_each_gate_is_a_row_slice_transposed_into_an_input_by_units_block(family):
    """Gate k of weight_ih is rows [k*u, (k+1)*u), as an (inputs, units) block: r, z, n / i, f, g, o."""
    inp, units = 3, 2
    weights = torch_cell(family, inp, units)
    w_ih, w_hh, b_ih, b_hh = (w.value for w in weights)
    blocks = split(family, weights, units)
    for k, gate in enumerate(TORCH_GATES[family]):
        rows = slice(k * units, (k + 1) * units)
        np.testing.assert_array_equal(blocks[f"l0/fw/{gate}/kernel"].value, w_ih[rows].T)
        np.testing.assert_array_equal(blocks[f"l0/fw/{gate}/recurrent"].value, w_hh[rows].T)
        np.testing.assert_array_equal(blocks[f"l0/fw/{gate}/bias"].value, b_ih[rows])
        np.testing.assert_array_equal(blocks[f"l0/fw/{gate}/recurrent_bias"].value, b_hh[rows])
        assert blocks[f"l0/fw/{gate}/kernel"].value.shape == (inp, units)
    assert blocks[f"l0/fw/{TORCH_GATES[family][1]}/kernel"].where == "weight_ih_l0[2:4, 0:3]"


def test_input_width_is_read_off_the_columns_of_weight_ih():
    """Layer 1 of a bidirectional per-level stack sees 2 * units inputs: weight_ih_l1 is (3u, 2u)."""
    units = 4
    weights = torch_cell("torch_gru", 5, units) + torch_cell("torch_gru", 2 * units, units, layer=1, direction="bw")
    blocks = split("torch_gru", weights, units)
    assert blocks["l0/fw/reset/kernel"].value.shape == (5, units)
    assert blocks["l1/bw/candidate/kernel"].value.shape == (2 * units, units)
    assert blocks["l1/bw/candidate/kernel"].variable == "weight_ih_l1_reverse"


@pytest.mark.parametrize("family", sorted(TORCH_GATES))
@pytest.mark.parametrize("leading", [(), (3,)])
def test_split_then_assemble_gives_back_every_parameter(family, leading):
    """Blocks put back into the torch family's parameters are the parameters, bit for bit (seed axes too)."""
    weights = torch_cell(family, 3, 2, leading=leading) + torch_cell(family, 3, 2, direction="bw", leading=leading)
    back = assemble(family, split(family, weights, 2), 2, 1, ["fw", "bw"])
    assert sorted(back) == sorted((w.layer, w.direction, w.param) for w in weights)
    for w in weights:
        np.testing.assert_array_equal(back[(w.layer, w.direction, w.param)], w.value)


def test_gru_gates_see_both_biases_except_the_reset_scaled_candidate():
    """r and z add b_ih + b_hh before the sigmoid; n = tanh(W_in x + b_in + r * (W_hn h + b_hn)) sees b_in alone."""
    blocks = split("torch_gru", torch_cell("torch_gru", 1, 1), 1)
    b_ih, b_hh = blocks["l0/fw/reset/bias"].value, blocks["l0/fw/reset/recurrent_bias"].value
    effective = effective_biases("torch_gru", blocks)
    np.testing.assert_array_equal(effective["l0/fw/reset/bias"], b_ih + b_hh)
    np.testing.assert_array_equal(
        effective["l0/fw/update/bias"],
        blocks["l0/fw/update/bias"].value + blocks["l0/fw/update/recurrent_bias"].value,
    )
    np.testing.assert_array_equal(effective["l0/fw/candidate/bias"], blocks["l0/fw/candidate/bias"].value)


def test_lstm_gates_all_see_the_sum_of_the_two_biases_and_no_forget_offset():
    """Every LSTM gate adds b_ih + b_hh; PyTorch adds no forget_bias at run time."""
    blocks = split("torch_lstm", torch_cell("torch_lstm", 2, 3), 3)
    effective = effective_biases("torch_lstm", blocks)
    for gate in TORCH_GATES["torch_lstm"]:
        np.testing.assert_array_equal(
            effective[f"l0/fw/{gate}/bias"],
            blocks[f"l0/fw/{gate}/bias"].value + blocks[f"l0/fw/{gate}/recurrent_bias"].value,
        )


def test_keras_reset_after_gru_ports_into_torch_gru_by_gate_not_by_position():
    """Keras [z | r | h] columns land in torch rows [r | z | n]: the update gate's kernel moves to rows u..2u."""
    inp, units = 2, 3
    rng = np.random.RandomState(0)
    keras = [
        Weight("kernel", 0, "fw", "kernel", rng.standard_normal((inp, 3 * units))),
        Weight("recurrent_kernel", 0, "fw", "recurrent_kernel", rng.standard_normal((units, 3 * units))),
        Weight("bias", 0, "fw", "bias", rng.standard_normal((2, 3 * units))),
    ]
    torch = assemble("torch_gru", split("keras_gru", keras, units), units, 1, ["fw"])
    z_kernel = keras[0].value[:, :units]
    np.testing.assert_array_equal(torch[(0, "fw", "weight_ih")][units : 2 * units], z_kernel.T)
    np.testing.assert_array_equal(torch[(0, "fw", "bias_hh")][:units], keras[2].value[1, units : 2 * units])


def test_tf1_gru_does_not_port_into_torch_gru():
    """TF1 GRUCell resets before the recurrent matmul, PyTorch's GRU after: refused with that reason."""
    cell = {
        "gates/kernel": np.ones((3, 4)),
        "gates/bias": np.ones(4),
        "candidate/kernel": np.ones((3, 2)),
        "candidate/bias": np.zeros(2),
    }
    blocks = split("tf1_gru", [Weight(k, 0, "fw", k, v) for k, v in cell.items()], 2)
    with pytest.raises(PortError) as refused:
        assemble("torch_gru", blocks, 2, 1, ["fw"])
    assert str(refused.value) == RESET_AFTER_REASON


def test_block_keys_of_a_torch_family_follow_its_row_order():
    assert layout.block_keys("torch_gru", 1, ["fw"])[:3] == [
        "l0/fw/reset/kernel",
        "l0/fw/update/kernel",
        "l0/fw/candidate/kernel",
    ]
