"""The scenario spec: what parses, what the defaults are, and the one-line errors for bad input."""

import pytest

from compare.core import cost
from compare.core.scenarios import load_scenarios, parse_scenarios
from compare.errors import UserError

MINIMAL = '[[scenario]]\nname = "a"\ncell = "gru"\nunits = 4\ninput_dim = 3\n'


def parse_one(extra: str = "", base: str = MINIMAL):
    return parse_scenarios(base + extra)[0]


def error_of(text: str) -> str:
    with pytest.raises(UserError) as caught:
        parse_scenarios(text)
    return caught.value.one_line()


def test_minimal_scenario_takes_documented_defaults():
    """Absent keys: 1 layer, unidirectional, 32 seeds from base seed 0, TF1 GRUCell, Keras 'layers' stacking."""
    s = parse_one()
    assert (s.layers, s.bidirectional, s.seeds, s.base_seed) == (1, False, 32, 0)
    assert s.tf1.cell_class == "GRUCell" and s.tf1.scope_initializer is None
    assert s.keras.stacking == "layers" and s.keras.kernel_initializer is None
    assert s.directions == ["fw"]


def test_issue_example_parses_with_every_documented_key():
    """The example of the issue, every key included, parses into the right spec."""
    s = parse_one(
        "layers = 2\nbidirectional = true\nseeds = 8\n"
        '[scenario.tf1]\nscope_initializer = "orthogonal"\n'
        'outer_scopes = [{ initializer = "glorot_uniform" }, {}]\ncell_class = "GRUCell"\n'
        'cell_kwargs = { bias_initializer = { name = "constant", value = -2.0 } }\n'
        '[scenario.keras]\nkernel_initializer = "orthogonal"\nrecurrent_initializer = "orthogonal"\n'
        'bias_initializer = "zeros"\nlayer_kwargs = { reset_after = false }\nstacking = "layers"\n'
    )
    assert s.tf1.outer_scopes[0].name == "glorot_uniform" and s.tf1.outer_scopes[1] is None
    assert s.tf1.cell_kwargs["bias_initializer"].to_dict() == {"name": "constant", "params": {"value": -2.0}}
    assert s.keras.layer_kwargs == {"reset_after": False}
    assert s.directions == ["fw", "bw"]


def test_spec_hash_depends_on_definition_only():
    """Same definition -> same hash (whatever the key order or seed set); a change of layer -> another hash."""
    a = parse_one("seeds = 8\nlayers = 2\n")
    b = parse_one("layers = 2\nseeds = 9\nbase_seed = 100\n")
    c = parse_one('layers = 2\nseeds = 8\n[scenario.keras]\nstacking = "cells"\n')
    assert a.spec_hash == b.spec_hash != c.spec_hash
    assert len(a.spec_hash) == 16


def test_default_suite_has_the_seed_and_all_defaults_cases():
    """The built-in suite: 2-layer bidirectional GRU and LSTM with orthogonal (at input_dim 32, and at the
    seed code's own 8 inputs and 16 units) in every framework (PyTorch with zero biases and per-direction
    cells), and the all-defaults pair, which asks nothing of any framework."""
    by_name = {s.name: s for s in load_scenarios()}
    for cell in ("gru", "lstm"):
        for seed in (by_name[f"seed-bi{cell}-orthogonal"], by_name["seed-code-bi" + cell]):
            assert (seed.cell, seed.layers, seed.bidirectional) == (cell, 2, True)
            assert seed.tf1.scope_initializer.name == "orthogonal"
            assert seed.keras.kernel_initializer.name == seed.keras.recurrent_initializer.name == "orthogonal"
            assert seed.torch.weight_ih.name == seed.torch.weight_hh.name == "orthogonal"
            assert (seed.torch.bias.name, seed.torch.stacking) == ("zeros", "cells")
            assert seed.flax.kernel_init.name == seed.flax.recurrent_kernel_init.name == "orthogonal"
        assert (
            "torch" not in by_name["defaults-" + cell].to_dict() and "flax" not in by_name["defaults-" + cell].to_dict()
        )
        assert (by_name["seed-code-bi" + cell].input_dim, by_name["seed-code-bi" + cell].units) == (8, 16)
        defaults = by_name["defaults-" + cell]
        assert defaults.tf1.to_dict()["scope_initializer"] is None
        assert all(v is None for k, v in defaults.keras.to_dict().items() if k.endswith("initializer"))


