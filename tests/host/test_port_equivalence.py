"""Forward equivalence across real envs: the proof that layout and port are right.

TF 1.15's TF1-route weights, ported, make the Keras route of tf215, tf221 and tf221-legacy
compute the same outputs on the same input; and Keras weights from those envs, ported back,
make TF 1.15's TF1 route compute the Keras outputs. GRU and LSTM (LSTMCell and BasicLSTMCell
with forget_bias 0.5), uni- and bidirectional, 1 and 2 layers (tests/data/equivalence.toml).
TF 1.15's LSTM weights make k3-torch's PyTorch LSTMs compute the same outputs; its GRUCells are refused.
TF 1.1's cells (tf11: ``weights`` / ``biases``, from ``tf.contrib.rnn``) are proven the same way
against tf215's Keras, both ways, on those scenarios without the TF1 cell kwargs TF 1.1 lacks, and
against TF 1.1's own Keras 2.0 (``tf.contrib.keras``) inside tf11.
"""

from pathlib import Path

import pytest

from compare import artifact
from compare.core import port
from compare.core.assemble import RESET_AFTER_REASON, PortError
from compare.host import runner
from tests.helpers import equivalence
from tests.helpers.equivalence import KERAS_ENVS, assert_equivalent, ported_outputs

pytestmark = pytest.mark.slow

SCENARIOS = Path(__file__).parent.parent / "data" / "equivalence.toml"
COUNT = 9


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    return equivalence.drawn(tmp_path_factory.mktemp("drawn"), runner.matrix(), SCENARIOS)


@pytest.fixture(scope="module")
def drawn_tf11(tmp_path_factory):
    """tf11 and tf215 on the equivalence scenarios minus GRUCell's bias_initializer (TF 1.1's GRUCell
    takes none; its biases are then the constants, and Keras's random biases are ported the other way)."""
    out = tmp_path_factory.mktemp("drawn_tf11")
    scenarios = out / "equivalence-tf11.toml"
    lines = SCENARIOS.read_text().splitlines(keepends=True)
    scenarios.write_text("".join(line for line in lines if not line.startswith("cell_kwargs = { bias_initializer")))
    return scenarios, equivalence.drawn(out, ["tf11", "tf215"], scenarios)


@pytest.mark.parametrize("env", KERAS_ENVS)
def test_tf115_tf1_weights_give_the_same_outputs_in_keras(drawn, env, tmp_path, capsys):
    """tf115 TF1 route -> port -> Keras route of env: outputs equal within 1e-5."""
    pairs = ported_outputs(drawn["tf115"], "tf1", env, drawn[env], "keras", tmp_path / "run", SCENARIOS)
    assert_equivalent(pairs, f"tf115:tf1 -> {env}:keras", COUNT, capsys)


@pytest.mark.parametrize("env", KERAS_ENVS)
def test_keras_weights_give_the_same_outputs_in_the_tf115_tf1_route(drawn, env, tmp_path, capsys):
    """Keras route of env -> port -> tf115 TF1 route: outputs equal within 1e-5."""
    pairs = ported_outputs(drawn[env], "keras", "tf115", drawn["tf115"], "tf1", tmp_path / "run", SCENARIOS)
    assert_equivalent(pairs, f"{env}:keras -> tf115:tf1", COUNT, capsys)


def test_tf115_tf1_lstm_weights_give_the_same_outputs_in_pytorch_and_gru_ones_are_refused(drawn, tmp_path, capsys):
    """tf115 TF1 route -> port -> k3-torch's nn.LSTM / stacked nn.LSTMCell: outputs equal within 1e-5 (forget_bias
    0.5 folded into bias_ih); every TF1 GRUCell is refused, since nn.GRU resets after the recurrent matmul."""
    source, target = artifact.read(drawn["tf115"]), artifact.read(drawn["k3-torch"])
    refused = {}
    for name in source.scenarios:
        try:
            port.port_between(source, "tf1", target, "torch", name)
        except PortError as exc:
            refused[name] = str(exc)
    assert sorted(refused) == sorted(n for n in source.scenarios if n.startswith("eq-gru"))
    assert set(refused.values()) == {RESET_AFTER_REASON}
    lstm = [n for n in source.scenarios if n not in refused]
    pairs = ported_outputs(
        drawn["tf115"], "tf1", "k3-torch", drawn["k3-torch"], "torch", tmp_path / "run", SCENARIOS, lstm
    )
    assert_equivalent(pairs, "tf115:tf1 -> k3-torch:torch", 5, capsys)


def test_tf11_tf1_weights_give_the_same_outputs_in_keras(drawn_tf11, tmp_path, capsys):
    """tf11 TF1 route (weights / biases) -> port -> tf215 Keras route: outputs equal within 1e-5."""
    scenarios, drawn = drawn_tf11
    pairs = ported_outputs(drawn["tf11"], "tf1", "tf215", drawn["tf215"], "keras", tmp_path / "run", scenarios)
    assert_equivalent(pairs, "tf11:tf1 -> tf215:keras", COUNT, capsys)


def test_keras_weights_give_the_same_outputs_in_the_tf11_tf1_route(drawn_tf11, tmp_path, capsys):
    """tf215 Keras route (random biases) -> port -> tf11 TF1 route: outputs equal within 1e-5."""
    scenarios, drawn = drawn_tf11
    pairs = ported_outputs(drawn["tf215"], "keras", "tf11", drawn["tf11"], "tf1", tmp_path / "run", scenarios)
    assert_equivalent(pairs, "tf215:keras -> tf11:tf1", COUNT, capsys)


# Keras 2.0 in TF 1.1 (tf.contrib.keras) has no Bidirectional, no cells to stack and no reset_after:
# unidirectional "layers" stacks with sigmoid gates are what it shares with the TF1 cells.
KERAS20_SCENARIOS = """
[[scenario]]
name = "keras20-gru-x2"
cell = "gru"
units = 5
input_dim = 3
layers = 2
seeds = 2
[scenario.keras]
layer_kwargs = { recurrent_activation = "sigmoid" }
bias_initializer = { name = "random_uniform", minval = -1.0, maxval = 1.0 }

[[scenario]]
name = "keras20-lstm-x1"
cell = "lstm"
units = 5
input_dim = 3
seeds = 2
[scenario.keras]
layer_kwargs = { recurrent_activation = "sigmoid" }
bias_initializer = { name = "random_uniform", minval = -1.0, maxval = 1.0 }
"""


@pytest.mark.parametrize("source, target", [("tf1", "keras"), ("keras", "tf1")])
def test_tf11_keras_and_tf1_routes_compute_the_same_function(source, target, tmp_path, capsys):
    """Inside tf11: TF 1.1's TF1 cells <-> tf.contrib.keras layers, weights ported, outputs equal."""
    scenarios = tmp_path / "keras20.toml"
    scenarios.write_text(KERAS20_SCENARIOS)
    drawn = runner.run_env("tf11", tmp_path, scenarios)
    assert drawn.status == "ok", (drawn.reason, drawn.tail)
    pairs = ported_outputs(drawn.artifact, source, "tf11", drawn.artifact, target, tmp_path / "run", scenarios)
    assert_equivalent(pairs, f"tf11:{source} -> tf11:{target}", 2, capsys)
