"""The recipe's snippet runs as printed, in real TensorFlow, and starts the layer like the TF1 route."""

import numpy as np
import pytest

from backends.routes.base import Weight
from compare.artifact import read_spec
from compare.core import layout
from compare.core.assemble import assemble
from compare.core.recipe_snippet import snippet
from compare.core.scenarios import load_scenarios


def run_snippet(spec):
    namespace = {}
    exec(compile(snippet(read_spec(spec)), "<snippet>", "exec"), namespace)  # our own generated code, not user input
    return namespace["layer"]


def tf1_variables(layer, spec):
    """The Keras weights seen as the TF1 cells' variables (canonical blocks in between)."""
    from backends.routes.keras import keras_cells

    weights = [
        Weight(param, level, direction, param, getattr(cell, param).numpy())
        for level, direction, cell in keras_cells(layer)
        for param in ("kernel", "recurrent_kernel", "bias")
    ]
    blocks = {k: b.value for k, b in layout.split("keras_" + spec["cell"], weights, spec["units"]).items()}
    directions = ["fw", "bw"] if spec["bidirectional"] else ["fw"]
    return assemble("tf1_" + spec["cell"], blocks, spec["units"], spec["layers"], directions)


@pytest.mark.parametrize("name", ["seed-bigru-orthogonal", "seed-bilstm-orthogonal"])
def test_snippet_gives_orthogonal_concatenated_kernels_and_tf1_biases(name, env_name):
    """Seen as TF1 variables, each [x; h] kernel is orthogonal on its thin side; GRU gate biases 1, LSTM forget 1."""
    if env_name in ("tf11", "tf115"):
        pytest.skip("the recipe is for TF 2.x Keras (eager); TF 1.1 and 1.15 Keras run in graph mode")
    spec = {s.name: s for s in load_scenarios()}[name].to_dict()
    variables = tf1_variables(run_snippet(spec), spec)
    kernels = [v for (_, _, p), v in variables.items() if p in ("gates/kernel", "candidate/kernel", "kernel")]
    assert len(kernels) == (4 if spec["cell"] == "lstm" else 8)
    for kernel in kernels:
        gram = kernel.T @ kernel if kernel.shape[0] >= kernel.shape[1] else kernel @ kernel.T
        np.testing.assert_allclose(gram, np.eye(gram.shape[0]), atol=1e-5)
    for (_, _, param), value in variables.items():
        if param == "gates/bias":
            np.testing.assert_array_equal(value, 1.0)
        if param == "bias":  # the Keras forget-gate bias holds the folded forget_bias; TF1 stores zeros
            units = spec["units"]
            np.testing.assert_array_equal(value[2 * units : 3 * units], 1.0)
            np.testing.assert_array_equal(np.delete(value, np.s_[2 * units : 3 * units]), 0.0)


@pytest.mark.parametrize("kwargs", ["{ use_peepholes = true }", "{ num_proj = 2 }"])
def test_a_tf1_cell_no_keras_layer_can_start_like_is_an_unavailable_recipe_route_with_the_reason(kwargs):
    """Peepholes and projections have no Keras counterpart: the recipe route says so (status unavailable),
    it does not crash into an error."""
    from backends.routes.base import Unavailable
    from backends.routes.recipe import ROUTE
    from compare.core.scenarios import parse_scenarios

    (scenario,) = parse_scenarios(
        f'[[scenario]]\nname = "x"\ncell = "lstm"\nunits = 3\ninput_dim = 2\n[scenario.tf1]\ncell_kwargs = {kwargs}\n'
    )
    option = kwargs.split()[1]
    with pytest.raises(Unavailable, match=f"^{option} has no Keras counterpart"):
        ROUTE.build(scenario)
