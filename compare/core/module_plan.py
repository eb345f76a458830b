"""Which PyTorch or Flax modules compute what a checkpoint's TF1 network computes, and their parameters.

A network converts to PyTorch (Flax) when ``compare.core.port`` can carry its weights into the ``torch_lstm``
/ ``torch_gru`` (``flax_lstm`` / ``flax_gru``) family, each direction stacking its own layers, since TF1's
``MultiRNNCell`` inside ``bidirectional_dynamic_rnn`` does (PyTorch's own bidirectional module would feed
level 2 both directions): per direction one ``nn.LSTM`` / ``nn.GRU(num_layers=layers)``, or ``layers``
``flax.linen.RNN`` over ``LSTMCell`` / ``GRUCell``. TF1 ``LSTMCell`` / ``BasicLSTMCell`` / ``LSTMBlockCell`` /
``LSTMBlockFusedCell`` / ``CudnnCompatibleLSTMCell`` -> LSTM with ``forget_bias`` folded into the forget
gate's bias (PyTorch: ``bias_ih``, ``bias_hh`` zeros; Flax: the hidden-side ``hf/bias``);
``CudnnCompatibleGRUCell`` (the reset gate after the recurrent matmul, as both frameworks do) -> GRU.
Refused with the reason: TF1's ``GRUCell`` / ``GRUBlockCellV2`` (reset before the matmul), peepholes,
``num_proj``, ``cell_clip``, layer norm, other activations.
"""

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional

import numpy as np

from compare.core import families, port
from compare.core.assemble import RESET_AFTER_REASON, PortError
from compare.core.inventory import Network
from compare.core.keras_plan import source_computation, state_names
from compare.core.weights import Weight

# framework -> (its GRU, its LSTM), as the reasons name them
NAMES = {"torch": ("PyTorch's nn.GRU", "PyTorch's nn.LSTM"), "flax": ("Flax's GRUCell", "Flax's LSTMCell")}
FRAMEWORKS = tuple(NAMES)


def gru_reason(framework: str) -> str:
    """Why a TF1 GRUCell converts to no GRU of ``framework``: compare.core.port's reset_after reason."""
    return f"{NAMES[framework][0]} cannot compute TF1's GRUCell: " + RESET_AFTER_REASON


@dataclass(frozen=True)
class ModuleSpec:
    """The modules computing what one TF1 network computes (everything ``torch_model.py`` / ``flax_model.py``
    needs)."""

    framework: str  # "torch" | "flax"
    cell: str  # "gru" | "lstm"
    units: int
    input_size: int
    layers: int
    directions: tuple

    @property
    def module(self) -> str:
        """What each direction holds: ``nn.GRU`` / ``nn.LSTM`` (PyTorch), ``nn.GRUCell`` / ``nn.LSTMCell`` (Flax)."""
        name = "GRU" if self.cell == "gru" else "LSTM"
        return "nn." + name + ("Cell" if self.framework == "flax" else "")

    def key(self, layer: int, direction: str, param: str) -> str:
        """One parameter's key: the ``state_dict`` key ``directions.bw.weight_ih_l1`` (PyTorch), the params
        path ``bw/l1/cell/hf/bias`` (Flax)."""
        if self.framework == "flax":
            return f"{direction}/l{layer}/cell/{param}"
        return f"directions.{direction}.{param}_l{layer}"

    def state_names(self) -> List[str]:
        return state_names(self.cell, self.directions, self.layers)

    def to_dict(self) -> Dict[str, Any]:
        return {
            "framework": self.framework,
            "cell": self.cell,
            "units": self.units,
            "input_size": self.input_size,
            "layers": self.layers,
            "directions": list(self.directions),
            "module": self.module,
        }


@dataclass(frozen=True)
class ModulePlan:
    """One network's conversion to a framework's modules: their spec, or why none computes the same function."""

    network: str
    spec: Optional[ModuleSpec] = None
    refused: str = ""


def target_computation(spec: ModuleSpec) -> families.Computation:
    family = families.get(f"{spec.framework}_{spec.cell}")
    cell = {"activation": "tanh", "recurrent_activation": "sigmoid"}  # Flax's defaults; PyTorch's fixed ones
    return families.computation(family, {"cell": cell, "stacking": "cells"}, spec.layers, len(spec.directions) == 2)


def _refusal(network: Network, source: families.Computation, framework: str) -> str:
    """Why no module of ``framework`` computes what ``network`` computes, or ``""``."""
    lstm = NAMES[framework][1]
    if families.get(network.family).cell == "gru" and not source.get("reset_after"):
        return gru_reason(framework)
    if network.peepholes:
        return f"peepholes (use_peepholes) feed the cell state into the gates; {lstm} has none"
    if network.num_proj is not None:
        return f"num_proj projects the LSTM output to {network.num_proj} units; convert does not map it to {lstm}"
    if source.get("cell_clip") is not None:
        return f"cell_clip clips the LSTM cell state; {lstm} has no such option"
    if source.get("layer_norm"):
        return f"layer_norm normalises each gate's pre-activation (LayerNormBasicLSTMCell); {lstm} does not"
    return ""


def plan(network: Network, framework: str) -> ModulePlan:
    """The ``framework`` (``torch``, ``flax``) modules for ``network``, or the reason there are none (checked
    again by :func:`module_weights`'s port on the real weights)."""
    try:
        source = source_computation(network)
    except PortError as exc:
        return ModulePlan(network.name, refused=str(exc))
    cell = families.get(network.family).cell
    spec = ModuleSpec(framework, cell, network.units, network.input_size, network.layers, tuple(network.directions))
    reason = _refusal(network, source, framework)
    if not reason:
        try:
            port.check_portable(source, target_computation(spec))
        except PortError as exc:
            reason = str(exc)
    return ModulePlan(network.name, refused=reason) if reason else ModulePlan(network.name, spec=spec)


def module_weights(network: Network, spec: ModuleSpec, values: Mapping[str, np.ndarray]) -> Dict[str, np.ndarray]:
    """The parameters ``{key: array}`` (:meth:`ModuleSpec.key`) computing what the checkpoint's ``values``
    (checkpoint name -> array) compute in ``network``; PortError when they cannot."""
    weights = [Weight(v.name, v.layer, v.direction, v.param, np.asarray(values[v.name])) for v in network.variables]
    ported = port.port(
        weights,
        source_computation(network),
        target_computation(spec),
        network.units,
        network.layers,
        list(network.directions),
    )
    return {spec.key(*key): value for key, value in ported.items()}
