"""The Keras route on every Keras 3 backend (tf221: TensorFlow; k3-jax: JAX; k3-torch: PyTorch): the layers it
builds keep the keras families' layout, and their own forward pass (whichever path the backend runs: its
fused LSTM/GRU or the generic cell loop, recorded below) is the numpy cell on the canonical blocks.

Every variable is loaded with random values shifted per gate (``reference_rnn.gate_asymmetric``), so a gate
read from the wrong columns changes the output. Elsewhere (Keras 2, tf_keras, Keras 2.0) the route is
tested by the TF tests; these are skipped there.
"""

import numpy as np
import pytest

from backends import kerasenv
from backends.routes.base import forward_input
from backends.routes.keras import ROUTE
from compare.core import families, layout
from tests.helpers import reference_rnn
from tests.helpers.small_scenario import small_scenario

NEEDS = "keras"
TOLERANCE = 1e-5
KERAS3_ENVS = ("tf221", "k3-jax", "k3-torch")
BACKENDS = {"tf221": "tensorflow", "k3-jax": "jax", "k3-torch": "torch"}

CASES = {  # name: (cell, layers, bidirectional, stacking, layer_kwargs TOML)
    "gru-reset-after": ("gru", 2, False, "layers", "{}"),
    "gru-reset-after-bi-cells": ("gru", 2, True, "cells", "{}"),
    "gru-reset-before": ("gru", 2, False, "layers", "{ reset_after = false }"),
    "lstm-bi-cells": ("lstm", 2, True, "cells", "{}"),
    "lstm-layers": ("lstm", 2, False, "layers", "{}"),
    "lstm-unit-forget-bias-off": ("lstm", 1, True, "layers", "{ unit_forget_bias = false }"),
}


@pytest.fixture(autouse=True)
def keras3_only(env_name):
    if env_name not in KERAS3_ENVS:
        pytest.skip(f"{env_name} has no Keras 3")


def scenario(name):
    cell, layers, bidirectional, stacking, kwargs = CASES[name]
    table = f'[scenario.keras]\nstacking = "{stacking}"\nlayer_kwargs = {kwargs}'
    return small_scenario(name, cell, layers, bidirectional, table)


class PathSpy:
    """Records whether the backend's own LSTM/GRU function ran or declined (NotImplementedError: Keras then
    runs the generic loop over the cell)."""

    def __init__(self, monkeypatch, backend):
        self.ran = []
        for kind in ("lstm", "gru"):
            original = getattr(backend, kind)
            monkeypatch.setattr(backend, kind, self._wrap(kind, original))

    def _wrap(self, kind, original):
        def spy(*args, **kwargs):
            try:
                out = original(*args, **kwargs)
            except NotImplementedError:
                self.ran.append(f"{kind}: generic cell loop")
                raise
            self.ran.append(f"{kind}: the backend's {kind}()")
            return out

        return spy


def test_the_keras_backend_is_the_one_the_env_names(env_name):
    """tf221 runs Keras 3 on TensorFlow; k3-jax and k3-torch on their backend, without TensorFlow."""
    tf = kerasenv.tensorflow()
    found = kerasenv.flavor(tf)
    assert found["flavor"] == "keras3"
    assert found["backend"] == BACKENDS[env_name]
    assert (tf is None) == (env_name != "tf221")


@pytest.mark.parametrize("name", sorted(CASES))
def test_keras3_layers_compute_what_their_canonical_blocks_say(name, monkeypatch, capsys):
    """The Keras 3 layers' output on gate-asymmetric weights is the numpy GRU/LSTM on the blocks the registry
    cuts from them (reset placement and forget offset as the built config says), within 1e-5."""
    s = scenario(name)
    built = ROUTE.build(s)
    first = next(built.draws(1))
    weights = built.load(reference_rnn.gate_asymmetric(built.family, first, s.units))
    spy = PathSpy(monkeypatch, __import__("keras.src.backend", fromlist=["lstm"]))
    got = built.forward(forward_input(s))["output"]
    computes = families.computation(families.get(built.family), built.config())
    blocks = {k: b.value for k, b in layout.split(built.family, weights, s.units).items()}
    expected = reference_rnn.forward(
        s.cell,
        blocks,
        forward_input(s),
        s.units,
        s.layers,
        s.directions,
        reset_after=bool(computes.get("reset_after")),
    )
    worst = float(np.abs(got - expected).max())
    with capsys.disabled():
        print(
            "\n{} on {}: max |Keras - numpy on the blocks| = {:.1e}; ran: {}".format(
                name,
                kerasenv.flavor(built.tf)["backend"],
                worst,
                ", ".join(sorted(set(spy.ran))) or "RNN(StackedRNNCells): the cell loop",
            )
        )
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=0, atol=TOLERANCE)


def test_keras3_draws_are_reproducible_and_distinct_per_seed():
    """Two builds of one scenario give the same draws bit for bit; draw k and draw k+1 differ; LSTM's
    unit_forget_bias puts 1.0 into the forget bias only."""
    s = scenario("lstm-bi-cells")
    s = type(s)(**dict(s.__dict__, seeds=3))
    runs = [[[w.value for w in draw] for draw in ROUTE.build(s).draws(3)] for _ in range(2)]
    for a, b in zip(*runs):
        for x, y in zip(a, b):
            np.testing.assert_array_equal(x, y)
    assert not np.array_equal(runs[0][0][0], runs[0][1][0])
    built = ROUTE.build(s)
    blocks = layout.split(built.family, next(built.draws(1)), s.units)
    ones = sorted(k for k, b in blocks.items() if k.endswith("/bias") and np.all(b.value == 1.0))
    assert ones == ["l0/bw/forget/bias", "l0/fw/forget/bias", "l1/bw/forget/bias", "l1/fw/forget/bias"]
