"""The Flax route: ``flax.linen`` cells in ``nn.RNN``, stacked ``layers`` deep, in ``nn.Bidirectional`` when asked.

The cell is the [flax] table's ``cell_class`` (``GRUCell``; ``LSTMCell`` or ``OptimizedLSTMCell``), built with
its ``kernel_init`` / ``recurrent_kernel_init`` / ``bias_init`` where the table names them (rnncompare's
initializer names, mapped onto ``jax.nn.initializers``: ``initializer``), else with Flax's own defaults.
Levels stack the usual Flax way: each level is one ``RNN`` (or a ``Bidirectional`` of two, whose outputs
are concatenated), so a bidirectional level 2 sees ``2 * units`` inputs.

Draw k is ``model.init(jax.random.PRNGKey(base_seed + k), x)``: Flax's own initialization, every parameter
drawn from the key split down the module tree, as user code does. The parameter tree's paths
(``level0/forward_rnn/cell/ii/kernel``) are the variable names.
"""

from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import numpy as np

from backends.routes.base import FORWARD_BATCH, FORWARD_STEPS, Built, Route, Unavailable, Values, Weight, checked_value
from compare.core import families
from compare.core.scenario_spec import Initializer, Scenario

# The [flax] keys and the cell attribute each sets
INIT_KEYS = ("kernel_init", "recurrent_kernel_init", "bias_init")
DEFAULT_CELL = {"gru": "GRUCell", "lstm": "LSTMCell"}
# rnncompare's variance_scaling distributions as jax.nn.initializers.variance_scaling names them
DISTRIBUTIONS = {"untruncated_normal": "normal"}
DIRECTION_OF = {"forward_rnn": "fw", "backward_rnn": "bw"}


def initializer(spec: Initializer) -> Any:
    """The ``jax.nn.initializers`` function for an ``Initializer`` spec, with the parameters as Keras
    defines them (absent ones take Keras's defaults); Unavailable for a seed (Flax draws every
    parameter from the module's PRNG key)."""
    import jax

    inits, p = jax.nn.initializers, spec.params
    if "seed" in p:
        raise Unavailable(f"Flax draws {spec.name} from the module's PRNG key: an initializer seed has no place")
    if spec.name in ("glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal"):
        return getattr(inits, spec.name)()
    if spec.name == "orthogonal":
        return inits.orthogonal(scale=p.get("gain", 1.0))
    if spec.name == "variance_scaling":
        distribution = p.get("distribution", "truncated_normal")
        return inits.variance_scaling(
            p.get("scale", 1.0), p.get("mode", "fan_in"), DISTRIBUTIONS.get(distribution, distribution)
        )
    if spec.name in ("constant", "zeros", "ones"):
        return inits.constant({"zeros": 0.0, "ones": 1.0}.get(spec.name, p.get("value", 0.0)))
    return _random(jax, spec.name, p)


def _random(jax: Any, name: str, p: Dict[str, Any]) -> Callable[..., Any]:
    mean, std = p.get("mean", 0.0), p.get("stddev", 0.05)
    if name == "random_uniform":
        low, high = p.get("minval", -0.05), p.get("maxval", 0.05)
        return lambda key, shape, dtype: jax.random.uniform(key, shape, dtype, low, high)
    if name == "random_normal":
        return lambda key, shape, dtype: mean + std * jax.random.normal(key, shape, dtype)
    if name == "truncated_normal":
        return lambda key, shape, dtype: mean + std * jax.random.truncated_normal(key, -2.0, 2.0, shape, dtype)
    if name == "identity":
        gain = p.get("gain", 1.0)
        return lambda _key, shape, dtype: gain * jax.numpy.eye(shape[0], shape[-1], dtype=dtype)
    raise Unavailable(f"the Flax route has no {name} initializer")