@pytest.mark.parametrize(
    "text, expected",
    [
        (MINIMAL + "unit = 3\n", "unknown key 'unit' (hint: did you mean 'units'?)"),
        (
            MINIMAL + '[scenario.tf1]\nscope_initializer = "orthogonl"\n',
            "unknown initializer 'orthogonl' (hint: did you mean 'orthogonal'?)",
        ),
        (MINIMAL + '[scenario.tf1]\nscope_initializer = { name = "orthogonal", scale = 2.0 }\n', "unknown key 'scale'"),
        (MINIMAL + "[scenario.tf1]\ncell_kwargs = { forget_bias = 1.0 }\n", "unknown key 'forget_bias'"),
        (MINIMAL + '[scenario.keras]\nbias_initializer = { name = "zeros", seed = 1 }\n', "unknown key 'seed'"),
        (
            MINIMAL + '[scenario.keras]\nkernel_initializer = { name = "orthogonal", seed = 1.5 }\n',
            "seed must be a whole number",
        ),
        (MINIMAL + "[scenario.keras]\nlayer_kwargs = { unit_forget_bias = true }\n", "unknown key 'unit_forget_bias'"),
        (MINIMAL.replace("units = 4", "units = 0"), "units = 0 is out of range"),
        (MINIMAL.replace("units = 4", 'units = "4"'), "units must be a whole number"),
        (MINIMAL.replace("gru", "rnn"), "cell = 'rnn' is not one of gru, lstm"),
        (MINIMAL + MINIMAL, "duplicate scenario name 'a'"),
        (MINIMAL + "seeds = 4096\n", ""),
        ("[[scenario]\n", "not valid TOML"),
        (MINIMAL.replace("units = 4", "units = 4096") + "seeds = 4096\ninput_dim2 = 1\n", "unknown key 'input_dim2'"),
    ],
)
def test_bad_input_is_one_line_with_cause_and_hint(text, expected):
    """Each mistake gives one 'error: ... (hint: ...)' line naming the cause."""
    if not expected:
        parse_scenarios(text)  # the largest allowed seed count is still fine at 4 units
        return
    message = error_of(text)
    assert "\n" not in message and message.startswith("error: ")
    assert expected in message


def test_absurd_sizes_are_refused_with_the_memory_figure():
    """4096 units x 8 layers: one draw alone needs about 15 GiB: refused up front, with the figure."""
    message = error_of(MINIMAL.replace("units = 4", "units = 4096") + "layers = 8\nseeds = 4\n")
    assert "needs about 15.3 GiB for one draw of 755208192 weights" in message
    assert "lower units, layers or input_dim" in message


PRODUCTION = """
[[scenario]]
name = "gnmt-encoder"
cell = "lstm"
units = 1024
input_dim = 1024
layers = 4
seeds = {seeds}
[scenario.tf1]
scope_initializer = {{ name = "random_uniform", minval = -0.1, maxval = 0.1 }}
"""


def test_memory_estimate_does_not_grow_with_seeds():
    """Draws are measured one at a time: a 4-layer 1024-unit LSTM over 1024 inputs is accepted at 8 and at
    128 seeds with the same memory estimate (about 0.72 GiB)."""
    few, many = (parse_scenarios(PRODUCTION.format(seeds=n))[0] for n in (8, 128))
    assert cost.memory_bytes(few) == cost.memory_bytes(many)
    assert cost.memory_bytes(few) / 2**30 == pytest.approx(0.72, abs=0.01)


def test_missing_file_is_a_user_error():
    with pytest.raises(UserError, match="cannot read scenario file"):
        load_scenarios("/nonexistent/x.toml")


def test_a_seed_in_an_initializer_table_is_part_of_the_definition():
    """``seed`` makes one initializer object that user code passes to several weights; it changes the spec."""
    seeded = MINIMAL + '[scenario.keras]\nkernel_initializer = { name = "orthogonal", seed = 7 }\n'
    scenario = parse_scenarios(seeded)[0]
    assert scenario.keras.kernel_initializer.to_dict() == {"name": "orthogonal", "params": {"seed": 7}}
    unseeded = parse_scenarios(MINIMAL + '[scenario.keras]\nkernel_initializer = "orthogonal"\n')[0]
    assert scenario.spec_hash != unseeded.spec_hash
