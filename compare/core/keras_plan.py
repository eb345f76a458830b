"""Which Keras layer computes what a checkpoint's TF1 network computes, and its weights: ``rnncompare convert``.

A network converts exactly when ``compare.core.port`` can carry its weights into a Keras ``GRU`` / ``LSTM`` cell
with sigmoid gates, each direction stacking its own layers: TF1 ``GRUCell`` / ``GRUBlockCellV2`` ->
``GRU(reset_after=False)``; ``CudnnCompatibleGRUCell`` -> ``GRU(reset_after=True)``; ``LSTMCell`` /
``BasicLSTMCell`` / ``LSTMBlockCell`` / ``CudnnCompatibleLSTMCell`` -> ``LSTM`` with ``forget_bias`` folded
into the stored forget-gate bias. The Keras layer is ``GRU`` / ``LSTM`` (one layer, one direction),
``RNN(StackedRNNCells)`` (several layers) and ``Bidirectional`` around either: whatever stacks as the TF1
``MultiRNNCell`` / ``bidirectional_dynamic_rnn`` did. Anything else (peepholes, ``num_proj``,
``cell_clip``, layer norm, an unknown option) is refused with compare.core.port's reason.
"""

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from compare.core import families, port
from compare.core.assemble import PortError
from compare.core.inventory import Network
from compare.core.weights import Weight

Variables = Dict[Tuple[int, str, str], np.ndarray]
KERAS_PARAMS = ("kernel", "recurrent_kernel", "bias")


def state_names(cell: str, directions: Sequence[str], layers: int) -> List[str]:
    """A converted network's final states in the order its layers return them: per direction, per layer,
    ``h`` (and ``c`` after it for an LSTM, as Keras orders ``[h, c]``; the generated PyTorch and Flax
    modules return them so too)."""
    parts = ("h",) if cell == "gru" else ("h", "c")
    return [f"state/{d}/l{layer}/{p}" for d in directions for layer in range(layers) for p in parts]


@dataclass(frozen=True)
class KerasSpec:
    """The Keras layer that computes what one TF1 network computes (everything ``keras_model.py`` needs)."""

    cell: str  # "gru" | "lstm"
    units: int
    input_size: int
    layers: int
    directions: Tuple[str, ...]
    activation: str
    recurrent_activation: str
    reset_after: bool

    @property
    def wrapper(self) -> str:
        """How the cells are put together: ``GRU``, ``RNN(StackedRNNCells)``, ``Bidirectional(...)``."""
        inner = ("GRU" if self.cell == "gru" else "LSTM") if self.layers == 1 else "RNN(StackedRNNCells)"
        return f"Bidirectional({inner})" if len(self.directions) == 2 else inner

    def cell_kwargs(self) -> Dict[str, Any]:
        """The Keras cell's constructor options (``GRUCell`` / ``LSTMCell``, and ``GRU`` / ``LSTM`` alike)."""
        kwargs = {
            "units": self.units,
            "activation": self.activation,
            "recurrent_activation": self.recurrent_activation,
            "use_bias": True,
        }
        if self.cell == "gru":
            kwargs["reset_after"] = self.reset_after
        else:
            kwargs["unit_forget_bias"] = False  # an initializer only: the converted bias is loaded as it is
        return kwargs

    def weight_order(self) -> List[Tuple[int, str, str]]:
        """``(layer, direction, param)`` in the order the built Keras layer lists its weights: the forward
        layer's cells, then the backward one's; per cell kernel, recurrent kernel, bias."""
        return [
            (layer, direction, param)
            for direction in self.directions
            for layer in range(self.layers)
            for param in KERAS_PARAMS
        ]

    def state_names(self) -> List[str]:
        return state_names(self.cell, self.directions, self.layers)

    def to_dict(self) -> Dict[str, Any]:
        return {
            "cell": self.cell,
            "units": self.units,
            "input_size": self.input_size,
            "layers": self.layers,
            "directions": list(self.directions),
            "activation": self.activation,
            "recurrent_activation": self.recurrent_activation,
            "reset_after": self.reset_after,
            "wrapper": self.wrapper,
        }


@dataclass(frozen=True)
class Plan:
    """One network's conversion: the Keras layer, or why no Keras layer computes the same function."""

    network: str
    family: str
    cell_class: Optional[str]
    keras: Optional[KerasSpec] = None
    refused: str = ""


