"""Findings whose other side is a PyTorch module: fixes said in PyTorch's terms, never a Keras argument, and
said per framework when one cause spans a Keras layer and a PyTorch module."""

import numpy as np

from compare.host.diff import Reason, Row, Side
from compare.host.findings import findings_for
from tests.helpers.builders import block, document, route, scenario, typed

GRU = ("update", "reset", "candidate")
SPEC = {"name": "s", "cell": "gru", "units": 2, "input_dim": 3, "layers": 1, "bidirectional": False}


def artifacts():
    """tf115 with a TF1 GRUCell (gate biases 1) and a Keras GRU, k3-torch with nn.GRU (biases 0), 2 units."""
    seeds, units = 3, 2
    values = {"tf1": (1.0, 1.0, 0.0), "keras": (0.0, 0.0, 0.0), "torch": (0.0, 0.0, 0.0)}
    families = {"tf1": "tf1_gru", "keras": "keras_gru", "torch": "torch_gru"}

    def one(name):
        blocks = {f"l0/fw/{g}/bias": block(np.full((seeds, units), v, np.float32)) for g, v in zip(GRU, values[name])}
        return route(families[name], blocks, {"cell": {"recurrent_activation": "sigmoid"}})

    return typed(
        {
            "tf115": document("tf115", {"s": scenario({n: one(n) for n in ("tf1", "keras")}, SPEC)}),
            "k3-torch": document("k3-torch", {"s": scenario({"torch": one("torch")}, SPEC)}),
        }
    )


def row(block_key, b, *reasons, verdict="differs"):
    env, name = b.split(":")
    return Row("s", block_key, Side("tf115", "tf1"), Side(env, name), verdict, list(reasons))


def bias_rows(b):
    return [
        row(f"l0/fw/{g}/bias", b, Reason("constant_mismatch", "bias", {"a": 1.0, "b": 0.0}))
        for g in ("update", "reset")
    ]


def test_a_start_that_differs_in_keras_and_pytorch_gets_each_framework_s_fix():
    """The gate biases start at 1 in TF1 and 0 in both: Keras gets its bias_initializer, PyTorch torch.nn.init
    after building (it has no initializer argument), each named with its side."""
    found = findings_for(bias_rows("tf115:keras") + bias_rows("k3-torch:torch"), artifacts())
    (bias,) = [f for f in found.findings if f.cause.startswith("constant")]
    torch, keras = bias.fix.split("; ")
    assert torch.startswith("PyTorch (k3-torch:torch): re-initialize the module's parameters with torch.nn.init")
    assert keras.startswith("Keras (tf115:keras): bias_initializer=tf.keras.initializers.Constant([1.0] * 4")


def test_options_pytorch_fixes_and_its_reset_scaled_bias_are_said_as_such():
    """reset_after: PyTorch takes no such argument and computes True; the candidate's recurrent bias, which
    only PyTorch stores, is that same cause (the reset gate scales it), not a finding of its own."""
    rows = [
        row(
            "config",
            "k3-torch:torch",
            Reason("config_mismatch", "reset", {"key": "reset_after", "a": False, "b": True}),
        ),
        row(
            "l0/fw/candidate/recurrent_bias",
            "k3-torch:torch",
            Reason("missing_block", "only b", {"present": "k3-torch:torch", "absent": "tf115:tf1"}),
            verdict="missing",
        ),
    ]
    (found,) = findings_for(rows, artifacts()).findings
    assert found.cause == "reset_after(False, True)" and len(found.rows) == 2
    assert found.fix == (
        "none in PyTorch: nn.GRU / nn.LSTM take no reset_after argument (they compute reset_after=True); "
        "rnncompare port says where weights still carry over (tf115:tf1 computes False)"
    )
