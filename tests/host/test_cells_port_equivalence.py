"""Forward equivalence of the contrib and cuDNN-compatible TF1 cells with the Keras layers they port to.

TF 1.15's LSTMBlockCell (forget_bias 0.5 folded), LSTMBlockFusedCell (1.0 folded), CudnnCompatibleLSTMCell
(nothing to fold) -> Keras LSTM; GRUBlockCellV2 -> GRU(reset_after=False); CudnnCompatibleGRUCell ->
GRU(reset_after=True): ported, the Keras route of tf215, tf221 and tf221-legacy computes TF 1.15's outputs;
and Keras weights (random biases) ported back make the TF 1.15 cells compute the Keras outputs
(tests/data/cells-equivalence.toml).
"""
from pathlib import Path

import numpy as np
import pytest

from compare import artifact, diff, port, runner

pytestmark = [pytest.mark.host, pytest.mark.slow]

SCENARIOS = Path(__file__).parent.parent / "data" / "cells-equivalence.toml"
TOLERANCE = 1e-5
KERAS_ENVS = ("tf215", "tf221", "tf221-legacy")
COUNT = 5


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    out = tmp_path_factory.mktemp("drawn")
    results = runner.run_matrix(("tf115",) + KERAS_ENVS, out, SCENARIOS, parallel=2)
    for result in results:
        assert result.status == "ok", (result.env, result.reason, result.tail)
    return {r.env: r.artifact for r in results}


def ported_outputs(source_path, source_route, target_env, target_path, target_route, out):
    """Port every scenario, run the target env on the ported weights; {scenario: (expected, got)}."""
    source, target = artifact.read(source_path), artifact.read(target_path)
    weights = {}
    for name in source.scenarios:
        weights.update(port.npz_keys(name, target_route,
                                     port.port_between(source, source_route, target, target_route, name)))
    out.mkdir()
    np.savez(str(out / "ported.npz"), **weights)
    result = runner.run_env(target_env, out, SCENARIOS, ["--weights", str(out / "ported.npz")])
    assert result.status == "ok", (result.reason, result.tail)
    expected, got = artifact.arrays(source_path), artifact.arrays(result.artifact)
    return {name: (expected[name + "/" + source_route + "/forward/output"],
                   got[name + "/" + target_route + "/forward/output"]) for name in source.scenarios}


def assert_equivalent(pairs, label, capsys):
    worst = {name: float(np.abs(a - b).max()) for name, (a, b) in pairs.items()}
    with capsys.disabled():
        print("\n{}: max |diff| per scenario: {}".format(
            label, ", ".join("{} {:.1e}".format(n, w) for n, w in sorted(worst.items()))))
    assert len(worst) == COUNT
    for name, (a, b) in pairs.items():
        assert a.shape == b.shape, name
        np.testing.assert_allclose(b, a, rtol=0, atol=TOLERANCE, err_msg=name)


@pytest.mark.parametrize("env", KERAS_ENVS)
def test_tf115_cell_weights_give_the_same_outputs_in_keras(drawn, env, tmp_path, capsys):
    pairs = ported_outputs(drawn["tf115"], "tf1", env, drawn[env], "keras", tmp_path / "run")
    assert_equivalent(pairs, "tf115:tf1 -> {}:keras".format(env), capsys)


@pytest.mark.parametrize("env", KERAS_ENVS)
def test_keras_weights_give_the_same_outputs_in_the_tf115_cells(drawn, env, tmp_path, capsys):
    pairs = ported_outputs(drawn[env], "keras", "tf115", drawn["tf115"], "tf1", tmp_path / "run")
    assert_equivalent(pairs, "{}:keras -> tf115:tf1".format(env), capsys)


RECIPE_SAME = ("lstm-block-forget-0.5", "lstm-block-fused", "gru-block")  # initialized as LSTMCell / GRUCell


@pytest.mark.parametrize("env", KERAS_ENVS)
def test_the_recipe_starts_keras_like_the_block_cells(drawn, env):
    """init_like_tf1 draws what LSTMBlockCell, LSTMBlockFusedCell and GRUBlockCellV2 draw (registry:
    ``initialized_as``): every row of tf115's TF1 route against env's recipe route is ``same``. The
    cuDNN-compatible cells initialize otherwise (forget bias 0; separate candidate projections): refused."""
    result = diff.diff(artifact.read(drawn["tf115"]), artifact.read(drawn[env]), [("tf1", "recipe")])
    for name in RECIPE_SAME:
        rows = [r for r in result.rows if r.scenario == name]
        assert rows and all(r.verdict == "same" for r in rows), [(r.block, r.verdict) for r in rows
                                                                 if r.verdict != "same"]
    recipe = artifact.read(drawn[env])
    for name in ("cudnn-compatible-lstm", "cudnn-compatible-gru"):
        route = recipe.route(name, "recipe")
        assert route.status == "unavailable" and "is not among them" in route.reason