def _source_config(network: Network) -> Dict[str, Any]:
    cell = dict(network.options)
    if network.num_proj is not None:
        cell["num_proj"] = network.num_proj
    if network.peepholes:
        cell.setdefault("use_peepholes", True)
        cell.setdefault("use_peephole", True)
    return {"cell": cell}


def source_computation(network: Network) -> families.Computation:
    """What the TF1 network computes; PortError while something it depends on is unknown."""
    if network.unknown:
        raise PortError(
            "{} unknown: give it with --set {}.{}=VALUE".format(
                ", ".join(network.unknown), network.name, network.unknown[0]
            )
        )
    try:
        return families.computation(
            families.get(network.family), _source_config(network), network.layers, network.bidirectional
        )
    except KeyError as exc:
        raise PortError(
            f"option {exc.args[0]} unknown: give it with --set {network.name}.{exc.args[0]}=VALUE"
        ) from None


def target_computation(spec: KerasSpec) -> families.Computation:
    family = "keras_gru" if spec.cell == "gru" else "keras_lstm"
    return families.computation(
        families.get(family), {"cell": spec.cell_kwargs(), "stacking": "cells"}, spec.layers, len(spec.directions) == 2
    )


def plan(network: Network) -> Plan:
    """The Keras layer for ``network``, or the reason there is none (checked by :func:`keras_weights`'s
    port on the real weights too: peepholes and projections are refused there)."""
    refused = Plan(network.name, network.family, network.cell_class)
    try:
        source = source_computation(network)
    except PortError as exc:
        return Plan(network.name, network.family, network.cell_class, refused=str(exc))
    cell = families.get(network.family).cell
    spec = KerasSpec(
        cell,
        network.units,
        network.input_size,
        network.layers,
        tuple(network.directions),
        source.get("activation") or "tanh",
        "sigmoid",
        bool(source.get("reset_after")),
    )
    reason = _structural_refusal(network)
    if not reason:
        try:
            port.check_portable(source, target_computation(spec))
        except PortError as exc:
            reason = str(exc)
    if reason:
        return Plan(refused.network, refused.family, refused.cell_class, refused=reason)
    return Plan(network.name, network.family, network.cell_class, keras=spec)


def _structural_refusal(network: Network) -> str:
    if network.peepholes:
        return "peepholes (use_peepholes) feed the cell state into the gates; Keras LSTM has none"
    if network.num_proj is not None:
        return f"num_proj projects the LSTM output to {network.num_proj} units; Keras LSTM has no projection"
    return ""


def keras_weights(network: Network, spec: KerasSpec, values: Mapping[str, np.ndarray]) -> Variables:
    """The Keras cells' weights ``{(layer, direction, param): array}`` computing what the checkpoint's
    ``values`` (checkpoint name -> array) compute in ``network``; PortError when they cannot."""
    weights = [Weight(v.name, v.layer, v.direction, v.param, np.asarray(values[v.name])) for v in network.variables]
    return port.port(
        weights,
        source_computation(network),
        target_computation(spec),
        network.units,
        network.layers,
        list(network.directions),
    )


def tf1_values(network: Network, values: Mapping[str, np.ndarray]) -> Variables:
    """The checkpoint's arrays keyed as the TF1 route loads them: ``(layer, direction, param)``."""
    return {(v.layer, v.direction, v.param): np.asarray(values[v.name]) for v in network.variables}


BATCH_STEPS = 7
# sequence lengths of the batches every network runs on: whole sequences, then padded ones (length 1 and
# the full length among them); the padding holds random values, not zeros, so ignoring it is proven
BATCH_LENGTHS = ((BATCH_STEPS, BATCH_STEPS, BATCH_STEPS), (BATCH_STEPS, 5, 1, 3, BATCH_STEPS, 2))


def batches(input_size: int, seed: int = 0) -> List[Tuple[np.ndarray, np.ndarray]]:
    """The fixed random batches ``[(inputs (batch, steps, input_size) float32, lengths (batch,) int32)]``,
    reproducible in numpy 1.18 and 2 alike."""
    rng = np.random.RandomState(seed)
    return [
        (
            rng.standard_normal((len(lengths), BATCH_STEPS, input_size)).astype(np.float32),
            np.asarray(lengths, dtype=np.int32),
        )
        for lengths in BATCH_LENGTHS
    ]


def staging_key(index: int, *parts: Any) -> str:
    """A key of the staging ``.npz`` the two sides share: ``net{index}/batch0/inputs``,
    ``net{index}/batch0/tf1/state/fw/l0/h``, ``net{index}/keras/0/fw/kernel``."""
    return "/".join([f"net{index}"] + [str(p) for p in parts])
