"""The TF 1.15 contrib and cuDNN cells in real TensorFlow: each family's registry layout reproduces the cell's
own output, where TensorFlow has the cell; elsewhere the route says why not.

Every variable is loaded with random values (biases and peepholes included, so a misplaced bias shows), the
cell is run by the TF1 route, and ``tests/helpers/reference_rnn.py`` recomputes its output in numpy from the canonical
blocks, with the forget_bias, reset placement and clip the registry reads from the built config.
"""

import re

import numpy as np
import pytest

from backends import tfenv
from backends.routes import tf1 as tf1_route
from backends.routes.base import Unavailable, forward_input
from compare.core import families, layout, port
from compare.core.scenarios import parse_scenarios
from compare.core.weights import Weight
from tests.helpers import reference_rnn
from tests.helpers.small_scenario import small_scenario

TOLERANCE = 1e-5

CASES = {  # name: (cell, cell_class, cell_kwargs TOML, layers, bidirectional)
    "lstm-block": ("lstm", "LSTMBlockCell", "{}", 2, True),
    "lstm-block-forget-0.5": ("lstm", "LSTMBlockCell", "{ forget_bias = 0.5 }", 1, False),
    "lstm-block-peephole-clip": ("lstm", "LSTMBlockCell", "{ use_peephole = true, cell_clip = 0.3 }", 1, False),
    "lstm-block-fused": ("lstm", "LSTMBlockFusedCell", "{ forget_bias = 0.5 }", 2, True),
    "lstm-block-fused-peephole-clip": (
        "lstm",
        "LSTMBlockFusedCell",
        "{ use_peephole = true, cell_clip = 0.3 }",
        1,
        False,
    ),
    "gru-block": ("gru", "GRUBlockCellV2", "{}", 2, True),
    "cudnn-compatible-lstm": ("lstm", "CudnnCompatibleLSTMCell", "{}", 2, True),
    "cudnn-compatible-gru": ("gru", "CudnnCompatibleGRUCell", "{}", 2, True),
    "layer-norm-lstm": ("lstm", "LayerNormBasicLSTMCell", "{ forget_bias = 0.5 }", 2, True),
    "layer-norm-lstm-off": ("lstm", "LayerNormBasicLSTMCell", "{ layer_norm = false }", 1, False),
}


def scenario(name):
    cell, cell_class, kwargs, layers, bidirectional = CASES[name]
    table = f'[scenario.tf1]\ncell_class = "{cell_class}"\ncell_kwargs = {kwargs}'
    return small_scenario(name, cell, layers, bidirectional, table)


def random_loaded(built, rng):
    """Every variable of the built route replaced by random values (scaled so gates do not saturate)."""
    first = next(built.draws(1))
    values = {(w.layer, w.direction, w.param): rng.uniform(-0.8, 0.8, w.value.shape).astype(np.float32) for w in first}
    return built.load(values)


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_cell_computes_what_its_canonical_blocks_say(name, env_name, capsys):
    """TF 1.15 has every one of these cells and options; elsewhere the route says why it cannot build one:
    TF 2.x has no tf.contrib, TF 1.1 lacks some classes and options, and its block cells are no layers."""
    s = scenario(name)
    built = None
    try:
        built = tf1_route.ROUTE.build(s)
        weights = random_loaded(built, np.random.RandomState(7))
        got = built.forward(forward_input(s))["output"]
        family = families.get(built.family)
        computes = families.computation(family, built.config())
    except Unavailable as exc:
        assert env_name != "tf115", str(exc)
        assert re.search(f"has no {s.tf1.cell_class}|takes no|records no variable scope", str(exc))
        return
    finally:
        if built is not None:
            built.close()
    blocks = {k: b.value for k, b in layout.split(built.family, weights, s.units).items()}
    expected = reference_rnn.forward(
        s.cell,
        blocks,
        forward_input(s),
        s.units,
        s.layers,
        s.directions,
        reset_after=bool(computes.get("reset_after")),
        forget_bias=computes.get("forget_bias") or 0.0,
        cell_clip=computes.get("cell_clip"),
    )
    worst = float(np.abs(got - expected).max())
    with capsys.disabled():
        print(f"\n{name} ({built.family}): max |TF - numpy on the blocks| = {worst:.1e}")
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=0, atol=TOLERANCE)


def test_the_registry_reads_the_forget_bias_each_cell_really_adds(env_name):
    """LSTMBlockCell's constructor default (1.0) and a given 0.5 are read from the built cell; the
    cuDNN-compatible cell adds none (the forward test above holds the cells to these values)."""
    if env_name != "tf115":
        pytest.skip("these cells are built in TF 1.15 only (the forward test says why not elsewhere)")
    read = {}
    for name in ("lstm-block", "lstm-block-forget-0.5", "cudnn-compatible-lstm"):
        built = tf1_route.ROUTE.build(scenario(name))
        next(built.draws(1))
        read[name] = families.computation(families.get(built.family), built.config()).get("forget_bias")
        built.close()
    assert read == {"lstm-block": 1.0, "lstm-block-forget-0.5": 0.5, "cudnn-compatible-lstm": 0.0}


