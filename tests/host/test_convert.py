"""``rnncompare convert`` end to end in the real envs: one tf115 checkpoint converted for every Keras env.

``tests/helpers/trained_model.py`` trains and saves a checkpoint in tf115 (13 networks: GRUCell, LSTMCell,
BasicLSTMCell, LSTMBlockCell, LSTMBlockFusedCell, GRUBlockCellV2, both cuDNN-compatible cells, uni/bi,
1-3 layers; LSTMCell with num_proj and with peepholes), and its inventory. What this proves, per Keras
env: every exact network's Keras layer, loaded from the written folder in a fresh process of that env,
computes the TF1 network's outputs on padded variable-length batches (valid steps and every final state,
both directions) within 1e-5, the two others are refused with compare.core.port's reason (exit code 1), and
``keras_model.py`` loads and reproduces the TF1 outputs with TensorFlow alone (no rnncompare module on the
path or loaded).
"""

import ast
import dataclasses
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from compare.core import families, inventory
from compare.core import keras_plan as convert
from compare.errors import UserError
from compare.host import runner
from compare.host.checkpoint import convert as conversion
from compare.host.checkpoint import keras_source
from compare.host.envs import run_module as envrun

EXACT = 11
REFUSED = {"lstm_proj/rnn": "num_proj", "lstm_peep/bidirectional_rnn": "peepholes"}

# Run in the converted folder by the env's own Python, nothing of rnncompare on the path: load every layer,
# run it on the proof's batches with the mask, compare with the TF1 outputs kept beside it.
STANDALONE = """
import json, sys
import numpy as np
import tensorflow as tf
import keras_model
batches = np.load("proof_batches.npz")
worst = {}
for name in keras_model.RNNS:
    layer = keras_model.load(name)
    for key in sorted(k for k in batches.files if k.startswith(name + "/") and k.endswith("/inputs")):
        base = key[:-len("inputs")]
        x, lengths = batches[key], batches[base + "lengths"]
        out = tf.nest.flatten(layer(tf.constant(x), mask=tf.sequence_mask(lengths, x.shape[1])))
        valid = np.arange(x.shape[1])[None, :, None] < lengths[:, None, None]
        diff = np.where(valid, np.abs(np.asarray(out[0]) - batches[base + "tf1/output"]), 0)
        worst[name] = max(worst.get(name, 0.0), float(diff.max()))
print(json.dumps({"worst": worst, "rnncompare_loaded": sorted(
    m for m in sys.modules if m.split(".")[0] in ("compare", "backends"))}))
"""


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ckpt")
    run = envrun.run_module("tf115", "tests.helpers.trained_model", [folder])
    assert run.returncode == 0, run.stderr[-2000:]
    return inventory.from_dict(json.loads((folder / "inventory.json").read_text(encoding="utf-8")))


