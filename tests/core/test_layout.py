"""compare.core.layout: every variable of every family onto canonical per-gate blocks, and back.

The variable shapes and gate orders below are written out from the TF/Keras cell sources
(independently of compare.core.layout's own tables); forward equivalence in real TF is tested elsewhere.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backends.routes.base import Weight
from compare.core import layout
from compare.core.assemble import PortError, assemble
from compare.core.layout import CellOptions, effective_biases, split

# ------------------------------------------------------------------ specs written out by hand


def variable_shapes(family, inp, units, opts):
    """The variables one cell of ``family`` creates, as TF/Keras document them."""
    if family == "tf1_gru":
        return {
            "gates/kernel": (inp + units, 2 * units),
            "gates/bias": (2 * units,),
            "candidate/kernel": (inp + units, units),
            "candidate/bias": (units,),
        }
    if family == "tf1_lstm":
        h = opts.num_proj or units
        shapes = {"kernel": (inp + h, 4 * units), "bias": (4 * units,)}
        if opts.peepholes:
            shapes.update({"w_i_diag": (units,), "w_f_diag": (units,), "w_o_diag": (units,)})
        if opts.num_proj:
            shapes["projection/kernel"] = (units, opts.num_proj)
        return shapes
    gates = 3 if family == "keras_gru" else 4
    shapes = {"kernel": (inp, gates * units), "recurrent_kernel": (units, gates * units)}
    if opts.use_bias:
        shapes["bias"] = (2, gates * units) if opts.reset_after else (gates * units,)
    return shapes


def canonical_shapes(cell, inp, units, opts):
    """The blocks of one cell: ``{gate/part: shape}``."""
    h = opts.num_proj or units
    shapes = {}
    for gate in layout.GATES[cell]:
        shapes[gate + "/kernel"] = (inp, units)
        shapes[gate + "/recurrent"] = (h, units)
        if opts.use_bias:
            shapes[gate + "/bias"] = (units,)
        if opts.use_bias and opts.reset_after:
            shapes[gate + "/recurrent_bias"] = (units,)
    if opts.peepholes:
        for gate in ("input", "forget", "output"):
            shapes[gate + "/peephole"] = (units,)
    if opts.num_proj:
        shapes["projection/kernel"] = (units, opts.num_proj)
    return shapes


class Counter:
    """Arrays of distinct values: each new array continues where the last one stopped."""

    def __init__(self):
        self.next = 0

    def array(self, shape):
        size = int(np.prod(shape))
        values = np.arange(self.next, self.next + size, dtype=np.float64).reshape(shape)
        self.next += size
        return values


def make_weights(family, units, inputs, directions, opts, leading=(), counter=None):
    """Weights of a stack: ``inputs[k]`` is the input width of layer k."""
    counter = counter or Counter()
    weights = []
    for layer, inp in enumerate(inputs):
        for direction in directions:
            for param, shape in variable_shapes(family, inp, units, opts).items():
                name = f"rnn/l{layer}/{direction}/{param}"
                weights.append(Weight(name, layer, direction, param, counter.array(tuple(leading) + shape)))
    return weights


def make_blocks(cell, units, inputs, directions, opts, leading=()):
    counter = Counter()
    return {
        f"l{layer}/{direction}/{suffix}": counter.array(tuple(leading) + shape)
        for layer, inp in enumerate(inputs)
        for direction in directions
        for suffix, shape in canonical_shapes(cell, inp, units, opts).items()
    }


def one_cell(params):
    return [Weight("cell/" + p, 0, "fw", p, np.asarray(v, dtype=np.float64)) for p, v in params.items()]


def values(blocks):
    return {k: np.asarray(getattr(b, "value", b)) for k, b in blocks.items()}


# ------------------------------------------------------------------ exact placement


def test_tf1_gru_gates_kernel_columns_are_reset_then_update_rows_are_x_then_h():
    """GRUCell: gates/kernel (in+units, 2*units) is [r | u] by columns and [x; h] by rows."""
    gk = np.arange(30.0).reshape(5, 6)  # in=2, units=3
    blocks = split(
        "tf1_gru",
        one_cell(
            {
                "gates/kernel": gk,
                "gates/bias": np.arange(100.0, 106.0),
                "candidate/kernel": np.arange(200.0, 215.0).reshape(5, 3),
                "candidate/bias": [300.0, 301.0, 302.0],
            }
        ),
        units=3,
    )
    np.testing.assert_array_equal(blocks["l0/fw/reset/kernel"].value, [[0, 1, 2], [6, 7, 8]])
    np.testing.assert_array_equal(blocks["l0/fw/update/kernel"].value, [[3, 4, 5], [9, 10, 11]])
    np.testing.assert_array_equal(blocks["l0/fw/reset/recurrent"].value, [[12, 13, 14], [18, 19, 20], [24, 25, 26]])
    np.testing.assert_array_equal(blocks["l0/fw/update/recurrent"].value, [[15, 16, 17], [21, 22, 23], [27, 28, 29]])
    np.testing.assert_array_equal(blocks["l0/fw/reset/bias"].value, [100, 101, 102])
    np.testing.assert_array_equal(blocks["l0/fw/update/bias"].value, [103, 104, 105])
    np.testing.assert_array_equal(blocks["l0/fw/candidate/kernel"].value, [[200, 201, 202], [203, 204, 205]])
    np.testing.assert_array_equal(blocks["l0/fw/candidate/recurrent"].value[0], [206, 207, 208])
    np.testing.assert_array_equal(blocks["l0/fw/candidate/bias"].value, [300, 301, 302])
    assert blocks["l0/fw/update/recurrent"].variable == "cell/gates/kernel"
    assert blocks["l0/fw/update/recurrent"].where == "cell/gates/kernel[2:5, 3:6]"
    assert len(blocks) == 9


def test_tf1_lstm_kernel_columns_are_i_j_f_o_with_j_the_cell_input():
    """LSTMCell: kernel (in+units, 4*units) is [i | j | f | o]; j feeds the cell state -> gate 'cell'."""
    kernel = np.arange(24.0).reshape(3, 8)  # in=1, units=2
    blocks = split("tf1_lstm", one_cell({"kernel": kernel, "bias": np.arange(8.0)}), units=2)
    np.testing.assert_array_equal(blocks["l0/fw/input/kernel"].value, [[0, 1]])
    np.testing.assert_array_equal(blocks["l0/fw/cell/kernel"].value, [[2, 3]])
    np.testing.assert_array_equal(blocks["l0/fw/forget/kernel"].value, [[4, 5]])
    np.testing.assert_array_equal(blocks["l0/fw/output/kernel"].value, [[6, 7]])
    np.testing.assert_array_equal(blocks["l0/fw/forget/recurrent"].value, [[12, 13], [20, 21]])
    np.testing.assert_array_equal(blocks["l0/fw/cell/bias"].value, [2, 3])
    np.testing.assert_array_equal(blocks["l0/fw/forget/bias"].value, [4, 5])


def test_tf1_lstm_peepholes_and_projection():
    """w_i/f/o_diag -> input/forget/output peephole; num_proj makes the recurrent rows num_proj wide."""
    kernel = np.arange(16.0).reshape(2, 8)  # in=1, units=2, num_proj=1: rows [x; h_proj]
    blocks = split(
        "tf1_lstm",
        one_cell(
            {
                "kernel": kernel,
                "bias": np.zeros(8),
                "w_i_diag": [1.0, 2.0],
                "w_f_diag": [3.0, 4.0],
                "w_o_diag": [5.0, 6.0],
                "projection/kernel": [[7.0], [8.0]],
            }
        ),
        units=2,
        num_proj=1,
    )
    np.testing.assert_array_equal(blocks["l0/fw/input/peephole"].value, [1, 2])
    np.testing.assert_array_equal(blocks["l0/fw/forget/peephole"].value, [3, 4])
    np.testing.assert_array_equal(blocks["l0/fw/output/peephole"].value, [5, 6])
    np.testing.assert_array_equal(blocks["l0/fw/projection/kernel"].value, [[7], [8]])
    np.testing.assert_array_equal(blocks["l0/fw/output/recurrent"].value, [[14, 15]])
    assert "l0/fw/cell/peephole" not in blocks


def test_keras_gru_columns_are_update_reset_candidate():
    """Keras GRU: kernel and recurrent_kernel are [z | r | h]; the 1-D bias likewise."""
    blocks = split(
        "keras_gru",
        one_cell(
            {
                "kernel": np.arange(3.0).reshape(1, 3),
                "recurrent_kernel": np.arange(10.0, 13.0).reshape(1, 3),
                "bias": [20.0, 21.0, 22.0],
            }
        ),
        units=1,
    )
    assert {k: float(b.value.ravel()[0]) for k, b in blocks.items()} == {
        "l0/fw/update/kernel": 0,
        "l0/fw/reset/kernel": 1,
        "l0/fw/candidate/kernel": 2,
        "l0/fw/update/recurrent": 10,
        "l0/fw/reset/recurrent": 11,
        "l0/fw/candidate/recurrent": 12,
        "l0/fw/update/bias": 20,
        "l0/fw/reset/bias": 21,
        "l0/fw/candidate/bias": 22,
    }


def test_keras_gru_reset_after_bias_row0_is_bias_row1_is_recurrent_bias():
    """Keras GRU reset_after=True: bias (2, 3*units), row 0 the input bias, row 1 the recurrent bias."""
    bias = np.arange(12.0).reshape(2, 6)  # units=2
    blocks = split(
        "keras_gru", one_cell({"kernel": np.zeros((1, 6)), "recurrent_kernel": np.zeros((2, 6)), "bias": bias}), units=2
    )
    np.testing.assert_array_equal(blocks["l0/fw/update/bias"].value, [0, 1])
    np.testing.assert_array_equal(blocks["l0/fw/candidate/bias"].value, [4, 5])
    np.testing.assert_array_equal(blocks["l0/fw/update/recurrent_bias"].value, [6, 7])
    np.testing.assert_array_equal(blocks["l0/fw/reset/recurrent_bias"].value, [8, 9])
    assert blocks["l0/fw/reset/recurrent_bias"].where == "cell/bias[1, 2:4]"


def test_keras_gru_without_bias_has_no_bias_blocks():
    """use_bias=False: only kernel and recurrent blocks."""
    blocks = split("keras_gru", one_cell({"kernel": np.zeros((2, 3)), "recurrent_kernel": np.zeros((1, 3))}), units=1)
    assert sorted(blocks) == sorted(
        f"l0/fw/{g}/{p}" for g in ("update", "reset", "candidate") for p in ("kernel", "recurrent")
    )


def test_keras_lstm_columns_are_input_forget_cell_output():
    """Keras LSTM: [i | f | c | o] (unlike TF1's [i | j | f | o])."""
    blocks = split(
        "keras_lstm",
        one_cell(
            {
                "kernel": np.arange(4.0).reshape(1, 4),
                "recurrent_kernel": np.arange(10.0, 14.0).reshape(1, 4),
                "bias": [20.0, 21.0, 22.0, 23.0],
            }
        ),
        units=1,
    )
    got = {k: float(b.value.ravel()[0]) for k, b in blocks.items()}
    assert [got[f"l0/fw/{g}/kernel"] for g in ("input", "forget", "cell", "output")] == [0, 1, 2, 3]
    assert [got[f"l0/fw/{g}/bias"] for g in ("input", "forget", "cell", "output")] == [20, 21, 22, 23]
    assert got["l0/fw/cell/recurrent"] == 12


def test_tf1_gru_ports_onto_keras_gru_columns():
    """TF1 GRUCell = Keras GRU reset_after=False: the update columns of gates/kernel become kernel[:, 0:u]."""
    weights = make_weights("tf1_gru", 2, [3], ["fw"], CellOptions())
    tf1 = {w.param: w.value for w in weights}
    keras = assemble("keras_gru", split("tf1_gru", weights, units=2), units=2, layers=1, directions=["fw"])
    np.testing.assert_array_equal(keras[(0, "fw", "kernel")][:, 0:2], tf1["gates/kernel"][:3, 2:4])
    np.testing.assert_array_equal(keras[(0, "fw", "kernel")][:, 2:4], tf1["gates/kernel"][:3, 0:2])
    np.testing.assert_array_equal(keras[(0, "fw", "recurrent_kernel")][:, 4:6], tf1["candidate/kernel"][3:, :])
    np.testing.assert_array_equal(
        keras[(0, "fw", "bias")],
        np.concatenate([tf1["gates/bias"][2:4], tf1["gates/bias"][0:2], tf1["candidate/bias"]]),
    )


def test_tf1_lstm_ports_onto_keras_lstm_by_moving_j_to_the_third_column_block():
    """TF1 [i | j | f | o] -> Keras [i | f | c | o]."""
    weights = make_weights("tf1_lstm", 1, [1], ["fw"], CellOptions())
    keras = assemble("keras_lstm", split("tf1_lstm", weights, units=1), units=1, layers=1, directions=["fw"])
    tf1 = {w.param: w.value for w in weights}
    np.testing.assert_array_equal(keras[(0, "fw", "kernel")][0], tf1["kernel"][0, [0, 2, 1, 3]])
    np.testing.assert_array_equal(keras[(0, "fw", "bias")], tf1["bias"][[0, 2, 1, 3]])


# ------------------------------------------------------------------ every element exactly once

OPTION_CASES = [
    ("tf1_gru", CellOptions()),
    ("tf1_lstm", CellOptions()),
    ("tf1_lstm", CellOptions(peepholes=True)),
    ("tf1_lstm", CellOptions(num_proj=2)),
    ("tf1_lstm", CellOptions(num_proj=5, peepholes=True)),
    ("keras_gru", CellOptions()),
    ("keras_gru", CellOptions(reset_after=True)),
    ("keras_gru", CellOptions(use_bias=False)),
    ("keras_gru", CellOptions(use_bias=False, reset_after=True)),
    ("keras_lstm", CellOptions()),
    ("keras_lstm", CellOptions(use_bias=False)),
]


@pytest.mark.parametrize("family,opts", OPTION_CASES)
@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("directions", [["fw"], ["fw", "bw"]])
def test_every_element_lands_in_exactly_one_block(family, opts, layers, directions):
    """Distinct values in: the blocks hold each of them once, and the expected keys are all there."""
    weights = make_weights(family, 3, [2] + [3] * (layers - 1), directions, opts)
    blocks = split(family, weights, units=3, num_proj=opts.num_proj)
    from_variables = np.sort(np.concatenate([w.value.ravel() for w in weights]))
    from_blocks = np.sort(np.concatenate([b.value.ravel() for b in blocks.values()]))
    np.testing.assert_array_equal(from_blocks, from_variables)
    assert len(np.unique(from_blocks)) == from_blocks.size
    assert sum(b.value.size for b in blocks.values()) == sum(w.value.size for w in weights)
    cell = family.split("_")[1]
    assert sorted(blocks) == sorted(
        f"l{layer}/{d}/{s}" for layer in range(layers) for d in directions for s in canonical_shapes(cell, 1, 3, opts)
    )
    assert sorted(blocks) == sorted(layout.block_keys(family, layers, directions, opts))


def test_leading_seeds_axis_splits_each_draw_alike():
    """A (seeds, ...) stack gives the stack of each draw's blocks."""
    opts = CellOptions(num_proj=2, peepholes=True)
    stacked = make_weights("tf1_lstm", 3, [4], ["fw", "bw"], opts, leading=(3,))
    blocks = split("tf1_lstm", stacked, units=3, num_proj=2)
    for k in range(3):
        draw = [Weight(w.name, w.layer, w.direction, w.param, w.value[k]) for w in stacked]
        for key, block in split("tf1_lstm", draw, units=3, num_proj=2).items():
            np.testing.assert_array_equal(blocks[key].value[k], block.value)
    assert blocks["l0/bw/forget/recurrent"].value.shape == (3, 2, 3)


def test_two_seeds_of_a_1d_bias_are_not_mistaken_for_a_reset_after_bias():
    """A (2, 3*units) bias under a (2, in, 3*units) kernel is two draws; under (in, 3*units), reset_after."""
    two_draws = make_weights("keras_gru", 2, [1], ["fw"], CellOptions(), leading=(2,))
    blocks = split("keras_gru", two_draws, units=2)
    assert "l0/fw/update/recurrent_bias" not in blocks
    assert blocks["l0/fw/update/bias"].value.shape == (2, 2)
    reset_after = make_weights("keras_gru", 2, [1], ["fw"], CellOptions(reset_after=True), leading=(2,))
    blocks = split("keras_gru", reset_after, units=2)
    bias = [w.value for w in reset_after if w.param == "bias"][0]
    np.testing.assert_array_equal(blocks["l0/fw/reset/recurrent_bias"].value, bias[:, 1, 2:4])


def test_assemble_restores_leading_axes():
    """Blocks with a seeds axis assemble into variables with that axis, values in place."""
    weights = make_weights("keras_lstm", 2, [3, 2], ["fw"], CellOptions(), leading=(4, 2))
    back = assemble("keras_lstm", split("keras_lstm", weights, units=2), units=2, layers=2, directions=["fw"])
    for w in weights:
        np.testing.assert_array_equal(back[(w.layer, w.direction, w.param)], w.value)


# ------------------------------------------------------------------ effective biases


def test_effective_forget_bias_of_tf1_lstm_adds_the_run_time_forget_bias():
    """LSTMCell adds forget_bias at run time: only the forget gate's effective bias moves."""
    blocks = split("tf1_lstm", one_cell({"kernel": np.zeros((2, 4)), "bias": [1.0, 2.0, 3.0, 4.0]}), 1)
    got = effective_biases("tf1_lstm", blocks, forget_bias=1.0)
    assert {k: float(v[0]) for k, v in got.items()} == {
        "l0/fw/input/bias": 1,
        "l0/fw/cell/bias": 2,
        "l0/fw/forget/bias": 4,
        "l0/fw/output/bias": 4,
    }


def test_effective_bias_of_reset_after_gru_adds_recurrent_bias_except_candidate():
    """update/reset see bias + recurrent_bias; the candidate's recurrent bias is scaled by r, so bias only."""
    blocks = split(
        "keras_gru",
        one_cell(
            {
                "kernel": np.zeros((1, 3)),
                "recurrent_kernel": np.zeros((1, 3)),
                "bias": [[1.0, 2.0, 3.0], [10.0, 20.0, 30.0]],
            }
        ),
        units=1,
    )
    got = effective_biases("keras_gru", blocks)
    assert {k: float(v[0]) for k, v in got.items()} == {
        "l0/fw/update/bias": 11,
        "l0/fw/reset/bias": 22,
        "l0/fw/candidate/bias": 3,
    }


def test_effective_biases_of_plain_families_are_the_stored_ones_and_forget_bias_is_tf1_only():
    """tf1_gru stores what it uses; a forget_bias for a Keras family is a caller error."""
    weights = make_weights("tf1_gru", 2, [1], ["fw"], CellOptions())
    blocks = split("tf1_gru", weights, units=2)
    got = effective_biases("tf1_gru", blocks)
    assert sorted(got) == ["l0/fw/candidate/bias", "l0/fw/reset/bias", "l0/fw/update/bias"]
    np.testing.assert_array_equal(got["l0/fw/update/bias"], blocks["l0/fw/update/bias"].value)
    with pytest.raises(ValueError, match="forget_bias"):
        effective_biases("keras_lstm", {}, forget_bias=1.0)


# ------------------------------------------------------------------ round trips (hypothesis)

FAMILY_OPTIONS = {
    "tf1_gru": st.just(CellOptions()),
    "tf1_lstm": st.builds(CellOptions, num_proj=st.none() | st.integers(1, 6), peepholes=st.booleans()),
    "keras_gru": st.builds(CellOptions, use_bias=st.booleans(), reset_after=st.booleans()),
    "keras_lstm": st.builds(CellOptions, use_bias=st.booleans()),
}


@st.composite
def stacks(draw):
    family = draw(st.sampled_from(sorted(FAMILY_OPTIONS)))
    opts = draw(FAMILY_OPTIONS[family])
    units = draw(st.integers(1, 6))
    inputs = draw(st.lists(st.integers(1, 6), min_size=1, max_size=3))
    directions = draw(st.sampled_from([["fw"], ["fw", "bw"]]))
    leading = draw(st.sampled_from([(), (1,), (2,), (3, 2)]))
    return family, opts, units, inputs, directions, leading


@settings(max_examples=200, deadline=None)
@given(stacks())
def test_family_to_canonical_to_family_is_the_identity(stack):
    """split then assemble gives back every variable, bit for bit, with nothing extra."""
    family, opts, units, inputs, directions, leading = stack
    weights = make_weights(family, units, inputs, directions, opts, leading)
    blocks = split(family, weights, units, opts.num_proj)
    back = assemble(family, blocks, units, len(inputs), directions, reset_after=opts.reset_after)
    assert sorted(back) == sorted((w.layer, w.direction, w.param) for w in weights)
    for w in weights:
        np.testing.assert_array_equal(back[(w.layer, w.direction, w.param)], w.value)


@settings(max_examples=200, deadline=None)
@given(stacks())
def test_canonical_to_family_to_canonical_is_the_identity(stack):
    """assemble then split gives back every block, bit for bit, under the same keys."""
    family, opts, units, inputs, directions, leading = stack
    blocks = make_blocks(family.split("_")[1], units, inputs, directions, opts, leading)
    variables = assemble(family, blocks, units, len(inputs), directions, reset_after=opts.reset_after)
    weights = [Weight("v/" + param, layer, d, param, value) for (layer, d, param), value in variables.items()]
    again = split(family, weights, units, opts.num_proj)
    assert sorted(again) == sorted(blocks)
    for key, value in blocks.items():
        np.testing.assert_array_equal(again[key].value, value)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 6), st.lists(st.integers(1, 6), min_size=1, max_size=3), st.booleans())
