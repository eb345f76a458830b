"""Initialize already-built PyTorch LSTMs (``nn.LSTM``, ``nn.LSTMCell``) as the TF1 route would have.

TF1's ``LSTMCell`` / ``BasicLSTMCell`` draws one ``kernel`` over the concatenated [x; h] rows,
(inputs + units, 4 * units), from the cell's ``initializer``, else the enclosing variable_scope's, else
``get_variable``'s default ``glorot_uniform``; its ``bias`` is zeros and ``forget_bias`` (default 1.0) is
added to the forget gate at run time. This module draws that kernel with ``torch.nn.init`` over the same
(rows, columns) shape, so the fans and the orthogonal matrix are TF1's, folds ``forget_bias`` into the forget
gate's ``bias_ih`` (PyTorch adds nothing at run time; ``bias_hh`` stays zero), cuts the variables into
per-gate blocks (``compare.core.layout``) and writes them into the module's parameters
(``compare.core.assemble``). Seed torch first for reproducible draws.

Refused, with the reason: a GRU (TF1's ``GRUCell`` resets before the recurrent matmul, PyTorch's ``nn.GRU``
after it: no weights make them the same function), peepholes, ``num_proj`` and ``cell_clip`` (no PyTorch
counterpart), and initializers other than ``glorot_uniform`` and ``orthogonal`` (this recipe draws those two).
"""

from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from backends.routes.torch import located
from compare.core import layout
from compare.core.assemble import RESET_AFTER_REASON, assemble
from compare.core.port import fold_forget_bias
from compare.core.scenario_spec import Initializer
from compare.core.weights import Weight

LSTM_FORGET_BIAS = 1.0  # LSTMCell / BasicLSTMCell default forget_bias
DRAWN = ("glorot_uniform", "orthogonal")  # the scope initializers this recipe draws with torch.nn.init
UNSUPPORTED = ("use_peepholes", "num_proj", "cell_clip")


def unsupported(cell: str, initializer: Optional[Initializer], cell_kwargs: Dict[str, Any]) -> Optional[str]:
    """Why no PyTorch module can start like this TF1 cell, or None."""
    if cell == "gru":
        return "PyTorch's nn.GRU cannot compute TF1's GRUCell: " + RESET_AFTER_REASON
    refused = [k for k in UNSUPPORTED if cell_kwargs.get(k)]
    if refused:
        return f"{refused[0]} has no PyTorch counterpart: an nn.LSTM cannot start like this TF1 cell"
    chosen = cell_kwargs.get("initializer") or initializer
    if chosen is not None and (chosen.name not in DRAWN or "seed" in chosen.params):
        return "the PyTorch recipe draws TF1's {} kernels; {} is not among them".format(
            " and ".join(DRAWN), chosen.to_dict()
        )
    return None


def _kernel(torch: Any, init: Optional[Initializer], rows: int, columns: int) -> np.ndarray:
    """TF1's [x; h] kernel (rows, columns), drawn with torch.nn.init over that very shape."""
    tensor = torch.empty(rows, columns)
    if init is not None and init.name == "orthogonal":
        torch.nn.init.orthogonal_(tensor, gain=init.params.get("gain", 1.0))
    else:  # glorot_uniform: symmetric in the fans, so the (rows, columns) orientation gives TF1's limit
        torch.nn.init.xavier_uniform_(tensor)
    return tensor.numpy()


def _cells(module: Any) -> List[Tuple[int, str, Dict[str, Any]]]:
    """(layer, direction, {param: parameter}) of an nn.LSTM, or of nn.LSTMCell held as ``{dir: [cells]}``."""
    found: Dict[Tuple[int, str], Dict[str, Any]] = {}
    for name, parameter in module.named_parameters():
        layer, direction, param = located(name)
        found.setdefault((layer, direction), {})[param] = parameter
    return [(layer, direction, params) for (layer, direction), params in sorted(found.items())]


def init_like_tf1(
    module: Any, initializer: Optional[Initializer] = None, cell_kwargs: Optional[Dict[str, Any]] = None
) -> None:
    """Overwrite every parameter of a built PyTorch LSTM ``module`` with a TF1-route initialization.

    ``initializer``: the scope initializer reaching the TF1 cells (``Initializer``, or None for TF1's
    default); ``cell_kwargs``: the TF1 cell's keyword arguments (``initializer``, ``forget_bias``).
    """
    import torch

    kwargs = dict(cell_kwargs or {})
    forget_bias = float(kwargs.pop("forget_bias", LSTM_FORGET_BIAS))
    refused = unsupported("lstm", initializer, kwargs)
    if refused:
        raise ValueError(refused)
    init = kwargs.get("initializer") or initializer
    for _, _, params in _cells(module):
        units = int(params["weight_hh"].shape[1])
        inputs = int(params["weight_ih"].shape[1])
        tf1 = {
            "kernel": _kernel(torch, init, inputs + units, 4 * units),
            "bias": np.zeros(4 * units, np.float32),
        }
        weights = [Weight(p, 0, "fw", p, value) for p, value in tf1.items()]
        blocks = {k: b.value for k, b in layout.split("tf1_lstm", weights, units).items()}
        blocks = fold_forget_bias(blocks, forget_bias)
        for gate in ("input", "forget", "cell", "output"):  # the gates see bias_ih + bias_hh: all of it in bias_ih
            blocks[layout.block_key(0, "fw", gate, "recurrent_bias")] = np.zeros(units, np.float32)
        values = assemble("torch_lstm", blocks, units, 1, ["fw"])
        with torch.no_grad():
            for (_, _, param), value in values.items():
                params[param].copy_(torch.from_numpy(np.ascontiguousarray(value, np.float32)))
