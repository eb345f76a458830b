"""The ``torch_model.py`` that ``rnncompare convert --to torch`` writes: PyTorch modules needing PyTorch only.

:func:`render` fills :data:`TEMPLATE` with ``RNNS`` (network name -> the TF1 variables it came from, the
options used, the modules and their ``state_dict`` file). The generated file imports nothing of rnncompare;
``build(name)`` makes a ``TF1Network``: per direction one ``nn.LSTM`` / ``nn.GRU(num_layers=layers)`` (each
direction stacks its own layers, as TF1's ``MultiRNNCell`` in ``bidirectional_dynamic_rnn`` did), run on
packed sequences, the backward one on each sequence reversed within its length; ``load(name)`` loads the
``state_dict`` and returns the module in eval mode.
"""

from __future__ import annotations

import pprint
from typing import Any, Dict

TEMPLATE = '''"""PyTorch modules converted from the TF1 checkpoint {checkpoint} by `rnncompare convert` (TensorFlow {tf1}).

Written for tox env {env}; needs PyTorch only. Each module computes what the TF1 network computed:
see proof.json beside this file for the measured max |diff| per output.

    import torch_model
    module = torch_model.load("{example}")      # the module, converted state_dict loaded, eval mode
    sequence, states = module(x, lengths)        # x (batch, steps, input_size) float32, lengths (batch,)

`sequence` (batch, steps, directions * units) holds zeros past each length, as TF1's dynamic_rnn did;
`states` lists per direction, per layer h (and c for an LSTM) at each sequence's last valid step (the
backward direction's at step 0). `RNNS[name]`: `variables` (the checkpoint variables it came from),
`options` (the TF1 cell's), `torch` (the modules), `state_names`; `weights_file(name)`: its state_dict
(torch.save) beside this file. TF1's forget_bias is folded into the forget gate's bias_ih.
"""
import os

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

HERE = os.path.dirname(os.path.abspath(__file__))

RNNS = {rnns}


def weights_file(name):
    """The state_dict file of RNNS[name], beside this file."""
    return os.path.join(HERE, RNNS[name]["stem"] + ".pt")


def reverse_within(x, lengths):
    """Each sequence of x (batch, steps, features) reversed within its length; steps past it stay."""
    steps = torch.arange(x.shape[1]).unsqueeze(0)
    index = lengths.unsqueeze(1) - 1 - steps
    index = torch.where(index >= 0, index, steps).unsqueeze(2).expand(-1, -1, x.shape[2])
    return torch.gather(x, 1, index)


class TF1Network(nn.Module):
    """One TF1 network: per direction a stack of `num_layers` GRU / LSTM layers over the valid steps."""

    def __init__(self, spec):
        super().__init__()
        rnn_class = nn.GRU if spec["cell"] == "gru" else nn.LSTM
        self.lstm = spec["cell"] == "lstm"
        self.directions = nn.ModuleDict(
            {{d: rnn_class(spec["input_size"], spec["units"], num_layers=spec["layers"], batch_first=True)
              for d in spec["directions"]}}
        )

    def forward(self, x, lengths):
        lengths = torch.as_tensor(lengths, dtype=torch.int64).cpu()
        outputs, states = [], []
        for direction, rnn in self.directions.items():
            sequence = x if direction == "fw" else reverse_within(x, lengths)
            packed = pack_padded_sequence(sequence, lengths, batch_first=True, enforce_sorted=False)
            output, state = rnn(packed)
            output = pad_packed_sequence(output, batch_first=True, total_length=x.shape[1])[0]
            outputs.append(output if direction == "fw" else reverse_within(output, lengths))
            h, c = state if self.lstm else (state, None)
            for layer in range(h.shape[0]):
                states.extend([h[layer], c[layer]] if self.lstm else [h[layer]])
        return torch.cat(outputs, dim=-1), states


def build(name):
    """The module of RNNS[name] (weights not loaded)."""
    return TF1Network(RNNS[name]["torch"])


def load(name):
    """The module of RNNS[name] holding the converted trained weights, in eval mode."""
    module = build(name)
    module.load_state_dict(torch.load(weights_file(name), weights_only=True))
    return module.eval()
'''


def render(rnns: Dict[str, Any], checkpoint: str, tf1: str, env: str) -> str:
    """The text of ``torch_model.py`` for ``rnns`` (plain Python literals only)."""
    return TEMPLATE.format(
        checkpoint=checkpoint,
        tf1=tf1,
        env=env,
        example=next(iter(rnns), "NAME"),
        rnns=pprint.pformat(rnns, indent=1, width=110, sort_dicts=False),
    )