def test_tf1_and_keras_families_port_both_ways_exactly(units, inputs, gru):
    """TF1 GRU <-> Keras GRU (reset_after=False) and TF1 LSTM <-> Keras LSTM keep every block."""
    source, target = ("tf1_gru", "keras_gru") if gru else ("tf1_lstm", "keras_lstm")
    weights = make_weights(source, units, inputs, ["fw", "bw"], CellOptions())
    blocks = values(split(source, weights, units))
    ported = assemble(target, blocks, units, len(inputs), ["fw", "bw"])
    again = values(split(target, [Weight(p, n, d, p, v) for (n, d, p), v in ported.items()], units))
    assert sorted(again) == sorted(blocks)
    for key in blocks:
        np.testing.assert_array_equal(again[key], blocks[key])


# ------------------------------------------------------------------ what cannot be placed


def lstm_blocks(**opts):
    return values(
        split("tf1_lstm", make_weights("tf1_lstm", 2, [2], ["fw"], CellOptions(**opts)), 2, opts.get("num_proj"))
    )


def test_peepholes_do_not_fit_keras_lstm():
    with pytest.raises(PortError, match="peephole"):
        assemble("keras_lstm", lstm_blocks(peepholes=True), 2, 1, ["fw"])


def test_a_projection_does_not_fit_keras_lstm():
    with pytest.raises(PortError, match="projection"):
        assemble("keras_lstm", lstm_blocks(num_proj=1), 2, 1, ["fw"])


