"""The one trainer of every impact arm: Keras 3 on TensorFlow 2.21 (the tf221 env), CPU, deterministic ops.

    python -m backends.training.train --job JOB.json --out RESULT.json [--part I/N]

``JOB.json`` (written by ``compare.host.impact``): the task, the budget, the arms (label, export ``.npz``,
``SCENARIO/ROUTE/`` prefix) and the seeds. The process trains every (arm, seed) of its part (``I/N``:
every N-th, from the I-th) and writes their loss curves to ``RESULT.json`` atomically; a progress line per
run goes to stderr.

Why one trainer: only the starting weights and the cell's function may differ between arms, so the
optimizer, its numerics and the op kernels are held equal by running every arm in one env. Keras 3 in
TF 2.21 builds every cell function an arm needs (``reset_after`` both ways, any activation as a function)
and is where a migration lands. For seed ``s`` both arms get the same batches in the same order
(``RandomState(s)``), the same Dense head (glorot-uniform from ``RandomState(s)``) and the same Adam.
"""

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np

from backends import envinfo, tfenv
from backends.training import arms, tasks
from compare import artifact
from compare.errors import ArgumentParser


def hard_sigmoid_02(x: Any) -> Any:
    """TF 1.x and Keras 2 ``hard_sigmoid``: clip(0.2 x + 0.5, 0, 1)."""
    from keras import ops

    return ops.clip(0.2 * x + 0.5, 0.0, 1.0)


def hard_sigmoid_16(x: Any) -> Any:
    """Keras 3 ``hard_sigmoid``: relu6(x + 3) / 6 = clip(x / 6 + 0.5, 0, 1)."""
    from keras import ops

    return ops.clip(x / 6.0 + 0.5, 0.0, 1.0)


def _activation(name: str) -> Any:
    """The Keras activation computing the KNOWN function ``name`` (the grid check in arms chose it);
    registered so that ``Bidirectional``, which rebuilds its layer from its config, finds it."""
    if name in ("sigmoid", "tanh"):
        return name
    import keras as keras_package  # tf.keras in TF 2.21 is a view of Keras 3 without its saving module

    function = {"hard_sigmoid_0.2": hard_sigmoid_02, "hard_sigmoid_1/6": hard_sigmoid_16}[name]
    return keras_package.saving.register_keras_serializable(package="rnncompare")(function)


def _cell_kwargs(arm: arms.Arm) -> Dict[str, Any]:
    kwargs = {
        "units": arm.units,
        "activation": _activation(arm.activation),
        "recurrent_activation": _activation(arm.recurrent_activation),
    }
    if arm.cell == "gru":
        kwargs["reset_after"] = arm.reset_after
    return kwargs


def _recurrent(keras: Any, arm: arms.Arm, inputs: Any) -> Any:
    """The arm's layers on ``inputs``, stacked as the route stacks them; the output sequence."""
    layers = keras.layers
    one = layers.GRU if arm.cell == "gru" else layers.LSTM
    cell = layers.GRUCell if arm.cell == "gru" else layers.LSTMCell
    bidirectional = len(arm.directions) == 2
    if arm.per_level:
        out = inputs
        for _ in range(arm.layers):
            layer = one(return_sequences=True, **_cell_kwargs(arm))
            out = (layers.Bidirectional(layer) if bidirectional else layer)(out)
        return out
    if arm.layers == 1:
        layer = one(return_sequences=True, **_cell_kwargs(arm))
    else:
        layer = layers.RNN([cell(**_cell_kwargs(arm)) for _ in range(arm.layers)], return_sequences=True)
    return (layers.Bidirectional(layer) if bidirectional else layer)(inputs)


def build_model(keras: Any, arm: arms.Arm, task: Any) -> Any:
    """Input -> the arm's recurrent layers -> the last ``out_steps`` steps -> Dense; weights set by
    :func:`start`."""
    steps = tasks.steps_of(task)
    inputs = keras.Input((steps, arm.input_dim))
    sequence = _recurrent(keras, arm, inputs)
    tail = keras.layers.Cropping1D((steps - task.out_steps, 0))(sequence)
    return keras.Model(inputs, keras.layers.Dense(task.out_dim)(tail))


def start(model: Any, arm: arms.Arm, weights: List[np.ndarray], seed: int) -> None:
    """Set the arm's ported draw into the recurrent layers, the seed's glorot-uniform Dense head (the same
    for every arm of the seed) and, once compiled, Adam's state back to its start (step 0, zero moments)."""
    recurrent = [w for layer in model.layers[1:-2] for w in layer.weights]
    if [tuple(w.shape) for w in recurrent] != [v.shape for v in weights]:
        raise ValueError(
            f"{arm.label}: Keras weights {[tuple(w.shape) for w in recurrent]}, the draw's {[v.shape for v in weights]}"
        )
    for variable, value in zip(recurrent, weights):
        variable.assign(value)
    fan_in, out_dim = (int(d) for d in model.layers[-1].kernel.shape)
    limit = np.sqrt(6.0 / (fan_in + out_dim))
    rng = np.random.RandomState(seed)
    model.layers[-1].kernel.assign(rng.uniform(-limit, limit, (fan_in, out_dim)).astype(np.float32))
    model.layers[-1].bias.assign(np.zeros(out_dim, np.float32))
    optimizer = getattr(model, "optimizer", None)
    for variable in optimizer.variables if optimizer is not None else ():
        if not variable.path.endswith("/learning_rate"):
            variable.assign(np.zeros(variable.shape, variable.dtype))


