"""Which PyTorch modules compute what a checkpoint's TF1 network computes, and their ``state_dict``.

A network converts to PyTorch when ``compare.core.port`` can carry its weights into the ``torch_lstm`` /
``torch_gru`` family: per direction one ``nn.LSTM`` / ``nn.GRU(num_layers=layers)``, since TF1's
``MultiRNNCell`` inside ``bidirectional_dynamic_rnn`` stacks each direction on its own (PyTorch's own
bidirectional module would feed level 2 both directions). TF1 ``LSTMCell`` / ``BasicLSTMCell`` /
``LSTMBlockCell`` / ``LSTMBlockFusedCell`` / ``CudnnCompatibleLSTMCell`` -> ``nn.LSTM`` with ``forget_bias``
folded into ``bias_ih`` (``bias_hh`` zeros); ``CudnnCompatibleGRUCell`` (the reset gate after the recurrent
matmul, as PyTorch does) -> ``nn.GRU``. Refused with the reason: TF1's ``GRUCell`` / ``GRUBlockCellV2``
(reset before the matmul), peepholes, ``num_proj``, ``cell_clip``, layer norm, other activations.
"""

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional

import numpy as np

from compare.core import families, port
from compare.core.assemble import RESET_AFTER_REASON, PortError
from compare.core.inventory import Network
from compare.core.keras_plan import source_computation
from compare.core.weights import Weight

GRU_REASON = "PyTorch's nn.GRU cannot compute TF1's GRUCell: " + RESET_AFTER_REASON


@dataclass(frozen=True)
class TorchSpec:
    """The PyTorch modules computing what one TF1 network computes (everything ``torch_model.py`` needs)."""

    cell: str  # "gru" | "lstm"
    units: int
    input_size: int
    layers: int
    directions: tuple

    @property
    def module(self) -> str:
        """The module class each direction holds: ``nn.GRU`` or ``nn.LSTM``."""
        return "nn.GRU" if self.cell == "gru" else "nn.LSTM"

    def state_dict_key(self, layer: int, direction: str, param: str) -> str:
        """The ``state_dict`` key of one parameter: ``directions.bw.weight_ih_l1``."""
        return f"directions.{direction}.{param}_l{layer}"

    def state_names(self) -> List[str]:
        """The final states in the order the generated module returns them: per direction, per layer, ``h``
        (and ``c`` after it for an LSTM), as the Keras layers order them."""
        parts = ("h",) if self.cell == "gru" else ("h", "c")
        return [f"state/{d}/l{layer}/{p}" for d in self.directions for layer in range(self.layers) for p in parts]

    def to_dict(self) -> Dict[str, Any]:
        return {
            "cell": self.cell,
            "units": self.units,
            "input_size": self.input_size,
            "layers": self.layers,
            "directions": list(self.directions),
            "module": self.module,
        }


@dataclass(frozen=True)
class TorchPlan:
    """One network's conversion to PyTorch: the modules, or why none computes the same function."""

    network: str
    torch: Optional[TorchSpec] = None
    refused: str = ""


def target_computation(spec: TorchSpec) -> families.Computation:
    family = families.get("torch_gru" if spec.cell == "gru" else "torch_lstm")
    return families.computation(family, {"cell": {}, "stacking": "cells"}, spec.layers, len(spec.directions) == 2)


def _refusal(network: Network, source: families.Computation) -> str:
    """Why no PyTorch module computes what ``network`` computes, or ``""``."""
    if families.get(network.family).cell == "gru" and not source.get("reset_after"):
        return GRU_REASON
    if network.peepholes:
        return "peepholes (use_peepholes) feed the cell state into the gates; PyTorch's nn.LSTM has none"
    if network.num_proj is not None:
        return f"num_proj projects the LSTM output to {network.num_proj} units; convert does not map it to PyTorch"
    if source.get("cell_clip") is not None:
        return "cell_clip clips the LSTM cell state; PyTorch's nn.LSTM has no such option"
    if source.get("layer_norm"):
        return "layer_norm normalises each gate's pre-activation (LayerNormBasicLSTMCell); PyTorch's nn.LSTM does not"
    return ""


def plan(network: Network) -> TorchPlan:
    """The PyTorch modules for ``network``, or the reason there are none (checked again by
    :func:`torch_weights`'s port on the real weights)."""
    try:
        source = source_computation(network)
    except PortError as exc:
        return TorchPlan(network.name, refused=str(exc))
    spec = TorchSpec(
        families.get(network.family).cell, network.units, network.input_size, network.layers, tuple(network.directions)
    )
    reason = _refusal(network, source)
    if not reason:
        try:
            port.check_portable(source, target_computation(spec))
        except PortError as exc:
            reason = str(exc)
    return TorchPlan(network.name, refused=reason) if reason else TorchPlan(network.name, torch=spec)


def torch_weights(network: Network, spec: TorchSpec, values: Mapping[str, np.ndarray]) -> Dict[str, np.ndarray]:
    """The ``state_dict`` ``{key: array}`` computing what the checkpoint's ``values`` (checkpoint name ->
    array) compute in ``network``; PortError when it cannot."""
    weights = [Weight(v.name, v.layer, v.direction, v.param, np.asarray(values[v.name])) for v in network.variables]
    ported = port.port(
        weights,
        source_computation(network),
        target_computation(spec),
        network.units,
        network.layers,
        list(network.directions),
    )
    return {spec.state_dict_key(*key): value for key, value in ported.items()}