def reset_after_blocks():
    weights = make_weights("keras_gru", 2, [2], ["fw"], CellOptions(reset_after=True))
    return values(split("keras_gru", weights, 2))


@pytest.mark.parametrize("family", ["tf1_gru", "keras_gru"])
def test_a_recurrent_bias_does_not_fit_a_reset_before_gru(family):
    """reset_after=True and reset_after=False GRUs differ in the candidate: r*(h@U) vs (r*h)@U."""
    with pytest.raises(PortError, match=r"r \* \(h @ U"):
        assemble(family, reset_after_blocks(), 2, 1, ["fw"])


def test_tf1_gru_does_not_fit_keras_reset_after_gru_even_with_zero_recurrent_bias():
    """Zero recurrent biases would fill the bias, but the candidate still computes another function."""
    blocks = values(split("tf1_gru", make_weights("tf1_gru", 2, [2], ["fw"], CellOptions()), 2))
    with pytest.raises(PortError, match="no weights make these the same function"):
        assemble("keras_gru", blocks, 2, 1, ["fw"], reset_after=True)


def test_gru_blocks_do_not_fit_an_lstm():
    blocks = values(split("keras_gru", make_weights("keras_gru", 2, [2], ["fw"], CellOptions()), 2))
    with pytest.raises(PortError, match="no place in tf1_lstm"):
        assemble("tf1_lstm", blocks, 2, 1, ["fw"])


