"""``rnncompare convert --to flax``, Flax side (k3-jax): store the params, then prove the modules in a fresh
process.

``python -m backends.checkpoint.store_flax save --dir DIR --staging STAGING.npz --out SAVED.json``: imports
``DIR/flax_model.py``, initializes each network's module to learn its params tree, checks that the params
the TF1 side ported (``netI/flax/PATH`` in the staging ``.npz``) are that tree, path for path and shape for
shape, and writes them with ``flax.serialization.msgpack_serialize``.

``python -m backends.checkpoint.store_flax prove --dir DIR --staging STAGING.npz --out PROOF.json`` (a separate
process): imports ``DIR/flax_model.py``, ``load(name)`` for each network, applies the module to the staging
batches with their lengths and compares with the TF1 outputs as the Keras side does.
"""

import os
import sys
from typing import Any, Dict, List, Optional

import numpy as np

from backends.checkpoint import proof


def flax_model(folder: str) -> Any:
    """``folder/flax_model.py`` imported as a module of its own."""
    return proof.import_beside(folder, "flax_model.py")


def save(folder: str, staging: str) -> Dict[str, Any]:
    """Check and save every module's converted params; returns the file written, per network."""
    import jax
    from flax import serialization, traverse_util

    module = flax_model(folder)
    arrays = np.load(staging)
    written = {}
    for name, record in module.RNNS.items():
        spec = record["flax"]
        example = np.zeros((1, 1, spec["input_size"]), np.float32)
        built = module.build(name).init(jax.random.PRNGKey(0), example, np.ones(1, np.int32))["params"]
        expected = {"/".join(p): tuple(v.shape) for p, v in traverse_util.flatten_dict(built).items()}
        prefix = "net{}/flax/".format(record["index"])
        ported = {k[len(prefix) :]: arrays[k] for k in arrays.files if k.startswith(prefix)}
        if expected != {k: v.shape for k, v in ported.items()}:
            raise ValueError(f"{name}: the module's params are {expected}, the converted ones differ")
        params = traverse_util.unflatten_dict({tuple(k.split("/")): v for k, v in ported.items()})
        with open(module.weights_file(name), "wb") as handle:
            handle.write(serialization.msgpack_serialize(params))
        written[name] = os.path.basename(module.weights_file(name))
    return written


def prove(folder: str, staging: str) -> Dict[str, Any]:
    """Every module of ``folder/flax_model.py`` loaded and applied against the TF1 outputs in ``staging``."""
    import flax
    import jax

    module = flax_model(folder)
    arrays = np.load(staging)
    networks = {}
    for name, record in module.RNNS.items():
        network, variables = module.load(name)

        def run(inputs: np.ndarray, lengths: np.ndarray, network: Any = network, variables: Any = variables) -> Any:
            sequence, states = network.apply(variables, inputs, lengths)
            return [np.asarray(t) for t in [sequence] + list(states)]

        networks[name] = proof.prove_network(name, record, record["flax"]["directions"], arrays, run)
    return {
        "flax": flax.__version__,
        "jax": jax.__version__,
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "tolerance": proof.TOLERANCE,
        "networks": networks,
    }


def main(argv: Optional[List[str]] = None) -> int:
    return proof.store_main("backends.checkpoint.store_flax", __doc__, "flax_model.py", save, prove, argv)


if __name__ == "__main__":
    sys.exit(main())
