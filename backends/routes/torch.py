"""The PyTorch route: ``torch.nn.GRU`` / ``LSTM`` (or ``GRUCell`` / ``LSTMCell`` stacked), then the
``[scenario.torch]`` table's ``torch.nn.init`` functions, applied the usual way.

Stackings (``[scenario.torch] stacking``):

* ``layers``: one ``nn.GRU`` / ``nn.LSTM(num_layers=layers, bidirectional=...)``, PyTorch's usual module: a
  bidirectional level 2 sees both directions' outputs (``2 * units`` inputs). Its parameters are named
  ``weight_ih_l{k}[_reverse]`` and so on.
* ``cells``: ``nn.GRUCell`` / ``nn.LSTMCell`` per layer and direction, each direction stacking its own, shaped
  like the TF1 route; named ``fw.{k}.weight_ih`` and so on, and run step by step.

Initialization: building the module runs PyTorch's own ``reset_parameters``; then, for each key the table
gives, ``torch.nn.init.<fn>_`` runs on every parameter of that kind (``weight_ih``, ``weight_hh``, and both
``bias_ih`` and ``bias_hh`` for ``bias``), in ``named_parameters`` order, as user code does after building.

Draws: draw k seeds ``torch.manual_seed(base_seed + k)`` and initializes as above. Draw 0 builds the
module; draw k > 0 calls its ``reset_parameters`` again, which is what construction ran, so every draw is
what a fresh module built under that seed holds (a test checks it).
"""

from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import numpy as np

from backends.routes.base import Built, Route, Values, Weight, checked_value
from compare.core import families
from compare.core.scenario_spec import Initializer, Scenario, TorchSpec

# Scenario initializer name -> (torch.nn.init function, its fixed arguments, {scenario param: its argument}).
FUNCTIONS: Dict[str, Tuple[str, Dict[str, Any], Dict[str, str]]] = {
    "orthogonal": ("orthogonal_", {}, {"gain": "gain"}),
    "glorot_uniform": ("xavier_uniform_", {}, {}),
    "glorot_normal": ("xavier_normal_", {}, {}),
    "he_uniform": ("kaiming_uniform_", {"nonlinearity": "relu"}, {}),
    "he_normal": ("kaiming_normal_", {"nonlinearity": "relu"}, {}),
    "lecun_uniform": ("kaiming_uniform_", {"nonlinearity": "linear"}, {}),
    "lecun_normal": ("kaiming_normal_", {"nonlinearity": "linear"}, {}),
    "random_uniform": ("uniform_", {}, {"minval": "a", "maxval": "b"}),
    "random_normal": ("normal_", {}, {"mean": "mean", "stddev": "std"}),
    "truncated_normal": ("trunc_normal_", {}, {"mean": "mean", "stddev": "std"}),
    "constant": ("constant_", {}, {"value": "val"}),
    "zeros": ("zeros_", {}, {}),
    "ones": ("ones_", {}, {}),
}
# [scenario.torch] key -> the parameter kinds it initializes
KINDS = {"weight_ih": ("weight_ih",), "weight_hh": ("weight_hh",), "bias": ("bias_ih", "bias_hh")}


def _torch() -> Any:
    import torch

    # One thread: the runner starts one env worker per core, and these matrices are small.
    torch.set_num_threads(1)
    return torch


def init_function(torch: Any, spec: Initializer) -> Tuple[str, Callable[[Any], Any]]:
    """(what is called, as text; the call) for an initializer of the scenario's vocabulary."""
    name, fixed, renamed = FUNCTIONS[spec.name]
    kwargs = dict(fixed, **{renamed[k]: v for k, v in spec.params.items()})
    function = getattr(torch.nn.init, name)
    text = "torch.nn.init.{}({})".format(name, ", ".join(f"{k}={v!r}" for k, v in sorted(kwargs.items())))
    return text, lambda tensor: function(tensor, **kwargs)


def located(name: str) -> Tuple[int, str, str]:
    """(layer, direction, param) of a parameter: ``weight_ih_l1_reverse`` (a module) or ``bw.1.weight_ih`` (cells)."""
    if "." in name:
        direction, layer, param = name.split(".")
        return int(layer), direction, param
    param, _, rest = name.rpartition("_l")
    layer, _, reverse = rest.partition("_")
    return int(layer), "bw" if reverse == "reverse" else "fw", param