def test_missing_and_stray_blocks_are_refused():
    blocks = lstm_blocks()
    missing = dict(blocks)
    del missing["l0/fw/cell/recurrent"]
    with pytest.raises(PortError, match="l0/fw/cell/recurrent is missing"):
        assemble("keras_lstm", missing, 2, 1, ["fw"])
    with pytest.raises(PortError, match="outside"):
        assemble("keras_lstm", dict(blocks, **{"l1/fw/input/kernel": np.zeros((2, 2))}), 2, 1, ["fw"])
    with pytest.raises(PortError, match="shape"):
        assemble("keras_lstm", dict(blocks, **{"l0/fw/cell/bias": np.zeros(3)}), 2, 1, ["fw"])


def test_bias_free_keras_gru_into_tf1_gru_gets_zero_biases():
    """A use_bias=False GRU is a TF1 GRUCell whose stored biases are zero: exact, so allowed."""
    blocks = values(split("keras_gru", make_weights("keras_gru", 2, [1], ["fw"], CellOptions(use_bias=False)), 2))
    tf1 = assemble("tf1_gru", blocks, 2, 1, ["fw"])
    np.testing.assert_array_equal(tf1[(0, "fw", "gates/bias")], np.zeros(4))
    np.testing.assert_array_equal(tf1[(0, "fw", "candidate/bias")], np.zeros(2))


