"""``rnncompare migrate`` end to end: a checkpoint written by real TensorFlow 1.15 (``tests/helpers/checkpoints.py``)
becomes the scenarios of its networks run in tf115, Keras layers proven in tf221, and one report with a
section per network. Expected values are what the checkpoint was built with, never measured numbers.
"""

import json

import pytest

from compare.host.cli import main
from compare.host.envs import run_module as envrun
from compare.host.report.markdown import escape
from tests.helpers.checkpoints import CASES

CASE = {c.name: c for c in CASES}["lstm-block-bi"]  # LSTMBlockCell, forget_bias 0.25, bidirectional, orthogonal(2)


def test_an_out_folder_holding_files_is_refused_before_anything_runs(tmp_path, capsys):
    """A checkpoint is there, but --out holds the user's files: one line, exit 2, nothing touched."""
    (tmp_path / "model.ckpt.index").write_bytes(b"")
    out = tmp_path / "out"
    out.mkdir()
    (out / "kept.txt").write_text("mine")
    assert main(["migrate", str(tmp_path / "model.ckpt"), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: --out {out} already exists")
    assert sorted(p.name for p in out.iterdir()) == ["kept.txt"]


def test_a_missing_checkpoint_is_refused_before_anything_runs(tmp_path, capsys):
    assert main(["migrate", str(tmp_path / "model.ckpt-9"), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: no checkpoint at ")
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_migrate_writes_scenarios_artifacts_proven_keras_layers_and_one_report(tmp_path, capsys):
    """The network is found with its class and forget_bias from the graph, its orthogonal(gain=2) kernels
    are recovered and rebuilt as a scenario that tf115 runs, the Keras layers converted for tf221 are proven
    within 1e-5, and report.md / report.json carry the network's section next to its scenario."""
    envrun.run_module("tf115", "tests.helpers.checkpoints", [str(tmp_path / "made"), CASE.name])
    prefix = json.loads((tmp_path / "made" / "made.json").read_text())[CASE.name]
    out = tmp_path / "migration"
    code = main(["migrate", prefix, "--out", str(out), "--envs", "tf115", "--keras-envs", "tf221", "--seeds", "2"])
    printed = capsys.readouterr().out
    assert code == 0, printed
    found = json.loads((out / "inventory.json").read_text())
    (network,) = found["networks"]
    assert (network["cell_class"], network["options"]["forget_bias"]) == ("LSTMBlockCell", 0.25)
    assert (out / "artifacts" / "tf115.json").exists() and (out / "keras" / "tf221" / "keras_model.py").exists()
    proof = json.loads((out / "keras" / "tf221" / "proof.json").read_text())
    assert [(s["name"], s["status"]) for s in proof["summary"]] == [(network["name"], "proven")]
    report = json.loads((out / "report.json").read_text())
    (section,) = report["networks"]
    assert section["name"] == network["name"] and section["cell"] == "LSTMBlockCell (tf1_lstm_block)"
    assert ["kernel", "orthogonal(gain=2.0)"] in section["initialization"]
    assert [(p["env"], p["status"]) for p in section["proofs"]] == [("tf221", "proven")]
    assert [s["name"] for s in report["scenarios"]] == [section["scenario"]]
    markdown = (out / "report.md").read_text()
    assert "## Network " + escape(network["name"]) in markdown
    assert "| tf221 | proven: max \\|diff\\| " in markdown


def test_a_keras_env_whose_conversion_failed_is_a_proof_not_run_pointing_at_its_message():
    """One env's failed conversion does not hide the others: each network gets a proof per Keras env, the
    failed env's saying where its message is, and the migration's exit code is 1."""
    from pathlib import Path

    from compare.core.inventory import Inventory, Network
    from compare.host.checkpoint import migrate
    from compare.host.checkpoint.convert import Conversion, Converted
    from compare.host.report.networks import Proof

    found = Inventory(
        "model.ckpt", "1.15.5", None, (Network("rnn", "tf1_gru", "GRUCell", ("GRUCell",), 1, ("fw",), 4, 3),)
    )
    proofs = migrate._proofs(
        found, {"tf215": Conversion(Path("x"), (Converted("rnn", "proven", 1e-7),)), "tf221": None}
    )
    assert proofs == {
        "rnn": [
            Proof("tf215", "proven", 1e-7, "", "keras/tf215"),
            Proof("tf221", "not run", None, "the conversion failed: see keras/tf221.error.txt"),
        ]
    }
    done = migrate.Migration(Path("out"), found, [], {}, proofs, {})
    assert done.exit_code == 1


@pytest.mark.slow
def test_an_interrupted_migrate_leaves_no_out_folder_and_no_build_folder(tmp_path, capsys, monkeypatch):
    """Ctrl-C after inspect, while the envs run: exit 130 with one line, OUT is not created and the folder
    migrate built in beside it is gone, so the same command can run again as it is."""
    from compare.host import runner

    envrun.run_module("tf115", "tests.helpers.checkpoints", [str(tmp_path / "made"), CASE.name])
    prefix = json.loads((tmp_path / "made" / "made.json").read_text())[CASE.name]

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "run_matrix", interrupted)
    out = tmp_path / "migration"
    assert main(["migrate", prefix, "--out", str(out), "--envs", "tf115", "--keras-envs", "tf221"]) == 130
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith("error: interrupted")
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["made"]
