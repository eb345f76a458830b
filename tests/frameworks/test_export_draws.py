"""``--export-draws`` in every TF env: K reproducible draws per route, the route's family and config beside
them, and each activation the config names sampled from this env's own Keras, which the impact trainer
matches to the function it reproduces (TF 1.x and Keras 2 ``hard_sigmoid`` is 0.2x + 0.5 clipped, Keras 3's
x/6 + 0.5 clipped: the samples decide, not the name)."""

import json

import numpy as np
import pytest

from backends import ROUTE_MODULES, tfenv
from backends.export_draws import ACTIVATION_GRID, export
from backends.routes.keras import ROUTE as KERAS
from backends.training import arms
from compare.core.scenarios import load_scenarios

SCENARIO = """
[[scenario]]
name = "hard"
cell = "gru"
units = 3
input_dim = 2
[scenario.keras]
layer_kwargs = {recurrent_activation = "hard_sigmoid"}
"""


@pytest.fixture(scope="module")
def draws(tmp_path_factory):
    pytest.importorskip("tensorflow", reason="the impact path exports and trains in TensorFlow envs")
    folder = tmp_path_factory.mktemp("export")
    (folder / "s.toml").write_text(SCENARIO)
    if KERAS.unavailable_reason() is not None:
        pytest.skip("no Keras route in this env")
    export(folder / "d.npz", load_scenarios(str(folder / "s.toml")), [KERAS], 3, "test")
    return np.load(str(folder / "d.npz"))


def test_three_draws_differ_and_come_with_the_routes_family_and_config(draws):
    meta = json.loads(str(draws["hard/keras/meta"]))
    names = sorted(meta["variables"])
    assert meta["family"] == "keras_gru" and meta["seeds"] == 3
    kernel = next(n for n in names if meta["variables"][n][2] == "kernel")
    kernels = [draws[f"hard/keras/seed{k}/{kernel}"] for k in range(3)]
    assert not np.array_equal(kernels[0], kernels[1]) and not np.array_equal(kernels[1], kernels[2])
    assert sorted(k.split("/")[-1] for k in draws.files if k.startswith("hard/keras/seed0/")) == sorted(
        n.split("/")[-1] for n in names
    )


def test_hard_sigmoid_is_matched_to_the_function_this_env_computes(draws):
    meta = json.loads(str(draws["hard/keras/meta"]))
    arm = arms.arm("hard", meta)
    samples = np.asarray(meta["activations"]["hard_sigmoid"])
    reproduced = arms.KNOWN[arm.recurrent_activation](ACTIVATION_GRID.astype(np.float64))
    assert np.max(np.abs(reproduced - samples)) <= arms.MATCH_TOLERANCE
    keras3 = tfenv.keras_flavor(tfenv.tensorflow())["flavor"] == "keras3"
    assert arm.recurrent_activation == ("hard_sigmoid_1/6" if keras3 else "hard_sigmoid_0.2")
    assert "keras" in ROUTE_MODULES