def _padded(x: np.ndarray, dim: int) -> np.ndarray:
    """The task's features, then zeros up to the scenario's input_dim: the network keeps the scenario's
    shape (its kernel drawn over all ``dim`` rows), the rows past the task's features see no input."""
    if x.shape[-1] > dim:
        raise ValueError(f"the task has {x.shape[-1]} input features, the scenario's layer takes {dim}")
    return np.concatenate([x, np.zeros(x.shape[:-1] + (dim - x.shape[-1],), x.dtype)], axis=-1)


def _loss(task: Any, predicted: np.ndarray, target: np.ndarray) -> float:
    predicted = np.asarray(predicted, dtype=np.float64)
    if task.loss == "mse":
        return float(np.mean((predicted - target) ** 2))
    shifted = predicted - predicted.max(axis=-1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return float(-np.mean(np.take_along_axis(logp, target[..., None].astype(np.int64), axis=-1)))


def train_one(
    keras: Any, job: Dict[str, Any], arm: arms.Arm, weights: List[np.ndarray], seed: int, model: Any = None
) -> Dict[str, Any]:
    """One (arm, seed) run: its test-loss curve at every ``eval_every`` steps (step 0 included). ``model``:
    this arm's model from an earlier seed, reused (its training step is traced once per process)."""
    budget = job["budget"]
    task = tasks.build(job["task"])
    keras.utils.set_random_seed(seed)
    if model is None:
        model = build_model(keras, arm, task)
        loss = "mse" if task.loss == "mse" else keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        model.compile(optimizer=keras.optimizers.Adam(budget["learning_rate"]), loss=loss)
    start(model, arm, weights, seed)
    test_x, test_y = task.test_set(budget["test_size"])
    test_x = _padded(test_x, arm.input_dim)
    rng = np.random.RandomState(seed)
    steps, curve, train = [0], [_loss(task, model.predict_on_batch(test_x), test_y)], []
    for step in range(1, budget["steps"] + 1):
        x, y = task.make(rng, budget["batch"])
        train.append(float(model.train_on_batch(_padded(x, arm.input_dim), y)))
        if step % budget["eval_every"] == 0 or step == budget["steps"]:
            steps.append(step)
            curve.append(_loss(task, model.predict_on_batch(test_x), test_y))
    return {
        "arm": arm.label,
        "seed": seed,
        "steps": steps,
        "test_loss": curve,
        "train_loss_last": train[-1],
        "model": model,
    }


def _jobs(job: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [dict(a, seed=s) for s in job["seeds"] for a in job["arms"]]


def run(job: Dict[str, Any], part: int, parts: int) -> List[Dict[str, Any]]:
    tf = tfenv.tensorflow()
    tf.config.experimental.enable_op_determinism()
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    keras = tfenv.keras(tf)
    results = []
    opened: Dict[str, Any] = {}
    models: Dict[str, Any] = {}
    for item in _jobs(job)[part::parts]:
        started = time.time()
        draws = opened.setdefault(item["draws"], np.load(item["draws"], allow_pickle=False))
        meta = arms.read_meta(draws, item["prefix"])
        if meta is None:
            raise ValueError(f"{item['label']}: {item['draws']} holds no draws of {item['prefix']}")
        arm = arms.arm(item["label"], meta)
        weights = arms.keras_weights(arm, draws, item["prefix"], item["seed"])
        result = train_one(keras, job, arm, weights, int(job["seed_base"]) + item["seed"], models.get(arm.label))
        models[arm.label] = result.pop("model")
        result.update(seed=item["seed"], seconds=round(time.time() - started, 2))
        results.append(result)
        print(
            f"[impact] {item['label']} seed {item['seed']}: test loss {result['test_loss'][0]:.4g} -> "
            f"{result['test_loss'][-1]:.4g} ({result['seconds']:.1f} s)",
            file=sys.stderr,
            flush=True,
        )
    return results


def main(argv: Optional[List[str]] = None) -> int:
    parser = ArgumentParser(prog="python -m backends.training.train", description=__doc__.split("\n")[0])
    parser.add_argument("--job", required=True, help="the job JSON (compare.host.impact writes it)")
    parser.add_argument("--out", required=True, help="the result JSON to write")
    parser.add_argument("--part", default="0/1", help="I/N: train every N-th run from the I-th")
    args: argparse.Namespace = parser.parse_args(argv)
    with open(args.job, encoding="utf-8") as handle:
        job = json.load(handle)
    part, parts = (int(p) for p in args.part.split("/"))
    results = run(job, part, parts)
    task = tasks.build(job["task"])
    about = {"name": task.name, "loss": task.loss, "trivial_loss": task.trivial_loss, "steps": tasks.steps_of(task)}
    text = json.dumps({"env": envinfo.env_info(), "task": about, "runs": results})
    artifact.atomic_write(Path(args.out), lambda handle: handle.write(text.encode("utf-8")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
