"""``rnncompare convert``'s TF1 side in real TensorFlow 1.15: a trained checkpoint restored and run.

``tests/helpers/trained_model.py`` trains a small model (an embedding, a dense head, 13 recurrent networks of every
family that TF 1.15 builds on a CPU, uni/bi, 1-3 layers) for a few Adam steps and saves it; then
``backends.checkpoint.restore_tf1`` reads each network's variables with TensorFlow's checkpoint reader, rebuilds it,
runs it with ``sequence_length`` and ports its weights. What these tests prove: the rebuilt networks compute,
from the checkpoint's values, exactly what numpy computes on the canonical blocks of those values
(``tests/helpers/reference_rnn.py``, each sequence cut to its length: the backward direction starts at the last valid
step), TF1 gives zeros at padded steps, the final states are the last valid outputs, and the networks that no
Keras layer can compute (``num_proj``, peepholes) are refused with the reason.
"""

import glob
import json
import os
import shutil
from dataclasses import replace

import numpy as np
import pytest

from backends import tfenv
from backends.checkpoint import restore_tf1 as convert_tf1
from compare.core import families, layout
from compare.core import keras_plan as convert
from compare.core.weights import Weight
from tests.helpers import reference_rnn, trained_model

TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def converted(env_name, tmp_path_factory):
    if env_name != "tf115":
        pytest.skip("the checkpoint's contrib and cuDNN-compatible cells are built in TF 1.15 only")
    folder = tmp_path_factory.mktemp("checkpoint")
    inventory = trained_model.write(str(folder))
    (folder / "inventory.json").write_text(json.dumps(inventory.to_dict()), encoding="utf-8")
    code = convert_tf1.main(
        [
            "--inventory",
            str(folder / "inventory.json"),
            "--staging",
            str(folder / "staging.npz"),
            "--plan",
            str(folder / "plan.json"),
        ]
    )
    assert code == 0
    plan = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    return inventory, {r["name"]: r for r in plan["networks"]}, np.load(str(folder / "staging.npz"))


def test_every_family_is_planned_as_the_keras_layer_that_computes_it(converted):
    inventory, plan, _ = converted
    wrappers = {
        name.split("/")[0]: (r["keras"]["wrapper"], r["keras"]["reset_after"]) if r["keras"] else r["refused"]
        for name, r in plan.items()
    }
    assert wrappers == {
        "gru_uni1": ("GRU", False),
        "gru_uni3": ("RNN(StackedRNNCells)", False),
        "gru_bi2": ("Bidirectional(RNN(StackedRNNCells))", False),
        "lstm_uni1": ("LSTM", False),
        "lstm_bi3": ("Bidirectional(RNN(StackedRNNCells))", False),
        "basic_lstm_bi2": ("Bidirectional(RNN(StackedRNNCells))", False),
        "lstm_block_bi2": ("Bidirectional(RNN(StackedRNNCells))", False),
        "gru_block_uni2": ("RNN(StackedRNNCells)", False),
        "cudnn_gru_bi2": ("Bidirectional(RNN(StackedRNNCells))", True),  # r * (h U + b'): reset after
        "cudnn_lstm_uni2": ("RNN(StackedRNNCells)", False),
        "lstm_fused_bi2": ("Bidirectional(RNN(StackedRNNCells))", False),
        "lstm_proj": "num_proj projects the LSTM output to 3 units; Keras LSTM has no projection",
        "lstm_peep": "peepholes (use_peepholes) feed the cell state into the gates; Keras LSTM has none",
    }
    assert all(r["cell_kwargs"]["recurrent_activation"] == "sigmoid" for r in plan.values() if r["keras"])


def test_the_checkpoint_is_trained_with_slots_and_non_rnn_variables(converted):
    inventory, _, _ = converted
    tf = tfenv.tensorflow()
    reader = tfenv.v1(tf).train.NewCheckpointReader(inventory.checkpoint)
    names = set(reader.get_variable_to_shape_map())
    owned = {v.name for n in inventory.networks for v in n.variables}
    assert {"embedding", "head/dense/kernel", "global_step"} <= names - owned
    for network in inventory.networks:
        for variable in network.variables:
            assert set(variable.slots) <= names
            # Adam's second moment is nonzero once a step has seen a gradient
            assert np.abs(reader.get_tensor(variable.slots[1])).max() > 0, variable.name
    assert int(reader.get_tensor("global_step")) == 3


