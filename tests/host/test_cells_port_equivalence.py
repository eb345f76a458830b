"""Forward equivalence of the contrib and cuDNN-compatible TF1 cells with the Keras layers they port to.

TF 1.15's LSTMBlockCell (forget_bias 0.5 folded), LSTMBlockFusedCell (1.0 folded), CudnnCompatibleLSTMCell
(nothing to fold) -> Keras LSTM; GRUBlockCellV2 -> GRU(reset_after=False); CudnnCompatibleGRUCell ->
GRU(reset_after=True): ported, the Keras route of tf215, tf221 and tf221-legacy computes TF 1.15's outputs;
and Keras weights (random biases) ported back make the TF 1.15 cells compute the Keras outputs
(tests/data/cells-equivalence.toml).
"""

from pathlib import Path

import pytest

from compare import artifact
from compare.host import diff
from tests.helpers import equivalence
from tests.helpers.equivalence import KERAS_ENVS, assert_equivalent, ported_outputs

pytestmark = pytest.mark.slow

SCENARIOS = Path(__file__).parent.parent / "data" / "cells-equivalence.toml"
COUNT = 5


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    return equivalence.drawn(tmp_path_factory.mktemp("drawn"), ("tf115",) + KERAS_ENVS, SCENARIOS)


@pytest.mark.parametrize("env", KERAS_ENVS)
def test_tf115_cell_weights_give_the_same_outputs_in_keras(drawn, env, tmp_path, capsys):
    pairs = ported_outputs(drawn["tf115"], "tf1", env, drawn[env], "keras", tmp_path / "run", SCENARIOS)
    assert_equivalent(pairs, f"tf115:tf1 -> {env}:keras", COUNT, capsys)


@pytest.mark.parametrize("env", KERAS_ENVS)
def test_keras_weights_give_the_same_outputs_in_the_tf115_cells(drawn, env, tmp_path, capsys):
    pairs = ported_outputs(drawn[env], "keras", "tf115", drawn["tf115"], "tf1", tmp_path / "run", SCENARIOS)
    assert_equivalent(pairs, f"{env}:keras -> tf115:tf1", COUNT, capsys)


RECIPE_SAME = ("lstm-block-forget-0.5", "lstm-block-fused", "gru-block")  # initialized as LSTMCell / GRUCell


@pytest.mark.parametrize("env", KERAS_ENVS)
def test_the_recipe_starts_keras_like_the_block_cells(drawn, env):
    """init_like_tf1 draws what LSTMBlockCell, LSTMBlockFusedCell and GRUBlockCellV2 draw (registry:
    ``initialized_as``): every row of tf115's TF1 route against env's recipe route is ``same``. The
    cuDNN-compatible cells initialize otherwise (forget bias 0; separate candidate projections): refused."""
    result = diff.diff(artifact.read(drawn["tf115"]), artifact.read(drawn[env]), [("tf1", "recipe")])
    for name in RECIPE_SAME:
        rows = [r for r in result.rows if r.scenario == name]
        assert rows and all(r.verdict == "same" for r in rows), [
            (r.block, r.verdict) for r in rows if r.verdict != "same"
        ]
    recipe = artifact.read(drawn[env])
    for name in ("cudnn-compatible-lstm", "cudnn-compatible-gru"):
        route = recipe.route(name, "recipe")
        assert route.status == "unavailable" and "is not among them" in route.reason
