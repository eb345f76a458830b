"""A scenario as parsing leaves it: what to build through each route, and the hash that identifies it.

``compare.core.scenarios`` parses and validates scenario files into these records; the routes in
``backends/`` build from them. Runs in every environment, so ``spec_hash`` agrees everywhere.
"""

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional


@dataclass
class Initializer:
    """An initializer by name with explicit parameters (absent ones take the TF version's default)."""

    name: str
    params: Dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> Dict[str, Any]:
        return {"name": self.name, "params": dict(sorted(self.params.items()))}


@dataclass
class TF1Spec:
    """``tf.compat.v1.variable_scope(initializer=...)`` around ``tf.compat.v1.nn.rnn_cell`` cells."""

    cell_class: str
    scope_initializer: Optional[Initializer] = None
    outer_scopes: List[Optional[Initializer]] = field(default_factory=list)
    cell_kwargs: Dict[str, Any] = field(default_factory=dict)

    @property
    def reaching_initializer(self) -> Optional[Initializer]:
        """The scope initializer that reaches the cells: the innermost scope setting one (scopes inherit)."""
        for init in [self.scope_initializer] + list(reversed(self.outer_scopes)):
            if init is not None:
                return init
        return None

    def to_dict(self) -> Dict[str, Any]:
        return {
            "cell_class": self.cell_class,
            "scope_initializer": _init_dict(self.scope_initializer),
            "outer_scopes": [{"initializer": _init_dict(i)} for i in self.outer_scopes],
            "cell_kwargs": _kwargs_dict(self.cell_kwargs),
        }


@dataclass
class KerasSpec:
    """``tf.keras.layers.GRU`` / ``LSTM`` with explicit initializers (absent: the Keras default)."""

    kernel_initializer: Optional[Initializer] = None
    recurrent_initializer: Optional[Initializer] = None
    bias_initializer: Optional[Initializer] = None
    layer_kwargs: Dict[str, Any] = field(default_factory=dict)
    stacking: str = "layers"
    layer_class: Optional[str] = None  # CuDNNGRU / CuDNNLSTM; None: GRU / LSTM

    def to_dict(self) -> Dict[str, Any]:
        out = {
            "kernel_initializer": _init_dict(self.kernel_initializer),
            "recurrent_initializer": _init_dict(self.recurrent_initializer),
            "bias_initializer": _init_dict(self.bias_initializer),
            "layer_kwargs": _kwargs_dict(self.layer_kwargs),
            "stacking": self.stacking,
        }
        if self.layer_class is not None:  # only when given: the plain layers' spec_hash stays as it was
            out["layer_class"] = self.layer_class
        return out


@dataclass
class TorchSpec:
    """``torch.nn.GRU`` / ``LSTM`` (or ``GRUCell`` / ``LSTMCell`` stacked), then ``torch.nn.init`` functions
    applied to every parameter of a kind, as user code does after building the module (absent: PyTorch's
    own ``reset_parameters``, U(-1/sqrt(hidden), 1/sqrt(hidden)) on every parameter)."""

    weight_ih: Optional[Initializer] = None  # every weight_ih_l* (G * units, inputs)
    weight_hh: Optional[Initializer] = None  # every weight_hh_l* (G * units, units)
    bias: Optional[Initializer] = None  # every bias_ih_l* and bias_hh_l*
    stacking: str = "layers"  # layers: one nn.GRU / nn.LSTM of num_layers; cells: GRUCell / LSTMCell stacked

    def to_dict(self) -> Dict[str, Any]:
        return {
            "weight_ih": _init_dict(self.weight_ih),
            "weight_hh": _init_dict(self.weight_hh),
            "bias": _init_dict(self.bias),
            "stacking": self.stacking,
        }


@dataclass
class FlaxSpec:
    """``flax.linen`` cells with their initializer arguments (absent: Flax's own defaults, ``lecun_normal``
    input kernels, ``orthogonal`` recurrent kernels, zero biases)."""

    kernel_init: Optional[Initializer] = None
    recurrent_kernel_init: Optional[Initializer] = None
    bias_init: Optional[Initializer] = None
    cell_class: Optional[str] = None  # LSTMCell | OptimizedLSTMCell (lstm), GRUCell (gru); None: the first

    def to_dict(self) -> Dict[str, Any]:
        return {
            "kernel_init": _init_dict(self.kernel_init),
            "recurrent_kernel_init": _init_dict(self.recurrent_kernel_init),
            "bias_init": _init_dict(self.bias_init),
            "cell_class": self.cell_class,
        }


@dataclass
class Scenario:
    """One layer configuration, built through every route and initialized ``seeds`` times."""

    name: str
    cell: str
    units: int
    input_dim: int
    layers: int
    bidirectional: bool
    seeds: int
    base_seed: int
    tf1: TF1Spec
    keras: KerasSpec
    torch: TorchSpec = field(default_factory=TorchSpec)
    flax: FlaxSpec = field(default_factory=FlaxSpec)

    def to_dict(self) -> Dict[str, Any]:
        out = {
            "name": self.name,
            "cell": self.cell,
            "units": self.units,
            "input_dim": self.input_dim,
            "layers": self.layers,
            "bidirectional": self.bidirectional,
            "seeds": self.seeds,
            "base_seed": self.base_seed,
            "tf1": self.tf1.to_dict(),
            "keras": self.keras.to_dict(),
        }
        # Only when they differ from the defaults: scenarios without them keep the spec_hash they had.
        for key, spec, default in (("torch", self.torch, TorchSpec()), ("flax", self.flax, FlaxSpec())):
            if spec.to_dict() != default.to_dict():
                out[key] = spec.to_dict()
        return out

    @property
    def spec_hash(self) -> str:
        """Identifies the layer definition: two artifacts agree on a scenario only if this agrees.

        ``seeds`` and ``base_seed`` say how it is sampled, not what it is, so they are left out:
        two runs with different seed sets of one definition can be compared.
        """
        definition = {k: v for k, v in self.to_dict().items() if k not in ("seeds", "base_seed")}
        text = json.dumps(definition, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    @property
    def directions(self) -> List[str]:
        return ["fw", "bw"] if self.bidirectional else ["fw"]


def _init_dict(init: Optional[Initializer]) -> Optional[Dict[str, Any]]:
    return None if init is None else init.to_dict()


def _kwargs_dict(kwargs: Dict[str, Any]) -> Dict[str, Any]:
    return {k: (v.to_dict() if isinstance(v, Initializer) else v) for k, v in sorted(kwargs.items())}
