"""The PyTorch route in real PyTorch (the k3-torch env): the torch_gru / torch_lstm layouts reproduce the
modules' own outputs, the draws are reproducible and are what a fresh module holds, and the [scenario.torch]
initializers reach every parameter of their kind.

The forward proof loads gate-asymmetric random weights (each gate's blocks scaled differently, both biases
nonzero) through the canonical blocks, runs the module, and recomputes its output in numpy from the blocks
(``tests/helpers/reference_rnn.py``); the same blocks with two gates swapped must miss by far.
"""

import numpy as np
import pytest

from backends.routes import torch as torch_route
from backends.routes.base import forward_input
from compare.core import families, layout
from compare.core.assemble import assemble
from compare.core.scenarios import TORCH_INITIALIZERS, parse_scenarios
from tests.helpers import reference_rnn
from tests.helpers.small_scenario import small_scenario

NEEDS = "torch"
TOLERANCE = 1e-5


def scenario(cell, stacking, layers=2, bidirectional=True, torch_table="", seeds=3):
    table = f'[scenario.torch]\nstacking = "{stacking}"\n{torch_table}'
    return small_scenario("t", cell, layers, bidirectional, table, seeds)


def asymmetric_blocks(family, s, rng):
    """Random blocks for every layer and direction, gate k scaled by 0.4 + 0.3 k, biases included."""
    blocks = {}
    keys = layout.block_keys(family, s.layers, s.directions)
    gates = families.get(family).gates
    for key in keys:
        layer, direction, gate, part = layout.parse_key(key)
        below = s.units * (len(s.directions) if s.torch.stacking == "layers" else 1)  # a level's inputs above 0
        rows = {"kernel": s.input_dim if layer == 0 else below, "recurrent": s.units}
        shape = (rows[part], s.units) if part in rows else (s.units,)
        blocks[key] = rng.uniform(-0.8, 0.8, shape) * (0.4 + 0.3 * gates.index(gate))
    return blocks


CASES = [(cell, stacking) for cell in ("gru", "lstm") for stacking in ("layers", "cells")]


@pytest.mark.parametrize("cell,stacking", CASES)
def test_the_module_computes_what_its_canonical_blocks_say(cell, stacking, capsys):
    """nn.GRU / nn.LSTM (2 layers, bidirectional: per level) and stacked GRUCell / LSTMCell (per direction):
    the module's output equals the numpy cell on the blocks; the GRU resets after the recurrent matmul."""
    s = scenario(cell, stacking)
    built = torch_route.ROUTE.build(s)
    next(built.draws(1))
    family = built.family
    blocks = asymmetric_blocks(family, s, np.random.RandomState(3))
    loaded = built.load(assemble(family, blocks, s.units, s.layers, s.directions))
    got = built.forward(forward_input(s))["output"]
    computes = families.computation(families.get(family), built.config(), s.layers, s.bidirectional)
    per_level = computes.stacking == families.PER_LEVEL

    def reference(values):
        return reference_rnn.forward(
            cell,
            values,
            forward_input(s),
            s.units,
            s.layers,
            s.directions,
            computes.get("reset_after"),
            0.0,
            None,
            per_level,
        )

    expected = reference(blocks)
    worst = float(np.abs(got - expected).max())
    with capsys.disabled():
        print(f"\n{cell} {stacking} ({family}): max |torch - numpy on the blocks| = {worst:.1e}")
    assert [w.name for w in loaded][:2] == (
        ["weight_ih_l0", "weight_hh_l0"] if stacking == "layers" else ["fw.0.weight_ih", "fw.0.weight_hh"]
    )
    assert per_level == (stacking == "layers")
    assert computes.get("reset_after") is (True if cell == "gru" else None)
    np.testing.assert_allclose(got, expected, rtol=0, atol=TOLERANCE)
    first, second = families.get(family).gates[:2]
    swapped = {layout.block_key(*_swap(layout.parse_key(k), first, second)): v for k, v in blocks.items()}
    assert float(np.abs(got - reference(swapped)).max()) > 100 * TOLERANCE


def _swap(key, a, b):
    layer, direction, gate, part = key
    return layer, direction, {a: b, b: a}.get(gate, gate), part


