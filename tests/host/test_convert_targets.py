"""``rnncompare convert`` beyond Keras on TensorFlow: Keras 3 on JAX and on torch, PyTorch's and Flax's modules.

One small tf115 checkpoint (``tests/helpers/trained_model.py``, trained 3 Adam steps): a bidirectional
3-layer ``LSTMCell`` (forget_bias 1.0), a ``GRUCell`` and a bidirectional 2-layer ``CudnnCompatibleGRUCell``.
What the slow test proves, per target: every network the target can hold, loaded from the written folder in
a fresh process of its env, computes the TF1 network's outputs on padded variable-length batches (valid
steps and every final state, both directions) within 1e-5; the generated model file imports the target's
framework (``keras``, not TensorFlow; ``torch``; ``flax``) and, run by the env's Python with nothing of
rnncompare on the path, reproduces the TF1 outputs kept in ``proof_batches.npz``; for PyTorch and Flax the
``GRUCell`` is refused, saying why (it resets before the recurrent matmul, ``nn.GRU`` / Flax's ``GRUCell``
after).
"""

import ast
import json
import subprocess

import pytest

from compare.core import families, inventory, module_plan
from compare.core.assemble import RESET_AFTER_REASON
from compare.errors import UserError
from compare.host import runner
from compare.host.checkpoint import convert as conversion
from compare.host.checkpoint import flax_source, keras_source, torch_source
from compare.host.envs import run_module as envrun

NETWORKS = ("lstm_bi3", "gru_uni1", "cudnn_gru_bi2")
TARGETS = [("k3-jax", "keras"), ("k3-torch", "keras"), ("k3-torch", "torch"), ("k3-jax", "flax")]

# Run in the converted folder by the env's own Python, nothing of rnncompare on the path: load every network,
# run it on the proof's batches (Keras: with the mask; PyTorch, Flax: with the lengths), compare with the TF1
# outputs kept beside it at the valid steps.
STANDALONE = """
import json, sys
import numpy as np
batches = np.load("proof_batches.npz")
if sys.argv[1] == "torch":
    import torch, torch_model as model
    backend = "torch " + torch.__version__
    def run(net, x, lengths):
        with torch.no_grad():
            return net(torch.from_numpy(x), torch.from_numpy(lengths))[0].numpy()
elif sys.argv[1] == "flax":
    import jax, flax_model as model
    backend = "jax " + jax.__version__
    def run(net, x, lengths):
        module, variables = net
        return np.asarray(module.apply(variables, x, lengths)[0])
else:
    import keras, keras_model as model
    backend = keras.backend.backend()
    def run(net, x, lengths):
        mask = np.arange(x.shape[1])[None, :] < lengths[:, None]
        return keras.ops.convert_to_numpy(net(x, mask=mask)[0])
worst = {}
for name in model.RNNS:
    net = model.load(name)
    for key in sorted(k for k in batches.files if k.startswith(name + "/") and k.endswith("/inputs")):
        base = key[:-len("inputs")]
        x, lengths = batches[key], batches[base + "lengths"]
        valid = np.arange(x.shape[1])[None, :, None] < lengths[:, None, None]
        diff = np.where(valid, np.abs(run(net, x, lengths) - batches[base + "tf1/output"]), 0)
        worst[name] = max(worst.get(name, 0.0), float(diff.max()))
print(json.dumps({"worst": worst, "backend": backend, "tensorflow_loaded": "tensorflow" in sys.modules,
                  "rnncompare_loaded": sorted(m for m in sys.modules if m.split(".")[0] in ("compare", "backends"))}))
"""


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ckpt")
    run = envrun.run_module("tf115", "tests.helpers.trained_model", [folder, *NETWORKS])
    assert run.returncode == 0, run.stderr[-2000:]
    return inventory.from_dict(json.loads((folder / "inventory.json").read_text(encoding="utf-8")))


