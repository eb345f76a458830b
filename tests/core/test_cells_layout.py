"""The contrib and cuDNN families' layouts as the registry declares them (numpy only; the forward passes that
prove them against TensorFlow are in tests/test_cells_tf.py)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compare.core import families, layout, port
from compare.core.assemble import PortError, assemble
from compare.core.layout import CellOptions, effective_biases, split
from compare.core.scenarios import parse_scenarios
from compare.core.weights import Weight
from compare.errors import UserError

NEW = [
    ("tf1_lstm_block", CellOptions()),
    ("tf1_lstm_block", CellOptions(peepholes=True)),
    ("tf1_cudnn_compatible_lstm", CellOptions()),
    ("tf1_gru_block", CellOptions()),
    ("tf1_cudnn_compatible_gru", CellOptions()),
    ("keras_cudnn_gru", CellOptions()),
    ("keras_cudnn_lstm", CellOptions()),
    ("tf1_layer_norm_lstm", CellOptions(layer_norm=True)),
    ("tf1_layer_norm_lstm", CellOptions()),
]


def tagged(family, inp, units, opts, leading, layers, directions):
    """Every element of every variable a distinct number."""
    weights, start = [], 0
    for layer in range(layers):
        for direction in directions:
            for param, spec in layout.cell_layout(family, inp if layer == 0 else units, units, opts).items():
                shape = tuple(leading) + spec.shape
                size = int(np.prod(shape))
                value = np.arange(start, start + size, dtype=np.float64).reshape(shape)
                weights.append(Weight(f"rnn/l{layer}/{direction}/{param}", layer, direction, param, value))
                start += size
    return weights


@pytest.mark.parametrize("family,opts", NEW)
@settings(max_examples=15, deadline=None)
@given(
    inp=st.integers(1, 6),
    units=st.integers(1, 5),
    seeds=st.sampled_from([(), (2,)]),
    layers=st.integers(1, 2),
    directions=st.sampled_from([["fw"], ["fw", "bw"]]),
)
def test_every_element_lands_in_exactly_one_block_and_back(family, opts, inp, units, seeds, layers, directions):
    weights = tagged(family, inp, units, opts, seeds, layers, directions)
    blocks = split(family, weights, units)
    from_variables = np.sort(np.concatenate([w.value.ravel() for w in weights]))
    from_blocks = np.sort(np.concatenate([b.value.ravel() for b in blocks.values()]))
    np.testing.assert_array_equal(from_blocks, from_variables)
    assert sorted(blocks) == sorted(layout.block_keys(family, layers, directions, opts))
    back = assemble(family, {k: b.value for k, b in blocks.items()}, units, layers, directions)
    for w in weights:
        np.testing.assert_array_equal(back[(w.layer, w.direction, w.param)], w.value)


def test_cudnn_compatible_gru_blocks():
    """gates/kernel [r | u] over [x; h]; the candidate's input and hidden projections are its kernel and
    recurrent; the hidden projection's bias is the candidate's recurrent_bias, which the reset gate scales."""
    inp, units = 2, 1
    weights = tagged("tf1_cudnn_compatible_gru", inp, units, CellOptions(), (), 1, ["fw"])
    by = {w.param: w.value for w in weights}
    blocks = {k: b.value for k, b in split("tf1_cudnn_compatible_gru", weights, units).items()}
    assert blocks["l0/fw/reset/kernel"].ravel().tolist() == by["gates/kernel"][:inp, 0].tolist()
    assert blocks["l0/fw/update/recurrent"].ravel().tolist() == by["gates/kernel"][inp:, 1].tolist()
    hidden = by["candidate/hidden_projection/kernel"]
    assert blocks["l0/fw/candidate/recurrent"].ravel().tolist() == hidden.ravel().tolist()
    assert float(blocks["l0/fw/candidate/recurrent_bias"][0]) == float(by["candidate/hidden_projection/bias"][0])
    effective = effective_biases("tf1_cudnn_compatible_gru", blocks)
    assert float(effective["l0/fw/candidate/bias"][0]) == float(by["candidate/input_projection/bias"][0])


def test_keras_cudnn_kernels_are_cudnn_row_major_per_gate():
    """A gate's (rows, units) kernel slice read as cuDNN's row-major (units, rows) matrix, transposed."""
    inp, units = 3, 2
    weights = tagged("keras_cudnn_gru", inp, units, CellOptions(), (), 1, ["fw"])
    kernel = [w.value for w in weights if w.param == "kernel"][0]
    blocks = split("keras_cudnn_gru", weights, units)
    reset = kernel[:, units : 2 * units]  # Keras order [z | r | h]
    np.testing.assert_array_equal(blocks["l0/fw/reset/kernel"].value, reset.reshape(units, inp).T)
    recurrent = [w.value for w in weights if w.param == "recurrent_kernel"][0]
    np.testing.assert_array_equal(blocks["l0/fw/update/recurrent"].value, recurrent[:, :units].T)


def test_ports_fold_or_zero_the_recurrent_biases_no_reset_gate_scales():
    """CuDNNLSTM's input + recurrent biases sum into LSTM's one bias; LSTM's bias into CuDNNLSTM leaves zero
    recurrent biases; a cuDNN GRU's update/reset recurrent biases sum, the candidate's stays apart."""
    weights = tagged("keras_cudnn_lstm", 2, 1, CellOptions(), (), 1, ["fw"])
    bias = [w.value for w in weights if w.param == "bias"][0]
    blocks = {k: b.value for k, b in split("keras_cudnn_lstm", weights, 1).items()}
    lstm = assemble("keras_lstm", dict(blocks), 1, 1, ["fw"])
    np.testing.assert_array_equal(lstm[(0, "fw", "bias")], bias[:4] + bias[4:])
    again = assemble("keras_cudnn_lstm", split_values("keras_lstm", lstm), 1, 1, ["fw"])
    np.testing.assert_array_equal(again[(0, "fw", "bias")], np.concatenate([bias[:4] + bias[4:], np.zeros(4)]))
    gru = {
        k: b.value
        for k, b in split("keras_cudnn_gru", tagged("keras_cudnn_gru", 2, 1, CellOptions(), (), 1, ["fw"]), 1).items()
    }
    compat = assemble("tf1_cudnn_compatible_gru", dict(gru), 1, 1, ["fw"])
    gate_bias = compat[(0, "fw", "gates/bias")]  # [r | u]
    assert gate_bias.tolist() == [
        float(gru["l0/fw/reset/bias"][0] + gru["l0/fw/reset/recurrent_bias"][0]),
        float(gru["l0/fw/update/bias"][0] + gru["l0/fw/update/recurrent_bias"][0]),
    ]
    with pytest.raises(PortError, match="reset_after=True GRU candidate"):
        assemble("tf1_gru_block", dict(gru), 1, 1, ["fw"])


def split_values(family, variables):
    weights = [Weight(p, layer, d, p, v) for (layer, d, p), v in variables.items()]
    return {k: b.value for k, b in split(family, weights, 1).items()}


def test_the_opaque_cudnn_families_have_no_layout():
    for name in ("tf1_cudnn_lstm", "tf1_cudnn_gru"):
        assert families.get(name).needs_gpu
        with pytest.raises(ValueError, match="opaque parameter buffer"):
            layout.cell_layout(name, 3, 2)
    assert "opaque cuDNN buffer" in families.ports_exactly(families.get("tf1_cudnn_lstm"), families.get("keras_lstm"))


def test_layer_norm_lstm_has_a_gain_and_shift_per_gate_and_for_the_state_and_no_bias():
    weights = tagged("tf1_layer_norm_lstm", 2, 3, CellOptions(layer_norm=True), (), 1, ["fw"])
    blocks = split("tf1_layer_norm_lstm", weights, 3)
    assert sorted(k for k in blocks if not k.endswith(("kernel", "recurrent"))) == sorted(
        f"l0/fw/{gate}/{part}" for gate in ("input", "cell", "forget", "output", "state") for part in ("gain", "shift")
    )
    assert blocks["l0/fw/cell/gain"].variable == "rnn/l0/fw/transform/gamma"


def test_layer_norm_is_refused_as_a_port_with_the_reason():
    weights = tagged("tf1_layer_norm_lstm", 2, 3, CellOptions(layer_norm=True), (), 1, ["fw"])
    source = port.semantics("tf1_layer_norm_lstm", {"cell": {"forget_bias": 1.0}})
    target = port.semantics("keras_lstm", {"cell": {"recurrent_activation": "sigmoid"}})
    with pytest.raises(PortError, match="no Keras LSTM layer normalises per gate"):
        port.port(weights, source, target, 3, 1, ["fw"])


@pytest.mark.parametrize(
    "table,message",
    [
        ('cell_class = "GRUBlockCellV2"\ncell_kwargs = { forget_bias = 1.0 }', "an option of"),
        (
            'cell_class = "LSTMBlockCell"\ncell_kwargs = { use_peepholes = true }',
            "'use_peepholes': an option of LSTMCell",
        ),
        ('cell_class = "LSTMBlockCel"', "'LSTMBlockCel' is not one of"),
    ],
)
def test_an_option_a_cell_class_does_not_take_is_refused_in_one_line(table, message):
    text = '[[scenario]]\nname = "x"\ncell = "{}"\nunits = 2\ninput_dim = 2\n[scenario.tf1]\n{}\n'.format(
        "gru" if "GRU" in table else "lstm", table
    )
    with pytest.raises(UserError, match=message):
        parse_scenarios(text)


def test_keras_cudnn_layers_are_layer_classes_with_their_own_options():
    base = (
        '[[scenario]]\nname = "x"\ncell = "gru"\nunits = 2\ninput_dim = 2\n[scenario.keras]\nlayer_class = "CuDNNGRU"\n'
    )
    assert parse_scenarios(base)[0].keras.layer_class == "CuDNNGRU"
    with pytest.raises(UserError, match="reset_after"):
        parse_scenarios(base + "layer_kwargs = { reset_after = true }\n")
    with pytest.raises(UserError, match="no cell to stack"):
        parse_scenarios(base + 'stacking = "cells"\n')