@pytest.mark.parametrize("stacking", ["layers", "cells"])
def test_draw_k_is_a_fresh_module_built_under_seed_base_plus_k(stacking):
    """Draw 2 of a run equals draw 0 of a run whose base_seed is 2 greater, parameter by parameter, and a
    second run repeats the first."""
    s = scenario("lstm", stacking, torch_table='weight_hh = "orthogonal"')
    later = parse_scenarios(
        f'[[scenario]]\nname = "t"\ncell = "lstm"\nunits = 5\ninput_dim = 3\nlayers = 2\nbidirectional = true\n'
        f'base_seed = 2\n[scenario.torch]\nstacking = "{stacking}"\nweight_hh = "orthogonal"\n'
    )[0]
    draws = [[w.value for w in d] for d in torch_route.ROUTE.build(s).draws(3)]
    again = [[w.value for w in d] for d in torch_route.ROUTE.build(s).draws(3)]
    fresh = [w.value for w in next(torch_route.ROUTE.build(later).draws(1))]
    for a, b, c in zip(draws[2], fresh, again[2]):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
    assert not np.array_equal(draws[0][0], draws[1][0])


@pytest.mark.parametrize("stacking", ["layers", "cells"])
def test_the_torch_table_reaches_every_parameter_of_its_kind(stacking):
    """weight_hh orthogonal: every weight_hh (reverse ones and cells' too) has orthonormal columns;
    bias zeros: both biases of every layer are 0; weight_ih keeps PyTorch's default U(±1/sqrt(units))."""
    s = scenario("gru", stacking, torch_table='weight_hh = "orthogonal"\nbias = "zeros"')
    weights = next(torch_route.ROUTE.build(s).draws(1))
    by_param = {}
    for w in weights:
        by_param.setdefault(w.param, []).append(w.value)
    assert {p: len(v) for p, v in by_param.items()} == {p: 4 for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
    for value in by_param["weight_hh"]:
        np.testing.assert_allclose(value.T @ value, np.eye(s.units), atol=1e-5)
    assert all(not v.any() for v in by_param["bias_ih"] + by_param["bias_hh"])
    bound = 1 / np.sqrt(s.units)
    assert all(0.8 * bound < np.abs(v).max() <= bound for v in by_param["weight_ih"])


def test_every_initializer_name_the_torch_section_takes_is_a_torch_nn_init_call():
    """Each name the scenario parser lets through builds and runs on a real (3u, inputs) parameter."""
    import torch

    assert set(torch_route.FUNCTIONS) == set(TORCH_INITIALIZERS)
    for name in TORCH_INITIALIZERS:
        params = {"value": 0.25} if name == "constant" else {}
        init = parse_scenarios(
            '[[scenario]]\nname = "t"\ncell = "gru"\nunits = 4\ninput_dim = 3\n[scenario.torch]\n'
            f"weight_ih = {{ name = {name!r}{''.join(f', {k} = {v}' for k, v in params.items())} }}\n".replace("'", '"')
        )[0].torch.weight_ih
        text, call = torch_route.init_function(torch, init)
        tensor = torch.empty(12, 3)
        call(tensor)
        assert text.startswith("torch.nn.init.") and torch.isfinite(tensor).all(), name


@pytest.fixture(scope="module")
def defaults_run(tmp_path_factory, env_name):
    from backends import worker
    from compare import artifact

    out = tmp_path_factory.mktemp("torch") / (env_name + ".json")
    args = ["--only", "defaults-gru", "--only", "defaults-lstm", "--routes", "torch", "--out", str(out)]
    assert worker.main(args) == 0
    return artifact.read(out)


@pytest.mark.parametrize("name", ["defaults-gru", "defaults-lstm"])
def test_pytorch_defaults_are_uniform_within_one_over_root_units_on_every_block(defaults_run, name):
    """The built-in all-defaults case through the worker: every block (kernel, recurrent, both biases) of
    nn.GRU / nn.LSTM is fingerprinted ``torch_default`` over its own shape, its largest |value| over 32
    seeds just under 1/sqrt(16) and its std that of U(±1/4); no block is constant, so no bias is zero."""
    route = defaults_run.route(name, "torch")
    assert route.ok and route.family == ("torch_gru" if name.endswith("gru") else "torch_lstm")
    units = defaults_run.scenarios[name].spec.units
    parts = {key.rsplit("/", 1)[1] for key in route.blocks}
    assert parts == {"kernel", "recurrent", "bias", "recurrent_bias"}
    for key, block in route.blocks.items():
        assert block.fingerprint.name == "torch_default", (key, block.fingerprint)
        assert 0.97 / np.sqrt(units) < block.stats.abs_max <= 1 / np.sqrt(units), key
        assert abs(block.stats.std * np.sqrt(3 * units) - 1) < 0.1, key
        assert block.stats.constant is None
