"""``rnncompare convert``, Keras side: store the converted weights, then prove the layers in a fresh process.

``python -m backends.checkpoint.store_keras save --dir DIR --staging STAGING.npz``: imports ``DIR/keras_model.py``,
builds each of its layers, sets the Keras weights the TF1 side ported (``netI/keras/...`` in the staging
``.npz``) and saves them with the model's ``save_weights`` in this Keras's own format.

``python -m backends.checkpoint.store_keras prove --dir DIR --staging STAGING.npz --out PROOF.json`` (run as a
separate process, so nothing of ``save`` is left in memory): imports ``DIR/keras_model.py``, ``load(name)``
for each layer, runs it on the staging batches with the mask made from the sequence lengths and compares
with the TF1 outputs: the output sequence at valid steps (t < length) and every final state, max |diff|
with both sides' values at the worst element, against the tolerance. It also measures what Keras gives at
the masked steps, where TF1's ``dynamic_rnn`` gives zeros.
"""

import os
import sys
from typing import Any, Dict, List, Optional

import numpy as np

from backends import kerasenv
from backends.checkpoint import proof


def keras_model(folder: str) -> Any:
    """``folder/keras_model.py`` imported as a module of its own."""
    return proof.import_beside(folder, "keras_model.py")


def save(folder: str, staging: str) -> Dict[str, Any]:
    """Set and save every layer's converted weights; returns what was written, per network."""
    module = keras_model(folder)
    arrays = np.load(staging)
    written = {}
    for name, record in module.RNNS.items():
        model, layer = module.build(name)
        values = [arrays["net{}/keras/{}".format(record["index"], key)] for key in record["weight_order"]]
        shapes = [tuple(w.shape) for w in layer.get_weights()]
        if shapes != [v.shape for v in values]:
            raise ValueError(
                f"{name}: the built layer's weights have shapes {shapes}, the converted ones {[v.shape for v in values]}"
            )
        layer.set_weights(values)
        model.save_weights(module.weights_file(name))
        written[name] = os.path.basename(module.weights_file(name))
    return written


def _flat(result: Any) -> List[Any]:
    """The layer's outputs as one list (the sequence, then the states), however this Keras nests them."""
    if isinstance(result, (list, tuple)):
        return [t for item in result for t in _flat(item)]
    return [result]


def _versions(tf: Optional[Any]) -> Dict[str, Any]:
    """This side's TensorFlow (None without it), Keras (with its backend), the backend library, Python, numpy."""
    keras = kerasenv.flavor(tf)
    found: Dict[str, Any] = {"tensorflow": tf.__version__ if tf is not None else None, "keras": keras}
    if tf is None:
        found[keras["backend"]] = __import__(keras["backend"]).__version__
    return dict(found, python=sys.version.split()[0], numpy=np.__version__)


def prove(folder: str, staging: str) -> Dict[str, Any]:
    """Every layer of ``folder/keras_model.py`` loaded and run against the TF1 outputs in ``staging``."""
    tf = kerasenv.tensorflow()
    module = keras_model(folder)
    arrays = np.load(staging)
    networks = {}
    for name, record in module.RNNS.items():
        layer = module.load(name)

        def run(inputs: np.ndarray, lengths: np.ndarray, layer: Any = layer) -> List[np.ndarray]:
            mask = kerasenv.constant(tf, proof.valid_steps(inputs, lengths)[:, :, 0])
            return [kerasenv.to_numpy(tf, t) for t in _flat(layer(kerasenv.constant(tf, inputs), mask=mask))]

        networks[name] = proof.prove_network(name, record, record["keras"]["directions"], arrays, run)
    return dict(_versions(tf), tolerance=proof.TOLERANCE, networks=networks)


def main(argv: Optional[List[str]] = None) -> int:
    return proof.store_main("backends.checkpoint.store_keras", __doc__, "keras_model.py", save, prove, argv)


if __name__ == "__main__":
    sys.exit(main())
