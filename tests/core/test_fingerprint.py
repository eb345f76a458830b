"""compare.measure.fingerprint: naming the initializer (and the shape it was drawn over) from the values;
the fans and predicted std of compare.measure.initializers.

Values are drawn with numpy from the Keras/TF definitions (uniform with limit sqrt(3 scale / n),
normal truncated at 2 stddev by rejection with stddev sqrt(scale / n) / 0.8796..., QR orthogonal),
never with TensorFlow. Sizes are chosen so the candidate shapes predict different scales, except in
the test about ties. Shapes used: a TF1 GRU gate block (in+u, u) = (64, 40) cut from the variable
(in+u, 2u) = (64, 80), and the Keras kernel (in, 3u) = (24, 120), with in = 24, u = 40.
"""

import json
import math

import numpy as np
import pytest

from compare.measure.fingerprint import fingerprint
from compare.measure.initializers import TRUNC_STD, fans, predicted_std
from compare.measure.stats import block_stats

IN, UNITS = 24, 40
BLOCK = (IN + UNITS, UNITS)
VARIABLE = (IN + UNITS, 2 * UNITS)
KERAS = (IN, 3 * UNITS)
SEEDS = 8


def fan(shape, mode):
    fan_in, fan_out = shape[0], shape[1]
    return {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[mode]


def uniform(scale, mode, over, block=BLOCK, seed=0):
    limit = math.sqrt(3.0 * scale / fan(over, mode))
    return np.random.RandomState(seed).uniform(-limit, limit, (SEEDS,) + block).astype(np.float32)


def truncated(stddev, size, seed=0):
    """N(0, stddev) cut at ±2 stddev, by rejection."""
    rs = np.random.RandomState(seed)
    count = int(np.prod(size))
    out = np.empty(0)
    while out.size < count:
        draw = rs.standard_normal(2 * count)
        out = np.concatenate([out, draw[np.abs(draw) <= 2.0]])
    return (stddev * out[:count]).reshape(size).astype(np.float32)


def truncated_vs(scale, mode, over, block=BLOCK, seed=0):
    return truncated(math.sqrt(scale / fan(over, mode)) / TRUNC_STD, (SEEDS,) + block, seed)


def untruncated_vs(scale, mode, over, block=BLOCK, seed=0):
    stddev = math.sqrt(scale / fan(over, mode))
    return (stddev * np.random.RandomState(seed).standard_normal((SEEDS,) + block)).astype(np.float32)


def orthogonal(rows, cols, gain=1.0, seeds=SEEDS, seed=0):
    rs = np.random.RandomState(seed)
    out = []
    for _ in range(seeds):
        q, r = np.linalg.qr(rs.standard_normal((max(rows, cols), min(rows, cols))))
        q = q * np.sign(np.diag(r))
        out.append(q if rows >= cols else q.T)
    return (gain * np.stack(out)).astype(np.float32)


def test_fans_follow_keras_and_tf1():
    """fan_in, fan_out: (r, c) -> (r, c); (n,) -> (n, n); () -> (1, 1); conv (k, k, i, o) -> (k²i, k²o).
    predicted_std is sqrt(scale / n) for the chosen mode."""
    assert fans((64, 80)) == (64, 80)
    assert fans((7,)) == (7, 7)
    assert fans(()) == (1, 1)
    assert fans((3, 3, 4, 5)) == (36, 45)
    assert predicted_std(1.0, "fan_avg", (64, 80)) == pytest.approx(math.sqrt(1.0 / 72))
    assert predicted_std(2.0, "fan_in", (64, 80)) == pytest.approx(math.sqrt(2.0 / 64))


def test_glorot_uniform_over_the_whole_variable():
    """The TF1 GRU gate block drawn glorot_uniform over its variable (64, 80) (limit sqrt(6/144)) is
    named glorot_uniform over (64, 80), not over its own (64, 40) (limit sqrt(6/104))."""
    result = fingerprint(uniform(1.0, "fan_avg", VARIABLE), [BLOCK, VARIABLE])
    assert result["name"] == "glorot_uniform"
    assert result["over_shape"] == list(VARIABLE)
    assert result["params"]["limit"] == pytest.approx(math.sqrt(6.0 / 144))
    assert result["params"]["distribution"] == "uniform"
    assert result["ties"] == []
    assert result["confidence"] > 0.5


def test_glorot_uniform_over_the_block_itself():
    """The same block drawn over its own shape is named glorot_uniform over (64, 40)."""
    result = fingerprint(uniform(1.0, "fan_avg", BLOCK), [BLOCK, VARIABLE])
    assert (result["name"], result["over_shape"]) == ("glorot_uniform", list(BLOCK))


def test_keras_glorot_uniform_kernel_among_tf1_candidates():
    """A Keras GRU kernel (24, 120) glorot_uniform (limit sqrt(6/144) too!) is told from the TF1
    variable only by its shape: with the Keras shape first, it is reported; a tie is listed."""
    result = fingerprint(uniform(1.0, "fan_avg", KERAS, block=KERAS), [KERAS, VARIABLE])
    assert (result["name"], result["over_shape"]) == ("glorot_uniform", list(KERAS))
    assert [t["over_shape"] for t in result["ties"]] == [list(VARIABLE)]
    assert result["confidence"] <= 0.5


def test_tie_in_the_documented_coincidence():
    """in = 32, u = 16: TF1 gates (48, 32) and Keras kernel (32, 48) both give glorot limit sqrt(6/80).
    The first candidate is reported, the other listed in ties, and confidence is at most halved."""
    values = np.random.RandomState(1).uniform(-math.sqrt(6 / 80.0), math.sqrt(6 / 80.0), (SEEDS, 48, 16))
    result = fingerprint(values.astype(np.float32), [(48, 32), (32, 48)])
    assert (result["name"], result["over_shape"]) == ("glorot_uniform", [48, 32])
    assert result["ties"][0]["over_shape"] == [32, 48]
    assert 0.0 < result["confidence"] <= 0.5


def test_he_normal_truncated():
    """he_normal as TF 1.15 / Keras draw it (truncated at 2 stddev, stddev sqrt(2/fan_in)/0.8796) over
    the TF1 variable (fan_in 64), among the Keras shape (fan_in 24): he_normal, truncated, (64, 80)."""
    result = fingerprint(truncated_vs(2.0, "fan_in", VARIABLE), [KERAS, VARIABLE])
    assert result["name"] == "he_normal"
    assert result["params"]["distribution"] == "truncated_normal"
    assert result["params"]["stddev"] == pytest.approx(math.sqrt(2.0 / 64) / TRUNC_STD)
    assert result["over_shape"] == list(VARIABLE)


def test_glorot_normal_untruncated():
    """TF1 variance_scaling(1, fan_avg, "untruncated_normal"): glorot_normal, untruncated, over (64, 80)."""
    result = fingerprint(untruncated_vs(1.0, "fan_avg", VARIABLE), [BLOCK, VARIABLE])
    assert result["name"] == "glorot_normal"
    assert result["params"]["distribution"] == "untruncated_normal"
    assert result["params"]["stddev"] == pytest.approx(math.sqrt(1.0 / 72))
    assert result["over_shape"] == list(VARIABLE)


def test_glorot_normal_truncated_is_told_from_untruncated():
    """Same scale, truncated: the hard bound at 2 stddev and kurtosis -0.63 (vs 0) flip the distribution."""
    result = fingerprint(truncated_vs(1.0, "fan_avg", VARIABLE), [BLOCK, VARIABLE])
    assert (result["name"], result["params"]["distribution"]) == ("glorot_normal", "truncated_normal")


def test_lecun_uniform():
    """lecun_uniform (limit sqrt(3/fan_in)) over the Keras kernel (fan_in 24) among the TF1 shapes."""
    values = uniform(1.0, "fan_in", KERAS, block=KERAS)
    result = fingerprint(values, [VARIABLE, KERAS])
    assert (result["name"], result["over_shape"]) == ("lecun_uniform", list(KERAS))
    assert result["params"]["limit"] == pytest.approx(math.sqrt(3.0 / 24))


def test_generic_variance_scaling():
    """variance_scaling(scale=2, mode="fan_avg", uniform) is no named initializer: reported as
    variance_scaling with its scale and mode, over the shape whose fan_avg fits (72, not 52)."""
    result = fingerprint(uniform(2.0, "fan_avg", VARIABLE), [BLOCK, VARIABLE])
    assert result["name"] == "variance_scaling"
    assert result["params"]["scale"] == 2.0 and result["params"]["mode"] == "fan_avg"
    assert result["over_shape"] == list(VARIABLE)
    assert result["ties"] == []


def test_random_uniform_fallback():
    """random_uniform(-0.05, 0.05) (TF1's default random_uniform_initializer) matches no variance
    scaling: random_uniform with fitted minval/maxval, over_shape None."""
    values = np.random.RandomState(2).uniform(-0.05, 0.05, (SEEDS,) + BLOCK).astype(np.float32)
    result = fingerprint(values, [BLOCK, VARIABLE])
    assert result["name"] == "random_uniform"
    assert result["params"]["minval"] == pytest.approx(-0.05, abs=1e-4)
    assert result["params"]["maxval"] == pytest.approx(0.05, abs=1e-4)
    assert result["over_shape"] is None


def test_random_normal_and_truncated_normal_with_offset():
    """Off-centre normals are random_normal (mean, stddev) or truncated_normal (mean, the untruncated
    stddev), by the same truncation test."""
    rs = np.random.RandomState(3)
    normal = fingerprint(0.5 + 0.1 * rs.standard_normal((SEEDS,) + BLOCK), [BLOCK])
    assert normal["name"] == "random_normal"
    assert normal["params"]["mean"] == pytest.approx(0.5, abs=0.005)
    assert normal["params"]["stddev"] == pytest.approx(0.1, rel=0.02)
    cut = fingerprint(0.5 + truncated(0.1, (SEEDS,) + BLOCK), [BLOCK])
    assert cut["name"] == "truncated_normal"
    assert cut["params"]["stddev"] == pytest.approx(0.1, rel=0.02)


def test_unknown_for_exponential_and_bimodal():
    """An exponential and a two-peaked sample fit no family: unknown, with high confidence in that."""
    rs = np.random.RandomState(4)
    exponential = fingerprint(rs.exponential(0.1, (SEEDS,) + BLOCK), [BLOCK])
    assert exponential["name"] == "unknown" and exponential["confidence"] > 0.9
    peaks = np.where(rs.uniform(size=(SEEDS,) + BLOCK) < 0.5, -1.0, 1.0) + 0.2 * rs.standard_normal((SEEDS,) + BLOCK)
    bimodal = fingerprint(peaks, [BLOCK])
    assert bimodal["name"] == "unknown" and bimodal["confidence"] > 0.9


def test_constant():
    """All values equal (a zero bias, a forget bias of 1): constant, over_shape None, confidence 1."""
    assert fingerprint(np.zeros((SEEDS, 3 * UNITS)), [(3 * UNITS,)]) == {
        "name": "constant",
        "params": {"value": 0.0},
        "over_shape": None,
        "confidence": 1.0,
        "ties": [],
    }
    assert fingerprint(np.ones((SEEDS, UNITS), np.float32), [(UNITS,)])["params"] == {"value": 1.0}


def test_orthogonal_variable_with_gain():
    """A float32 Keras recurrent kernel (u, 3u), orthogonal with gain 2: orthogonal, gain 2, over its
    own shape, confidence ~1."""
    result = fingerprint(orthogonal(UNITS, 3 * UNITS, gain=2.0), [(UNITS, 3 * UNITS)])
    assert result["name"] == "orthogonal"
    assert result["params"]["gain"] == pytest.approx(2.0, rel=1e-6)
    assert result["over_shape"] == [UNITS, 3 * UNITS]
    assert result["confidence"] > 0.9


def test_block_of_orthogonal_variable_needs_orthogonal_over():
    """A (u, u) gate block of that orthogonal (u, 3u) kernel is not orthogonal itself; with
    orthogonal_over=((u, 3u), gain) its std gain/sqrt(3u) confirms it: orthogonal over (u, 3u)."""
    block = orthogonal(UNITS, 3 * UNITS)[:, :, :UNITS]
    assert block_stats(block)["orth_rel_err"] > 0.1
    result = fingerprint(block, [(UNITS, UNITS), (UNITS, 3 * UNITS)], orthogonal_over=((UNITS, 3 * UNITS), 1.0))
    assert (result["name"], result["over_shape"], result["params"]) == ("orthogonal", [UNITS, 3 * UNITS], {"gain": 1.0})
    assert result["confidence"] > 0.3


def test_orthogonal_over_is_refused_when_the_scale_contradicts_it():
    """A glorot_uniform block passed with orthogonal_over of the wrong scale is still glorot_uniform."""
    values = uniform(1.0, "fan_avg", VARIABLE)
    result = fingerprint(values, [BLOCK, VARIABLE], orthogonal_over=((UNITS, 3 * UNITS), 1.0))
    assert result["name"] == "glorot_uniform"


def test_precomputed_stats_give_the_same_answer():
    """Passing block_stats(values) (as the worker does) changes nothing but the cost."""
    values = uniform(1.0, "fan_avg", VARIABLE)
    assert fingerprint(values, [BLOCK, VARIABLE], stats=block_stats(values)) == fingerprint(values, [BLOCK, VARIABLE])


def test_result_is_plain_json_with_confidence_in_unit_interval():
    """Every result is JSON-able and its confidence lies in [0, 1]."""
    for values in (uniform(1.0, "fan_avg", VARIABLE), np.random.RandomState(5).exponential(1.0, (2, 30))):
        result = fingerprint(values, [BLOCK, VARIABLE])
        json.dumps(result, allow_nan=False)
        assert 0.0 <= result["confidence"] <= 1.0


def test_pytorch_default_is_told_from_glorot_over_the_block():
    """U(±1/sqrt(units)) on a (inputs, units) block, as PyTorch's reset_parameters draws every parameter, is
    named torch_default over the block (limit 1/sqrt(40)); glorot_uniform drawn over the same block stays
    glorot_uniform."""
    limit = 1.0 / math.sqrt(UNITS)
    values = np.random.RandomState(0).uniform(-limit, limit, (SEEDS, IN, UNITS)).astype(np.float32)
    result = fingerprint(values, [(IN, UNITS), (IN, 3 * UNITS)])
    assert (result["name"], result["over_shape"]) == ("torch_default", [IN, UNITS])
    assert result["params"]["limit"] == pytest.approx(limit)
    assert result["params"]["mode"] == "fan_out" and result["params"]["scale"] == pytest.approx(1.0 / 3.0)
    glorot = fingerprint(uniform(1.0, "fan_avg", (IN, UNITS), block=(IN, UNITS)), [(IN, UNITS), (IN, 3 * UNITS)])
    assert glorot["name"] == "glorot_uniform"


def test_pytorch_default_bias_is_named_over_its_own_length():
    """A bias block (units,) drawn U(±1/sqrt(units)) is torch_default over (units,)."""
    limit = 1.0 / math.sqrt(UNITS)
    values = np.random.RandomState(1).uniform(-limit, limit, (64, UNITS)).astype(np.float32)
    result = fingerprint(values, [(UNITS,), (4 * UNITS,)])
    assert (result["name"], result["over_shape"]) == ("torch_default", [UNITS])


def test_a_tie_goes_to_the_framework_s_own_default_only_where_asked():
    """With 16 units, glorot_uniform over a (32, 64) Keras LSTM kernel and U(±1/4) over its (32, 16) gate block
    are the same values: by default glorot_uniform is named (torch_default among the ties); for a PyTorch
    family's weights (``prefer``) torch_default is, with glorot among the ties."""
    values = np.random.RandomState(2).uniform(-0.25, 0.25, (SEEDS, 32, 16)).astype(np.float32)
    plain = fingerprint(values, [(32, 16), (32, 64)])
    preferred = fingerprint(values, [(32, 16), (32, 64)], prefer=("torch_default",))
    assert (plain["name"], plain["over_shape"]) == ("glorot_uniform", [32, 64])
    assert "torch_default" in [t["name"] for t in plain["ties"]]
    assert (preferred["name"], preferred["over_shape"]) == ("torch_default", [32, 16])
    assert "glorot_uniform" in [t["name"] for t in preferred["ties"]]
