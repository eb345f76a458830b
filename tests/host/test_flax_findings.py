"""Findings whose other side is a Flax cell: fixes said in Flax's terms (its cells' init arguments; no
argument for a function option), never a Keras argument or the TF-version text."""

import numpy as np

from compare.host.diff import Reason, Row, Side
from compare.host.findings import findings_for
from tests.helpers.builders import block, document, route, scenario, typed

GRU = ("update", "reset", "candidate")
SPEC = {"name": "s", "cell": "gru", "units": 2, "input_dim": 3, "layers": 1, "bidirectional": False}


def artifacts():
    """tf115 with a TF1 GRUCell (gate biases 1), k3-jax with Flax's GRUCell (biases 0), 2 units."""
    seeds, units = 3, 2
    values = {"tf1": (1.0, 1.0, 0.0), "flax": (0.0, 0.0, 0.0)}
    families = {"tf1": "tf1_gru", "flax": "flax_gru"}

    def one(name):
        blocks = {f"l0/fw/{g}/bias": block(np.full((seeds, units), v, np.float32)) for g, v in zip(GRU, values[name])}
        return route(families[name], blocks, {"cell": {}})

    return typed(
        {
            "tf115": document("tf115", {"s": scenario({"tf1": one("tf1")}, SPEC)}),
            "k3-jax": document("k3-jax", {"s": scenario({"flax": one("flax")}, SPEC)}),
        }
    )


def row(block_key, *reasons):
    return Row("s", block_key, Side("tf115", "tf1"), Side("k3-jax", "flax"), "differs", list(reasons))


def test_a_start_that_differs_gets_flax_s_init_arguments():
    """The gate biases start at 1 in TF1 and 0 in Flax: the fix is the Flax cell's init arguments."""
    rows = [row(f"l0/fw/{g}/bias", Reason("constant_mismatch", "bias", {"a": 1.0, "b": 0.0})) for g in GRU[:2]]
    (bias,) = findings_for(rows, artifacts()).findings
    assert bias.fix.startswith("pass kernel_init / recurrent_kernel_init / bias_init to the Flax cell")


def test_a_function_option_flax_lacks_is_said_so():
    """reset_after: Flax's GRUCell takes no such argument and computes True."""
    reason = Reason("config_mismatch", "reset", {"key": "reset_after", "a": False, "b": True})
    (found,) = findings_for([row("config", reason)], artifacts()).findings
    assert found.fix == (
        "none in Flax: its cells take no reset_after argument (they compute reset_after=True); "
        "rnncompare port says where weights still carry over (tf115:tf1 computes False)"
    )
