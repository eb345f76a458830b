"""The cell-family registry: a new family is one entry, and configs normalise into one vocabulary (numpy only)."""

import numpy as np
import pytest

from compare.core import families, layout, port
from compare.core.assemble import assemble
from compare.core.families import Family, Fixed, Read, Variable
from compare.core.layout import effective_biases, split
from compare.core.weights import Weight


@pytest.fixture
def gated_gru():
    """A throw-away family, declared through the registry alone: a GRU storing one fused [x; h] kernel
    with columns [h | z | r] (the candidate first), separate input and recurrent biases as a (2, 3u) pair,
    and the candidate's recurrent bias scaled by the reset gate."""
    family = families.register(
        Family(
            name="test_fused_gru",
            cell="gru",
            framework="keras",
            classes=("TestFusedGRUCell",),
            anchor="w",
            variables=(
                Variable("w", "fused", ("candidate", "update", "reset")),
                Variable("b", "pair", ("candidate", "update", "reset")),
            ),
            reset_scaled=("candidate",),
            config={
                "activation": Read("act", "tanh"),
                "recurrent_activation": Fixed("sigmoid"),
                "use_bias": Fixed(True),
                "reset_after": Fixed(True),
            },
        )
    )
    yield family
    families.unregister(family.name)


@pytest.mark.usefixtures("gated_gru")
def test_a_family_added_through_the_registry_alone_round_trips():
    """split cuts the declared layout into canonical blocks, assemble puts every element back, bit for bit."""
    inp, units = 3, 2
    kernel = np.arange((inp + units) * 3 * units, dtype=np.float32).reshape(inp + units, 3 * units)
    bias = np.arange(2 * 3 * units, dtype=np.float32).reshape(2, 3 * units) + 100
    weights = [Weight("cell/w", 0, "fw", "w", kernel), Weight("cell/b", 0, "fw", "b", bias)]
    blocks = split("test_fused_gru", weights, units)
    assert len(blocks) == 3 * 4  # 3 gates x kernel, recurrent, bias, recurrent_bias
    np.testing.assert_array_equal(blocks["l0/fw/candidate/kernel"].value, kernel[:inp, 0:2])
    np.testing.assert_array_equal(blocks["l0/fw/update/recurrent"].value, kernel[inp:, 2:4])
    np.testing.assert_array_equal(blocks["l0/fw/reset/recurrent_bias"].value, bias[1, 4:6])
    back = assemble("test_fused_gru", blocks, units, 1, ["fw"])
    np.testing.assert_array_equal(back[(0, "fw", "w")], kernel)
    np.testing.assert_array_equal(back[(0, "fw", "b")], bias)
    effective = effective_biases("test_fused_gru", blocks)
    np.testing.assert_array_equal(effective["l0/fw/update/bias"], bias[0, 2:4] + bias[1, 2:4])
    np.testing.assert_array_equal(effective["l0/fw/candidate/bias"], bias[0, 0:2])  # the reset gate scales b_rec


@pytest.mark.usefixtures("gated_gru")
def test_the_new_family_ports_exactly_into_keras_gru_reset_after():
    """Same cell kind and computation: the registry's port rule carries it into Keras GRU(reset_after=True)."""
    units, inp = 2, 3
    weights = [
        Weight("w", 0, "fw", "w", np.ones((inp + units, 3 * units), np.float32)),
        Weight("b", 0, "fw", "b", np.zeros((2, 3 * units), np.float32)),
    ]
    source = port.semantics("test_fused_gru", {"cell": {}})
    target = port.semantics("keras_gru", {"cell": {"reset_after": True, "recurrent_activation": "sigmoid"}})
    variables = port.port(weights, source, target, units, 1, ["fw"])
    assert variables[(0, "fw", "kernel")].shape == (inp, 3 * units)
    assert variables[(0, "fw", "bias")].shape == (2, 3 * units)


def test_malformed_entries_are_refused_when_registered():
    """A gate of another cell, an anchor that is no variable, an unknown framework, a transposed variable that
    is no input or recurrent matrix: each refused with its cause."""
    with pytest.raises(ValueError, match="names gate 'forget', not a gru gate"):
        families.register(Family("bad", "gru", "keras", (), (Variable("k", "fused", ("forget",)),), anchor="k"))
    with pytest.raises(ValueError, match="anchor 'kernel' is none of its variables"):
        families.register(Family("bad", "gru", "keras", (), (Variable("k", "input", ("reset",)),), anchor="kernel"))
    with pytest.raises(ValueError, match="framework must be one of tf1, keras, torch, flax"):
        families.register(Family("bad", "gru", "mxnet", (), (Variable("k", "input", ("reset",)),), anchor="k"))
    with pytest.raises(ValueError, match="only an input or recurrent variable in plain order is transposed"):
        families.register(
            Family("bad", "gru", "torch", (), (Variable("k", "vector", ("reset",), transposed=True),), anchor="k")
        )
    with pytest.raises(ValueError, match="already registered"):
        families.register(families.get("tf1_gru"))
    assert "bad" not in families.names()


def test_tf1_and_keras_configs_normalise_into_one_vocabulary():
    """TF1 GRUCell is a GRU with sigmoid gates and reset_after=False whatever its config says; Keras reads its
    config; activations stored as a Keras config dict or a function repr read as their names."""
    tf1 = families.computation(families.get("tf1_gru"), {"cell": {"activation": "<function tanh at 0x1>"}})
    keras = families.computation(
        families.get("keras_gru"),
        {
            "stacking": "layers",
            "cell": {
                "activation": {"class_name": "function", "config": {"name": "tanh"}},
                "recurrent_activation": "sigmoid",
                "reset_after": True,
            },
        },
        layers=2,
        bidirectional=True,
    )
    assert tf1.as_dict() == {
        "activation": "tanh",
        "recurrent_activation": "sigmoid",
        "use_bias": True,
        "reset_after": False,
        "stacking": families.PER_DIRECTION,
    }
    assert keras.as_dict() == {
        "activation": "tanh",
        "recurrent_activation": "sigmoid",
        "use_bias": True,
        "reset_after": True,
        "stacking": families.PER_LEVEL,
    }


def test_tf1_lstm_forget_bias_is_read_never_guessed():
    lstm = families.computation(families.get("tf1_lstm"), {"cell": {"forget_bias": 1.0, "num_proj": 8}})
    assert lstm.get("forget_bias") == 1.0 and lstm.get("num_proj") == 8 and lstm.get("unit_forget_bias") is False
    with pytest.raises(KeyError):
        families.computation(families.get("tf1_lstm"), {"cell": {}})


def test_families_are_found_by_the_class_that_stores_them():
    assert families.of_class("BasicLSTMCell", "tf1").name == "tf1_lstm"
    assert families.of_class("GRUCell", "keras").name == "keras_gru"
    assert families.for_cell("keras", "lstm").name == "keras_lstm"
    with pytest.raises(ValueError, match="no family stores"):
        families.of_class("NoSuchCell")

    class GRUCell:  # stands for Keras's class: only its name matters
        pass

    class MyGRUCell(GRUCell):
        pass

    assert families.of_instance(MyGRUCell(), "keras").name == "keras_gru"


def test_display_order_lists_gru_then_lstm_gates():
    gates, parts = families.display_order()
    assert gates == ("update", "reset", "candidate", "input", "forget", "cell", "output", "projection", "state", "*")
    assert parts == layout.PARTS
