"""The impact trainer (backends/training) in real Keras 3 on TensorFlow 2.21: an arm's model computes what the
route's own layer computes from the same draw, the two arms of a seed differ only where their routes do,
and training is deterministic (the same seed twice gives the same curve)."""

import numpy as np
import pytest

from backends import tfenv
from backends.export_draws import export
from backends.routes import keras as keras_route
from backends.routes import recipe as recipe_route
from backends.routes.base import forward_input
from backends.training import arms, tasks, train
from compare.core.scenarios import load_scenarios

SCENARIOS = """
[[scenario]]
name = "gru-hard"
cell = "gru"
units = 4
input_dim = 3
layers = 2
bidirectional = true
[scenario.keras]
stacking = "cells"
layer_kwargs = {reset_after = false, recurrent_activation = "hard_sigmoid"}

[[scenario]]
name = "lstm-levels"
cell = "lstm"
units = 4
input_dim = 3
layers = 2
bidirectional = true
[scenario.tf1]
scope_initializer = "orthogonal"
[scenario.keras]
stacking = "layers"

[[scenario]]
name = "fb1"
cell = "lstm"
units = 4
input_dim = 2
[scenario.keras]
layer_kwargs = {unit_forget_bias = true}

[[scenario]]
name = "fb0"
cell = "lstm"
units = 4
input_dim = 2
[scenario.keras]
layer_kwargs = {unit_forget_bias = false}
"""


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    pytest.importorskip("tensorflow", reason="the impact path exports and trains in TensorFlow envs")
    if tfenv.keras_flavor(tfenv.tensorflow())["flavor"] != "keras3":
        pytest.skip("the impact trainer is Keras 3 (the tf221 env)")
    folder = tmp_path_factory.mktemp("impact")
    (folder / "s.toml").write_text(SCENARIOS)
    scenarios = {s.name: s for s in load_scenarios(str(folder / "s.toml"))}
    routes = [keras_route.ROUTE, recipe_route.ROUTE]
    export(folder / "draws.npz", list(scenarios.values()), routes, 2, "tf221")
    return scenarios, np.load(str(folder / "draws.npz"))


def _task(input_dim):
    steps = 5
    return tasks.Task("probe", input_dim, 1, 1, "mse", 1.0, lambda _rng, n: (np.zeros((n, steps, input_dim)), None))


@pytest.mark.parametrize(
    "name,route", [("gru-hard", keras_route), ("lstm-levels", keras_route), ("lstm-levels", recipe_route)]
)
def test_an_arm_computes_what_its_routes_own_layer_computes_from_the_same_draw(exported, name, route):
    """Seed 1 of the route, ported into the trainer's Keras layers (hard_sigmoid as the env measured it,
    stacking as the route stacks), gives the route's own output on the fixed input within 1e-5."""
    scenarios, draws = exported
    scenario, prefix = scenarios[name], f"{name}/{route.ROUTE.name}/"
    built = route.ROUTE.build(scenario)
    list(built.draws(2))
    expected = built.forward(forward_input(scenario))["output"]
    built.close()
    arm = arms.arm("probe", arms.read_meta(draws, prefix))
    keras = tfenv.keras(tfenv.tensorflow())
    model = train.build_model(keras, arm, _task(scenario.input_dim))
    train.start(model, arm, arms.keras_weights(arm, draws, prefix, 1), 0)
    recurrent = keras.Model(model.input, model.layers[-3].output)
    got = np.asarray(recurrent(forward_input(scenario)))
    assert got.shape == expected.shape
    assert np.max(np.abs(got - expected)) < 1e-5
    if name == "gru-hard":
        assert arm.recurrent_activation == "hard_sigmoid_1/6"  # Keras 3's own, measured on the grid


def test_the_forget_bias_arms_share_their_kernels_and_differ_by_one_in_the_forget_bias(exported):
    _, draws = exported
    one, zero = (arms.arm(n, arms.read_meta(draws, f"{n}/keras/")) for n in ("fb1", "fb0"))
    w1, w0 = arms.keras_weights(one, draws, "fb1/keras/", 0), arms.keras_weights(zero, draws, "fb0/keras/", 0)
    np.testing.assert_array_equal(w1[0], w0[0])
    np.testing.assert_array_equal(w1[1], w0[1])
    np.testing.assert_array_equal(w1[2] - w0[2], np.repeat([0.0, 1.0, 0.0, 0.0], 4))  # Keras gates [i f c o]


def test_training_the_same_arm_and_seed_twice_gives_the_same_curve_fresh_or_on_a_reused_model(exported):
    """Deterministic ops and a full reset (weights, head, Adam's step and moments) between seeds: a model
    reused after another seed trains exactly as a fresh one."""
    _, draws = exported
    job = {
        "task": {"name": "adding", "length": 6},
        "budget": {"steps": 12, "batch": 8, "learning_rate": 0.01, "eval_every": 4, "test_size": 32},
    }
    arm = arms.arm("fb1", arms.read_meta(draws, "fb1/keras/"))
    keras = tfenv.keras(tfenv.tensorflow())
    tfenv.tensorflow().config.experimental.enable_op_determinism()
    weights = [arms.keras_weights(arm, draws, "fb1/keras/", s) for s in (0, 1)]
    fresh = train.train_one(keras, job, arm, weights[0], 5)
    other = train.train_one(keras, job, arm, weights[1], 6, fresh["model"])
    reused = train.train_one(keras, job, arm, weights[0], 5, other["model"])
    assert fresh["steps"] == [0, 4, 8, 12]
    assert reused["test_loss"] == fresh["test_loss"] and other["test_loss"] != fresh["test_loss"]
    assert fresh["test_loss"][-1] < fresh["test_loss"][0]
