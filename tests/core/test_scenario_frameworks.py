"""The [scenario.torch] and [scenario.flax] sections: what parses, their defaults, their spec_hash, and the
one-line errors for bad input."""

import pytest

from compare.core.scenarios import TORCH_INITIALIZERS, parse_scenarios
from compare.errors import UserError

MINIMAL = '[[scenario]]\nname = "a"\ncell = "lstm"\nunits = 4\ninput_dim = 3\n'


def parse_one(extra: str = ""):
    return parse_scenarios(MINIMAL + extra)[0]


def error_of(text: str) -> str:
    with pytest.raises(UserError) as caught:
        parse_scenarios(text)
    return caught.value.one_line()


def test_absent_sections_mean_each_framework_s_own_defaults():
    """No [scenario.torch] / [scenario.flax]: no initializer given (PyTorch's reset_parameters, Flax's own
    arguments), nn.LSTM layers, the first Flax cell class of the cell."""
    s = parse_one()
    assert (s.torch.weight_ih, s.torch.weight_hh, s.torch.bias, s.torch.stacking) == (None, None, None, "layers")
    assert (s.flax.kernel_init, s.flax.recurrent_kernel_init, s.flax.bias_init, s.flax.cell_class) == (
        None,
        None,
        None,
        None,
    )


def test_every_documented_key_parses():
    s = parse_one(
        '[scenario.torch]\nweight_ih = "glorot_uniform"\nweight_hh = { name = "orthogonal", gain = 2.0 }\n'
        'bias = "zeros"\nstacking = "cells"\n'
        '[scenario.flax]\nkernel_init = "lecun_normal"\nrecurrent_kernel_init = "orthogonal"\n'
        'bias_init = "zeros"\ncell_class = "OptimizedLSTMCell"\n'
    )
    assert s.torch.to_dict() == {
        "weight_ih": {"name": "glorot_uniform", "params": {}},
        "weight_hh": {"name": "orthogonal", "params": {"gain": 2.0}},
        "bias": {"name": "zeros", "params": {}},
        "stacking": "cells",
    }
    assert (s.flax.kernel_init.name, s.flax.recurrent_kernel_init.name, s.flax.bias_init.name) == (
        "lecun_normal",
        "orthogonal",
        "zeros",
    )
    assert s.flax.cell_class == "OptimizedLSTMCell"


def test_spec_hash_covers_the_sections_and_empty_ones_change_nothing():
    """An empty section is the absent one (same hash: scenarios written before keep theirs); every key
    given changes the hash."""
    plain = parse_one()
    assert parse_one("[scenario.torch]\n[scenario.flax]\n").spec_hash == plain.spec_hash
    hashes = {
        plain.spec_hash,
        parse_one('[scenario.torch]\nweight_ih = "orthogonal"\n').spec_hash,
        parse_one('[scenario.torch]\nstacking = "cells"\n').spec_hash,
        parse_one('[scenario.flax]\nbias_init = "ones"\n').spec_hash,
        parse_one('[scenario.flax]\ncell_class = "LSTMCell"\n').spec_hash,
    }
    assert len(hashes) == 5


@pytest.mark.parametrize(
    "extra, expected",
    [
        ('[scenario.torch]\nweight_ih = "variance_scaling"\n', "torch.nn.init has no variance_scaling"),
        ('[scenario.torch]\nweight_hh = { name = "orthogonal", seed = 1 }\n', "torch.nn.init takes no seed"),
        ('[scenario.torch]\nbias = "constant"\n', "torch.nn.init.constant_ has no default value"),
        ('[scenario.torch]\nweight_i = "zeros"\n', "unknown key 'weight_i' (hint: did you mean 'weight_ih'?)"),
        ('[scenario.torch]\nstacking = "cell"\n', "stacking = 'cell' is not one of layers, cells"),
        (
            '[scenario.flax]\ncell_class = "GRUCell"\n',
            "cell_class = 'GRUCell' is not one of LSTMCell, OptimizedLSTMCell",
        ),
        ('[scenario.flax]\nkernel_init = "orthogonl"\n', "unknown initializer 'orthogonl'"),
        ("[scenario.flax]\nkernel = 1\n", "unknown key 'kernel'"),
    ],
)
def test_bad_input_is_one_line_with_cause_and_hint(extra, expected):
    message = error_of(MINIMAL + extra)
    assert "\n" not in message and message.startswith("error: ") and "(hint: " in message
    assert expected in message


def test_torch_initializers_are_names_of_the_shared_vocabulary():
    """The torch section reuses the initializer names of every other section (no new spelling)."""
    from compare.core.scenarios import INITIALIZER_PARAMS

    assert set(TORCH_INITIALIZERS) < set(INITIALIZER_PARAMS)
    assert (
        parse_scenarios(MINIMAL.replace("lstm", "gru") + '[scenario.flax]\ncell_class = "GRUCell"\n')[0].flax.cell_class
        == "GRUCell"
    )
