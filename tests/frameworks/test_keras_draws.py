"""Keras draws after the first re-initialize the built layers instead of rebuilding them (runs in each
TF env, real TensorFlow): the re-initialized weights must be distributed as freshly built ones are, and
large draws, made the fast way, must hold exactly the values of eager assigns one by one."""

import dataclasses
import subprocess
import sys

import numpy as np
import pytest

from backends import tfenv
from backends.routes.base import Unavailable
from backends.routes.keras import ROUTE
from compare.core.scenarios import load_scenarios
from compare.measure.stats import block_stats

DRAWS = 8
SCENARIOS = ("defaults-gru", "defaults-lstm", "seed-bilstm-orthogonal")


def stacked(weights_per_draw):
    """{variable name: (draws, ...) array} from a list of draws (each a list of Weight)."""
    names = [w.name for w in weights_per_draw[0]]
    return {n: np.stack([draw[i].value for draw in weights_per_draw]) for i, n in enumerate(names)}


def orthogonal(values):
    return block_stats(values, sample_size=0, singular_values=False)["orth_rel_err"] <= 1e-4


@pytest.mark.parametrize("name", SCENARIOS)
def test_reinitialized_draws_match_freshly_built_layers(name):
    """Draws 1..7 of one build (re-initialized) against draw 0 of seven builds with other base seeds:
    the same elements are fixed (biases; LSTM's unit_forget_bias ones) with the same values, the
    random ones have the same pooled mean, std and quantiles (within 0.1 std, 10 % for the std) and
    the same orthogonality; and the re-initialized draws differ from each other."""
    scenario = next(s for s in load_scenarios(None) if s.name == name)
    try:
        built = ROUTE.build(dataclasses.replace(scenario, seeds=DRAWS))
    except Unavailable as exc:  # tf11's Keras 2.0 has no Bidirectional: the worker reports it so
        pytest.skip(str(exc))
    reinit = stacked(list(built.draws(DRAWS))[1:])
    fresh = stacked(
        [
            next(ROUTE.build(dataclasses.replace(scenario, base_seed=1000 + k, seeds=1)).draws(1))
            for k in range(1, DRAWS)
        ]
    )
    assert set(reinit) == set(fresh)
    for variable, values in reinit.items():
        built_values = fresh[variable]
        fixed = np.all(built_values == built_values[0], axis=0)
        np.testing.assert_array_equal(values[:, fixed], built_values[:, fixed], err_msg=variable)
        if fixed.all():
            continue
        a, b = values[:, ~fixed].astype(np.float64), built_values[:, ~fixed].astype(np.float64)
        assert not np.array_equal(a[0], a[1]), variable
        scale = b.std()
        assert abs(a.mean() - b.mean()) <= 0.1 * scale, variable
        assert a.std() == pytest.approx(scale, rel=0.1), variable
        quantiles = [0.05, 0.25, 0.5, 0.75, 0.95]
        np.testing.assert_allclose(
            np.quantile(a, quantiles), np.quantile(b, quantiles), atol=0.1 * scale, err_msg=variable
        )
        if fixed.any():
            continue  # orthogonality belongs to whole matrices
        assert orthogonal(values) == orthogonal(built_values), variable


DRAW_SCRIPT = """
import dataclasses
import sys

import numpy as np

from backends.routes import keras_draws
from backends.routes.keras import ROUTE
from compare.core.scenarios import load_scenarios

keras_draws.GRAPH_VALUES = int(sys.argv[2])
scenario = next(s for s in load_scenarios(None) if s.name == sys.argv[1])
built = ROUTE.build(dataclasses.replace(scenario, seeds=4))
draws = {"{}/{}".format(k, w.name): w.value for k, draw in enumerate(built.draws(4)) for w in draw}
np.savez(sys.argv[3], **draws)
"""


def test_large_draws_hold_the_values_of_eager_assigns_one_by_one(tmp_path):
    """Draws made the fast way this TensorFlow allows (TF 2.x: one tf.function per seed; TF 1.15: seeds
    on two threads, their arrays mapped one by one) hold exactly the values of eager assigns one
    variable after another, for a bidirectional stack of orthogonal LSTM cells with unit_forget_bias
    (its bias drawn in three pieces). Each way runs in a fresh process: TF 1.15's seeded eager ops
    continue their stream within a process, so only a fresh one draws a seed as a user's program does."""
    if not tfenv.eager(tfenv.tensorflow()):
        pytest.skip("TF 1.1 draws each seed in a fresh graph: it has no fast way")
    name = "seed-bilstm-orthogonal"
    found = {}
    for way, graph_values in (("one by one", 1 << 62), ("fast", 0)):
        out = tmp_path / f"{graph_values}.npz"
        done = subprocess.run([sys.executable, "-c", DRAW_SCRIPT, name, str(graph_values), str(out)], check=False)
        assert done.returncode == 0
        with np.load(str(out)) as data:
            found[way] = {key: data[key] for key in data.files}
    assert sorted(found["fast"]) == sorted(found["one by one"])
    for key, value in found["one by one"].items():
        np.testing.assert_array_equal(found["fast"][key], value, err_msg=key)
    kernel = next(key.split("/", 1)[1] for key, value in found["fast"].items() if value.ndim == 2)
    assert not np.array_equal(found["fast"]["1/" + kernel], found["fast"]["2/" + kernel])  # seeds differ