def _standalone(env, to, folder):
    environ = {k: v for k, v in runner.tox_environment().items() if k != "PYTHONPATH"}
    environ.update(CUDA_VISIBLE_DEVICES="-1", KERAS_BACKEND=env.split("-")[1], JAX_PLATFORMS="cpu")
    done = subprocess.run(
        [str(runner.env_setup().env_dir(env) / "bin" / "python"), "-c", STANDALONE, to],
        cwd=str(folder),
        env=environ,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("env, to", TARGETS)
def test_a_tf1_checkpoint_converts_to_keras3_on_jax_and_torch_and_to_pytorch_proven(
    checkpoint, env, to, tmp_path, capsys
):
    out = tmp_path / "out"
    result = conversion.convert_inventory(checkpoint, env, out, to)
    proof = json.loads((out / "proof.json").read_text(encoding="utf-8"))
    with capsys.disabled():
        print(
            f"\nconvert --env {env} --to {to}: "
            + ", ".join(
                f"{n.name.split('/')[0]} {n.max_abs_diff:.1e}" for n in result.networks if n.status != "refused"
            )
        )
    statuses = {n.name.split("/")[0]: n.status for n in result.networks}
    refused = {"gru_uni1": "refused"} if to != "keras" else {}
    assert statuses == dict({name: "proven" for name in NETWORKS}, **refused)
    assert result.exit_code == (1 if refused else 0)
    if refused:
        (gru,) = [n for n in result.networks if n.status == "refused"]
        assert gru.reason == module_plan.gru_reason(to) and RESET_AFTER_REASON in gru.reason
        assert proof["refused"] == {gru.name: gru.reason}
    assert all(n.max_abs_diff <= 1e-5 for n in result.networks if n.status == "proven")
    if to == "keras":  # Keras 3 without TensorFlow, on the env's backend
        assert proof["tensorflow"] is None and proof["keras"]["backend"] == env.split("-")[1]
        assert proof["keras"]["version"].startswith("3.")
    else:
        assert "keras" not in proof
    for name, measured in proof["networks"].items():
        network = checkpoint.network(name)
        per_cell = 2 if "lstm" in network.family else 1
        # every final state of every layer and direction is compared, on both batches
        assert len(measured["outputs"]) == 2 * (1 + network.layers * per_cell * len(network.directions)), name
        assert all(o["pass"] for o in measured["outputs"].values())
    tree = ast.parse((out / f"{to}_model.py").read_text(encoding="utf-8"))
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert imported == {"os", to} | ({"jax"} if to == "flax" else set())
    suffix = {"torch": ".pt", "flax": ".msgpack", "keras": ".weights.h5"}[to]
    assert len([p for p in out.iterdir() if p.name.endswith(suffix)]) == len(NETWORKS) - len(refused)

    standalone = _standalone(env, to, out)
    assert standalone["rnncompare_loaded"] == [] and not standalone["tensorflow_loaded"]
    library = env.split("-")[1]  # jax or torch
    assert standalone["backend"] == (library if to == "keras" else f"{library} {proof[library]}")
    assert len(standalone["worst"]) == len(NETWORKS) - len(refused)
    assert max(standalone["worst"].values()) <= 1e-5, standalone


def _network(cell_class, options, layers=2, directions=("fw", "bw"), num_proj=None, peepholes=False):
    return inventory.Network(
        "enc/bidirectional_rnn",
        families.of_class(cell_class, "tf1").name,
        cell_class,
        (cell_class,),
        layers,
        directions,
        3,
        2,
        num_proj,
        peepholes,
        tuple(sorted(options.items())),
    )


def test_the_module_plan_names_one_stack_per_direction_and_its_parameter_keys():
    spec = module_plan.plan(_network("LSTMCell", {"forget_bias": 1.0, "activation": "tanh"}), "torch").spec
    assert spec.to_dict() == {
        "framework": "torch",
        "cell": "lstm",
        "units": 3,
        "input_size": 2,
        "layers": 2,
        "directions": ["fw", "bw"],
        "module": "nn.LSTM",
    }
    assert spec.key(1, "bw", "bias_ih") == "directions.bw.bias_ih_l1"
    assert spec.state_names()[:3] == ["state/fw/l0/h", "state/fw/l0/c", "state/fw/l1/h"]
    cudnn = module_plan.plan(_network("CudnnCompatibleGRUCell", {}, layers=1, directions=("fw",)), "torch").spec
    assert (cudnn.module, cudnn.state_names()) == ("nn.GRU", ["state/fw/l0/h"])
    flax = module_plan.plan(_network("LSTMCell", {"forget_bias": 1.0, "activation": "tanh"}), "flax").spec
    assert (flax.module, flax.key(1, "bw", "hf/bias")) == ("nn.LSTMCell", "bw/l1/cell/hf/bias")


def test_the_module_plan_refuses_what_no_pytorch_or_flax_module_computes():
    gru = _network("GRUCell", {"activation": "tanh"})
    assert module_plan.plan(gru, "torch").refused == module_plan.gru_reason("torch")
    assert module_plan.plan(gru, "flax").refused.startswith(
        "Flax's GRUCell cannot compute TF1's GRUCell: a reset_after"
    )
    assert module_plan.plan(_network("GRUBlockCellV2", {}), "torch").refused == module_plan.gru_reason("torch")
    peep = module_plan.plan(_network("LSTMCell", {"forget_bias": 1.0, "activation": "tanh"}, peepholes=True), "torch")
    assert peep.spec is None and "peepholes" in peep.refused
    clipped = _network("LSTMCell", {"forget_bias": 1.0, "activation": "tanh", "cell_clip": 3.0})
    assert module_plan.plan(clipped, "torch").refused == (
        "cell_clip clips the LSTM cell state; PyTorch's nn.LSTM has no such option"
    )
    unknown = module_plan.plan(_network("LSTMCell", {"activation": "tanh"}), "flax")
    assert unknown.refused.startswith("option forget_bias unknown: give it with --set")


def test_convert_refuses_a_torch_target_outside_k3_torch_before_any_work(tmp_path):
    empty = inventory.Inventory("ckpt", "1.15.5", None)
    with pytest.raises(UserError, match="--to torch is written in env k3-torch, not tf221") as refused:
        conversion.convert_inventory(empty, "tf221", tmp_path / "new", "torch")
    assert "(hint: use --env k3-torch)" in refused.value.one_line()
    with pytest.raises(UserError, match="--to flax is written in env k3-jax, not k3-torch"):
        conversion.convert_inventory(empty, "k3-torch", tmp_path / "new", "flax")
    with pytest.raises(UserError, match="no conversion target"):
        conversion.convert_inventory(empty, "k3-torch", tmp_path / "new", "onnx")
    assert list(tmp_path.iterdir()) == []


def test_the_generated_files_import_their_framework_only():
    spec = module_plan.plan(_network("LSTMCell", {"forget_bias": 1.0, "activation": "tanh"}), "torch").spec
    rnns = {"enc/bidirectional_rnn": {"stem": "enc_bidirectional_rnn", "torch": spec.to_dict()}}
    tree = ast.parse(torch_source.render(rnns, "model.ckpt-3", "1.15.5", "k3-torch"))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert imported == {"os", "torch", "torch.nn.utils.rnn"}
    assert {f.name for f in tree.body if isinstance(f, ast.FunctionDef)} >= {"weights_file", "build", "load"}
    flax_rnns = {
        "enc/bidirectional_rnn": {"stem": "enc_bidirectional_rnn", "flax": dict(spec.to_dict(), framework="flax")}
    }
    flax_tree = ast.parse(flax_source.render(flax_rnns, "model.ckpt-3", "1.15.5", "k3-jax"))
    flax_imported = {a.name for n in ast.walk(flax_tree) if isinstance(n, ast.Import) for a in n.names}
    assert flax_imported | {n.module for n in ast.walk(flax_tree) if isinstance(n, ast.ImportFrom)} == {
        "os",
        "flax.linen",
        "jax.numpy",
        "flax",
    }
    keras_tree = ast.parse(keras_source.render({}, "model.ckpt-3", "1.15.5", "k3-jax", standalone=True))
    assert {a.name for n in ast.walk(keras_tree) if isinstance(n, ast.Import) for a in n.names} == {"os", "keras"}