@pytest.mark.slow
@pytest.mark.parametrize("env", conversion.KERAS_ENVS)
def test_convert_proves_every_exact_network_in_each_keras_env(checkpoint, env, tmp_path, capsys):
    out = tmp_path / "keras"
    result = conversion.convert_inventory(checkpoint, env, out)
    proof = json.loads((out / "proof.json").read_text(encoding="utf-8"))
    with capsys.disabled():
        print(
            "\nconvert {} ({} {}): ".format(env, proof["keras"]["flavor"], proof["keras"]["version"])
            + ", ".join(
                "{} {:.1e}".format(n.name.split("/")[0], n.max_abs_diff)
                for n in result.networks
                if n.status != "refused"
            )
        )
        print("masked steps: " + json.dumps({n: m["masked_steps"]["batch1"] for n, m in proof["networks"].items()}))
    statuses = {n.name: n.status for n in result.networks}
    assert sorted(statuses.values()).count("proven") == EXACT, statuses
    assert {n.name: n.reason for n in result.networks if n.status == "refused"}.keys() == REFUSED.keys()
    for network in result.networks:
        if network.status == "refused":
            assert REFUSED[network.name] in network.reason
        else:
            assert network.max_abs_diff <= 1e-5
    assert result.exit_code == 1  # two networks cannot be converted exactly
    for name, measured in proof["networks"].items():
        outputs = measured["outputs"]
        network = checkpoint.network(name)
        bidirectional = network.bidirectional
        # every final state of every layer and direction is compared, on both batches
        per_cell = 2 if "lstm" in network.family else 1
        assert len(outputs) == 2 * (1 + network.layers * per_cell * len(network.directions)), name
        assert any(k.startswith("batch1/state/bw") for k in outputs) == bidirectional
        assert all(o["pass"] and o["tf1"] == pytest.approx(o["keras"], abs=1e-5) for o in outputs.values())
    names = sorted(p.name for p in out.iterdir())
    suffix = ".weights.h5" if proof["keras"]["flavor"] == "keras3" else ".h5"
    assert names.count("keras_model.py") == 1 and len([n for n in names if n.endswith(suffix)]) == EXACT, names
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".convert-")]  # no temporary folder left

    environ = {k: v for k, v in runner.tox_environment().items() if k not in ("PYTHONPATH", "TF_USE_LEGACY_KERAS")}
    environ.update(CUDA_VISIBLE_DEVICES="-1", TF_CPP_MIN_LOG_LEVEL="2")
    if env == "tf221-legacy":
        environ["TF_USE_LEGACY_KERAS"] = "1"
    done = subprocess.run(
        [str(runner.env_setup().env_dir(env) / "bin" / "python"), "-c", STANDALONE],
        cwd=str(out),
        env=environ,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    standalone = json.loads(done.stdout.strip().splitlines()[-1])
    assert standalone["rnncompare_loaded"] == []
    assert len(standalone["worst"]) == EXACT
    assert max(standalone["worst"].values()) <= 1e-5, standalone


@pytest.mark.slow
def test_a_truncated_checkpoint_is_one_line_and_leaves_no_folder(checkpoint, tmp_path):
    """Bad input found inside tf115 (the data file cut in half) comes back as the env's own one-line
    refusal, and neither DIR nor the temporary folder beside it is left behind."""
    source = Path(checkpoint.checkpoint)
    for path in source.parent.glob(source.name + ".*"):
        shutil.copy(str(path), str(tmp_path))
    data = next(tmp_path.glob(source.name + ".data-*"))
    data.write_bytes(data.read_bytes()[: data.stat().st_size // 2])
    damaged = dataclasses.replace(checkpoint, checkpoint=str(tmp_path / source.name))
    with pytest.raises(UserError) as refused:
        conversion.convert_inventory(damaged, "tf215", tmp_path / "keras")
    line = refused.value.one_line()
    assert line.startswith(f"error: cannot read checkpoint {tmp_path / source.name}: "), line
    assert "\n" not in line and "(hint: give the prefix of a whole checkpoint" in line
    assert not (tmp_path / "keras").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".convert-")]


def test_convert_refuses_a_used_folder_and_a_non_keras_env_before_any_work(tmp_path):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "file").write_text("x", encoding="utf-8")
    empty = inventory.Inventory("ckpt", "1.15.5", None)
    with pytest.raises(UserError, match="already exists"):
        conversion.convert_inventory(empty, "tf215", tmp_path / "used")
    with pytest.raises(UserError, match="not a Keras env"):
        conversion.convert_inventory(empty, "tf115", tmp_path / "new")
    with pytest.raises(UserError, match="no recurrent network"):
        conversion.convert_inventory(empty, "tf215", tmp_path / "new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["used"]
    assert os.listdir(str(tmp_path / "used")) == ["file"]


def _network(cell_class, options, layers=2, directions=("fw", "bw"), num_proj=None):
    family = families.of_class(cell_class, "tf1").name
    return inventory.Network(
        "enc/bidirectional_rnn",
        family,
        cell_class,
        (cell_class,),
        layers,
        directions,
        3,
        2,
        num_proj,
        False,
        tuple(sorted(options.items())),
    )


def test_the_plan_names_the_keras_layer_its_weight_order_and_states():
    plan = convert.plan(_network("LSTMCell", {"forget_bias": 1.0, "activation": "tanh"}))
    spec = plan.keras
    assert (plan.refused, spec.wrapper, spec.cell_kwargs()) == (
        "",
        "Bidirectional(RNN(StackedRNNCells))",
        {
            "units": 3,
            "activation": "tanh",
            "recurrent_activation": "sigmoid",
            "use_bias": True,
            "unit_forget_bias": False,
        },
    )
    assert spec.weight_order()[:4] == [
        (0, "fw", "kernel"),
        (0, "fw", "recurrent_kernel"),
        (0, "fw", "bias"),
        (1, "fw", "kernel"),
    ]
    assert spec.weight_order()[6] == (0, "bw", "kernel")
    assert spec.state_names()[:3] == ["state/fw/l0/h", "state/fw/l0/c", "state/fw/l1/h"]
    gru = convert.plan(_network("CudnnCompatibleGRUCell", {}, layers=1, directions=("fw",))).keras
    assert (gru.wrapper, gru.cell_kwargs()["reset_after"], gru.state_names()) == ("GRU", True, ["state/fw/l0/h"])


def test_the_plan_refuses_what_no_keras_layer_computes_or_nobody_recorded():
    unknown = convert.plan(_network("LSTMCell", {"activation": "tanh"}))  # forget_bias not recorded
    assert unknown.keras is None
    assert unknown.refused == "option forget_bias unknown: give it with --set enc/bidirectional_rnn.forget_bias=VALUE"
    clipped = convert.plan(_network("LSTMCell", {"forget_bias": 1.0, "cell_clip": 3.0}))
    assert clipped.refused == "cell_clip clips the LSTM cell state; Keras LSTM has no such option"
    projected = convert.plan(_network("LSTMCell", {"forget_bias": 1.0}, num_proj=2))
    assert projected.refused == "num_proj projects the LSTM output to 2 units; Keras LSTM has no projection"


def test_the_generated_file_is_python_that_imports_tensorflow_only():
    spec = convert.plan(_network("GRUCell", {})).keras
    text = keras_source.render(
        {
            "enc/bidirectional_rnn": {
                "stem": "enc_bidirectional_rnn",
                "keras": dict(spec.to_dict(), cell_kwargs=spec.cell_kwargs()),
            }
        },
        "model.ckpt-3",
        "1.15.5",
        "tf221",
    )
    tree = ast.parse(text)
    imported = {a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
    assert imported == {"os", "tensorflow"} and not [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert {f.name for f in tree.body if isinstance(f, ast.FunctionDef)} == {"weights_file", "build", "load"}


def test_exit_code_is_0_only_when_every_network_is_proven(tmp_path):
    proven = conversion.Converted("a", "proven", 1e-7)
    assert conversion.Conversion(tmp_path, (proven,)).exit_code == 0
    assert conversion.Conversion(tmp_path, (proven, conversion.Converted("b", "refused", reason="x"))).exit_code == 1
    assert conversion.Conversion(tmp_path, (proven, conversion.Converted("c", "failed", 2e-3))).exit_code == 1
    assert conversion.Conversion(tmp_path, ()).exit_code == 1


@pytest.mark.slow
def test_a_tf11_checkpoint_with_pre_1_2_names_is_found_and_proven(tmp_path):
    """TensorFlow 1.1 names the variables `weights` / `biases`: inspect finds the 3-layer BasicLSTMCell with
    the forget_bias the test gave, and its Keras layer in tf221 computes what the TF1 network computes. The
    relu GRU beside it is refused with the reason, not converted into something else."""
    from compare.host.checkpoint.inspect import inspect_checkpoint
    from tests.helpers.checkpoints import CASES

    case = {c.name: c for c in CASES}["basic-lstm-3"]
    run = envrun.run_module("tf11", "tests.helpers.checkpoints", [tmp_path / "made", case.name, "gru-bi2-relu"])
    assert run.returncode == 0, run.stderr[-2000:]
    made = json.loads((tmp_path / "made" / "made.json").read_text(encoding="utf-8"))
    (found,) = inspect_checkpoint(made[case.name]).networks
    assert (found.cell_class, found.layers, found.option("forget_bias")) == (
        "BasicLSTMCell",
        3,
        case.kwargs["forget_bias"],
    )
    assert sorted({v.name.rsplit("/", 1)[1] for v in found.variables}) == ["biases", "weights"]
    lstm = conversion.convert(made[case.name], "tf221", tmp_path / "lstm")
    (network,) = lstm.networks
    assert (network.status, lstm.exit_code) == ("proven", 0) and network.max_abs_diff <= 1e-5
    gru = conversion.convert(made["gru-bi2-relu"], "tf221", tmp_path / "gru")
    (refused,) = gru.networks
    assert (refused.status, gru.exit_code) == ("refused", 1) and "relu" in refused.reason
