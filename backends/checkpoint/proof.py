"""What the sides of ``rnncompare convert``'s proof share: the generated model file imported as a module,
the worst |diff| between the TF1 outputs and the converted layer's (with where it is and both values
there), and the command line of every ``store_*`` module."""

import importlib.util
import json
import os
import sys
from typing import Any, Callable, Dict, List, Optional

import numpy as np

from compare.errors import ArgumentParser

TOLERANCE = 1e-5


def import_beside(folder: str, filename: str) -> Any:
    """``folder/filename`` (``keras_model.py``, ``torch_model.py``) imported as a module of its own."""
    sys.dont_write_bytecode = True  # no __pycache__ in the user's folder
    path = os.path.join(folder, filename)
    spec = importlib.util.spec_from_file_location(filename[: -len(".py")], path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path} as a module")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def worst(tf1: np.ndarray, keras: np.ndarray, valid: Optional[np.ndarray] = None) -> Dict[str, Any]:
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


def masked_steps(output: np.ndarray, lengths: np.ndarray, directions: List[str]) -> Dict[str, Any]:
    """What the converted layer gives at padded steps, per direction: zeros, the last valid step's output repeated, or else."""
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


def valid_steps(inputs: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """(batch, steps, 1) booleans: which steps of ``inputs`` lie within their sequence's length."""
    return np.arange(inputs.shape[1])[None, :, None] < lengths[:, None, None]


def network_proof(outputs: Dict[str, Dict[str, Any]], masked: Dict[str, Any]) -> Dict[str, Any]:
    """One network's entry of proof.json from its per-output comparisons."""
    return {
        "pass": all(o["pass"] for o in outputs.values()),
        "max_abs_diff": max(o["max_abs_diff"] for o in outputs.values()),
        "outputs": outputs,
        "masked_steps": masked,
    }


def prove_network(
    name: str,
    record: Dict[str, Any],
    directions: List[str],
    arrays: Any,
    run: Callable[[np.ndarray, np.ndarray], List[np.ndarray]],
) -> Dict[str, Any]:
    """One network's entry of proof.json: ``run(inputs, lengths)`` gives the converted layer's outputs on each
    staging batch of ``record`` (its ``RNNS`` entry) as numpy arrays: the sequence, then the final states in
    ``record["state_names"]`` order. Each is compared with the TF1 outputs: the sequence at valid steps,
    every final state whole."""
    prefix = "net{}/".format(record["index"])
    batches = sorted({k.split("/")[1] for k in arrays.files if k.startswith(prefix + "batch")})
    outputs, masked = {}, {}
    for batch in batches:
        inputs = arrays[prefix + batch + "/inputs"]
        lengths = arrays[prefix + batch + "/lengths"]
        result = run(inputs, lengths)
        outputs[batch + "/output"] = worst(
            arrays[prefix + batch + "/tf1/output"], result[0], valid_steps(inputs, lengths)
        )
        names = record["state_names"]
        if len(result) - 1 != len(names):
            raise ValueError(f"{name}: the converted layer returned {len(result) - 1} states, TF1 has {len(names)}")
        for state, value in zip(names, result[1:]):
            outputs[batch + "/" + state] = worst(arrays[prefix + batch + "/tf1/" + state], value)
        masked[batch] = masked_steps(result[0], lengths, directions)
    return network_proof(outputs, masked)


def store_main(
    module: str,
    doc: Optional[str],
    model_file: str,
    save: Callable[[str, str], Dict[str, Any]],
    prove: Callable[[str, str], Dict[str, Any]],
    argv: Optional[List[str]] = None,
) -> int:
    """The command line every ``store_*`` module has: ``save`` the weights beside ``model_file``, or
    ``prove`` them against the TF1 side; the result goes to ``--out`` as JSON."""
    parser = ArgumentParser(prog=f"python -m {module}", description=(doc or "").split("\n")[0])
    parser.add_argument("step", choices=("save", "prove"))
    parser.add_argument("--dir", required=True, help=f"the folder holding {model_file}")
    parser.add_argument("--staging", required=True, help="the TF1 side's .npz")
    parser.add_argument("--out", required=True, help="the JSON to write: what was saved, or the proof")
    args = parser.parse_args(argv)
    result = save(args.dir, args.staging) if args.step == "save" else prove(args.dir, args.staging)
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=1)
    return 0
