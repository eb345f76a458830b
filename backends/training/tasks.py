"""The training tasks of ``rnncompare impact`` (numpy only): built in, no downloads, and the user's own data.

Each task makes batches from a ``numpy.random.RandomState``, so the same seed gives the same batches in
the same order to both arms of a seed pair. Inputs are ``(batch, steps, input_dim)`` float32; targets
cover the last ``out_steps`` steps: ``(batch, out_steps, out_dim)`` float32 for ``mse`` tasks,
``(batch, out_steps)`` int32 class ids for ``xent`` (softmax cross-entropy) tasks.

* ``adding`` (Hochreiter & Schmidhuber 1997; Le et al. 2015): a value channel uniform in [0, 1) and a
  marker channel with two ones, one in each half; the target is the sum of the two marked values.
  The trivial predictor (the mean, 1) has MSE 1/6.
* ``copy``: ``symbols`` random symbols (of 8), a blank delay of ``length`` steps, then a recall marker;
  the model outputs the symbols again over the last ``symbols`` steps (Hochreiter & Schmidhuber 1997).
* ``charlm``: next-character prediction on a public-domain text shipped here (the opening of the US
  Declaration of Independence, 4 KB), every step predicted.
* ``npz``: the user's ``inputs`` (N, steps, dim) and ``targets`` (float: regression; integer: classes)
  arrays; the last fifth is the test set, batches are drawn from the rest.
"""

import os
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Tuple

import numpy as np

from backends.training.text import DECLARATION

Batch = Tuple[np.ndarray, np.ndarray]
COPY_ALPHABET = 8
TEST_SEED = 2**31 - 2  # the test set's own stream: the same for every arm and seed


@dataclass(frozen=True)
class Task:
    """A task: its shapes, its loss, the loss of the best input-blind predictor, and its batch maker."""

    name: str
    input_dim: int
    out_dim: int
    out_steps: int
    loss: str  # "mse" | "xent"
    trivial_loss: float  # the loss of predicting the targets' mean (mse) or their marginal (xent)
    make: Callable[[np.random.RandomState, int], Batch]
    held_out: Optional[Batch] = None  # the user's own test set; built-in tasks draw theirs

    def test_set(self, size: int) -> Batch:
        if self.held_out is not None:
            return self.held_out
        return self.make(np.random.RandomState(TEST_SEED), size)