def _stack(nn: Any, cell: Callable[[], Any], layers: int, bidirectional: bool) -> Any:
    """A module running ``layers`` levels of ``nn.RNN(cell())`` (each a ``Bidirectional`` pair when asked).

    The cells and the pair's RNNs are made unbound (``parent=None``), as at top level, so each is adopted by
    the module it is handed to: parameters ``level0/cell/...`` and ``level0/forward_rnn/cell/...``."""

    def rnn() -> Any:
        return nn.RNN(cell(), parent=None)

    class Stack(nn.Module):
        @nn.compact
        def __call__(self, x: Any) -> Any:
            for level in range(layers):
                name = f"level{level}"
                if bidirectional:
                    x = nn.Bidirectional(rnn(), rnn(), name=name)(x)
                else:
                    x = nn.RNN(cell(), name=name)(x)
            return x

    return Stack()


def located(path: Tuple[str, ...]) -> Tuple[int, str, str]:
    """(layer, direction, param) of a parameter path: ``("level1", "backward_rnn", "cell", "hn", "bias")``."""
    layer = int(path[0][len("level") :])
    direction = DIRECTION_OF.get(path[1], "fw")
    return layer, direction, "/".join(path[-2:])


class FlaxBuilt(Built):
    def __init__(self, scenario: Scenario) -> None:
        import flax
        import jax
        from flax import linen as nn

        self.scenario, self.spec = scenario, scenario.flax
        self.cell_class = self.spec.cell_class or DEFAULT_CELL[scenario.cell]
        self.family = families.of_class(self.cell_class, "flax").name
        self.jax, self.flax = jax, flax
        kwargs = {key: initializer(getattr(self.spec, key)) for key in INIT_KEYS if getattr(self.spec, key)}
        cell_type = getattr(nn, self.cell_class)
        self.cell = cell_type(features=scenario.units, **kwargs)
        self.model = _stack(
            nn,
            lambda: cell_type(features=scenario.units, parent=None, **kwargs),
            scenario.layers,
            scenario.bidirectional,
        )
        self.example = np.zeros((FORWARD_BATCH, FORWARD_STEPS, scenario.input_dim), np.float32)
        self.init = jax.jit(self.model.init)
        self.params: Any = None

    def _weights(self) -> List[Weight]:
        flat = self.flax.traverse_util.flatten_dict(self.params)
        weights = [Weight("/".join(path), *located(path), np.asarray(value)) for path, value in flat.items()]
        return sorted(weights, key=lambda w: (w.direction, w.layer, w.param))

    def draws(self, count: int) -> Iterator[List[Weight]]:
        for k in range(count):
            key = self.jax.random.PRNGKey(self.scenario.base_seed + k)
            self.params = self.flax.core.unfreeze(self.init(key, self.example)["params"])
            yield self._weights()

    def load(self, values: Values) -> List[Weight]:
        flat = self.flax.traverse_util.flatten_dict(self.params)
        for path in flat:
            weight = Weight("/".join(path), *located(path), np.asarray(flat[path]))
            flat[path] = self.jax.numpy.asarray(checked_value(values, weight))
        self.params = self.flax.traverse_util.unflatten_dict(flat)
        return self._weights()

    def forward(self, inputs: np.ndarray) -> Dict[str, np.ndarray]:
        return {"output": np.asarray(self.model.apply({"params": self.params}, inputs))}

    def config(self) -> Dict[str, Any]:
        """The cell's class, its gate functions and initializers as built (absent ones: Flax's defaults)."""
        cell: Dict[str, Any] = {
            "features": self.cell.features,
            "activation": self.cell.activation_fn.__name__,
            "recurrent_activation": self.cell.gate_fn.__name__,
        }
        for key in INIT_KEYS:
            spec: Optional[Initializer] = getattr(self.spec, key)
            cell[key] = spec.to_dict() if spec else "Flax default"
        return {"stacking": "layers", "layer_class": "RNN", "cell_class": self.cell_class, "cell": cell}


class FlaxRoute(Route):
    name = "flax"

    def unavailable_reason(self) -> Optional[str]:
        import importlib.util

        if importlib.util.find_spec("flax") is None:
            return "this env has no Flax (the k3-jax env has it)"
        return None

    def build(self, scenario: Scenario) -> Built:
        return FlaxBuilt(scenario)


ROUTE = FlaxRoute()
