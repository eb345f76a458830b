"""Keras draws after the first re-initialize the built layers instead of rebuilding them (runs in each
TF env, real TensorFlow): the re-initialized weights must be distributed as freshly built ones are."""

import dataclasses

import numpy as np
import pytest

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