def adding(length: int) -> Task:
    half = max(length // 2, 1)

    def make(rng: np.random.RandomState, size: int) -> Batch:
        values = rng.uniform(0.0, 1.0, (size, length)).astype(np.float32)
        first = rng.randint(0, half, size)
        second = rng.randint(half, length, size) if length > 1 else first
        marks = np.zeros((size, length), np.float32)
        rows = np.arange(size)
        marks[rows, first] = 1.0
        marks[rows, second] = 1.0
        target = (values * marks).sum(axis=1).reshape(size, 1, 1).astype(np.float32)
        return np.stack([values, marks], axis=-1), target

    return Task(f"adding-{length}", 2, 1, 1, "mse", 1.0 / 6.0, make)


def copy(length: int, symbols: int = 5) -> Task:
    steps = 2 * symbols + length  # symbols, delay, marker + recall steps

    def make(rng: np.random.RandomState, size: int) -> Batch:
        seq = rng.randint(0, COPY_ALPHABET, (size, symbols))
        x = np.zeros((size, steps, COPY_ALPHABET + 2), np.float32)  # + blank and marker channels
        x[np.arange(size)[:, None], np.arange(symbols)[None, :], seq] = 1.0
        x[:, symbols : steps - symbols, COPY_ALPHABET] = 1.0
        x[:, steps - symbols - 1, COPY_ALPHABET] = 0.0
        x[:, steps - symbols - 1, COPY_ALPHABET + 1] = 1.0
        return x, seq.astype(np.int32)

    return Task(f"copy-{length}", COPY_ALPHABET + 2, COPY_ALPHABET, symbols, "xent", float(np.log(COPY_ALPHABET)), make)


def charlm(length: int) -> Task:
    text = " ".join(DECLARATION.lower().split())
    alphabet = sorted(set(text))
    ids = np.asarray([alphabet.index(c) for c in text], dtype=np.int32)
    counts = np.bincount(ids, minlength=len(alphabet)) / float(ids.size)
    entropy = float(-(counts[counts > 0] * np.log(counts[counts > 0])).sum())
    eye = np.eye(len(alphabet), dtype=np.float32)

    def make(rng: np.random.RandomState, size: int) -> Batch:
        starts = rng.randint(0, ids.size - length - 1, size)
        window = np.stack([ids[s : s + length + 1] for s in starts])
        return eye[window[:, :-1]], window[:, 1:].astype(np.int32)

    return Task(f"charlm-{length}", len(alphabet), len(alphabet), length, "xent", entropy, make)


def from_arrays(name: str, inputs: np.ndarray, targets: np.ndarray) -> Task:
    """A task over the user's arrays: float targets are regressed (MSE), integer targets are class ids."""
    inputs = np.asarray(inputs, dtype=np.float32)
    if inputs.ndim != 3:
        raise ValueError(f"inputs have shape {inputs.shape}; expected (examples, steps, features)")
    targets = np.asarray(targets)
    if targets.shape[0] != inputs.shape[0] or inputs.shape[0] < 10:
        raise ValueError(f"{inputs.shape[0]} inputs and {targets.shape[0]} targets; expected as many, >= 10")
    classes = np.issubdtype(targets.dtype, np.integer)
    if classes:
        targets = targets.reshape(targets.shape[0], -1).astype(np.int32)
        out_dim, out_steps = int(targets.max()) + 1, targets.shape[1]
        freq = np.bincount(targets.ravel(), minlength=out_dim) / float(targets.size)
        trivial = float(-(freq[freq > 0] * np.log(freq[freq > 0])).sum())
    else:
        targets = targets.astype(np.float32)
        if targets.ndim < 3:
            targets = targets.reshape(targets.shape[0], 1, -1)
        out_steps, out_dim = int(targets.shape[1]), int(targets.shape[-1])
        trivial = float(targets.var(axis=0).mean())
    test = max(inputs.shape[0] // 5, 1)
    train_x, train_y = inputs[:-test], targets[:-test]
    test_x, test_y = inputs[-test:], targets[-test:]

    def make(rng: np.random.RandomState, size: int) -> Batch:
        rows = rng.randint(0, train_x.shape[0], size)
        return train_x[rows], train_y[rows]

    kind = "xent" if classes else "mse"
    return Task(name, inputs.shape[2], out_dim, out_steps, kind, trivial, make, (test_x, test_y))


def build(spec: Dict[str, Any]) -> Task:
    """The task a job names: ``{"name": "adding" | "copy" | "charlm" | "npz" | "python", "length": ...,
    "path": ..., "entry": "module:function"}``."""
    name, length = spec["name"], int(spec.get("length") or 0)
    if name in ("adding", "copy", "charlm"):
        return {"adding": adding, "copy": copy, "charlm": charlm}[name](length)
    if name == "npz":
        with np.load(spec["path"], allow_pickle=False) as data:
            return from_arrays(os.path.basename(spec["path"]), data["inputs"], data["targets"])
    if name == "python":
        module, _, function = spec["entry"].partition(":")
        made = getattr(__import__(module, fromlist=[function]), function)()
        return from_arrays(spec["entry"], *made)
    raise ValueError(f"unknown task {name!r}")


def steps_of(task: Task) -> int:
    """How many time steps one input sequence of ``task`` has (the network's unrolled length)."""
    x, _ = task.make(np.random.RandomState(0), 1)
    return int(x.shape[1])
