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

import importlib.util
import json
import os
import sys
from typing import Any, Dict, List, Optional

import numpy as np

from backends import tfenv
from compare.errors import ArgumentParser

TOLERANCE = 1e-5


def keras_model(folder: str) -> Any:
    """``folder/keras_model.py`` imported as a module of its own."""
    sys.dont_write_bytecode = True  # no __pycache__ in the user's folder
    path = os.path.join(folder, "keras_model.py")
    spec = importlib.util.spec_from_file_location("keras_model", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path} as a module")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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


def _worst(tf1: np.ndarray, keras: np.ndarray, valid: Optional[np.ndarray] = None) -> Dict[str, Any]:
    """max |diff| over the valid elements, where it is and both sides' values there (assert_allclose-like)."""
    diff = np.abs(tf1.astype(np.float64) - keras.astype(np.float64))
    if valid is not None:
        diff = np.where(valid, diff, -1.0)
    where = np.unravel_index(int(np.argmax(diff)), diff.shape)
    worst = float(diff[where])
    return {
        "max_abs_diff": worst,
        "where": [int(i) for i in where],
        "tf1": float(tf1[where]),
        "keras": float(keras[where]),
        "shape": list(tf1.shape),
        "tolerance": TOLERANCE,
        "pass": bool(worst <= TOLERANCE),
    }


def _masked_steps(output: np.ndarray, lengths: np.ndarray, directions: List[str]) -> Dict[str, Any]:
    """What Keras gives at padded steps, per direction: zeros, the last valid step's output repeated, or else."""
    found = {}
    half = output.shape[-1] // len(directions)
    for i, direction in enumerate(directions):
        part = output[..., i * half : (i + 1) * half]
        zeros, repeats, padded = True, True, 0
        for b, length in enumerate(lengths):
            tail = part[b, int(length) :]
            if tail.size == 0:
                continue
            padded += tail.shape[0]
            zeros = zeros and bool(np.all(tail == 0))
            # the forward direction's last valid step is length-1; the backward one's output, reversed back,
            # holds its final value at step 0
            edge = part[b, int(length) - 1] if direction == "fw" else part[b, 0]
            repeats = repeats and bool(np.all(tail == edge))
        if not padded:
            continue
        found[direction] = {
            "padded_steps": padded,
            "behaviour": "zeros"
            if zeros
            else ("repeats the direction's last computed output" if repeats else "other values"),
        }
    return found


def prove(folder: str, staging: str) -> Dict[str, Any]:
    """Every layer of ``folder/keras_model.py`` loaded and run against the TF1 outputs in ``staging``."""
    tf = tfenv.tensorflow()
    module = keras_model(folder)
    arrays = np.load(staging)
    networks = {}
    for name, record in module.RNNS.items():
        layer = module.load(name)
        spec = record["keras"]
        prefix = "net{}/".format(record["index"])
        batches = sorted({k.split("/")[1] for k in arrays.files if k.startswith(prefix + "batch")})
        outputs, masked = {}, {}
        for batch in batches:
            inputs = arrays[prefix + batch + "/inputs"]
            lengths = arrays[prefix + batch + "/lengths"]
            mask = tf.sequence_mask(lengths, inputs.shape[1])
            result = [np.asarray(t) for t in tf.nest.flatten(layer(tf.constant(inputs), mask=mask))]
            valid = np.arange(inputs.shape[1])[None, :, None] < lengths[:, None, None]
            outputs[batch + "/output"] = _worst(arrays[prefix + batch + "/tf1/output"], result[0], valid)
            names = record["state_names"]
            if len(result) - 1 != len(names):
                raise ValueError(f"{name}: Keras returned {len(result) - 1} states, TF1 has {len(names)}")
            for state, value in zip(names, result[1:]):
                outputs[batch + "/" + state] = _worst(arrays[prefix + batch + "/tf1/" + state], value)
            masked[batch] = _masked_steps(result[0], lengths, spec["directions"])
        worst = max(o["max_abs_diff"] for o in outputs.values())
        networks[name] = {
            "pass": all(o["pass"] for o in outputs.values()),
            "max_abs_diff": worst,
            "outputs": outputs,
            "masked_steps": masked,
        }
    return {
        "tensorflow": tf.__version__,
        "keras": tfenv.keras_flavor(tf),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "tolerance": TOLERANCE,
        "networks": networks,
    }


def main(argv: Optional[List[str]] = None) -> int:
    parser = ArgumentParser(prog="python -m backends.checkpoint.store_keras", description=__doc__.split("\n")[0])
    parser.add_argument("step", choices=("save", "prove"))
    parser.add_argument("--dir", required=True, help="the folder holding keras_model.py")
    parser.add_argument("--staging", required=True, help="the TF1 side's .npz")
    parser.add_argument("--out", required=True, help="the JSON to write: what was saved, or the proof")
    args = parser.parse_args(argv)
    result = save(args.dir, args.staging) if args.step == "save" else prove(args.dir, args.staging)
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
