"""Porting rules: what is exact, what is refused and why, and the forget_bias fold (numpy only)."""

import numpy as np
import pytest

from backends.routes.base import Weight
from compare.core.assemble import PortError
from compare.core.port import check_portable, port, semantics


def tf1_lstm_route(forget_bias=1.0, layers=1, bidirectional=False, **cell):
    config = {"cell": dict(cell, forget_bias=forget_bias, activation="tanh")}
    return semantics("tf1_lstm", config, layers, bidirectional)


def keras_route(family, stacking="cells", layers=1, bidirectional=False, **cell):
    cell.setdefault("recurrent_activation", "sigmoid")
    cell.setdefault("activation", "tanh")
    return semantics(family, {"stacking": stacking, "cell": cell}, layers, bidirectional)


def tf1_lstm_weights(in_dim=2, units=3):
    kernel = np.arange((in_dim + units) * 4 * units, dtype=np.float32).reshape(in_dim + units, 4 * units)
    return [Weight("k", 0, "fw", "kernel", kernel), Weight("b", 0, "fw", "bias", np.zeros(4 * units, np.float32))]


def test_tf1_lstm_forget_bias_is_folded_into_the_keras_forget_gate_bias():
    """TF1 adds forget_bias=1.0 at run time; Keras stores it: the forget slice [f] of the bias becomes 1.0."""
    variables = port(
        tf1_lstm_weights(), tf1_lstm_route(1.0), keras_route("keras_lstm"), units=3, layers=1, directions=["fw"]
    )
    np.testing.assert_array_equal(variables[(0, "fw", "bias")], [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])


def test_tf1_lstm_kernel_columns_are_reordered_i_j_f_o_to_i_f_c_o_and_rows_split():
    """Column block j (cell input, TF1 position 1) lands at Keras position 2; rows [x; h] split into two kernels."""
    weights = tf1_lstm_weights()
    kernel = weights[0].value
    variables = port(weights, tf1_lstm_route(), keras_route("keras_lstm"), units=3, layers=1, directions=["fw"])
    np.testing.assert_array_equal(variables[(0, "fw", "kernel")][:, 6:9], kernel[:2, 3:6])
    np.testing.assert_array_equal(variables[(0, "fw", "recurrent_kernel")][:, 3:6], kernel[2:, 6:9])


@pytest.mark.parametrize(
    "target, reason",
    [
        (dict(family="keras_lstm", recurrent_activation="hard_sigmoid"), "recurrent_activation='sigmoid'"),
        (dict(family="keras_gru", reset_after=False), "cannot hold tf1_lstm weights"),
        (dict(family="keras_lstm", stacking="layers"), "use Keras stacking = 'cells'"),
    ],
)
def test_inexact_ports_are_refused_with_the_reason(target, reason):
    with pytest.raises(PortError, match=reason):
        check_portable(
            tf1_lstm_route(layers=2, bidirectional=True), keras_route(layers=2, bidirectional=True, **target)
        )


def test_peepholes_and_cell_clip_are_refused():
    """Keras LSTM has neither peepholes nor a cell clip: no weights make it compute the same."""
    with pytest.raises(PortError, match="cell_clip"):
        check_portable(tf1_lstm_route(cell_clip=3.0), keras_route("keras_lstm"))
    weights = tf1_lstm_weights() + [
        Weight(p, 0, "fw", p, np.ones(3, np.float32)) for p in ("w_i_diag", "w_f_diag", "w_o_diag")
    ]
    with pytest.raises(PortError, match="peephole"):
        port(
            weights, tf1_lstm_route(use_peepholes=True), keras_route("keras_lstm"), units=3, layers=1, directions=["fw"]
        )


def test_tf1_gru_into_reset_after_keras_gru_is_refused():
    """r * (h @ U) and (r * h) @ U differ: TF1 GRU weights cannot make a reset_after=True GRU equivalent."""
    units, in_dim = 2, 1
    weights = [
        Weight("gk", 0, "fw", "gates/kernel", np.ones((in_dim + units, 2 * units), np.float32)),
        Weight("gb", 0, "fw", "gates/bias", np.ones(2 * units, np.float32)),
        Weight("ck", 0, "fw", "candidate/kernel", np.ones((in_dim + units, units), np.float32)),
        Weight("cb", 0, "fw", "candidate/bias", np.zeros(units, np.float32)),
    ]
    source = semantics("tf1_gru", {"cell": {"activation": "tanh"}})
    with pytest.raises(PortError, match="reset_after=True"):
        port(weights, source, keras_route("keras_gru", reset_after=True), units, 1, ["fw"])
