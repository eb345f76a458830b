"""The recipe on Keras 3 without TensorFlow (k3-jax, k3-torch): ``init_like_tf1`` draws TF1's initializers with Keras 3
(``backends.tf1_initializers``) and starts the layers as the TF1 route would (the diff against a TF1 artifact
says ``same``: docs/recipe.md). Skipped where Keras runs on TensorFlow (tests/frameworks/test_recipe.py there).
"""

import numpy as np
import pytest

from backends import kerasenv, tf1_initializers
from backends.routes.recipe import ROUTE
from compare.core import layout
from compare.core.assemble import assemble
from compare.core.scenario_spec import Initializer
from compare.core.scenarios import load_scenarios

NEEDS = "keras"
pytestmark = pytest.mark.skipif(
    not kerasenv.standalone(), reason="Keras runs on TensorFlow here: test_recipe.py covers the recipe"
)


@pytest.mark.parametrize("name", ["seed-bigru-orthogonal", "seed-bilstm-orthogonal", "defaults-gru"])
def test_the_recipe_route_starts_keras3_layers_with_tf1s_variables(name):
    """Seen as TF1 variables, the recipe's orthogonal [x; h] kernels are orthogonal on their thin side (the
    default glorot ones are not); GRU gate biases are 1, the LSTM's forget bias holds the folded 1.0."""
    scenario = {s.name: s for s in load_scenarios()}[name]
    built = ROUTE.build(scenario)
    weights = next(built.draws(1))
    blocks = {k: b.value for k, b in layout.split(built.family, weights, scenario.units).items()}
    variables = assemble("tf1_" + scenario.cell, blocks, scenario.units, scenario.layers, scenario.directions)
    units, orthogonal = scenario.units, scenario.tf1.reaching_initializer is not None
    for (_, _, param), value in variables.items():
        if param in ("gates/kernel", "candidate/kernel", "kernel"):
            gram = value.T @ value if value.shape[0] >= value.shape[1] else value @ value.T
            error = float(np.abs(gram - np.eye(gram.shape[0])).max())
            assert (error < 1e-5) == orthogonal, (param, error)
        if param == "gates/bias":
            np.testing.assert_array_equal(value, 1.0)
        if param == "bias":
            np.testing.assert_array_equal(value[2 * units : 3 * units], 1.0)
            np.testing.assert_array_equal(np.delete(value, np.s_[2 * units : 3 * units]), 0.0)


def test_tf1_defaults_are_kept_where_keras_defaults_differ():
    """TF1's random_uniform is U(0, 1), its random_normal has stddev 1 and its variance_scaling "normal" is
    truncated at 2 stddev (Keras's defaults: U(-0.05, 0.05), stddev 0.05)."""
    uniform = tf1_initializers.draw(Initializer("random_uniform"), (200, 200))
    assert 0.0 <= uniform.min() < 0.01 and 0.99 < uniform.max() < 1.0
    normal = tf1_initializers.draw(Initializer("random_normal"), (200, 200))
    assert abs(float(normal.std()) - 1.0) < 0.02
    truncated = tf1_initializers.draw(Initializer("variance_scaling", {"distribution": "normal"}), (400, 100))
    stddev = np.sqrt(1.0 / 400) / 0.87962566103423978  # fan_in 400, before the cut at 2 stddev
    assert float(np.abs(truncated).max()) <= 2 * stddev * (1 + 1e-6)
    assert abs(float(truncated.std()) - np.sqrt(1.0 / 400)) < 0.002