def _blocks(network, reader):
    weights = [Weight(v.name, v.layer, v.direction, v.param, reader.get_tensor(v.name)) for v in network.variables]
    return {k: b.value for k, b in layout.split(network.family, weights, network.units).items()}


def test_the_restored_networks_compute_the_checkpoint_values_with_sequence_lengths(converted, capsys):
    inventory, plan, staged = converted
    reader = tfenv.v1(tfenv.tensorflow()).train.NewCheckpointReader(inventory.checkpoint)
    worst = {}
    for index, network in enumerate(inventory.networks):
        record = plan[network.name]
        if record["keras"] is None:
            continue
        computes = convert.source_computation(network)
        blocks = _blocks(network, reader)
        half = network.units
        for b in range(len(convert.BATCH_LENGTHS)):
            key = f"net{index}/batch{b}/"
            inputs, lengths, output = staged[key + "inputs"], staged[key + "lengths"], staged[key + "tf1/output"]
            for row, length in enumerate(lengths):
                expected = reference_rnn.forward(
                    families.get(network.family).cell,
                    blocks,
                    inputs[row : row + 1, :length],
                    network.units,
                    network.layers,
                    network.directions,
                    reset_after=bool(computes.get("reset_after")),
                    forget_bias=computes.get("forget_bias") or 0.0,
                )[0]
                np.testing.assert_allclose(output[row, :length], expected, rtol=0, atol=TOLERANCE)
                worst[network.name] = max(
                    worst.get(network.name, 0.0), float(np.abs(output[row, :length] - expected).max())
                )
                assert np.all(output[row, length:] == 0)  # TF1's dynamic_rnn: zeros past the length
                last = network.layers - 1
                np.testing.assert_array_equal(
                    staged[key + f"tf1/state/fw/l{last}/h"][row], output[row, length - 1, :half]
                )
                if network.bidirectional:  # the backward direction ends at step 0
                    np.testing.assert_array_equal(staged[key + f"tf1/state/bw/l{last}/h"][row], output[row, 0, half:])
    with capsys.disabled():
        print(
            "\nrestored TF1 vs numpy on the checkpoint's blocks, valid steps: "
            + ", ".join("{} {:.1e}".format(n.split("/")[0], w) for n, w in sorted(worst.items()))
        )
    assert len(worst) == len(trained_model.EXACT)


def _refusal(inventory, tmp_path, capsys):
    (tmp_path / "inventory.json").write_text(json.dumps(inventory.to_dict()), encoding="utf-8")
    code = convert_tf1.main(
        [
            "--inventory",
            str(tmp_path / "inventory.json"),
            "--staging",
            str(tmp_path / "s.npz"),
            "--plan",
            str(tmp_path / "p.json"),
        ]
    )
    lines = capsys.readouterr().err.strip().splitlines()
    assert not (tmp_path / "s.npz").exists() and not (tmp_path / "p.json").exists()  # nothing half written
    return code, lines


def test_a_missing_truncated_or_foreign_checkpoint_is_one_line_and_exit_2(converted, tmp_path, capsys):
    inventory, _, _ = converted
    source = inventory.checkpoint
    code, lines = _refusal(replace(inventory, checkpoint=str(tmp_path / "absent.ckpt-3")), tmp_path, capsys)
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: cannot read checkpoint "), lines
    for path in glob.glob(source + ".*"):
        shutil.copy(path, str(tmp_path))
    copy = str(tmp_path / os.path.basename(source))
    data = glob.glob(copy + ".data-*")[0]
    with open(data, "r+b") as handle:
        handle.truncate(os.path.getsize(data) // 2)
    code, lines = _refusal(replace(inventory, checkpoint=copy), tmp_path, capsys)
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: cannot read checkpoint " + copy), lines
    renamed = replace(
        inventory.networks[0],
        variables=tuple(replace(v, name="other/" + v.name) for v in inventory.networks[0].variables),
    )
    code, lines = _refusal(replace(inventory, networks=(renamed,)), tmp_path, capsys)
    assert code == 2 and lines == [
        f"error: checkpoint {source} has no variable other/{inventory.networks[0].variables[0].name} (hint: the inventory was made of "
        "another checkpoint: run inspect again)"
    ]