@pytest.mark.parametrize("cell_class", ["CudnnLSTM", "CudnnGRU"])
def test_the_opaque_cudnn_layers_are_unavailable_without_a_gpu(cell_class, env_name):
    """TensorFlow itself is asked: in TF 1.15 on a CPU, initializing the opaque buffer fails for want of a
    cuDNN kernel; TF 2.x has no tf.contrib at all. Never a pass."""
    s = parse_scenarios(
        """
[[scenario]]
name = "opaque"
cell = "{}"
units = 4
input_dim = 3
[scenario.tf1]
cell_class = "{}"
""".format("lstm" if cell_class == "CudnnLSTM" else "gru", cell_class)
    )[0]
    with pytest.raises(Unavailable) as refused:
        tf1_route.ROUTE.build(s)
    if env_name == "tf115":
        assert str(refused.value).startswith("needs a GPU: TensorFlow 1.15.5 cannot initialize " + cell_class)
        assert "No OpKernel was registered to support Op 'CudnnRNNCanonicalToParams'" in str(refused.value)
    else:
        assert "has no " + cell_class in str(refused.value)


KERAS_CUDNN = {
    "CuDNNGRU": ("gru", "GRU", {"reset_after": True, "recurrent_activation": "sigmoid"}),
    "CuDNNLSTM": ("lstm", "LSTM", {"recurrent_activation": "sigmoid"}),
}


def keras_converter():
    """Keras's own CuDNN <-> GRU/LSTM weight converter (used when loading HDF5 files), or None."""
    try:
        from tensorflow.python.keras.saving import hdf5_format
    except ImportError:
        return None
    return getattr(hdf5_format, "_convert_rnn_weights", None)


def built_layer(tf, name, units, inp, **kwargs):
    layer = tfenv.keras_layer_class(tf, name)(units, return_sequences=True, **kwargs)
    layer.build((2, 5, inp))
    return layer


@pytest.mark.parametrize("name", sorted(KERAS_CUDNN))
def test_keras_cudnn_weights_port_into_the_plain_layer_as_keras_itself_converts_them(name, capsys):
    """Random CuDNNGRU / CuDNNLSTM weights through the canonical blocks into GRU(reset_after=True) / LSTM give
    the very arrays Keras's own converter gives, and that layer's output is the numpy cell on the cuDNN
    blocks. (The cuDNN layers themselves run only on a GPU.)"""
    tf = tfenv.tensorflow()
    cell, plain, plain_kwargs = KERAS_CUDNN[name]
    if tfenv.keras_layer_class(tf, name) is None:
        pytest.skip("{} has no {}".format(tfenv.keras_flavor(tf)["flavor"], name))
    units, inp, rng = 4, 3, np.random.RandomState(3)
    source = built_layer(tf, name, units, inp)
    values = [rng.uniform(-0.8, 0.8, tuple(int(n) for n in w.shape)).astype(np.float32) for w in source.weights]
    weights = [Weight(p, 0, "fw", p, v) for p, v in zip(("kernel", "recurrent_kernel", "bias"), values)]
    family = families.of_class(name, "keras").name
    target_family = families.for_cell("keras", cell).name
    ported = port.port(
        weights,
        port.semantics(family, {"cell": {}}),
        port.semantics(target_family, {"cell": dict(plain_kwargs, activation="tanh")}),
        units,
        1,
        ["fw"],
    )
    target = built_layer(tf, plain, units, inp, **plain_kwargs)
    ours = [ported[(0, "fw", p)] for p in ("kernel", "recurrent_kernel", "bias")]
    convert = keras_converter()
    if convert is not None:
        for mine, theirs in zip(ours, convert(target, values)):
            np.testing.assert_array_equal(mine, theirs)
    target.set_weights(ours)
    x = np.random.RandomState(4).standard_normal((2, 5, inp)).astype(np.float32)
    got = np.array(target(tf.constant(x)))
    blocks = {k: b.value for k, b in layout.split(family, weights, units).items()}
    expected = reference_rnn.forward(cell, blocks, x, units, 1, ["fw"], reset_after=cell == "gru")
    worst = float(np.abs(got - expected).max())
    with capsys.disabled():
        print(
            "\n{} -> {}: Keras converter {}; max |{} - numpy on the cuDNN blocks| = {:.1e}".format(
                name, plain, "agrees" if convert else "absent", plain, worst
            )
        )
    np.testing.assert_allclose(got, expected, rtol=0, atol=TOLERANCE)


def test_cudnn_lstm_unit_forget_bias_is_the_recurrent_forget_bias():
    """CuDNNLSTM(unit_forget_bias=True) writes its ones into the second (recurrent) half's forget gate; the
    forget gate sees input + recurrent bias = 1, as LSTM's stored 1.0."""
    tf = tfenv.tensorflow()
    if tfenv.keras_layer_class(tf, "CuDNNLSTM") is None:
        pytest.skip("no CuDNNLSTM here")
    layer = built_layer(tf, "CuDNNLSTM", 4, 3)
    weights = [
        Weight(p, 0, "fw", p, np.array(w.numpy()))
        for p, w in zip(("kernel", "recurrent_kernel", "bias"), layer.weights)
    ]
    blocks = {k: b.value for k, b in layout.split("keras_cudnn_lstm", weights, 4).items()}
    ones = [k for k, v in blocks.items() if k.endswith("bias") and np.all(v == 1.0)]
    assert ones == ["l0/fw/forget/recurrent_bias"]
    effective = layout.effective_biases("keras_cudnn_lstm", blocks)
    assert {k: float(v.mean()) for k, v in effective.items()} == {
        "l0/fw/input/bias": 0.0,
        "l0/fw/forget/bias": 1.0,
        "l0/fw/cell/bias": 0.0,
        "l0/fw/output/bias": 0.0,
    }
