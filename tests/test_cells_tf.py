"""The TF 1.15 contrib and cuDNN cells in real TensorFlow: each family's registry layout reproduces the cell's
own output, where TensorFlow has the cell; elsewhere the route says why not.

Every variable is loaded with random values (biases and peepholes included, so a misplaced bias shows), the
cell is run by the TF1 route, and ``tests/reference_rnn.py`` recomputes its output in numpy from the canonical
blocks, with the forget_bias, reset placement and clip the registry reads from the built config.
"""
import numpy as np
import pytest

from backends import tf1_route, tfenv
from backends.base import Unavailable, forward_input
from compare import families, layout
from compare.scenarios import parse_scenarios
from tests import reference_rnn

pytestmark = pytest.mark.tf

TOLERANCE = 1e-5

CASES = {  # name: (cell, cell_class, cell_kwargs TOML, layers, bidirectional)
    "lstm-block": ("lstm", "LSTMBlockCell", "{}", 2, True),
    "lstm-block-forget-0.5": ("lstm", "LSTMBlockCell", "{ forget_bias = 0.5 }", 1, False),
    "lstm-block-peephole-clip": ("lstm", "LSTMBlockCell", "{ use_peephole = true, cell_clip = 0.3 }", 1, False),
    "lstm-block-fused": ("lstm", "LSTMBlockFusedCell", "{ forget_bias = 0.5 }", 2, True),
    "lstm-block-fused-peephole-clip": ("lstm", "LSTMBlockFusedCell", "{ use_peephole = true, cell_clip = 0.3 }",
                                       1, False),
    "gru-block": ("gru", "GRUBlockCellV2", "{}", 2, True),
    "cudnn-compatible-lstm": ("lstm", "CudnnCompatibleLSTMCell", "{}", 2, True),
    "cudnn-compatible-gru": ("gru", "CudnnCompatibleGRUCell", "{}", 2, True),
}


def scenario(name):
    cell, cell_class, kwargs, layers, bidirectional = CASES[name]
    text = """
[[scenario]]
name = "{}"
cell = "{}"
units = 5
input_dim = 3
layers = {}
bidirectional = {}
seeds = 1
[scenario.tf1]
cell_class = "{}"
cell_kwargs = {}
""".format(name, cell, layers, str(bidirectional).lower(), cell_class, kwargs)
    return parse_scenarios(text)[0]


def has_contrib():
    return hasattr(tfenv.tensorflow(), "contrib")


def random_loaded(built, rng):
    """Every variable of the built route replaced by random values (scaled so gates do not saturate)."""
    first = next(built.draws(1))
    values = {(w.layer, w.direction, w.param): rng.uniform(-0.8, 0.8, w.value.shape).astype(np.float32)
              for w in first}
    return built.load(values)


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_cell_computes_what_its_canonical_blocks_say(name, capsys):
    s = scenario(name)
    tf = tfenv.tensorflow()
    if tfenv.tf1_cell_class(tf, s.tf1.cell_class) is None:
        with pytest.raises(Unavailable, match="has no {}".format(s.tf1.cell_class)):
            tf1_route.ROUTE.build(s)
        return
    built = tf1_route.ROUTE.build(s)
    try:
        weights = random_loaded(built, np.random.RandomState(7))
        got = built.forward(forward_input(s))["output"]
        family = families.get(built.family)
        computes = families.computation(family, built.config())
    finally:
        built.close()
    blocks = {k: b.value for k, b in layout.split(built.family, weights, s.units).items()}
    expected = reference_rnn.forward(
        s.cell, blocks, forward_input(s), s.units, s.layers, s.directions,
        reset_after=bool(computes.get("reset_after")), forget_bias=computes.get("forget_bias") or 0.0,
        cell_clip=computes.get("cell_clip"))
    worst = float(np.abs(got - expected).max())
    with capsys.disabled():
        print("\n{} ({}): max |TF - numpy on the blocks| = {:.1e}".format(name, built.family, worst))
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=0, atol=TOLERANCE)


def test_the_registry_reads_the_forget_bias_each_cell_really_adds():
    """LSTMBlockCell's constructor default (1.0) and a given 0.5 are read from the built cell; the
    cuDNN-compatible cell adds none (the forward test above holds the cells to these values)."""
    if not has_contrib():
        pytest.skip("no tf.contrib in TensorFlow " + tfenv.tensorflow().__version__)
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
    s = parse_scenarios("""
[[scenario]]
name = "opaque"
cell = "{}"
units = 4
input_dim = 3
[scenario.tf1]
cell_class = "{}"
""".format("lstm" if cell_class == "CudnnLSTM" else "gru", cell_class))[0]
    with pytest.raises(Unavailable) as refused:
        tf1_route.ROUTE.build(s)
    if env_name == "tf115":
        assert str(refused.value).startswith("needs a GPU: TensorFlow 1.15.5 cannot initialize " + cell_class)
        assert "No OpKernel was registered to support Op 'CudnnRNNCanonicalToParams'" in str(refused.value)
    else:
        assert "has no " + cell_class in str(refused.value)
