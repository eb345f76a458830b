"""``rnncompare inspect`` end to end: checkpoints written by real TensorFlow in the tox env tf115
(``python -m tests.helpers.checkpoints``), read by the CLI through the same env; bad input is one line and exit 2.

The ``slow`` tests drive tox (they create the env tf115 when it is missing); the others need no TF env.
Expected values are those ``tests/helpers/checkpoints.py`` built (its CASES), never measured numbers.
"""

import json
import sys

import pytest

from compare.core import inventory
from compare.core.scenarios import load_scenarios
from compare.host.checkpoint.inspect import apply_sets, parse_set, parse_value
from compare.host.cli import main
from compare.host.envs import run_module as envrun
from tests.helpers.checkpoints import CASES, EMBED, UNITS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the host runs 3.11+
    import tomli as tomllib

CASE = {c.name: c for c in CASES}


def test_set_values_parse_as_toml_would():
    """--set NAME.OPTION=VALUE: the network path may hold '/' and '.', the value is typed."""
    assert parse_set("encoder/rnn.forget_bias=0.5") == ("encoder/rnn", "forget_bias", 0.5)
    assert parse_set("a.b/rnn.cell_clip=none") == ("a.b/rnn", "cell_clip", None)
    assert parse_set("rnn.cell_class=LSTMCell") == ("rnn", "cell_class", "LSTMCell")
    assert (parse_value("true"), parse_value("3"), parse_value("tanh")) == (True, 3, "tanh")


def test_missing_checkpoint_is_one_line_exit_2(tmp_path, capsys):
    """No checkpoint there: refused on the host before any TF env starts."""
    assert main(["inspect", str(tmp_path / "model.ckpt-1")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: no checkpoint at ")


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    out = tmp_path_factory.mktemp("checkpoints")
    envrun.run_module("tf115", "tests.helpers.checkpoints", [str(out), "lstm-proj-peep", "cudnn-gru", "plain"])
    return json.loads((out / "made.json").read_text())


@pytest.mark.slow
def test_inspect_prints_the_network_and_writes_json_and_scenarios(made, tmp_path, capsys):
    """With the graph: the LSTMCell with projection and peepholes the case built, its forget_bias from the
    graph, its recorded random_uniform(-0.1, 0.1); the JSON reads back as the same records; the scenario
    file loads as a scenario file with that initializer on the scope."""
    case = CASE["lstm-proj-peep"]
    json_out, toml_out = tmp_path / "inv.json", tmp_path / "model.toml"
    assert (
        main(["inspect", made[case.name], "--json", str(json_out), "--scenarios-out", str(toml_out), "--seeds", "2"])
        == 0
    )
    out = capsys.readouterr().out
    assert "encoder/rnn: LSTMCell [tf1_lstm]" in out
    assert "forget_bias=0.5 (graph)" in out and "random_uniform(maxval=0.1, minval=-0.1)" in out
    found = inventory.from_dict(json.loads(json_out.read_text()))
    network = found.network("encoder/rnn")
    assert (network.units, network.input_size, network.num_proj, network.peepholes) == (
        UNITS,
        EMBED,
        case.kwargs["num_proj"],
        True,
    )
    assert all(v.slots and v.slots[0].endswith("/Momentum") for v in network.variables)
    (scenario,) = load_scenarios(toml_out)
    assert scenario.name == "encoder.rnn" and scenario.tf1.cell_class == "LSTMCell"
    assert scenario.tf1.cell_kwargs == {k: case.kwargs[k] for k in ("num_proj", "use_peepholes", "forget_bias")}
    init = scenario.tf1.scope_initializer
    assert (init.name, init.params) == ("random_uniform", {"minval": -0.1, "maxval": 0.1})
    assert tomllib.loads(toml_out.read_text())["scenario"][0]["units"] == UNITS
    # the file runs: its TF1 route rebuilds the cell with the recorded initializer on the scope
    assert (
        main(["run", "--scenarios", str(toml_out), "--envs", "tf115", "--out", str(tmp_path / "run"), "-p", "1"]) == 0
    )
    routes = json.loads((tmp_path / "run" / "tf115.json").read_text())["scenarios"]["encoder.rnn"]["routes"]
    assert routes["tf1"]["status"] == "ok" and routes["keras"]["status"] == "ok"
    built = routes["tf1"]["config"]["scope_initializer"]
    assert (built["class_name"], built["config"]["minval"], built["config"]["maxval"]) == ("RandomUniform", -0.1, 0.1)


@pytest.mark.slow
def test_without_graph_options_are_unknown_until_set(made, tmp_path, capsys):
    """--no-meta: forget_bias and the rest are listed unknown and the scenario is refused; given with --set
    they are recorded with source 'set' and the scenario is written."""
    prefix = made["lstm-proj-peep"]
    toml_out = tmp_path / "model.toml"
    assert main(["inspect", prefix, "--no-meta", "--scenarios-out", str(toml_out)]) == 2
    captured = capsys.readouterr()
    assert "unknown: activation, forget_bias, cell_clip" in captured.out
    assert captured.err.strip().startswith("error: no network can be rebuilt as a scenario")
    sets = [
        "--set",
        "encoder/rnn.forget_bias=0.5",
        "--set",
        "encoder/rnn.activation=tanh",
        "--set",
        "encoder/rnn.cell_clip=none",
    ]
    assert main(["inspect", prefix, "--no-meta", "--scenarios-out", str(toml_out)] + sets) == 0
    assert "forget_bias=0.5 (set)" in capsys.readouterr().out
    (scenario,) = load_scenarios(toml_out)
    assert scenario.tf1.cell_kwargs["forget_bias"] == 0.5 and scenario.tf1.scope_initializer is None


@pytest.mark.slow
def test_bad_input_is_one_line_exit_2(made, capsys):
    """The .meta of another checkpoint, a checkpoint without RNN, a --set naming no network: each one line."""
    checks = [
        (["inspect", made["lstm-proj-peep"], "--meta", made["cudnn-gru"] + ".meta"], "belongs to another checkpoint"),
        (["inspect", made["plain"]], "no recurrent network in "),
        (["inspect", made["cudnn-gru"], "--set", "nothing.forget_bias=1"], "no network 'nothing'"),
    ]
    for argv, cause in checks:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("error: ") and cause in err[0], err


def test_apply_sets_refuses_an_option_the_network_lacks():
    """--set of an option the cell has not: refused with the options it has."""
    from compare.errors import UserError

    network = inventory.Network("rnn", "tf1_gru", "GRUCell", ("GRUCell",), 1, ("fw",), 4, 5, missing=("activation",))
    found = inventory.Inventory("ckpt", "1.15.5", None, (network,))
    assert apply_sets(found, ["rnn.activation=tanh"]).network("rnn").option("activation") == "tanh"
    with pytest.raises(UserError, match="has no option 'forget_bias'"):
        apply_sets(found, ["rnn.forget_bias=1.0"])