class TorchBuilt(Built):
    """The scenario's PyTorch module (or cells); ``spec`` (default: the scenario's [torch] table) says how."""

    def __init__(self, scenario: Scenario, spec: Optional[TorchSpec] = None) -> None:
        self.scenario = scenario
        self.spec = spec or scenario.torch
        self.family = families.for_cell("torch", scenario.cell).name
        self.torch = _torch()
        self.module: Any = None
        self.calls = [(key, init_function(self.torch, init)) for key, init in self._specs().items()]

    def _specs(self) -> Dict[str, Initializer]:
        return {key: getattr(self.spec, key) for key in KINDS if getattr(self.spec, key) is not None}

    @property
    def class_name(self) -> str:
        name = "GRU" if self.scenario.cell == "gru" else "LSTM"
        return name + ("Cell" if self.spec.stacking == "cells" else "")

    def _build(self) -> Any:
        nn, s = self.torch.nn, self.scenario
        if self.spec.stacking == "layers":
            layer_class = nn.GRU if s.cell == "gru" else nn.LSTM
            return layer_class(
                s.input_dim, s.units, num_layers=s.layers, bidirectional=s.bidirectional, batch_first=True
            )
        cell_class = nn.GRUCell if s.cell == "gru" else nn.LSTMCell
        return nn.ModuleDict(
            {
                d: nn.ModuleList([cell_class(s.input_dim if k == 0 else s.units, s.units) for k in range(s.layers)])
                for d in s.directions
            }
        )

    def _initialize(self) -> None:
        """The [torch] table's functions on every parameter of their kind, in named_parameters order."""
        with self.torch.no_grad():
            for name, parameter in self.module.named_parameters():
                for key, (_, call) in self.calls:
                    if located(name)[2] in KINDS[key]:
                        call(parameter)

    def _reset(self) -> None:
        for child in self.module.modules():
            if isinstance(child, (self.torch.nn.RNNBase, self.torch.nn.RNNCellBase)):
                child.reset_parameters()

    def _weights(self) -> List[Weight]:
        return [
            Weight(name, *located(name), value=p.detach().cpu().numpy().copy())
            for name, p in self.module.named_parameters()
        ]

    def draws(self, count: int) -> Iterator[List[Weight]]:
        for k in range(count):
            self.torch.manual_seed(self.scenario.base_seed + k)
            if self.module is None:
                self.module = self._build()
            else:
                self._reset()
            self._initialize()
            yield self._weights()

    def load(self, values: Values) -> List[Weight]:
        with self.torch.no_grad():
            for weight, (_, parameter) in zip(self._weights(), self.module.named_parameters()):
                parameter.copy_(self.torch.from_numpy(checked_value(values, weight)))
        return self._weights()

    def config(self) -> Dict[str, Any]:
        s = self.scenario
        return {
            "stacking": self.spec.stacking,
            "layer_class": self.class_name,
            "layer": {
                "input_size": s.input_dim,
                "hidden_size": s.units,
                "num_layers": s.layers,
                "bidirectional": s.bidirectional,
                "bias": True,
            },
            "cell": {"mode": s.cell.upper()},
            "init": {key: text for key, (text, _) in self.calls} or "reset_parameters",
        }

    def forward(self, inputs: np.ndarray) -> Dict[str, np.ndarray]:
        x = self.torch.from_numpy(np.asarray(inputs, np.float32))
        with self.torch.no_grad():
            if self.spec.stacking == "layers":
                return {"output": self.module(x)[0].numpy()}
            outputs = [self._run_cells(self.module[d], x if d == "fw" else x.flip(1)) for d in self.scenario.directions]
            outputs = outputs[:1] + [o.flip(1) for o in outputs[1:]]
            return {"output": self.torch.cat(outputs, dim=-1).numpy()}

    def _run_cells(self, cells: Any, sequence: Any) -> Any:
        """One direction's stacked cells over ``sequence`` (batch, time, features), step by step."""
        for cell in cells:
            state: Any = None
            steps = []
            for t in range(sequence.shape[1]):
                state = cell(sequence[:, t], state)
                steps.append(state[0] if isinstance(state, tuple) else state)
            sequence = self.torch.stack(steps, dim=1)
        return sequence


class TorchRoute(Route):
    name = "torch"

    def unavailable_reason(self) -> Optional[str]:
        try:
            _torch()
        except ImportError as exc:
            return f"this env has no PyTorch ({exc}); the k3-torch env has it"
        return None

    def build(self, scenario: Scenario) -> Built:
        return TorchBuilt(scenario)


ROUTE = TorchRoute()