def test_reset_after_is_keras_gru_only():
    with pytest.raises(PortError, match="reset_after"):
        assemble("tf1_gru", {}, 2, 1, ["fw"], reset_after=True)


# ------------------------------------------------------------------ what split refuses


@pytest.mark.parametrize(
    "family,params,units,num_proj,match",
    [
        ("tf2_gru", {"kernel": np.zeros((1, 3))}, 1, None, "unknown family"),
        (
            "keras_gru",
            {"kernel": np.zeros((1, 3)), "recurrent_kernel": np.zeros((1, 3)), "w_f_diag": np.zeros(1)},
            1,
            None,
            "no variable 'w_f_diag'",
        ),
        ("keras_gru", {"kernel": np.zeros((1, 4)), "recurrent_kernel": np.zeros((1, 4))}, 1, None, "shape"),
        ("keras_lstm", {"kernel": np.zeros((1, 4))}, 1, None, "lacks its 'recurrent_kernel'"),
        ("tf1_gru", {"gates/kernel": np.zeros((1, 2))}, 1, None, "no room for inputs"),
        (
            "tf1_lstm",
            {"kernel": np.zeros((2, 4)), "bias": np.zeros(4), "projection/kernel": np.zeros((1, 1))},
            1,
            None,
            "pass num_proj",
        ),
        ("keras_lstm", {"kernel": np.zeros((1, 4))}, 1, 1, "num_proj"),
        ("tf1_lstm", {"bias": np.zeros(4)}, 1, None, "no 'kernel' variable"),
    ],
)
def test_split_refuses_what_does_not_fit(family, params, units, num_proj, match):
    with pytest.raises(ValueError, match=match):
        split(family, one_cell(params), units, num_proj)


def test_split_refuses_two_variables_for_one_param():
    weights = one_cell({"kernel": np.zeros((1, 4))}) * 2
    with pytest.raises(ValueError, match="two 'kernel' variables"):
        split("keras_lstm", weights, 1)


def test_gate_names():
    """The canonical gate names, in canonical (Keras) order."""
    assert layout.GATES == {"gru": ("update", "reset", "candidate"), "lstm": ("input", "forget", "cell", "output")}


def test_keys_parse_and_print():
    assert layout.parse_key("l12/bw/reset/recurrent_bias") == (12, "bw", "reset", "recurrent_bias")
    assert layout.block_key(0, "fw", "projection", "kernel") == "l0/fw/projection/kernel"
    with pytest.raises(ValueError):
        layout.parse_key("fw/reset/kernel")
