"""``rnncompare convert --to torch``, PyTorch side (k3-torch): store the ``state_dict``, then prove the modules
in a fresh process.

``python -m backends.checkpoint.store_torch save --dir DIR --staging STAGING.npz --out SAVED.json``: imports
``DIR/torch_model.py``, builds each network's module, loads the ``state_dict`` the TF1 side ported
(``netI/torch/KEY`` in the staging ``.npz``; every key of the module, no other) and writes it with
``torch.save``.

``python -m backends.checkpoint.store_torch prove --dir DIR --staging STAGING.npz --out PROOF.json`` (a separate
process): imports ``DIR/torch_model.py``, ``load(name)`` for each network, runs the module on the staging
batches with their lengths (packed sequences) and compares with the TF1 outputs as the Keras side does:
the output sequence at valid steps and every final state, max |diff| against the tolerance, and what the
module gives at the padded steps.
"""

import os
import sys
from typing import Any, Dict, List, Optional

import numpy as np

from backends.checkpoint import proof


def _torch() -> Any:
    import torch

    torch.set_num_threads(1)  # small matrices; the machine runs other envs beside
    return torch


def torch_model(folder: str) -> Any:
    """``folder/torch_model.py`` imported as a module of its own."""
    return proof.import_beside(folder, "torch_model.py")


def save(folder: str, staging: str) -> Dict[str, Any]:
    """Load and save every module's converted ``state_dict``; returns the file written, per network."""
    torch = _torch()
    module = torch_model(folder)
    arrays = np.load(staging)
    written = {}
    for name, record in module.RNNS.items():
        built = module.build(name)
        prefix = "net{}/torch/".format(record["index"])
        state = {k[len(prefix) :]: torch.from_numpy(arrays[k]) for k in arrays.files if k.startswith(prefix)}
        built.load_state_dict(state, strict=True)  # a missing, extra or misshapen parameter is an error
        torch.save(built.state_dict(), module.weights_file(name))
        written[name] = os.path.basename(module.weights_file(name))
    return written


def prove(folder: str, staging: str) -> Dict[str, Any]:
    """Every module of ``folder/torch_model.py`` loaded and run against the TF1 outputs in ``staging``."""
    torch = _torch()
    module = torch_model(folder)
    arrays = np.load(staging)
    networks = {}
    for name, record in module.RNNS.items():
        network = module.load(name)

        def run(inputs: np.ndarray, lengths: np.ndarray, network: Any = network) -> List[np.ndarray]:
            with torch.no_grad():
                sequence, states = network(torch.from_numpy(inputs), torch.from_numpy(lengths))
            return [t.numpy() for t in [sequence] + list(states)]

        networks[name] = proof.prove_network(name, record, record["torch"]["directions"], arrays, run)
    return {
        "torch": torch.__version__,
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "tolerance": proof.TOLERANCE,
        "networks": networks,
    }


def main(argv: Optional[List[str]] = None) -> int:
    return proof.store_main("backends.checkpoint.store_torch", __doc__, "torch_model.py", save, prove, argv)


if __name__ == "__main__":
    sys.exit(main())
